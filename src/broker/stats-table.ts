/**
 * Per-topic and per-group counters in the shape of Apache's BrokerStatsManager, read by
 * VIEW_BROKER_STATS_DATA (mqadmin statsAll, consoles): each item (a stats name and a key such as
 * `TOPIC_PUT_NUMS`/`<topic>` or `GROUP_GET_NUMS`/`<topic>@<group>`) counts a value and the calls
 * that added to it, and is snapshotted on three clocks — every 10 s (the last minute), every
 * 10 min (the last hour) and every hour (the last day).
 *
 * A window's figures are the difference between now and the oldest snapshot the window holds, or
 * everything since the item appeared while it is younger than the window; Java instead
 * reports nothing until two snapshots exist, so Apogee's figures show up at once and agree with
 * Java's once both have a full window.
 */
import { StatsName, type BrokerStatsData, type BrokerStatsItem } from '../protocol/bodies/broker-inspect.js';

interface Snapshot {
  at: number;
  value: number;
  times: number;
}

interface Item {
  value: number;
  times: number;
  /** When the item was first counted: the base of a window with no snapshot yet. */
  since: number;
  rings: [Snapshot[], Snapshot[], Snapshot[]];
}

/** [snapshot interval, snapshots kept] for minute, hour and day, as Apache's StatsItem keeps them. */
const WINDOWS: ReadonlyArray<readonly [number, number]> = [
  [10_000, 7],
  [600_000, 7],
  [3_600_000, 25],
];

/** The items a send or pull adds to, found with one map lookup per call instead of one per item. */
interface TopicItems {
  put?: [nums: Item, size: Item];
  /** group → [GROUP_GET_NUMS, GROUP_GET_SIZE] items of `<topic>@<group>`. */
  readonly gets: Map<string, [nums: Item, size: Item]>;
}

export class BrokerStatsTable {
  private readonly items = new Map<string, Map<string, Item>>();
  private readonly lastSample = [0, 0, 0];
  private readonly byTopic = new Map<string, TopicItems>();
  private brokerPut: Item | undefined;
  private brokerGet: Item | undefined;

  /** `clusterName` keys the broker-wide items, as Apache's BrokerStatsManager does. */
  constructor(private readonly clusterName: string, private readonly now: () => number = Date.now) {}

  /** A stored send (one call): `msgs` messages of `bytes` to `topic`. */
  countPut(topic: string, msgs: number, bytes: number): void {
    const t = this.topicItems(topic);
    const [nums, size] = (t.put ??= [this.item(StatsName.TOPIC_PUT_NUMS, topic), this.item(StatsName.TOPIC_PUT_SIZE, topic)]);
    count(nums, msgs);
    count(size, bytes);
    count((this.brokerPut ??= this.item(StatsName.BROKER_PUT_NUMS, this.clusterName)), msgs);
  }

  /** A pull that found messages: `msgs` messages of `bytes` of `topic` to `group`. */
  countGet(topic: string, group: string, msgs: number, bytes: number): void {
    const gets = this.topicItems(topic).gets;
    let pair = gets.get(group);
    if (!pair) {
      const key = `${topic}@${group}`;
      gets.set(group, (pair = [this.item(StatsName.GROUP_GET_NUMS, key), this.item(StatsName.GROUP_GET_SIZE, key)]));
    }
    count(pair[0], msgs);
    count(pair[1], bytes);
    count((this.brokerGet ??= this.item(StatsName.BROKER_GET_NUMS, this.clusterName)), msgs);
  }

  /** Adds `value` (messages, bytes) counted over `times` calls to an item. */
  add(statsName: string, key: string, value: number, times = 1): void {
    count(this.item(statsName, key), value, times);
  }

  private item(statsName: string, key: string): Item {
    let table = this.items.get(statsName);
    if (!table) this.items.set(statsName, (table = new Map()));
    let item = table.get(key);
    if (!item) table.set(key, (item = { value: 0, times: 0, since: this.now(), rings: [[], [], []] }));
    return item;
  }

  private topicItems(topic: string): TopicItems {
    let t = this.byTopic.get(topic);
    if (!t) this.byTopic.set(topic, (t = { gets: new Map() }));
    return t;
  }

  /** Call about once a second: takes each window's snapshot when its interval has passed. */
  sample(): void {
    const now = this.now();
    WINDOWS.forEach(([interval, keep], w) => {
      if (now - this.lastSample[w]! < interval) return;
      this.lastSample[w] = now;
      for (const table of this.items.values()) {
        for (const item of table.values()) {
          const ring = item.rings[w as 0 | 1 | 2];
          ring.push({ at: now, value: item.value, times: item.times });
          if (ring.length > keep) ring.shift();
        }
      }
    });
  }

  /** Forgets the items of a deleted topic (its puts, and its gets by every group). */
  deleteTopic(topic: string): void {
    this.byTopic.delete(topic);
    for (const table of this.items.values()) {
      for (const key of table.keys()) if (key === topic || key.startsWith(`${topic}@`)) table.delete(key);
    }
  }

  /** The three windows of an item, or undefined when nothing was ever counted under it. */
  get(statsName: string, key: string): BrokerStatsData | undefined {
    const item = this.items.get(statsName)?.get(key);
    if (!item) return undefined;
    const now = this.now();
    const window = (w: 0 | 1 | 2): BrokerStatsItem => {
      // Until the ring is full, the item's whole life fits in the window.
      const ring = item.rings[w];
      const base = ring.length >= WINDOWS[w]![1] ? ring[0]! : { at: item.since, value: 0, times: 0 };
      const sum = item.value - base.value;
      const times = item.times - base.times;
      const seconds = Math.max(1, (now - base.at) / 1000);
      return { sum, tps: sum / seconds, avgpt: times > 0 ? sum / times : 0 };
    };
    return { statsMinute: window(0), statsHour: window(1), statsDay: window(2) };
  }

  /** Messages per second a group got from a topic over the last minute (ConsumeStats' consumeTps). */
  tps(statsName: string, key: string): number {
    return this.get(statsName, key)?.statsMinute.tps ?? 0;
  }
}

function count(item: Item, value: number, times = 1): void {
  item.value += value;
  item.times += times;
}
