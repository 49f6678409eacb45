import { dirname, join, resolve } from 'node:path';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The project (or installed package) root: the nearest folder above this file with a package.json. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Where servers keep data when not told otherwise: $APOGEE_HOME, else `<project>/data`. */
export function defaultDataDir(): string {
  return resolve(process.env.APOGEE_HOME ?? join(projectRoot(), 'data'));
}

/**
 * `mkdir -p` that fails instead of spinning: Node 20's recursive mkdir retries forever when the
 * kernel answers ENOENT for a path whose parent exists (e.g. anything under /proc), which left a
 * broker at full CPU with no output. Walks up to the first existing ancestor, then creates each
 * level with a plain mkdir, so every failure surfaces as one error naming the directory.
 */
export function makeDirectory(path: string): void {
  const target = resolve(path);
  const missing: string[] = [];
  for (let dir = target; ; dir = dirname(dir)) {
    let st;
    try {
      st = statSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw directoryError(target, err);
    }
    if (st) {
      if (!st.isDirectory()) throw directoryError(target, Object.assign(new Error(`${dir} is not a directory`), { code: 'ENOTDIR' }));
      break;
    }
    missing.push(dir);
    if (dirname(dir) === dir) break;
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST' && statSync(dir).isDirectory()) continue;
      throw directoryError(target, err);
    }
  }
}

function directoryError(path: string, cause: unknown): Error {
  const e = cause as NodeJS.ErrnoException;
  // The errno text without Node's "CODE: " prefix and ", syscall 'path'" suffix: the path is named already.
  const text = e.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
  const reason = e.code === 'ENOENT' ? 'this file system does not allow it' : e.code ? `${e.code}: ${text}` : text;
  return Object.assign(new Error(`cannot create directory ${path} (${reason})`), { code: e.code });
}
