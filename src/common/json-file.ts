/** Config files replaced atomically (write temp, fsync, rename), with the previous copy kept as `.bak`. */
import { closeSync, copyFileSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, statSync, writeSync } from 'node:fs';
import { copyFile, mkdir, open, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { makeDirectory } from './paths.js';

export function writeFileAtomic(path: string, text: string): void {
  makeDirectory(dirname(path));
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

/** {@link writeFileAtomic} on libuv's thread pool: the event loop never waits for the fsync. */
export async function writeFileAtomicAsync(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(text);
    await fh.sync();
  } finally {
    await fh.close();
  }
  const current = await stat(path).catch(() => undefined);
  if (current && current.size > 0) await copyFile(path, `${path}.bak`);
  await rename(tmp, path);
}

/**
 * Replaces files in the background, as Java's brokers persist their tables from scheduler
 * threads: one write per file at a time, and a file asked for again while being written gets only
 * the newest text afterwards. Synchronous writes of the same files must wait for {@link idle}.
 */
export class BackgroundFileWriter {
  private readonly newest = new Map<string, string>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(private readonly onError: (path: string, err: unknown) => void = () => {}) {}

  write(path: string, text: string): void {
    this.newest.set(path, text);
    if (!this.running.has(path)) this.running.set(path, this.drain(path));
  }

  private async drain(path: string): Promise<void> {
    try {
      for (let text = this.newest.get(path); text !== undefined; text = this.newest.get(path)) {
        this.newest.delete(path);
        try {
          await writeFileAtomicAsync(path, text);
        } catch (err) {
          this.onError(path, err);
        }
      }
    } finally {
      this.running.delete(path);
    }
  }

  /** Resolves once nothing is being written or waiting to be. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running.values());
  }
}
