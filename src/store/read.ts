/**
 * Reads and queries (Java's DefaultMessageStore.getMessage, the offset and time look-ups, and
 * queryMessage over the index): consume-queue entries lead to CommitLog records, with Java's
 * statuses and next-offset rules.
 */
import { totalmem } from 'node:os';
import { readLong } from '../codec/big-endian.js';
import { type StoredMessage, decodeRecord } from '../codec/message-record.js';
import { getProperty, Prop } from '../codec/message-properties.js';
import { CQ_UNIT_SIZE, type ConsumeQueue, type CqEntry } from './consume-queue.js';
import type { StoreState } from './store-state.js';
import type { GetMessageResult, QueryMessageResult, TagsCodeFilter } from './store-types.js';

/** Physical memory of the machine (os.totalmem), read once. */
let totalMemory: number | undefined;

export class MessageReader {
  constructor(private readonly state: StoreState) {}

  private nextOffsetCorrection(oldOffset: number, newOffset: number): number {
    return this.state.config.brokerRole === 'SLAVE' ? oldOffset : newOffset;
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
    const cq = this.state.consumeQueues.get(topic, queueId, false);
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
    const commitLog = this.state.commitLog;
    const maxOffsetPy = commitLog.maxOffset();
    const minPhy = commitLog.minOffset();
    const c = this.state.config;
    // os.totalmem() reads /proc/meminfo on every call; the machine's memory does not change.
    const memory = (totalMemory ??= totalmem()) * (c.accessMessageInMemoryMaxRatio / 100);
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
        if (phy < minPhy || !commitLog.holds(phy, size)) {
          if (result.bufferTotalSize === 0) result.status = 'MESSAGE_WAS_REMOVING';
          const f = commitLog.queue.findByOffset(phy);
          nextPhyFileStart = f ? f.fileTailOffset : phy - (phy % c.mapedFileSizeCommitLog) + c.mapedFileSizeCommitLog;
          continue;
        }
        spans.push(phy, size);
        result.queueOffsets.push(offset + scanned - 1);
        result.bufferTotalSize += size;
        result.status = 'FOUND';
        nextPhyFileStart = -1;
      }
    }
    commitLog.readRecords(spans, result.messages);
    result.nextBeginOffset = offset + scanned;
    result.suggestPullingFromSlave = maxOffsetPy - maxPhyPulling > memory;
  }

  /** Next queue offset (entries count) of a queue; 0 when the queue does not exist. */
  getMaxOffsetInQueue(topic: string, queueId: number): number {
    return this.state.consumeQueues.get(topic, queueId, false)?.maxOffsetInQueue() ?? 0;
  }

  /** First queue offset still readable; -1 when the queue does not exist (as Java). */
  getMinOffsetInQueue(topic: string, queueId: number): number {
    return this.state.consumeQueues.get(topic, queueId, false)?.minOffsetInQueue() ?? -1;
  }

  /**
   * Up to `count` raw entries of a queue from `index` (QUERY_CONSUME_QUEUE), with its min and max
   * offsets; undefined when the queue does not exist.
   */
  consumeQueueEntries(topic: string, queueId: number, index: number, count: number): { min: number; max: number; entries: CqEntry[] } | undefined {
    const cq = this.state.consumeQueues.get(topic, queueId, false);
    if (!cq) return undefined;
    const entries: CqEntry[] = [];
    for (let i = index; entries.length < count; i++) {
      const e = cq.entry(i);
      if (!e) break;
      entries.push(e);
    }
    return { min: cq.minOffsetInQueue(), max: cq.maxOffsetInQueue(), entries };
  }

  /** Commit-log offset of a queue entry, or 0. */
  getCommitLogOffsetInQueue(topic: string, queueId: number, queueOffset: number): number {
    return this.state.consumeQueues.get(topic, queueId, false)?.entry(queueOffset)?.physicalOffset ?? 0;
  }

  /** Store timestamp of the message at a queue offset, or -1. */
  getMessageStoreTimeStamp(topic: string, queueId: number, queueOffset: number): number {
    const e = this.state.consumeQueues.get(topic, queueId, false)?.entry(queueOffset);
    return e ? this.state.commitLog.storeTimestampAt(e.physicalOffset) : -1;
  }

  /** Store timestamp of a queue's first readable message, or -1. */
  getEarliestMessageTimeInQueue(topic: string, queueId: number): number {
    const cq = this.state.consumeQueues.get(topic, queueId, false);
    return cq ? this.getMessageStoreTimeStamp(topic, queueId, cq.minOffsetInQueue()) : -1;
  }

  /** Store timestamp of the oldest message in the CommitLog, or -1. */
  getEarliestMessageTime(): number {
    let offset = this.state.commitLog.minOffset();
    const max = this.state.commitLog.maxOffset();
    // The first segment may start mid-record on a slave; walk to the first real record.
    while (offset < max) {
      const ts = this.state.commitLog.storeTimestampAt(offset);
      if (ts > 0) return ts;
      offset = offset - (offset % this.state.config.mapedFileSizeCommitLog) + this.state.config.mapedFileSizeCommitLog;
    }
    return -1;
  }

  /**
   * The first queue offset whose message was stored at or after `timestamp`; the max offset when
   * every message is older (a consumer resetting to "now" lands at the end).
   */
  getOffsetInQueueByTime(topic: string, queueId: number, timestamp: number): number {
    const cq = this.state.consumeQueues.get(topic, queueId, false);
    if (!cq) return 0;
    let lo = cq.minOffsetInQueue();
    let hi = cq.maxOffsetInQueue();
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const e = cq.entry(mid);
      const ts = e && e.size !== 0x7fffffff ? this.state.commitLog.storeTimestampAt(e.physicalOffset) : -1;
      if (ts < timestamp) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The whole record at a commit-log offset (VIEW_MESSAGE_BY_ID), or undefined. */
  getRecord(physicalOffset: number, size?: number): Buffer | undefined {
    const n = size ?? this.state.commitLog.sizeAt(physicalOffset);
    if (n <= 0) return undefined;
    const record = this.state.commitLog.read(physicalOffset, n);
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
    const last = this.state.index.lastUpdate();
    const out: QueryMessageResult = { messages: [], indexLastUpdateTimestamp: last.timestamp, indexLastUpdatePhyoffset: last.phyOffset };
    const max = Math.min(maxNum, this.state.config.maxMsgsNumBatch);
    const offsets = this.state.index.query(topic, key, max * 2, begin, end);
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
}
