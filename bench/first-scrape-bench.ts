/**
 * What a process's first scrapes do to the send path's compiled code. Each round starts
 * `apogee start` (SYNC_FLUSH: ack after fdatasync) afresh under `node --trace-deopt`, warms the
 * send path with one-at-a-time sends, then scrapes both endpoints SCRAPES times, with SENDS
 * one-at-a-time sends after each scrape. From the server's log it counts the deoptimizations each
 * scrape caused (V8's `bailout` and `marking dependent code` lines), and it times the sends after
 * each scrape. `--root=DIR` runs another build, e.g. one before bc657d5, whose endpoint did not
 * scrape itself at start (bench/README.md, "Session 11").
 *   npm run bench:first-scrape -- [--root=DIR] [--rounds=3] [--scrapes=4] [--sends=4000] [--out=FILE]
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join, resolve } from 'node:path';
import { setLogLevel } from '../src/common/logger.js';
import { positiveIntArg, stringArg } from './args.js';
import { quantile, startOneAtATime } from './one-at-a-time.js';

const ROUNDS = positiveIntArg('rounds', 3);
const SCRAPES = positiveIntArg('scrapes', 4);
const SENDS = positiveIntArg('sends', 4_000);
const WARM_SENDS = 6_000;
const root = stringArg('root');
const out = stringArg('out');
const DEOPT_LINE = /bailout \(kind: deopt|marking dependent code/;

interface AfterScrape {
  scrape: number;
  deopts: number;
  /** Functions named in those lines (the first 12 are printed per scrape). */
  functions: string[];
  p50ms: number;
  p99ms: number;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)]!;

function scrapeOnce(address: string): Promise<void> {
  const i = address.lastIndexOf(':');
  return new Promise((done, fail) => {
    get({ host: address.slice(0, i), port: Number(address.slice(i + 1)), path: '/metrics' }, (res) => {
      res.resume();
      res.once('end', done);
    }).once('error', fail);
  });
}

function functionsIn(log: string): string[] {
  const names = new Set<string>();
  for (const m of log.matchAll(/<JSFunction ([^ >]+)|<SharedFunctionInfo ([^>]*)>/g)) names.add(m[1] ?? (m[2] || '(anonymous)'));
  return [...names];
}

async function oneRound(round: number): Promise<AfterScrape[]> {
  const run = await startOneAtATime({
    name: 'first-scrape',
    node: { brokerProps: { flushDiskType: 'SYNC_FLUSH' }, nodeArgs: ['--trace-deopt'], ...(root ? { root: resolve(root) } : {}) },
    warmSends: WARM_SENDS,
  });
  try {
    const endpoints = [run.node.namesrvMetricsAddr, run.node.brokerMetricsAddr].filter((a): a is string => !!a);
    if (endpoints.length === 0) throw new Error('the node serves no metrics endpoint');
    const logPath = join(run.dir, 'server.log');
    const phases: AfterScrape[] = [];
    for (let scrape = 1; scrape <= SCRAPES; scrape++) {
      const from = statSync(logPath).size;
      for (const e of endpoints) await scrapeOnce(e);
      const lat = await run.timedSends(SENDS);
      const log = readFileSync(logPath, 'utf8').slice(from);
      const deoptLines = log.split('\n').filter((l) => DEOPT_LINE.test(l));
      const phase = { scrape, deopts: deoptLines.length, functions: functionsIn(deoptLines.join('\n')), p50ms: quantile(lat, 0.5), p99ms: quantile(lat, 0.99) };
      phases.push(phase);
      console.log(JSON.stringify({ round, ...phase, functions: phase.functions.slice(0, 12) }));
    }
    return phases;
  } finally {
    await run.stop();
  }
}

async function main(): Promise<void> {
  setLogLevel('silent');
  const rounds: AfterScrape[][] = [];
  for (let r = 0; r < ROUNDS; r++) rounds.push(await oneRound(r));
  const summary = Array.from({ length: SCRAPES }, (_, k) => ({
    scrape: k + 1,
    deoptsMedian: median(rounds.map((p) => p[k]!.deopts)),
    p99msMedian: median(rounds.map((p) => p[k]!.p99ms)),
  }));
  const setup = `apogee start (${root ? resolve(root) : 'this checkout'}), flushDiskType=SYNC_FLUSH: ack after fdatasync; ${WARM_SENDS} warm-up sends, then per scrape of both endpoints ${SENDS} one-at-a-time 1 KB sends; ${ROUNDS} fresh processes`;
  console.log(JSON.stringify({ setup, summary }));
  if (out) writeFileSync(out, JSON.stringify({ date: new Date().toISOString(), setup, summary, rounds }, null, 1) + '\n');
}

main().catch((err: unknown) => {
  process.stderr.write(`first-scrape bench: ${(err as Error).message ?? String(err)}\n`);
  process.exit(1);
});
