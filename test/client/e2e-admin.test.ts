/**
 * Admin client end to end: topics (create, list, route, stats, delete), subscription groups,
 * cluster and broker info, offsets and consume stats, connections, write-permission wipe, KV
 * config, and message lookups by offset id, key, unique key and time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster } from '../helpers/cluster.js';
import { Admin } from '../../src/client/admin.js';
import { Producer } from '../../src/client/producer.js';
import { PushConsumer } from '../../src/client/push-consumer.js';
import { MQBrokerError, NoRouteError } from '../../src/client/errors.js';
import { fastOptions, unique, until } from './helpers/e2e.js';

test('e2e admin: topics, groups, cluster, offsets, stats, connections, lookups, KV and write-permission wipe', async () => {
  const cluster = await startCluster({ autoCreateTopicEnable: false });
  const admin = new Admin(fastOptions(cluster.namesrvAddr));
  const producer = new Producer({ ...fastOptions(cluster.namesrvAddr), producerGroup: unique('pg') });
  const group = unique('g');
  const consumer = new PushConsumer({ ...fastOptions(cluster.namesrvAddr), consumerGroup: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  try {
    await admin.start();
    await producer.start();
    const info = await admin.clusterInfo();
    assert.deepEqual(info.clusterAddrTable.get('DefaultCluster'), ['broker-a']);
    assert.equal(info.brokerAddrTable.get('broker-a')!.brokerAddrs.get(0), cluster.brokerAddr);
    const runtime = await admin.brokerRuntimeInfo(cluster.brokerAddr);
    assert.ok('brokerVersionDesc' in runtime && 'putTps' in runtime);
    assert.ok((await admin.brokerConfig(cluster.brokerAddr)).get('brokerName') === 'broker-a');

    const topic = unique('AdminTopic');
    assert.deepEqual(await admin.createTopic(topic, { readQueueNums: 3, writeQueueNums: 3 }), [cluster.brokerAddr]);
    await until(async () => (await admin.topicList()).includes(topic), 'topic listed');
    assert.ok((await admin.topicsByCluster('DefaultCluster')).includes(topic));
    assert.equal((await admin.topicRoute(topic)).queueDatas[0]!.writeQueueNums, 3);

    const t0 = Date.now();
    const sent = [];
    for (let i = 0; i < 9; i++) sent.push(await producer.send({ topic, body: `a${i}`, keys: [`KEY-${i % 3}`, 'ALL'] }));
    const stats = await admin.topicStats(topic);
    assert.deepEqual(stats.map((s) => s.maxOffset), [3, 3, 3]);
    const mq = sent[0]!.messageQueue;
    assert.equal(await admin.maxOffset(mq), 3);
    assert.equal(await admin.minOffset(mq), 0);
    assert.equal(await admin.searchOffset(mq, t0 - 60_000), 0);

    const viewed = await admin.viewMessage(sent[4]!.offsetMsgId);
    assert.equal(viewed.body.toString(), 'a4');
    assert.equal(viewed.msgId, sent[4]!.msgId);
    const byKey = await admin.queryMessageByKey(topic, 'KEY-1');
    assert.deepEqual(byKey.map((m) => m.body.toString()).sort(), ['a1', 'a4', 'a7']);
    const byUniq = await admin.queryMessageByUniqKey(topic, sent[7]!.msgId);
    assert.equal(byUniq!.body.toString(), 'a7');
    const byTime = await admin.queryMessagesByTime(topic, t0 - 1000, Date.now() + 1000);
    assert.equal(byTime.length, 9);

    const g2 = unique('sg');
    await admin.createOrUpdateSubscriptionGroup({ groupName: g2, retryMaxTimes: 3, consumeBroadcastEnable: false });
    const groups = await admin.subscriptionGroups(cluster.brokerAddr);
    assert.equal(groups.get(g2)!.retryMaxTimes, 3);
    assert.equal(groups.get(g2)!.consumeBroadcastEnable, false);
    await admin.deleteSubscriptionGroup(g2);
    assert.ok(!(await admin.subscriptionGroups(cluster.brokerAddr)).has(g2));

    let consumed = 0;
    consumer.subscribe(topic).registerMessageListener((msgs) => void (consumed += msgs.length));
    await consumer.start();
    await until(() => consumed >= 9, 'consumer read all');
    await until(async () => (await admin.consumeStats(group, topic)).diffTotal === 0, 'offsets committed');
    const cs = await admin.consumeStats(group);
    assert.deepEqual(cs.offsetTable.filter((e) => e.mq.topic === topic).map((e) => [e.brokerOffset, e.consumerOffset]), [[3, 3], [3, 3], [3, 3]]);
    assert.equal(await admin.consumerOffset(group, mq), 3);
    const conn = await admin.consumerConnection(group);
    assert.deepEqual(conn.connectionSet.map((c) => c.clientId), [consumer.clientId]);
    assert.equal(conn.connectionSet[0]!.version, 409);
    assert.ok(conn.subscriptionTable.has(topic));
    assert.deepEqual(await admin.queryTopicConsumeByWho(topic), [group]);

    await admin.putKVConfig('ns', 'k', 'v');
    assert.equal(await admin.getKVConfig('ns', 'k'), 'v');
    assert.deepEqual([...(await admin.kvList('ns'))], [['k', 'v']]);
    await admin.deleteKVConfig('ns', 'k');
    assert.equal(await admin.getKVConfig('ns', 'k'), undefined);

    const wiped = await admin.wipeWritePerm('broker-a');
    assert.equal(wiped.length, 1);
    assert.ok(wiped[0]!.wipeTopicCount >= 1);
    const fresh = new Producer({ ...fastOptions(cluster.namesrvAddr), producerGroup: unique('pg') });
    await fresh.start();
    try {
      await assert.rejects(fresh.send({ topic, body: 'no write' }), NoRouteError);
    } finally {
      await fresh.shutdown();
    }

    await consumer.shutdown();
    await admin.deleteTopic(topic);
    await assert.rejects(admin.topicRoute(topic), (e: unknown) => e instanceof MQBrokerError && e.code === 17);
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
    await admin.shutdown();
    await cluster.stop();
  }
});
