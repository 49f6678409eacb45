/**
 * Store benchmark: 1 KB messages through MessageStore, next to the disk's own limits measured in
 * the same run. Prints a table and writes JSON under bench/results/.
 *
 *   npm run bench:store            (BENCH_SCALE=0.2 for a quick run; BENCH_DIR to pick the disk)
 *
 * BENCH_ONLY=disk,single,batches,sync,recovery runs a subset. The recovery scenario fills a store
 * with BENCH_RECOVERY_GIB GiB of CommitLog (default 10 at full scale, 0.5 below) from a child
 * process, kills it with SIGKILL while it writes, and times reopening (abnormal recovery) in a
 * fresh process: with the OS page cache dropped first (root only) and again warm.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeRecord } from '../src/codec/message-record.js';
import { getProperty } from '../src/codec/message-properties.js';
import { MessageStore, type MessageInput } from '../src/store/index.js';

const SCALE = Number(process.env.BENCH_SCALE ?? '1');
const BASE = process.env.BENCH_DIR ?? tmpdir();
const ONLY = (process.env.BENCH_ONLY ?? '').split(',').filter((x) => x !== '');
const enabled = (scenario: string) => ONLY.length === 0 || ONLY.includes(scenario);
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
  const properties = `KEYS\u0001k${i}\u0002UNIQ_KEY\u0001${(seq++).toString(16).padStart(32, '0')}\u0002TAGS\u0001TagA\u0002WAIT\u0001true\u0002`;
  return {
    topic: 'BenchTopic',
    queueId: i % QUEUES,
    body: BODY,
    // Decoded from bytes, as the broker hands properties over (a flat string; a template literal
    // is a rope the store would flatten in its timed section).
    properties: Buffer.from(properties, 'utf8').toString('utf8'),
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

// ---------------------------------------------------------------------------------------------
// Reopening after kill -9

/** Store settings of the recovery scenario (writer and reopen must agree): the defaults. */
const RECOVERY_CONFIG = { flushDiskType: 'ASYNC_FLUSH' as const };

interface Ack {
  physicalOffset: number;
  queueId: number;
  queueOffset: number;
  uniqKey: string;
}

/**
 * Child: appends batches of 32 to `root` until killed, yielding to the event loop between
 * batches (the flush services run as in a broker). Prints `ack <phy> <queue> <queueOffset> <key>`
 * for the newest acknowledged message every 64 batches and `filled` once `targetBytes` is reached.
 */
async function crashWriter(root: string, targetBytes: number): Promise<void> {
  const store = MessageStore.open({ storePathRootDir: root, ...RECOVERY_CONFIG }, { log: () => {} });
  let i = 0;
  let filled = false;
  for (let b = 0; ; b++) {
    const q = b % QUEUES;
    const msgs = Array.from({ length: 32 }, () => ({ ...message(i++), queueId: q }));
    const r = await store.putBatch(msgs);
    if (b % 64 === 0 || (!filled && store.maxPhyOffset() >= targetBytes)) {
      const last = r.records[r.records.length - 1]!;
      let line = `ack ${last.physicalOffset} ${q} ${last.queueOffset} ${getProperty(msgs[msgs.length - 1]!.properties, 'UNIQ_KEY')}\n`;
      if (!filled && store.maxPhyOffset() >= targetBytes) {
        filled = true;
        line += 'filled\n';
      }
      fs.writeSync(1, line);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Child: opens the crashed store, times it, checks the message, prints JSON, exits without closing. */
function reopenChild(root: string, ackText: string): void {
  const [phy, queueId, queueOffset, uniqKey] = ackText.split(' ');
  const t0 = process.hrtime.bigint();
  const store = MessageStore.open({ storePathRootDir: root, ...RECOVERY_CONFIG }, { log: () => {} });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const got = store.getMessage('BenchTopic', Number(queueId), Number(queueOffset), 1);
  const m = got.messages[0] ? decodeRecord(got.messages[0]) : undefined;
  const verified = !!m && m.physicalOffset === Number(phy) && getProperty(m.properties, 'UNIQ_KEY') === uniqKey;
  fs.writeSync(1, JSON.stringify({ seconds, recovery: store.recovery, maxPhyOffset: store.maxPhyOffset(), verified }) + '\n');
  // Leave it as a crash would (abort stays), so the next reopen is abnormal again.
  process.exit(0);
}

function runChild(args: string[], onLine?: (line: string, child: ReturnType<typeof spawn>) => void): Promise<{ lines: string[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fileURLToPath(import.meta.url), ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const lines: string[] = [];
    let rest = '';
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (d: string) => {
      rest += d;
      let nl: number;
      while ((nl = rest.indexOf('\n')) >= 0) {
        const line = rest.slice(0, nl);
        rest = rest.slice(nl + 1);
        lines.push(line);
        onLine?.(line, child);
      }
    });
    child.on('error', reject);
    child.on('exit', (_code, signal) => resolve({ lines, signal }));
  });
}

function dropPageCache(): boolean {
  spawnSync('sync');
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3');
    return true;
  } catch {
    return false;
  }
}

