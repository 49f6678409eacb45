/**
 * Consume-queue and index flushing (Java's FlushConsumeQueueService): new entries go to the
 * kernel every flushIntervalConsumeQueue; every flushConsumeQueueThoroughInterval (or when forced)
 * the files are also synced and the checkpoint's logics timestamp advances, to a value taken
 * before the writes. Each pass also moves the written mark that bounds a same-boot replay.
 */
import type { StoreState } from './store-state.js';

export class FlushConsumeQueueService {
  private lastThorough = Date.now();
  private syncing = false;

  constructor(private readonly state: StoreState) {}

  /**
   * Hands buffered consume-queue and index data to the kernel; on a thorough pass (or `force`)
   * also syncs them and writes the checkpoint, whose logics timestamp was taken before.
   */
  flush(force: boolean): void {
    const s = this.state;
    if (s.shut && !force) return;
    const thorough = force || Date.now() - this.lastThorough >= s.config.flushConsumeQueueThoroughInterval;
    try {
      const ts = this.writeOut(true);
      if (thorough) {
        for (const cq of s.consumeQueues.all()) cq.queue.flushSync();
        s.index.flushSync();
        if (ts > 0) s.checkpoint.logicsMsgTimestamp = ts;
        s.checkpoint.flush();
        this.lastThorough = Date.now();
      }
    } catch (err) {
      s.noteWriteError(err);
    }
  }

  /**
   * The periodic pass: new consume-queue and index entries go to the kernel now; on a thorough
   * pass the files are fdatasynced on the thread pool, and only then does the checkpoint's
   * logics timestamp advance.
   */
  async run(): Promise<void> {
    const s = this.state;
    if (s.shut || this.syncing) return;
    const thorough = Date.now() - this.lastThorough >= s.config.flushConsumeQueueThoroughInterval;
    try {
      const ts = this.writeOut(thorough);
      if (!thorough) return;
      this.syncing = true;
      this.lastThorough = Date.now();
      await Promise.all([...[...s.consumeQueues.all()].map((cq) => cq.queue.flush().catch(ignoreClosed)), s.index.syncAsync()]);
      if (s.shut) return;
      if (ts > 0) s.checkpoint.logicsMsgTimestamp = ts;
      await s.checkpoint.flushAsync();
    } catch (err) {
      s.noteWriteError(err);
    } finally {
      this.syncing = false;
    }
  }

  /**
   * Hands new consume-queue and index entries to the kernel (index slot pages only with
   * `indexSlots`) and records how far that covers in the written mark. Returns the store time of
   * the last dispatched record, taken before the writes (what a checkpoint may then claim).
   */
  private writeOut(indexSlots: boolean): number {
    const s = this.state;
    const ts = s.lastDispatchTimestamp;
    const dispatched = s.reputFromOffset;
    for (const cq of s.consumeQueues.all()) cq.writeOut();
    s.index.writeOut(indexSlots);
    s.writtenMark.note(dispatched, ts);
    return ts;
  }
}

/** A consume queue deleted while its fdatasync ran (deleteTopic, retention) is nothing to report. */
function ignoreClosed(err: unknown): void {
  if ((err as NodeJS.ErrnoException).code !== 'EBADF') throw err;
}
