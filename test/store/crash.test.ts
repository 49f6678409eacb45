/**
 * kill -9 durability: a child appends with SYNC_FLUSH and prints an ack per fdatasync-covered put;
 * it is SIGKILLed at a random moment, the store is reopened (abnormal recovery), and every
 * acknowledged message must be present and intact, at its acknowledged offsets. Repeated on the
 * same directory, so later trials recover stores that already went through crashes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeRecord } from '../../src/codec/message-record.js';
import { getProperty } from '../../src/codec/message-properties.js';
import { MessageStore } from '../../src/store/index.js';
import { crashMessage, CRASH_STORE_CONFIG } from './crash-messages.js';
import { makeTempDir } from './helpers.js';

const WRITER = fileURLToPath(new URL('./crash-writer.js', import.meta.url));
const TRIALS = 24;

interface Ack {
  id: number;
  phy: number;
  queueId: number;
  queueOffset: number;
}

function runAndKill(dir: string, firstId: number, killAfterMs: number): Promise<Ack[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, dir, String(firstId)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      out += d;
      if (!timer && out.startsWith('ready\n')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (d) => (err += String(d)));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (signal !== 'SIGKILL') return reject(new Error(`writer exited ${code}/${signal}: ${err}`));
      const acks: Ack[] = [];
      for (const line of out.split('\n')) {
        const m = /^ack (\d+) (\d+) (\d+) (\d+)$/.exec(line);
        if (m) acks.push({ id: Number(m[1]), phy: Number(m[2]), queueId: Number(m[3]), queueOffset: Number(m[4]) });
      }
      resolve(acks);
    });
  });
}

test(`kill -9 during SYNC_FLUSH writes: every acknowledged message survives (${TRIALS} trials)`, { timeout: 90_000 }, async () => {
  const dir = join(makeTempDir('apogee-crash-'), 'store');
  const acked = new Map<number, Ack>();
  let firstId = 1;
  let totalAcks = 0;
  let rng = 12345;
  const random = () => ((rng = (rng * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  try {
    for (let trial = 0; trial < TRIALS; trial++) {
      const acks = await runAndKill(dir, firstId, 20 + Math.floor(random() * 250));
      for (const a of acks) acked.set(a.id, a);
      totalAcks += acks.length;
      firstId += 100_000;

      const store = MessageStore.open({ storePathRootDir: dir, ...CRASH_STORE_CONFIG }, { log: () => {} });
      try {
        assert.equal(store.recovery.normal, false, 'a killed writer leaves abort behind');
        for (const a of acked.values()) {
          const raw = store.getRecord(a.phy);
          assert.ok(raw, `trial ${trial}: acknowledged message ${a.id} at ${a.phy} is missing`);
          const m = decodeRecord(raw);
          const want = crashMessage(a.id);
          assert.equal(getProperty(m.properties, 'id'), String(a.id));
          assert.ok(m.body.equals(want.body), `message ${a.id} body`);
          assert.equal(m.properties, want.properties);
          assert.equal(m.topic, want.topic);
          assert.equal(m.queueId, a.queueId);
          assert.equal(m.queueOffset, a.queueOffset);
          assert.equal(m.flag, want.flag);
          const viaQueue = store.getMessage(m.topic, a.queueId, a.queueOffset, 1);
          assert.equal(viaQueue.status, 'FOUND', `message ${a.id} through its consume queue`);
          assert.ok(viaQueue.messages[0]!.equals(raw));
        }
        // Every queue is a gap-free sequence of intact records whose QUEUEOFFSET is their index
        // (checked every fourth trial and at the end, to keep the test short).
        for (const [topic, ids] of trial % 4 === 3 || trial === TRIALS - 1 ? store.topics() : new Map<string, number[]>()) {
          for (const q of ids) {
            const max = store.getMaxOffsetInQueue(topic, q);
            for (let off = 0; off < max; off += 32) {
              const r = store.getMessage(topic, q, off, 32);
              assert.equal(r.status, 'FOUND');
              r.messages.forEach((b, i) => {
                const m = decodeRecord(b);
                assert.equal(m.queueOffset, r.queueOffsets[i]);
                const id = Number(getProperty(m.properties, 'id'));
                assert.ok(crashMessage(id).body.equals(m.body), `record ${id} intact`);
              });
            }
          }
        }
        if (trial % 6 === 5) {
          const sample = [...acked.values()][Math.floor(random() * acked.size)];
          if (sample) {
            const q = store.queryMessage(crashMessage(sample.id).topic, `C-${sample.id}`, 4, 0, Number.MAX_SAFE_INTEGER);
            assert.equal(q.messages.length, 1, `index finds C-${sample.id}`);
          }
        }
      } finally {
        // Alternate clean and dirty hand-over to the next writer.
        if (trial % 2 === 0) await store.close();
        else {
          store.commitLog.queue.flushSync();
          (store as unknown as { lock: { release(): void } }).lock.release();
          store.commitLog.close();
        }
      }
    }
    assert.ok(totalAcks > TRIALS * 5, `writers acknowledged only ${totalAcks} messages`);
  } finally {
    fs.rmSync(join(dir, '..'), { recursive: true, force: true });
  }
});
