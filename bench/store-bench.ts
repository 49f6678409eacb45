/**
 * Store benchmark: 1 KB messages through MessageStore, next to the disk's own limits measured in
 * the same run. Prints a table and writes JSON under bench/results/.
 *
 *   npm run bench:store            (BENCH_SCALE=0.2 for a quick run; BENCH_DIR to pick the disk)
 */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageStore, type MessageInput } from '../src/store/index.js';

const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const BASE = process.env.BENCH_DIR ?? tmpdir();
const BODY = Buffer.alloc(1024, 'x');
const QUEUES = 8;

interface Row {
  scenario: string;
  messages: number;
  seconds: number;
  msgsPerSec: number;
  mbPerSec: number;
  p50us?: number;
  p99us?: number;
  note?: string;
}

const rows: Row[] = [];
const disk: Record<string, number> = {};

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length === 0 ? 0 : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!;
}

function record(scenario: string, messages: number, bytes: number, ns: bigint, latUs?: number[], note?: string): void {
  const seconds = Number(ns) / 1e9;
  const row: Row = { scenario, messages, seconds: +seconds.toFixed(3), msgsPerSec: Math.round(messages / seconds), mbPerSec: +(bytes / seconds / 1e6).toFixed(1) };
  if (latUs && latUs.length > 0) {
    const s = Float64Array.from(latUs).sort();
    row.p50us = Math.round(percentile(s, 0.5));
    row.p99us = Math.round(percentile(s, 0.99));
  }
  if (note) row.note = note;
  rows.push(row);
  console.log(`  ${scenario}: ${row.msgsPerSec} msgs/s, ${row.mbPerSec} MB/s${row.p50us !== undefined ? `, p50 ${row.p50us} µs, p99 ${row.p99us} µs` : ''}`);
}

let seq = 0;
function message(i: number): MessageInput {
  return {
    topic: 'BenchTopic',
    queueId: i % QUEUES,
    body: BODY,
    properties: `KEYS\u0001k${i}\u0002UNIQ_KEY\u0001${(seq++).toString(16).padStart(32, '0')}\u0002TAGS\u0001TagA\u0002WAIT\u0001true\u0002`,
    bornTimestamp: Date.now(),
    bornHost: { ip: '127.0.0.1', port: 50000 },
  };
}

function tempStore(): string {
  return fs.mkdtempSync(join(BASE, 'apogee-bench-'));
}

function measureDisk(): void {
  const dir = tempStore();
  const path = join(dir, 'probe');
  const fd = fs.openSync(path, 'w');
  const chunk = Buffer.alloc(1 << 20, 7);
  const total = Math.max(16, Math.round(256 * SCALE));
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < total; i++) {
    fs.writeSync(fd, chunk, 0, chunk.length, i * chunk.length);
    fs.fdatasyncSync(fd);
  }
  let ns = process.hrtime.bigint() - t0;
  disk.seqWriteFdatasyncMBps = +((total * chunk.length) / (Number(ns) / 1e9) / 1e6).toFixed(1);
  // Same without a sync per chunk (page cache), one sync at the end.
  t0 = process.hrtime.bigint();
  for (let i = 0; i < total; i++) fs.writeSync(fd, chunk, 0, chunk.length, (total + i) * chunk.length);
  fs.fdatasyncSync(fd);
  ns = process.hrtime.bigint() - t0;
  disk.seqWriteOneSyncMBps = +((total * chunk.length) / (Number(ns) / 1e9) / 1e6).toFixed(1);
  const small = Buffer.alloc(1024, 1);
  const lat: number[] = [];
  for (let i = 0; i < 300; i++) {
    fs.writeSync(fd, small, 0, small.length, i * 1024);
    const a = process.hrtime.bigint();
    fs.fdatasyncSync(fd);
    lat.push(Number(process.hrtime.bigint() - a) / 1000);
  }
  const s = Float64Array.from(lat).sort();
  disk.fdatasyncP50us = Math.round(percentile(s, 0.5));
  disk.fdatasyncP99us = Math.round(percentile(s, 0.99));
  fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`disk: sequential write+fdatasync per MiB ${disk.seqWriteFdatasyncMBps} MB/s; one sync per ${total} MiB ${disk.seqWriteOneSyncMBps} MB/s; fdatasync p50 ${disk.fdatasyncP50us} µs, p99 ${disk.fdatasyncP99us} µs`);
}

