#!/usr/bin/env node
// Side-by-side table of two sets of `bench:peers` result files (e.g. before and after a change, or
// metrics on and off): per target and figure, the median of each set with its range, and their ratio.
//   node bench/compare-runs.mjs --a=before --b=after bench/results/metrics-ab/peers-before*.json -- bench/results/metrics-ab/peers-after*.json
// Files before `--` are set A, after it set B. Prints a Markdown table.
import { readFileSync } from 'node:fs';

const args = process.argv.slice(2);
const label = (name, fallback) => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback;
const split = args.indexOf('--');
if (split < 0) {
  console.error('usage: compare-runs.mjs [--a=LABEL] [--b=LABEL] A.json... -- B.json...');
  process.exit(2);
}
const setA = args.slice(0, split).filter((a) => !a.startsWith('--'));
const setB = args.slice(split + 1).filter((a) => !a.startsWith('--'));
if (setA.length === 0 || setB.length === 0) {
  console.error('compare-runs: both sets need at least one result file');
  process.exit(2);
}

const FIGURES = [
  ['A publish msg/s', (r) => r.A_single?.msgsPerSec, 0],
  ['A batch(100) msg/s', (r) => r.A_batch?.msgsPerSec, 0],
  ['B p50 ms', (r) => r.B?.p50ms, 2],
  ['B p99 ms', (r) => r.B?.p99ms, 2],
  ['C p50 ms', (r) => r.C?.p50ms, 2],
  ['C p99 ms', (r) => r.C?.p99ms, 2],
  ['D catch-up msg/s', (r) => r.D?.msgsPerSec, 0],
];

function runsOf(paths) {
  const byTarget = new Map();
  for (const p of paths) {
    let doc;
    try {
      doc = JSON.parse(readFileSync(p, 'utf8'));
    } catch (err) {
      console.error(`compare-runs: cannot read ${p}: ${err.message}`);
      process.exit(1);
    }
    for (const t of doc.targets ?? []) {
      const key = `${t.system} ${t.config}`;
      if (!byTarget.has(key)) byTarget.set(key, []);
      byTarget.get(key).push(...t.runs);
    }
  }
  return byTarget;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const fmt = (x, digits) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const cell = (xs, digits) => `${fmt(median(xs), digits)} (${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)})`;

const a = runsOf(setA);
const b = runsOf(setB);
const la = label('a', 'A');
const lb = label('b', 'B');
console.log(`| target | figure | ${la}: median (range) | ${lb}: median (range) | ${lb} / ${la} |`);
console.log('|---|---|---|---|---|');
for (const [target, runsA] of a) {
  const runsB = b.get(target);
  if (!runsB) continue;
  for (const [name, read, digits] of FIGURES) {
    const xa = runsA.map(read).filter((x) => typeof x === 'number');
    const xb = runsB.map(read).filter((x) => typeof x === 'number');
    if (xa.length === 0 || xb.length === 0) continue;
    console.log(`| ${target} (${xa.length}/${xb.length} runs) | ${name} | ${cell(xa, digits)} | ${cell(xb, digits)} | ${(median(xb) / median(xa)).toFixed(2)} |`);
  }
}
