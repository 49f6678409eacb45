/**
 * Single-send latency at SYNC_FLUSH while the broker's HTTP endpoint is asked, paired inside one
 * broker process: phases of SENDS sequential sends (1 KB, ack after fdatasync) alternate between no
 * poller, `/healthz` and `/metrics` asked every PERIOD ms, in a rotated order for ROUNDS rounds, so a
 * drift of the machine weighs on every kind alike. Prints one JSON line per phase and a summary
 * (median over the rounds of each kind's p50, p99, p99.9).
 * Across separate runs this VM moves single-send p99 by more than a scrape could (bench/README.md,
 * metrics overhead); paired phases in one process take that drift out.
 *   npm run build && node dist/bench/scrape-tail-bench.js [--sends=15000] [--rounds=4] [--period-ms=500] [--out=FILE]
 */
import { writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { setLogLevel } from '../src/common/logger.js';
import { positiveIntArg, stringArg } from './args.js';
import { quantile, startOneAtATime } from './one-at-a-time.js';

const SENDS = positiveIntArg('sends', 15_000);
const ROUNDS = positiveIntArg('rounds', 4);
const PERIOD_MS = positiveIntArg('period-ms', 500);
const out = stringArg('out');
const KINDS = ['none', '/healthz', '/metrics'] as const;
type Kind = (typeof KINDS)[number];

interface Phase {
  round: number;
  kind: Kind;
  asked: number;
  p50ms: number;
  p99ms: number;
  p999ms: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : +((s[s.length / 2 - 1]! + s[s.length / 2]!) / 2).toFixed(3);
};

async function main(): Promise<void> {
  setLogLevel('silent');
  const run = await startOneAtATime({ name: 'scrape-tail', node: { brokerProps: { flushDiskType: 'SYNC_FLUSH' } }, warmSends: 2000 });
  try {
    const metricsAddr = run.node.brokerMetricsAddr;
    if (!metricsAddr) throw new Error('the broker serves no metrics endpoint');
    const [host, port] = [metricsAddr.slice(0, metricsAddr.lastIndexOf(':')), Number(metricsAddr.slice(metricsAddr.lastIndexOf(':') + 1))];
    const phases: Phase[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      for (let k = 0; k < KINDS.length; k++) {
        const kind = KINDS[(k + round) % KINDS.length]!;
        let asked = 0;
        const timer = kind === 'none' ? undefined : setInterval(() => {
          asked++;
          get({ host, port, path: kind }, (res) => res.resume()).on('error', () => undefined);
        }, PERIOD_MS);
        const lat = await run.timedSends(SENDS);
        clearInterval(timer);
        const phase = { round, kind, asked, p50ms: quantile(lat, 0.5), p99ms: quantile(lat, 0.99), p999ms: quantile(lat, 0.999) };
        phases.push(phase);
        console.log(JSON.stringify(phase));
      }
    }
    const summary = Object.fromEntries(KINDS.map((kind) => {
      const of = phases.filter((p) => p.kind === kind);
      return [kind, { p50ms: median(of.map((p) => p.p50ms)), p99ms: median(of.map((p) => p.p99ms)), p999ms: median(of.map((p) => p.p999ms)) }];
    }));
    console.log(JSON.stringify({ summary, sendsPerPhase: SENDS, rounds: ROUNDS, periodMs: PERIOD_MS, durability: 'flushDiskType=SYNC_FLUSH: ack after fdatasync' }));
    if (out) writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), summary, phases, sendsPerPhase: SENDS, periodMs: PERIOD_MS }, null, 1) + '\n');
  } finally {
    await run.stop();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`scrape-tail bench: ${(err as Error).message ?? String(err)}\n`);
  process.exit(1);
});