async function asyncSingle(): Promise<void> {
  const root = tempStore();
  const store = MessageStore.open({ storePathRootDir: root, flushDiskType: 'ASYNC_FLUSH' }, { log: () => {} });
  const n = Math.round(200_000 * SCALE);
  const lat = new Array<number>(n);
  let bytes = 0;
  let ns = 0n;
  for (let c = 0; c < n; c += 8192) {
    const chunk = Array.from({ length: Math.min(8192, n - c) }, (_, k) => message(c + k));
    const t0 = process.hrtime.bigint();
    for (let k = 0; k < chunk.length; k++) {
      const a = process.hrtime.bigint();
      const r = await store.put(chunk[k]!);
      lat[c + k] = Number(process.hrtime.bigint() - a) / 1000;
      bytes += r.wroteBytes;
    }
    ns += process.hrtime.bigint() - t0;
  }
  record('async flush, single puts', n, bytes, ns, lat, 'timed: put calls');
  await store.close();
  fs.rmSync(root, { recursive: true, force: true });
}

async function asyncBatches(): Promise<string> {
  const root = tempStore();
  // 64 MiB segments so that the read phase below also has data in segments not kept in memory.
  const store = MessageStore.open({ storePathRootDir: root, flushDiskType: 'ASYNC_FLUSH', mapedFileSizeCommitLog: 64 << 20, commitLogCachedFiles: 3 }, { log: () => {} });
  const batches = Math.round(20_000 * SCALE);
  const lat: number[] = [];
  let bytes = 0;
  let i = 0;
  let ns = 0n;
  for (let b = 0; b < batches; b += 256) {
    // Messages are built outside the timed section: the figure is the store's, not the generator's.
    const chunk = Array.from({ length: Math.min(256, batches - b) }, (_, k) => Array.from({ length: 32 }, () => ({ ...message(i++), queueId: (b + k) % QUEUES })));
    const t0 = process.hrtime.bigint();
    for (const msgs of chunk) {
      const a = process.hrtime.bigint();
      const r = await store.putBatch(msgs);
      lat.push(Number(process.hrtime.bigint() - a) / 1000);
      bytes += r.wroteBytes;
    }
    ns += process.hrtime.bigint() - t0;
  }
  record('async flush, batches of 32', batches * 32, bytes, ns, lat, 'latency per batch; timed: putBatch calls');
  // Sequential reads of recent data (in-memory segment images).
  await readAll(store, 'sequential read, recent data (newest 10 %, 32 per pull)', true);
  await store.close();
  return root;
}

async function readAll(store: MessageStore, label: string, recentOnly: boolean): Promise<void> {
  let count = 0;
  let bytes = 0;
  const lat: number[] = [];
  const t0 = process.hrtime.bigint();
  for (let q = 0; q < QUEUES; q++) {
    const max = store.getMaxOffsetInQueue('BenchTopic', q);
    let off = recentOnly ? Math.max(0, max - Math.round(max * 0.1)) : store.getMinOffsetInQueue('BenchTopic', q);
    const end = recentOnly ? max : Math.round(max * 0.8);
    while (off < end) {
      const a = process.hrtime.bigint();
      const r = store.getMessage('BenchTopic', q, off, 32);
      lat.push(Number(process.hrtime.bigint() - a) / 1000);
      if (r.messages.length === 0) break;
      count += r.messages.length;
      for (const m of r.messages) bytes += m.length;
      off = r.nextBeginOffset;
    }
  }
  record(label, count, bytes, process.hrtime.bigint() - t0, lat, 'latency per pull');
}

async function readOld(root: string): Promise<void> {
  // Reopened with one cached segment: the oldest 80 % is read with pread (page cache may be warm).
  const store = MessageStore.open({ storePathRootDir: root, flushDiskType: 'ASYNC_FLUSH', mapedFileSizeCommitLog: 64 << 20, commitLogCachedFiles: 1 }, { log: () => {} });
  let note = 'pread from segments not in memory';
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '1');
    note += ', OS page cache dropped';
  } catch {
    note += ', OS page cache warm (cannot drop it)';
  }
  await readAll(store, 'sequential read, old data (oldest 80 %, 32 per pull)', false);
  rows[rows.length - 1]!.note = note;
  await store.close();
  fs.rmSync(root, { recursive: true, force: true });
}

