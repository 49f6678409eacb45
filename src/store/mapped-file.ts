/**
 * Fixed-size segment files named by their start offset (20 digits, zero-padded), as Java names them.
 *
 * Node has no mmap, so a segment is a file descriptor used with positional reads and writes,
 * plus an optional in-memory image of the whole file (`mem`) that plays the role of the mapping
 * for recently written data: appends land in `mem` first, are handed to the kernel with one
 * `write` per append (or batch of appends), and readers get zero-copy subarrays of `mem`.
 * Segments without an image are read with `pread`.
 *
 * Only `[0, wrotePos)` of an image is meaningful: a new image is zero past it, an image whose
 * memory is reused (CommitLog, see image-pool.ts) holds stale bytes there, and nothing reads
 * past wrotePos.
 *
 * Three positions, as in Java: `wrotePos` (valid bytes), `writtenPos` (handed to the kernel:
 * survives a process crash) and `flushedPos` (covered by fdatasync: survives a power loss).
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { StoreLayoutError } from './errors.js';
import type { Image } from './image-pool.js';
import { readAt } from './file-io.js';

const fdatasyncAsync = promisify(fs.fdatasync);

/** A segment's name: its start offset, zero-padded to 20 digits. */
export function offsetToFileName(offset: number): string {
  return String(offset).padStart(20, '0');
}

const SEGMENT_NAME = /^\d{20}$/;

export class MappedFile {
  /** In-memory image of the file; only `[0, wrotePos)` is meaningful (see the file comment). */
  mem: Buffer | null = null;
  /** The pooled memory behind `mem`, when it came from an ImagePool. */
  private image: Image | null = null;
  /** A view of `mem` was handed out by {@link read} since it was allocated. */
  viewed = false;
  wrotePos = 0;
  writtenPos = 0;
  flushedPos = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    readonly fileFromOffset: number,
    readonly fileSize: number,
    private fd: number,
  ) {}

  /** Creates a new segment at full (sparse) size. */
  static create(path: string, fileFromOffset: number, fileSize: number): MappedFile {
    const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o644);
    try {
      fs.ftruncateSync(fd, fileSize);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(path, { force: true });
      throw err;
    }
    return new MappedFile(path, fileFromOffset, fileSize, fd);
  }

  /** Opens an existing segment; positions start at the file size until recovery sets them. */
  static open(path: string, fileFromOffset: number, fileSize: number): MappedFile {
    const fd = fs.openSync(path, fs.constants.O_RDWR);
    const f = new MappedFile(path, fileFromOffset, fileSize, fd);
    f.wrotePos = f.writtenPos = f.flushedPos = fileSize;
    return f;
  }

  get fileTailOffset(): number {
    return this.fileFromOffset + this.fileSize;
  }

  isFull(): boolean {
    return this.wrotePos >= this.fileSize;
  }

  /**
   * Allocates the in-memory image (or adopts `image`, pooled memory of the same size whose
   * contents past the valid bytes do not matter), loading the file's valid bytes.
   */
  ensureMem(image?: Image): Buffer {
    if (!this.mem) {
      const pooled = image && image.buffer.length === this.fileSize ? image : null;
      const mem = pooled ? pooled.buffer : Buffer.alloc(this.fileSize);
      this.image = pooled;
      this.viewed = false;
      readAt(this.fd, mem, 0, this.wrotePos, 0);
      this.mem = mem;
    }
    return this.mem;
  }

  /** Lets go of the image; returns its pooled memory, if it had some (see {@link viewed}). */
  dropMem(): Image | null {
    const image = this.image;
    this.mem = null;
    this.image = null;
    return image;
  }

  /**
   * Returns `length` bytes at `pos`: a subarray of the image when there is one, else a fresh
   * buffer filled by pread (short if the file is shorter).
   */
  read(pos: number, length: number): Buffer {
    if (!this.mem) return this.pread(pos, length);
    this.viewed = true;
    return this.mem.subarray(pos, pos + length);
  }

  /** {@link read} for callers that do not keep the result beyond their own synchronous use. */
  peek(pos: number, length: number): Buffer {
    return this.mem ? this.mem.subarray(pos, pos + length) : this.pread(pos, length);
  }

  /** Reads up to `length` bytes at `pos` into `target` (from the image or the file); returns the count. */
  readInto(target: Buffer, pos: number, length: number): number {
    if (this.mem) return this.mem.copy(target, 0, pos, pos + length);
    return readAt(this.fd, target, 0, length, pos);
  }

  private pread(pos: number, length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    const done = readAt(this.fd, out, 0, length, pos);
    return done === length ? out : out.subarray(0, done);
  }

  /** Hands `[writtenPos, wrotePos)` of the image to the kernel. Throws (e.g. ENOSPC) leaving writtenPos at what was written. */
  writeOut(): void {
    const mem = this.mem;
    if (!mem) return;
    while (this.writtenPos < this.wrotePos) {
      this.writtenPos += fs.writeSync(this.fd, mem, this.writtenPos, this.wrotePos - this.writtenPos, this.writtenPos);
    }
  }

  /** Writes bytes straight to the file at `pos` (and into the image, if any). */
  writeAt(pos: number, data: Uint8Array): void {
    if (this.mem) this.mem.set(data, pos);
    let done = 0;
    while (done < data.length) done += fs.writeSync(this.fd, data, done, data.length - done, pos + done);
  }

  /** fdatasync covering everything written so far; returns the position it covers. */
  async flush(): Promise<number> {
    const target = this.writtenPos;
    if (target > this.flushedPos && !this.closed) {
      await fdatasyncAsync(this.fd);
      if (target > this.flushedPos) this.flushedPos = target;
    }
    return this.flushedPos;
  }

  flushSync(): void {
    const target = this.writtenPos;
    if (target > this.flushedPos && !this.closed) {
      fs.fdatasyncSync(this.fd);
      this.flushedPos = target;
    }
  }

  /**
   * Cuts the valid data at `pos`. The tail is dropped from the file (truncate then re-extend, which
   * leaves zeros) so stale bytes past the cut can never be read back as records later.
   */
  truncateTo(pos: number): void {
    if (this.mem && this.writtenPos < Math.min(pos, this.wrotePos)) {
      const keep = this.wrotePos;
      this.wrotePos = Math.min(pos, keep);
      this.writeOut();
    }
    fs.ftruncateSync(this.fd, pos);
    fs.ftruncateSync(this.fd, this.fileSize);
    if (this.mem) this.mem.fill(0, pos);
    this.wrotePos = this.writtenPos = pos;
    this.flushedPos = Math.min(this.flushedPos, pos);
  }

  lastModified(): number {
    return fs.fstatSync(this.fd).mtimeMs;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    fs.closeSync(this.fd);
    this.mem = null;
    this.image = null;
  }

  destroy(): void {
    this.close();
    fs.rmSync(this.path, { force: true });
  }
}

