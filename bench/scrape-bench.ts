/**
 * What a Prometheus scrape does to a broker with many consumer groups: a broker (`apogee start`,
 * ASYNC_FLUSH) whose offsets table holds GROUPS groups each consuming PER_GROUP of TOPICS topics
 * (8 queues each, every queue with a backlog, so every group lags everywhere), then
 *  - how long a scrape takes and how big it is;
 *  - the latency of `/healthz` on the same port (the same event loop that serves sends and pulls),
 *    probed every 2 ms for 3 s while idle and for 3 s while scrapes run back to back.
 * The groups exist only in the offsets table (written into the store's consumerOffset.json before
 * the broker starts), as after a restart of a broker that served them.
 *   npm run build && node dist/bench/scrape-bench.js [--groups=1000] [--topics=100] [--per-group=5] [--out=FILE]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, get } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer } from '../src/client/producer.js';
import { setLogLevel } from '../src/common/logger.js';
import { ApogeeNode } from '../src/testing/node.js';
import { positiveIntArg, stringArg } from './args.js';

const GROUPS = positiveIntArg('groups', 1000);
const TOPICS = positiveIntArg('topics', 100);
const PER_GROUP = Math.min(positiveIntArg('per-group', 5), TOPICS);
const QUEUES = 8;
const out = stringArg('out');

interface Latency {
  probes: number;
  p50ms: number;
  p99ms: number;
  maxms: number;
}

function fetchMs(addr: string, path: string, agent?: Agent): Promise<{ ms: number; bytes: number }> {
  const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))];
  const started = performance.now();
  return new Promise((resolve, reject) => {
    get({ host, port, path, agent }, (res) => {
      let bytes = 0;
      res.on('data', (c: Buffer) => (bytes += c.length));
      res.on('end', () => (res.statusCode === 200 ? resolve({ ms: performance.now() - started, bytes }) : reject(new Error(`${path}: HTTP ${res.statusCode}`))));
    }).on('error', reject);
  });
}

async function probe(addr: string, ms: number): Promise<Latency> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const lat: number[] = [];
  const end = performance.now() + ms;
  while (performance.now() < end) {
    lat.push((await fetchMs(addr, '/healthz', agent)).ms);
    await new Promise((r) => setTimeout(r, 2));
  }
  agent.destroy();
  lat.sort((a, b) => a - b);
  const at = (q: number): number => +lat[Math.min(lat.length - 1, Math.floor(lat.length * q))]!.toFixed(2);
  return { probes: lat.length, p50ms: at(0.5), p99ms: at(0.99), maxms: +lat[lat.length - 1]!.toFixed(2) };
}

async function main(): Promise<void> {
  setLogLevel('warn');
  const dir = mkdtempSync(join(tmpdir(), 'apogee-scrape-bench-'));
  const node = new ApogeeNode({ dir, brokerProps: { flushDiskType: 'ASYNC_FLUSH' } });
  try {
    // A first start writes the store's config files; the groups and topics are added to them.
    await node.start();
    await node.stop();
    const config = join(node.data, 'store', 'config');
    const topics = JSON.parse(readFileSync(join(config, 'topics.json'), 'utf8')) as { topicConfigTable: Record<string, unknown> };
    for (let t = 0; t < TOPICS; t++) {
      const topicName = `ScrapeBenchTopic${t}`;
      topics.topicConfigTable[topicName] = { order: false, perm: 6, readQueueNums: QUEUES, topicFilterType: 'SINGLE_TAG', topicName, topicSysFlag: 0, writeQueueNums: QUEUES };
    }
    writeFileSync(join(config, 'topics.json'), JSON.stringify(topics));
    const offsetTable: Record<string, Record<string, number>> = {};
    for (let g = 0; g < GROUPS; g++) {
      for (let k = 0; k < PER_GROUP; k++) {
        const t = (g * 7 + k) % TOPICS;
        offsetTable[`ScrapeBenchTopic${t}@ScrapeBenchGroup${g}`] = Object.fromEntries(Array.from({ length: QUEUES }, (_, q) => [String(q), 0]));
      }
    }
    writeFileSync(join(config, 'consumerOffset.json'), JSON.stringify({ offsetTable }));
    await node.start();
    const metricsAddr = node.brokerMetricsAddr;
    if (!metricsAddr) throw new Error('the broker reported no metrics address');

    const producer = new Producer({ namesrvAddr: node.namesrvAddr, producerGroup: 'scrape-bench' });
    await producer.start();
    for (let t = 0; t < TOPICS; t++) {
      for (let i = 0; i < QUEUES * 2; i++) await producer.send({ topic: `ScrapeBenchTopic${t}`, body: `backlog ${i}` });
    }
    await producer.shutdown();

    const first = await fetchMs(metricsAddr, '/metrics');
    const idle = await probe(metricsAddr, 3000);
    let scrapes = 0;
    let scrapeMs = 0;
    let running = true;
    const scraper = (async () => {
      while (running) {
        scrapeMs += (await fetchMs(metricsAddr, '/metrics')).ms;
        scrapes++;
      }
    })();
    const scraping = await probe(metricsAddr, 3000);
    running = false;
    await scraper;

    const result = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      durability: 'flushDiskType=ASYNC_FLUSH (the store is not what is measured)',
      shape: { groups: GROUPS, topics: TOPICS, topicsPerGroup: PER_GROUP, queuesPerTopic: QUEUES, groupTopicPairs: GROUPS * PER_GROUP },
      scrape: { bytes: first.bytes, firstMs: +first.ms.toFixed(1), meanMs: +(scrapeMs / Math.max(1, scrapes)).toFixed(1), scrapesDuringProbe: scrapes },
      healthzIdle: idle,
      healthzWhileScraping: scraping,
    };
    console.log(JSON.stringify(result, null, 2));
    if (out) writeFileSync(out, `${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(`scrape-bench: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
