/**
 * The console's memory of the last minutes: every few seconds it takes a cluster snapshot and keeps
 * per broker its TPS and replication lag, in a window of bounded length (the oldest sample drops
 * out). Ticks never overlap: the next is scheduled when one finishes, so a slow cluster only makes
 * the samples sparser.
 */
import type { ClusterSnapshot } from './cluster-view.js';

export interface BrokerSample {
  inTps?: number;
  outTps?: number;
  lagBytes?: number;
  lagSeconds?: number;
}

export interface Sample {
  at: number;
  /** By broker label `brokerName/brokerId`. */
  brokers: Record<string, BrokerSample>;
}

export function sampleOf(s: ClusterSnapshot): Sample {
  const brokers: Record<string, BrokerSample> = {};
  for (const b of s.brokers) {
    if (b.state === 'down') continue;
    brokers[`${b.brokerName}/${b.brokerId}`] = { inTps: b.inTps, outTps: b.outTps, lagBytes: b.lagBytes, lagSeconds: b.lagSeconds };
  }
  return { at: s.at, brokers };
}

export class Sampler {
  private readonly window: Sample[] = [];
  private timer: NodeJS.Timeout | undefined;
  private stopped = true;

  constructor(
    private readonly take: () => Promise<ClusterSnapshot>,
    readonly intervalMs: number,
    readonly capacity: number,
  ) {}

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  /** Adds a snapshot taken elsewhere (a page's request), so the plot shows it at once. */
  record(s: ClusterSnapshot): void {
    const last = this.window[this.window.length - 1];
    if (last && s.at - last.at < this.intervalMs / 2) return;
    this.window.push(sampleOf(s));
    while (this.window.length > this.capacity) this.window.shift();
  }

  samples(): Sample[] {
    return [...this.window];
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      this.record(await this.take());
    } catch {
      // A cluster that does not answer leaves a gap in the plot; the page shows the error itself.
    }
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick(), this.intervalMs);
    this.timer.unref();
  }
}
