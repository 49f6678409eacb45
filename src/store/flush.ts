/**
 * CommitLog flushing: group commit for SYNC_FLUSH puts (Java's CommitLog.GroupCommitService) and
 * the periodic flush of whatever is dirty (CommitLog.FlushRealTimeService), each advancing the
 * checkpoint's physic timestamp once an fdatasync covered it.
 */
import type { StoreState } from './store-state.js';

const PAGE = 4096;

interface FlushWaiter {
  offset: number;
  deadline: number;
  resolve: (ok: boolean) => void;
}

export class GroupCommitService {
  private waiters: FlushWaiter[] = [];
  /** A group-commit loop is running (close waits for it). */
  flushing = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDeadline = 0;

  constructor(private readonly state: StoreState) {}

  /** Resolves true once an fdatasync covers `offset`, false after syncFlushTimeout. */
  requestFlush(offset: number): Promise<boolean> {
    if (this.state.commitLog.flushedOffset() >= offset) return Promise.resolve(true);
    return new Promise((resolve) => {
      const deadline = Date.now() + this.state.config.syncFlushTimeout;
      this.waiters.push({ offset, deadline, resolve });
      if (!this.timer || deadline < this.timerDeadline) {
        if (this.timer) clearTimeout(this.timer);
        this.armTimer();
      }
      this.run();
    });
  }

  /** Shutdown: the final flush covered everything, so every waiter is served. */
  serveAll(): void {
    for (const w of this.waiters) w.resolve(true);
    this.waiters = [];
    if (this.timer) clearTimeout(this.timer);
  }

  private armTimer(): void {
    let first: FlushWaiter | undefined;
    for (const w of this.waiters) if (!first || w.deadline < first.deadline) first = w;
    if (!first) {
      this.timer = undefined;
      return;
    }
    this.timerDeadline = first.deadline;
    this.timer = setTimeout(() => {
      const now = Date.now();
      this.waiters = this.waiters.filter((w) => {
        if (w.deadline > now) return true;
        w.resolve(false);
        return false;
      });
      this.armTimer();
    }, Math.max(1, first.deadline - Date.now()));
  }

  private run(): void {
    if (this.flushing) return;
    this.flushing = true;
    const s = this.state;
    void (async () => {
      try {
        while (this.waiters.length > 0) {
          // One event-loop turn first: writers woken by the previous round append their next
          // message in microtasks, so they join this fdatasync instead of waiting for another.
          await new Promise<void>((resolve) => setImmediate(resolve));
          const ts = s.lastAppendTimestamp;
          await s.commitLog.queue.flush();
          const flushed = s.commitLog.flushedOffset();
          let served = false;
          this.waiters = this.waiters.filter((w) => {
            if (w.offset > flushed) return true;
            w.resolve(true);
            served = true;
            return false;
          });
          if (served && ts > 0) s.checkpoint.physicMsgTimestamp = ts;
        }
      } catch (err) {
        s.log('warn', `CommitLog flush failed: ${(err as Error).message}`);
        for (const w of this.waiters) w.resolve(false);
        this.waiters = [];
      } finally {
        this.flushing = false;
        if (this.timer && this.waiters.length === 0) {
          clearTimeout(this.timer);
          this.timer = undefined;
        }
      }
    })();
  }
}

/**
 * The periodic CommitLog flush (every flushIntervalCommitLog): at least flushCommitLogLeastPages
 * dirty pages, or anything dirty every flushCommitLogThoroughInterval. SYNC_FLUSH needs it too:
 * replicated appends (slave) and WAIT=false puts wait for nobody.
 */
export class FlushRealTimeService {
  /** A flush is running (close waits for it). */
  flushing = false;
  private lastThorough = Date.now();

  constructor(private readonly state: StoreState, private readonly groupCommit: GroupCommitService) {}

  async run(): Promise<void> {
    const s = this.state;
    if (this.flushing || s.shut || this.groupCommit.flushing) return;
    const dirty = s.commitLog.queue.writtenOffset() - s.commitLog.flushedOffset();
    const thorough = Date.now() - this.lastThorough >= s.config.flushCommitLogThoroughInterval;
    if (dirty <= 0 || (!thorough && dirty < s.config.flushCommitLogLeastPages * PAGE)) return;
    this.flushing = true;
    try {
      const ts = s.lastAppendTimestamp;
      await s.commitLog.queue.flush();
      if (ts > 0) s.checkpoint.physicMsgTimestamp = ts;
      if (thorough) this.lastThorough = Date.now();
    } catch (err) {
      s.log('warn', `CommitLog flush failed: ${(err as Error).message}`);
    } finally {
      this.flushing = false;
    }
  }
}
