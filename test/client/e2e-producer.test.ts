/**
 * Producer features end to end against Apogee's NameServer + broker: send results and offsets,
 * pipelined sends, oneway, batch, keys/tags/properties, compression, delay, ordered sends by
 * sharding key and selector, unknown topics, per-send timeouts, retry on another broker with
 * latency fault avoidance, a route re-read after a refusal, transactions (commit, rollback, check-back).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../helpers/cluster.js';
import { Producer } from '../../src/client/producer.js';
import { PullConsumer } from '../../src/client/pull-consumer.js';
import { TransactionProducer, type LocalTransactionState } from '../../src/client/transaction.js';
import { Admin } from '../../src/client/admin.js';
import { decodeOffsetMsgId } from '../../src/codec/message-id.js';
import { isWriteable } from '../../src/protocol/perm.js';
import { ClientTimeoutError, MQBrokerError, NoRouteError } from '../../src/client/errors.js';
import type { DiagnosticEvent } from '../../src/client/instance.js';
import type { MessageExt, MessageQueue } from '../../src/client/message.js';
import { fastOptions, unique, until } from './helpers/e2e.js';
import { startExtraBroker } from './helpers/extra-broker.js';

/** Reads every message of a topic from the start with a pull consumer. */
async function readAll(namesrvAddr: string, topic: string, expected: number): Promise<MessageExt[]> {
  const pc = new PullConsumer({ ...fastOptions(namesrvAddr), consumerGroup: unique('reader'), startFrom: 'first', autoCommitIntervalMs: 0 });
  await pc.start();
  try {
    await pc.assign(await pc.fetchMessageQueues(topic));
    const out: MessageExt[] = [];
    const end = Date.now() + 15_000;
    while (out.length < expected && Date.now() < end) out.push(...(await pc.poll(500)));
    return out;
  } finally {
    await pc.shutdown();
  }
}

test('e2e producer: 20 sends with tags, keys and properties get SEND_OK, ids and per-queue increasing offsets', async () => {
  const cluster = await startCluster();
  const topic = unique('ProduceTopic');
  const producer = new Producer({ ...fastOptions(cluster.namesrvAddr), producerGroup: unique('pg') });
  try {
    await producer.start();
    const results = [];
    for (let i = 0; i < 20; i++) {
      results.push(await producer.send({ topic, body: `m${i}`, tags: i % 2 ? 'TagA' : 'TagB', keys: [`K${i}`, 'common'], properties: { idx: String(i) } }));
    }
    assert.equal(results.filter((r) => r.sendStatus === 'SEND_OK').length, 20);
    for (const r of results) {
      assert.match(r.msgId, /^[0-9A-F]{32}$/);
      assert.match(r.offsetMsgId, /^[0-9A-F]{32}$/);
      const { storeHost } = decodeOffsetMsgId(r.offsetMsgId);
      assert.equal(`${storeHost.ip}:${storeHost.port}`, cluster.brokerAddr);
    }
    assert.equal(new Set(results.map((r) => r.msgId)).size, 20);
    const byQueue = new Map<number, number[]>();
    for (const r of results) byQueue.set(r.messageQueue.queueId, [...(byQueue.get(r.messageQueue.queueId) ?? []), r.queueOffset]);
    assert.equal(byQueue.size, 4, 'round-robin over the 4 auto-created queues');
    for (const offsets of byQueue.values()) assert.deepEqual(offsets, offsets.map((_, i) => i));
    const got = await readAll(cluster.namesrvAddr, topic, 20);
    assert.equal(got.length, 20);
    for (const m of got) {
      const i = Number(m.properties.idx);
      assert.equal(m.body.toString(), `m${i}`);
      assert.equal(m.msgId, results[i]!.msgId);
      assert.equal(m.offsetMsgId, results[i]!.offsetMsgId);
      assert.equal(m.tags, i % 2 ? 'TagA' : 'TagB');
      assert.deepEqual(m.keys, [`K${i}`, 'common']);
      assert.equal(m.queueOffset, results[i]!.queueOffset);
    }
  } finally {
    await producer.shutdown();
    await cluster.stop();
  }
});

