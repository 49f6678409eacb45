/**
 * Exclusive ownership of a store directory.
 *
 * Java holds an fcntl lock on byte 0 of `<root>/lock` (4.2.0+); Node cannot take fcntl locks, so
 * Apogee keeps Java's 4-byte `lock` file for layout compatibility and excludes other Apogee
 * processes with `apogee.lock`, created with O_EXCL and holding the owner's pid. A lock left by
 * a dead process (kill -9) is taken over. This cannot see a Java broker's fcntl lock: never run
 * a Java broker on the same directory at the same time.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { makeDirectory } from '../common/paths.js';
import { StoreLockedError } from './errors.js';
import { isRunning } from '../common/process-state.js';

export class StoreLock {
  private released = false;

  private constructor(readonly path: string) {}

  static acquire(root: string): StoreLock {
    makeDirectory(root);
    const javaLock = join(root, 'lock');
    if (!fs.existsSync(javaLock)) fs.writeFileSync(javaLock, 'lock');
    const path = join(root, 'apogee.lock');
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        const fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
        fs.writeSync(fd, `${process.pid}\n`);
        fs.closeSync(fd);
        return new StoreLock(path);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      }
      const owner = readOwner(path);
      if (owner !== undefined && (owner === process.pid || isRunning(owner))) throw new StoreLockedError(path, owner);
      // The owner is gone (or the file is unreadable junk): take over. A racing taker-over is
      // caught by the O_EXCL create on the next attempt.
      fs.rmSync(path, { force: true });
    }
    throw new StoreLockedError(path, readOwner(path));
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    if (readOwner(this.path) === process.pid) fs.rmSync(this.path, { force: true });
  }
}

function readOwner(path: string): number | undefined {
  try {
    const pid = Number.parseInt(fs.readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}
