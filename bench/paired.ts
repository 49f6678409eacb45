/**
 * Before/after figures measured in pairs (the same workload on each build, back to back), summed up
 * as the geometric mean of the per-pair ratios with a bootstrap 95 % interval. Pairing cancels the
 * machine's drift, which on a shared VM moves a figure more between runs than the 5 % one wants to
 * see; the interval says whether the pairs can tell "within 5 %" from "not".
 */

export interface PairedFigure {
  pairs: number;
  beforeMedian: number;
  afterMedian: number;
  /** Geometric mean of after / before over the pairs. */
  ratio: number;
  /** Bootstrap 95 % interval of that geometric mean (resampling pairs). */
  low: number;
  high: number;
  verdict: 'within' | 'outside' | 'undecided';
}

export function median(values: number[]): number {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = v.length >> 1;
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** A small seeded generator, so a report's interval is the same every time it is computed from the same pairs. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const geoMean = (logs: number[]): number => Math.exp(logs.reduce((s, x) => s + x, 0) / logs.length);

/**
 * `tolerance` 0.05: "within" when the whole interval lies in [1/1.05, 1.05], "outside" when it lies
 * wholly beyond either end, otherwise "undecided" (more pairs needed to tell).
 */
export function pairedFigure(before: number[], after: number[], tolerance = 0.05, resamples = 4000): PairedFigure | undefined {
  const logs: number[] = [];
  const b: number[] = [];
  const a: number[] = [];
  for (let i = 0; i < Math.min(before.length, after.length); i++) {
    const x = before[i]!;
    const y = after[i]!;
    if (!(x > 0) || !(y > 0)) continue;
    logs.push(Math.log(y / x));
    b.push(x);
    a.push(y);
  }
  if (logs.length === 0) return undefined;
  const rand = mulberry32(logs.length * 7919 + 17);
  const means: number[] = [];
  const sample = new Array<number>(logs.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < logs.length; i++) sample[i] = logs[Math.floor(rand() * logs.length)]!;
    means.push(geoMean(sample));
  }
  means.sort((x, y) => x - y);
  const low = means[Math.floor(resamples * 0.025)]!;
  const high = means[Math.min(resamples - 1, Math.floor(resamples * 0.975))]!;
  const lo = 1 / (1 + tolerance);
  const hi = 1 + tolerance;
  const verdict = low >= lo && high <= hi ? 'within' : high < lo || low > hi ? 'outside' : 'undecided';
  return { pairs: logs.length, beforeMedian: median(b), afterMedian: median(a), ratio: geoMean(logs), low, high, verdict };
}
