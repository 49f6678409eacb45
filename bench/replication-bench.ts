/**
 * Replication benchmark: what a slave costs the producer, and how far it trails its master.
 * Three clusters of real processes (`apogee cluster` topologies: a master alone, ASYNC_MASTER + slave,
 * SYNC_MASTER + slave), brought up fresh for each round, rounds interleaved so the three are measured
 * side by side in one run:
 *   - throughput: N acknowledged sends, W in flight, from one producer process → msg/s;
 *   - lag: a steady offered rate (default 10,000 msg/s) for S seconds while both brokers' commit-log
 *     max offsets are sampled; the lag of a sample is the time until the slave holds what the master
 *     held at that moment (p50 / p99 / max).
 * Run: npm run bench:replication   (BENCH_MESSAGES, BENCH_INFLIGHT, BENCH_ROUNDS, BENCH_RATE,
 * BENCH_LAG_SECONDS, BENCH_FLUSH=SYNC_FLUSH override; writes bench/results/replication-<timestamp>.json)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Producer } from '../src/client/producer.js';
import { Admin } from '../src/client/admin.js';
import { setLogLevel } from '../src/common/logger.js';
import { projectRoot } from '../src/common/paths.js';
import type { TopologyFile } from '../src/cluster/topology.js';
import { withServers } from '../src/testing/launcher.js';

setLogLevel('silent');

const N = Number(process.env.BENCH_MESSAGES ?? 100_000);
const INFLIGHT = Number(process.env.BENCH_INFLIGHT ?? 512);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RATE = Number(process.env.BENCH_RATE ?? 10_000);
const LAG_SECONDS = Number(process.env.BENCH_LAG_SECONDS ?? 10);
const FLUSH = process.env.BENCH_FLUSH === 'SYNC_FLUSH' ? 'SYNC_FLUSH' : 'ASYNC_FLUSH';
const BODY = Buffer.alloc(128, 'r');
const TOPIC = 'ReplicationBench';

type Setup = 'alone' | 'async' | 'sync';
const SHAPES: Record<Setup, TopologyFile> = {
  alone: { namesrvs: 1, groups: [{ name: 'broker-a', slaves: 0 }], brokerProperties: { flushDiskType: FLUSH } },
  async: { namesrvs: 1, groups: [{ name: 'broker-a', role: 'ASYNC_MASTER', slaves: 1 }], brokerProperties: { flushDiskType: FLUSH } },
  sync: { namesrvs: 1, groups: [{ name: 'broker-a', role: 'SYNC_MASTER', slaves: 1 }], brokerProperties: { flushDiskType: FLUSH } },
};

interface Lag {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  offeredPerSec: number;
  ackedPerSec: number;
}

async function withCluster<T>(setup: Setup, fn: (namesrvAddr: string, admin: Admin) => Promise<T>): Promise<T> {
  return withServers({ mode: 'cluster', topology: SHAPES[setup] }, async (cluster) => {
    const admin = new Admin({ namesrvAddr: cluster.namesrvAddr });
    try {
      await admin.start();
      await admin.createTopic(TOPIC, { clusterName: cluster.topology.cluster, readQueueNums: 4, writeQueueNums: 4 });
      return await fn(cluster.namesrvAddr, admin);
    } finally {
      await admin.shutdown();
    }
  });
}

/** A SYNC_MASTER answers SLAVE_NOT_AVAILABLE until its slave's HA connection is up. */
async function untilSlaveAttached(producer: Producer): Promise<void> {
  const deadline = Date.now() + 20_000;
  while ((await producer.send({ topic: TOPIC, body: BODY })).sendStatus !== 'SEND_OK') {
    if (Date.now() > deadline) throw new Error('the slave did not attach within 20 s');
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function throughput(namesrvAddr: string): Promise<number> {
  const producer = new Producer({ namesrvAddr, producerGroup: 'repl-bench', sendMsgTimeout: 30_000 });
  await producer.start();
  try {
    await untilSlaveAttached(producer);
    for (let i = 0; i < 2000; i++) await producer.send({ topic: TOPIC, body: BODY });
    const t0 = performance.now();
    let sent = 0;
    let done = 0;
    await new Promise<void>((resolve, reject) => {
      const next = (): void => {
        if (sent >= N) return;
        sent++;
        producer.send({ topic: TOPIC, body: BODY }).then((r) => {
          if (r.sendStatus !== 'SEND_OK') return reject(new Error(`send answered ${r.sendStatus}`));
          if (++done === N) resolve();
          else next();
        }, reject);
      };
      for (let i = 0; i < INFLIGHT; i++) next();
    });
    return Math.round((N * 1000) / (performance.now() - t0));
  } finally {
    await producer.shutdown();
  }
}

async function lag(namesrvAddr: string, admin: Admin): Promise<Lag> {
  const info = await admin.clusterInfo();
  const addrs = info.brokerAddrTable.get('broker-a')!.brokerAddrs;
  const master = addrs.get(0)!;
  const slave = addrs.get(1)!;
  const maxOffset = async (addr: string): Promise<number> => Number((await admin.brokerRuntimeInfo(addr)).commitLogMaxOffset);
  const producer = new Producer({ namesrvAddr, producerGroup: 'repl-bench-lag', sendMsgTimeout: 30_000 });
  await producer.start();
  const masterSamples: Array<[number, number]> = [];
  const slaveSamples: Array<[number, number]> = [];
  let acked = 0;
  let offered = 0;
  try {
    for (let i = 0; i < 500; i++) await producer.send({ topic: TOPIC, body: BODY });
    const t0 = performance.now();
    const end = t0 + LAG_SECONDS * 1000;
    let stop = false;
    const sampler = (async () => {
      while (!stop) {
        const [m, s] = await Promise.all([maxOffset(master), maxOffset(slave)]);
        const t = performance.now();
        masterSamples.push([t, m]);
        slaveSamples.push([t, s]);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const pending: Array<Promise<unknown>> = [];
    // Offer RATE msg/s in 10 ms ticks, not waiting for answers (an open-loop load).
    while (performance.now() < end) {
      const due = Math.floor(((performance.now() - t0) / 1000) * RATE);
      while (offered < due) {
        offered++;
        pending.push(producer.send({ topic: TOPIC, body: BODY }).then(() => void acked++));
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    await Promise.all(pending);
    const elapsed = (performance.now() - t0) / 1000;
    // Let the slave finish, so the last samples have an answer too.
    const target = await maxOffset(master);
    const deadline = performance.now() + 10_000;
    while ((await maxOffset(slave)) < target && performance.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    stop = true;
    await sampler;
    const [tEnd, sEnd] = [performance.now(), await maxOffset(slave)];
    slaveSamples.push([tEnd, sEnd]);
    const lags: number[] = [];
    let j = 0;
    for (const [t, m] of masterSamples) {
      // Both series only grow, so the first slave sample that holds m is never before the previous answer.
      while (j < slaveSamples.length && (slaveSamples[j]![0] < t || slaveSamples[j]![1] < m)) j++;
      if (j >= slaveSamples.length) break;
      lags.push(slaveSamples[j]![0] - t);
    }
    lags.sort((a, b) => a - b);
    const pct = (p: number): number => +(lags[Math.min(lags.length - 1, Math.floor(lags.length * p))] ?? NaN).toFixed(1);
    return { samples: lags.length, p50Ms: pct(0.5), p99Ms: pct(0.99), maxMs: +(lags[lags.length - 1] ?? NaN).toFixed(1), offeredPerSec: Math.round(offered / elapsed), ackedPerSec: Math.round(acked / elapsed) };
  } finally {
    await producer.shutdown();
  }
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const rate: Record<Setup, number[]> = { alone: [], async: [], sync: [] };
  const lags: Record<'async' | 'sync', Lag[]> = { async: [], sync: [] };
  const loads: number[] = [];
  for (let round = 1; round <= ROUNDS; round++) {
    for (const setup of ['alone', 'async', 'sync'] as const) {
      loads.push(loadavg()[0]!);
      const r = await withCluster(setup, async (ns, admin) => ({ tput: await throughput(ns), lag: setup === 'alone' ? undefined : await lag(ns, admin) }));
      rate[setup].push(r.tput);
      if (r.lag && setup !== 'alone') lags[setup].push(r.lag);
      console.log(`round ${round} ${setup.padEnd(5)}: ${r.tput.toLocaleString('en-US')} msg/s acknowledged${r.lag ? `; at ${r.lag.offeredPerSec.toLocaleString('en-US')} msg/s offered, slave lag p50 ${r.lag.p50Ms} ms, p99 ${r.lag.p99Ms} ms, max ${r.lag.maxMs} ms (${r.lag.samples} samples)` : ''}`);
    }
  }
  const alone = median(rate.alone);
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, node: process.version, loadavgAtRoundStarts: loads.map((l) => +l.toFixed(2)) },
    setup: `one NameServer and the brokers as separate processes on loopback (apogee cluster); ${FLUSH} on every broker; one producer process, ${INFLIGHT} sends in flight, ${BODY.length}-byte bodies, 4 queues; ${N} measured sends after 2,000 warm-up; lag at ${RATE} msg/s offered for ${LAG_SECONDS} s, offsets sampled every ~10 ms; ${ROUNDS} rounds interleaved`,
    durability: `${FLUSH}; ASYNC_MASTER acknowledges before replication, SYNC_MASTER after the slave has the message`,
    rates: rate,
    lags,
    summary: {
      aloneMsgsPerSec: alone,
      asyncMsgsPerSec: median(rate.async),
      syncMsgsPerSec: median(rate.sync),
      syncVsAlone: +(median(rate.sync) / alone).toFixed(2),
      asyncVsAlone: +(median(rate.async) / alone).toFixed(2),
      asyncLagP99Ms: median(lags.async.map((l) => l.p99Ms)),
      syncLagP99Ms: median(lags.sync.map((l) => l.p99Ms)),
    },
  };
  const s = result.summary;
  console.log(`\nReplication benchmark (${result.date}, ${result.machine.cpus} cores, ${FLUSH}; medians of ${ROUNDS})`);
  console.log('| setup | acknowledged msg/s | vs master alone | slave lag p99 at ' + RATE.toLocaleString('en-US') + ' msg/s |\n|---|---|---|---|');
  console.log(`| master alone | ${s.aloneMsgsPerSec.toLocaleString('en-US')} | 1.00 | — |`);
  console.log(`| ASYNC_MASTER + slave | ${s.asyncMsgsPerSec.toLocaleString('en-US')} | ${s.asyncVsAlone} | ${s.asyncLagP99Ms} ms |`);
  console.log(`| SYNC_MASTER + slave | ${s.syncMsgsPerSec.toLocaleString('en-US')} | ${s.syncVsAlone} | ${s.syncLagP99Ms} ms |`);
  const dir = join(projectRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `replication-${result.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwritten ${file}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
