/**
 * The `checkpoint` file of every RocketMQ store: one 4096-byte page holding three longs —
 * physicMsgTimestamp, logicsMsgTimestamp, indexMsgTimestamp. Abnormal recovery replays the
 * CommitLog from the newest segment that starts before min(physic, logics) − 3 s.
 */
import * as fs from 'node:fs';
import { readLong, writeLong } from '../codec/big-endian.js';
import { fdatasyncUnlessClosed } from './file-io.js';

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
    await fdatasyncUnlessClosed(this.fd, () => this.closed);
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

const MARK_SIZE = 40;
const MARK_MAGIC = 0x41504731; // "APG1"

let bootIdBytes: Buffer | null | undefined;

/** The running kernel's boot id (16 bytes), or null where there is none (not Linux). */
function currentBootId(): Buffer | null {
  if (bootIdBytes === undefined) {
    try {
      const hex = fs.readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim().replace(/-/g, '');
      bootIdBytes = /^[0-9a-f]{32}$/i.test(hex) ? Buffer.from(hex, 'hex') : null;
    } catch {
      bootIdBytes = null;
    }
  }
  return bootIdBytes;
}

/**
 * `apogee.written` (Apogee only, 40 bytes): how far the consume queues and the index had been
 * handed to the kernel — a CommitLog offset and the store time of the record before it — and the
 * id of the kernel that was running (Linux boot_id). Written without fsync by every consume-queue
 * flush pass. After a crash of the process alone (same boot id) everything it handed to the
 * kernel is still there, so abnormal recovery can start from this mark, which is seconds old,
 * instead of from the checkpoint, which is fsynced only every flushConsumeQueueThoroughInterval.
 * After an OS crash or power loss (another boot id) the mark is ignored.
 */
export class WrittenMark {
  private offset = -1;
  private timestamp = 0;
  private bootId: Buffer | null = null;
  private readonly buf = Buffer.alloc(MARK_SIZE);
  private fd: number;
  private closed = false;

  constructor(readonly path: string) {
    this.fd = fs.openSync(path, fs.existsSync(path) ? 'r+' : 'w+');
    const b = this.buf;
    if (fs.readSync(this.fd, b, 0, MARK_SIZE, 0) === MARK_SIZE && b.readInt32BE(0) === MARK_MAGIC) {
      this.bootId = Buffer.from(b.subarray(8, 24));
      this.offset = readLong(b, 24);
      this.timestamp = readLong(b, 32);
    }
  }

  /** Records that consume queues and index hold every record below `offset` (stored up to `timestamp`). */
  note(offset: number, timestamp: number): void {
    const boot = currentBootId();
    if (this.closed || !boot || (offset === this.offset && timestamp === this.timestamp)) return;
    const b = this.buf;
    b.writeInt32BE(MARK_MAGIC, 0);
    b.writeInt32BE(0, 4);
    boot.copy(b, 8);
    writeLong(b, 24, offset);
    writeLong(b, 32, timestamp);
    fs.writeSync(this.fd, b, 0, MARK_SIZE, 0);
    this.offset = offset;
    this.timestamp = timestamp;
    this.bootId = boot;
  }

  /** The mark if it was noted while the running kernel was up, else undefined. */
  thisBoot(): { offset: number; timestamp: number } | undefined {
    const boot = currentBootId();
    return boot && this.bootId && boot.equals(this.bootId) && this.offset >= 0 ? { offset: this.offset, timestamp: this.timestamp } : undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
  }
}
