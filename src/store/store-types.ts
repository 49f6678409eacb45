/**
 * The store's public value types: what a put takes and resolves to, what reads return, the
 * options a store is opened with and what recovery reports. Shared by the facade and its services.
 */
import type { HostAddress } from '../codec/host-address.js';
import type { PropertiesView } from '../codec/properties-view.js';
import type { PutMessageStatus } from './errors.js';

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

