/**
 * The CommitLog: every message of every topic, appended to segments named by their
 * 20-digit start offset, in RocketMQ's record layout. A segment that cannot take the next append (length + 8 bytes for a
 * blank header) is closed with an end-of-file blank record and the append moves to the next one,
 * which is created ahead of time off the append path.
 *
 * The memory of the images of the newest segments is reused: when the oldest cached image is let
 * go, the next new segment takes its memory over instead of a fresh allocation, whose first-touch
 * page faults cost more than encoding the records (several µs per 4 KiB page on a VM); see
 * image-pool.ts for when that is safe although readers get zero-copy views.
 */
import { readLong } from '../codec/big-endian.js';
import { encodeBlankInto, BLANK_HEADER_SIZE, MESSAGE_MAGIC } from '../codec/message-record.js';
import { checkRecord, messageRecordSize, type RecordProblem } from '../codec/record-check.js';
import { ImagePool } from './image-pool.js';
import { MappedFile, MappedFileQueue, offsetToFileName } from './mapped-file.js';
import { join } from 'node:path';

/** Why a scan stopped. */
export type ScanStop = 'end' | 'incomplete' | RecordProblem | 'bad-offset' | 'rejected';

export interface ScanResult {
  /** End of the last good record (or blank-skipped segment boundary). */
  endOffset: number;
  stop: ScanStop;
  detail?: string;
}

/**
 * Called for every valid message record during a scan with the buffer holding it (a window the
 * scan reuses: do not keep it). Returning false stops the scan *before* this record (used to
 * refuse records that fail cross-checks).
 */
export type RecordVisitor = (buf: Buffer, pos: number, physicalOffset: number, size: number) => boolean | void;

const SCAN_WINDOW = 8 * 1024 * 1024;

export class CommitLog {
  readonly queue: MappedFileQueue;
  /** The next segment, created ahead of time; not part of `queue` until appends reach it. */
  private preallocated: MappedFile | null = null;
  private preallocating = false;
  /** Memory of images let go by trimCache, for the next segments that need one. */
  private readonly images: ImagePool;
  /** Window that scans of segments without an image read into, reused. */
  private scanWindow: Buffer | null = null;
  private closed = false;

  constructor(
    readonly dir: string,
    readonly fileSize: number,
    private readonly cachedFiles: number,
  ) {
    this.queue = new MappedFileQueue(dir, fileSize);
    this.images = new ImagePool(fileSize);
  }

  load(): void {
    this.queue.load();
  }

  /** The segment's in-memory image, allocated (or on reused memory) and loaded if needed. */
  image(file: MappedFile): Buffer {
    return file.mem ?? file.ensureMem(this.images.take());
  }

  minOffset(): number {
    const first = this.queue.first;
    return first ? first.fileFromOffset : 0;
  }

  maxOffset(): number {
    return this.queue.maxOffset();
  }

  flushedOffset(): number {
    return this.queue.flushedOffset();
  }

  /**
   * The segment and position where `length` bytes can be appended, closing the active segment
   * with a blank record if they do not fit. `length` must be at most fileSize − 8.
   */
  reserve(length: number): { file: MappedFile; pos: number } {
    let file = this.queue.last;
    if (file && file.wrotePos + length + BLANK_HEADER_SIZE > file.fileSize) {
      if (!file.isFull()) this.writeBlank(file);
      file = undefined;
    }
    if (!file) file = this.roll();
    return { file, pos: file.wrotePos };
  }

  private writeBlank(file: MappedFile): void {
    const mem = this.image(file);
    const pos = file.wrotePos;
    encodeBlankInto(mem, pos, file.fileSize - pos);
    // The rest of the segment goes to the file as zeros (a recycled image holds old bytes there).
    mem.fill(0, pos + BLANK_HEADER_SIZE);
    file.wrotePos = file.fileSize;
    try {
      file.writeOut();
    } catch (err) {
      mem.fill(0, pos, pos + BLANK_HEADER_SIZE);
      file.wrotePos = pos;
      file.writtenPos = Math.min(file.writtenPos, pos);
      throw err;
    }
  }

  /** Makes the next segment active (using the preallocated one when it is there). */
  private roll(): MappedFile {
    const last = this.queue.last;
    const from = last ? last.fileTailOffset : 0;
    let file: MappedFile;
    if (this.preallocated && this.preallocated.fileFromOffset === from) {
      file = this.preallocated;
      this.preallocated = null;
      this.queue.files.push(file);
    } else {
      this.preallocated?.destroy();
      this.preallocated = null;
      file = this.queue.createFile(from);
    }
    file.wrotePos = file.writtenPos = file.flushedPos = 0;
    // Let the oldest cached image go first, so that the new segment can take its memory over.
    this.trimCache();
    this.image(file);
    this.schedulePreallocation();
    return file;
  }

