/**
 * Latency-based broker avoidance (Java's MQFaultStrategy): after each send the broker's latency
 * maps to a quarantine period; the queue selector skips quarantined brokers while others exist.
 */
import { withDefaults } from './options/resolve.js';

export interface FaultStrategyOptions {
  /** Latency thresholds in ms (Java: 50 100 550 1000 2000 3000 15000). */
  latencyMax?: readonly number[];
  /** Quarantine for each threshold (Java: 0 0 30s 60s 120s 180s 600s). */
  notAvailableDuration?: readonly number[];
}

/** Java MQFaultStrategy's tables. */
export const FAULT_STRATEGY_DEFAULTS = {
  latencyMax: [50, 100, 550, 1000, 2000, 3000, 15000] as readonly number[],
  notAvailableDuration: [0, 0, 30000, 60000, 120000, 180000, 600000] as readonly number[],
};

interface FaultItem {
  latencyMs: number;
  startTimestamp: number;
}

export class LatencyFaultTolerance {
  private readonly items = new Map<string, FaultItem>();
  private readonly latencyMax: readonly number[];
  private readonly durations: readonly number[];

  constructor(options: FaultStrategyOptions = {}) {
    const o = withDefaults(FAULT_STRATEGY_DEFAULTS, options);
    this.latencyMax = o.latencyMax;
    this.durations = o.notAvailableDuration;
  }

  /** Records a send outcome; `isolation` (a failure) counts as the worst latency. Returns the quarantine. */
  update(brokerName: string, latencyMs: number, isolation: boolean): number {
    const effective = isolation ? 30000 : latencyMs;
    let duration = 0;
    for (let i = this.latencyMax.length - 1; i >= 0; i--) {
      if (effective >= this.latencyMax[i]!) {
        duration = this.durations[i] ?? 0;
        break;
      }
    }
    this.items.set(brokerName, { latencyMs: effective, startTimestamp: Date.now() + duration });
    return duration;
  }

  isAvailable(brokerName: string, now = Date.now()): boolean {
    const item = this.items.get(brokerName);
    return !item || now >= item.startTimestamp;
  }

  remove(brokerName: string): void {
    this.items.delete(brokerName);
  }

  /** The least bad quarantined broker (lowest latency, then soonest available). */
  pickOneAtLeast(candidates: Iterable<string>): string | undefined {
    let best: [string, FaultItem] | undefined;
    for (const name of candidates) {
      const item = this.items.get(name);
      if (!item) return name;
      if (!best || item.latencyMs < best[1].latencyMs || (item.latencyMs === best[1].latencyMs && item.startTimestamp < best[1].startTimestamp)) {
        best = [name, item];
      }
    }
    return best?.[0];
  }
}