async function crashRecovery(): Promise<void> {
  const gib = Number(process.env.BENCH_RECOVERY_GIB ?? (SCALE >= 1 ? '10' : '0.5'));
  const root = tempStore();
  const target = Math.round(gib * 2 ** 30);
  console.log(`  recovery: filling ${gib} GiB of CommitLog from a child process...`);
  const t0 = process.hrtime.bigint();
  let last = '';
  const fill = await runChild(['--crash-writer', root, String(target)], (line, child) => {
    if (line.startsWith('ack ')) last = line.slice(4);
    // Keep it writing a little past the target, then kill -9 in the middle of its appends.
    else if (line === 'filled') setTimeout(() => child.kill('SIGKILL'), 300);
  });
  const fillSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  if (fill.signal !== 'SIGKILL' || !last) throw new Error(`recovery writer ended with ${fill.signal} before filling the store`);
  console.log(`  recovery: filled in ${fillSeconds.toFixed(1)} s (${fs.readdirSync(join(root, 'commitlog')).length} CommitLog files of 1 GiB), killed with SIGKILL; last ack ${last}`);
  const runs: Array<{ label: string; cold: boolean }> = [];
  if (process.getuid?.() === 0) runs.push({ label: 'cold cache', cold: true });
  runs.push({ label: 'warm cache', cold: false });
  for (const run of runs) {
    const dropped = run.cold && dropPageCache();
    if (run.cold && !dropped) continue;
    const out = await runChild(['--reopen', root, last]);
    const r = JSON.parse(out.lines.find((l) => l.startsWith('{')) ?? 'null') as
      | { seconds: number; verified: boolean; maxPhyOffset: number; recovery: { normal: boolean; replayedFrom?: number; dispatched: number } }
      | null;
    if (!r) throw new Error('reopen child printed no result');
    const replayed = r.recovery.replayedFrom !== undefined ? ((r.maxPhyOffset - r.recovery.replayedFrom) / 2 ** 20).toFixed(0) : '?';
    const note =
      `${run.label}${dropped ? ' (OS page cache dropped)' : ''}; abnormal recovery: ${!r.recovery.normal}; ` +
      `${replayed} MiB replayed (${r.recovery.dispatched} records) from ${r.recovery.replayedFrom}; last acknowledged message read back: ${r.verified}`;
    rows.push({ scenario: `reopen after kill -9, ${gib} GiB CommitLog, ${run.label}`, messages: r.recovery.dispatched, seconds: +r.seconds.toFixed(3), msgsPerSec: 0, mbPerSec: 0, note });
    console.log(`  reopen after kill -9 (${gib} GiB, ${run.label}): ${r.seconds.toFixed(3)} s; ${note}`);
    if (!r.verified) throw new Error(`the last acknowledged message (${last}) did not read back after recovery`);
  }
  fs.rmSync(root, { recursive: true, force: true });
}

async function main(): Promise<void> {
  console.log(`store benchmark, 1 KB bodies, scale ${SCALE}, dir ${BASE}`);
  if (enabled('disk')) measureDisk();
  if (enabled('single')) await asyncSingle();
  if (enabled('batches')) {
    const root = await asyncBatches();
    await readOld(root);
  }
  if (enabled('sync')) await syncConcurrent();
  if (enabled('recovery')) await crashRecovery();
  console.log('\n| scenario | messages | s | msgs/s | MB/s | p50 µs | p99 µs | note |');
  console.log('|---|---|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.scenario} | ${r.messages} | ${r.seconds} | ${r.msgsPerSec} | ${r.mbPerSec} | ${r.p50us ?? ''} | ${r.p99us ?? ''} | ${r.note ?? ''} |`);
  if (disk.seqWriteFdatasyncMBps !== undefined) {
    console.log(`| disk: sequential write, fdatasync per MiB | | | | ${disk.seqWriteFdatasyncMBps} | | | one sync per run: ${disk.seqWriteOneSyncMBps} MB/s |`);
    console.log(`| disk: fdatasync of 1 KB | | | | | ${disk.fdatasyncP50us} | ${disk.fdatasyncP99us} | |`);
  }
  const outDir = new URL('../../bench/results/', import.meta.url);
  fs.mkdirSync(outDir, { recursive: true });
  const file = new URL(`store-${new Date().toISOString().replace(/[:.]/g, '-')}.json`, outDir);
  fs.writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, scale: SCALE, disk, rows }, null, 2));
  console.log(`\nwrote ${file.pathname}`);
}

if (process.argv[2] === '--crash-writer') await crashWriter(process.argv[3]!, Number(process.argv[4]));
else if (process.argv[2] === '--reopen') reopenChild(process.argv[3]!, process.argv[4]!);
else await main();
