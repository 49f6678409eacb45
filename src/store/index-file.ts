/**
 * Index files (`index/<yyyyMMddHHmmssSSS>`, Java's IndexFile layout): a 40-byte header, a table of
 * hash slots and a table of 20-byte entries chained per slot, for QUERY_MESSAGE by key or
 * unique key within a time range.
 *
 * The open file lives in memory and is handed to the kernel by the flush pass in the order
 * entries → slots → header, so a header on disk never claims entries that are not there.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { readLong, writeLong } from '../codec/big-endian.js';
import { javaHashCode } from '../codec/hashes.js';
import { SysFlag } from '../codec/sys-flag.js';
import { StoreLayoutError } from './errors.js';
import { fdatasyncUnlessClosed, readAt, writeFully } from './file-io.js';

export const INDEX_HEADER_SIZE = 40;
const SLOT_SIZE = 4;
const ENTRY_SIZE = 20;
const PAGE = 4096;

/** `|String.hashCode(key)|`, with Java's abs(MIN_VALUE) = MIN_VALUE mapped to 0. */
export function indexKeyHash(key: string): number {
  return slotHash(javaHashCode(key));
}

/** The non-negative hash stored in an entry and used for the slot, from `String.hashCode`. */
function slotHash(h: number): number {
  return h === -2147483648 ? 0 : Math.abs(h);
}

