/**
 * The `checkpoint` file (store-ha-config §4.1): one 4096-byte page holding three longs —
 * physicMsgTimestamp, logicsMsgTimestamp, indexMsgTimestamp. Abnormal recovery replays the
 * CommitLog from the newest segment that starts before min(physic, logics) − 3 s.
 */
import * as fs from 'node:fs';
import { readLong, writeLong } from '../codec/message.js';

const FILE_SIZE = 4096;

export class Checkpoint {
  physicMsgTimestamp = 0;
  logicsMsgTimestamp = 0;
  indexMsgTimestamp = 0;
  private fd: number;
  private closed = false;

  constructor(readonly path: string) {
    const exists = fs.existsSync(path);
    this.fd = fs.openSync(path, exists ? 'r+' : 'w+');
    if (exists) {
      const b = Buffer.alloc(24);
      const n = fs.readSync(this.fd, b, 0, 24, 0);
      if (n === 24) {
        this.physicMsgTimestamp = readLong(b, 0);
        this.logicsMsgTimestamp = readLong(b, 8);
        this.indexMsgTimestamp = readLong(b, 16);
      }
    }
    if (fs.fstatSync(this.fd).size !== FILE_SIZE) fs.ftruncateSync(this.fd, FILE_SIZE);
  }

  /** Lower bound for replay: min(physic, logics) − 3000 ms, never negative. */
  minTimestamp(): number {
    return Math.max(0, Math.min(this.physicMsgTimestamp, this.logicsMsgTimestamp) - 3000);
  }

  minTimestampIndex(): number {
    return Math.min(this.minTimestamp(), this.indexMsgTimestamp);
  }

  /** Writes the three fields and forces them to disk. */
  flush(): void {
    if (this.write()) fs.fdatasyncSync(this.fd);
  }

  /** {@link flush} with the fdatasync on the thread pool (the periodic pass). */
  async flushAsync(): Promise<void> {
    if (!this.write()) return;
    await new Promise<void>((resolve, reject) => fs.fdatasync(this.fd, (err) => (err && !this.closed ? reject(err) : resolve())));
  }

  private write(): boolean {
    if (this.closed) return false;
    const b = Buffer.alloc(24);
    writeLong(b, 0, this.physicMsgTimestamp);
    writeLong(b, 8, this.logicsMsgTimestamp);
    writeLong(b, 16, this.indexMsgTimestamp);
    fs.writeSync(this.fd, b, 0, 24, 0);
    return true;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
