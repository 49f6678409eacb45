/**
 * What the store's services share: configuration, the files (CommitLog, consume queues, index,
 * checkpoint, written mark), the queue-offset table and the few progress marks several services
 * read or advance. One object, built by the facade and handed to every service; services never
 * reach the facade, and only the service named next to a field changes it.
 */
import { join } from 'node:path';
import type { HostAddress } from '../codec/host-address.js';
import { encodeOffsetMsgId } from '../codec/message-id.js';
import { Checkpoint, WrittenMark } from './checkpoint.js';
import { CommitLog } from './commit-log.js';
import { parseDelayLevels, type StoreConfig } from './config.js';
import { ConsumeQueueTable } from './consume-queues.js';
import { DispatchLog, TopicTable } from './dispatch-request.js';
import { IndexService } from './index-file.js';
import type { RecoveryReport, StoreOptions } from './store-types.js';

export type StoreLog = (level: 'info' | 'warn', message: string) => void;

/** Key of the queue-offset table: `topic-queueId`. */
export function queueKey(topic: string, queueId: number): string {
  return `${topic}-${queueId}`;
}

export class StoreState {
  readonly config: StoreConfig;
  readonly options: StoreOptions;
  readonly log: StoreLog;
  readonly commitLog: CommitLog;
  readonly index: IndexService;
  readonly checkpoint: Checkpoint;
  readonly writtenMark: WrittenMark;
  readonly consumeQueues: ConsumeQueueTable;
  /** Filled by recovery, then read by whoever asks the store. */
  readonly recovery: RecoveryReport = { normal: true, commitLogMaxOffset: 0, dispatched: 0 };
  /** Next queue offset per `topic-queueId` (append, reput, recovery; deleteTopic removes). */
  readonly topicQueueTable = new Map<string, number>();
  readonly topicTable = new TopicTable();
  /** One record at a time, for recovery and replication (reput). */
  readonly replayLog = new DispatchLog();
  readonly delayLevels: number[];
  readonly storeHost: HostAddress;
  /** Hex of store IP + port: the first 16 (or 40) characters of every offset message id. */
  readonly msgIdPrefix: string;
  /** Set once by close; every service stops taking work. */
  shut = false;
  /** Puts are refused (retention sets and clears it; a failed write sets it). */
  diskFull = false;
  /** Offset up to which records have been dispatched (dispatcher, recovery, reput). */
  reputFromOffset = 0;
  /** Store timestamp of the newest appended record (append), and of the newest dispatched one (dispatcher). */
  lastAppendTimestamp = 0;
  lastDispatchTimestamp = 0;

  constructor(config: StoreConfig, options: StoreOptions) {
    this.config = config;
    this.options = options;
    this.log = options.log ?? ((level, message) => level === 'warn' && console.warn(`[store] ${message}`));
    this.delayLevels = parseDelayLevels(config.messageDelayLevel);
    this.storeHost = { ip: config.brokerIP1, port: config.listenPort };
    this.msgIdPrefix = encodeOffsetMsgId(this.storeHost, 0).slice(0, -16);
    this.commitLog = new CommitLog(config.storePathCommitLog, config.mapedFileSizeCommitLog, config.commitLogCachedFiles);
    this.consumeQueues = new ConsumeQueueTable(config.storePathRootDir, config.mapedFileSizeConsumeQueue);
    this.index = new IndexService(join(config.storePathRootDir, 'index'), config.maxHashSlotNum, config.maxIndexNum, (file) => {
      this.checkpoint.indexMsgTimestamp = file.header.endTimestamp;
      this.checkpoint.flush();
    });
    this.checkpoint = new Checkpoint(join(config.storePathRootDir, 'checkpoint'));
    this.writtenMark = new WrittenMark(join(config.storePathRootDir, 'apogee.written'));
  }

  /** `abort` exists while the store is open: found on open, the last run did not close cleanly. */
  get abortPath(): string {
    return join(this.config.storePathRootDir, 'abort');
  }

  /** Records a failed write; running out of space refuses puts until retention frees some. */
  noteWriteError(err: unknown): void {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOSPC' || code === 'EDQUOT') {
      this.diskFull = true;
      this.log('warn', `disk full (${code}) writing ${this.config.storePathCommitLog}: puts are refused until space is freed`);
    } else {
      this.log('warn', `CommitLog write error: ${(err as Error).message}`);
    }
  }

  closeFiles(): void {
    this.consumeQueues.close();
    this.index.close();
    this.commitLog.close();
    this.checkpoint.close();
    this.writtenMark.close();
  }
}
