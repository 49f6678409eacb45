/**
 * mqadmin's group and connection commands spawned as real processes against a real NameServer and
 * broker with a live SDK producer and push consumer (one cluster for the file). Output lines are
 * checked against what the real 4.3.2 tool printed in the recording
 * (test/fixtures/rocketmq-4.3.2/wire/logs/driver-output.txt: consumerProgress, consumerConnection,
 * resetOffsetByTime) or, for commands not recorded, against Apache 4.3.2's format strings
 * (tools/command/consumer/*, connection/ProducerConnectionSubCommand, offset/CloneGroupOffsetCommand,
 * common/protocol/body/ConsumerRunningInfo.formatString); effects are read back from the broker.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { mqadminFails, mqadminOk, recordedLine, recordedOutput } from '../helpers/mqadmin.js';
import { RawClient } from '../helpers/raw-client.js';
import { until } from '../helpers/wait.js';
import { Admin } from '../../src/client/admin.js';
import { Producer } from '../../src/client/producer.js';
import { PushConsumer } from '../../src/client/push-consumer.js';
import { PullConsumer } from '../../src/client/pull-consumer.js';
import { parseFastJson, parseObjectKey } from '../../src/codec/fastjson.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { setLogLevel } from '../../src/common/logger.js';

if (!process.env.APOGEE_LOG_LEVEL) setLogLevel('warn');

const TOPIC = 'GroupTopic';
const GROUP = 'GroupCG';
const PRODUCER_GROUP = 'GroupPG';

let cluster: TestCluster;
let admin: Admin;
let ns: string;
let producer: Producer;
let consumer: PushConsumer;

before(async () => {
  cluster = await startCluster();
  ns = cluster.namesrvAddr;
  admin = new Admin({ namesrvAddr: ns });
  await admin.start();
  await admin.createTopic(TOPIC, { clusterName: 'DefaultCluster', readQueueNums: 4, writeQueueNums: 4 });
  // Short heartbeats: the broker only learns of a producer group from a heartbeat.
  producer = new Producer({ namesrvAddr: ns, producerGroup: PRODUCER_GROUP, heartbeatBrokerInterval: 200 });
  await producer.start();
  for (let i = 0; i < 8; i++) await producer.send({ topic: TOPIC, body: `m${i}` });
  let consumed = 0;
  consumer = new PushConsumer({ namesrvAddr: ns, consumerGroup: GROUP, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', persistConsumerOffsetInterval: 200 });
  consumer.subscribe(TOPIC, '*').registerMessageListener((msgs) => void (consumed += msgs.length));
  await consumer.start();
  await until(() => consumed >= 8, 'the consumer takes the 8 messages');
  await until(async () => (await admin.consumeStats(GROUP, TOPIC)).offsetTable.every((e) => e.consumerOffset === e.brokerOffset), 'committed offsets reach the broker');
  await until(async () => (await admin.producerConnection(PRODUCER_GROUP, TOPIC)).length > 0, 'the producer heartbeat');
});

after(async () => {
  await consumer?.shutdown();
  await producer?.shutdown();
  await admin?.shutdown();
  await cluster?.stop();
});

/** Apache 4.3.2 ConsumerConnectionSubCommand's row: "%03d  %-32s %-22s %-8s %s". */
const connectionRow = (i: number, clientId: string, addr: string, language: string, version: string): string =>
  `${String(i).padStart(3, '0')}  ${clientId.padEnd(32)} ${addr.padEnd(22)} ${language.padEnd(8)} ${version}`;

/** Apache 4.3.2 ConsumerProgressSubCommand's row: "%-32s  %-32s  %-4d  %-20d  %-20d  %-20s %-20d  %s". */
const progressRow = (topic: string, broker: string, qid: number, brokerOffset: number, consumerOffset: number, clientIp: string, last: string): string =>
  `${topic.padEnd(32)}  ${broker.padEnd(32)}  ${String(qid).padEnd(4)}  ${String(brokerOffset).padEnd(20)}  ${String(consumerOffset).padEnd(20)}  ${clientIp.padEnd(20)} ${String(brokerOffset - consumerOffset).padEnd(20)}  ${last}`;

test('the row formulas used below are the ones the real tool printed', () => {
  assert.equal(connectionRow(1, '192.0.2.2@wire-hold', '127.0.0.1:56960', 'JAVA', 'V4_3_2'), recordedLine('001  '));
  assert.equal(progressRow('WireTopic', 'broker-a', 1, 4, 4, 'N/A', '2026-11-25 17:24:46'), recordedLine('WireTopic                         broker-a                          1 '));
});

