/** A store written by Apogee: exact bytes and layout, segment roll-over, batches, flush modes, locks, disk full, retention, offsets by time. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import fsDefault from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { readLong } from '../../src/codec/big-endian.js';
import { decodeRecord, encodeRecord, BLANK_MAGIC } from '../../src/codec/message-record.js';
import { getProperty } from '../../src/codec/message-properties.js';
import { MessageStore, PutRefusedError, StoreLockedError, indexKeyHash, type MessageInput } from '../../src/store/index.js';
import { makeTempDir } from './helpers.js';

const BORN = { ip: '127.0.0.1', port: 60368 };

function msg(i: number, over: Partial<MessageInput> = {}): MessageInput {
  return {
    topic: 'TopicTest',
    queueId: i % 2,
    body: Buffer.from(`body-${i}-` + 'x'.repeat(i % 50)),
    properties: `KEYS\u0001K-${i}\u0002UNIQ_KEY\u0001U${String(i).padStart(31, '0')}\u0002TAGS\u0001Tag${i % 3}\u0002`,
    bornTimestamp: 1795628000000 + i,
    bornHost: BORN,
    ...over,
  };
}

function tempRoot(): string {
  return join(makeTempDir(), 'store');
}

function cleanup(root: string): void {
  fs.rmSync(join(root, '..'), { recursive: true, force: true });
}

test('a record written by Apogee has the exact §2.10 bytes; CQ, index, checkpoint, abort and lock follow the layout', async () => {
  const root = tempRoot();
  const now = 0x1a213bd0ce6;
  const store = MessageStore.open(
    { storePathRootDir: root, mapedFileSizeCommitLog: 64 * 1024, mapedFileSizeConsumeQueue: 20 * 10, maxHashSlotNum: 100, maxIndexNum: 400, brokerIP1: '127.0.0.2', listenPort: 10911 },
    { now: () => now },
  );
  try {
    assert.ok(fs.existsSync(join(root, 'abort')), 'abort exists while running');
    assert.equal(fs.readFileSync(join(root, 'lock'), 'utf8'), 'lock');
    const r = await store.put({
      topic: 'TopicTest',
      queueId: 2,
      body: Buffer.from('Hello'),
      properties: 'TAGS\u0001TagA\u0002WAIT\u0001true\u0002',
      bornTimestamp: 0x1a213bd0ccb,
      bornHost: BORN,
    });
    assert.equal(r.status, 'PUT_OK');
    assert.equal(r.physicalOffset, 0);
    assert.equal(r.queueOffset, 0);
    assert.equal(r.wroteBytes, 125);
    assert.equal(r.msgId, '7F00000200002A9F0000000000000000');
    // Second message, with keys, to check the index entries.
    await store.put({ ...msg(7), queueId: 2, bornTimestamp: 0x1a213bd0ccc });
  } finally {
    await store.close();
  }
  assert.ok(!fs.existsSync(join(root, 'abort')), 'abort removed on clean shutdown');
  const expectedHex =
    '0000007d' + 'daa320a7' + '77d18982' + '00000002' + '00000000' +
    '0000000000000000' + '0000000000000000' + '00000000' +
    '000001a213bd0ccb' + '7f000001' + '0000ebd0' +
    '000001a213bd0ce6' + '7f000002' + '00002a9f' +
    '00000000' + '0000000000000000' +
    '00000005' + '48656c6c6f' + '09' + '546f70696354657374' +
    '0014' + '54414753' + '01' + '54616741' + '02' + '57414954' + '01' + '74727565' + '02';
  const log = fs.readFileSync(join(root, 'commitlog', '00000000000000000000'));
  assert.equal(log.length, 64 * 1024, 'segments are created at full size');
  assert.equal(log.subarray(0, 125).toString('hex'), expectedHex);
  const second = decodeRecord(log, 125);
  assert.equal(second.physicalOffset, 125);
  assert.equal(second.queueOffset, 1);
  assert.ok(log.subarray(125 + second.totalSize).every((b) => b === 0), 'zeros after the last record');
  // ConsumeQueue: (offset, size, tagsCode) entries; 10-entry files of 200 bytes.
  const cq = fs.readFileSync(join(root, 'consumequeue', 'TopicTest', '2', '00000000000000000000'));
  assert.equal(cq.length, 200);
  assert.equal(cq.subarray(0, 20).toString('hex'), '0000000000000000' + '0000007d' + '000000000027a807');
  assert.equal(readLong(cq, 20), 125);
  assert.equal(cq.readInt32BE(28), second.totalSize);
  // Index: 17-digit local-time name, header, UNIQ_KEY then KEYS entries chained from their slots.
  const [indexName] = fs.readdirSync(join(root, 'index'));
  assert.match(indexName!, /^\d{17}$/);
  const idx = fs.readFileSync(join(root, 'index', indexName!));
  assert.equal(idx.length, 40 + 100 * 4 + 400 * 20);
  assert.equal(readLong(idx, 0), 0x1a213bd0ce6, 'beginTimestamp');
  assert.equal(readLong(idx, 16), 125, 'beginPhyOffset');
  assert.equal(readLong(idx, 24), 125, 'endPhyOffset');
  assert.equal(idx.readInt32BE(32), 2, 'hashSlotCount');
  assert.equal(idx.readInt32BE(36), 3, 'indexCount');
  const uniqKey = `TopicTest#${getProperty(second.properties, 'UNIQ_KEY')}`;
  const h = indexKeyHash(uniqKey);
  assert.equal(idx.readInt32BE(40 + (h % 100) * 4), 1, 'slot points at entry 1');
  const e1 = 40 + 400 + 20;
  assert.equal(idx.readInt32BE(e1), h);
  assert.equal(readLong(idx, e1 + 4), 125);
  assert.equal(idx.readInt32BE(e1 + 12), 0);
  assert.equal(idx.readInt32BE(e1 + 16), 0);
  assert.equal(idx.readInt32BE(e1 + 20), indexKeyHash('TopicTest#K-7'));
  // Checkpoint: 4096 bytes, three longs.
  const cp = fs.readFileSync(join(root, 'checkpoint'));
  assert.equal(cp.length, 4096);
  assert.equal(readLong(cp, 0), 0x1a213bd0ce6);
  assert.equal(readLong(cp, 8), 0x1a213bd0ce6);
  assert.ok(cp.subarray(24).every((b) => b === 0));
  assert.ok(!fs.existsSync(join(root, 'apogee.lock')));
  cleanup(root);
});

test('segment roll-over: blank end-of-file record, 20-digit names, records never straddle', async () => {
  const root = tempRoot();
  const size = 4096;
  const store = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: size, mapedFileSizeConsumeQueue: 20 * 8 });
  const written: { offset: number; bytes: Buffer }[] = [];
  try {
    for (let i = 0; i < 120; i++) {
      const r = await store.put(msg(i));
      written.push({ offset: r.physicalOffset, bytes: Buffer.from(store.getRecord(r.physicalOffset)!) });
      assert.equal(Math.floor(r.physicalOffset / size), Math.floor((r.physicalOffset + r.wroteBytes - 1) / size));
    }
  } finally {
    await store.close();
  }
  const names = fs.readdirSync(join(root, 'commitlog')).sort();
  assert.ok(names.length > 3);
  names.forEach((n, i) => assert.equal(n, String(i * size).padStart(20, '0')));
  for (const n of names.slice(0, -1)) {
    const data = fs.readFileSync(join(root, 'commitlog', n));
    // Walk to the blank record; it reaches exactly the file end.
    let pos = 0;
    while (data.readInt32BE(pos + 4) !== BLANK_MAGIC) pos += data.readInt32BE(pos);
    assert.equal(data.readInt32BE(pos), size - pos);
    assert.ok(size - pos >= 8);
  }
  // No preallocated, never-used segment is left after a clean shutdown.
  const last = fs.readFileSync(join(root, 'commitlog', names[names.length - 1]!));
  assert.notEqual(last.readInt32BE(0), 0);
  const again = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: size, mapedFileSizeConsumeQueue: 20 * 8 });
  try {
    for (const w of written) assert.ok(again.getRecord(w.offset)!.equals(w.bytes));
    assert.equal(again.getMaxOffsetInQueue('TopicTest', 0), 60);
    const r = again.getMessage('TopicTest', 1, 50, 32);
    assert.equal(r.status, 'FOUND');
    assert.equal(r.messages.length, 10);
    assert.deepEqual(r.queueOffsets, [50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
    assert.equal(r.nextBeginOffset, 60);
    assert.equal(again.getMessage('TopicTest', 1, 60, 32).status, 'OFFSET_OVERFLOW_ONE');
    assert.equal(again.getMessage('TopicTest', 1, 99, 32).status, 'OFFSET_OVERFLOW_BADLY');
    assert.equal(again.getMessage('Nope', 0, 0, 32).status, 'NO_MATCHED_LOGIC_QUEUE');
    // Tag filter on the consume-queue tags code.
    const tag0 = again.getMessage('TopicTest', 0, 0, 32, (code) => code === 'Tag0'.split('').reduce((h, c) => (Math.imul(31, h) + c.charCodeAt(0)) | 0, 0));
    assert.ok(tag0.messages.length > 0);
    for (const b of tag0.messages) assert.equal(getProperty(decodeRecord(b).properties, 'TAGS'), 'Tag0');
    // Query by key and unique key.
    const q = again.queryMessage('TopicTest', 'K-77', 10, 0, Number.MAX_SAFE_INTEGER);
    assert.equal(q.messages.length, 1);
    assert.equal(decodeRecord(q.messages[0]!).bornTimestamp, 1795628000077);
  } finally {
    await again.close();
  }
  cleanup(root);
});

test('a batch is stored with one write, consecutive offsets, one segment', async () => {
  const root = tempRoot();
  const store = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 8192 });
  let writes = 0;
  const realWrite = fsDefault.writeSync;
  try {
    await store.put(msg(0, { queueId: 3 }));
    fsDefault.writeSync = ((...args: Parameters<typeof realWrite>) => {
      writes++;
      return realWrite(...args);
    }) as typeof realWrite;
    syncBuiltinESMExports();
    const r = await store.putBatch([0, 1, 2, 3, 4].map((i) => msg(i + 1, { queueId: 3 })));
    fsDefault.writeSync = realWrite;
    syncBuiltinESMExports();
    assert.equal(writes, 1);
    assert.equal(r.records.length, 5);
    assert.deepEqual(r.records.map((x) => x.queueOffset), [1, 2, 3, 4, 5]);
    assert.equal(r.msgId.split(',').length, 5);
    for (let i = 1; i < 5; i++) assert.equal(r.records[i]!.physicalOffset, r.records[i - 1]!.physicalOffset + r.records[i - 1]!.size);
    // A batch that does not fit the rest of the segment moves whole to the next one.
    const big = await store.putBatch([0, 1, 2, 3].map((i) => msg(i, { queueId: 3, body: Buffer.alloc(1800, 1) })));
    assert.equal(big.physicalOffset % 8192, 0);
  } finally {
    fsDefault.writeSync = realWrite;
    syncBuiltinESMExports();
    await store.close();
  }
  cleanup(root);
});

test('refusals: oversized message, long topic, properties too long, slave role', async () => {
  const root = tempRoot();
  const store = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 64 * 1024, maxMessageSize: 2048 });
  try {
    await assert.rejects(store.put(msg(1, { body: Buffer.alloc(4000) })), (e: unknown) => e instanceof PutRefusedError && e.status === 'MESSAGE_ILLEGAL');
    await assert.rejects(store.put(msg(1, { topic: 'T'.repeat(128) })), (e: unknown) => e instanceof PutRefusedError && e.status === 'MESSAGE_ILLEGAL');
    await assert.rejects(store.put(msg(1, { properties: 'a\u0001' + 'b'.repeat(40000) + '\u0002' })), (e: unknown) => e instanceof PutRefusedError && e.status === 'PROPERTIES_SIZE_EXCEEDED');
    assert.equal(store.maxPhyOffset(), 0);
    assert.equal((await store.put(msg(1))).queueOffset, 0, 'refusals consumed no queue offset');
  } finally {
    await store.close();
  }
  const slave = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 64 * 1024, brokerRole: 'SLAVE' });
  try {
    await assert.rejects(slave.put(msg(2)), (e: unknown) => e instanceof PutRefusedError && e.status === 'SERVICE_NOT_AVAILABLE');
  } finally {
    await slave.close();
  }
  cleanup(root);
});

test('store directory lock: a second open fails while the first is open; a dead owner is taken over', async () => {
  const root = tempRoot();
  const store = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 64 * 1024 });
  assert.throws(() => MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 64 * 1024 }), StoreLockedError);
  await store.close();
  // A lock left by a process that no longer exists.
  fs.writeFileSync(join(root, 'apogee.lock'), '2147483646\n');
  const again = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 64 * 1024 });
  await again.close();
  cleanup(root);
});

test('SYNC_FLUSH group commit: 64 concurrent puts share few fdatasyncs; a slow disk gives FLUSH_DISK_TIMEOUT but the message is stored', async () => {
  const root = tempRoot();
  const store = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 1 << 20, flushDiskType: 'SYNC_FLUSH', syncFlushTimeout: 5000 });
  const queue = store.commitLog.queue;
  const realFlush = queue.flush.bind(queue);
  let flushes = 0;
  queue.flush = async () => {
    flushes++;
    await realFlush();
  };
  try {
    const results = await Promise.all(Array.from({ length: 64 }, (_, i) => store.put(msg(i))));
    assert.ok(results.every((r) => r.status === 'PUT_OK'));
    assert.ok(flushes <= 3, `64 puts took ${flushes} fdatasyncs`);
    assert.ok(store.commitLog.flushedOffset() >= results[63]!.physicalOffset + results[63]!.wroteBytes);
    // WAIT=false does not wait for the flush.
    const noWait = await store.put(msg(100, { properties: 'WAIT\u0001false\u0002' }));
    assert.equal(noWait.status, 'PUT_OK');
    // A disk that takes longer than syncFlushTimeout.
    store.config.syncFlushTimeout = 100;
    queue.flush = async () => {
      await new Promise((r) => setTimeout(r, 300));
      await realFlush();
    };
    const slow = await store.put(msg(200));
    assert.equal(slow.status, 'FLUSH_DISK_TIMEOUT');
    assert.ok(store.getRecord(slow.physicalOffset), 'stored despite the timeout');
    assert.equal(store.getMessage('TopicTest', 0, slow.queueOffset, 1).status, 'FOUND');
  } finally {
    queue.flush = realFlush;
    await store.close();
  }
  cleanup(root);
});

test('ASYNC_FLUSH: puts resolve at once and the interval flush makes them durable', async () => {
  const root = tempRoot();
  const store = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 1 << 20, flushDiskType: 'ASYNC_FLUSH', flushIntervalCommitLog: 20, flushCommitLogLeastPages: 0 });
  try {
    let last;
    for (let i = 0; i < 50; i++) last = await store.put(msg(i));
    const end = last!.physicalOffset + last!.wroteBytes;
    for (let i = 0; i < 100 && store.commitLog.flushedOffset() < end; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(store.commitLog.flushedOffset() >= end);
    assert.ok(store.checkpoint.physicMsgTimestamp > 0);
  } finally {
    await store.close();
  }
  cleanup(root);
});

test('disk full: puts are refused with a clear error, stored data is untouched, puts resume when space returns', async () => {
  const root = tempRoot();
  let usage = 0.5;
  const store = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 64 * 1024 }, { diskUsage: () => usage, log: () => {} });
  const realWrite = fsDefault.writeSync;
  try {
    const before = await Promise.all([0, 1, 2, 3].map((i) => store.put(msg(i))));
    // The kernel says ENOSPC on the next write.
    fsDefault.writeSync = (() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    }) as typeof realWrite;
    syncBuiltinESMExports();
    await assert.rejects(store.put(msg(4)), (e: unknown) => e instanceof PutRefusedError && e.status === 'SERVICE_NOT_AVAILABLE');
    fsDefault.writeSync = realWrite;
    syncBuiltinESMExports();
    assert.ok(store.isDiskFull());
    await assert.rejects(store.put(msg(4)), /disk full/);
    // Usage above diskSpaceWarningLevelRatio keeps refusing.
    usage = 0.95;
    store.cleanFiles();
    await assert.rejects(store.put(msg(4)), /disk full/);
    for (const r of before) assert.ok(store.getRecord(r.physicalOffset));
    usage = 0.5;
    store.cleanFiles();
    const after = await store.put(msg(4));
    assert.equal(after.queueOffset, 2, 'queue offsets continue without a gap');
    assert.equal(after.physicalOffset, before[3]!.physicalOffset + before[3]!.wroteBytes);
  } finally {
    fsDefault.writeSync = realWrite;
    syncBuiltinESMExports();
    await store.close();
  }
  const again = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 64 * 1024 });
  try {
    assert.equal(again.getMaxOffsetInQueue('TopicTest', 0), 3);
    assert.equal(again.getMaxOffsetInQueue('TopicTest', 1), 2);
  } finally {
    await again.close();
  }
  cleanup(root);
});

test('retention: expired segments are deleted at deleteWhen (never the newest), queues and index follow', async () => {
  const root = tempRoot();
  let now = new Date(2026, 10, 25, 4, 30).getTime();
  const config = { storePathRootDir: root, mapedFileSizeCommitLog: 4096, mapedFileSizeConsumeQueue: 20 * 10, maxHashSlotNum: 50, maxIndexNum: 60, fileReservedTime: 48, deleteWhen: '04;05' };
  const store = MessageStore.open(config, { now: () => now, diskUsage: () => 0.3, log: () => {} });
  try {
    for (let i = 0; i < 200; i++) await store.put(msg(i, { queueId: 0 }));
    const files = store.commitLog.queue.files.slice();
    assert.ok(files.length >= 6);
    // Nothing has expired yet.
    assert.deepEqual(store.cleanFiles(), { commitLog: 0, consumeQueue: 0, index: 0 });
    // Age the first three segments past fileReservedTime.
    const old = (now - 49 * 3600 * 1000) / 1000;
    for (const f of files.slice(0, 3)) fs.utimesSync(f.path, old, old);
    // Outside deleteWhen hours nothing happens.
    now = new Date(2026, 10, 25, 12, 0).getTime();
    assert.equal(store.cleanFiles().commitLog, 0);
    now = new Date(2026, 10, 25, 5, 10).getTime();
    const d = store.cleanFiles();
    assert.equal(d.commitLog, 3);
    assert.equal(store.minPhyOffset(), 3 * 4096);
    assert.ok(d.consumeQueue >= 1, 'consume-queue files below the min offset are gone');
    assert.ok(d.index >= 1, 'index files below the min offset are gone');
    const min = store.getMinOffsetInQueue('TopicTest', 0);
    assert.ok(min > 0);
    const first = store.getMessage('TopicTest', 0, min, 1);
    assert.equal(first.status, 'FOUND');
    assert.ok(readLong(first.messages[0]!, 28) >= 3 * 4096);
    assert.equal(store.getMessage('TopicTest', 0, 0, 1).status, 'OFFSET_TOO_SMALL');
    assert.equal(store.getMessage('TopicTest', 0, 0, 1).nextBeginOffset, min);
    // Disk pressure above diskSpaceCleanForciblyRatio deletes regardless of age (but never the newest).
    const forced = MessageStore.prototype.cleanFiles;
    assert.ok(forced);
  } finally {
    await store.close();
  }
  let usage = 0.88;
  const pressured = MessageStore.open(config, { now: () => new Date(2026, 10, 25, 12, 0).getTime(), diskUsage: () => usage, log: () => {} });
  try {
    let total = 0;
    for (let i = 0; i < 5; i++) total += pressured.cleanFiles().commitLog;
    assert.ok(total > 0);
    assert.equal(pressured.commitLog.queue.files.length, 1, 'only the newest segment remains');
    usage = 0.3;
  } finally {
    await pressured.close();
  }
  cleanup(root);
});

test('offsets by time follow store timestamps', async () => {
  const root = tempRoot();
  let now = 1_800_000_000_000;
  const store = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 4096, mapedFileSizeConsumeQueue: 20 * 7 }, { now: () => now });
  try {
    for (let i = 0; i < 40; i++) {
      now = 1_800_000_000_000 + i * 1000;
      await store.put(msg(i, { queueId: 0 }));
    }
    assert.equal(store.getOffsetInQueueByTime('TopicTest', 0, 0), 0);
    assert.equal(store.getOffsetInQueueByTime('TopicTest', 0, 1_800_000_000_000 + 10_000), 10);
    assert.equal(store.getOffsetInQueueByTime('TopicTest', 0, 1_800_000_000_000 + 10_500), 11);
    assert.equal(store.getOffsetInQueueByTime('TopicTest', 0, 1_900_000_000_000), 40);
    assert.equal(store.getMessageStoreTimeStamp('TopicTest', 0, 5), 1_800_000_005_000);
    assert.equal(store.getEarliestMessageTime(), 1_800_000_000_000);
    assert.equal(store.getEarliestMessageTimeInQueue('TopicTest', 0), 1_800_000_000_000);
    const q = store.queryMessage('TopicTest', 'K-20', 10, 1_800_000_019_000, 1_800_000_021_000);
    assert.equal(q.messages.length, 1);
    assert.equal(store.queryMessage('TopicTest', 'K-20', 10, 1_800_000_030_000, 1_800_000_040_000).messages.length, 0);
  } finally {
    await store.close();
  }
  cleanup(root);
});

test('records encoded by the codec and by the store agree', async () => {
  const root = tempRoot();
  const store = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 1 << 16, brokerIP1: '10.1.2.3', listenPort: 10911 }, { now: () => 1234567 });
  try {
    const m = msg(5, { flag: 7, reconsumeTimes: 2, sysFlag: 1 });
    const r = await store.put(m);
    const expected = encodeRecord({
      queueId: m.queueId, flag: 7, queueOffset: 0, physicalOffset: 0, sysFlag: 1, bornTimestamp: m.bornTimestamp, bornHost: BORN,
      storeTimestamp: 1234567, storeHost: { ip: '10.1.2.3', port: 10911 }, reconsumeTimes: 2, preparedTransactionOffset: 0,
      body: m.body, topic: m.topic, properties: m.properties,
    });
    assert.ok(store.getRecord(r.physicalOffset)!.equals(expected));
  } finally {
    await store.close();
  }
  cleanup(root);
});

test('consume-queue tags codes: TAGS hash, 0 without tags, delivery time in SCHEDULE_TOPIC_XXXX', async () => {
  const root = tempRoot();
  const now = 1_800_000_000_000;
  const store = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 1 << 16 }, { now: () => now });
  const codes: number[] = [];
  const grab = (topic: string, q: number, off: number) => {
    store.getMessage(topic, q, off, 1, (code) => (codes.push(code), true));
  };
  try {
    await store.put(msg(1, { topic: 'T', queueId: 0, properties: 'TAGS\u0001TagA\u0002DELAY\u00013\u0002' }));
    await store.put(msg(2, { topic: 'T', queueId: 0, properties: 'KEYS\u0001a b\u0002' }));
    await store.put(msg(3, { topic: 'SCHEDULE_TOPIC_XXXX', queueId: 2, properties: 'TAGS\u0001TagA\u0002DELAY\u00013\u0002REAL_TOPIC\u0001T\u0002' }));
    await store.put(msg(4, { topic: 'SCHEDULE_TOPIC_XXXX', queueId: 17, properties: 'DELAY\u000199\u0002' }));
    grab('T', 0, 0);
    grab('T', 0, 1);
    grab('SCHEDULE_TOPIC_XXXX', 2, 0);
    grab('SCHEDULE_TOPIC_XXXX', 17, 0);
    assert.deepEqual(codes, [2598919, 0, now + 10_000, now + 7_200_000]);
    // Both KEYS elements are indexed.
    assert.equal(store.queryMessage('T', 'b', 4, 0, Number.MAX_SAFE_INTEGER).messages.length, 1);
  } finally {
    await store.close();
  }
  cleanup(root);
});

test('deleteTopic drops its consume queues; other topics and the CommitLog stay', async () => {
  const root = tempRoot();
  const store = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 1 << 16 });
  try {
    await store.put(msg(1, { topic: 'Gone' }));
    const kept = await store.put(msg(2, { topic: 'Kept' }));
    assert.equal(store.deleteTopic('Gone'), true);
    assert.equal(store.deleteTopic('Gone'), false);
    assert.ok(!fs.existsSync(join(root, 'consumequeue', 'Gone')));
    assert.equal(store.getMessage('Gone', 1, 0, 1).status, 'NO_MATCHED_LOGIC_QUEUE');
    assert.equal(store.getMessage('Kept', 0, 0, 1).status, 'FOUND');
    assert.ok(store.getRecord(kept.physicalOffset));
    assert.equal(store.runtimeInfo().commitLogMaxOffset, String(store.maxPhyOffset()));
    // A new message to the deleted topic starts its queue again at 0.
    assert.equal((await store.put(msg(3, { topic: 'Gone' }))).queueOffset, 0);
  } finally {
    await store.close();
  }
  cleanup(root);
});

test('a store closed right after a segment roll creates no segment afterwards (its directory may be gone)', async () => {
  const root = tempRoot();
  const store = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 1 << 16 });
  // Fill past the first segment: the roll schedules the next segment's creation for later.
  for (let i = 0; i < 200; i++) await store.put(msg(i, { body: Buffer.alloc(600, i) }));
  assert.ok(store.maxPhyOffset() > 1 << 16);
  await store.close();
  cleanup(root);
  await new Promise((resolve) => setImmediate(resolve));
  await new Promise((resolve) => setTimeout(resolve, 10));
  assert.ok(!fs.existsSync(root), 'nothing recreated the store directory');
});
