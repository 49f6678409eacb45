/**
 * Rates over the last 10 s, 1 min and 10 min, as RocketMQ reports them in runtime info
 * (`putTps`: "<10 s> <1 min> <10 min>"), from counters sampled once a second into a ring.
 */
export type Counters = Readonly<Record<string, number>>;

const SPANS = [10, 60, 600] as const;

export class RateWindow<K extends string> {
  private readonly times = new Float64Array(SPANS[SPANS.length - 1]! + 1);
  private readonly values: Map<K, Float64Array>;
  private next = 0;
  private filled = 0;

  constructor(private readonly keys: readonly K[], private readonly read: () => Record<K, number>) {
    this.values = new Map(keys.map((k) => [k, new Float64Array(this.times.length)]));
  }

  /** Takes one sample (call once a second). */
  sample(now = Date.now()): void {
    const v = this.read();
    this.times[this.next] = now;
    for (const k of this.keys) this.values.get(k)![this.next] = v[k];
    this.next = (this.next + 1) % this.times.length;
    this.filled = Math.min(this.filled + 1, this.times.length);
  }

  /** Per-second rate of key over the last `seconds` (shorter while the broker is younger). */
  rate(key: K, seconds: number, now = Date.now()): number {
    if (this.filled === 0) return 0;
    const current = this.read()[key];
    const back = Math.min(seconds, this.filled - 1);
    const i = (this.next - 1 - back + this.times.length) % this.times.length;
    const dt = (now - this.times[i]!) / 1000;
    return dt > 0 ? Math.max(0, (current - this.values.get(key)![i]!) / dt) : 0;
  }

  /** RocketMQ's three-span text: "12.50 10.02 3.40". */
  text(key: K, now = Date.now()): string {
    return SPANS.map((s) => this.rate(key, s, now).toFixed(2)).join(' ');
  }
}
