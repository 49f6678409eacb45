/**
 * A log file rotated by size, the way operators know from logback's FixedWindowRollingPolicy:
 * `broker.log` is written until the next line would take it past maxSize, then it becomes
 * `broker.log.1`, the older ones shift up (`.1` → `.2` …) and the one past maxFiles is deleted.
 *
 * Written here rather than taken from a library on purpose: the stream-based rotators
 * (rotating-file-stream, pino-roll) buffer and write asynchronously, so the last lines before
 * process.exit or a crash — a broker's one-line reason for failing at start — would be lost. This
 * writes every line with writeSync and rotates with a few renames; rotation is rare, so its
 * synchronous renames cost nothing that matters.
 */
import { closeSync, fstatSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { ConfigError } from './config.js';
import { makeDirectory } from './paths.js';

export class RotatingFile {
  readonly path: string;
  private fd: number;
  private size: number;

  constructor(
    path: string,
    readonly maxSize: number,
    readonly maxFiles: number,
  ) {
    this.path = resolve(path);
    try {
      makeDirectory(dirname(this.path));
      this.fd = openSync(this.path, 'a');
      this.size = fstatSync(this.fd).size;
    } catch (err) {
      throw new ConfigError(`cannot open log file ${this.path} (apogeeLogFile): ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }

  write(line: string): void {
    const bytes = Buffer.byteLength(line);
    // A line longer than maxSize still gets written, alone in its file.
    if (this.size > 0 && this.size + bytes > this.maxSize) this.rotate();
    writeSync(this.fd, line);
    this.size += bytes;
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The rolled files that exist, as [index, path], for rotation and for tests. */
  rolled(): Array<[number, string]> {
    const prefix = basename(this.path) + '.';
    const out: Array<[number, string]> = [];
    for (const f of readdirSync(dirname(this.path))) {
      if (f.startsWith(prefix) && /^\d+$/.test(f.slice(prefix.length))) out.push([Number(f.slice(prefix.length)), join(dirname(this.path), f)]);
    }
    return out.sort((a, b) => a[0] - b[0]);
  }

  private rotate(): void {
    closeSync(this.fd);
    try {
      // Highest first, so no rename overwrites a file still to be shifted; anything at or past
      // maxFiles (also left by an earlier, larger maxFiles) goes.
      for (const [i, p] of this.rolled().reverse()) {
        if (i >= this.maxFiles) rmSync(p, { force: true });
        else renameSync(p, `${this.path}.${i + 1}`);
      }
      renameSync(this.path, `${this.path}.1`);
    } finally {
      // Even when a rename failed (someone moved the files), logging goes on in a file.
      this.fd = openSync(this.path, 'a');
      this.size = fstatSync(this.fd).size;
    }
  }
}
