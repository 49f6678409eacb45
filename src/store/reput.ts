/**
 * The slave side of replication (Java's ReputMessageService with the slave's CommitLog append):
 * replicated bytes are appended to the CommitLog as they arrive, and every complete record past
 * the reput offset is dispatched to its consume queue and the index.
 */
import { goesToConsumeQueue } from './dispatch-request.js';
import type { CommitLogDispatcher } from './dispatcher.js';
import type { GroupCommitService } from './flush.js';
import { queueKey, type StoreState } from './store-state.js';

export class ReputMessageService {
  constructor(
    private readonly state: StoreState,
    private readonly dispatcher: CommitLogDispatcher,
    private readonly groupCommit: GroupCommitService,
  ) {}

  /**
   * Appends replicated bytes at `startOffset`, which must be this store's max offset (or
   * anything, on an empty store). Complete records are dispatched; a record cut by a frame
   * boundary waits for the next frame. Returns false when the offset does not match.
   */
  appendToCommitLog(startOffset: number, data: Buffer): boolean {
    if (this.state.shut) return false;
    const max = this.state.commitLog.maxOffset();
    if (this.state.commitLog.queue.isEmpty()) {
      if (data.length === 0) return true;
      this.state.commitLog.startAt(startOffset);
      const f = this.state.commitLog.queue.last!;
      f.wrotePos = f.writtenPos = f.flushedPos = startOffset - f.fileFromOffset;
      this.state.reputFromOffset = startOffset;
    } else if (startOffset !== max) {
      return false;
    }
    try {
      this.state.commitLog.appendRaw(startOffset, data);
    } catch (err) {
      this.state.noteWriteError(err);
      return false;
    }
    this.reput();
    if (this.state.config.flushDiskType === 'SYNC_FLUSH') void this.groupCommit.requestFlush(this.state.commitLog.maxOffset());
    return true;
  }

  /** Dispatches complete records past `reputFromOffset` (slave side). */
  private reput(): void {
    const s = this.state;
    const end = s.commitLog.maxOffset();
    if (s.reputFromOffset >= end) return;
    const log = s.replayLog;
    const topics = s.topicTable;
    const queueTable = s.topicQueueTable;
    const r = s.commitLog.scan(s.reputFromOffset, end, false, (buf, pos) => {
      log.clear();
      log.addRecord(buf, pos, topics, s.delayLevels, s.config.messageIndexEnable);
      this.dispatcher.dispatch(log, 0, 1);
      if (goesToConsumeQueue(log.sysFlags[0]!)) queueTable.set(queueKey(log.topics[0]!.name, log.queueIds[0]!), log.queueOffsets[0]! + 1);
    });
    s.reputFromOffset = r.endOffset;
    const rest = end - r.endOffset;
    if (r.stop !== 'end' && !(r.stop === 'truncated' && rest < s.config.maxMessageSize + 8)) {
      s.log('warn', `replicated CommitLog data at ${r.endOffset} is not a valid record (${r.stop}${r.detail ? `: ${r.detail}` : ''})`);
    }
    const last = s.commitLog.queue.last;
    if (last?.isFull()) s.commitLog.trimCache();
  }
}
