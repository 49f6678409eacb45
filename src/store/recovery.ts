/**
 * Opening the store (Java's DefaultMessageStore.load with CommitLog.recoverNormally /
 * recoverAbnormally): the CommitLog is checked and cut at its last valid record, consume queues
 * and the index are cut to match and rebuilt where they fall behind, and the queue-offset table
 * is rebuilt. After a crash, replay starts from the checkpoint, or from the written mark when only
 * the process died.
 */
import * as fs from 'node:fs';
import { readLong } from '../codec/big-endian.js';
import { storeTimestampPosition } from '../codec/message-record.js';
import { goesToConsumeQueue, type TopicInfo } from './dispatch-request.js';
import type { CommitLogDispatcher } from './dispatcher.js';
import { queueKey, type StoreState } from './store-state.js';

export class StoreRecovery {
  constructor(private readonly state: StoreState, private readonly dispatcher: CommitLogDispatcher) {}

  /** Loads every file and recovers; the outcome is in `state.recovery`. */
  load(): void {
    const lastExitOK = !fs.existsSync(this.state.abortPath);
    this.state.commitLog.load();
    this.state.consumeQueues.load();
    this.state.index.load(lastExitOK);
    for (const cq of this.state.consumeQueues.all()) cq.recover();
    if (lastExitOK) this.recoverNormally();
    else this.recoverAbnormally();
    this.state.recovery.commitLogMaxOffset = this.state.commitLog.maxOffset();
    this.rebuildQueueTable();
  }

  /** Where dispatch must resume so that every consume queue and the index catch up. */
  private catchUpOffset(): number {
    const min = this.state.commitLog.minOffset();
    const cqEnd = this.state.consumeQueues.maxPhysicOffset();
    let from = cqEnd < 0 ? min : cqEnd;
    if (this.state.config.messageIndexEnable) {
      const indexed = this.state.index.indexedUpTo();
      from = Math.min(from, indexed < 0 ? min : indexed);
    }
    return Math.max(from, min);
  }

  private recoverNormally(): void {
    const files = this.state.commitLog.queue.files;
    this.state.recovery.normal = true;
    if (files.length === 0) {
      this.state.consumeQueues.truncate(0);
      return;
    }
    const start = files[Math.max(0, files.length - 3)]!.fileFromOffset;
    // After a clean shutdown everything was flushed: the older segments get the structural
    // checks, and only the newest one is also CRC-checked, which keeps restarts fast.
    const lastStart = files[files.length - 1]!.fileFromOffset;
    let result = this.state.commitLog.scan(start, lastStart, false, () => true);
    if (result.stop === 'end' && result.endOffset === lastStart) {
      result = this.state.commitLog.scan(lastStart, Number.MAX_SAFE_INTEGER, this.state.config.checkCRCOnRecover, () => true);
    }
    this.finishCommitLogRecovery(result.endOffset, result.stop, result.detail);
    // Rebuild consume queues / index that are behind (deleted, or a crash of a 3.5.8 broker).
    const from = this.catchUpOffset();
    if (from < result.endOffset) this.replay(from, result.endOffset, false);
  }