test('e2e producer: 500 pipelined sends all succeed with distinct offsets; oneway and batch are stored', async () => {
  const cluster = await startCluster();
  const topic = unique('PipeTopic');
  const producer = new Producer({ ...fastOptions(cluster.namesrvAddr), producerGroup: unique('pg') });
  try {
    await producer.start();
    await producer.send({ topic, body: 'warm-up' });
    const results = await Promise.all(Array.from({ length: 500 }, (_, i) => producer.send({ topic, body: `p${i}` })));
    assert.equal(results.length, 500);
    assert.equal(new Set(results.map((r) => `${r.messageQueue.queueId}/${r.queueOffset}`)).size, 500);
    for (let i = 0; i < 5; i++) await producer.sendOneway({ topic, body: `oneway${i}` });
    const batch = await producer.sendBatch([0, 1, 2].map((i) => ({ topic, body: `batch${i}`, keys: `B${i}` })), { queue: { topic, brokerName: results[0]!.messageQueue.brokerName, queueId: 0 } });
    assert.equal(batch.msgIds!.length, 3);
    assert.equal(batch.offsetMsgIds!.length, 3);
    assert.equal(batch.messageQueue.queueId, 0);
    const got = await readAll(cluster.namesrvAddr, topic, 509);
    assert.equal(got.length, 509);
    assert.equal(got.filter((m) => m.body.toString().startsWith('oneway')).length, 5);
    const b = got.filter((m) => m.body.toString().startsWith('batch')).sort((x, y) => x.queueOffset - y.queueOffset);
    assert.deepEqual(b.map((m) => m.queueOffset), [batch.queueOffset, batch.queueOffset + 1, batch.queueOffset + 2]);
    assert.deepEqual(b.map((m) => m.msgId), batch.msgIds);
  } finally {
    await producer.shutdown();
    await cluster.stop();
  }
});

test('e2e producer: compressed 8 KiB body, delay level and sharding-key / selector ordering round-trip', async () => {
  const cluster = await startCluster();
  const topic = unique('FeatTopic');
  const producer = new Producer({ ...fastOptions(cluster.namesrvAddr), producerGroup: unique('pg') });
  try {
    await producer.start();
    const big = Buffer.alloc(8192);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    const rBig = await producer.send({ topic, body: big, keys: 'BIG' });
    const rDelay = await producer.send({ topic, body: 'later', delayLevel: 1, keys: 'DELAYED' });
    const ordered: Array<{ key: string; queue: number }> = [];
    for (let i = 0; i < 12; i++) {
      const key = `order-${i % 3}`;
      const r = await producer.send({ topic, body: `${key}:${i}`, keys: 'ORDERED' }, { shardingKey: key });
      ordered.push({ key, queue: r.messageQueue.queueId });
    }
    for (const k of ['order-0', 'order-1', 'order-2']) assert.equal(new Set(ordered.filter((o) => o.key === k).map((o) => o.queue)).size, 1, `${k} on one queue`);
    const rSel = await producer.send({ topic, body: 'selected' }, { selector: (qs: readonly MessageQueue[]) => qs[qs.length - 1]!, arg: 1 });
    assert.equal(rSel.messageQueue.queueId, 3);
    const got = await readAll(cluster.namesrvAddr, topic, 15);
    assert.equal(got.length, 15);
    const gBig = got.find((m) => m.keys.includes('BIG'))!;
    assert.equal(gBig.sysFlag & 1, 1);
    assert.deepEqual(gBig.body, big);
    assert.equal(gBig.msgId, rBig.msgId);
    const gDelay = got.find((m) => m.keys.includes('DELAYED'))!;
    assert.equal(gDelay.msgId, rDelay.msgId);
    assert.equal(gDelay.properties.DELAY, '1');
    assert.equal(gDelay.topic, topic);
    for (const k of ['order-0', 'order-1', 'order-2']) {
      const seq = got.filter((m) => m.body.toString().startsWith(`${k}:`)).sort((a, b) => a.queueOffset - b.queueOffset).map((m) => Number(m.body.toString().split(':')[1]));
      assert.deepEqual(seq, [...seq].sort((a, b) => a - b));
      assert.equal(seq.length, 4);
    }
  } finally {
    await producer.shutdown();
    await cluster.stop();
  }
});

