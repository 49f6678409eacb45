/**
 * The message store: CommitLog + consume queues + index + checkpoint in RocketMQ's on-disk
 * layout, byte for byte, with the API the broker and replication use.
 *
 * Append path (single-threaded, so the put "lock" is simply synchronous code): records are
 * encoded straight into the active segment's image, handed to the kernel with one write per put
 * or batch, then dispatched to the consume queue and index. The put then resolves (ASYNC_FLUSH)
 * or waits for a group-commit fdatasync that covers it (SYNC_FLUSH).
 */
import * as fs from 'node:fs';
import { totalmem } from 'node:os';
import { join } from 'node:path';
import { readLong } from '../codec/big-endian.js';
import type { HostAddress } from '../codec/host-address.js';
import { type StoredMessage, decodeRecord, encodeRecordInto, prepareRecord, storeTimestampPosition, RECORD_FIXED_SIZE, BLANK_HEADER_SIZE, type PreparedRecord, type MessageRecordFields } from '../codec/message-record.js';
import { getProperty, Prop } from '../codec/message-properties.js';
import { textOf, type PropertiesView } from '../codec/properties-view.js';
import { encodeOffsetMsgId } from '../codec/message-id.js';
import { CodecError } from '../codec/errors.js';
import { Checkpoint, WrittenMark } from './checkpoint.js';
import { CommitLog } from './commit-log.js';
import { parseDelayLevels, resolveStoreConfig, type StoreConfig } from './config.js';
import { ConsumeQueue, CQ_UNIT_SIZE } from './consume-queue.js';
import { DispatchLog, goesToConsumeQueue, TopicTable, type TopicInfo } from './dispatch.js';
import { PutRefusedError, type PutMessageStatus } from './errors.js';
import { IndexService } from './index-file.js';
import type { MappedFile } from './mapped-file.js';
import { StoreLock } from './lock.js';
import { makeDirectory } from '../common/paths.js';

/** A message to append. `properties` is the raw properties string. */
export interface MessageInput {
  topic: string;
  queueId: number;
  body: Buffer;
  properties: string;
  flag?: number;
  sysFlag?: number;
  bornTimestamp: number;
  bornHost: HostAddress;
  reconsumeTimes?: number;
  preparedTransactionOffset?: number;
}

/** A message to append whose properties the broker has already read: the store does not read them again. */
export interface ParsedMessageInput extends Omit<MessageInput, 'properties'> {
  properties: PropertiesView;
}

export interface AppendedRecord {
  physicalOffset: number;
  queueOffset: number;
  size: number;
  msgId: string;
}

export interface PutResult {
  /** Both mean "stored"; FLUSH_DISK_TIMEOUT: the fdatasync did not confirm within syncFlushTimeout. */
  status: Extract<PutMessageStatus, 'PUT_OK' | 'FLUSH_DISK_TIMEOUT'>;
  /** Offset message id(s), comma-joined for a batch (what SEND responses carry). */
  msgId: string;
  physicalOffset: number;
  queueOffset: number;
  wroteBytes: number;
  storeTimestamp: number;
  records: AppendedRecord[];
}

export type GetMessageStatus =
  | 'FOUND'
  | 'NO_MATCHED_MESSAGE'
  | 'MESSAGE_WAS_REMOVING'
  | 'OFFSET_FOUND_NULL'
  | 'OFFSET_OVERFLOW_BADLY'
  | 'OFFSET_OVERFLOW_ONE'
  | 'OFFSET_TOO_SMALL'
  | 'NO_MATCHED_LOGIC_QUEUE'
  | 'NO_MESSAGE_IN_QUEUE';

export interface GetMessageResult {
  status: GetMessageStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  /** Whole records, each a slice of the store's memory where possible (concatenate for a pull body). */
  messages: Buffer[];
  queueOffsets: number[];
  bufferTotalSize: number;
  suggestPullingFromSlave: boolean;
}

/** Consume-queue level filter: receives the entry's tags code (hash of TAGS). */
export type TagsCodeFilter = (tagsCode: number) => boolean;

export interface QueryMessageResult {
  messages: Buffer[];
  indexLastUpdateTimestamp: number;
  indexLastUpdatePhyoffset: number;
}

export interface StoreOptions {
  /** Warnings and notable events; default: console.warn for 'warn'. */
  log?: (level: 'info' | 'warn', message: string) => void;
  /** Called after a record reaches its consume queue (long-polling wake-up). */
  onMessageArrived?: (topic: string, queueId: number, nextQueueOffset: number, tagsCode: number) => void;
  /** Disk usage ratio (0..1) of the partition holding `path`; default statfs. Tests inject it. */
  diskUsage?: (path: string) => number;
  /** Clock for store timestamps and retention decisions; default Date.now. */
  now?: () => number;
}

export interface RecoveryReport {
  normal: boolean;
  commitLogMaxOffset: number;
  truncatedAt?: number;
  stop?: string;
  replayedFrom?: number;
  /** Abnormal recovery after a crash of the process only (the kernel kept running). */
  sameBoot?: boolean;
  dispatched: number;
}

const PAGE = 4096;

function queueKey(topic: string, queueId: number): string {
  return `${topic}-${queueId}`;
}

interface PendingAppend {
  file: MappedFile;
  start: number;
  end: number;
  /** Its records in the tick's dispatch log: entries [logFrom, logTo). */
  logFrom: number;
  logTo: number;
  storeTimestamp: number;
  result: StoredResult;
  /** SYNC_FLUSH: the producer waits for the flush (WAIT is not false). */
  waitFlush: boolean;
  resolve: (result: PutResult) => void;
  reject: (err: Error) => void;
}

/**
 * What a put resolves to. The message ids and per-record list are built only when asked for:
 * records of one append are contiguous, so `layout` ([size, queueOffset] per record, for
 * batches) is all that is kept.
 */
class StoredResult implements PutResult {
  status: PutResult['status'] = 'PUT_OK';
  private ids: string | undefined = undefined;
  private list: AppendedRecord[] | undefined = undefined;

  constructor(
    readonly physicalOffset: number,
    readonly queueOffset: number,
    readonly wroteBytes: number,
    readonly storeTimestamp: number,
    private readonly msgIdPrefix: string,
    private readonly layout: number[] | undefined,
  ) {}

  get records(): AppendedRecord[] {
    if (this.list) return this.list;
    const list: AppendedRecord[] = [];
    if (!this.layout) {
      list.push({ physicalOffset: this.physicalOffset, queueOffset: this.queueOffset, size: this.wroteBytes, msgId: this.idAt(this.physicalOffset) });
    } else {
      let phy = this.physicalOffset;
      for (let i = 0; i < this.layout.length; i += 2) {
        const size = this.layout[i]!;
        list.push({ physicalOffset: phy, queueOffset: this.layout[i + 1]!, size, msgId: this.idAt(phy) });
        phy += size;
      }
    }
    this.list = list;
    return list;
  }

  /** Offset message id(s), comma-joined for a batch (what SEND responses carry). */
  get msgId(): string {
    if (this.ids === undefined) this.ids = this.layout ? this.records.map((r) => r.msgId).join(',') : this.idAt(this.physicalOffset);
    return this.ids;
  }

  private idAt(physicalOffset: number): string {
    return this.msgIdPrefix + physicalOffset.toString(16).toUpperCase().padStart(16, '0');
  }
}

interface FlushWaiter {
  offset: number;
  deadline: number;
  resolve: (ok: boolean) => void;
}