async function syncConcurrent(): Promise<void> {
  const root = tempStore();
  const store = MessageStore.open({ storePathRootDir: root, flushDiskType: 'SYNC_FLUSH' }, { log: () => {} });
  const total = Math.round(100_000 * SCALE);
  const lat: number[] = [];
  let bytes = 0;
  let next = 0;
  let timeouts = 0;
  const t0 = process.hrtime.bigint();
  const writer = async () => {
    while (next < total) {
      const i = next++;
      const a = process.hrtime.bigint();
      const r = await store.put(message(i));
      lat.push(Number(process.hrtime.bigint() - a) / 1000);
      if (r.status !== 'PUT_OK') timeouts++;
      bytes += r.wroteBytes;
    }
  };
  await Promise.all(Array.from({ length: 64 }, writer));
  record('SYNC_FLUSH group commit, 64 writers', total, bytes, process.hrtime.bigint() - t0, lat, timeouts ? `${timeouts} FLUSH_DISK_TIMEOUT` : 'every put covered by an fdatasync');
  await store.close();
  fs.rmSync(root, { recursive: true, force: true });
}

async function crashReopen(): Promise<void> {
  // Abnormal-recovery time for a store of `gib` GiB written with 1 KB messages (ASYNC_FLUSH).
  const gib = Number(process.env.BENCH_REOPEN_GIB ?? (SCALE >= 1 ? '2' : '0.25'));
  const root = tempStore();
  const store = MessageStore.open({ storePathRootDir: root, flushDiskType: 'ASYNC_FLUSH', messageIndexEnable: true }, { log: () => {} });
  const target = gib * 2 ** 30;
  let i = 0;
  while (store.maxPhyOffset() < target) {
    const q = i % QUEUES;
    await store.putBatch(Array.from({ length: 32 }, () => ({ ...message(i++), queueId: q })));
  }
  // What the periodic flush services would have done by then; then simulate kill -9.
  store.flush();
  for (let k = 0; k < 3200; k++) await store.put(message(i++));
  // Simulate kill -9: leave abort, lock and unflushed state behind.
  (store as unknown as { lock: { release(): void } }).lock.release();
  const t0 = process.hrtime.bigint();
  const reopened = MessageStore.open({ storePathRootDir: root, flushDiskType: 'ASYNC_FLUSH' }, { log: () => {} });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  rows.push({ scenario: `reopen after crash, ${gib} GiB CommitLog`, messages: i, seconds: +seconds.toFixed(3), msgsPerSec: 0, mbPerSec: 0, note: `replayed from ${reopened.recovery.replayedFrom}, ${reopened.recovery.dispatched} records re-dispatched` });
  console.log(`  reopen after crash (${gib} GiB): ${seconds.toFixed(3)} s`);
  await reopened.close();
  fs.rmSync(root, { recursive: true, force: true });
}

async function main(): Promise<void> {
  console.log(`store benchmark, 1 KB bodies, scale ${SCALE}, dir ${BASE}`);
  measureDisk();
  await asyncSingle();
  const root = await asyncBatches();
  await readOld(root);
  await syncConcurrent();
  await crashReopen();
  console.log('\n| scenario | messages | s | msgs/s | MB/s | p50 µs | p99 µs | note |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.scenario} | ${r.messages} | ${r.seconds} | ${r.msgsPerSec} | ${r.mbPerSec} | ${r.p50us ?? ''} | ${r.p99us ?? ''} | ${r.note ?? ''} |`);
  console.log(`| disk: sequential write, fdatasync per MiB | | | | ${disk.seqWriteFdatasyncMBps} | | | one sync per run: ${disk.seqWriteOneSyncMBps} MB/s |`);
  console.log(`| disk: fdatasync of 1 KB | | | | | ${disk.fdatasyncP50us} | ${disk.fdatasyncP99us} | |`);
  const outDir = new URL('../../bench/results/', import.meta.url);
  fs.mkdirSync(outDir, { recursive: true });
  const file = new URL(`store-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, outDir);
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, scale: SCALE, disk, rows }, null, 2));
  console.log(`\nwrote ${file.pathname}`);
}

await main();