test('e2e producer: an unknown topic fails with NoRouteError, a send pinned to its queue with broker code 17; an expired per-send timeout rejects', async () => {
  const cluster = await startCluster({ autoCreateTopicEnable: false });
  const producer = new Producer({ ...fastOptions(cluster.namesrvAddr), producerGroup: unique('pg') });
  const admin = new Admin(fastOptions(cluster.namesrvAddr));
  try {
    await producer.start();
    await admin.start();
    await assert.rejects(producer.send({ topic: 'NoSuchTopic', body: 'x' }), (e: unknown) => e instanceof NoRouteError && e.topic === 'NoSuchTopic');
    const topic = unique('Created');
    await admin.createTopic(topic, { readQueueNums: 2, writeQueueNums: 2, brokerAddr: cluster.brokerAddr });
    const ok = await producer.send({ topic, body: 'x' });
    // Pinned to a queue, the send reaches the broker, which refuses it like a 4.3.2 broker does.
    await assert.rejects(
      producer.send({ topic: 'NoSuchTopicDirect', body: 'x' }, { queue: { topic: 'NoSuchTopicDirect', brokerName: ok.messageQueue.brokerName, queueId: 0 } }),
      (e: unknown) => e instanceof MQBrokerError && e.code === 17 && e.codeName === 'TOPIC_NOT_EXIST',
    );
    await assert.rejects(producer.send({ topic, body: 'x' }, { timeoutMs: 0 }), ClientTimeoutError);
  } finally {
    await producer.shutdown();
    await admin.shutdown();
    await cluster.stop();
  }
});

interface TwoBrokers {
  cluster: Awaited<ReturnType<typeof startCluster>>;
  extra: Awaited<ReturnType<typeof startExtraBroker>>;
  topic: string;
  admin: Admin;
  /** Not started: a test starts it once the route it should learn is in place. */
  producer: Producer;
  events: DiagnosticEvent[];
}

/** broker-a and broker-b, a topic with 2 queues on each, an admin, and a producer recording its diagnostics. */
async function withTwoBrokers(tag: string, pollNameServerInterval: number, fn: (t: TwoBrokers) => Promise<void>): Promise<void> {
  const cluster = await startCluster();
  const extra = await startExtraBroker(cluster.namesrvAddr, 'broker-b', cluster.home);
  const topic = unique(tag);
  const events: DiagnosticEvent[] = [];
  const admin = new Admin(fastOptions(cluster.namesrvAddr));
  const producer = new Producer({ ...fastOptions(cluster.namesrvAddr), producerGroup: unique('pg'), onDiagnostic: (e) => events.push(e), pollNameServerInterval });
  try {
    await admin.start();
    await admin.createTopic(topic, { readQueueNums: 2, writeQueueNums: 2 });
    await until(async () => (await admin.topicRoute(topic)).queueDatas.length === 2, 'both brokers in the route');
    await fn({ cluster, extra, topic, admin, producer, events });
  } finally {
    await producer.shutdown();
    await admin.shutdown();
    await extra.stop();
    await cluster.stop();
  }
}

test('e2e producer: a dead broker is retried on the other broker and then avoided (latency fault)', async () => {
  await withTwoBrokers('TwoBrokers', 60_000, async ({ extra, topic, producer, events }) => {
    await producer.start();
    const first = await Promise.all(Array.from({ length: 8 }, (_, i) => producer.send({ topic, body: `a${i}` })));
    assert.deepEqual([...new Set(first.map((r) => r.messageQueue.brokerName))].sort(), ['broker-a', 'broker-b']);
    await extra.stop();
    const after = [];
    for (let i = 0; i < 8; i++) after.push(await producer.send({ topic, body: `b${i}` }));
    assert.ok(after.every((r) => r.messageQueue.brokerName === 'broker-a'));
    const retries = events.filter((e) => e.type === 'send-retry');
    assert.equal(retries.length, 1, 'only the first send after the failure needed a retry');
    assert.ok(events.some((e) => e.type === 'broker-fault' && e.brokerName === 'broker-b'));
    assert.equal(producer.fault.isAvailable('broker-b'), false);
  });
});