  /** Starts a segment at an arbitrary offset in an empty log (a slave following a master). */
  startAt(offset: number): MappedFile {
    const from = offset - (offset % this.fileSize);
    const file = this.queue.createFile(from);
    file.wrotePos = file.writtenPos = file.flushedPos = 0;
    this.image(file);
    return file;
  }

  private schedulePreallocation(): void {
    if (this.preallocating) return;
    this.preallocating = true;
    setImmediate(() => {
      this.preallocating = false;
      const last = this.queue.last;
      // A log closed meanwhile must not create files (its directory may be gone).
      if (!last || this.preallocated || this.closed) return;
      try {
        // No mkdir: the directory holds the active segment; if it is gone, so is the store.
        this.preallocated = MappedFile.create(join(this.dir, offsetToFileName(last.fileTailOffset)), last.fileTailOffset, this.fileSize);
        this.preallocated.wrotePos = this.preallocated.writtenPos = this.preallocated.flushedPos = 0;
      } catch {
        // The append path creates the segment itself when it gets there.
        this.preallocated = null;
      }
    });
  }

  /** Keeps in-memory images only for the newest segments; their memory goes back to the pool. */
  trimCache(): void {
    const files = this.queue.files;
    for (let i = 0; i < files.length - Math.max(1, this.cachedFiles); i++) {
      const f = files[i]!;
      if (f.mem && f.writtenPos >= f.wrotePos) {
        const viewed = f.viewed;
        const image = f.dropMem();
        if (image) this.images.give(image, viewed);
      }
    }
  }

  /** Bytes `[offset, offset + size)` (within one segment and below the valid end), or undefined. */
  read(offset: number, size: number): Buffer | undefined {
    const at = this.locate(offset, size);
    if (!at) return undefined;
    const out = at.file.read(at.pos, size);
    return out.length === size ? out : undefined;
  }

  /** True when `[offset, offset + size)` lies within one segment, below its valid end. */
  holds(offset: number, size: number): boolean {
    return this.locate(offset, size) !== undefined;
  }

  /** The segment and position of `[offset, offset + size)` when it lies below that segment's valid end. */
  private locate(offset: number, size: number): { file: MappedFile; pos: number } | undefined {
    const file = this.queue.findByOffset(offset);
    if (!file) return undefined;
    const pos = offset - file.fileFromOffset;
    return pos + size > file.wrotePos ? undefined : { file, pos };
  }

  /**
   * Appends the records `spans` (`[offset, size, ...]`, each {@link holds}) to `out`: views of
   * the image, or of one pread per run of adjacent records in a segment without one. Throws if a
   * segment file turns out shorter than its valid end.
   */
  readRecords(spans: readonly number[], out: Buffer[]): void {
    for (let i = 0; i < spans.length; ) {
      const start = spans[i]!;
      const file = this.queue.findByOffset(start)!;
      let end = start + spans[i + 1]!;
      let j = i + 2;
      while (j < spans.length && spans[j] === end && end - file.fileFromOffset + spans[j + 1]! <= file.wrotePos) {
        end += spans[j + 1]!;
        j += 2;
      }
      const run = file.read(start - file.fileFromOffset, end - start);
      if (run.length !== end - start) throw new Error(`CommitLog segment ${file.path} is shorter than its valid data at ${start}`);
      for (let k = i, pos = 0; k < j; k += 2) {
        const size = spans[k + 1]!;
        out.push(run.subarray(pos, pos + size));
        pos += size;
      }
      i = j;
    }
  }

  /** Like {@link read}, for callers that do not keep the result. */
  private peek(offset: number, size: number): Buffer | undefined {
    const at = this.locate(offset, size);
    if (!at) return undefined;
    const out = at.file.peek(at.pos, size);
    return out.length === size ? out : undefined;
  }

  /** TOTALSIZE of the record at `offset` (0 if nothing is there). */
  sizeAt(offset: number): number {
    const head = this.peek(offset, 4);
    return head ? head.readInt32BE(0) : 0;
  }

  /** Store timestamp of the message at `offset`, or -1. */
  storeTimestampAt(offset: number): number {
    const head = this.peek(offset, 64);
    if (!head) return -1;
    const sysFlag = head.readInt32BE(36);
    return readLong(head, sysFlag & 0x10 ? 68 : 56);
  }

  /**
   * Store timestamp of the message record at `offset` if one of `size` bytes starts there (its
   * magic, TOTALSIZE and PHYSICALOFFSET say so), else -1.
   */
  storeTimestampIfRecord(offset: number, size: number): number {
    const head = this.peek(offset, 64);
    if (!head || head.readInt32BE(4) !== MESSAGE_MAGIC || head.readInt32BE(0) !== size || readLong(head, 28) !== offset) return -1;
    return readLong(head, head.readInt32BE(36) & 0x10 ? 68 : 56);
  }

