/**
 * Real stores written by Apache RocketMQ 4.3.2 and 3.5.8: every message of each manifest is read
 * back byte-for-byte by scanning the CommitLog, through the consume queues and through the index.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { readLong } from '../../src/codec/big-endian.js';
import { bodyCrc, javaHashCode } from '../../src/codec/hashes.js';
import { formatHostAddress } from '../../src/codec/host-address.js';
import { decodeRecord, BLANK_MAGIC, type StoredMessage } from '../../src/codec/message-record.js';
import { parseProperties } from '../../src/codec/message-properties.js';
import { offsetMsgIdOfRecord, encodeOffsetMsgId } from '../../src/codec/message-id.js';
import { MessageStore, parseDelayLevels, defaultStoreConfig } from '../../src/store/index.js';
import { copyFixtureStore, fixtureStoreConfig, readJson, removeTemp, type ManifestMessage } from './helpers.js';

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const DELAYS = parseDelayLevels(defaultStoreConfig('/x').messageDelayLevel);

function assertMatches(m: StoredMessage, raw: Buffer, e: ManifestMessage): void {
  const at = `${e.topic}/${e.queueId}@${e.queueOffset} (phy ${e.commitLogOffset})`;
  assert.equal(m.topic, e.topic, at);
  assert.equal(m.queueId, e.queueId, at);
  assert.equal(m.queueOffset, e.queueOffset, at);
  assert.equal(m.physicalOffset, e.commitLogOffset, at);
  assert.equal(m.totalSize, e.storeSize, at);
  assert.equal(offsetMsgIdOfRecord(raw), e.msgId, at);
  assert.equal(encodeOffsetMsgId(m.storeHost, m.physicalOffset), e.msgId, at);
  assert.deepEqual(Object.fromEntries(parseProperties(m.properties)), e.properties, at);
  assert.equal(m.bornTimestamp, e.bornTimestamp, at);
  assert.equal(m.storeTimestamp, e.storeTimestamp, at);
  assert.equal(formatHostAddress(m.bornHost), e.bornHost, at);
  assert.equal(formatHostAddress(m.storeHost), e.storeHost, at);
  assert.equal(m.sysFlag, e.sysFlag, at);
  assert.equal(m.reconsumeTimes, e.reconsumeTimes, at);
  assert.equal(m.flag, e.flag, at);
  assert.equal(m.bodyCrc, e.bodyCRC, at);
  assert.equal(bodyCrc(m.body), e.bodyCRC, at);
  assert.equal(m.preparedTransactionOffset, e.preparedTransactionOffset, at);
  assert.equal(m.body.length, e.bodyLength, at);
  assert.equal(sha256(m.body), e.bodySha256, at);
  if (e.bodyText !== undefined) assert.equal(m.body.toString('utf8'), e.bodyText, at);
  const u = e as ManifestMessage & { uncompressedBodySha256?: string };
  if (m.sysFlag & 1 && u.uncompressedBodySha256) assert.equal(sha256(inflateSync(m.body)), u.uncompressedBodySha256, at);
}

/** Walks the CommitLog record by record like the fixture's VIEW_MESSAGE_BY_ID walk. */
function scanAll(store: MessageStore, fileSize: number): { messages: [StoredMessage, Buffer][]; blanks: { offset: number; size: number }[] } {
  const messages: [StoredMessage, Buffer][] = [];
  const blanks: { offset: number; size: number }[] = [];
  let offset = store.minPhyOffset();
  const max = store.maxPhyOffset();
  while (offset < max) {
    const head = store.commitLog.read(offset, 8)!;
    const size = head.readInt32BE(0);
    if (head.readInt32BE(4) === BLANK_MAGIC) {
      blanks.push({ offset, size });
      offset = offset - (offset % fileSize) + fileSize;
      continue;
    }
    const raw = store.getRecord(offset)!;
    messages.push([decodeRecord(raw), raw]);
    offset += size;
  }
  return { messages, blanks };
}