test('e2e producer: a broker that refuses writes makes the producer re-read the route, so the retry goes where writes go now', async () => {
  // The periodic route refresh never comes during the test: only a refusal can update the route.
  await withTwoBrokers('Refused', 600_000, async ({ cluster, extra, topic, admin, producer, events }) => {
    const writableIn = async (): Promise<string[]> => {
      const route = await admin.topicRoute(topic);
      return route.queueDatas.filter((q) => isWriteable(q.perm)).map((q) => q.brokerName).sort();
    };
    // The producer learns a route in which only broker-a takes writes (broker-b is read-only) ...
    await admin.updateBrokerConfig(extra.broker.brokerAddr, { brokerPermission: '4' });
    await until(async () => (await writableIn()).join() === 'broker-a', 'broker-b read-only on the NameServer');
    await producer.start();
    const before = await producer.send({ topic, body: 'before' });
    assert.equal(before.messageQueue.brokerName, 'broker-a');
    // ... then the roles swap, as in a rolling upgrade: broker-b is writable again, broker-a is not.
    await admin.updateBrokerConfig(extra.broker.brokerAddr, { brokerPermission: '6' });
    await admin.updateBrokerConfig(cluster.brokerAddr, { brokerPermission: '4' });
    await until(async () => (await writableIn()).join() === 'broker-b', 'the swap on the NameServer');
    events.length = 0;
    const after = await producer.send({ topic, body: 'after' });
    assert.equal(after.messageQueue.brokerName, 'broker-b', 'the retry went to the broker that takes writes now');
    const retry = events.find((e) => e.type === 'send-retry');
    assert.ok(retry && retry.type === 'send-retry' && retry.brokerName === 'broker-a' && /NO_PERMISSION/.test(retry.error.message), JSON.stringify(events.map((e) => e.type)));
    assert.ok(events.some((e) => e.type === 'route' && e.topic === topic && e.route), 'the route was re-read after the refusal');
    // Later sends use the re-read route straight away.
    events.length = 0;
    for (let i = 0; i < 4; i++) assert.equal((await producer.send({ topic, body: `next${i}` })).messageQueue.brokerName, 'broker-b');
    assert.equal(events.filter((e) => e.type === 'send-retry').length, 0);
  });
});

test('e2e transactions: commit is delivered, rollback never, UNKNOW is resolved by the check listener', async () => {
  const cluster = await startCluster({ transactionCheckInterval: 200, transactionTimeOut: 100 });
  const topic = unique('TxTopic');
  const checks: string[] = [];
  const producer = new TransactionProducer({
    ...fastOptions(cluster.namesrvAddr),
    producerGroup: unique('txg'),
    transactionListener: {
      executeLocalTransaction: (msg) => (msg.keys === 'commit' ? 'COMMIT_MESSAGE' : msg.keys === 'rollback' ? 'ROLLBACK_MESSAGE' : msg.keys === 'throw' ? (() => { throw new Error('local tx failed'); })() : 'UNKNOW') as LocalTransactionState,
      checkLocalTransaction: (msg) => {
        checks.push(msg.keys[0]!);
        return msg.keys[0] === 'unknown' ? 'COMMIT_MESSAGE' : 'ROLLBACK_MESSAGE';
      },
    },
  });
  try {
    await producer.start();
    await producer.send({ topic, body: 'create' });
    const rc = await producer.sendMessageInTransaction({ topic, body: 'committed', keys: 'commit' });
    const rr = await producer.sendMessageInTransaction({ topic, body: 'rolled back', keys: 'rollback' });
    const ru = await producer.sendMessageInTransaction({ topic, body: 'checked', keys: 'unknown' });
    const rt = await producer.sendMessageInTransaction({ topic, body: 'thrown', keys: 'throw' });
    assert.deepEqual([rc, rr, ru, rt].map((r) => r.localTransactionState), ['COMMIT_MESSAGE', 'ROLLBACK_MESSAGE', 'UNKNOW', 'UNKNOW']);
    await until(() => checks.includes('unknown') && checks.includes('throw'), 'check-back of both unknown transactions');
    const got = await readAll(cluster.namesrvAddr, topic, 3);
    assert.deepEqual(got.map((m) => m.body.toString()).sort(), ['checked', 'committed', 'create']);
    assert.equal(got.find((m) => m.body.toString() === 'committed')!.msgId, rc.msgId);
  } finally {
    await producer.shutdown();
    await cluster.stop();
  }
});
