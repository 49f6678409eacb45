/**
 * Messages pulled from one queue and not yet consumed (Java ProcessQueue). Messages arrive in
 * offset order, so a Map's insertion order is offset order; orderly consumption takes messages out
 * into `consuming` and puts them back in order on failure.
 */
import type { MessageExt, MessageQueue } from './message.js';

export class ProcessQueue {
  private msgs = new Map<number, MessageExt>();
  private readonly consuming = new Map<number, MessageExt>();
  bytes = 0;
  private maxOffset = -1;
  dropped = false;
  locked = false;
  lastLockTimestamp = 0;
  /** Next offset to pull. */
  nextOffset = 0;
  /** Orderly: a consume loop is running for this queue. */
  busy = false;
  /** Broker id the broker suggested pulling from next. */
  pullFromBrokerId = 0;
  /** The running pull loop, awaited at shutdown. */
  loop?: Promise<void>;

  constructor(readonly mq: MessageQueue) {}

  get count(): number {
    return this.msgs.size + this.consuming.size;
  }

  put(msgs: readonly MessageExt[]): void {
    for (const m of msgs) {
      if (this.msgs.has(m.queueOffset) || this.consuming.has(m.queueOffset)) continue;
      this.msgs.set(m.queueOffset, m);
      this.bytes += m.body.length;
      if (m.queueOffset > this.maxOffset) this.maxOffset = m.queueOffset;
    }
  }

  /** Distance between the first and last cached offsets (concurrent flow control). */
  maxSpan(): number {
    if (this.msgs.size === 0) return 0;
    const first = this.msgs.keys().next().value as number;
    return this.maxOffset - first;
  }

  /**
   * Removes consumed messages and returns the offset that is safe to commit: the smallest offset
   * still cached, or one past the largest ever cached when nothing is left.
   */
  remove(msgs: readonly MessageExt[]): number {
    for (const m of msgs) {
      const had = this.msgs.get(m.queueOffset);
      if (had) {
        this.msgs.delete(m.queueOffset);
        this.bytes -= had.body.length;
      }
    }
    if (this.msgs.size > 0) return this.msgs.keys().next().value as number;
    return this.maxOffset + 1;
  }

  /** Orderly: takes up to `n` messages in offset order. */
  take(n: number): MessageExt[] {
    const out: MessageExt[] = [];
    for (const [offset, m] of this.msgs) {
      if (out.length >= n) break;
      out.push(m);
      this.msgs.delete(offset);
      this.consuming.set(offset, m);
    }
    return out;
  }

  /** Orderly: the taken messages are done; returns the offset to commit (−1 if none). */
  commit(): number {
    let max = -1;
    for (const [offset, m] of this.consuming) {
      if (offset > max) max = offset;
      this.bytes -= m.body.length;
    }
    this.consuming.clear();
    return max < 0 ? -1 : max + 1;
  }

  /** Orderly: puts taken messages back, keeping offset order. */
  rollback(msgs: readonly MessageExt[]): void {
    for (const m of msgs) this.consuming.delete(m.queueOffset);
    const merged = [...msgs, ...this.msgs.values()].sort((a, b) => a.queueOffset - b.queueOffset);
    this.msgs = new Map(merged.map((m) => [m.queueOffset, m]));
  }

  /** Everything cached is dropped (queue reassigned or offset reset). */
  clear(): void {
    this.msgs.clear();
    this.consuming.clear();
    this.bytes = 0;
  }

  lockExpired(lockMaxLiveMs: number, now = Date.now()): boolean {
    return now - this.lastLockTimestamp > lockMaxLiveMs;
  }
}
