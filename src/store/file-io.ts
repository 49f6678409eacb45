/** Positional file I/O the store's files share: whole reads and writes, and fdatasync off the event loop. */
import * as fs from 'node:fs';

/**
 * Reads `length` bytes at file position `position` into `target` at `targetStart`, looping over
 * short reads; stops early at the end of the file. Returns the bytes read.
 */
export function readAt(fd: number, target: Buffer, targetStart: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = fs.readSync(fd, target, targetStart + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}

/** Writes `data[from, to)` at the same positions of the file, looping over short writes. */
export function writeFully(fd: number, data: Uint8Array, from: number, to: number): void {
  while (from < to) from += fs.writeSync(fd, data, from, to - from, from);
}

/**
 * fdatasync on the thread pool. A file closed while it ran (deleted topic, store shut down) is
 * not an error: `isClosed` is asked when the call fails.
 */
export function fdatasyncUnlessClosed(fd: number, isClosed: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => fs.fdatasync(fd, (err) => (err && !isClosed() ? reject(err) : resolve())));
}
