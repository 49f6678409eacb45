/**
 * Finds running Apogee servers by looking at processes, as Apache's mqshutdown finds its brokers
 * with `ps ax | grep java | grep BrokerStartup`: on Linux through /proc/<pid>/cmdline (exact argv),
 * elsewhere through `ps`. The same inspection verifies a pid taken from a pid file before anything
 * signals it, so a stale pid file whose pid now belongs to another program is never acted on.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parseProperties } from '../common/properties.js';

export type ServerKind = 'broker' | 'namesrv';

export interface ServerProcess {
  pid: number;
  /** What it serves: `apogee start` runs both in one process. */
  kinds: ServerKind[];
  /** The command as started, for messages. */
  command: string;
  /** `-c` / `--configFile` as an absolute path, when given. */
  configFile?: string;
  /** brokerName from `--brokerName=` or the config file (RocketMQ's default broker-a otherwise). */
  brokerName?: string;
  /** TCP ports it listens on (Linux only; empty where that cannot be read). */
  listenPorts: number[];
}

const HAS_PROC = existsSync('/proc/self/cmdline');

/** Node options that take their value as the next argument, to find the script after them. */
const NODE_OPTIONS_WITH_VALUE = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '--conditions', '-C', '--inspect-port', '--title']);

/** argv of a process, or undefined when it is gone or unreadable. */
function argvOf(pid: number): string[] | undefined {
  if (HAS_PROC) {
    try {
      const raw = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return raw.split('\0').filter((a, i, all) => a !== '' || i < all.length - 1);
    } catch {
      return undefined;
    }
  }
  try {
    const line = execFileSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return line ? line.split(/\s+/) : undefined; // lossy with spaces in paths, the best ps offers
  } catch {
    return undefined;
  }
}

function cwdOf(pid: number): string | undefined {
  try {
    return HAS_PROC ? readlinkSync(`/proc/${pid}/cwd`) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether `script` lies in an installed or checked-out Apogee (a package.json named apogee above it). */
function inApogeePackage(script: string): boolean {
  let dir = dirname(script);
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        return (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'apogee';
      } catch {
        return false;
      }
    }
    const up = dirname(dir);
    if (up === dir) return false;
    dir = up;
  }
}

/** The option value of `-x v`, `-x=v`, `--long v` or `--long=v` in argv, last one winning. */
function optionValue(args: string[], short: string | undefined, long: string): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === `--${long}` || (short && a === `-${short}`)) value = args[++i];
    else if (a.startsWith(`--${long}=`)) value = a.slice(long.length + 3);
    else if (short && a.startsWith(`-${short}=`)) value = a.slice(3);
  }
  return value;
}

/**
 * What an argv runs, if it is an Apogee server: `node [node options] <…/mqbroker[.js]> …`,
 * `…/mqnamesrv[.js]`, or `…/apogee[.js] start`. `cwd` resolves relative paths.
 */
export function classifyArgv(argv: string[], cwd?: string): Omit<ServerProcess, 'pid' | 'listenPorts'> | undefined {
  if (argv.length < 2 || !/node/i.test(basename(argv[0]!))) return undefined;
  let i = 1;
  while (i < argv.length && argv[i]!.startsWith('-')) i += NODE_OPTIONS_WITH_VALUE.has(argv[i]!) ? 2 : 1;
  const script = argv[i];
  if (!script) return undefined;
  const name = basename(script).replace(/\.(c|m)?js$/, '');
  const args = argv.slice(i + 1);
  let kinds: ServerKind[];
  if (name === 'mqbroker') kinds = ['broker'];
  else if (name === 'mqnamesrv') kinds = ['namesrv'];
  else if (name === 'apogee' && args[0] === 'start') kinds = ['namesrv', 'broker'];
  else return undefined;
  const abs = (p: string): string => (isAbsolute(p) || !cwd ? p : resolve(cwd, p));
  // A script we can still read must belong to Apogee; one deleted by an upgrade in place is
  // judged by its name alone, or the server it runs could never be stopped.
  let scriptPath = abs(script);
  try {
    scriptPath = realpathSync(scriptPath);
    if (!inApogeePackage(scriptPath)) return undefined;
  } catch {
    // gone: keep the name-based answer
  }
  const config = name === 'apogee' ? undefined : optionValue(args, 'c', 'configFile');
  const configFile = config ? abs(config) : undefined;
  let brokerName: string | undefined;
  if (kinds.includes('broker')) {
    brokerName = optionValue(args, undefined, name === 'apogee' ? 'broker.brokerName' : 'brokerName');
    if (brokerName === undefined && configFile) {
      try {
        brokerName = parseProperties(readFileSync(configFile, 'utf8')).get('brokerName');
      } catch {
        // unreadable now: the name stays unknown
      }
    }
    brokerName ??= 'broker-a';
  }
  return { kinds, command: argv.join(' '), configFile, brokerName };
}

/** LISTEN sockets of this network namespace: socket inode → port. */
function listeningInodes(): Map<string, number> {
  const out = new Map<string, number>();
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue; // 0A = TCP_LISTEN
      out.set(f[9]!, parseInt(f[1]!.split(':')[1]!, 16));
    }
  }
  return out;
}

function listenPortsOf(pid: number, listening: Map<string, number>): number[] {
  const ports = new Set<number>();
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`));
      const port = m ? listening.get(m[1]!) : undefined;
      if (port !== undefined) ports.add(port);
    } catch {
      // fd closed meanwhile
    }
  }
  return [...ports].sort((a, b) => a - b);
}

/** The Apogee server running as `pid`, or undefined if that pid is gone or runs something else. */
export function inspectProcess(pid: number, listening = HAS_PROC ? listeningInodes() : new Map<string, number>()): ServerProcess | undefined {
  const argv = argvOf(pid);
  if (!argv) return undefined;
  const what = classifyArgv(argv, cwdOf(pid));
  return what ? { pid, ...what, listenPorts: HAS_PROC ? listenPortsOf(pid, listening) : [] } : undefined;
}

/** Every Apogee server process on this host that this user can see (never this process). */
export function findServerProcesses(): ServerProcess[] {
  let pids: number[];
  if (HAS_PROC) {
    pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n)).map(Number);
  } else {
    try {
      pids = execFileSync('ps', ['-axo', 'pid='], { encoding: 'utf8' }).split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
    } catch {
      pids = [];
    }
  }
  const listening = HAS_PROC ? listeningInodes() : new Map<string, number>();
  const out: ServerProcess[] = [];
  for (const pid of pids) {
    if (pid === process.pid) continue;
    const p = inspectProcess(pid, listening);
    if (p) out.push(p);
  }
  return out;
}