  private recoverAbnormally(): void {
    this.state.recovery.normal = false;
    const files = this.state.commitLog.queue.files;
    if (files.length === 0) {
      this.state.consumeQueues.destroyAll();
      return;
    }
    let limit = this.state.config.messageIndexEnable && this.state.config.messageIndexSafe
      ? this.state.checkpoint.minTimestampIndex()
      : this.state.checkpoint.minTimestamp();
    // Only this process crashed (the kernel kept running): what it had handed to the kernel is
    // intact, and the consume queues and the index held every record up to the written mark.
    // Replay from 3 s before it, the margin Java keeps before the checkpoint.
    const mark = this.state.writtenMark.thisBoot();
    if (mark && mark.offset <= this.state.commitLog.maxOffset() && mark.timestamp - 3000 > limit) {
      limit = mark.timestamp - 3000;
      this.state.recovery.sameBoot = true;
    }
    let start = files[0]!.fileFromOffset;
    for (let i = files.length - 1; i >= 0; i--) {
      const f = files[i]!;
      const head = f.peek(0, 64);
      if (head.length < 64 || head.readInt32BE(4) !== (0xdaa320a7 | 0)) continue;
      const ts = this.state.commitLog.storeTimestampAt(f.fileFromOffset);
      if (ts > 0 && ts <= limit) {
        start = f.fileFromOffset;
        break;
      }
    }
    // Records stored at or before the limit are already in the consume queues and the index:
    // skip them with a header-only walk instead of replaying the whole segment, from a record
    // boundary close to the limit that the consume queues point at.
    start = this.boundaryNear(limit, start);
    const skipped = this.state.commitLog.scan(start, Number.MAX_SAFE_INTEGER, false, (buf, pos) => readLong(buf, pos + storeTimestampPosition(buf.readInt32BE(pos + 36))) <= limit);
    start = skipped.endOffset;
    this.state.index.repairAfterCrash();
    start = Math.min(start, this.catchUpOffset());
    this.state.recovery.replayedFrom = start;
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
    const queues = [...this.state.consumeQueues.all()].filter((cq) => cq.maxPhysicOffset > from);
    queues.sort((a, b) => b.maxPhysicOffset - a.maxPhysicOffset);
    let best = from;
    for (const cq of queues.slice(0, 8)) {
      let lo = cq.minOffsetInQueue();
      let hi = cq.maxOffsetInQueue() - 1;
      while (lo <= hi) {
        const mid = Math.floor((lo + hi) / 2);
        const e = cq.entry(mid);
        const ts = e && e.size !== 0x7fffffff ? this.state.commitLog.storeTimestampIfRecord(e.physicalOffset, e.size) : -1;
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
      this.state.log('warn', `commit log recovery stopped at ${end}: ${stop}${detail ? ` (${detail})` : ''}; data after it is dropped`);
      this.state.recovery.stop = stop;
      this.state.recovery.truncatedAt = end;
    }
    this.state.commitLog.truncate(end);
    for (const f of this.state.commitLog.queue.files) f.flushedPos = f.writtenPos = f.wrotePos;
    this.state.consumeQueues.truncate(end);
    this.state.index.truncate(end);
    this.state.reputFromOffset = end;
    this.state.commitLog.trimCache();
  }


  /**
   * Dispatches every record in [from, to). With `verify`, records are CRC-checked and
   * cross-checked against their queue's offset sequence; the first failure ends the scan.
   */
  private replay(from: number, to: number, verify: boolean): { endOffset: number; stop: string; detail?: string } {
    // Next queue offset expected per topic and queue id.
    const expected = new Map<TopicInfo, number[]>();
    let rejected: string | undefined;
    const s = this.state;
    const log = s.replayLog;
    const topics = s.topicTable;
    const recovery = s.recovery;
    const result = s.commitLog.scan(from, to, verify && s.config.checkCRCOnRecover, (buf, pos) => {
      log.clear();
      log.addRecord(buf, pos, topics, s.delayLevels, s.config.messageIndexEnable);
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
          const cq = s.consumeQueues.get(topic.name, queueId, false);
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
      this.dispatcher.dispatch(log, 0, 1);
      recovery.dispatched++;
      return true;
    });
    if (rejected) return { endOffset: result.endOffset, stop: 'rejected', detail: rejected };
    return result;
  }

  private rebuildQueueTable(): void {
    this.state.topicQueueTable.clear();
    const min = this.state.commitLog.minOffset();
    for (const cq of this.state.consumeQueues.all()) {
      this.state.topicQueueTable.set(queueKey(cq.topic, cq.queueId), cq.maxOffsetInQueue());
      cq.correctMinOffset(min);
    }
  }
}