/** The ordered segments of one directory (CommitLog, or one consume queue). */
export class MappedFileQueue {
  files: MappedFile[] = [];

  constructor(
    readonly dir: string,
    readonly fileSize: number,
  ) {}

  /**
   * Opens every segment of the directory. Names other than 20 digits are ignored. A segment of
   * the wrong size is refused (Java silently hides it and everything after it); a short, all-zero
   * last segment is a preallocation cut short by a crash and is removed.
   */
  load(): void {
    if (!fs.existsSync(this.dir)) return;
    const names = fs.readdirSync(this.dir).filter((n) => SEGMENT_NAME.test(n)).sort();
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const path = join(this.dir, name);
      const size = fs.statSync(path).size;
      if (size !== this.fileSize) {
        if (i === names.length - 1 && size < this.fileSize && isAllZero(path)) {
          fs.rmSync(path);
          continue;
        }
        throw new StoreLayoutError(
          `${path} is ${size} bytes but the configured segment size is ${this.fileSize}; ` +
            'set the size the store was written with (mapedFileSizeCommitLog / mapedFileSizeConsumeQueue)',
        );
      }
      const from = Number(name);
      const prev = this.files[this.files.length - 1];
      if (prev && prev.fileFromOffset + this.fileSize !== from) {
        throw new StoreLayoutError(`${path} does not follow ${prev.path}: segments must be contiguous`);
      }
      this.files.push(MappedFile.open(path, from, this.fileSize));
    }
  }

  get first(): MappedFile | undefined {
    return this.files[0];
  }

  get last(): MappedFile | undefined {
    return this.files[this.files.length - 1];
  }

  isEmpty(): boolean {
    return this.files.length === 0;
  }

  minOffset(): number {
    return this.files[0]?.fileFromOffset ?? 0;
  }

  /** One past the last valid byte. */
  maxOffset(): number {
    const last = this.last;
    return last ? last.fileFromOffset + last.wrotePos : 0;
  }

  writtenOffset(): number {
    const last = this.last;
    return last ? last.fileFromOffset + last.writtenPos : 0;
  }

  flushedOffset(): number {
    for (let i = this.files.length - 1; i >= 0; i--) {
      const f = this.files[i]!;
      if (f.flushedPos > 0 || i === 0) return f.fileFromOffset + f.flushedPos;
    }
    return 0;
  }

  /** The segment containing `offset`, if any. */
  findByOffset(offset: number): MappedFile | undefined {
    const first = this.files[0];
    if (!first || offset < first.fileFromOffset) return undefined;
    const f = this.files[Math.floor((offset - first.fileFromOffset) / this.fileSize)];
    return f && offset >= f.fileFromOffset && offset < f.fileTailOffset ? f : undefined;
  }

  /** Creates the segment that starts at `from` (which must follow the last one). */
  createFile(from: number): MappedFile {
    fs.mkdirSync(this.dir, { recursive: true });
    const last = this.last;
    if (last && last.fileTailOffset !== from) throw new StoreLayoutError(`segment ${from} does not follow ${last.fileFromOffset}`);
    const f = MappedFile.create(join(this.dir, offsetToFileName(from)), from, this.fileSize);
    this.files.push(f);
    return f;
  }

  /** Drops data at and after `offset`: later segments are deleted, the one containing it is cut. */
  truncateDirty(offset: number): void {
    const keep: MappedFile[] = [];
    for (const f of this.files) {
      if (f.fileTailOffset <= offset) {
        keep.push(f);
      } else if (f.fileFromOffset <= offset) {
        f.truncateTo(offset - f.fileFromOffset);
        keep.push(f);
      } else {
        f.destroy();
      }
    }
    this.files = keep;
  }

  /** Flushes every segment with unsynced writes; resolves to the flushed end offset. */
  async flush(): Promise<void> {
    for (const f of this.files) if (f.writtenPos > f.flushedPos) await f.flush();
  }

  flushSync(): void {
    for (const f of this.files) if (f.writtenPos > f.flushedPos) f.flushSync();
  }

  close(): void {
    for (const f of this.files) f.close();
  }

  destroy(): void {
    for (const f of this.files) f.destroy();
    this.files = [];
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

function isAllZero(path: string): boolean {
  const data = fs.readFileSync(path);
  for (let i = 0; i < data.length; i++) if (data[i] !== 0) return false;
  return true;
}