test('consumerConnection lists the live consumer and its subscription as the recorded 4.3.2 output does', async () => {
  const lines = (await mqadminOk(['consumerConnection', '-n', ns, '-g', GROUP])).split('\n');
  // The client's address is the broker's view of its socket: any loopback port, in a 22-wide column.
  const addr = /^001  .{32} (127\.0\.0\.1:\d+) +JAVA/.exec(lines[0]!)?.[1];
  assert.ok(addr, lines[0]);
  assert.equal(lines[0], connectionRow(1, consumer.clientId, addr, 'JAVA', 'V4_9_8'));
  // As recorded: a blank line, then "Below is subscription:" with the first subscription on the same line.
  const recorded = recordedOutput();
  const at = recorded.findIndex((l) => l.startsWith('Below is subscription:'));
  assert.equal(recorded[at - 1], '');
  assert.equal(recorded[at], `Below is subscription:001  Topic: ${'%RETRY%WireConsumerGroup'.padEnd(40)} SubExpression: *`);
  assert.deepEqual(lines.slice(1), [
    '',
    `Below is subscription:001  Topic: ${`%RETRY%${GROUP}`.padEnd(40)} SubExpression: *`,
    `002  Topic: ${TOPIC.padEnd(40)} SubExpression: *`,
    'ConsumeType: CONSUME_PASSIVELY',
    'MessageModel: CLUSTERING',
    'ConsumeFromWhere: CONSUME_FROM_FIRST_OFFSET',
    '',
  ]);
  assert.deepEqual(recorded.slice(at + 2, at + 5), ['ConsumeType: CONSUME_PASSIVELY', 'MessageModel: CLUSTERING', 'ConsumeFromWhere: CONSUME_FROM_FIRST_OFFSET']);
  // A group the brokers know (its retry topic exists) with no client online: the broker's refusal, in one line.
  await admin.createTopic('%RETRY%OfflineGroup', { clusterName: 'DefaultCluster', readQueueNums: 1, writeQueueNums: 1 });
  await mqadminFails(/^mqadmin: CONSUMER_NOT_ONLINE \(code 206\) for request 203 .*the consumer group\[OfflineGroup\] not online$/, ['consumerConnection', '-n', ns, '-g', 'OfflineGroup'], 1);
  await mqadminFails(/^mqadmin: TOPIC_NOT_EXIST \(code 17\) for request 105: No topic route info in name server for the topic: %RETRY%NoSuchGroup$/, ['consumerConnection', '-n', ns, '-g', 'NoSuchGroup'], 1);
});

test('producerConnection lists the live producer (Apache "%04d  %-32s %-22s %-8s %s")', async () => {
  const out = await mqadminOk(['producerConnection', '-n', ns, '-g', PRODUCER_GROUP, '-t', TOPIC]);
  const addr = /^0001  .{32} (127\.0\.0\.1:\d+) /.exec(out)?.[1];
  assert.ok(addr, out);
  assert.equal(out, `0001  ${producer.client.clientId.padEnd(32)} ${addr.padEnd(22)} ${'JAVA'.padEnd(8)} V4_9_8\n`);
  await mqadminFails(/^mqadmin: Not found the producer group connection \(group NoSuchProducer, topic GroupTopic\)$/, ['producerConnection', '-n', ns, '-g', 'NoSuchProducer', '-t', TOPIC], 1);
  await mqadminFails(/^mqadmin: producerConnection: missing required option -t \(--topic\)/, ['producerConnection', '-n', ns, '-g', PRODUCER_GROUP], 2);
});

