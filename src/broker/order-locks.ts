/** Queue locks for orderly consumers (LOCK_BATCH_MQ / UNLOCK_BATCH_MQ): one client per queue per group. */
import { mqKey as keyOf, type MessageQueue } from '../protocol/bodies/message-queue.js';

interface LockEntry {
  clientId: string;
  lastUpdate: number;
}

export class OrderLocks {
  private readonly locks = new Map<string, Map<string, LockEntry>>();

  constructor(private readonly maxLiveMs: number, private readonly now: () => number = Date.now) {}

  /**
   * Grants each queue that is free, already held by `clientId`, or whose holder's lock is older than
   * the lock lifetime. Returns the queues now held by `clientId`.
   */
  tryLock(group: string, clientId: string, mqs: MessageQueue[]): MessageQueue[] {
    let g = this.locks.get(group);
    if (!g) this.locks.set(group, (g = new Map()));
    const now = this.now();
    const granted: MessageQueue[] = [];
    for (const mq of mqs) {
      const k = keyOf(mq);
      const e = g.get(k);
      if (!e || e.clientId === clientId || now - e.lastUpdate > this.maxLiveMs) {
        g.set(k, { clientId, lastUpdate: now });
        granted.push(mq);
      }
    }
    return granted;
  }

  unlock(group: string, clientId: string, mqs: MessageQueue[]): void {
    const g = this.locks.get(group);
    if (!g) return;
    for (const mq of mqs) {
      const k = keyOf(mq);
      if (g.get(k)?.clientId === clientId) g.delete(k);
    }
    if (g.size === 0) this.locks.delete(group);
  }

  /** Releases every lock a client holds (it disconnected). */
  releaseClient(clientId: string): void {
    for (const [group, g] of this.locks) {
      for (const [k, e] of g) if (e.clientId === clientId) g.delete(k);
      if (g.size === 0) this.locks.delete(group);
    }
  }
}
