/**
 * One consume queue (`consumequeue/<topic>/<queueId>/`, the layout Java writes): 20-byte entries
 * (commit-log offset i64, record size i32, tags code i64); entry k is at logical byte k × 20.
 * Entries are built in memory and handed to the kernel by the flush pass; they can always be
 * rebuilt from the CommitLog, which is the source of truth.
 */
import { readLong, writeLong } from '../codec/big-endian.js';
import { MappedFileQueue, type MappedFile } from './mapped-file.js';

export const CQ_UNIT_SIZE = 20;
/** Size field of a filler entry (written in front of a queue whose first offset is not 0). */
const FILLER_SIZE = 0x7fffffff;
/** Recovery reads entries in chunks of this many bytes (a multiple of 20). */
const RECOVER_CHUNK = 64000;

export interface CqEntry {
  physicalOffset: number;
  size: number;
  tagsCode: number;
}

export class ConsumeQueue {
  readonly queue: MappedFileQueue;
  /** End (offset + size) of the newest record referenced; writes at or below it are repeats. */
  maxPhysicOffset = -1;
  /** Logical byte offset of the first entry that still points into the CommitLog. */
  minLogicOffset = 0;

  constructor(
    readonly topic: string,
    readonly queueId: number,
    dir: string,
    fileSize: number,
  ) {
    this.queue = new MappedFileQueue(dir, fileSize);
  }

  get fileSize(): number {
    return this.queue.fileSize;
  }

  load(): void {
    this.queue.load();
  }

  /** Next queue offset (number of entries, including filler). */
  maxOffsetInQueue(): number {
    return this.queue.maxOffset() / CQ_UNIT_SIZE;
  }

  minOffsetInQueue(): number {
    return this.minLogicOffset / CQ_UNIT_SIZE;
  }

  /**
   * Recovery: scans from the third-to-last segment to the first invalid entry (size ≤ 0 or
   * negative offset) and cuts everything after it.
   */
  recover(): void {
    const files = this.queue.files;
    if (files.length === 0) return;
    let index = Math.max(0, files.length - 3);
    let end = files[index]!.fileFromOffset;
    this.maxPhysicOffset = -1;
    for (; index < files.length; index++) {
      const f = files[index]!;
      // Read in chunks and stop at the first invalid entry: a mostly empty file costs one read.
      let pos = 0;
      let valid = true;
      while (valid && pos < f.fileSize) {
        const data = f.read(pos, Math.min(RECOVER_CHUNK, f.fileSize - pos));
        let i = 0;
        for (; i + CQ_UNIT_SIZE <= data.length; i += CQ_UNIT_SIZE) {
          const offset = readLong(data, i);
          const size = data.readInt32BE(i + 8);
          if (offset < 0 || size <= 0) {
            valid = false;
            break;
          }
          if (size !== FILLER_SIZE) this.maxPhysicOffset = offset + size;
        }
        pos += i;
        if (data.length < CQ_UNIT_SIZE) break;
      }
      end = f.fileFromOffset + pos;
      if (pos < f.fileSize) break;
    }
    this.queue.truncateDirty(end);
    for (const f of this.queue.files) {
      if (f.fileTailOffset > end) f.wrotePos = f.writtenPos = f.flushedPos = end - f.fileFromOffset;
    }
  }

  /**
   * Adds the entry for queue offset `queueOffset`. Idempotent: an entry whose record ends at or
   * below the newest one already present is ignored (re-dispatch after a crash).
   */
  put(physicalOffset: number, size: number, tagsCode: number, queueOffset: number): void {
    if (physicalOffset + size <= this.maxPhysicOffset) return;
    const expected = queueOffset * CQ_UNIT_SIZE;
    let end = this.queue.maxOffset();
    if (this.queue.isEmpty() && expected > 0) {
      // First entry of a queue that does not start at 0: the skipped part is filler.
      this.minLogicOffset = expected;
      end = expected - (expected % this.fileSize);
    }
    if (expected < end) return;
    while (end < expected) {
      this.writeEntry(end, 0, FILLER_SIZE, 0);
      end += CQ_UNIT_SIZE;
    }
    this.writeEntry(expected, physicalOffset, size, tagsCode);
    this.maxPhysicOffset = physicalOffset + size;
  }

  private writeEntry(logicOffset: number, physicalOffset: number, size: number, tagsCode: number): void {
    let file = this.queue.last;
    if (!file || file.isFull() || file.fileTailOffset <= logicOffset) {
      if (file) {
        file.writeOut();
        file.dropMem();
      }
      const from = logicOffset - (logicOffset % this.fileSize);
      file = file ? this.queue.createFile(file.fileTailOffset) : this.createFirst(from);
      file.wrotePos = file.writtenPos = file.flushedPos = 0;
    }
    const mem = file.ensureMem();
    const pos = logicOffset - file.fileFromOffset;
    writeLong(mem, pos, physicalOffset);
    mem.writeInt32BE(size, pos + 8);
    writeLong(mem, pos + 12, tagsCode);
    file.wrotePos = pos + CQ_UNIT_SIZE;
  }

