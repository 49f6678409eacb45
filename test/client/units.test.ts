/** Pure pieces of the SDK: rebalance strategies, ids, fault tolerance, subscriptions, queue bookkeeping. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocateAveragely, allocateByCircle, allocateByConfig, allocateConsistentHash } from '../../src/client/allocate.js';
import { decodeMessages, decodeUniqueId, mqKey, toMessageExt, UniqueIdGenerator, type MessageExt, type MessageQueue } from '../../src/client/message.js';
import { LatencyFaultTolerance } from '../../src/client/fault.js';
import { buildSubscription, tagMatches } from '../../src/protocol/bodies/subscription.js';
import { ProcessQueue } from '../../src/client/process-queue.js';
import { publishQueues, selectByHash, propertiesOf } from '../../src/client/producer.js';
import { parseNamesrvAddr, vipAddress } from '../../src/client/instance.js';
import { parseConsumeTimestamp } from '../../src/client/push-consumer.js';
import { MessageError } from '../../src/client/errors.js';
import { pullRequestHeader } from '../../src/client/consumer-api.js';
import { encodeHeader } from '../../src/protocol/header.js';
import { PullMessageRequest } from '../../src/protocol/broker-headers.js';
import { decodeRecord, encodeRecord, withHostFlags } from '../../src/codec/message-record.js';
import { encodeOffsetMsgId } from '../../src/codec/message-id.js';

const mqs = (n: number, broker = 'b'): MessageQueue[] => Array.from({ length: n }, (_, i) => ({ topic: 'T', brokerName: broker, queueId: i }));
const ids = (list: MessageQueue[]) => list.map((q) => q.queueId);

test('allocate averagely: contiguous blocks, extra queues to the first consumers, none for surplus consumers', () => {
  const cids = ['c0', 'c1', 'c2'];
  assert.deepEqual(cids.map((c) => ids(allocateAveragely.allocate('g', c, mqs(8), cids))), [[0, 1, 2], [3, 4, 5], [6, 7]]);
  const five = ['c0', 'c1', 'c2', 'c3', 'c4'];
  assert.deepEqual(five.map((c) => ids(allocateAveragely.allocate('g', c, mqs(3), five))), [[0], [1], [2], [], []]);
  assert.deepEqual(ids(allocateAveragely.allocate('g', 'unknown', mqs(3), five)), []);
});

test('allocate by circle: queue i to consumer i mod n', () => {
  const cids = ['c0', 'c1', 'c2'];
  assert.deepEqual(cids.map((c) => ids(allocateByCircle.allocate('g', c, mqs(8), cids))), [[0, 3, 6], [1, 4, 7], [2, 5]]);
});

test('allocate by consistent hash: a partition, and a joining consumer only takes queues', () => {
  const all = mqs(32);
  const strategy = allocateConsistentHash();
  const before = ['c0', 'c1', 'c2'];
  const owner = new Map<string, string>();
  for (const c of before) for (const q of strategy.allocate('g', c, all, before)) {
    assert.ok(!owner.has(mqKey(q)), 'each queue has one owner');
    owner.set(mqKey(q), c);
  }
  assert.equal(owner.size, 32);
  const after = [...before, 'c3'];
  let moved = 0;
  for (const c of after) for (const q of strategy.allocate('g', c, all, after)) {
    if (owner.get(mqKey(q)) !== c) {
      assert.equal(c, 'c3', 'only the newcomer gains queues');
      moved++;
    }
  }
  assert.ok(moved > 0 && moved < 32);
});

test('allocate by config: exactly the configured queues that exist', () => {
  const s = allocateByConfig([{ topic: 'T', brokerName: 'b', queueId: 1 }, { topic: 'T', brokerName: 'b', queueId: 9 }]);
  assert.deepEqual(ids(s.allocate('g', 'c0', mqs(4), ['c0', 'c1'])), [1]);
});

test('unique ids: 32 hex chars laid out as ip, pid, random, time, counter; consecutive counters', () => {
  const g = new UniqueIdGenerator('192.0.2.2', 0x34a0);
  const a = g.next(Date.UTC(2026, 10, 25, 12));
  const b = g.next(Date.UTC(2026, 10, 25, 12));
  assert.match(a, /^C000020234A0[0-9A-F]{20}$/);
  const da = decodeUniqueId(a)!;
  const db = decodeUniqueId(b)!;
  assert.equal(da.ip, '192.0.2.2');
  assert.equal(da.pid, 0x34a0);
  assert.equal(db.counter, da.counter + 1);
  assert.equal(a.slice(0, 20), b.slice(0, 20));
  // The recorded Java id decodes the same way.
  assert.deepEqual(decodeUniqueId('C000020234A05FFD2B277F5524CA0000'), { ip: '192.0.2.2', pid: 0x34a0, timeSinceMonthStart: 0x7f5524ca, counter: 0 });
});

test('latency fault tolerance: slow or failed brokers are quarantined, the least bad one is picked', () => {
  const f = new LatencyFaultTolerance();
  assert.equal(f.update('fast', 20, false), 0);
  assert.equal(f.update('slow', 600, false), 30000);
  assert.equal(f.update('dead', 5, true), 600000);
  assert.ok(f.isAvailable('fast'));
  assert.ok(!f.isAvailable('slow'));
  assert.ok(!f.isAvailable('dead'));
  assert.ok(f.isAvailable('slow', Date.now() + 30001));
  assert.equal(f.pickOneAtLeast(['dead', 'slow']), 'slow');
});

test('subscriptions: tag codes are Java hashCodes; tag re-check; SQL92 keeps the expression', () => {
  const s = buildSubscription('T', ' TagA || TagB ||TagA');
  assert.deepEqual(s.tagsSet, ['TagA', 'TagB']);
  assert.deepEqual(s.codeSet, [2598919, 2598920]);
  assert.ok(tagMatches(s, 'TagB'));
  assert.ok(!tagMatches(s, 'TagC'));
  assert.ok(!tagMatches(s, undefined));
  assert.ok(tagMatches(buildSubscription('T', '*'), undefined));
  const sql = buildSubscription('T', 'a > 5 AND b = \'x\'', 'SQL92');
  assert.equal(sql.subString, "a > 5 AND b = 'x'");
  assert.equal(sql.expressionType, 'SQL92');
});

test('process queue: commit offset is the smallest unconsumed one; orderly take/rollback/commit keep order', () => {
  const pq = new ProcessQueue({ topic: 'T', brokerName: 'b', queueId: 0 });
  const msg = (o: number) => ({ queueOffset: o, body: Buffer.alloc(10) }) as MessageExt;
  const m = [10, 11, 12, 13].map(msg);
  pq.put(m);
  assert.equal(pq.count, 4);
  assert.equal(pq.bytes, 40);
  assert.equal(pq.maxSpan(), 3);
  assert.equal(pq.remove([m[1]!]), 10);
  assert.equal(pq.remove([m[0]!]), 12);
  assert.equal(pq.remove([m[2]!, m[3]!]), 14);
  assert.equal(pq.count, 0);
  assert.equal(pq.bytes, 0);
  assert.equal(pq.maxSpan(), 0);

  const orderly = new ProcessQueue({ topic: 'T', brokerName: 'b', queueId: 1 }, true);
  orderly.put([14, 15, 16].map(msg));
  const taken = orderly.take(2);
  assert.deepEqual(taken.map((x) => x.queueOffset), [14, 15]);
  assert.equal(orderly.count, 3, 'taken messages stay cached until committed');
  orderly.rollback(taken);
  assert.deepEqual(orderly.take(3).map((x) => x.queueOffset), [14, 15, 16]);
  orderly.put([msg(15)]);
  assert.equal(orderly.count, 3, 'an offset being consumed is not cached twice');
  assert.equal(orderly.commit(), 17);
  assert.equal(orderly.count, 0);
  assert.equal(orderly.bytes, 0);
});

test('process queue: gaps, duplicates, re-pulled offsets and long runs keep count, bytes and the commit offset right', () => {
  const msg = (o: number, size = 10) => ({ queueOffset: o, body: Buffer.alloc(size) }) as MessageExt;
  const pq = new ProcessQueue({ topic: 'T', brokerName: 'b', queueId: 0 });
  // A filtered pull skips offsets.
  const gap = [10, 15, 20, 21].map((o) => msg(o));
  pq.put(gap);
  pq.put([msg(15), msg(21)]);
  assert.equal(pq.count, 4, 'duplicates are skipped');
  assert.equal(pq.remove([gap[2]!]), 10);
  assert.equal(pq.remove([gap[0]!]), 15);
  // Offset 10 pulled again after it was consumed (an offset moved back): cached again, first in line.
  pq.put([msg(10, 7)]);
  assert.equal(pq.count, 3);
  assert.equal(pq.bytes, 27);
  assert.equal(pq.maxSpan(), 11);
  assert.equal(pq.remove([msg(10)]), 15);
  assert.equal(pq.remove([gap[1]!, gap[3]!]), 22);
  assert.equal(pq.remove([msg(99)]), 22, 'an offset never cached changes nothing');

  // Many pull/consume rounds, consumed out of order within each batch: the arrays are compacted
  // along the way and the answers stay those of a sorted set.
  const ref = new Set<number>();
  let next = 1000;
  let seed = 7;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  for (let round = 0; round < 2000; round++) {
    const batch = Array.from({ length: 1 + rand(40) }, () => msg(next++, 1));
    pq.put(batch);
    for (const b of batch) ref.add(b.queueOffset);
    const gone = batch.filter(() => rand(3) > 0);
    if (round % 7 === 0) gone.push(...[...ref].slice(0, 5).map((o) => msg(o, 1)));
    const commit = pq.remove(gone);
    for (const g of gone) ref.delete(g.queueOffset);
    const expected = ref.size > 0 ? Math.min(...ref) : next;
    assert.equal(commit, expected, `round ${round}`);
    assert.equal(pq.count, ref.size);
    assert.equal(pq.bytes, ref.size);
  }
});

test('publish queues: only writable queues of brokers with a master; orderTopicConf wins; hash selection', () => {
  const route = {
    queueDatas: [
      { brokerName: 'b2', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
      { brokerName: 'b1', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
      { brokerName: 'ro', readQueueNums: 2, writeQueueNums: 2, perm: 4, topicSysFlag: 0 },
      { brokerName: 'slaveonly', readQueueNums: 2, writeQueueNums: 2, perm: 6, topicSysFlag: 0 },
    ],
    brokerDatas: [
      { brokerName: 'b1', brokerAddrs: new Map([[0, 'a:1']]) },
      { brokerName: 'b2', brokerAddrs: new Map([[0, 'a:2']]) },
      { brokerName: 'ro', brokerAddrs: new Map([[0, 'a:3']]) },
      { brokerName: 'slaveonly', brokerAddrs: new Map([[1, 'a:4']]) },
    ],
    filterServerTable: new Map(),
  };
  assert.deepEqual(publishQueues('T', route).map((q) => `${q.brokerName}:${q.queueId}`), ['b1:0', 'b1:1', 'b2:0', 'b2:1']);
  assert.deepEqual(publishQueues('T', { ...route, orderTopicConf: 'b2:1;b1:2' }).map((q) => `${q.brokerName}:${q.queueId}`), ['b2:0', 'b1:0', 'b1:1']);
  // Java: Math.abs("order-1".hashCode()) % 4
  assert.equal(selectByHash(mqs(4), 'order-1').queueId, Math.abs(((): number => { let h = 0; for (const c of 'order-1') h = (Math.imul(31, h) + c.charCodeAt(0)) | 0; return h; })() % 4));
});

test('message properties: reserved names refused, separators refused, keys joined with spaces', () => {
  const s = propertiesOf({ topic: 'T', body: '', keys: ['a', 'b'], tags: 'X', delayLevel: 3, properties: { color: 'red' } }, 'ID');
  assert.equal(s, 'color\u0001red\u0002KEYS\u0001a b\u0002UNIQ_KEY\u0001ID\u0002WAIT\u0001true\u0002TAGS\u0001X\u0002DELAY\u00013\u0002');
  assert.throws(() => propertiesOf({ topic: 'T', body: '', properties: { UNIQ_KEY: 'x' } }, 'ID'), MessageError);
  assert.throws(() => propertiesOf({ topic: 'T', body: '', properties: { bad: 'a\u0001b' } }, 'ID'), MessageError);
});

test('options parsing: NameServer lists, VIP address, consume timestamps', () => {
  assert.deepEqual(parseNamesrvAddr('a:1; b:2;'), ['a:1', 'b:2']);
  assert.deepEqual(parseNamesrvAddr(['a:1']), ['a:1']);
  assert.throws(() => parseNamesrvAddr(''));
  assert.equal(vipAddress('127.0.0.1:10911'), '127.0.0.1:10909');
  assert.equal(parseConsumeTimestamp('20261125120000'), new Date(2026, 10, 25, 12, 0, 0).getTime());
  assert.equal(parseConsumeTimestamp(5), 5);
});

test('ACL signing: reproduces the signature recorded from ali-ons and signs bodies like AclClientRPCHook', async () => {
  const { aclSignature, signRequest } = await import('../../src/client/acl.js');
  const { command } = await import('../../src/codec/command.js');
  // ali-ons (accessKey myAK, secretKey mySK) sent this for GET_ROUTEINFO_BY_TOPIC TopicProbe (real-clients.md §1.5b).
  assert.equal(aclSignature({ AccessKey: 'myAK', OnsChannel: 'ALIYUN', topic: 'TopicProbe' }, undefined, 'mySK'), 'A7VT4URuMQFrVuP25NEApd3pqkQ=');
  const req = signRequest(command({ code: 310, extFields: { b: 'T', a: 'G' }, body: Buffer.from('hello') }), { accessKey: 'AK', secretKey: 'SK', securityToken: 'TOK' });
  assert.deepEqual(Object.keys(req.extFields!).sort(), ['AccessKey', 'SecurityToken', 'Signature', 'a', 'b']);
  const { createHmac } = await import('node:crypto');
  const expected = createHmac('sha1', 'SK').update('AK' + 'TOK' + 'G' + 'T').update('hello').digest('base64');
  assert.equal(req.extFields!.Signature, expected);
  assert.equal(aclSignature({ ...req.extFields!, _UNIQUE_KEY_QUERY: 'true' }, Buffer.from('hello'), 'SK'), expected, '_UNIQUE_KEY_QUERY is not signed');
});

test('decodeMessages: offset ids, host texts and known property names match the general codec for every host kind', () => {
  const hosts = [
    { ip: '127.0.0.1', port: 10911 },
    { ip: '10.1.2.3', port: 1 },
    { ip: 'fe80:0:0:0:0:0:0:1', port: 10911 },
  ];
  const offsets = [0, 1, 0xff, 0x1_0000_0000, 0x1_2345_6789_abcd, Number.MAX_SAFE_INTEGER - 1];
  const records: Buffer[] = [];
  const expected: Array<{ id: string; born: string; store: string }> = [];
  let i = 0;
  for (const store of hosts) {
    for (const born of hosts) {
      for (const physicalOffset of offsets) {
        const bornHost = born;
        const storeHost = store;
        records.push(
          encodeRecord({
            queueId: 0, flag: 0, queueOffset: i++, physicalOffset, sysFlag: withHostFlags(0, bornHost, storeHost), bornTimestamp: 1, bornHost,
            storeTimestamp: 2, storeHost, reconsumeTimes: 0, preparedTransactionOffset: 0, body: Buffer.from('b'), topic: 'T',
            properties: `KEYS\u0001a b  c\u0002TAGS\u0001t\u0002custom\u0001v\u0002`,
          }),
        );
        const text = (h: { ip: string; port: number }): string => (h.ip.includes(':') ? `[${h.ip}]:${h.port}` : `${h.ip}:${h.port}`);
        expected.push({ id: encodeOffsetMsgId(storeHost, physicalOffset), born: text(bornHost), store: text(storeHost) });
      }
    }
  }
  const msgs = decodeMessages(Buffer.concat(records));
  assert.equal(msgs.length, expected.length);
  msgs.forEach((m, k) => {
    assert.equal(m.offsetMsgId, expected[k]!.id);
    assert.equal(m.msgId, expected[k]!.id);
    assert.equal(m.bornHost, expected[k]!.born);
    assert.equal(m.storeHost, expected[k]!.store);
    assert.deepEqual(m.keys, ['a', 'b', 'c']);
    assert.equal(m.tags, 't');
    assert.deepEqual(m.properties, { KEYS: 'a b  c', TAGS: 't', custom: 'v' });
  });
});

test('decodeMessages: the one-pass reader equals the general decoder record by record, as topics and hosts change', () => {
  const hosts = [
    { ip: '127.0.0.1', port: 10911 },
    { ip: '127.0.0.1', port: 10912 },
    { ip: '0.0.0.0', port: -1 },
    { ip: 'fe80:0:0:0:0:0:0:1', port: 10911 },
  ];
  const records: Buffer[] = [];
  for (let i = 0; i < 24; i++) {
    const bornHost = hosts[i % 4]!;
    const storeHost = hosts[(i >> 2) % 4]!;
    records.push(
      encodeRecord({
        queueId: i % 3, flag: i, queueOffset: 1000 + i, physicalOffset: 0x1_0000_0000 * (i % 2) + i * 1234, sysFlag: withHostFlags(0, bornHost, storeHost),
        bornTimestamp: 1_700_000_000_000 + i, bornHost, storeTimestamp: 1_700_000_000_100 + i, storeHost, reconsumeTimes: i % 2, preparedTransactionOffset: i,
        body: Buffer.from(`body ${i}`), topic: ['TA', 'TB', 'Topic-Ü'][i % 3]!, properties: i % 5 === 0 ? '' : `UNIQ_KEY\u0001ID${i}\u0002DELAY\u0001${i % 4}\u0002`,
      }),
    );
  }
  const body = Buffer.concat(records);
  const fast = decodeMessages(body, { brokerName: 'b' });
  let pos = 0;
  fast.forEach((m) => {
    assert.deepEqual(m, toMessageExt(decodeRecord(body, pos), { brokerName: 'b' }));
    pos += m.storeSize;
  });
  assert.equal(fast.length, 24);
  assert.throws(() => decodeMessages(records[1]!.subarray(0, 60)), /record at 0 is truncated/);
  assert.throws(() => decodeMessages(Buffer.concat([records[1]!, records[2]!.subarray(0, 95)])), /record at \d+ has TOTALSIZE/);
});

test('pull request header: written directly, the same fields in the same order as the generic encoder', () => {
  for (const postSubscription of [false, true]) {
    for (const [commitOffset, suspendMs] of [[0, 0], [17, 15_000]] as const) {
      const subscription = buildSubscription('T', 'a || b', 'TAG', 1_700_000_000_123);
      const spec = { group: 'g', mq: { topic: 'T', brokerName: 'b', queueId: 3 }, subscription, offset: 2 ** 40 + 5, maxNums: 32, commitOffset, suspendMs, postSubscription };
      let sysFlag = 0;
      if (commitOffset > 0) sysFlag |= 1;
      if (suspendMs > 0) sysFlag |= 2;
      if (postSubscription) sysFlag |= 4;
      const generic = encodeHeader(PullMessageRequest, {
        consumerGroup: 'g', topic: 'T', queueId: 3, queueOffset: spec.offset, maxMsgNums: 32, sysFlag, commitOffset, suspendTimeoutMillis: suspendMs,
        subscription: postSubscription ? subscription.subString : undefined, subVersion: subscription.subVersion, expressionType: subscription.expressionType,
      });
      const direct = pullRequestHeader(spec);
      assert.deepEqual(direct, generic);
      assert.deepEqual(Object.keys(direct), Object.keys(generic));
    }
  }
});