  /**
   * Raw bytes from `offset` to the valid end of its segment, at most `maxBytes` (HA transfer: a
   * frame never crosses a segment boundary).
   */
  readRaw(offset: number, maxBytes: number): Buffer | undefined {
    const file = this.queue.findByOffset(offset);
    if (!file) return undefined;
    const pos = offset - file.fileFromOffset;
    const length = Math.min(maxBytes, file.wrotePos - pos);
    if (length <= 0) return undefined;
    return file.read(pos, length);
  }

  /**
   * Appends raw bytes at `offset`, which must equal the current end (a slave copying its
   * master). Segments are created as needed; bytes crossing a segment end are split.
   */
  appendRaw(offset: number, data: Buffer): void {
    let done = 0;
    while (done < data.length) {
      const at = offset + done;
      let file = this.queue.last;
      if (!file) file = this.startAt(at);
      else if (file.isFull()) file = this.roll();
      const pos = at - file.fileFromOffset;
      const n = Math.min(data.length - done, file.fileSize - pos);
      const mem = this.image(file);
      mem.set(data.subarray(done, done + n), pos);
      file.wrotePos = pos + n;
      file.writeOut();
      done += n;
    }
  }

  /**
   * Walks records from `from` (a record start) to `end`, validating each (magic, lengths,
   * PHYSICALOFFSET, CRC when asked). Blank records jump to the next segment.
   */
  scan(from: number, end: number, checkCrc: boolean, visit: RecordVisitor): ScanResult {
    let offset = from;
    while (offset < end) {
      const file = this.queue.findByOffset(offset);
      if (!file) return { endOffset: offset, stop: 'end' };
      const fileEnd = Math.min(file.wrotePos, end - file.fileFromOffset);
      let winStart = offset - file.fileFromOffset;
      let win = file.mem ? file.mem : this.readWindow(file, winStart, Math.min(SCAN_WINDOW, fileEnd - winStart));
      let base = file.mem ? 0 : winStart;
      let pos = winStart;
      for (;;) {
        if (pos >= fileEnd) {
          offset = file.fileFromOffset + pos;
          if (pos >= file.fileSize) break;
          return { endOffset: offset, stop: 'end' };
        }
        const winEnd = base + win.length;
        const at = file.fileFromOffset + pos;
        const size = messageRecordSize(win, pos - base, Math.min(winEnd, fileEnd) - base, checkCrc);
        if (size > 0) {
          // The common case: a valid message record.
          if (readLong(win, pos - base + 28) !== at) {
            return { endOffset: at, stop: 'bad-offset', detail: `record at ${at} says PHYSICALOFFSET ${readLong(win, pos - base + 28)}` };
          }
          if (visit(win, pos - base, at, size) === false) return { endOffset: at, stop: 'rejected' };
          pos += size;
          continue;
        }
        const check = checkRecord(win, pos - base, Math.min(winEnd, fileEnd) - base, checkCrc);
        if (check.kind === 'invalid' && check.problem === 'truncated' && winEnd < fileEnd) {
          // The record runs past the window: reload a window starting at it.
          const size = win.length - (pos - base) >= 4 ? win.readInt32BE(pos - base) : 0;
          winStart = pos;
          win = this.readWindow(file, winStart, Math.min(fileEnd - winStart, Math.max(SCAN_WINDOW, size > 0 ? size : 0)));
          base = winStart;
          continue;
        }
        if (check.kind === 'blank') {
          if (check.size !== file.fileSize - pos) {
            return { endOffset: at, stop: 'bad-length', detail: `blank record of ${check.size} bytes at ${at} does not reach the segment end` };
          }
          offset = file.fileTailOffset;
          break;
        }
        if (check.kind === 'invalid') {
          const stop = check.problem === 'truncated' ? (fileEnd < file.wrotePos ? 'incomplete' : 'truncated') : check.problem;
          if (check.problem === 'bad-magic' && win.readInt32BE(pos - base) === 0 && win.readInt32BE(pos - base + 4) === 0) {
            return { endOffset: at, stop: 'end' };
          }
          return { endOffset: at, stop, detail: check.detail };
        }
        throw new Error(`record check disagrees with itself at ${at}`);
      }
    }
    return { endOffset: offset, stop: 'end' };
  }

  private readWindow(file: MappedFile, pos: number, length: number): Buffer {
    if (!this.scanWindow || this.scanWindow.length < length) this.scanWindow = Buffer.allocUnsafe(Math.max(SCAN_WINDOW, length));
    return this.scanWindow.subarray(0, file.readInto(this.scanWindow, pos, length));
  }

  /** Drops everything at and after `offset`. */
  truncate(offset: number): void {
    this.queue.truncateDirty(offset);
    if (this.preallocated) {
      this.preallocated.destroy();
      this.preallocated = null;
    }
    const last = this.queue.last;
    if (last && !last.isFull()) this.image(last);
  }

  close(): void {
    this.closed = true;
    this.images.close();
    if (this.preallocated) {
      // Java destroys preallocated, never-used segments on clean shutdown.
      this.preallocated.destroy();
      this.preallocated = null;
    }
    this.queue.close();
  }
}