export class MessageStore {
  /** Physical memory of the machine (os.totalmem), read once. */
  private static totalMemory: number | undefined;
  readonly config: StoreConfig;
  readonly commitLog: CommitLog;
  readonly index: IndexService;
  readonly checkpoint: Checkpoint;
  private readonly writtenMark: WrittenMark;
  readonly recovery: RecoveryReport;
  private readonly consumeQueues = new Map<string, Map<number, ConsumeQueue>>();
  /** Next queue offset per `topic-queueId`. */
  private readonly topicQueueTable = new Map<string, number>();
  private readonly delayLevels: number[];
  private readonly storeHost: HostAddress;
  /** Hex of store IP + port: the first 16 (or 40) characters of every offset message id. */
  private readonly msgIdPrefix: string;
  private readonly lock: StoreLock;
  private readonly log: (level: 'info' | 'warn', message: string) => void;
  private readonly options: StoreOptions;
  private readonly timers: NodeJS.Timeout[] = [];
  private shut = false;
  private diskFull = false;
  private cleanImmediately = false;
  /** Offset up to which records have been dispatched (slave reput / recovery). */
  private reputFromOffset = 0;
  /** Store timestamp of the newest appended record, and of the newest dispatched one. */
  private lastAppendTimestamp = 0;
  private lastDispatchTimestamp = 0;
  private lastThoroughCommitFlush = Date.now();
  private lastThoroughCqFlush = Date.now();
  private flushWaiters: FlushWaiter[] = [];
  /** Appends encoded this tick, written and dispatched together at its end. */
  private pendingAppends: PendingAppend[] = [];
  /** Dispatch requests of this tick's appends; a spare swaps in while a tick's are dispatched. */
  private tickLog = new DispatchLog();
  private spareLog: DispatchLog | undefined = new DispatchLog();
  /** One record at a time, for recovery and replication. */
  private readonly replayLog = new DispatchLog();
  private readonly topicTable = new TopicTable();
  /** Scratch objects of the append path (one record at a time). */
  private readonly scratchFields: MessageRecordFields;
  private readonly scratchPrepared: PreparedRecord;
  private writeScheduled = false;
  private flushing = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushTimerDeadline = 0;
  private asyncFlushing = false;
  private manualDeleteBudget = 0;

  private constructor(config: StoreConfig, options: StoreOptions, lock: StoreLock) {
    this.config = config;
    this.options = options;
    this.lock = lock;
    this.log = options.log ?? ((level, message) => level === 'warn' && console.warn(`[store] ${message}`));
    this.delayLevels = parseDelayLevels(config.messageDelayLevel);
    this.storeHost = { ip: config.brokerIP1, port: config.listenPort };
    this.scratchFields = {
      queueId: 0,
      flag: 0,
      queueOffset: 0,
      physicalOffset: 0,
      sysFlag: 0,
      bornTimestamp: 0,
      bornHost: this.storeHost,
      storeTimestamp: 0,
      storeHost: this.storeHost,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      body: Buffer.alloc(0),
      topic: '',
      properties: '',
      bodyCrc: undefined,
    };
    this.scratchPrepared = prepareRecord(this.scratchFields);
    this.msgIdPrefix = encodeOffsetMsgId(this.storeHost, 0).slice(0, -16);
    this.commitLog = new CommitLog(config.storePathCommitLog, config.mapedFileSizeCommitLog, config.commitLogCachedFiles);
    this.index = new IndexService(join(config.storePathRootDir, 'index'), config.maxHashSlotNum, config.maxIndexNum, (file) => {
      this.checkpoint.indexMsgTimestamp = file.header.endTimestamp;
      this.checkpoint.flush();
    });
    this.checkpoint = new Checkpoint(join(config.storePathRootDir, 'checkpoint'));
    this.writtenMark = new WrittenMark(join(config.storePathRootDir, 'apogee.written'));
    this.recovery = { normal: true, commitLogMaxOffset: 0, dispatched: 0 };
  }

  /** Opens (creating if needed) and recovers a store, then starts its flush and clean services. */
  static open(overrides: Partial<StoreConfig> & { storePathRootDir: string }, options: StoreOptions = {}): MessageStore {
    const config = resolveStoreConfig(overrides);
    makeDirectory(config.storePathRootDir);
    const lock = StoreLock.acquire(config.storePathRootDir);
    let store: MessageStore | undefined;
    try {
      store = new MessageStore(config, options, lock);
      store.load();
      store.start();
      return store;
    } catch (err) {
      try {
        store?.closeFiles();
      } catch {
        // keep the original error
      }
      lock.release();
      throw err;
    }
  }

  private get abortPath(): string {
    return join(this.config.storePathRootDir, 'abort');
  }

  // -------------------------------------------------------------------------------------------
  // Load and recovery

  private load(): void {
    const lastExitOK = !fs.existsSync(this.abortPath);
    this.commitLog.load();
    this.loadConsumeQueues();
    this.index.load(lastExitOK);
    for (const cq of this.allConsumeQueues()) cq.recover();
    if (lastExitOK) this.recoverNormally();
    else this.recoverAbnormally();
    this.recovery.commitLogMaxOffset = this.commitLog.maxOffset();
    this.rebuildQueueTable();
  }

  private loadConsumeQueues(): void {
    const root = join(this.config.storePathRootDir, 'consumequeue');
    if (!fs.existsSync(root)) return;
    for (const topic of fs.readdirSync(root)) {
      const topicDir = join(root, topic);
      if (!fs.statSync(topicDir).isDirectory()) continue;
      for (const q of fs.readdirSync(topicDir)) {
        if (!/^\d+$/.test(q)) continue;
        const cq = this.consumeQueue(topic, Number(q), true)!;
        cq.load();
      }
    }
  }

  private *allConsumeQueues(): Generator<ConsumeQueue> {
    for (const m of this.consumeQueues.values()) yield* m.values();
  }

  private maxPhyOffsetOfConsumeQueues(): number {
    let max = -1;
    for (const cq of this.allConsumeQueues()) max = Math.max(max, cq.maxPhysicOffset);
    return max;
  }

  /** Where dispatch must resume so that every consume queue and the index catch up. */
  private catchUpOffset(): number {
    const min = this.commitLog.minOffset();
    const cqEnd = this.maxPhyOffsetOfConsumeQueues();
    let from = cqEnd < 0 ? min : cqEnd;
    if (this.config.messageIndexEnable) {
      const indexed = this.index.indexedUpTo();
      from = Math.min(from, indexed < 0 ? min : indexed);
    }
    return Math.max(from, min);
  }

  private recoverNormally(): void {
    const files = this.commitLog.queue.files;
    this.recovery.normal = true;
    if (files.length === 0) {
      this.truncateConsumeQueues(0);
      return;
    }
    const start = files[Math.max(0, files.length - 3)]!.fileFromOffset;
    // After a clean shutdown everything was flushed: the older segments get the structural
    // checks, and only the newest one is also CRC-checked, which keeps restarts fast.
    const lastStart = files[files.length - 1]!.fileFromOffset;
    let result = this.commitLog.scan(start, lastStart, false, () => true);
    if (result.stop === 'end' && result.endOffset === lastStart) {
      result = this.commitLog.scan(lastStart, Number.MAX_SAFE_INTEGER, this.config.checkCRCOnRecover, () => true);
    }
    this.finishCommitLogRecovery(result.endOffset, result.stop, result.detail);
    // Rebuild consume queues / index that are behind (deleted, or a crash of a 3.5.8 broker).
    const from = this.catchUpOffset();
    if (from < result.endOffset) this.replay(from, result.endOffset, false);
  }

