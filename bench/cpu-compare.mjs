#!/usr/bin/env node
// Server CPU seconds per run, before against after, from the cpu-<side><n>.json files that
// bench/metrics-ab.sh writes (bench/server-cpu.mjs): for each server of a run in start order
// (peers-bench starts ASYNC_FLUSH's, then SYNC_FLUSH's), the median and range over the runs of each
// side, and after / before. Prints a Markdown table.
//   node bench/cpu-compare.mjs DIR [DIR ...]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  process.stderr.write('usage: node bench/cpu-compare.mjs DIR [DIR ...]\n');
  process.exit(2);
}
const NAMES = ['ASYNC_FLUSH', 'SYNC_FLUSH'];
const runs = { before: [], after: [] };
for (const dir of dirs) {
  for (const f of readdirSync(dir)) {
    const m = /^cpu-(before|after)\d+\.json$/.exec(f);
    if (!m) continue;
    let servers;
    try {
      servers = JSON.parse(readFileSync(join(dir, f), 'utf8')).servers;
    } catch (err) {
      process.stderr.write(`${join(dir, f)}: not a finished record (${err.message}); left out\n`);
      continue;
    }
    if (servers.length !== NAMES.length) {
      process.stderr.write(`${join(dir, f)}: ${servers.length} servers, expected ${NAMES.length}; left out\n`);
      continue;
    }
    runs[m[1]].push(servers.map((s) => s.cpuSeconds));
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const cell = (xs) => `${median(xs).toFixed(2)} (${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)})`;
console.log(`| server | before: CPU s, median (range), ${runs.before.length} runs | after: CPU s, median (range), ${runs.after.length} runs | after / before |`);
console.log('|---|---|---|---|');
for (const [i, name] of NAMES.entries()) {
  const b = runs.before.map((r) => r[i]);
  const a = runs.after.map((r) => r[i]);
  if (!b.length || !a.length) continue;
  console.log(`| ${name} | ${cell(b)} | ${cell(a)} | ${(median(a) / median(b)).toFixed(3)} |`);
}
const total = (side) => runs[side].map((r) => r.reduce((x, y) => x + y, 0));
if (runs.before.length && runs.after.length) console.log(`| both | ${cell(total('before'))} | ${cell(total('after'))} | ${(median(total('after')) / median(total('before'))).toFixed(3)} |`);
