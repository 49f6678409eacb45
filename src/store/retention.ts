/**
 * Retention (Java's CleanCommitLogService and CleanConsumeQueueService): watches disk usage,
 * refusing puts above diskSpaceWarningLevelRatio, and deletes expired CommitLog segments at
 * deleteWhen, when space is short, or on request, then the consume-queue and index files below
 * the new CommitLog min offset.
 */
import * as fs from 'node:fs';
import type { StoreState } from './store-state.js';

export class CleanCommitLogService {
  private cleanImmediately = false;
  private manualDeleteBudget = 0;

  constructor(private readonly state: StoreState) {}

  /** Used fraction (0..1) of the partition holding `path`; -1 when it cannot be read. */
  diskUsage(path: string): number {
    if (this.state.options.diskUsage) return this.state.options.diskUsage(path);
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
    if (this.state.shut) return deleted;
    const c = this.state.config;
    const ratio = this.diskUsage(c.storePathCommitLog);
    const unknown = ratio < 0;
    if (ratio > c.diskSpaceWarningLevelRatio) {
      if (!this.state.diskFull) this.state.log('warn', `disk usage ${(ratio * 100).toFixed(1)}% exceeds ${c.diskSpaceWarningLevelRatio * 100}%: refusing puts`);
      this.state.diskFull = true;
      this.cleanImmediately = true;
    } else if (ratio > c.diskSpaceCleanForciblyRatio) {
      this.state.diskFull = false;
      this.cleanImmediately = true;
    } else {
      this.state.diskFull = false;
      this.cleanImmediately = false;
    }
    const now = (this.state.options.now ?? Date.now)();
    const hour = new Date(now).getHours();
    const timeUp = c.deleteWhen.split(';').some((h) => h.trim() !== '' && Number(h) === hour);
    const spaceFull = unknown || ratio > c.diskMaxUsedSpaceRatio / 100;
    const manual = this.manualDeleteBudget > 0;
    if (manual) this.manualDeleteBudget--;
    if (timeUp || spaceFull || manual) {
      const force = this.cleanImmediately && c.cleanFileForciblyEnable;
      const reserved = c.fileReservedTime * 3600 * 1000;
      const files = this.state.commitLog.queue.files;
      while (files.length > 1 && deleted.commitLog < 10) {
        const f = files[0]!;
        if (!force && f.lastModified() + reserved > now) break;
        f.destroy();
        files.shift();
        deleted.commitLog++;
      }
    }
    if (deleted.commitLog > 0) {
      const min = this.state.commitLog.minOffset();
      for (const cq of this.state.consumeQueues.all()) {
        deleted.consumeQueue += cq.deleteExpired(min);
        cq.correctMinOffset(min);
      }
      deleted.index += this.state.index.deleteExpired(min);
      this.state.log('info', `retention deleted ${deleted.commitLog} CommitLog segment(s); min offset now ${min}`);
    }
    return deleted;
  }
}