function checkEveryWay(store: MessageStore, expected: ManifestMessage[]): void {
  const byOffset = new Map(expected.map((e) => [e.commitLogOffset, e]));
  // 1. Scanning the CommitLog.
  const { messages } = scanAll(store, 1048576);
  assert.equal(messages.length, expected.length);
  for (const [m, raw] of messages) {
    const e = byOffset.get(m.physicalOffset);
    assert.ok(e, `unexpected record at ${m.physicalOffset}`);
    assertMatches(m, raw, e);
  }
  // 2. Through the consume queues: each message at its queue offset, with the right tags code.
  for (const e of expected) {
    const r = store.getMessage(e.topic, e.queueId, e.queueOffset, 1);
    assert.equal(r.status, 'FOUND', `${e.topic}/${e.queueId}@${e.queueOffset}`);
    assert.equal(r.messages.length, 1);
    assert.equal(r.nextBeginOffset, e.queueOffset + 1);
    const raw = r.messages[0]!;
    assertMatches(decodeRecord(raw), raw, e);
    const entry = store.commitLog.read(e.commitLogOffset, e.storeSize)!;
    assert.ok(entry.equals(raw));
    const tagsCode = tagsCodeFromQueue(store, e);
    if (e.topic === 'SCHEDULE_TOPIC_XXXX') {
      assert.equal(tagsCode, e.storeTimestamp + DELAYS[Number(e.properties.DELAY) - 1]!);
    } else {
      assert.equal(tagsCode, e.tags ? javaHashCode(e.tags) : 0);
    }
  }
  // 3. Through the index: the unique key and every KEYS element find the record.
  for (const e of expected) {
    const keys = [e.properties.UNIQ_KEY, ...(e.properties.KEYS ?? '').split(' ')].filter((k): k is string => !!k);
    for (const key of keys) {
      const q = store.queryMessage(e.topic, key, 64, e.storeTimestamp - 1000, e.storeTimestamp + 1000);
      const found = q.messages.map((b) => readLong(b, 28));
      assert.ok(found.includes(e.commitLogOffset), `index lookup ${e.topic}#${key} misses ${e.commitLogOffset}`);
    }
  }
}

function tagsCodeFromQueue(store: MessageStore, e: ManifestMessage): number {
  const dir = join(store.config.storePathRootDir, 'consumequeue', e.topic, String(e.queueId));
  const fileSize = store.config.mapedFileSizeConsumeQueue;
  const logic = e.queueOffset * 20;
  const name = String(logic - (logic % fileSize)).padStart(20, '0');
  const data = fs.readFileSync(join(dir, name));
  const pos = logic % fileSize;
  // The file on disk may lag the in-memory entries until the flush pass; use the store's view.
  const unit = data.readInt32BE(pos + 8) > 0 ? data.subarray(pos, pos + 20) : undefined;
  if (unit) {
    assert.equal(readLong(unit, 0), e.commitLogOffset);
    assert.equal(unit.readInt32BE(8), e.storeSize);
    return readLong(unit, 12);
  }
  throw new Error(`no consume-queue entry on disk for ${e.topic}/${e.queueId}@${e.queueOffset}`);
}

function checkQueueStats(store: MessageStore, topicStats: Record<string, { queueId: number; minOffset: number; maxOffset: number }[]>): void {
  for (const [topic, queues] of Object.entries(topicStats)) {
    for (const q of queues) {
      assert.equal(store.getMaxOffsetInQueue(topic, q.queueId), q.maxOffset, `${topic}/${q.queueId} max`);
      assert.equal(store.getMinOffsetInQueue(topic, q.queueId), q.minOffset, `${topic}/${q.queueId} min`);
    }
  }
}

