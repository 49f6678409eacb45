/**
 * Pid files (`<home>/run/<kind>-<port>.pid`) record the servers started from a data directory;
 * `mqshutdown` reads them besides looking at the running processes.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function pidDir(home: string): string {
  return join(home, 'run');
}

export function writePidFile(home: string, name: string): string {
  mkdirSync(pidDir(home), { recursive: true });
  const path = join(pidDir(home), `${name}.pid`);
  writeFileSync(path, `${process.pid}\n`);
  return path;
}

export function removePidFile(path: string): void {
  rmSync(path, { force: true });
}

/**
 * Pids recorded in pid files whose name starts with `prefix`. Only a record: the process may be
 * gone or the pid reused (after kill -9 nothing removes the file), so callers verify each pid
 * (see processes.ts) before acting on it. Files naming no live process are removed here.
 */
export function readPidFiles(home: string, prefix: string): Array<{ file: string; pid: number }> {
  let names: string[];
  try {
    names = readdirSync(pidDir(home));
  } catch {
    return [];
  }
  const out: Array<{ file: string; pid: number }> = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.pid')) continue;
    const file = join(pidDir(home), name);
    let pid: number;
    try {
      pid = Number(readFileSync(file, 'utf8').trim());
    } catch {
      continue;
    }
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      process.kill(pid, 0);
      out.push({ file, pid });
    } catch (err) {
      // EPERM: alive but another user's; leave its file alone.
      if ((err as NodeJS.ErrnoException).code === 'EPERM') out.push({ file, pid });
      else rmSync(file, { force: true });
    }
  }
  return out;
}
