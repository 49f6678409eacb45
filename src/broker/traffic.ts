/**
 * Per-topic and per-group traffic totals, kept as plain numbers on the send and pull paths (one
 * map lookup per request, no allocation once a topic or group has been seen) and read by the
 * metrics endpoint when scraped: messages and bytes in by topic and message type, the sizes of
 * stored messages in RocketMQ 5.x's buckets, messages and bytes out by group and topic.
 */

/** RocketMQ 5.x's message_type label values (FIFO is not told apart from Normal on a 4.x wire). */
export const MESSAGE_TYPES = ['Normal', 'Delay', 'Transaction'] as const;
export type MessageTypeIndex = 0 | 1 | 2;
export const NORMAL: MessageTypeIndex = 0;
export const DELAY: MessageTypeIndex = 1;
export const TRANSACTION: MessageTypeIndex = 2;

/** rocketmq_message_size's bucket bounds in bytes (RocketMQ 5.x: 1 KiB, 4 KiB, 512 KiB, 1, 2, 4 MiB). */
export const MESSAGE_SIZE_BUCKETS: readonly number[] = [1024, 4096, 512 * 1024, 1024 * 1024, 2 * 1024 * 1024, 4 * 1024 * 1024];

export interface TopicIn {
  /** Indexed by message type. */
  readonly messages: Float64Array;
  readonly bytes: Float64Array;
  /** Per message type, MESSAGE_SIZE_BUCKETS.length + 1 counts (the last one: larger). */
  readonly sizes: Float64Array;
}

export interface GroupTopicOut {
  messages: number;
  bytes: number;
  /** queueId → the offset the group's next pull starts from (what it has been handed so far). */
  readonly pulledTo: Map<number, number>;
}

const SIZE_SLOTS = MESSAGE_SIZE_BUCKETS.length + 1;

export class TrafficCounters {
  readonly in = new Map<string, TopicIn>();
  /** group → topic → totals */
  readonly out = new Map<string, Map<string, GroupTopicOut>>();

  /** `count` messages of one type stored in `topic`, `bytes` in all (a batch: each counts as the average). */
  recordIn(topic: string, type: MessageTypeIndex, count: number, bytes: number): void {
    let t = this.in.get(topic);
    if (!t) {
      t = { messages: new Float64Array(3), bytes: new Float64Array(3), sizes: new Float64Array(3 * SIZE_SLOTS) };
      this.in.set(topic, t);
    }
    t.messages[type]! += count;
    t.bytes[type]! += bytes;
    const size = bytes / count;
    let b = 0;
    while (b < MESSAGE_SIZE_BUCKETS.length && size > MESSAGE_SIZE_BUCKETS[b]!) b++;
    t.sizes[type * SIZE_SLOTS + b]! += count;
  }

  /** `count` messages (`bytes` in all) handed to `group` from a queue, whose next pull starts at `nextOffset`. */
  recordOut(group: string, topic: string, queueId: number, nextOffset: number, count: number, bytes: number): void {
    let byTopic = this.out.get(group);
    if (!byTopic) this.out.set(group, (byTopic = new Map()));
    let o = byTopic.get(topic);
    if (!o) byTopic.set(topic, (o = { messages: 0, bytes: 0, pulledTo: new Map() }));
    o.messages += count;
    o.bytes += bytes;
    o.pulledTo.set(queueId, nextOffset);
  }

  /** The size buckets of one message type of a topic (a view, no copy). */
  static sizesOf(t: TopicIn, type: MessageTypeIndex): Float64Array {
    return t.sizes.subarray(type * SIZE_SLOTS, (type + 1) * SIZE_SLOTS);
  }
}

/**
 * Per-key rates over about a minute (rocketmq-exporter's `*_tps` gauges read the broker's
 * one-minute stats), from snapshots of growing totals taken every `intervalMs` off the hot path.
 */
export class KeyedRates {
  private readonly snapshots: Array<{ at: number; values: Map<string, number> }> = [];

  constructor(private readonly read: () => Map<string, number>, private readonly spanMs = 60_000, private readonly intervalMs = 10_000) {}

  sample(now = Date.now()): void {
    this.snapshots.push({ at: now, values: this.read() });
    const keep = Math.ceil(this.spanMs / this.intervalMs) + 1;
    while (this.snapshots.length > keep) this.snapshots.shift();
  }

  /** Per-second rate of every key since the oldest snapshot (0 before two snapshots exist). */
  rates(now = Date.now()): Map<string, number> {
    const out = new Map<string, number>();
    const oldest = this.snapshots[0];
    const current = this.read();
    const dt = oldest ? (now - oldest.at) / 1000 : 0;
    for (const [k, v] of current) out.set(k, dt > 0 ? Math.max(0, (v - (oldest!.values.get(k) ?? 0)) / dt) : 0);
    return out;
  }
}
