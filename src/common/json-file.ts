/** Config files replaced atomically (write temp, fsync, rename), with the previous copy kept as `.bak`. */
import { closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

export function writeFileAtomic(path: string, text: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  // An empty file is not worth keeping as the backup of the next version.
  if (existsSync(path) && statSync(path).size > 0) copyFileSync(path, `${path}.bak`);
  renameSync(tmp, path);
}

/**
 * Reads `path`, falling back to `path.bak` when the main file is missing, empty or unparsable.
 * Returns undefined when neither exists.
 */
export function readWithBackup<T>(path: string, parse: (text: string) => T): T | undefined {
  for (const candidate of [path, `${path}.bak`]) {
    if (!existsSync(candidate)) continue;
    const text = readFileSync(candidate, 'utf8');
    if (text.trim() === '') continue;
    try {
      return parse(text);
    } catch {
      continue;
    }
  }
  return undefined;
}
