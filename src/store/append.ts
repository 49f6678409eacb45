/**
 * The append path (Java's CommitLog.putMessage / putMessages; single-threaded, so the put "lock"
 * is simply synchronous code): records are encoded straight into the active segment's image,
 * handed to the kernel with one write per tick, then dispatched to the consume queue and index.
 * The put then resolves (ASYNC_FLUSH) or waits for a group-commit fdatasync that covers it
 * (SYNC_FLUSH).
 */
import { type MessageRecordFields, type PreparedRecord, encodeRecordInto, prepareRecord, RECORD_FIXED_SIZE, BLANK_HEADER_SIZE } from '../codec/message-record.js';
import { getProperty, Prop } from '../codec/message-properties.js';
import { textOf } from '../codec/properties-view.js';
import { CodecError } from '../codec/errors.js';
import { DispatchLog, goesToConsumeQueue, type TopicInfo } from './dispatch-request.js';
import type { CommitLogDispatcher } from './dispatcher.js';
import { PutRefusedError } from './errors.js';
import type { GroupCommitService } from './flush.js';
import type { MappedFile } from './mapped-file.js';
import { queueKey, type StoreState } from './store-state.js';
import type { AppendedRecord, MessageInput, ParsedMessageInput, PutResult } from './store-types.js';

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

export class AppendService {
  /** Appends encoded this tick, written and dispatched together at its end. */
  private pendingAppends: PendingAppend[] = [];
  /** Dispatch requests of this tick's appends; a spare swaps in while a tick's are dispatched. */
  private tickLog = new DispatchLog();
  private spareLog: DispatchLog | undefined = new DispatchLog();
  /** Scratch objects of the append path (one record at a time). */
  private readonly scratchFields: MessageRecordFields;
  private readonly scratchPrepared: PreparedRecord;
  private writeScheduled = false;
  private readonly config: StoreState['config'];

  constructor(
    private readonly state: StoreState,
    private readonly dispatcher: CommitLogDispatcher,
    private readonly groupCommit: GroupCommitService,
  ) {
    this.config = state.config;
    this.scratchFields = {
      queueId: 0,
      flag: 0,
      queueOffset: 0,
      physicalOffset: 0,
      sysFlag: 0,
      bornTimestamp: 0,
      bornHost: state.storeHost,
      storeTimestamp: 0,
      storeHost: state.storeHost,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      body: Buffer.alloc(0),
      topic: '',
      properties: '',
      bodyCrc: undefined,
    };
    this.scratchPrepared = prepareRecord(this.scratchFields);
  }

  /**
   * Appends made in one tick reach the kernel in one write at the end of the tick (pipelined sends
   * arrive many per socket read); only then are they dispatched and acknowledged.
   */
  writePending(): void {
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
          if (goesToConsumeQueue(log.sysFlags[k]!)) this.state.topicQueueTable.set(queueKey(log.topics[k]!.name, log.queueIds[k]!), log.queueOffsets[k]!);
        }
        const mem = this.state.commitLog.image(b.file);
        mem.fill(0, b.start, b.file.wrotePos);
        b.file.wrotePos = b.start;
        b.file.writtenPos = Math.min(b.file.writtenPos, b.start);
      }
      this.state.noteWriteError(err);
      const refusal = new PutRefusedError('SERVICE_NOT_AVAILABLE', `CommitLog write failed: ${(err as Error)?.message ?? String(err)}`);
      for (let i = cut; i < batch.length; i++) batch[i]!.reject(refusal);
    }
    const sync = this.config.flushDiskType === 'SYNC_FLUSH';
    for (let i = 0; i < cut; i++) {
      const b = batch[i]!;
      this.state.lastAppendTimestamp = b.storeTimestamp;
      this.dispatcher.dispatch(log, b.logFrom, b.logTo);
      if (!sync) {
        b.resolve(b.result);
        continue;
      }
      const result = b.result;
      const flushed = this.groupCommit.requestFlush(result.physicalOffset + result.wroteBytes);
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
    if (this.state.shut) throw new PutRefusedError('SERVICE_NOT_AVAILABLE', 'the store is shut down');
    if (this.config.brokerRole === 'SLAVE') throw new PutRefusedError('SERVICE_NOT_AVAILABLE', 'a SLAVE store does not accept puts');
    if (this.state.diskFull) {
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
  append(msgs: readonly (MessageInput | ParsedMessageInput)[]): Promise<PutResult> {
    const s = this.state;
    const queueTable = s.topicQueueTable;
    this.refuseIfUnavailable();
    const n = msgs.length;
    // Whether the batch fits the active segment is decided on a bound (UTF-8 needs at most 3
    // bytes per UTF-16 unit); only close to the segment end are exact sizes worked out first.
    let bound = 0;
    for (let i = 0; i < n; i++) {
      const m = msgs[i]!;
      bound += RECORD_FIXED_SIZE + 24 + m.body.length + 3 * (m.topic.length + textOf(m.properties).length);
    }
    let file = s.commitLog.queue.last;
    if (!file || file.wrotePos + bound + BLANK_HEADER_SIZE > file.fileSize) {
      let total = 0;
      for (let i = 0; i < n; i++) total += this.prepare(msgs[i]!, s.topicTable.get(msgs[i]!.topic)).totalSize;
      if (total + BLANK_HEADER_SIZE > this.config.mapedFileSizeCommitLog) {
        throw new PutRefusedError('MESSAGE_ILLEGAL', `batch of ${total} bytes does not fit in one CommitLog segment`);
      }
      try {
        file = s.commitLog.reserve(total).file;
      } catch (err) {
        s.noteWriteError(err);
        throw new PutRefusedError('CREATE_MAPEDFILE_FAILED', `cannot prepare a CommitLog segment: ${(err as Error).message}`);
      }
    }
    const mem = s.commitLog.image(file);
    const start = file.wrotePos;
    const storeTimestamp = (s.options.now ?? Date.now)();
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
          if (topic) queueTable.set(key, next);
          topic = s.topicTable.get(m.topic);
          queueId = m.queueId;
          key = queueKey(m.topic, queueId);
          next = queueTable.get(key) ?? 0;
        }
        const p = this.prepare(m, topic);
        // Prepared and rollback records take no queue offset (stored as 0).
        const queueOffset = goesToConsumeQueue(p.sysFlag) ? next++ : 0;
        const physicalOffset = file.fileFromOffset + pos;
        f.queueOffset = queueOffset;
        f.physicalOffset = physicalOffset;
        if (pos + p.totalSize + BLANK_HEADER_SIZE > file.fileSize) throw new Error(`append bound exceeded at ${physicalOffset}`);
        const end = encodeRecordInto(mem, pos, f, p);
        log.add(mem, topic, queueId, queueOffset, physicalOffset, p.totalSize, storeTimestamp, p.sysFlag, end - p.propertiesBytes, end, m.properties, s.delayLevels, indexed);
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
        if (goesToConsumeQueue(log.sysFlags[k]!)) queueTable.set(queueKey(log.topics[k]!.name, log.queueIds[k]!), log.queueOffsets[k]!);
      }
      log.truncate(logFrom);
      throw err;
    }
    if (topic) queueTable.set(key, next);
    file.wrotePos = pos;
    const result = new StoredResult(file.fileFromOffset + start, firstQueueOffset, pos - start, storeTimestamp, s.msgIdPrefix, layout);
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
}