  private recoverAbnormally(): void {
    this.recovery.normal = false;
    const files = this.commitLog.queue.files;
    if (files.length === 0) {
      for (const cq of this.allConsumeQueues()) cq.destroy();
      this.consumeQueues.clear();
      return;
    }
    let limit = this.config.messageIndexEnable && this.config.messageIndexSafe
      ? this.checkpoint.minTimestampIndex()
      : this.checkpoint.minTimestamp();
    // Only this process crashed (the kernel kept running): what it had handed to the kernel is
    // intact, and the consume queues and the index held every record up to the written mark.
    // Replay from 3 s before it, the margin Java keeps before the checkpoint.
    const mark = this.writtenMark.thisBoot();
    if (mark && mark.offset <= this.commitLog.maxOffset() && mark.timestamp - 3000 > limit) {
      limit = mark.timestamp - 3000;
      this.recovery.sameBoot = true;
    }
    let start = files[0]!.fileFromOffset;
    for (let i = files.length - 1; i >= 0; i--) {
      const f = files[i]!;
      const head = f.peek(0, 64);
      if (head.length < 64 || head.readInt32BE(4) !== (0xdaa320a7 | 0)) continue;
      const ts = this.commitLog.storeTimestampAt(f.fileFromOffset);
      if (ts > 0 && ts <= limit) {
        start = f.fileFromOffset;
        break;
      }
    }
    // Records stored at or before the limit are already in the consume queues and the index:
    // skip them with a header-only walk instead of replaying the whole segment, from a record
    // boundary close to the limit that the consume queues point at.
    start = this.boundaryNear(limit, start);
    const skipped = this.commitLog.scan(start, Number.MAX_SAFE_INTEGER, false, (buf, pos) => readLong(buf, pos + storeTimestampPosition(buf.readInt32BE(pos + 36))) <= limit);
    start = skipped.endOffset;
    this.index.repairAfterCrash();
    start = Math.min(start, this.catchUpOffset());
    this.recovery.replayedFrom = start;
    const result = this.replay(start, Number.MAX_SAFE_INTEGER, true);
    this.finishCommitLogRecovery(result.endOffset, result.stop, result.detail);
  }

  /**
   * The start of a record at or after `from` stored at or before `limit`, as late as a binary
   * search in the busiest consume queues finds (their entries are record starts, and store times
   * grow along the CommitLog); `from` when there is none. A candidate counts only if the record
   * there names its own offset and size, so a damaged queue entry cannot mislead the walk.
   */
  private boundaryNear(limit: number, from: number): number {
    const queues = [...this.allConsumeQueues()].filter((cq) => cq.maxPhysicOffset > from);
    queues.sort((a, b) => b.maxPhysicOffset - a.maxPhysicOffset);
    let best = from;
    for (const cq of queues.slice(0, 8)) {
      let lo = cq.minOffsetInQueue();
      let hi = cq.maxOffsetInQueue() - 1;
      while (lo <= hi) {
        const mid = Math.floor((lo + hi) / 2);
        const e = cq.entry(mid);
        const ts = e && e.size !== 0x7fffffff ? this.commitLog.storeTimestampIfRecord(e.physicalOffset, e.size) : -1;
        if (ts >= 0 && ts <= limit) {
          if (e!.physicalOffset > best) best = e!.physicalOffset;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
    }
    return best;
  }

  private finishCommitLogRecovery(end: number, stop: string, detail: string | undefined): void {
    if (stop !== 'end') {
      this.log('warn', `commit log recovery stopped at ${end}: ${stop}${detail ? ` (${detail})` : ''}; data after it is dropped`);
      this.recovery.stop = stop;
      this.recovery.truncatedAt = end;
    }
    this.commitLog.truncate(end);
    for (const f of this.commitLog.queue.files) f.flushedPos = f.writtenPos = f.wrotePos;
    this.truncateConsumeQueues(end);
    this.index.truncate(end);
    this.reputFromOffset = end;
    this.commitLog.trimCache();
  }

  private truncateConsumeQueues(end: number): void {
    for (const cq of this.allConsumeQueues()) if (cq.maxPhysicOffset > end || cq.maxPhysicOffset < 0) cq.truncateDirty(end);
  }

  /**
   * Dispatches every record in [from, to). With `verify`, records are CRC-checked and
   * cross-checked against their queue's offset sequence; the first failure ends the scan.
   */
  private replay(from: number, to: number, verify: boolean): { endOffset: number; stop: string; detail?: string } {
    // Next queue offset expected per topic and queue id.
    const expected = new Map<TopicInfo, number[]>();
    let rejected: string | undefined;
    const log = this.replayLog;
    const result = this.commitLog.scan(from, to, verify && this.config.checkCRCOnRecover, (buf, pos) => {
      log.clear();
      log.addRecord(buf, pos, this.topicTable, this.delayLevels, this.config.messageIndexEnable);
      if (verify && goesToConsumeQueue(log.sysFlags[0]!)) {
        const topic = log.topics[0]!;
        const queueId = log.queueIds[0]!;
        const queueOffset = log.queueOffsets[0]!;
        const physicalOffset = log.physicalOffsets[0]!;
        let next = expected.get(topic);
        if (!next) expected.set(topic, (next = []));
        const want = next[queueId];
        if (want !== undefined && want !== queueOffset) {
          rejected = `record at ${physicalOffset} has queue offset ${queueOffset}, expected ${want} for ${queueKey(topic.name, queueId)}`;
          return false;
        }
        if (want === undefined) {
          const cq = this.consumeQueue(topic.name, queueId, false);
          if (cq && queueOffset < cq.maxOffsetInQueue()) {
            const e = cq.entry(queueOffset);
            if (e && e.size !== 0x7fffffff && (e.physicalOffset !== physicalOffset || e.size !== log.sizes[0]!)) {
              rejected = `record at ${physicalOffset} disagrees with consume queue ${queueKey(topic.name, queueId)} entry ${queueOffset}`;
              return false;
            }
          }
        }
        next[queueId] = queueOffset + 1;
      }
      this.dispatch(log, 0, 1);
      this.recovery.dispatched++;
      return true;
    });
    if (rejected) return { endOffset: result.endOffset, stop: 'rejected', detail: rejected };
    return result;
  }

  private rebuildQueueTable(): void {
    this.topicQueueTable.clear();
    const min = this.commitLog.minOffset();
    for (const cq of this.allConsumeQueues()) {
      this.topicQueueTable.set(queueKey(cq.topic, cq.queueId), cq.maxOffsetInQueue());
      cq.correctMinOffset(min);
    }
  }

  private start(): void {
    fs.writeFileSync(this.abortPath, '');
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, Math.max(1, ms));
      t.unref();
      this.timers.push(t);
    };
    // SYNC_FLUSH also needs it: replicated appends (slave) and WAIT=false puts wait for nobody.
    every(this.config.flushIntervalCommitLog, () => void this.asyncFlush());
    every(this.config.flushIntervalConsumeQueue, () => void this.flushConsumeQueuesInBackground());
    every(this.config.cleanResourceInterval, () => this.cleanFiles());
  }

  // -------------------------------------------------------------------------------------------
  // Consume queues

  private consumeQueue(topic: string, queueId: number, create: boolean): ConsumeQueue | undefined {
    let byId = this.consumeQueues.get(topic);
    if (!byId) {
      if (!create) return undefined;
      byId = new Map();
      this.consumeQueues.set(topic, byId);
    }
    let cq = byId.get(queueId);
    if (!cq && create) {
      cq = new ConsumeQueue(topic, queueId, join(this.config.storePathRootDir, 'consumequeue', topic, String(queueId)), this.config.mapedFileSizeConsumeQueue);
      byId.set(queueId, cq);
    }
    return cq;
  }