  private createFirst(from: number): MappedFile {
    return this.queue.createFile(from);
  }

  /**
   * Up to `maxCount` entries starting at queue offset `index`, as one buffer of 20-byte units,
   * never crossing a segment (callers continue with the next offset). Undefined when the offset
   * is not in the queue.
   */
  entries(index: number, maxCount: number): Buffer | undefined {
    const logic = index * CQ_UNIT_SIZE;
    if (logic < this.minLogicOffset) return undefined;
    const file = this.queue.findByOffset(logic);
    if (!file) return undefined;
    const pos = logic - file.fileFromOffset;
    const count = Math.min(maxCount, (file.wrotePos - pos) / CQ_UNIT_SIZE);
    if (count <= 0) return undefined;
    return file.read(pos, count * CQ_UNIT_SIZE);
  }

  entry(index: number): CqEntry | undefined {
    const b = this.entries(index, 1);
    if (!b || b.length < CQ_UNIT_SIZE) return undefined;
    return { physicalOffset: readLong(b, 0), size: b.readInt32BE(8), tagsCode: readLong(b, 12) };
  }

  /** Cuts entries whose record starts at or after `physicalOffset` (CommitLog truncated there). */
  truncateDirty(physicalOffset: number): void {
    const files = this.queue.files;
    for (let i = files.length - 1; i >= 0; i--) {
      const f = files[i]!;
      const data = f.read(0, f.wrotePos);
      let cut = -1;
      for (let pos = 0; pos + CQ_UNIT_SIZE <= data.length; pos += CQ_UNIT_SIZE) {
        const size = data.readInt32BE(pos + 8);
        if (size === FILLER_SIZE) continue;
        if (readLong(data, pos) >= physicalOffset) {
          cut = pos;
          break;
        }
      }
      if (cut < 0) break;
      this.queue.truncateDirty(f.fileFromOffset + cut);
      if (cut > 0) break;
    }
    this.maxPhysicOffset = -1;
    const last = this.lastEntry();
    if (last) this.maxPhysicOffset = last.physicalOffset + last.size;
    if (this.queue.isEmpty()) this.minLogicOffset = 0;
  }

  /** The newest real (non-filler) entry. */
  lastEntry(): CqEntry | undefined {
    const max = this.maxOffsetInQueue();
    for (let i = max - 1; i >= this.minOffsetInQueue() && i >= max - 1000; i--) {
      const e = this.entry(i);
      if (e && e.size !== FILLER_SIZE && e.size > 0) return e;
    }
    return undefined;
  }

  /** Sets the min offset to the first entry whose record is still in the CommitLog. */
  correctMinOffset(commitLogMinOffset: number): void {
    for (const f of this.queue.files) {
      // Skip whole segments whose last entry is already below the CommitLog min offset.
      const lastPos = f.wrotePos - CQ_UNIT_SIZE;
      if (lastPos < 0) continue;
      if (readLong(f.read(lastPos, CQ_UNIT_SIZE), 0) < commitLogMinOffset) continue;
      for (let pos = 0; pos < f.wrotePos; pos += RECOVER_CHUNK) {
        const data = f.read(pos, Math.min(RECOVER_CHUNK, f.wrotePos - pos));
        for (let i = 0; i + CQ_UNIT_SIZE <= data.length; i += CQ_UNIT_SIZE) {
          const size = data.readInt32BE(i + 8);
          if (size !== FILLER_SIZE && readLong(data, i) >= commitLogMinOffset) {
            this.minLogicOffset = f.fileFromOffset + pos + i;
            return;
          }
        }
      }
    }
    this.minLogicOffset = this.queue.maxOffset();
  }

  /**
   * Deletes segments (never the newest) whose last entry points below the CommitLog min offset.
   * Returns how many were deleted.
   */
  deleteExpired(commitLogMinOffset: number): number {
    let deleted = 0;
    while (this.queue.files.length > 1) {
      const f = this.queue.files[0]!;
      const lastPos = f.wrotePos - CQ_UNIT_SIZE;
      if (lastPos < 0) break;
      const unit = f.read(lastPos, CQ_UNIT_SIZE);
      if (readLong(unit, 0) >= commitLogMinOffset) break;
      f.destroy();
      this.queue.files.shift();
      deleted++;
    }
    if (deleted > 0) this.correctMinOffset(commitLogMinOffset);
    return deleted;
  }

  /** Hands buffered entries to the kernel. */
  writeOut(): void {
    for (const f of this.queue.files) if (f.mem && f.writtenPos < f.wrotePos) f.writeOut();
  }

  hasUnwritten(): boolean {
    const last = this.queue.last;
    return !!last && last.writtenPos < last.wrotePos;
  }

  close(): void {
    this.writeOut();
    this.queue.close();
  }

  destroy(): void {
    this.queue.destroy();
    this.maxPhysicOffset = -1;
    this.minLogicOffset = 0;
  }
}
