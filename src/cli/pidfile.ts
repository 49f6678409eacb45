/** Pid files let `mqshutdown` find the servers started from this data directory. */
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

/** Pids of live processes whose pid file name starts with `prefix`. */
export function findPids(home: string, prefix: string): Array<{ file: string; pid: number }> {
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
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) continue;
    try {
      process.kill(pid, 0);
      out.push({ file, pid });
    } catch {
      rmSync(file, { force: true });
    }
  }
  return out;
}
