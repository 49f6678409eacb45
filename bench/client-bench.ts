/**
 * Client SDK benchmark: what one client process costs and achieves, with Apogee's NameServer and
 * broker in a separate process (so `process.cpuUsage()` here is the SDK's own CPU):
 *   - pipelined send: N messages with W sends in flight → msgs/s and client CPU µs per message;
 *   - oneway send: N messages → msgs/s and CPU µs per message;
 *   - push consume: the same N messages from the first offset → msgs/s and CPU µs per message;
 *   - decode only: pull bodies of 32 stored messages decoded in a loop (no I/O).
 * Run: npm run bench:client   (BENCH_MESSAGES, BENCH_BODY_BYTES, BENCH_INFLIGHT override the sizes;
 * writes bench/results/client-<timestamp>.json)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { Producer } from '../src/client/producer.js';
import { PushConsumer } from '../src/client/push-consumer.js';
import { decodeMessages } from '../src/client/message.js';
import { encodeRecord } from '../src/codec/message-record.js';
import { setLogLevel } from '../src/common/logger.js';
import { projectRoot } from '../src/common/paths.js';
import { launch } from '../src/testing/launcher.js';

setLogLevel('warn');

const N = Number(process.env.BENCH_MESSAGES ?? 100_000);
const BODY = Number(process.env.BENCH_BODY_BYTES ?? 128);
const INFLIGHT = Number(process.env.BENCH_INFLIGHT ?? 512);

interface Measure {
  messages: number;
  seconds: number;
  msgsPerSec: number;
  cpuUsPerMsg: number;
  cpuPercentOfOneCore: number;
}

async function measure(messages: number, run: () => Promise<void>): Promise<Measure> {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run();
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = cpu.user + cpu.system;
  return {
    messages,
    seconds: +(ms / 1000).toFixed(3),
    msgsPerSec: Math.round((messages * 1000) / ms),
    cpuUsPerMsg: +(cpuUs / messages).toFixed(2),
    cpuPercentOfOneCore: Math.round((cpuUs / 1000 / ms) * 100),
  };
}

function decodeBench(): Measure & { note: string } {
  const records: Buffer[] = [];
  for (let i = 0; i < 32; i++) {
    records.push(
      encodeRecord({
        queueId: 0, flag: 0, queueOffset: i, physicalOffset: i * 300, sysFlag: 0, bornTimestamp: Date.now(), bornHost: { ip: '127.0.0.1', port: 5000 },
        storeTimestamp: Date.now(), storeHost: { ip: '127.0.0.1', port: 10911 }, reconsumeTimes: 0, preparedTransactionOffset: 0,
        body: Buffer.alloc(BODY, 7), topic: 'BenchTopic', properties: `KEYS\u0001k${i}\u0002UNIQ_KEY\u0001C0A80001000000000000000000000000\u0002WAIT\u0001true\u0002TAGS\u0001TagA\u0002`,
      }),
    );
  }
  const body = Buffer.concat(records);
  const rounds = 20_000;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  let n = 0;
  for (let r = 0; r < rounds; r++) n += decodeMessages(body).length;
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { note: 'decodeMessages of 32-message pull bodies, no I/O', messages: n, seconds: +(ms / 1000).toFixed(3), msgsPerSec: Math.round((n * 1000) / ms), cpuUsPerMsg: +((cpu.user + cpu.system) / n).toFixed(2), cpuPercentOfOneCore: Math.round(((cpu.user + cpu.system) / 1000 / ms) * 100) };
}

async function main(): Promise<void> {
  const home = mkdtempSync(join(tmpdir(), 'apogee-client-bench-'));
  const server = await launch({ mode: 'node', dir: home, brokerProps: { longPollingMaxMs: '1000' }, env: { APOGEE_LOG_LEVEL: 'warn' } });
  const topic = 'ClientBench';
  const body = Buffer.alloc(BODY, 'x');
  const producer = new Producer({ namesrvAddr: server.namesrvAddr, producerGroup: 'bench-producer', sendMsgTimeout: 30_000 });
  const results: Record<string, Measure | (Measure & { note: string })> = {};
  try {
    await producer.start();
    for (let i = 0; i < 2000; i++) await producer.send({ topic, body });
    results.sendPipelined = await measure(N, async () => {
      let sent = 0;
      let done = 0;
      await new Promise<void>((resolve, reject) => {
        const next = (): void => {
          if (sent >= N) return;
          sent++;
          producer.send({ topic, body }).then(() => {
            if (++done === N) resolve();
            else next();
          }, reject);
        };
        for (let i = 0; i < INFLIGHT; i++) next();
      });
    });
    results.sendOneway = await measure(N, async () => {
      for (let i = 0; i < N; i++) {
        await producer.sendOneway({ topic, body });
        if (i % 1024 === 0) await new Promise((r) => setImmediate(r));
      }
      await producer.send({ topic, body }); // a round trip so every oneway frame was written and read
    });
    const total = 2000 + 2 * N + 1;
    let received = 0;
    const consumer = new PushConsumer({ namesrvAddr: server.namesrvAddr, consumerGroup: 'bench-consumer', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', consumeMessageBatchMaxSize: 32, rebalanceInterval: 1000 });
    let finished!: () => void;
    const all = new Promise<void>((r) => (finished = r));
    consumer.subscribe(topic, '*').registerMessageListener((msgs) => {
      received += msgs.length;
      if (received >= total) finished();
    });
    results.pushConsume = await measure(total, async () => {
      await consumer.start();
      await all;
    });
    await consumer.shutdown();
    if (received !== total) throw new Error(`received ${received} of ${total}`);
  } finally {
    await producer.shutdown();
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  }
  results.decodeOnly = decodeBench();
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg(), node: process.version },
    setup: `apogee start (NameServer + broker) in a child process; one client process; ${BODY}-byte bodies; ${INFLIGHT} sends in flight; 4 queues; loopback`,
    results,
  };
  console.log(`\nClient SDK benchmark (${result.date}, ${result.machine.cpus} cores, load ${loadavg()[0]!.toFixed(2)})`);
  console.log('| measure | messages | msgs/s | client CPU µs/msg | client CPU % of a core |\n|---|---|---|---|---|');
  for (const [k, v] of Object.entries(results)) {
    console.log(`| ${k} | ${v.messages.toLocaleString('en-US')} | ${v.msgsPerSec.toLocaleString('en-US')} | ${v.cpuUsPerMsg} | ${v.cpuPercentOfOneCore} |`);
  }
  const dir = join(projectRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `client-${result.date.replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwritten ${file}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