  /** Hands entries [from, to) of a dispatch log to their consume queues and the index. */
  private dispatch(log: DispatchLog, from: number, to: number): void {
    const arrived = this.options.onMessageArrived;
    const indexed = this.config.messageIndexEnable;
    // Consecutive records of one queue (a batch) look their consume queue up once.
    let cq: ConsumeQueue | undefined;
    let cqTopic: TopicInfo | undefined;
    let cqQueueId = -1;
    for (let i = from; i < to; i++) {
      const sysFlag = log.sysFlags[i]!;
      const physicalOffset = log.physicalOffsets[i]!;
      const size = log.sizes[i]!;
      if (goesToConsumeQueue(sysFlag)) {
        const topic = log.topics[i]!;
        const queueId = log.queueIds[i]!;
        if (!cq || topic !== cqTopic || queueId !== cqQueueId) {
          cq = this.consumeQueue(topic.name, queueId, true)!;
          cqTopic = topic;
          cqQueueId = queueId;
        }
        const queueOffset = log.queueOffsets[i]!;
        const tagsCode = log.tagsCodes[i]!;
        cq.put(physicalOffset, size, tagsCode, queueOffset);
        if (arrived) arrived(topic.name, queueId, queueOffset + 1, tagsCode);
      }
      if (indexed) this.index.add(physicalOffset, log.storeTimestamps[i]!, sysFlag, log.keyHashes, log.keyStart(i), log.keyEnds[i]!);
      this.lastDispatchTimestamp = log.storeTimestamps[i]!;
      const end = physicalOffset + size;
      if (end > this.reputFromOffset) this.reputFromOffset = end;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Put

  /** Appends one message. Rejects with {@link PutRefusedError} when nothing was stored. */
  put(msg: MessageInput | ParsedMessageInput): Promise<PutResult> {
    return this.putMessages([msg]);
  }

  /** Appends messages with one write (a SEND_BATCH_MESSAGE). They land in one segment, in order. */
  putBatch(msgs: readonly (MessageInput | ParsedMessageInput)[]): Promise<PutResult> {
    if (msgs.length === 0) return Promise.reject(new PutRefusedError('MESSAGE_ILLEGAL', 'empty batch'));
    return this.putMessages(msgs);
  }

  private putMessages(msgs: readonly (MessageInput | ParsedMessageInput)[]): Promise<PutResult> {
    try {
      return this.append(msgs);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Appends made in one tick reach the kernel in one write at the end of the tick (pipelined sends
   * arrive many per socket read); only then are they dispatched and acknowledged.
   */
  private writePending(): void {
    this.writeScheduled = false;
    const batch = this.pendingAppends;
    if (batch.length === 0) return;
    this.pendingAppends = [];
    // Appends made while this tick is dispatched (a callback putting) go to another log.
    const log = this.tickLog;
    this.tickLog = this.spareLog ?? new DispatchLog();
    this.spareLog = undefined;
    let failed: Map<MappedFile, unknown> | undefined;
    let written: MappedFile | undefined;
    for (let i = 0; i < batch.length; i++) {
      const file = batch[i]!.file;
      if (file === written || failed?.has(file)) continue;
      try {
        file.writeOut();
        written = file;
      } catch (err) {
        (failed ??= new Map()).set(file, err);
      }
    }
    // Keep what reached the file; from the first append that did not, undo everything after it.
    let cut = batch.length;
    if (failed) {
      cut = batch.findIndex((b) => failed.has(b.file) && b.file.writtenPos < b.end);
      if (cut < 0) cut = batch.length;
    }
    if (cut < batch.length) {
      const err = failed!.get(batch[cut]!.file);
      for (let i = batch.length - 1; i >= cut; i--) {
        const b = batch[i]!;
        // Each queue continues from the first offset the undone appends gave it.
        for (let k = b.logTo - 1; k >= b.logFrom; k--) {
          if (goesToConsumeQueue(log.sysFlags[k]!)) this.topicQueueTable.set(queueKey(log.topics[k]!.name, log.queueIds[k]!), log.queueOffsets[k]!);
        }
        const mem = this.commitLog.image(b.file);
        mem.fill(0, b.start, b.file.wrotePos);
        b.file.wrotePos = b.start;
        b.file.writtenPos = Math.min(b.file.writtenPos, b.start);
      }
      this.noteWriteError(err);
      const refusal = new PutRefusedError('SERVICE_NOT_AVAILABLE', `CommitLog write failed: ${(err as Error)?.message ?? String(err)}`);
      for (let i = cut; i < batch.length; i++) batch[i]!.reject(refusal);
    }
    const sync = this.config.flushDiskType === 'SYNC_FLUSH';
    for (let i = 0; i < cut; i++) {
      const b = batch[i]!;
      this.lastAppendTimestamp = b.storeTimestamp;
      this.dispatch(log, b.logFrom, b.logTo);
      if (!sync) {
        b.resolve(b.result);
        continue;
      }
      const result = b.result;
      const flushed = this.requestFlush(result.physicalOffset + result.wroteBytes);
      if (!b.waitFlush) {
        b.resolve(result);
        continue;
      }
      flushed.then((ok) => {
        if (!ok) result.status = 'FLUSH_DISK_TIMEOUT';
        b.resolve(result);
      }, b.reject);
    }
    log.clear();
    this.spareLog = log;
  }

  private refuseIfUnavailable(): void {
    if (this.shut) throw new PutRefusedError('SERVICE_NOT_AVAILABLE', 'the store is shut down');
    if (this.config.brokerRole === 'SLAVE') throw new PutRefusedError('SERVICE_NOT_AVAILABLE', 'a SLAVE store does not accept puts');
    if (this.diskFull) {
      throw new PutRefusedError('SERVICE_NOT_AVAILABLE', `disk full: puts are refused until usage of ${this.config.storePathCommitLog} drops below ${this.config.diskSpaceWarningLevelRatio * 100}%`);
    }
  }

  /** Sizes, flags and CRC of `m` into the scratch objects; refuses what cannot be stored. */
  private prepare(m: MessageInput | ParsedMessageInput, topic: TopicInfo): PreparedRecord {
    const f = this.scratchFields;
    f.queueId = m.queueId;
    f.flag = m.flag ?? 0;
    f.sysFlag = m.sysFlag ?? 0;
    f.bornTimestamp = m.bornTimestamp;
    f.bornHost = m.bornHost;
    f.reconsumeTimes = m.reconsumeTimes ?? 0;
    f.preparedTransactionOffset = m.preparedTransactionOffset ?? 0;
    f.body = m.body;
    f.topic = topic.name;
    f.properties = textOf(m.properties);
    let p: PreparedRecord;
    try {
      p = prepareRecord(f, this.scratchPrepared, topic.utf8);
    } catch (err) {
      if (err instanceof CodecError) {
        const status = err.message.includes('properties') ? 'PROPERTIES_SIZE_EXCEEDED' : 'MESSAGE_ILLEGAL';
        throw new PutRefusedError(status, err.message);
      }
      throw err;
    }
    if (p.totalSize > this.config.maxMessageSize) {
      throw new PutRefusedError('MESSAGE_ILLEGAL', `message of ${p.totalSize} bytes exceeds maxMessageSize ${this.config.maxMessageSize}`);
    }
    return p;
  }

  /**
   * Encodes the messages into the active segment's image (one pass: sizes, CRC, bytes, dispatch
   * request), advances their queue offsets, and queues the write for the end of the tick.
   * Nothing is left behind when a message is refused.
   */
  private append(msgs: readonly (MessageInput | ParsedMessageInput)[]): Promise<PutResult> {
    this.refuseIfUnavailable();
    const n = msgs.length;
    // Whether the batch fits the active segment is decided on a bound (UTF-8 needs at most 3
    // bytes per UTF-16 unit); only close to the segment end are exact sizes worked out first.
    let bound = 0;
    for (let i = 0; i < n; i++) {
      const m = msgs[i]!;
      bound += RECORD_FIXED_SIZE + 24 + m.body.length + 3 * (m.topic.length + textOf(m.properties).length);
    }
    let file = this.commitLog.queue.last;
    if (!file || file.wrotePos + bound + BLANK_HEADER_SIZE > file.fileSize) {
      let total = 0;
      for (let i = 0; i < n; i++) total += this.prepare(msgs[i]!, this.topicTable.get(msgs[i]!.topic)).totalSize;
      if (total + BLANK_HEADER_SIZE > this.config.mapedFileSizeCommitLog) {
        throw new PutRefusedError('MESSAGE_ILLEGAL', `batch of ${total} bytes does not fit in one CommitLog segment`);
      }
      try {
        file = this.commitLog.reserve(total).file;
      } catch (err) {
        this.noteWriteError(err);
        throw new PutRefusedError('CREATE_MAPEDFILE_FAILED', `cannot prepare a CommitLog segment: ${(err as Error).message}`);
      }
    }
    const mem = this.commitLog.image(file);
    const start = file.wrotePos;
    const storeTimestamp = (this.options.now ?? Date.now)();
    const log = this.tickLog;
    const logFrom = log.length;
    const indexed = this.config.messageIndexEnable;
    const f = this.scratchFields;
    f.storeTimestamp = storeTimestamp;
    const layout = n > 1 ? new Array<number>(2 * n) : undefined;
    let firstQueueOffset = 0;
    let pos = start;
    // The queue of the current run of messages, its table key and its next offset.
    let topic: TopicInfo | undefined;
    let queueId = -1;
    let key = '';
    let next = 0;
    try {
      for (let i = 0; i < n; i++) {
        const m = msgs[i]!;
        if (!topic || m.topic !== topic.name || m.queueId !== queueId) {
          if (topic) this.topicQueueTable.set(key, next);
          topic = this.topicTable.get(m.topic);
          queueId = m.queueId;
          key = queueKey(m.topic, queueId);
          next = this.topicQueueTable.get(key) ?? 0;
        }
        const p = this.prepare(m, topic);
        // Prepared and rollback records take no queue offset (stored as 0).
        const queueOffset = goesToConsumeQueue(p.sysFlag) ? next++ : 0;
        const physicalOffset = file.fileFromOffset + pos;
        f.queueOffset = queueOffset;
        f.physicalOffset = physicalOffset;
        if (pos + p.totalSize + BLANK_HEADER_SIZE > file.fileSize) throw new Error(`append bound exceeded at ${physicalOffset}`);
        const end = encodeRecordInto(mem, pos, f, p);
        log.add(mem, topic, queueId, queueOffset, physicalOffset, p.totalSize, storeTimestamp, p.sysFlag, end - p.propertiesBytes, end, m.properties, this.delayLevels, indexed);
        if (layout) {
          layout[2 * i] = p.totalSize;
          layout[2 * i + 1] = queueOffset;
        }
        if (i === 0) firstQueueOffset = queueOffset;
        pos = end;
      }
    } catch (err) {
      // Undo: nothing of this append stays (its bytes are zeroed, offsets unchanged).
      mem.fill(0, start, pos);
      for (let k = log.length - 1; k >= logFrom; k--) {
        if (goesToConsumeQueue(log.sysFlags[k]!)) this.topicQueueTable.set(queueKey(log.topics[k]!.name, log.queueIds[k]!), log.queueOffsets[k]!);
      }
      log.truncate(logFrom);
      throw err;
    }
    if (topic) this.topicQueueTable.set(key, next);
    file.wrotePos = pos;
    const result = new StoredResult(file.fileFromOffset + start, firstQueueOffset, pos - start, storeTimestamp, this.msgIdPrefix, layout);
    const first = msgs[0]!.properties;
    const waitFlush = this.config.flushDiskType === 'SYNC_FLUSH' && (typeof first === 'string' ? getProperty(first, Prop.WAIT) !== 'false' : first.waitStoreMsgOK());
    const appended = file;
    const promise = new Promise<PutResult>((resolve, reject) => {
      this.pendingAppends.push({ file: appended, start, end: pos, logFrom, logTo: log.length, storeTimestamp, result, waitFlush, resolve, reject });
    });
    if (!this.writeScheduled) {
      this.writeScheduled = true;
      process.nextTick(() => this.writePending());
    }
    return promise;
  }

  private noteWriteError(err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      this.diskFull = true;
      this.log('warn', `disk full (${code}) writing ${this.config.storePathCommitLog}: puts are refused until space is freed`);
    } else {
      this.log('warn', `CommitLog write error: ${(err as Error).message}`);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Flush

  /** Group commit: resolves true once an fdatasync covers `offset`, false after syncFlushTimeout. */
  private requestFlush(offset: number): Promise<boolean> {
    if (this.commitLog.flushedOffset() >= offset) return Promise.resolve(true);
    return new Promise((resolve) => {
      const deadline = Date.now() + this.config.syncFlushTimeout;
      this.flushWaiters.push({ offset, deadline, resolve });
      if (!this.flushTimer || deadline < this.flushTimerDeadline) {
        if (this.flushTimer) clearTimeout(this.flushTimer);
        this.armFlushTimer();
      }
      this.runGroupCommit();
    });
  }

  private armFlushTimer(): void {
    let first: FlushWaiter | undefined;
    for (const w of this.flushWaiters) if (!first || w.deadline < first.deadline) first = w;
    if (!first) {
      this.flushTimer = undefined;
      return;
    }
    this.flushTimerDeadline = first.deadline;
    this.flushTimer = setTimeout(() => {
      const now = Date.now();
      this.flushWaiters = this.flushWaiters.filter((w) => {
        if (w.deadline > now) return true;
        w.resolve(false);
        return false;
      });
      this.armFlushTimer();
    }, Math.max(1, first.deadline - Date.now()));
  }

  private runGroupCommit(): void {
    if (this.flushing) return;
    this.flushing = true;
    void (async () => {
      try {
        while (this.flushWaiters.length > 0) {
          // One event-loop turn first: writers woken by the previous round append their next
          // message in microtasks, so they join this fdatasync instead of waiting for another.
          await new Promise<void>((resolve) => setImmediate(resolve));
          const ts = this.lastAppendTimestamp;
          await this.commitLog.queue.flush();
          const flushed = this.commitLog.flushedOffset();
          let served = false;
          this.flushWaiters = this.flushWaiters.filter((w) => {
            if (w.offset > flushed) return true;
            w.resolve(true);
            served = true;
            return false;
          });
          if (served && ts > 0) this.checkpoint.physicMsgTimestamp = ts;
        }
      } catch (err) {
        this.log('warn', `CommitLog flush failed: ${(err as Error).message}`);
        for (const w of this.flushWaiters) w.resolve(false);
        this.flushWaiters = [];
      } finally {
        this.flushing = false;
        if (this.flushTimer && this.flushWaiters.length === 0) {
          clearTimeout(this.flushTimer);
          this.flushTimer = undefined;
        }
      }
    })();
  }

  private async asyncFlush(): Promise<void> {
    if (this.asyncFlushing || this.shut || this.flushing) return;
    const dirty = this.commitLog.queue.writtenOffset() - this.commitLog.flushedOffset();
    const thorough = Date.now() - this.lastThoroughCommitFlush >= this.config.flushCommitLogThoroughInterval;
    if (dirty <= 0 || (!thorough && dirty < this.config.flushCommitLogLeastPages * PAGE)) return;
    this.asyncFlushing = true;
    try {
      const ts = this.lastAppendTimestamp;
      await this.commitLog.queue.flush();
      if (ts > 0) this.checkpoint.physicMsgTimestamp = ts;
      if (thorough) this.lastThoroughCommitFlush = Date.now();
    } catch (err) {
      this.log('warn', `CommitLog flush failed: ${(err as Error).message}`);
    } finally {
      this.asyncFlushing = false;
    }
  }

  /**
   * Hands buffered consume-queue and index data to the kernel; on a thorough pass (or `force`)
   * also syncs them and writes the checkpoint, whose logics timestamp was taken before.
   */
  flushConsumeQueues(force: boolean): void {
    if (this.shut && !force) return;
    const thorough = force || Date.now() - this.lastThoroughCqFlush >= this.config.flushConsumeQueueThoroughInterval;
    try {
      const ts = this.writeOutConsumeQueues(true);
      if (thorough) {
        for (const cq of this.allConsumeQueues()) cq.queue.flushSync();
        this.index.flushSync();
        if (ts > 0) this.checkpoint.logicsMsgTimestamp = ts;
        this.checkpoint.flush();
        this.lastThoroughCqFlush = Date.now();
      }
    } catch (err) {
      this.noteWriteError(err);
    }
  }

  /**
   * Hands new consume-queue and index entries to the kernel (index slot pages only with
   * `indexSlots`) and records how far that covers in the written mark. Returns the store time of
   * the last dispatched record, taken before the writes (what a checkpoint may then claim).
   */
  private writeOutConsumeQueues(indexSlots: boolean): number {
    const ts = this.lastDispatchTimestamp;
    const dispatched = this.reputFromOffset;
    for (const cq of this.allConsumeQueues()) cq.writeOut();
    this.index.writeOut(indexSlots);
    this.writtenMark.note(dispatched, ts);
    return ts;
  }

  private cqSyncing = false;

  /**
   * The periodic pass (Java's FlushConsumeQueueService thread): new consume-queue and index
   * entries go to the kernel now; every flushConsumeQueueThoroughInterval the files are also
   * fdatasynced, on the thread pool, and only then does the checkpoint's logics timestamp advance.
   */
  private async flushConsumeQueuesInBackground(): Promise<void> {
    if (this.shut || this.cqSyncing) return;
    const thorough = Date.now() - this.lastThoroughCqFlush >= this.config.flushConsumeQueueThoroughInterval;
    try {
      const ts = this.writeOutConsumeQueues(thorough);
      if (!thorough) return;
      this.cqSyncing = true;
      this.lastThoroughCqFlush = Date.now();
      await Promise.all([...[...this.allConsumeQueues()].map((cq) => cq.queue.flush().catch(ignoreClosed)), this.index.syncAsync()]);
      if (this.shut) return;
      if (ts > 0) this.checkpoint.logicsMsgTimestamp = ts;
      await this.checkpoint.flushAsync();
    } catch (err) {
      this.noteWriteError(err);
    } finally {
      this.cqSyncing = false;
    }
  }

  /**
   * Forces everything to disk now (CommitLog, consume queues, index) and writes the checkpoint,
   * bounding what a crash right after this would have to replay.
   */
  flush(): void {
    const ts = this.lastAppendTimestamp;
    this.commitLog.queue.flushSync();
    if (ts > 0) this.checkpoint.physicMsgTimestamp = ts;
    this.flushConsumeQueues(true);
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  private nextOffsetCorrection(oldOffset: number, newOffset: number): number {
    return this.config.brokerRole === 'SLAVE' ? oldOffset : newOffset;
  }

  /**
   * Reads up to `maxMsgNums` messages of a queue from `offset` (PULL_MESSAGE), with Java's
   * statuses and next-offset rules. `filter` sees each entry's tags code.
   */
  getMessage(topic: string, queueId: number, offset: number, maxMsgNums: number, filter?: TagsCodeFilter): GetMessageResult {
    const result: GetMessageResult = {
      status: 'NO_MESSAGE_IN_QUEUE',
      nextBeginOffset: offset,
      minOffset: 0,
      maxOffset: 0,
      messages: [],
      queueOffsets: [],
      bufferTotalSize: 0,
      suggestPullingFromSlave: false,
    };
    const cq = this.consumeQueue(topic, queueId, false);
    if (!cq) {
      result.status = 'NO_MATCHED_LOGIC_QUEUE';
      result.nextBeginOffset = this.nextOffsetCorrection(offset, 0);
      return result;
    }
    const minOffset = (result.minOffset = cq.minOffsetInQueue());
    const maxOffset = (result.maxOffset = cq.maxOffsetInQueue());
    if (maxOffset === 0) {
      result.status = 'NO_MESSAGE_IN_QUEUE';
      result.nextBeginOffset = this.nextOffsetCorrection(offset, 0);
    } else if (offset < minOffset) {
      result.status = 'OFFSET_TOO_SMALL';
      result.nextBeginOffset = this.nextOffsetCorrection(offset, minOffset);
    } else if (offset === maxOffset) {
      result.status = 'OFFSET_OVERFLOW_ONE';
      result.nextBeginOffset = this.nextOffsetCorrection(offset, offset);
    } else if (offset > maxOffset) {
      result.status = 'OFFSET_OVERFLOW_BADLY';
      result.nextBeginOffset = this.nextOffsetCorrection(offset, minOffset === 0 ? minOffset : maxOffset);
    } else {
      this.readQueue(cq, offset, maxMsgNums, filter, result);
    }
    return result;
  }

  private readQueue(cq: ConsumeQueue, offset: number, maxMsgNums: number, filter: TagsCodeFilter | undefined, result: GetMessageResult): void {
    const maxOffsetPy = this.commitLog.maxOffset();
    const minPhy = this.commitLog.minOffset();
    const c = this.config;
    // os.totalmem() reads /proc/meminfo on every call; the machine's memory does not change.
    const memory = (MessageStore.totalMemory ??= totalmem()) * (c.accessMessageInMemoryMaxRatio / 100);
    const maxFilter = Math.max(16000, maxMsgNums * 20);
    let scanned = 0;
    let maxPhyPulling = 0;
    let nextPhyFileStart = -1;
    let first = true;
    // [offset, size] of each record taken; copied after the scan, one copy per adjacent run.
    const spans: number[] = [];
    result.status = 'NO_MATCHED_MESSAGE';
    outer: while (scanned < maxFilter) {
      const chunk = cq.entries(offset + scanned, Math.min(1024, maxFilter - scanned));
      if (!chunk) {
        if (first) {
          result.status = 'OFFSET_FOUND_NULL';
          const f = cq.queue.findByOffset(offset * CQ_UNIT_SIZE);
          const roll = f ? f.fileTailOffset / CQ_UNIT_SIZE : offset;
          result.nextBeginOffset = this.nextOffsetCorrection(offset, roll);
          return;
        }
        break;
      }
      first = false;
      for (let i = 0; i < chunk.length; i += CQ_UNIT_SIZE) {
        const phy = readLong(chunk, i);
        const size = chunk.readInt32BE(i + 8);
        const tagsCode = readLong(chunk, i + 12);
        maxPhyPulling = phy;
        if (nextPhyFileStart >= 0 && phy < nextPhyFileStart) {
          scanned++;
          continue;
        }
        const inDisk = maxOffsetPy - phy > memory;
        const limitBytes = inDisk ? c.maxTransferBytesOnMessageInDisk : c.maxTransferBytesOnMessageInMemory;
        const limitCount = inDisk ? c.maxTransferCountOnMessageInDisk : c.maxTransferCountOnMessageInMemory;
        const count = spans.length >> 1;
        if (count > 0 && result.bufferTotalSize > 0 &&
          (maxMsgNums <= count || result.bufferTotalSize + size > limitBytes || count > limitCount - 1)) {
          break outer;
        }
        scanned++;
        if (size === 0x7fffffff) continue;
        if (filter && !filter(tagsCode)) continue;
        if (phy < minPhy || !this.commitLog.holds(phy, size)) {
          if (result.bufferTotalSize === 0) result.status = 'MESSAGE_WAS_REMOVING';
          const f = this.commitLog.queue.findByOffset(phy);
          nextPhyFileStart = f ? f.fileTailOffset : phy - (phy % this.config.mapedFileSizeCommitLog) + this.config.mapedFileSizeCommitLog;
          continue;
        }
        spans.push(phy, size);
        result.queueOffsets.push(offset + scanned - 1);
        result.bufferTotalSize += size;
        result.status = 'FOUND';
        nextPhyFileStart = -1;
      }
    }
    this.commitLog.readRecords(spans, result.messages);
    result.nextBeginOffset = offset + scanned;
    result.suggestPullingFromSlave = maxOffsetPy - maxPhyPulling > memory;
  }

  /** Next queue offset (entries count) of a queue; 0 when the queue does not exist. */
  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.consumeQueue(topic, queueId, false)?.maxOffsetInQueue() ?? 0;
  }

  /** First queue offset still readable; -1 when the queue does not exist (as Java). */
  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.consumeQueue(topic, queueId, false)?.minOffsetInQueue() ?? -1;
  }

  /** Commit-log offset of a queue entry, or 0. */
  getCommitLogOffsetInQueue(topic: string, queueId: number, queueOffset: number): number {
    return this.consumeQueue(topic, queueId, false)?.entry(queueOffset)?.physicalOffset ?? 0;
  }

  /** Store timestamp of the message at a queue offset, or -1. */
  getMessageStoreTimeStamp(topic: string, queueId: number, queueOffset: number): number {
    const e = this.consumeQueue(topic, queueId, false)?.entry(queueOffset);
    return e ? this.commitLog.storeTimestampAt(e.physicalOffset) : -1;
  }

  /** Store timestamp of a queue's first readable message, or -1. */
  getEarliestMessageTimeInQueue(topic: string, queueId: number): number {
    const cq = this.consumeQueue(topic, queueId, false);
    return cq ? this.getMessageStoreTimeStamp(topic, queueId, cq.minOffsetInQueue()) : -1;
  }

  /** Store timestamp of the oldest message in the CommitLog, or -1. */
  getEarliestMessageTime(): number {
    let offset = this.commitLog.minOffset();
    const max = this.commitLog.maxOffset();
    // The first segment may start mid-record on a slave; walk to the first real record.
    while (offset < max) {
      const ts = this.commitLog.storeTimestampAt(offset);
      if (ts > 0) return ts;
      offset = offset - (offset % this.config.mapedFileSizeCommitLog) + this.config.mapedFileSizeCommitLog;
    }
    return -1;
  }

  /**
   * The first queue offset whose message was stored at or after `timestamp`; the max offset when
   * every message is older (a consumer resetting to "now" lands at the end).
   */
  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): number {
    const cq = this.consumeQueue(topic, queueId, false);
    if (!cq) return 0;
    let lo = cq.minOffsetInQueue();
    let hi = cq.maxOffsetInQueue();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const e = cq.entry(mid);
      const ts = e && e.size !== 0x7fffffff ? this.commitLog.storeTimestampAt(e.physicalOffset) : -1;
      if (ts < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The whole record at a commit-log offset (VIEW_MESSAGE_BY_ID), or undefined. */
  getRecord(physicalOffset: number, size?: number): Buffer | undefined {
    const n = size ?? this.commitLog.sizeAt(physicalOffset);
    if (n <= 0) return undefined;
    const record = this.commitLog.read(physicalOffset, n);
    return record && record.readInt32BE(4) === (0xdaa320a7 | 0) ? record : undefined;
  }

  /** Decoded message at a commit-log offset (lookMessageByOffset), or undefined. */
  lookMessageByOffset(physicalOffset: number): StoredMessage | undefined {
    const r = this.getRecord(physicalOffset);
    return r ? decodeRecord(r) : undefined;
  }

  /**
   * Messages indexed under `key` (a KEYS element or a UNIQ_KEY) of `topic` stored within
   * [begin, end] (QUERY_MESSAGE). Hash collisions are filtered out by checking the records.
   */
  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): QueryMessageResult {
    const last = this.index.lastUpdate();
    const out: QueryMessageResult = { messages: [], indexLastUpdateTimestamp: last.timestamp, indexLastUpdatePhyoffset: last.phyOffset };
    const max = Math.min(maxNum, this.config.maxMsgsNumBatch);
    const offsets = this.index.query(topic, key, max * 2, begin, end);
    for (const phy of offsets) {
      if (out.messages.length >= max) break;
      const r = this.getRecord(phy);
      if (!r) continue;
      const m = decodeRecord(r);
      if (m.topic !== topic) continue;
      const keys = getProperty(m.properties, Prop.KEYS)?.split(' ') ?? [];
      if (getProperty(m.properties, Prop.UNIQ_KEY) !== key && !keys.includes(key)) continue;
      out.messages.push(r);
    }
    return out;
  }

  /** QUERY_MESSAGE with `_UNIQUE_KEY_QUERY`: a UNIQ_KEY, max 32 results. */
  queryMessageByUniqueKey(topic: string, uniqKey: string, begin = 0, end = Number.MAX_SAFE_INTEGER): QueryMessageResult {
    return this.queryMessage(topic, uniqKey, 32, begin, end);
  }

  minPhyOffset(): number {
    return this.commitLog.minOffset();
  }

  maxPhyOffset(): number {
    return this.commitLog.maxOffset();
  }

  /** Bytes appended (or replicated) but not yet dispatched to consume queues. */
  dispatchBehindBytes(): number {
    return Math.max(0, this.commitLog.maxOffset() - this.reputFromOffset);
  }

  /** Topics that have consume queues, with their queue ids. */
  topics(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [topic, byId] of this.consumeQueues) out.set(topic, [...byId.keys()].sort((a, b) => a - b));
    return out;
  }

  isDiskFull(): boolean {
    return this.diskFull;
  }

  /**
   * Removes a topic's consume queues (DELETE_TOPIC_IN_BROKER / cleanUnusedTopic). Its records
   * stay in the CommitLog until retention removes them.
   */
  deleteTopic(topic: string): boolean {
    const byId = this.consumeQueues.get(topic);
    if (!byId) return false;
    for (const cq of byId.values()) {
      cq.destroy();
      this.topicQueueTable.delete(queueKey(topic, cq.queueId));
    }
    this.consumeQueues.delete(topic);
    fs.rmSync(join(this.config.storePathRootDir, 'consumequeue', topic), { recursive: true, force: true });
    return true;
  }

  /** Store figures for GET_BROKER_RUNTIME_INFO, under Java's key names. */
  runtimeInfo(): Record<string, string> {
    const ratio = this.diskUsage(this.config.storePathCommitLog);
    const cqRatio = this.diskUsage(join(this.config.storePathRootDir, 'consumequeue'));
    return {
      commitLogMinOffset: String(this.commitLog.minOffset()),
      commitLogMaxOffset: String(this.commitLog.maxOffset()),
      dispatchBehindBytes: String(this.dispatchBehindBytes()),
      commitLogDiskRatio: String(ratio),
      consumeQueueDiskRatio: String(cqRatio),
      earliestMessageTimeStamp: String(this.getEarliestMessageTime()),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Replication (HA)

  /**
   * Raw CommitLog bytes from `offset` up to the end of valid data in its segment, capped at
   * `maxBytes` (a master's HA transfer; frames never cross a segment).
   */
  getCommitLogData(offset: number, maxBytes = this.config.haTransferBatchSize): Buffer | undefined {
    return this.commitLog.readRaw(offset, maxBytes);
  }

  /**
   * Appends replicated bytes at `startOffset`, which must be this store's max offset (or
   * anything, on an empty store). Complete records are dispatched; a record cut by a frame
   * boundary waits for the next frame. Returns false when the offset does not match.
   */
  appendToCommitLog(startOffset: number, data: Buffer): boolean {
    if (this.shut) return false;
    const max = this.commitLog.maxOffset();
    if (this.commitLog.queue.isEmpty()) {
      if (data.length === 0) return true;
      this.commitLog.startAt(startOffset);
      const f = this.commitLog.queue.last!;
      f.wrotePos = f.writtenPos = f.flushedPos = startOffset - f.fileFromOffset;
      this.reputFromOffset = startOffset;
    } else if (startOffset !== max) {
      return false;
    }
    try {
      this.commitLog.appendRaw(startOffset, data);
    } catch (err) {
      this.noteWriteError(err);
      return false;
    }
    this.reput();
    if (this.config.flushDiskType === 'SYNC_FLUSH') void this.requestFlush(this.commitLog.maxOffset());
    return true;
  }

  /** Dispatches complete records past `reputFromOffset` (slave side). */
  private reput(): void {
    const end = this.commitLog.maxOffset();
    if (this.reputFromOffset >= end) return;
    const log = this.replayLog;
    const r = this.commitLog.scan(this.reputFromOffset, end, false, (buf, pos) => {
      log.clear();
      log.addRecord(buf, pos, this.topicTable, this.delayLevels, this.config.messageIndexEnable);
      this.dispatch(log, 0, 1);
      if (goesToConsumeQueue(log.sysFlags[0]!)) this.topicQueueTable.set(queueKey(log.topics[0]!.name, log.queueIds[0]!), log.queueOffsets[0]! + 1);
    });
    this.reputFromOffset = r.endOffset;
    const rest = end - r.endOffset;
    if (r.stop !== 'end' && !(r.stop === 'truncated' && rest < this.config.maxMessageSize + 8)) {
      this.log('warn', `replicated CommitLog data at ${r.endOffset} is not a valid record (${r.stop}${r.detail ? `: ${r.detail}` : ''})`);
    }
    const last = this.commitLog.queue.last;
    if (last?.isFull()) this.commitLog.trimCache();
  }

  // -------------------------------------------------------------------------------------------
  // Retention

  private diskUsage(path: string): number {
    if (this.options.diskUsage) return this.options.diskUsage(path);
    try {
      const s = fs.statfsSync(path);
      return s.blocks > 0 ? (s.blocks - s.bfree) / s.blocks : 0;
    } catch {
      return -1;
    }
  }

  /** Asks the next clean passes to delete expired files regardless of `deleteWhen` (mqadmin deleteExpiredCommitLog). */
  executeDeleteFilesManually(): void {
    this.manualDeleteBudget = 20;
  }

  /**
   * One retention pass (run every cleanResourceInterval): updates the disk-full state, deletes
   * expired CommitLog segments when it is time (deleteWhen), space is short, or on request, then
   * consume-queue and index files below the new CommitLog min offset. Returns files deleted.
   */
  cleanFiles(): { commitLog: number; consumeQueue: number; index: number } {
    const deleted = { commitLog: 0, consumeQueue: 0, index: 0 };
    if (this.shut) return deleted;
    const c = this.config;
    const ratio = this.diskUsage(c.storePathCommitLog);
    const unknown = ratio < 0;
    if (ratio > c.diskSpaceWarningLevelRatio) {
      if (!this.diskFull) this.log('warn', `disk usage ${(ratio * 100).toFixed(1)}% exceeds ${c.diskSpaceWarningLevelRatio * 100}%: refusing puts`);
      this.diskFull = true;
      this.cleanImmediately = true;
    } else if (ratio > c.diskSpaceCleanForciblyRatio) {
      this.diskFull = false;
      this.cleanImmediately = true;
    } else {
      this.diskFull = false;
      this.cleanImmediately = false;
    }
    const now = (this.options.now ?? Date.now)();
    const hour = new Date(now).getHours();
    const timeUp = c.deleteWhen.split(';').some((h) => h.trim() !== '' && Number(h) === hour);
    const spaceFull = unknown || ratio > c.diskMaxUsedSpaceRatio / 100;
    const manual = this.manualDeleteBudget > 0;
    if (manual) this.manualDeleteBudget--;
    if (timeUp || spaceFull || manual) {
      const force = this.cleanImmediately && c.cleanFileForciblyEnable;
      const reserved = c.fileReservedTime * 3600 * 1000;
      const files = this.commitLog.queue.files;
      while (files.length > 1 && deleted.commitLog < 10) {
        const f = files[0]!;
        if (!force && f.lastModified() + reserved > now) break;
        f.destroy();
        files.shift();
        deleted.commitLog++;
      }
    }
    if (deleted.commitLog > 0) {
      const min = this.commitLog.minOffset();
      for (const cq of this.allConsumeQueues()) {
        deleted.consumeQueue += cq.deleteExpired(min);
        cq.correctMinOffset(min);
      }
      deleted.index += this.index.deleteExpired(min);
      this.log('info', `retention deleted ${deleted.commitLog} CommitLog segment(s); min offset now ${min}`);
    }
    return deleted;
  }

  // -------------------------------------------------------------------------------------------
  // Shutdown

  /**
   * Clean shutdown: flushes everything, writes the checkpoint, deletes `abort` and releases the
   * lock. Pending SYNC_FLUSH puts are resolved by the final flush.
   */
  async close(): Promise<void> {
    if (this.shut) return;
    this.writePending();
    this.shut = true;
    for (const t of this.timers) clearInterval(t);
    while (this.flushing || this.asyncFlushing) await new Promise((r) => setTimeout(r, 1));
    try {
      this.commitLog.queue.flushSync();
      for (const w of this.flushWaiters) w.resolve(true);
      this.flushWaiters = [];
      if (this.flushTimer) clearTimeout(this.flushTimer);
      if (this.lastAppendTimestamp > 0) this.checkpoint.physicMsgTimestamp = this.lastAppendTimestamp;
      this.flushConsumeQueues(true);
      this.closeFiles();
      fs.rmSync(this.abortPath, { force: true });
    } finally {
      this.lock.release();
    }
  }

  private closeFiles(): void {
    for (const cq of this.allConsumeQueues()) cq.close();
    this.index.close();
    this.commitLog.close();
    this.checkpoint.close();
    this.writtenMark.close();
  }
}

/** A consume queue deleted while its fdatasync ran (deleteTopic, retention) is nothing to report. */
function ignoreClosed(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'EBADF') throw err;
}
