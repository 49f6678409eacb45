#!/usr/bin/env node
/**
 * `mqshutdown broker|namesrv [selectors]`: asks running Apogee servers to stop gracefully (SIGTERM:
 * a broker drains first). Like Apache's script it finds them by looking at the processes on this
 * host, not only through pid files; every pid is verified to be an Apogee server of that kind
 * before it is signalled. Selectors pick one of several servers on a host.
 */
import { isRunning } from '../common/process-state.js';
import { parseArgs } from 'node:util';
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultDataDir } from '../common/paths.js';
import { readPidFiles, removePidFile } from './pidfile.js';
import { findServerProcesses, inspectProcess, type ServerKind, type ServerProcess } from './processes.js';

const USAGE = `usage: mqshutdown broker|namesrv [-p <listenPort>] [-b <brokerName>] [-c <configFile>] [-w <seconds>]
Stops every Apogee mqbroker (or mqnamesrv) on this host, or only those matching all selectors given:
  -p, --port        the server listens on this port (its main listenPort)
  -b, --brokerName  the broker's name (brokers only)
  -c, --configFile  the server was started with this -c file
  -w, --wait        seconds to wait for them to exit (default 60)
Exits 0 once every matching server has stopped, 1 if none is running or one did not stop in time.`;

class UsageError extends Error {}

interface Selectors {
  port?: number;
  brokerName?: string;
  configFile?: string;
}

function parse(argv: string[]): { kind: ServerKind; select: Selectors; waitMs: number } {
  const [kind, ...rest] = argv;
  if (kind !== 'broker' && kind !== 'namesrv') throw new UsageError(kind === undefined ? 'say which server: broker or namesrv' : `unknown server kind '${kind}'`);
  let values;
  try {
    ({ values } = parseArgs({
      args: rest,
      options: {
        port: { type: 'string', short: 'p' },
        brokerName: { type: 'string', short: 'b' },
        configFile: { type: 'string', short: 'c' },
        wait: { type: 'string', short: 'w' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    throw new UsageError((err as Error).message.split('. To specify')[0]!);
  }
  const select: Selectors = {};
  if (values.port !== undefined) {
    const port = Number(values.port);
    if (!/^\d+$/.test(values.port) || port < 1 || port > 65535) throw new UsageError(`-p: '${values.port}' is not a port`);
    select.port = port;
  }
  if (values.brokerName !== undefined) {
    if (kind !== 'broker') throw new UsageError('-b (brokerName) selects brokers only');
    select.brokerName = values.brokerName;
  }
  if (values.configFile !== undefined) select.configFile = canonical(values.configFile);
  const wait = values.wait === undefined ? 60 : Number(values.wait);
  if (!Number.isFinite(wait) || wait < 0) throw new UsageError(`-w: '${values.wait}' is not a number of seconds`);
  return { kind, select, waitMs: wait * 1000 };
}

function canonical(path: string): string {
  try {
    return realpathSync(resolve(path));
  } catch {
    return resolve(path);
  }
}

function matches(p: ServerProcess, s: Selectors): boolean {
  if (s.port !== undefined && !p.listenPorts.includes(s.port)) return false;
  if (s.brokerName !== undefined && p.brokerName !== s.brokerName) return false;
  if (s.configFile !== undefined && (!p.configFile || canonical(p.configFile) !== s.configFile)) return false;
  return true;
}

function describe(p: ServerProcess): string {
  const parts = [`pid ${p.pid}`];
  if (p.brokerName && p.kinds.includes('broker')) parts.push(`brokerName ${p.brokerName}`);
  if (p.listenPorts.length) parts.push(`ports ${p.listenPorts.join(',')}`);
  if (p.configFile) parts.push(`-c ${p.configFile}`);
  return parts.join(' ');
}


async function main(): Promise<number> {
  const argv = process.argv.slice(2);
  if (argv[0] === '-h' || argv[0] === '--help') {
    process.stdout.write(USAGE + '\n');
    return 0;
  }
  const { kind, select, waitMs } = parse(argv);
  const name = `mq${kind}`;
  const found = new Map<number, ServerProcess>();
  for (const p of findServerProcesses()) if (p.kinds.includes(kind)) found.set(p.pid, p);
  // Pid files add servers a process listing may miss (another platform's ps); each is verified.
  const home = defaultDataDir();
  for (const { file, pid } of readPidFiles(home, `${kind}-`)) {
    if (found.has(pid)) continue;
    const p = pid === process.pid ? undefined : inspectProcess(pid);
    if (p?.kinds.includes(kind)) found.set(pid, p);
    else {
      process.stderr.write(`mqshutdown: ignoring stale pid file ${file}: pid ${pid} is not an Apogee ${name}; removed it\n`);
      removePidFile(file);
    }
  }
  const all = [...found.values()].sort((a, b) => a.pid - b.pid);
  const targets = all.filter((p) => matches(p, select));
  if (targets.length === 0) {
    const others = all.length ? ` Running, not matching: ${all.map(describe).join('; ')}.` : '';
    const filter = Object.keys(select).length ? ` matching ${Object.entries(select).map(([k, v]) => `${k}=${String(v)}`).join(' ')}` : '';
    process.stderr.write(`No ${name} running${filter}.${others}\n`);
    return 1;
  }
  const pids = targets.map((t) => t.pid).join(' ');
  process.stdout.write(`The ${name}(${pids}) is running...\n`);
  for (const t of [...targets]) {
    // Checked once more right before the signal: the pid must still be that same server.
    if (inspectProcess(t.pid)?.kinds.includes(kind)) process.kill(t.pid, 'SIGTERM');
    else targets.splice(targets.indexOf(t), 1);
  }
  if (targets.length === 0) {
    process.stderr.write(`No ${name} running (the processes found exited meanwhile).\n`);
    return 1;
  }
  // Wait (bounded) for them to exit so scripts can rely on the stop being done.
  const deadline = Date.now() + waitMs;
  while (targets.some((t) => isRunning(t.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  const left = targets.filter((t) => isRunning(t.pid));
  if (left.length) {
    process.stderr.write(`mqshutdown: ${name}(${left.map((t) => t.pid).join(' ')}) still running after ${waitMs / 1000} s (a broker drains sends first; see drainTimeoutMs)\n`);
    return 1;
  }
  process.stdout.write(`Send shutdown request to ${name}(${targets.map((t) => t.pid).join(' ')}) OK\n`);
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    const usage = err instanceof UsageError;
    process.stderr.write(`mqshutdown: ${(err as Error).message.split('\n')[0]}${usage ? `; ${USAGE.split('\n')[0]}` : ''}\n`);
    process.exit(usage ? 2 : 1);
  },
);