test('consumerProgress -g prints the recorded columns, -s fills #Client IP, and without -g every group is listed', async () => {
  const lines = (await mqadminOk(['consumerProgress', '-n', ns, '-g', GROUP])).split('\n');
  assert.equal(lines[0], recordedLine('#Topic                            #Broker Name'));
  const stats = await admin.consumeStats(GROUP);
  const topicRows = lines.filter((l) => l.startsWith(TOPIC));
  assert.equal(topicRows.length, 4);
  for (const e of stats.offsetTable.filter((x) => x.mq.topic === TOPIC)) {
    const row = topicRows[e.mq.queueId]!;
    const time = /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.exec(row)?.[0];
    assert.ok(time, `last consumed message time: ${row}`);
    assert.equal(row, progressRow(TOPIC, 'broker-a', e.mq.queueId, e.brokerOffset, e.consumerOffset, 'N/A', time));
  }
  assert.ok(lines.includes(progressRow(`%RETRY%${GROUP}`, 'broker-a', 0, 0, 0, 'N/A', 'N/A')), 'the retry queue, nothing consumed from it: N/A');
  // As recorded after the table: a blank line, the TPS (a Java double) and the total.
  assert.deepEqual(lines.slice(-4), ['', 'Consume TPS: 0.0', 'Diff Total: 0', '']);
  assert.ok(recordedOutput().includes('Consume TPS: 0.0'));

  const ip = consumer.clientId.split('@')[0]!;
  const withIp = (await mqadminOk(['consumerProgress', '-n', ns, '-g', GROUP, '-s', 'true'])).split('\n').filter((l) => l.startsWith(TOPIC));
  assert.equal(withIp.length, 4);
  const ipColumn = progressRow('T', 'b', 0, 0, 0, '\u0001', '').indexOf('\u0001');
  for (const row of withIp) assert.equal(row.slice(ipColumn, ipColumn + 21), `${ip.padEnd(20)} `, row);

  const all = (await mqadminOk(['consumerProgress', '-n', ns])).split('\n');
  assert.equal(all[0], `${'#Group'.padEnd(32)}  ${'#Count'.padEnd(6)}  ${'#Version'.padEnd(24)} ${'#Type'.padEnd(5)}  ${'#Model'.padEnd(14)}  ${'#TPS'.padEnd(7)}  #Diff Total`);
  assert.ok(all.includes(`${GROUP.padEnd(32)}  ${'1'.padEnd(6)}  ${'V4_9_8'.padEnd(24)} ${'PUSH'.padEnd(5)}  ${'CLUSTERING'.padEnd(14)}  ${'0'.padEnd(7)}  0`), all.join('\n'));
});