/** Local-time `yyyyMMddHHmmssSSS`, the index file name format. */
export function indexFileName(ms: number): string {
  const d = new Date(ms);
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}${p(d.getMilliseconds(), 3)}`;
}

export interface IndexHeader {
  beginTimestamp: number;
  endTimestamp: number;
  beginPhyOffset: number;
  endPhyOffset: number;
  hashSlotCount: number;
  indexCount: number;
}

export class IndexFile {
  header: IndexHeader;
  private mem: Buffer | null = null;
  private fd: number;
  /** Slot-table pages changed since the last writeOut (1 = dirty), and how many. */
  private dirtySlotPages: Uint8Array;
  private dirtySlotPageCount = 0;
  private entriesWritten: number;
  private closed = false;

  private constructor(
    readonly path: string,
    readonly hashSlotNum: number,
    readonly indexNum: number,
    fd: number,
    header: IndexHeader,
  ) {
    this.fd = fd;
    this.header = header;
    this.entriesWritten = header.indexCount;
    this.dirtySlotPages = new Uint8Array(Math.ceil((INDEX_HEADER_SIZE + hashSlotNum * SLOT_SIZE) / PAGE));
  }

  get fileSize(): number {
    return INDEX_HEADER_SIZE + this.hashSlotNum * SLOT_SIZE + this.indexNum * ENTRY_SIZE;
  }

  get name(): string {
    return this.path.slice(this.path.lastIndexOf('/') + 1);
  }

  static create(path: string, hashSlotNum: number, indexNum: number, seed: { endTimestamp: number; endPhyOffset: number } | undefined): IndexFile {
    const fd = fs.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_EXCL, 0o644);
    const header: IndexHeader = {
      beginTimestamp: seed?.endTimestamp ?? 0,
      endTimestamp: seed?.endTimestamp ?? 0,
      beginPhyOffset: seed?.endPhyOffset ?? 0,
      endPhyOffset: seed?.endPhyOffset ?? 0,
      hashSlotCount: 0,
      indexCount: 1,
    };
    const f = new IndexFile(path, hashSlotNum, indexNum, fd, header);
    fs.ftruncateSync(fd, f.fileSize);
    f.mem = Buffer.alloc(f.fileSize);
    f.writeHeaderToMem();
    f.entriesWritten = 1;
    return f;
  }

  /** Opens an existing file, reading its header (indexCount ≤ 0 reads as 1, as in Java). */
  static open(path: string, hashSlotNum: number, indexNum: number): IndexFile {
    const fd = fs.openSync(path, fs.constants.O_RDWR);
    const h = Buffer.alloc(INDEX_HEADER_SIZE);
    fs.readSync(fd, h, 0, INDEX_HEADER_SIZE, 0);
    const header: IndexHeader = {
      beginTimestamp: readLong(h, 0),
      endTimestamp: readLong(h, 8),
      beginPhyOffset: readLong(h, 16),
      endPhyOffset: readLong(h, 24),
      hashSlotCount: Math.max(0, h.readInt32BE(32)),
      indexCount: Math.max(1, h.readInt32BE(36)),
    };
    return new IndexFile(path, hashSlotNum, indexNum, fd, header);
  }

  isFull(): boolean {
    return this.header.indexCount >= this.indexNum;
  }

  hasEntries(): boolean {
    return this.header.indexCount > 1;
  }

  /** Loads the file into memory for writing. */
  private ensureMem(): Buffer {
    if (!this.mem) {
      const mem = Buffer.alloc(this.fileSize);
      const used = INDEX_HEADER_SIZE + this.hashSlotNum * SLOT_SIZE + this.header.indexCount * ENTRY_SIZE;
      readAt(this.fd, mem, 0, used, 0);
      this.mem = mem;
    }
    return this.mem;
  }

  private writeHeaderToMem(m: Buffer = this.mem!): void {
    const h = this.header;
    writeLong(m, 0, h.beginTimestamp);
    writeLong(m, 8, h.endTimestamp);
    writeLong(m, 16, h.beginPhyOffset);
    writeLong(m, 24, h.endPhyOffset);
    m.writeInt32BE(h.hashSlotCount, 32);
    m.writeInt32BE(h.indexCount, 36);
  }

  private readInt(pos: number): number {
    if (this.mem) return this.mem.readInt32BE(pos);
    const b = Buffer.alloc(4);
    fs.readSync(this.fd, b, 0, 4, pos);
    return b.readInt32BE(0);
  }

  private readEntry(index: number): Buffer {
    const pos = INDEX_HEADER_SIZE + this.hashSlotNum * SLOT_SIZE + index * ENTRY_SIZE;
    if (this.mem) return this.mem.subarray(pos, pos + ENTRY_SIZE);
    const b = Buffer.alloc(ENTRY_SIZE);
    fs.readSync(this.fd, b, 0, ENTRY_SIZE, pos);
    return b;
  }

  /** Adds a key; false when the file is full. Mirrors Java's putKey, including timeDiff rules. */
  putKey(key: string, phyOffset: number, storeTimestamp: number): boolean {
    return this.putHash(javaHashCode(key), phyOffset, storeTimestamp);
  }

  /** {@link putKey} with the key's `String.hashCode` already computed. */
  putHash(javaHash: number, phyOffset: number, storeTimestamp: number): boolean {
    const h = this.header;
    if (h.indexCount >= this.indexNum) return false;
    const mem = this.mem ?? this.ensureMem();
    const keyHash = slotHash(javaHash);
    const slotPos = INDEX_HEADER_SIZE + (keyHash % this.hashSlotNum) * SLOT_SIZE;
    let slotValue = mem.readInt32BE(slotPos);
    if (slotValue <= 0 || slotValue > h.indexCount) slotValue = 0;
    let timeDiff = Math.floor((storeTimestamp - h.beginTimestamp) / 1000);
    if (h.beginTimestamp <= 0 || timeDiff < 0) timeDiff = 0;
    else if (timeDiff > 0x7fffffff) timeDiff = 0x7fffffff;
    const entryPos = INDEX_HEADER_SIZE + this.hashSlotNum * SLOT_SIZE + h.indexCount * ENTRY_SIZE;
    putInt(mem, entryPos, keyHash);
    writeLong(mem, entryPos + 4, phyOffset);
    putInt(mem, entryPos + 12, timeDiff);
    putInt(mem, entryPos + 16, slotValue);
    putInt(mem, slotPos, h.indexCount);
    const page = (slotPos / PAGE) | 0;
    if (this.dirtySlotPages[page] === 0) {
      this.dirtySlotPages[page] = 1;
      this.dirtySlotPageCount++;
    }
    if (h.indexCount <= 1) {
      h.beginPhyOffset = phyOffset;
      h.beginTimestamp = storeTimestamp;
    }
    h.hashSlotCount++;
    h.indexCount++;
    h.endPhyOffset = phyOffset;
    h.endTimestamp = storeTimestamp;
    return true;
  }

  /** Commit-log offsets whose key hash matches and whose (second-granular) time is in range. */
  selectPhyOffsets(key: string, maxNum: number, begin: number, end: number, out: number[]): void {
    const h = this.header;
    const keyHash = indexKeyHash(key);
    const slotValue = this.readInt(INDEX_HEADER_SIZE + (keyHash % this.hashSlotNum) * SLOT_SIZE);
    if (slotValue <= 0 || slotValue > h.indexCount || h.indexCount <= 1) return;
    for (let next = slotValue; out.length < maxNum; ) {
      const e = this.readEntry(next);
      const hashRead = e.readInt32BE(0);
      const phy = readLong(e, 4);
      const timeDiff = e.readInt32BE(12);
      const prev = e.readInt32BE(16);
      if (timeDiff < 0) break;
      const time = h.beginTimestamp + timeDiff * 1000;
      if (hashRead === keyHash && time >= begin && time <= end) out.push(phy);
      if (prev <= 0 || prev > h.indexCount || prev === next || time < begin) break;
      next = prev;
    }
  }

  /** True when [begin, end] overlaps the file's time span. */
  isTimeMatched(begin: number, end: number): boolean {
    const h = this.header;
    return (begin < h.beginTimestamp && end > h.endTimestamp) ||
      (begin >= h.beginTimestamp && begin <= h.endTimestamp) ||
      (end >= h.beginTimestamp && end <= h.endTimestamp);
  }

  /**
   * After a crash: trusts the header's entry count and rebuilds the slot table and chain links
   * from the entries, so slots written after the header can never point at missing entries.
   */
  relink(): void {
    // Entries reach the file before the header that counts them, each with its link to the
    // previous entry of its slot, so the counted entries and their links are intact; only the
    // slot table (written last, and only by thorough passes) may be stale. It is rebuilt: each
    // slot points at the newest entry hashing to it. The image gets the header and the counted
    // entries; the old slot table is not even read.
    const slotsEnd = INDEX_HEADER_SIZE + this.hashSlotNum * SLOT_SIZE;
    const count = this.header.indexCount;
    const mem = this.mem ?? Buffer.alloc(this.fileSize);
    this.writeHeaderToMem(mem);
    const entriesFrom = slotsEnd + ENTRY_SIZE;
    readAt(this.fd, mem, entriesFrom, slotsEnd + count * ENTRY_SIZE - entriesFrom, entriesFrom);
    mem.fill(0, INDEX_HEADER_SIZE, slotsEnd);
    const slots = this.hashSlotNum;
    for (let i = 1, pos = slotsEnd + ENTRY_SIZE; i < count; i++, pos += ENTRY_SIZE) {
      const hash = ((mem[pos]! << 24) | (mem[pos + 1]! << 16) | (mem[pos + 2]! << 8) | mem[pos + 3]!) >>> 0;
      putInt(mem, INDEX_HEADER_SIZE + (hash % slots) * SLOT_SIZE, i);
    }
    this.mem = mem;
    // Entries past the count on disk are unreachable (no slot or link points there) and get
    // overwritten by the next puts.
    writeFully(this.fd, mem, 0, slotsEnd);
    this.entriesWritten = count;
    this.dirtySlotPages.fill(0);
    this.dirtySlotPageCount = 0;
  }

  /**
   * Hands new entries, touched slot pages and the header to the kernel, in that order. Without
   * `slots` the slot pages stay pending: a crash rebuilds them from the entries (relink), so the
   * frequent passes skip them and only thorough ones, a full file and close write them.
   */
  writeOut(slots = true): void {
    const mem = this.mem;
    if (!mem) return;
    const slotsEnd = INDEX_HEADER_SIZE + this.hashSlotNum * SLOT_SIZE;
    const from = slotsEnd + this.entriesWritten * ENTRY_SIZE;
    const to = slotsEnd + this.header.indexCount * ENTRY_SIZE;
    if (to > from) writeFully(this.fd, mem, from, to);
    this.entriesWritten = this.header.indexCount;
    if (slots && this.dirtySlotPageCount > 0) {
      // Runs of consecutive dirty pages, each written with one call.
      const dirty = this.dirtySlotPages;
      for (let p = 0; p < dirty.length; p++) {
        if (dirty[p] === 0) continue;
        let q = p;
        while (q + 1 < dirty.length && dirty[q + 1] === 1) q++;
        writeFully(this.fd, mem, Math.max(INDEX_HEADER_SIZE, p * PAGE), Math.min(slotsEnd, (q + 1) * PAGE));
        dirty.fill(0, p, q + 1);
        p = q;
      }
      this.dirtySlotPageCount = 0;
    }
    this.writeHeaderToMem();
    writeFully(this.fd, mem, 0, INDEX_HEADER_SIZE);
  }

  flushSync(): void {
    this.writeOut();
    if (!this.closed) fs.fdatasyncSync(this.fd);
  }

  /** fdatasync of what was written, on the thread pool; a file closed meanwhile is not an error. */
  syncAsync(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return fdatasyncUnlessClosed(this.fd, () => this.closed);
  }

  /** Releases the in-memory image (after the file is full and written out). */
  dropMem(): void {
    this.writeOut();
    this.mem = null;
  }

  close(): void {
    if (this.closed) return;
    this.writeOut();
    this.closed = true;
    fs.closeSync(this.fd);
    this.mem = null;
  }

  destroy(): void {
    if (!this.closed) {
      this.closed = true;
      fs.closeSync(this.fd);
    }
    this.mem = null;
    fs.rmSync(this.path, { force: true });
  }
}

function putInt(buf: Uint8Array, pos: number, value: number): void {
  buf[pos] = value >>> 24;
  buf[pos + 1] = value >>> 16;
  buf[pos + 2] = value >>> 8;
  buf[pos + 3] = value;
}

/** The set of index files: building, querying, crash handling and deletion. */
export class IndexService {
  files: IndexFile[] = [];
  /**
   * Highest commit-log offset indexed so far (-1: none). Re-dispatched records below it are
   * skipped; the record *at* it is indexed again, because its keys may straddle into a newer file
   * that a crash lost (duplicates are harmless: queries de-duplicate).
   */
  private lastIndexedPhy = -1;
  /** False after a crash: the record at lastIndexedPhy may be only partly indexed. */
  private lastIsComplete = true;

  constructor(
    readonly dir: string,
    readonly hashSlotNum: number,
    readonly indexNum: number,
    private readonly onFileFull: (file: IndexFile) => void,
  ) {}

  /** Opens all index files (17-digit names, sorted by time). */
  load(cleanShutdown: boolean): void {
    this.lastIsComplete = cleanShutdown;
    if (!fs.existsSync(this.dir)) return;
    const names = fs.readdirSync(this.dir).filter((n) => /^\d{17}$/.test(n)).sort();
    const expected = INDEX_HEADER_SIZE + this.hashSlotNum * SLOT_SIZE + this.indexNum * ENTRY_SIZE;
    for (const [i, name] of names.entries()) {
      const path = join(this.dir, name);
      const size = fs.statSync(path).size;
      // A crash while the newest file was being created leaves it short (often 0 bytes): it holds
      // nothing that replay cannot rebuild, so drop it rather than refuse to start.
      if (size < expected && !cleanShutdown && i === names.length - 1) {
        fs.rmSync(path, { force: true });
        continue;
      }
      if (size !== expected) {
        throw new StoreLayoutError(`${path} is ${size} bytes but maxHashSlotNum/maxIndexNum give ${expected}; set the values the store was written with`);
      }
      this.files.push(IndexFile.open(path, this.hashSlotNum, this.indexNum));
    }
    // Only the newest file may be unfinished. An unfinished file followed by newer ones means a
    // crash cut its tail after those were created (its header is older than its entries): keep
    // it as the newest and drop the later ones; replay from its end rebuilds what they held.
    const open = this.files.findIndex((f) => !f.isFull());
    if (open >= 0 && open < this.files.length - 1) {
      for (const f of this.files.splice(open + 1)) f.destroy();
    }
    this.refreshLastIndexed();
  }

  private refreshLastIndexed(): void {
    this.lastIndexedPhy = -1;
    for (const f of this.files) if (f.hasEntries()) this.lastIndexedPhy = Math.max(this.lastIndexedPhy, f.header.endPhyOffset);
  }

  /** Offset to replay from so the index catches up (-1 when nothing is indexed yet). */
  indexedUpTo(): number {
    return this.lastIndexedPhy;
  }

  /**
   * After an abnormal shutdown: the newest, unfinished file may have slots newer than its
   * header; rebuild its links from its entries.
   */
  repairAfterCrash(): void {
    const last = this.files[this.files.length - 1];
    if (last && !last.isFull()) last.relink();
    this.refreshLastIndexed();
  }

  /** Drops files entirely past a truncated CommitLog end and forgets offsets at/after it. */
  truncate(phyOffset: number): void {
    while (this.files.length > 0) {
      const last = this.files[this.files.length - 1]!;
      if (last.hasEntries() && last.header.beginPhyOffset >= phyOffset) {
        last.destroy();
        this.files.pop();
      } else break;
    }
    this.refreshLastIndexed();
    if (this.lastIndexedPhy >= phyOffset) this.lastIndexedPhy = phyOffset - 1;
  }

  /**
   * Indexes one record under the keys whose `String.hashCode` values (of `topic#key`: the unique
   * key first, then each KEYS element) are `hashes[from, to)`. Rollback records are not indexed.
   */
  add(physicalOffset: number, storeTimestamp: number, sysFlag: number, hashes: Int32Array, from: number, to: number): void {
    if ((sysFlag & SysFlag.TRANSACTION_MASK) === SysFlag.TRANSACTION_ROLLBACK) return;
    if (physicalOffset < this.lastIndexedPhy || (physicalOffset === this.lastIndexedPhy && this.lastIsComplete)) return;
    for (let i = from; i < to; i++) {
      let file = this.writableFile();
      if (!file.putHash(hashes[i]!, physicalOffset, storeTimestamp)) {
        file = this.writableFile();
        file.putHash(hashes[i]!, physicalOffset, storeTimestamp);
      }
    }
    this.lastIndexedPhy = physicalOffset;
    this.lastIsComplete = true;
  }

  private writableFile(): IndexFile {
    const last = this.files[this.files.length - 1];
    if (last && !last.isFull()) return last;
    if (last) {
      last.flushSync();
      last.dropMem();
      this.onFileFull(last);
    }
    fs.mkdirSync(this.dir, { recursive: true });
    let t = Date.now();
    while (fs.existsSync(join(this.dir, indexFileName(t))) || (last && indexFileName(t) <= last.name)) t++;
    const seed = last ? { endTimestamp: last.header.endTimestamp, endPhyOffset: last.header.endPhyOffset } : undefined;
    const f = IndexFile.create(join(this.dir, indexFileName(t)), this.hashSlotNum, this.indexNum, seed);
    this.files.push(f);
    return f;
  }

  /** Commit-log offsets of records indexed under `topic#key` in [begin, end], newest files first. */
  query(topic: string, key: string, maxNum: number, begin: number, end: number): number[] {
    const out: number[] = [];
    const full = topic + '#' + key;
    for (let i = this.files.length - 1; i >= 0 && out.length < maxNum; i--) {
      const f = this.files[i]!;
      if (!f.hasEntries() || !f.isTimeMatched(begin, end)) {
        if (f.hasEntries() && f.header.endTimestamp < begin) break;
        continue;
      }
      f.selectPhyOffsets(full, maxNum, begin, end, out);
    }
    return [...new Set(out)];
  }

  lastUpdate(): { timestamp: number; phyOffset: number } {
    const last = this.files[this.files.length - 1];
    return last ? { timestamp: last.header.endTimestamp, phyOffset: last.header.endPhyOffset } : { timestamp: 0, phyOffset: 0 };
  }

  /** Deletes files (never the newest) whose last record is below the CommitLog min offset. */
  deleteExpired(commitLogMinOffset: number): number {
    let deleted = 0;
    while (this.files.length > 1 && this.files[0]!.header.endPhyOffset < commitLogMinOffset) {
      this.files.shift()!.destroy();
      deleted++;
    }
    return deleted;
  }

  writeOut(slots = true): void {
    for (const f of this.files) f.writeOut(slots);
  }

  flushSync(): void {
    const last = this.files[this.files.length - 1];
    last?.flushSync();
  }

  /** Syncs the file being filled (full ones were synced when they filled up). */
  syncAsync(): Promise<void> {
    return this.files[this.files.length - 1]?.syncAsync() ?? Promise.resolve();
  }

  close(): void {
    for (const f of this.files) f.close();
  }
}
