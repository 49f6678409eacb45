/**
 * NameServer benchmark: codec encode/decode rates and GET_ROUTEINFO_BY_TOPIC lookups per second
 * with 100 topics on 10 registered brokers, pipelined from one client process.
 * Run: npm run bench:namesrv   (writes bench/results/namesrv-<date>.json)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { RemotingClient } from '../src/transport/client.js';
import { command } from '../src/codec/command.js';
import { decodeFrame, encodeFrame, FrameDecoder } from '../src/codec/frame.js';
import { encodeRegisterBrokerBody, type TopicConfig } from '../src/protocol/route.js';
import { setLogLevel } from '../src/common/logger.js';
import { projectRoot } from '../src/common/paths.js';
import { spawnServer } from '../src/testing/launcher.js';

setLogLevel('warn');

function rate(n: number, ms: number): number {
  return Math.round((n * 1000) / ms);
}

function codecBench(): Record<string, number> {
  const cmd = command({ code: 105, opaque: 7, version: 277, extFields: { topic: 'BenchTopic-17' } });
  const frame = encodeFrame(cmd);
  const n = 300_000;
  let t = performance.now();
  for (let i = 0; i < n; i++) encodeFrame(cmd);
  const encodeMs = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < n; i++) decodeFrame(frame);
  const decodeMs = performance.now() - t;
  // Streaming decode of many frames arriving in 64 KiB chunks, as from a socket.
  const stream = Buffer.concat(Array.from({ length: 2000 }, () => frame));
  const decoder = new FrameDecoder();
  let frames = 0;
  t = performance.now();
  for (let round = 0; round < 50; round++) {
    for (let off = 0; off < stream.length; off += 65536) decoder.push(stream.subarray(off, off + 65536), () => void frames++);
  }
  const streamMs = performance.now() - t;
  return { encodePerSec: rate(n, encodeMs), decodePerSec: rate(n, decodeMs), streamDecodePerSec: rate(frames, streamMs) };
}

async function lookupBench(): Promise<Record<string, number>> {
  const home = mkdtempSync(join(tmpdir(), 'apogee-bench-ns-'));
  // The NameServer runs in its own process, as in production, so client and server each get a core.
  const server = spawnServer('mqnamesrv', ['--listenPort=0', '--bindAddress=127.0.0.1', `--rocketmqHome=${home}`], {
    nodeArgs: process.env.NS_PROF ? ['--cpu-prof', '--cpu-prof-dir=' + process.env.NS_PROF] : [],
    env: { APOGEE_LOG_LEVEL: 'warn' },
  });
  let addr: string;
  try {
    addr = (await server.waitFor(/listening on (\S+)/, 'stdout', 10_000))[1]!;
  } catch (err) {
    await server.kill();
    rmSync(home, { recursive: true, force: true });
    throw err;
  }
  const client = new RemotingClient();
  try {
    const topics: string[] = Array.from({ length: 100 }, (_, i) => `BenchTopic-${i}`);
    for (let b = 0; b < 10; b++) {
      const table = new Map<string, TopicConfig>(
        topics.map((t) => [t, { topicName: t, readQueueNums: 8, writeQueueNums: 8, perm: 6, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false }]),
      );
      const body = encodeRegisterBrokerBody({ topicConfigTable: table, dataVersion: { counter: 1, timestamp: Date.now() }, filterServerList: [] });
      const r = await client.invoke(addr, command({
        code: 103, version: 277, body,
        extFields: { brokerName: `broker-${b}`, brokerAddr: `127.0.0.${b + 2}:10911`, clusterName: 'BenchCluster', haServerAddr: `127.0.0.${b + 2}:10912`, brokerId: '0', compressed: 'false', bodyCrc32: String(crc32(body) & 0x7fffffff) },
      }), 5000);
      if (r.code !== 0) throw new Error(`register failed: ${r.remark}`);
    }
    const results: Record<string, number> = {};
    for (const inflight of [1, 64, 512]) {
      const total = inflight === 1 ? 20_000 : 200_000;
      let sent = 0;
      let done = 0;
      const started = performance.now();
      await new Promise<void>((resolve, reject) => {
        const next = (): void => {
          if (sent >= total) return;
          const topic = topics[sent++ % topics.length]!;
          client.invoke(addr, command({ code: 105, version: 277, extFields: { topic } }), 10_000).then((resp) => {
            if (resp.code !== 0) return reject(new Error(`lookup failed ${resp.code}`));
            if (++done === total) resolve();
            else next();
          }, reject);
        };
        for (let i = 0; i < inflight; i++) next();
      });
      results[`lookupsPerSec_inflight${inflight}`] = rate(total, performance.now() - started);
    }
    return results;
  } finally {
    await client.close();
    await server.stop();
    rmSync(home, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const codec = codecBench();
  const lookups = await lookupBench();
  const result = {
    date: new Date().toISOString(),
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadavg: loadavg(), node: process.version },
    setup: '1 NameServer process, 10 brokers x 100 topics (8 queues), one client process, one TCP connection, loopback',
    codec,
    lookups,
  };
  console.log('\nNameServer benchmark (' + result.date + ', ' + result.machine.cpus + ' cores, load ' + loadavg()[0]!.toFixed(2) + ')');
  console.log('| measure | value |\n|---|---|');
  for (const [k, v] of Object.entries({ ...codec, ...lookups })) console.log(`| ${k} | ${v.toLocaleString('en-US')} |`);
  const dir = join(projectRoot(), 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `namesrv-${result.date.slice(0, 10)}.json`);
  writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwritten ${file}`);
}

void main();