for (const [version, count, maxOffset] of [['rocketmq-4.3.2', 2709, 2875612], ['rocketmq-3.5.8', 1309, 1385406]] as const) {
  test(`${version} store-clean: every manifest message read by scan, consume queue and index`, async () => {
    const dir = copyFixtureStore(version, 'store-clean');
    try {
      const manifest = readJson(version, 'store-clean', 'manifest.json');
      const store = MessageStore.open(fixtureStoreConfig(dir), { log: () => {} });
      try {
        assert.equal(store.recovery.normal, true);
        assert.equal(store.recovery.stop, undefined);
        assert.equal(store.maxPhyOffset(), maxOffset);
        assert.equal(store.minPhyOffset(), 0);
        assert.equal(manifest.messages.length, count);
        const { blanks } = scanAll(store, 1048576);
        assert.deepEqual(blanks, manifest.commitLog.blankRecords.map((b: { commitLogOffset: number; totalSize: number }) => ({ offset: b.commitLogOffset, size: b.totalSize })));
        checkEveryWay(store, manifest.messages);
        checkQueueStats(store, manifest.topicStats);
        // Earliest message time and offset by time.
        const first = manifest.messages[0] as ManifestMessage;
        assert.equal(store.getEarliestMessageTime(), first.storeTimestamp);
        const a1 = (manifest.messages as ManifestMessage[]).filter((m) => m.topic === 'FixtureA' && m.queueId === 1);
        assert.equal(store.getEarliestMessageTimeInQueue('FixtureA', 1), a1[0]!.storeTimestamp);
        for (const probe of [a1[0]!, a1[100]!, a1[a1.length - 1]!]) {
          const off = store.getOffsetInQueueByTime('FixtureA', 1, probe.storeTimestamp);
          const firstAtTime = a1.find((m) => m.storeTimestamp >= probe.storeTimestamp)!;
          assert.equal(off, firstAtTime.queueOffset);
        }
        assert.equal(store.getOffsetInQueueByTime('FixtureA', 1, a1[a1.length - 1]!.storeTimestamp + 1), a1.length);
        assert.equal(store.getOffsetInQueueByTime('FixtureA', 1, 0), 0);
      } finally {
        await store.close();
      }
    } finally {
      removeTemp(dir);
    }
  });
}

test('rocketmq-4.3.2 store-crashed: abnormal recovery yields exactly what the Java broker recovered', async () => {
  const dir = copyFixtureStore('rocketmq-4.3.2', 'store-crashed');
  try {
    const clean = readJson('rocketmq-4.3.2', 'store-clean', 'manifest.json');
    const crashed = readJson('rocketmq-4.3.2', 'store-crashed', 'manifest.json');
    const rec = crashed.recoveredByRealBroker;
    const store = MessageStore.open(fixtureStoreConfig(dir), { log: () => {} });
    try {
      assert.equal(store.recovery.normal, false);
      assert.equal(store.maxPhyOffset(), rec.commitLogMaxOffset);
      // The zero-filled preallocated segment past the recovered end is gone.
      assert.deepEqual(fs.readdirSync(join(dir, 'commitlog')).sort(), [
        '00000000000000000000', '00000000000001048576', '00000000000002097152', '00000000000003145728',
      ]);
      const expected: ManifestMessage[] = [...clean.messages, ...crashed.messagesAfterCleanState];
      assert.equal(expected.length, rec.messageCount);
      const { blanks } = scanAll(store, 1048576);
      assert.deepEqual(blanks, rec.blankRecords.map((b: { commitLogOffset: number; totalSize: number }) => ({ offset: b.commitLogOffset, size: b.totalSize })));
      checkEveryWay(store, expected);
      // Every acknowledged send is there, where the producer was told it is.
      for (const ack of crashed.acknowledgedSends as { topic: string; queueId: number; queueOffset: number; commitLogOffset: number; uniqKey: string; offsetMsgId: string }[]) {
        const m = store.lookMessageByOffset(ack.commitLogOffset)!;
        assert.equal(m.topic, ack.topic);
        assert.equal(m.queueOffset, ack.queueOffset);
        assert.equal(parseProperties(m.properties).get('UNIQ_KEY'), ack.uniqKey);
        assert.equal(encodeOffsetMsgId(m.storeHost, ack.commitLogOffset), ack.offsetMsgId);
      }
      assert.equal(store.getMaxOffsetInQueue('FixtureCrash', 0) + store.getMaxOffsetInQueue('FixtureCrash', 1), 311);
      for (const q of [0, 1, 2, 3]) assert.equal(store.getMaxOffsetInQueue('FixtureA', q), 625);
    } finally {
      await store.close();
    }
    // A clean reopen finds the same state without replay.
    const again = MessageStore.open(fixtureStoreConfig(dir), { log: () => {} });
    try {
      assert.equal(again.recovery.normal, true);
      assert.equal(again.maxPhyOffset(), rec.commitLogMaxOffset);
      assert.equal(again.getMaxOffsetInQueue('FixtureCrash', 1), 155);
    } finally {
      await again.close();
    }
  } finally {
    removeTemp(dir);
  }
});
