/**
 * The message store: CommitLog + consume queues + index + checkpoint in RocketMQ's on-disk
 * layout, byte for byte, with the API the broker and replication use.
 *
 * This class is the facade (Java's DefaultMessageStore): it opens and closes the store, runs the
 * periodic services, and answers the public API by handing each call to the service that owns
 * the duty. The services share one {@link StoreState} (store-state.ts: configuration, files, the
 * consume-queue table of consume-queues.ts, queue offsets, progress marks) and never call back
 * into the facade:
 * - recovery.ts: load and recovery (CommitLog.recoverNormally / recoverAbnormally)
 * - append.ts: the put path with its per-tick write (CommitLog.putMessage)
 * - dispatcher.ts: records to consume queues and the index (CommitLogDispatcherBuildConsumeQueue / BuildIndex)
 * - flush.ts: group commit and periodic CommitLog flush (GroupCommitService, FlushRealTimeService)
 * - flush-consume-queue.ts: consume-queue and index flush, checkpoint (FlushConsumeQueueService)
 * - read.ts: pulls, offset look-ups and index queries (getMessage, queryMessage)
 * - reput.ts: replicated appends on a slave (ReputMessageService)
 * - retention.ts: disk watch and file deletion (CleanCommitLogService)
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { StoredMessage } from '../codec/message-record.js';
import { makeDirectory } from '../common/paths.js';
import { AppendService } from './append.js';
import type { Checkpoint } from './checkpoint.js';
import type { CommitLog } from './commit-log.js';
import { resolveStoreConfig, type StoreConfig } from './config.js';
import { CommitLogDispatcher } from './dispatcher.js';
import { PutRefusedError } from './errors.js';
import { FlushConsumeQueueService } from './flush-consume-queue.js';
import { FlushRealTimeService, GroupCommitService } from './flush.js';
import type { IndexService } from './index-file.js';
import { StoreLock } from './lock.js';
import { MessageReader } from './read.js';
import { StoreRecovery } from './recovery.js';
import { ReputMessageService } from './reput.js';
import { CleanCommitLogService } from './retention.js';
import { queueKey, StoreState } from './store-state.js';
import type {
  GetMessageResult,
  MessageInput,
  ParsedMessageInput,
  PutResult,
  QueryMessageResult,
  RecoveryReport,
  StoreOptions,
  TagsCodeFilter,
} from './store-types.js';

export type {
  MessageInput,
  ParsedMessageInput,
  AppendedRecord,
  PutResult,
  GetMessageStatus,
  GetMessageResult,
  TagsCodeFilter,
  QueryMessageResult,
  StoreOptions,
  RecoveryReport,
} from './store-types.js';

export class MessageStore {
  readonly config: StoreConfig;
  readonly commitLog: CommitLog;
  readonly index: IndexService;
  readonly checkpoint: Checkpoint;
  readonly recovery: RecoveryReport;
  private readonly state: StoreState;
  private readonly lock: StoreLock;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly groupCommit: GroupCommitService;
  private readonly flushRealTime: FlushRealTimeService;
  private readonly flushConsumeQueue: FlushConsumeQueueService;
  private readonly appender: AppendService;
  private readonly reader: MessageReader;
  private readonly reputService: ReputMessageService;
  private readonly retention: CleanCommitLogService;
  private readonly recoveryService: StoreRecovery;

  private constructor(config: StoreConfig, options: StoreOptions, lock: StoreLock) {
    const state = new StoreState(config, options);
    this.state = state;
    this.lock = lock;
    this.config = config;
    this.commitLog = state.commitLog;
    this.index = state.index;
    this.checkpoint = state.checkpoint;
    this.recovery = state.recovery;
    const dispatcher = new CommitLogDispatcher(state);
    this.groupCommit = new GroupCommitService(state);
    this.flushRealTime = new FlushRealTimeService(state, this.groupCommit);
    this.flushConsumeQueue = new FlushConsumeQueueService(state);
    this.appender = new AppendService(state, dispatcher, this.groupCommit);
    this.reader = new MessageReader(state);
    this.reputService = new ReputMessageService(state, dispatcher, this.groupCommit);
    this.retention = new CleanCommitLogService(state);
    this.recoveryService = new StoreRecovery(state, dispatcher);
  }

  /** Opens (creating if needed) and recovers a store, then starts its flush and clean services. */
  static open(overrides: Partial<StoreConfig> & { storePathRootDir: string }, options: StoreOptions = {}): MessageStore {
    const config = resolveStoreConfig(overrides);
    makeDirectory(config.storePathRootDir);
    const lock = StoreLock.acquire(config.storePathRootDir);
    let store: MessageStore | undefined;
    try {
      store = new MessageStore(config, options, lock);
      store.recoveryService.load();
      store.start();
      return store;
    } catch (err) {
      try {
        store?.state.closeFiles();
      } catch {
        // keep the original error
      }
      lock.release();
      throw err;
    }
  }

  /** Set by close: every service stops taking work. */
  private get shut(): boolean {
    return this.state.shut;
  }

  private set shut(value: boolean) {
    this.state.shut = value;
  }

  private start(): void {
    fs.writeFileSync(this.state.abortPath, '');
    const every = (ms: number, fn: () => void) => {
      const t = setInterval(fn, Math.max(1, ms));
      t.unref();
      this.timers.push(t);
    };
    // SYNC_FLUSH also needs it: replicated appends (slave) and WAIT=false puts wait for nobody.
    every(this.config.flushIntervalCommitLog, () => void this.flushRealTime.run());
    every(this.config.flushIntervalConsumeQueue, () => void this.flushConsumeQueue.run());
    every(this.config.cleanResourceInterval, () => this.retention.cleanFiles());
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
      return this.appender.append(msgs);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Flush

  /**
   * Hands buffered consume-queue and index data to the kernel; on a thorough pass (or `force`)
   * also syncs them and writes the checkpoint, whose logics timestamp was taken before.
   */
  flushConsumeQueues(force: boolean): void {
    this.flushConsumeQueue.flush(force);
  }

  /**
   * Forces everything to disk now (CommitLog, consume queues, index) and writes the checkpoint,
   * bounding what a crash right after this would have to replay.
   */
  flush(): void {
    const ts = this.state.lastAppendTimestamp;
    this.commitLog.queue.flushSync();
    if (ts > 0) this.checkpoint.physicMsgTimestamp = ts;
    this.flushConsumeQueue.flush(true);
  }

  // -------------------------------------------------------------------------------------------
  // Reads

  /**
   * Reads up to `maxMsgNums` messages of a queue from `offset` (PULL_MESSAGE), with Java's
   * statuses and next-offset rules. `filter` sees each entry's tags code.
   */
  getMessage(topic: string, queueId: number, offset: number, maxMsgNums: number, filter?: TagsCodeFilter): GetMessageResult {
    return this.reader.getMessage(topic, queueId, offset, maxMsgNums, filter);
  }

  /** Next queue offset (entries count) of a queue; 0 when the queue does not exist. */
  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.reader.getMaxOffsetInQueue(topic, queueId);
  }

  /** First queue offset still readable; -1 when the queue does not exist (as Java). */
  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.reader.getMinOffsetInQueue(topic, queueId);
  }

  /** Raw entries of a queue from `index` (QUERY_CONSUME_QUEUE); undefined when the queue does not exist. */
  consumeQueueEntries(topic: string, queueId: number, index: number, count: number): ReturnType<MessageReader['consumeQueueEntries']> {
    return this.reader.consumeQueueEntries(topic, queueId, index, count);
  }

  /** Commit-log offset of a queue entry, or 0. */
  getCommitLogOffsetInQueue(topic: string, queueId: number, queueOffset: number): number {
    return this.reader.getCommitLogOffsetInQueue(topic, queueId, queueOffset);
  }

  /** Store timestamp of the message at a queue offset, or -1. */
  getMessageStoreTimeStamp(topic: string, queueId: number, queueOffset: number): number {
    return this.reader.getMessageStoreTimeStamp(topic, queueId, queueOffset);
  }

  /** Store timestamp of a queue's first readable message, or -1. */
  getEarliestMessageTimeInQueue(topic: string, queueId: number): number {
    return this.reader.getEarliestMessageTimeInQueue(topic, queueId);
  }

  /** Store timestamp of the oldest message in the CommitLog, or -1. */
  getEarliestMessageTime(): number {
    return this.reader.getEarliestMessageTime();
  }

  /**
   * The first queue offset whose message was stored at or after `timestamp`; the max offset when
   * every message is older (a consumer resetting to "now" lands at the end).
   */
  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): number {
    return this.reader.getOffsetInQueueByTime(topic, queueId, timestamp);
  }

  /** The whole record at a commit-log offset (VIEW_MESSAGE_BY_ID), or undefined. */
  getRecord(physicalOffset: number, size?: number): Buffer | undefined {
    return this.reader.getRecord(physicalOffset, size);
  }

  /** Decoded message at a commit-log offset (lookMessageByOffset), or undefined. */
  lookMessageByOffset(physicalOffset: number): StoredMessage | undefined {
    return this.reader.lookMessageByOffset(physicalOffset);
  }

  /**
   * Messages indexed under `key` (a KEYS element or a UNIQ_KEY) of `topic` stored within
   * [begin, end] (QUERY_MESSAGE). Hash collisions are filtered out by checking the records.
   */
  queryMessage(topic: string, key: string, maxNum: number, begin: number, end: number): QueryMessageResult {
    return this.reader.queryMessage(topic, key, maxNum, begin, end);
  }

  /** QUERY_MESSAGE with `_UNIQUE_KEY_QUERY`: a UNIQ_KEY, max 32 results. */
  queryMessageByUniqueKey(topic: string, uniqKey: string, begin = 0, end = Number.MAX_SAFE_INTEGER): QueryMessageResult {
    return this.reader.queryMessageByUniqueKey(topic, uniqKey, begin, end);
  }

  minPhyOffset(): number {
    return this.commitLog.minOffset();
  }

  maxPhyOffset(): number {
    return this.commitLog.maxOffset();
  }

  /** Bytes appended (or replicated) but not yet dispatched to consume queues. */
  dispatchBehindBytes(): number {
    return Math.max(0, this.commitLog.maxOffset() - this.state.reputFromOffset);
  }

  /** Bytes appended (or replicated) but not yet flushed to disk (Java's remainHowManyDataToFlush). */
  flushBehindBytes(): number {
    return Math.max(0, this.commitLog.maxOffset() - this.commitLog.flushedOffset());
  }

  /** Topics that have consume queues, with their queue ids. */
  topics(): Map<string, number[]> {
    return this.state.consumeQueues.topics();
  }

  isDiskFull(): boolean {
    return this.state.diskFull;
  }

  /**
   * Removes a topic's consume queues (DELETE_TOPIC_IN_BROKER / cleanUnusedTopic). Its records
   * stay in the CommitLog until retention removes them.
   */
  deleteTopic(topic: string): boolean {
    const removed = this.state.consumeQueues.deleteTopic(topic);
    if (!removed) return false;
    for (const cq of removed) this.state.topicQueueTable.delete(queueKey(topic, cq.queueId));
    return true;
  }

  /** Store figures for GET_BROKER_RUNTIME_INFO, under Java's key names. */
  runtimeInfo(): Record<string, string> {
    const ratio = this.retention.diskUsage(this.config.storePathCommitLog);
    const cqRatio = this.retention.diskUsage(join(this.config.storePathRootDir, 'consumequeue'));
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
    return this.reputService.appendToCommitLog(startOffset, data);
  }

  // -------------------------------------------------------------------------------------------
  // Retention

  /** Asks the next clean passes to delete expired files regardless of `deleteWhen` (mqadmin deleteExpiredCommitLog). */
  executeDeleteFilesManually(): void {
    this.retention.executeDeleteFilesManually();
  }

  /**
   * One retention pass (run every cleanResourceInterval): updates the disk-full state, deletes
   * expired CommitLog segments when it is time (deleteWhen), space is short, or on request, then
   * consume-queue and index files below the new CommitLog min offset. Returns files deleted.
   */
  cleanFiles(): { commitLog: number; consumeQueue: number; index: number } {
    return this.retention.cleanFiles();
  }

  // -------------------------------------------------------------------------------------------
  // Shutdown

  /**
   * Clean shutdown: flushes everything, writes the checkpoint, deletes `abort` and releases the
   * lock. Pending SYNC_FLUSH puts are resolved by the final flush.
   */
  async close(): Promise<void> {
    if (this.shut) return;
    this.appender.writePending();
    this.shut = true;
    for (const t of this.timers) clearInterval(t);
    while (this.groupCommit.flushing || this.flushRealTime.flushing) await new Promise((r) => setTimeout(r, 1));
    try {
      this.commitLog.queue.flushSync();
      this.groupCommit.serveAll();
      const ts = this.state.lastAppendTimestamp;
      if (ts > 0) this.checkpoint.physicMsgTimestamp = ts;
      this.flushConsumeQueue.flush(true);
      this.state.closeFiles();
      fs.rmSync(this.state.abortPath, { force: true });
    } finally {
      this.lock.release();
    }
  }
}
