/**
 * mqadmin's statistics, round-trip and monitoring commands, spawned as real processes against one
 * real NameServer + broker with a known load, and the broker requests behind them sent as Java's
 * mqadmin sends them (header keys of Apache's ViewBrokerStatsDataRequestHeader,
 * GetConsumeStatsInBrokerHeader, QueryConsumeQueueRequestHeader; version 277 like the recorded
 * 4.3.2 tools), their bodies checked for the fields and JSON dialect Java's classes decode.
 * Output lines follow the format strings of Apache 4.9's StatsAllSubCommand,
 * BrokerConsumeStatsSubCommad, SendMsgStatusCommand, CLusterSendMsgRTCommand and MonitorService.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { fails, linesOf, mqadmin, ok } from '../helpers/mqadmin-cli.js';
import { until } from '../helpers/wait.js';
import { command } from '../../src/codec/command.js';
import { parseFastJson } from '../../src/codec/fastjson.js';
import { RemotingClient } from '../../src/transport/client.js';
import { Admin } from '../../src/client/admin.js';
import { Producer } from '../../src/client/producer.js';
import { PushConsumer } from '../../src/client/push-consumer.js';
import { setLogLevel } from '../../src/common/logger.js';

if (!process.env.APOGEE_LOG_LEVEL) setLogLevel('warn');

const IN = 7; // messages to StatsTopic, all consumed by StatsGroup
const LAGGING = 5; // messages to LagTopic; LagGroup committed 2 of them and is offline
const STUCK = 3; // messages to SlowTopic; SlowGroup is online but its listener never finishes

let cluster: TestCluster;
let ns: string;
let admin: Admin;
let producer: Producer;
let consumer: PushConsumer;
let slow: PushConsumer;
let releaseSlow: () => void = () => undefined;
const consumed: string[] = [];

const run = (...args: string[]): Promise<string> => ok([...args, '-n', ns]);
/** A statsAll row's seven columns, cut at Apache's widths ("%-64s  %-64s %12d %11.2f %11.2f %14d %14d"). */
const columns = (line: string): string[] => [[0, 64], [66, 130], [131, 143], [144, 155], [156, 167], [168, 182], [183, 197]].map(([from, to]) => line.slice(from, to).trim());

