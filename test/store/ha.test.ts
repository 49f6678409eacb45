/**
 * Real master→slave HA bytes (fixtures/rocketmq-4.3.2/wire/ha*.jsonl) appended through the raw-range
 * API into an empty store: the slave side rebuilds consume queues and the index, and a master-side
 * read of the same ranges returns the same bytes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { readLong } from '../../src/codec/big-endian.js';
import { decodeRecord } from '../../src/codec/message-record.js';
import { getProperty } from '../../src/codec/message-properties.js';
import { MessageStore } from '../../src/store/index.js';
import { fixture, makeTempDir } from './helpers.js';

interface HaFrame {
  offset: number;
  data: Buffer;
}

/** Reassembles the master→slave stream of a recorded HA connection into frames (12-byte header + data). */
function haFrames(file: string): HaFrame[] {
  const chunks: Buffer[] = [];
  for (const line of fs.readFileSync(fixture('rocketmq-4.3.2', 'wire', file), 'utf8').split('\n')) {
    if (!line) continue;
    const o = JSON.parse(line) as { dir?: string; hex?: string };
    if (o.dir === 's2c' && o.hex) chunks.push(Buffer.from(o.hex, 'hex'));
  }
  const stream = Buffer.concat(chunks);
  const frames: HaFrame[] = [];
  let pos = 0;
  while (pos + 12 <= stream.length) {
    const offset = readLong(stream, pos);
    const n = stream.readInt32BE(pos + 8);
    if (pos + 12 + n > stream.length) break;
    frames.push({ offset, data: stream.subarray(pos + 12, pos + 12 + n) });
    pos += 12 + n;
  }
  return frames;
}

for (const [file, expectedBytes, expectedTopic] of [['ha.jsonl', 4467, 'WireTopic'], ['ha-bulk.jsonl', 74880, 'HaTopic']] as const) {
  test(`HA bytes of ${file} appended at their offsets rebuild a readable slave store`, async () => {
    const frames = haFrames(file);
    const root = join(makeTempDir(), 'slave');
    // The recorded master used 4.3.2 defaults (1 GiB CommitLog segments); files are sparse.
    const store = MessageStore.open({ storePathRootDir: root, brokerRole: 'SLAVE', maxHashSlotNum: 10007, maxIndexNum: 40000 }, { log: () => {} });
    try {
      for (const f of frames) {
        // Slave rule: a frame must start at the slave's max offset (heartbeats have no data).
        assert.ok(store.appendToCommitLog(f.offset, f.data), `frame at ${f.offset}`);
        assert.equal(store.maxPhyOffset(), f.offset + f.data.length);
      }
      assert.equal(store.maxPhyOffset(), expectedBytes);
      assert.equal(store.appendToCommitLog(expectedBytes + 1, Buffer.from([1])), false, 'a gap is refused');
      assert.equal(store.dispatchBehindBytes(), 0);

      // Byte-identical CommitLog content.
      const all = Buffer.concat(frames.map((f) => f.data));
      const onDisk = fs.readFileSync(join(root, 'commitlog', '00000000000000000000')).subarray(0, expectedBytes);
      assert.ok(onDisk.equals(all));
      const viaApi = Buffer.concat(frames.filter((f) => f.data.length > 0).map((f) => store.getCommitLogData(f.offset, f.data.length)!));
      assert.ok(viaApi.equals(all));

      // Every record is valid and reachable through its consume queue and the index.
      let pos = 0;
      let count = 0;
      const perQueue = new Map<string, number>();
      while (pos < all.length) {
        const m = decodeRecord(all, pos);
        assert.equal(m.physicalOffset, pos);
        const r = store.getMessage(m.topic, m.queueId, m.queueOffset, 1);
        assert.equal(r.status, 'FOUND');
        assert.ok(r.messages[0]!.equals(all.subarray(pos, pos + m.totalSize)));
        const key = `${m.topic}/${m.queueId}`;
        perQueue.set(key, Math.max(perQueue.get(key) ?? 0, m.queueOffset + 1));
        const uniq = getProperty(m.properties, 'UNIQ_KEY');
        if (uniq) {
          const q = store.queryMessageByUniqueKey(m.topic, uniq);
          assert.ok(q.messages.some((b) => readLong(b, 28) === pos), `unique key ${uniq}`);
        }
        pos += m.totalSize;
        count++;
      }
      assert.ok(count > 0);
      assert.ok(perQueue.size > 0);
      assert.ok([...perQueue.keys()].some((k) => k.startsWith(expectedTopic + '/')));
      for (const [key, max] of perQueue) {
        const [topic, q] = key.split('/') as [string, string];
        assert.equal(store.getMaxOffsetInQueue(topic, Number(q)), max, key);
      }
      await store.close();

      // Reopening the slave store recovers the same state.
      const again = MessageStore.open({ storePathRootDir: root, brokerRole: 'SLAVE', maxHashSlotNum: 10007, maxIndexNum: 40000 }, { log: () => {} });
      try {
        assert.equal(again.maxPhyOffset(), expectedBytes);
        for (const [key, max] of perQueue) {
          const [topic, q] = key.split('/') as [string, string];
          assert.equal(again.getMaxOffsetInQueue(topic, Number(q)), max, key);
        }
      } finally {
        await again.close();
      }
    } finally {
      await store.close();
      fs.rmSync(join(root, '..'), { recursive: true, force: true });
    }
  });
}

test('HA frames split mid-record: the partial record is dispatched once the rest arrives', async () => {
  const frames = haFrames('ha-bulk.jsonl');
  const all = Buffer.concat(frames.map((f) => f.data));
  const root = join(makeTempDir(), 'slave');
  const store = MessageStore.open({ storePathRootDir: root, brokerRole: 'SLAVE', maxHashSlotNum: 10007, maxIndexNum: 40000 }, { log: () => {} });
  try {
    // Re-chunk into odd-sized pieces that cut records anywhere.
    let pos = 0;
    let step = 1;
    while (pos < all.length) {
      const n = Math.min(all.length - pos, 97 * step++);
      assert.ok(store.appendToCommitLog(pos, all.subarray(pos, pos + n)));
      pos += n;
      const behind = store.dispatchBehindBytes();
      assert.ok(behind < 1170, `at most one record waits (${behind})`);
    }
    assert.equal(store.dispatchBehindBytes(), 0);
    assert.equal(store.getMaxOffsetInQueue('HaTopic', 0) + store.getMaxOffsetInQueue('HaTopic', 1) + store.getMaxOffsetInQueue('HaTopic', 2) + store.getMaxOffsetInQueue('HaTopic', 3), 64);
  } finally {
    await store.close();
    fs.rmSync(join(root, '..'), { recursive: true, force: true });
  }
});
