/**
 * Messages pulled from one queue and not yet consumed (Java ProcessQueue).
 *
 * What is cached is tracked by offset and size in plain number arrays, not by holding the
 * messages. With a Map of messages (one insert and one delete per message) catch-up runs could
 * fall into a state of long scavenges and frequent full GCs that cost the consumer CPU; without it,
 * none did (figures in bench/README.md). The likely cause: tables the Map outgrew stay in V8's
 * old space until a full GC, and their stale slots keep consumed messages alive through scavenges.
 * Concurrent consume tasks hold their own messages; only orderly consumption, which hands cached
 * messages out later, keeps them here.
 */
import type { MessageExt, MessageQueue } from './message.js';

export class ProcessQueue {
  /** Cached offsets, ascending, from `head` on; a size of −1 marks a removed entry. */
  private offsets: number[] = [];
  private sizes: number[] = [];
  private head = 0;
  private live = 0;
  /** Orderly: cached messages not handed out, in offset order. */
  private waiting = new Map<number, MessageExt>();
  /** Orderly: messages handed out and not yet committed or rolled back. */
  private readonly consuming = new Map<number, MessageExt>();
  bytes = 0;
  private maxOffset = -1;
  dropped = false;
  locked = false;
  lastLockTimestamp = 0;
  /** When messages were last cached and last consumed (Java ProcessQueue; GET_CONSUMER_RUNNING_INFO reports them). */
  lastPullTimestamp = 0;
  lastConsumeTimestamp = 0;
  /** Next offset to pull. */
  nextOffset = 0;
  /** Orderly: a consume loop is running for this queue. */
  busy = false;
  /** Broker id the broker suggested pulling from next. */
  pullFromBrokerId = 0;
  /** The running pull loop, awaited at shutdown. */
  loop?: Promise<void>;

  /** `keepMessages` for orderly consumption, which takes cached messages out with {@link take}. */
  constructor(
    readonly mq: MessageQueue,
    private readonly keepMessages = false,
  ) {}

  get count(): number {
    return this.live;
  }

  /** Smallest and largest cached offsets (0 when nothing is cached), as Java's ProcessQueueInfo reports them. */
  get cachedMinOffset(): number {
    return this.live > 0 ? this.offsets[this.head]! : 0;
  }

  get cachedMaxOffset(): number {
    return this.live > 0 ? this.maxOffset : 0;
  }

  /** Caches pulled messages; offsets already cached are skipped. */
  put(msgs: readonly MessageExt[]): void {
    this.lastPullTimestamp = Date.now();
    let repulled = false;
    for (const m of msgs) {
      const offset = m.queueOffset;
      if (offset > this.maxOffset) {
        this.offsets.push(offset);
        this.sizes.push(m.body.length);
        this.maxOffset = offset;
      } else if (this.insert(offset, m.body.length)) {
        repulled = true;
      } else {
        continue;
      }
      this.live++;
      this.bytes += m.body.length;
      if (this.keepMessages) this.waiting.set(offset, m);
    }
    // A re-pulled offset went to the end of `waiting`; take() hands messages out in offset order.
    if (repulled && this.keepMessages) this.waiting = new Map([...this.waiting].sort((a, b) => a[0] - b[0]));
  }

  /** Distance between the first and last cached offsets (concurrent flow control). */
  maxSpan(): number {
    if (this.live === 0) return 0;
    return this.maxOffset - this.offsets[this.head]!;
  }

  /**
   * Removes consumed messages and returns the offset that is safe to commit: the smallest offset
   * still cached, or one past the largest ever cached when nothing is left.
   */
  remove(msgs: readonly MessageExt[]): number {
    this.lastConsumeTimestamp = Date.now();
    for (const m of msgs) this.drop(m.queueOffset);
    this.advance();
    return this.live > 0 ? this.offsets[this.head]! : this.maxOffset + 1;
  }

  /** Orderly: takes up to `n` messages in offset order. */
  take(n: number): MessageExt[] {
    this.lastConsumeTimestamp = Date.now();
    const out: MessageExt[] = [];
    for (const [offset, m] of this.waiting) {
      if (out.length >= n) break;
      out.push(m);
      this.waiting.delete(offset);
      this.consuming.set(offset, m);
    }
    return out;
  }

  /** Orderly: the taken messages are done; returns the offset to commit (−1 if none). */
  commit(): number {
    let max = -1;
    for (const offset of this.consuming.keys()) {
      if (offset > max) max = offset;
      this.drop(offset);
    }
    this.consuming.clear();
    this.advance();
    return max < 0 ? -1 : max + 1;
  }

  /** Orderly: puts taken messages back, keeping offset order. */
  rollback(msgs: readonly MessageExt[]): void {
    for (const m of msgs) this.consuming.delete(m.queueOffset);
    const merged = [...msgs, ...this.waiting.values()].sort((a, b) => a.queueOffset - b.queueOffset);
    this.waiting = new Map(merged.map((m) => [m.queueOffset, m]));
  }

  /** Everything cached is dropped (queue reassigned or offset reset). */
  clear(): void {
    this.offsets = [];
    this.sizes = [];
    this.head = 0;
    this.live = 0;
    this.waiting.clear();
    this.consuming.clear();
    this.bytes = 0;
  }

  lockExpired(lockMaxLiveMs: number, now = Date.now()): boolean {
    return now - this.lastLockTimestamp > lockMaxLiveMs;
  }

  /** Index of a cached (or removed) offset, or −1; pulls are contiguous, so it is usually a guess away. */
  private indexOf(offset: number): number {
    const offsets = this.offsets;
    let lo = this.head;
    let hi = offsets.length - 1;
    if (lo > hi) return -1;
    const guess = lo + (offset - offsets[lo]!);
    if (guess >= lo && guess <= hi && offsets[guess] === offset) return guess;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = offsets[mid]!;
      if (v === offset) return mid;
      if (v < offset) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  private drop(offset: number): void {
    const i = this.indexOf(offset);
    if (i < 0) return;
    const size = this.sizes[i]!;
    if (size < 0) return;
    this.sizes[i] = -1;
    this.live--;
    this.bytes -= size;
  }

  /** An offset at or below the largest cached one (a re-pull): cached again unless still cached. */
  private insert(offset: number, size: number): boolean {
    const i = this.indexOf(offset);
    if (i >= 0) {
      if (this.sizes[i]! >= 0) return false;
      this.sizes[i] = size;
      return true;
    }
    this.compact(true);
    let at = 0;
    while (at < this.offsets.length && this.offsets[at]! < offset) at++;
    this.offsets.splice(at, 0, offset);
    this.sizes.splice(at, 0, size);
    return true;
  }

  /** Moves `head` past removed entries and drops them from the arrays now and then. */
  private advance(): void {
    const sizes = this.sizes;
    while (this.head < sizes.length && sizes[this.head]! < 0) this.head++;
    this.compact(false);
  }

  private compact(always: boolean): void {
    const head = this.head;
    if (head === 0 || (!always && (head < 256 || head * 2 < this.offsets.length))) return;
    this.offsets.copyWithin(0, head);
    this.offsets.length -= head;
    this.sizes.copyWithin(0, head);
    this.sizes.length -= head;
    this.head = 0;
  }
}
