/**
 * The admin requests of mqadmin's group and configuration commands, framed as Apache 4.3.2's
 * MQClientAPIImpl sends them (JAVA, version 277, its header field names, fastjson bodies and
 * properties text), against a real NameServer and broker; each answer is checked for what Java's
 * tool reads from it. None of these was recorded (test/fixtures/rocketmq-4.3.2/wire has mqadmin's
 * topic, progress, connection and reset requests), so the frames follow Apache's source:
 * createAndUpdateSubscriptionGroupConfig, deleteSubscriptionGroup, cleanExpiredConsumeQueue,
 * cleanUnusedTopic, getNameServerConfig, updateNameServerConfig, getTopicsByCluster, getKVListByNamespace.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { Admin } from '../../src/client/admin.js';
import { RemotingClient } from '../../src/transport/client.js';
import { command, type RemotingCommand } from '../../src/codec/command.js';
import { V4_3_2 } from '../../src/protocol/version.js';
import { parseFastJson } from '../../src/codec/fastjson.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { setLogLevel } from '../../src/common/logger.js';

if (!process.env.APOGEE_LOG_LEVEL) setLogLevel('warn');

let cluster: TestCluster;
let admin: Admin;

before(async () => {
  cluster = await startCluster();
  admin = new Admin({ namesrvAddr: cluster.namesrvAddr });
  await admin.start();
});

after(async () => {
  await admin?.shutdown();
  await cluster?.stop();
});

/** A request as a 4.3.2 Java client frames it: language JAVA, version V4_3_2, JSON header. */
async function java(addr: string, code: number, extFields?: Record<string, string>, body?: Buffer): Promise<RemotingCommand> {
  const client = new RemotingClient();
  try {
    return await client.invoke(addr, command({ code, version: V4_3_2, extFields, body }), 5000);
  } finally {
    await client.close();
  }
}

test('UPDATE_AND_CREATE_SUBSCRIPTIONGROUP with the fastjson body Java writes, then DELETE_SUBSCRIPTIONGROUP by groupName', async () => {
  // SubscriptionGroupConfig as fastjson serializes it: fields in name order, booleans and numbers bare.
  const body = '{"brokerId":0,"consumeBroadcastEnable":false,"consumeEnable":true,"consumeFromMinEnable":false,"groupName":"JavaGroup","notifyConsumerIdsChangedEnable":true,"retryMaxTimes":7,"retryQueueNums":1,"whichBrokerWhenConsumeSlowly":1}';
  const created = await java(cluster.brokerAddr, RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, undefined, Buffer.from(body));
  assert.equal(created.code, 0, created.remark);
  // What Java's getAllSubscriptionGroup reads back: a SubscriptionGroupWrapper with the table.
  const all = await java(cluster.brokerAddr, RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
  const table = (parseFastJson(all.body!.toString()) as { subscriptionGroupTable: Record<string, { retryMaxTimes: number; consumeBroadcastEnable: boolean }> }).subscriptionGroupTable;
  assert.deepEqual([table.JavaGroup?.retryMaxTimes, table.JavaGroup?.consumeBroadcastEnable], [7, false]);
  const deleted = await java(cluster.brokerAddr, RequestCode.DELETE_SUBSCRIPTIONGROUP, { groupName: 'JavaGroup' });
  assert.equal(deleted.code, 0);
  assert.equal((await admin.subscriptionGroups(cluster.brokerAddr)).get('JavaGroup'), undefined);
});

test('CLEAN_EXPIRED_CONSUMEQUEUE and CLEAN_UNUSED_TOPIC answer SUCCESS, which is all Java\'s tool looks at', async () => {
  for (const code of [RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE, RequestCode.CLEAN_UNUSED_TOPIC]) {
    const r = await java(cluster.brokerAddr, code);
    assert.equal(r.code, 0, `code ${code}: ${r.remark}`);
  }
});

test('GET_NAMESRV_CONFIG answers a properties text Java\'s string2Properties reads; UPDATE_NAMESRV_CONFIG takes properties2String\'s', async () => {
  const got = await java(cluster.namesrvAddr, RequestCode.GET_NAMESRV_CONFIG);
  assert.equal(got.code, 0);
  const lines = got.body!.toString('utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  for (const l of lines) assert.match(l, /^[A-Za-z][\w.]*=/, 'key=value lines');
  assert.ok(lines.includes('orderMessageEnable=false'));
  // MixAll.properties2String: "key=value\n" per entry.
  const updated = await java(cluster.namesrvAddr, RequestCode.UPDATE_NAMESRV_CONFIG, undefined, Buffer.from('orderMessageEnable=true\n'));
  assert.equal(updated.code, 0, updated.remark);
  assert.equal(cluster.namesrv.config.orderMessageEnable, true);
  const bad = await java(cluster.namesrvAddr, RequestCode.UPDATE_NAMESRV_CONFIG, undefined, Buffer.from('orderMessageEnable=perhaps\n'));
  assert.equal(bad.code, 1);
  assert.equal((await java(cluster.namesrvAddr, RequestCode.UPDATE_NAMESRV_CONFIG, undefined, Buffer.from('orderMessageEnable=false\n'))).code, 0);
});

test('GET_TOPICS_BY_CLUSTER (header cluster) and GET_KVLIST_BY_NAMESPACE (header namespace) answer the bodies Java decodes', async () => {
  await admin.createTopic('JavaListTopic', { clusterName: 'DefaultCluster', readQueueNums: 1, writeQueueNums: 1 });
  const topics = await java(cluster.namesrvAddr, RequestCode.GET_TOPICS_BY_CLUSTER, { cluster: 'DefaultCluster' });
  assert.equal(topics.code, 0);
  assert.ok((parseFastJson(topics.body!.toString()) as { topicList: string[] }).topicList.includes('JavaListTopic'));

  await admin.putKVConfig('JAVA_NS', 'k', 'v');
  const kv = await java(cluster.namesrvAddr, RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'JAVA_NS' });
  assert.equal(kv.code, 0);
  assert.deepEqual((parseFastJson(kv.body!.toString()) as { table: Record<string, string> }).table, { k: 'v' });
  const none = await java(cluster.namesrvAddr, RequestCode.GET_KVLIST_BY_NAMESPACE, { namespace: 'NO_SUCH_NS' });
  assert.equal(none.code, 22, 'QUERY_NOT_FOUND, as a Java NameServer answers');
});