test('consumerStatus asks the consumer through the broker (GET_CONSUMER_RUNNING_INFO relayed) and prints its report', async () => {
  const cwd = mkdtempSync(join(tmpdir(), 'apogee-consumer-status-'));
  try {
    const out = (await mqadminOk(['consumerStatus', '-n', ns, '-g', GROUP], { cwd })).split('\n');
    const m = /^001  .{40} .{20} (\d+\/\S+)$/.exec(out[0]!);
    assert.ok(m, out[0]);
    assert.equal(out[0], `001  ${consumer.clientId.padEnd(40)} ${'V4_9_8'.padEnd(20)} ${m[1]}`);
    assert.equal(m[1]!.split('/')[1], consumer.clientId);
    // As Apache: the client's report is saved under <now>/<clientId> in the working directory.
    const saved = readFileSync(join(cwd, m[1]!), 'utf8');
    assert.match(saved, /^#Consumer Properties#\n/);
    assert.deepEqual(out.slice(1, 6), ['', '', 'Same subscription in the same group of consumer', '', 'Rebalance OK']);
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }

  const report = await mqadminOk(['consumerStatus', '-n', ns, '-g', GROUP, '-i', consumer.clientId]);
  assert.match(report, /^PROP_CONSUME_TYPE {23}: CONSUME_PASSIVELY$/m);
  assert.match(report, /^PROP_CONSUMEORDERLY {21}: false$/m);
  assert.match(report, /^PROP_CONSUMER_START_TIMESTAMP {11}: \d{13}$/m);
  assert.match(report, new RegExp(`^001 Topic: ${`%RETRY%${GROUP}`.padEnd(40)} ClassFilter: false    SubExpression: \\*$`, 'm'));
  assert.match(report, new RegExp(`^002 Topic: ${TOPIC.padEnd(40)} ClassFilter: false    SubExpression: \\*$`, 'm'));
  assert.match(report, /\n\n\n#Consumer Offset#\n#Topic {28}#Broker Name {22}#QID  #Consumer Offset {4}\n/);
  const offsets = await Promise.all([0, 1, 2, 3].map((q) => admin.consumerOffset(GROUP, { topic: TOPIC, brokerName: 'broker-a', queueId: q })));
  for (const [q, o] of offsets.entries()) assert.match(report, new RegExp(`^${TOPIC.padEnd(32)}  ${'broker-a'.padEnd(32)}  ${String(q).padEnd(4)}  ${String(o).padEnd(20)}$`, 'm'));
  assert.match(report, new RegExp(`^${TOPIC.padEnd(32)}  ${'broker-a'.padEnd(32)}  0 {4} ProcessQueueInfo \\[commitOffset=\\d+, cachedMsgMinOffset=`, 'm'));
  assert.match(report, /\n\n\n#Consumer RT&TPS#\n#Topic {34}#Pull RT/);

  await mqadminFails(/^mqadmin: SYSTEM_ERROR \(code 1\) for request 307 .*The Consumer <GroupCG> <nobody@1> not online$/, ['consumerStatus', '-n', ns, '-g', GROUP, '-i', 'nobody@1'], 1);
});

test('GET_CONSUMER_RUNNING_INFO as Java\'s mqadmin sends it gets the fields its ConsumerRunningInfo reads', async () => {
  // MQClientAPIImpl.getConsumerRunningInfo: header consumerGroup, clientId, jstackEnable; no body.
  const client = new RawClient(cluster.brokerAddr);
  try {
    const r = await client.request(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: GROUP, clientId: consumer.clientId, jstackEnable: 'false' });
    assert.equal(r.code, 0, r.remark);
    const info = parseFastJson(r.body!.toString('utf8')) as { properties: Record<string, string>; subscriptionSet: Array<{ topic: string }>; mqTable: Record<string, { commitOffset: number; locked: boolean }>; statusTable: object };
    // analyzeSubscription/analyzeProcessQueue fail on a report without these.
    assert.equal(info.properties.PROP_CONSUME_TYPE, 'CONSUME_PASSIVELY');
    assert.equal(info.properties.PROP_CONSUMEORDERLY, 'false');
    assert.match(info.properties.PROP_CONSUMER_START_TIMESTAMP ?? '', /^\d{13}$/);
    assert.deepEqual(info.subscriptionSet.map((s) => s.topic).sort(), [`%RETRY%${GROUP}`, TOPIC]);
    // mqTable is keyed by MessageQueue objects, as fastjson writes a TreeMap<MessageQueue, ProcessQueueInfo>.
    const keys = Object.keys(info.mqTable).map((k) => parseObjectKey(k) as { topic: string; queueId: number });
    assert.deepEqual(keys.filter((k) => k.topic === TOPIC).map((k) => k.queueId).sort(), [0, 1, 2, 3]);
    assert.equal(typeof Object.values(info.mqTable)[0]?.commitOffset, 'number');
    assert.deepEqual(info.statusTable, {});
    const gone = await client.request(RequestCode.GET_CONSUMER_RUNNING_INFO, { consumerGroup: GROUP, clientId: 'nobody@1', jstackEnable: 'false' });
    assert.equal(gone.code, 1);
    assert.equal(gone.remark, 'The Consumer <GroupCG> <nobody@1> not online');
  } finally {
    await client.close();
  }
});

test('updateSubGroup creates the group on the broker with the given settings; deleteSubGroup removes it and its retry and DLQ topics', async () => {
  const created = await mqadminOk(['updateSubGroup', '-n', ns, '-b', cluster.brokerAddr, '-g', 'SubGroupA', '-r', '5', '-q', '2', '-d', 'true']);
  assert.equal(
    created,
    `create subscription group to ${cluster.brokerAddr} success.\nSubscriptionGroupConfig [groupName=SubGroupA, consumeEnable=true, consumeFromMinEnable=false, consumeBroadcastEnable=true, retryQueueNums=2, retryMaxTimes=5, brokerId=0, whichBrokerWhenConsumeSlowly=1, notifyConsumerIdsChangedEnable=true]\n`,
  );
  const g = (await admin.subscriptionGroups(cluster.brokerAddr)).get('SubGroupA');
  assert.deepEqual([g?.retryMaxTimes, g?.retryQueueNums, g?.consumeBroadcastEnable, g?.consumeFromMinEnable], [5, 2, true, false]);

  const byCluster = await mqadminOk(['updateSubGroup', '-n', ns, '-c', 'DefaultCluster', '-g', 'SubGroupA', '-s', 'false']);
  assert.match(byCluster, new RegExp(`^create subscription group to ${cluster.brokerAddr.replace(/\./g, '\\.')} success\\.\\nSubscriptionGroupConfig \\[groupName=SubGroupA, consumeEnable=false,`));
  assert.equal((await admin.subscriptionGroups(cluster.brokerAddr)).get('SubGroupA')?.consumeEnable, false);
  await mqadminFails(/^mqadmin: updateSubGroup: give -b \(--brokerAddr\) or -c \(--clusterName\)/, ['updateSubGroup', '-n', ns, '-g', 'SubGroupA'], 2);

  // Its retry topic exists once a broker made it; deleteSubGroup -c takes it away with the group.
  await admin.createTopic('%RETRY%SubGroupA', { clusterName: 'DefaultCluster', readQueueNums: 1, writeQueueNums: 1 });
  const deleted = await mqadminOk(['deleteSubGroup', '-n', ns, '-c', 'DefaultCluster', '-g', 'SubGroupA']);
  assert.deepEqual(deleted.trimEnd().split('\n'), [
    `delete subscription group [SubGroupA] from broker [${cluster.brokerAddr}] in cluster [DefaultCluster] success.`,
    'delete topic [%RETRY%SubGroupA] from cluster [DefaultCluster] success.',
    'delete topic [%RETRY%SubGroupA] from NameServer success.',
    'delete topic [%DLQ%SubGroupA] from cluster [DefaultCluster] success.',
    'delete topic [%DLQ%SubGroupA] from NameServer success.',
  ]);
  assert.equal((await admin.subscriptionGroups(cluster.brokerAddr)).get('SubGroupA'), undefined);
  assert.ok(!(await admin.topicList()).includes('%RETRY%SubGroupA'));
});

test('cloneGroupOffset gives the destination group the source group\'s committed offsets', async () => {
  const out = await mqadminOk(['cloneGroupOffset', '-n', ns, '-s', GROUP, '-d', 'ClonedGroup', '-t', TOPIC]);
  assert.equal(out, `clone group offset success. srcGroup[${GROUP}], destGroup=[ClonedGroup], topic[${TOPIC}]\n`);
  for (let q = 0; q < 4; q++) {
    const mq = { topic: TOPIC, brokerName: 'broker-a', queueId: q };
    assert.equal(await admin.consumerOffset('ClonedGroup', mq), await admin.consumerOffset(GROUP, mq), `queue ${q}`);
  }
  await mqadminFails(/^mqadmin: cloneGroupOffset: missing required option -d \(--destGroup\)/, ['cloneGroupOffset', '-n', ns, '-s', GROUP, '-t', TOPIC], 2);
});

test('resetOffsetByTime prints the recorded header and table', async () => {
  const out = (await mqadminOk(['resetOffsetByTime', '-n', ns, '-g', 'ResetGroup', '-t', TOPIC, '-s', '0'])).split('\n');
  assert.equal(out[0], `rollback consumer offset by specified group[ResetGroup], topic[${TOPIC}], force[true], timestamp(string)[0], timestamp(long)[0]`);
  assert.match(recordedLine('rollback consumer offset by specified group['), /^rollback consumer offset by specified group\[WireConsumerGroup\], topic\[WireTopic\], force\[true\], timestamp\(string\)\[now\], timestamp\(long\)\[\d+\]$/);
  assert.equal(out[1], recordedLine('#brokerName'));
  assert.deepEqual(out.slice(2, 6), [0, 1, 2, 3].map((q) => `${'broker-a'.padEnd(40)}  ${String(q).padEnd(40)}  ${'0'.padEnd(40)}`));
});

test('consumerStatus -i of a pull consumer: it answers GET_CONSUMER_RUNNING_INFO as CONSUME_ACTIVELY with its assigned queues', async () => {
  const pull = new PullConsumer({ namesrvAddr: ns, consumerGroup: 'GroupPull', heartbeatBrokerInterval: 200 });
  await pull.start();
  try {
    await pull.assign((await pull.fetchMessageQueues(TOPIC)).slice(0, 2));
    await until(async () => (await admin.consumerConnection('GroupPull').catch(() => undefined))?.connectionSet.length === 1, 'the pull consumer heartbeat');
    const report = await mqadminOk(['consumerStatus', '-n', ns, '-g', 'GroupPull', '-i', pull.client.clientId]);
    assert.match(report, /^PROP_CONSUME_TYPE {23}: CONSUME_ACTIVELY$/m);
    assert.equal(report.split('\n').filter((l) => l.startsWith(`${TOPIC.padEnd(32)}  broker-a`)).length, 4, 'two queues, in the offset and the detail tables');
  } finally {
    await pull.shutdown();
  }
});