before(async () => {
  cluster = await startCluster();
  ns = cluster.namesrvAddr;
  admin = new Admin({ namesrvAddr: ns });
  await admin.start();
  for (const [topic, queues] of [['StatsTopic', 2], ['LagTopic', 1], ['SlowTopic', 1], ['IdleTopic', 1]] as const) {
    await admin.createTopic(topic, { clusterName: 'DefaultCluster', readQueueNums: queues, writeQueueNums: queues });
  }
  producer = new Producer({ namesrvAddr: ns, producerGroup: 'StatsProducer' });
  await producer.start();
  for (let i = 0; i < IN; i++) await producer.send({ topic: 'StatsTopic', body: `in-${i}` });
  for (let i = 0; i < LAGGING; i++) await producer.send({ topic: 'LagTopic', body: `lag-${i}` });
  for (let i = 0; i < STUCK; i++) await producer.send({ topic: 'SlowTopic', body: `slow-${i}` });

  consumer = new PushConsumer({ namesrvAddr: ns, consumerGroup: 'StatsGroup', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  consumer.subscribe('StatsTopic', '*');
  consumer.registerMessageListener(async (msgs) => {
    for (const m of msgs) consumed.push(m.body.toString());
    return 'CONSUME_SUCCESS' as const;
  });
  await consumer.start();
  const gate = new Promise<void>((resolve) => (releaseSlow = resolve));
  slow = new PushConsumer({ namesrvAddr: ns, consumerGroup: 'SlowGroup', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  slow.subscribe('SlowTopic', '*');
  slow.registerMessageListener(async () => {
    await gate;
    return 'CONSUME_SUCCESS' as const;
  });
  await slow.start();

  // LagGroup: a subscription group that consumed 2 of LagTopic's messages and went away.
  await admin.createOrUpdateSubscriptionGroup({ groupName: 'LagGroup' }, { clusterName: 'DefaultCluster' });
  await admin.updateConsumerOffset('LagGroup', { topic: 'LagTopic', brokerName: 'broker-a', queueId: 0 }, 2);

  await until(() => consumed.length >= IN, 'StatsGroup consumed its load', 20_000);
  await until(async () => (await admin.consumeStats('StatsGroup', 'StatsTopic')).diffTotal === 0, 'StatsGroup offsets committed', 20_000, 200);
  // A broker lists a group's topics from its stored offsets (Java's whichTopicByConsumer): wait for
  // SlowGroup's first commit (offset 0, nothing consumed) to reach it.
  await until(async () => (await admin.fetchConsumeStatsInBroker(cluster.brokerAddr)).consumeStatsList.some((g) => g.group === 'SlowGroup' && g.stats.some((s) => s.offsetTable.some((e) => e.mq.topic === 'SlowTopic'))), 'SlowGroup offset committed', 20_000, 200);
});

after(async () => {
  releaseSlow();
  await slow?.shutdown();
  await consumer?.shutdown();
  await producer?.shutdown();
  await admin?.shutdown();
  await cluster?.stop();
});

test('statsAll counts the messages put to and got from each topic today, per consumer group (VIEW_BROKER_STATS_DATA)', async () => {
  const lines = linesOf(await run('statsAll'));
  assert.equal(lines[0], `${'#Topic'.padEnd(64)}  ${'#Consumer Group'.padEnd(64)} ${'#Accumulation'.padStart(12)} ${'#InTPS'.padStart(11)} ${'#OutTPS'.padStart(11)} ${'#InMsg24Hour'.padStart(14)} ${'#OutMsg24Hour'.padStart(14)}`);
  const row = (topic: string, group: string): string[] | undefined => lines.slice(1).map(columns).find((c) => c[0] === topic && c[1] === group);
  const stats = row('StatsTopic', 'StatsGroup');
  assert.ok(stats, lines.join('\n'));
  assert.equal(stats[2], '0', 'nothing left to consume');
  assert.match(stats[3]!, /^\d+\.\d\d$/);
  assert.equal(stats[5], String(IN), 'InMsg24Hour');
  assert.equal(stats[6], String(IN), 'OutMsg24Hour');
  const lag = row('LagTopic', 'LagGroup');
  assert.deepEqual([lag?.[2], lag?.[5], lag?.[6]], [String(LAGGING - 2), String(LAGGING), '0']);
  const idle = row('IdleTopic', '');
  assert.deepEqual(idle && [idle[2], idle[5], idle[6]], ['0', '0', 'NO_CONSUMER']);
  assert.ok(!lines.some((l) => l.startsWith('%RETRY%')), 'retry topics are left out');

  const active = linesOf(await run('statsAll', '-a'));
  assert.ok(active.some((l) => columns(l)[0] === 'StatsTopic'));
  assert.ok(!active.some((l) => columns(l)[0] === 'IdleTopic'), '-a leaves out topics without traffic');
  const one = linesOf(await run('statsAll', '-t', 'LagTopic'));
  assert.deepEqual(one.slice(1).map((l) => columns(l)[0]), ['LagTopic']);
});

test('brokerConsumeStats lists every group\'s queues on a broker with their lag, and the total (GET_BROKER_CONSUME_STATS)', async () => {
  const lines = linesOf(await run('brokerConsumeStats', '-b', cluster.brokerAddr));
  assert.equal(lines[0], `${'#Topic'.padEnd(64)}  ${'#Group'.padEnd(64)}  ${'#Broker Name'.padEnd(32)}  ${'#QID'.padEnd(4)}  ${'#Broker Offset'.padEnd(20)}  ${'#Consumer Offset'.padEnd(20)}  ${'#Diff'.padEnd(20)}  #LastTime`);
  const lag = lines.find((l) => l.startsWith('LagTopic '));
  assert.ok(lag, lines.join('\n'));
  assert.match(lag, new RegExp(`^LagTopic {56}  LagGroup {56}  broker-a {24}  0 {3}  ${LAGGING} {19}  2 {19}  ${LAGGING - 2} {19}  \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d$`));
  assert.equal(lines.filter((l) => l.startsWith('StatsTopic ')).length, 2);
  // SlowGroup has consumed nothing (its committed offset is 0): no last time, so no row, but its lag is in the total.
  assert.ok(!lines.some((l) => l.startsWith('SlowTopic ')));
  assert.deepEqual(lines.slice(-2), ['', `Diff Total: ${LAGGING - 2 + STUCK}`]);
  const above = linesOf(await run('brokerConsumeStats', '-b', cluster.brokerAddr, '-l', String(LAGGING - 1)));
  assert.ok(!above.some((l) => l.startsWith('LagTopic ')), '-l hides queues below the threshold');
  await fails(/^mqadmin: .*127\.0\.0\.1:1/, ['brokerConsumeStats', '-n', ns, '-b', '127.0.0.1:1', '-t', '2000']);
});

test('startMonitoring prints one round of undone messages for every online group (MonitorService, DefaultMonitorListener)', async () => {
  const lines = linesOf(await run('startMonitoring'));
  assert.equal(lines[0], '[MONITOR] =========================================beginRound');
  assert.equal(lines.at(-1), '[MONITOR] =========================================endRound');
  const undone = (group: string, topic: string): string | undefined => lines.find((l) => l.startsWith(`[MONITOR] reportUndoneMsgs: UndoneMsgs [consumerGroup=${group}, topic=${topic}, `));
  assert.match(undone('SlowGroup', 'SlowTopic') ?? '', new RegExp(`undoneMsgsTotal=${STUCK}, undoneMsgsSingleMQ=${STUCK}, undoneMsgsDelayTimeMills=0\\]$`));
  assert.match(undone('StatsGroup', 'StatsTopic') ?? '', /undoneMsgsTotal=0, undoneMsgsSingleMQ=0, undoneMsgsDelayTimeMills=\d+\]$/);
  assert.equal(undone('LagGroup', 'LagTopic'), undefined, 'offline groups are not reported');
});

test('sendMsgStatus sends -c messages to the broker\'s own topic and prints each RT and SendResult; statsAll then counts them', async () => {
  const lines = linesOf(await run('sendMsgStatus', '-b', 'broker-a', '-c', '3', '-s', '40'));
  assert.equal(lines.length, 3);
  for (const l of lines) {
    assert.match(l, /^rt=\d+ms, SendResult=SendResult \[sendStatus=SEND_OK, msgId=[0-9A-F]{32}, offsetMsgId=[0-9A-F]{32}, messageQueue=MessageQueue \[topic=broker-a, brokerName=broker-a, queueId=0\], queueOffset=\d+\]$/);
  }
  const row = linesOf(await run('statsAll', '-t', 'broker-a')).slice(1).map(columns);
  assert.equal(row[0]?.[5], '4', 'the warm-up send and the three timed ones');
});

test('clusterRT times sends to every broker of the cluster, in a table or as tlog lines (CLusterSendMsgRTCommand)', async () => {
  const table = linesOf(await run('clusterRT', '-a', '3', '-s', '8'));
  assert.equal(table[0], `${'#Cluster Name'.padEnd(24)}  ${'#Broker Name'.padEnd(24)}  ${'#RT'.padEnd(4)}  ${'#successCount'.padEnd(8)}  ${'#failCount'.padEnd(8)}`);
  assert.match(table[1]!, /^DefaultCluster {10}  broker-a {16}  \d+\.\d\d *  3 {15}  0 {15}$/);
  assert.equal(table.length, 2, 'one round, then exit');
  const tlog = linesOf(await run('clusterRT', '-a', '2', '-p', 'true', '-m', 'room-1', '-c', 'DefaultCluster'));
  assert.match(tlog[0]!, /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\|room-1\|DefaultCluster\|broker-a\|\d+$/);
  await fails(/^mqadmin: cluster \[NoCluster\] not exist$/, ['clusterRT', '-n', ns, '-c', 'NoCluster', '-a', '1']);
});

test("the broker answers Java's requests for stats, broker consume stats and consume queues with the bodies Java's classes decode", async () => {
  const client = new RemotingClient();
  // What Java's MQClientAPIImpl sends: its header fields as strings, version V4_3_2 (277).
  const ask = (code: number, extFields: Record<string, string>) => client.invoke(cluster.brokerAddr, command({ code, version: 277, extFields }), 5000);
  try {
    const stats = await ask(315, { statsName: 'TOPIC_PUT_NUMS', statsKey: 'StatsTopic' });
    assert.equal(stats.code, 0);
    const text = stats.body!.toString();
    // BrokerStatsData: three BrokerStatsItem {avgpt: double, sum: long, tps: double}, doubles as Java prints them.
    assert.match(text, /^\{"statsDay":\{"avgpt":\d+\.\d+(E-?\d+)?,"sum":\d+,"tps":\d+\.\d+(E-?\d+)?\},"statsHour":\{.*\},"statsMinute":\{.*\}\}$/);
    assert.equal((parseFastJson(text) as { statsDay: { sum: number } }).statsDay.sum, IN);
    const missing = await ask(315, { statsName: 'TOPIC_PUT_NUMS', statsKey: 'NoSuchTopic' });
    assert.deepEqual([missing.code, missing.remark], [1, 'The stats <TOPIC_PUT_NUMS> <NoSuchTopic> not exist']);

    const brokerStats = await ask(317, { isOrder: 'false' });
    assert.equal(brokerStats.code, 0);
    // ConsumeStatsList: List<Map<group, List<ConsumeStats>>>, each offsetTable keyed by whole MessageQueue objects.
    assert.match(brokerStats.body!.toString(), new RegExp(`"consumeStatsList":\\[.*\\{"LagGroup":\\[\\{"consumeTps":0\\.0,"offsetTable":\\{\\{"brokerName":"broker-a","queueId":0,"topic":"LagTopic"\\}:\\{"brokerOffset":${LAGGING},"consumerOffset":2,"lastTimestamp":\\d+\\}\\}\\}\\]\\}`));
    assert.match(brokerStats.body!.toString(), new RegExp(`^\\{"brokerAddr":"${cluster.brokerAddr}",.*,"totalDiff":${LAGGING - 2 + STUCK}\\}$`));

    const cq = await ask(321, { topic: 'LagTopic', queueId: '0', index: '3', count: '10', consumerGroup: 'SlowGroup' });
    assert.equal(cq.code, 0);
    const body = parseFastJson(cq.body!.toString()) as { maxQueueIndex: number; minQueueIndex: number; queueData: unknown[]; filterData: string };
    assert.deepEqual([body.maxQueueIndex, body.minQueueIndex, body.queueData.length, body.filterData], [LAGGING, 0, LAGGING - 3, 'SlowGroup@LagTopic is not online!']);
    assert.match(cq.body!.toString(), /"queueData":\[\{"eval":false,"physicOffset":\d+,"physicSize":\d+,"tagsCode":\d+\}/);
    const noQueue = await ask(321, { topic: 'LagTopic', queueId: '5', index: '0', count: '1' });
    assert.deepEqual([noQueue.code, noQueue.remark], [1, '5@LagTopic is not exist!']);
  } finally {
    await client.close();
  }
});

test('every stats and monitoring command prints its usage on -h; bad values are one line', async () => {
  for (const name of ['statsAll', 'brokerConsumeStats', 'sendMsgStatus', 'clusterRT', 'startMonitoring']) {
    const r = await mqadmin([name, '-h']);
    assert.equal(r.code, 0, name);
    assert.match(r.stdout, new RegExp(`^usage: mqadmin ${name} `), name);
  }
  assert.match((await mqadmin(['brokerConsumeStats', '-h'])).stdout, /^usage: mqadmin brokerConsumeStats -b <arg> \[-h\] \[-l <arg>\] \[-n <arg>\] \[-o <arg>\] \[-t <arg>\]\n/);
  await fails(/^mqadmin: -c \(count\) must be a whole number >= 0, got 'many'$/, ['sendMsgStatus', '-n', ns, '-b', 'broker-a', '-c', 'many']);
  await fails(/^mqadmin: (brokerConsumeStats: )?missing (required )?option -b \((--)?brokerAddr\)/, ['brokerConsumeStats', '-n', ns]);
});
