/**
 * Starting and stopping a cluster's nodes as OS processes: each node is `mqnamesrv -c` or
 * `mqbroker -c` on its property file, detached, its output in its log file. Signals go only to a pid
 * that is still the node we started (its command line names the node's property file), so a pid
 * reused by an unrelated process after a kill -9 is never signalled.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { nodeFiles } from './layout.js';
import { isRunning } from '../common/process-state.js';
import type { NodeSpec } from './topology.js';

export class NodeStartError extends Error {
  override name = 'NodeStartError';
}

/** This installation: the directory holding package.json and dist/ (this file is dist/src/cluster/processes.js). */
export const THIS_INSTALL = fileURLToPath(new URL('../../../', import.meta.url)).replace(/\/$/, '');

/** The CLI a node of this kind runs, in an installation of Apogee (a release). */
export function cliOf(install: string, kind: NodeSpec['kind']): string {
  return join(install, 'dist', 'src', 'cli', kind === 'namesrv' ? 'mqnamesrv.js' : 'mqbroker.js');
}

/** The installation a running node was started from, read from its command line (Linux). */
export function installOf(pid: number): string | undefined {
  const script = commandLine(pid)?.find((a) => /[\/\\]dist[\/\\]src[\/\\]cli[\/\\]mq(broker|namesrv)\.js$/.test(a));
  return script ? dirname(dirname(dirname(dirname(script)))) : undefined;
}

import { noWrap, type Wrap } from './wrap.js';

export { noWrap, type Wrap };

function commandLine(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
  } catch {
    return undefined;
  }
}


/** True when pid is a live process running this node (on Linux checked by its command line). */
export function isNodeProcess(pid: number | undefined, data: string, node: NodeSpec): boolean {
  if (pid === undefined || !Number.isInteger(pid) || pid <= 0 || !isRunning(pid)) return false;
  const argv = commandLine(pid);
  if (argv === undefined) return process.platform !== 'linux'; // no /proc: liveness is all we can check
  return argv.includes(nodeFiles(data, node).properties);
}

/**
 * The pid of the process running this node: the recorded one when it still is the node, otherwise
 * (a lost or stale pid file) the live process whose command line names the node's property file.
 */
export function findNodePid(recorded: number | undefined, data: string, node: NodeSpec): number | undefined {
  if (isNodeProcess(recorded, data, node)) return recorded;
  if (process.platform !== 'linux') return undefined;
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return undefined;
  }
  const properties = nodeFiles(data, node).properties;
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const argv = commandLine(pid);
    if (argv?.includes(properties) && argv.some((a) => /mq(broker|namesrv)\.js$/.test(a)) && isRunning(pid)) return pid;
  }
  return undefined;
}

/** Starts the node and waits (bounded) until it prints its boot line; throws with the log's tail if it dies. */
export async function startNode(data: string, node: NodeSpec, wrap: Wrap = noWrap, timeoutMs = 30_000, options: { install?: string; extraArgs?: string[] } = {}): Promise<number> {
  const files = nodeFiles(data, node);
  const logStart = existsSync(files.log) ? statSync(files.log).size : 0;
  const fd = openSync(files.log, 'a');
  const argv = wrap([process.execPath, cliOf(options.install ?? THIS_INSTALL, node.kind), '-c', files.properties, ...(options.extraArgs ?? [])], node);
  let child;
  try {
    child = spawn(argv[0]!, argv.slice(1), {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: { ...process.env, APOGEE_HOME: files.dir },
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  if (pid === undefined) throw new NodeStartError(`${node.name}: could not start ${argv[0]}`);
  let exitCode: number | null | undefined;
  child.once('exit', (code, signal) => (exitCode = code ?? (signal ? 128 : 1)));
  child.unref();
  writeFileSync(files.pid, `${pid}\n`);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = readLogFrom(files.log, logStart);
    if (/boot success/.test(text)) return pid;
    if (exitCode !== undefined || !isRunning(pid)) {
      rmSync(files.pid, { force: true });
      throw new NodeStartError(`${node.name} exited during start-up: ${lastLine(text) || 'no output'} (log: ${files.log})`);
    }
    if (Date.now() > deadline) {
      process.kill(pid, 'SIGKILL');
      rmSync(files.pid, { force: true });
      throw new NodeStartError(`${node.name} did not report ready within ${timeoutMs} ms: ${lastLine(text) || 'no output'} (log: ${files.log})`);
    }
    await sleep(50);
  }
}

/**
 * Stops the node: SIGTERM (a broker drains first), then waits up to graceMs; SIGKILL after that.
 * Returns how it ended. A pid that is no longer the node is left alone.
 */
export async function stopNode(recorded: number | undefined, data: string, node: NodeSpec, graceMs = 45_000): Promise<'stopped' | 'killed' | 'not running'> {
  const pid = findNodePid(recorded, data, node);
  if (pid === undefined) {
    rmSync(nodeFiles(data, node).pid, { force: true });
    return 'not running';
  }
  process.kill(pid, 'SIGTERM');
  const ended = await waitForExit(pid, graceMs);
  if (!ended) {
    process.kill(pid, 'SIGKILL');
    await waitForExit(pid, 5_000);
  }
  rmSync(nodeFiles(data, node).pid, { force: true });
  return ended ? 'stopped' : 'killed';
}

/** kill -9 of the node, as a crash would (the store keeps its abort file). */
export async function killNode(recorded: number | undefined, data: string, node: NodeSpec): Promise<boolean> {
  const pid = findNodePid(recorded, data, node);
  if (pid === undefined) return false;
  process.kill(pid, 'SIGKILL');
  await waitForExit(pid, 5_000);
  rmSync(nodeFiles(data, node).pid, { force: true });
  return true;
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(pid)) return true;
    await sleep(50);
  }
  return false;
}

function readLogFrom(path: string, from: number): string {
  try {
    return readFileSync(path).subarray(from).toString('utf8');
  } catch {
    return '';
  }
}

function lastLine(text: string): string {
  const lines = text.split('\n').map((l) => l.trim()).filter(Boolean);
  return lines[lines.length - 1] ?? '';
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
