/**
 * mqadmin's topic commands spawned as real processes against a real NameServer and broker (one
 * cluster for the file): usage and errors, then each command's output lines against what the real
 * 4.3.2 tool printed in the recording (test/fixtures/rocketmq-4.3.2/wire/logs/driver-output.txt) or,
 * for commands not recorded, against Apache's format strings (tools/command/topic/*SubCommand), and
 * its effect on the broker and NameServer.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { frameBody, readFrames } from '../helpers/fixtures.js';
import { mqadmin, mqadminFails, mqadminOk, recordedLine, recordedOutput } from '../helpers/mqadmin.js';
import { RawClient } from '../helpers/raw-client.js';
import { Admin } from '../../src/client/admin.js';
import { decodeTopicRouteData } from '../../src/protocol/route.js';
import { prettyRoute } from '../../src/cli/mqadmin/topic-commands.js';
import { setLogLevel } from '../../src/common/logger.js';

if (!process.env.APOGEE_LOG_LEVEL) setLogLevel('warn');

let cluster: TestCluster;
let admin: Admin;
let ns: string;

before(async () => {
  cluster = await startCluster();
  ns = cluster.namesrvAddr;
  admin = new Admin({ namesrvAddr: ns });
  await admin.start();
});

after(async () => {
  await admin?.shutdown();
  await cluster?.stop();
});

test('mqadmin <cmd> -h prints Apache-style usage and exits 0; bad command lines are one line with exit 2', async () => {
  const help = await mqadminOk(['updateTopic', '-h']);
  const lines = help.trimEnd().split('\n');
  assert.match(lines[0]!, /^usage: mqadmin updateTopic \[-b <arg>\] \[-c <arg>\] \[-h\] \[-n <arg>\]/);
  assert.match(help, / -t <arg> /, 'a required option is not bracketed');
  // One line per option, as commons-cli's HelpFormatter lays Apache's out (ServerUtil.printCommandLineHelp).
  for (const [flag, text] of <Array<[string, string]>>[['-b,--brokerAddr <arg>', 'create topic to which broker'], ['-t,--topic <arg>', 'topic name'], ['-o,--order <arg>', "set topic's order(true|false)"], ['-h,--help', 'Print help']]) {
    assert.match(help, new RegExp(`^ ${flag.replace(/[()|[\]]/g, '\\$&')}\\s+${text.replace(/[()|[\]]/g, '\\$&')}$`, 'm'));
  }
  assert.equal(await mqadminOk(['help', 'updateTopic']), help, 'mqadmin help <cmd> is the same text');
  for (const cmd of ['deleteTopic', 'updateTopicPerm', 'topicRoute', 'topicStatus', 'topicClusterList', 'topicList', 'allocateMQ', 'updateOrderConf']) {
    assert.match(await mqadminOk([cmd, '-h']), new RegExp(`^usage: mqadmin ${cmd} `), cmd);
  }
  const list = await mqadminOk(['help']);
  assert.match(list, /^ {3}updateTopicPerm {6}Update topic perm$/m);

  await mqadminFails(/^mqadmin: updateTopic: missing required option -t \(--topic\); see mqadmin updateTopic -h$/, ['updateTopic', '-n', ns, '-c', 'DefaultCluster'], 2);
  await mqadminFails(/^mqadmin: updateTopic: give -b \(--brokerAddr\) or -c \(--clusterName\)/, ['updateTopic', '-n', ns, '-t', 'X'], 2);
  await mqadminFails(/^mqadmin: topicRoute: Option '-t, --topic <value>' argument missing/, ['topicRoute', '-n', ns, '-t'], 2);
  await mqadminFails(/^mqadmin: topicStatus: Unknown option '-q'/, ['topicStatus', '-n', ns, '-q', 'x'], 2);
  await mqadminFails(/^mqadmin: -r \(readQueueNums\) must be an integer, got 'four'$/, ['updateTopic', '-n', ns, '-c', 'DefaultCluster', '-t', 'X', '-r', 'four'], 2);
  await mqadminFails(/^mqadmin: updateOrderConf: missing required option -m/, ['updateOrderConf', '-n', ns, '-t', 'X'], 2);
  // A refused request: one line naming the refusal, exit 1.
  await mqadminFails(/^mqadmin: TOPIC_NOT_EXIST \(code 17\) for request 105: No topic route info in name server for the topic: NoSuchTopic$/, ['topicRoute', '-n', ns, '-t', 'NoSuchTopic'], 1);
});

test('updateTopic prints Apache\'s lines and creates the topic; topicRoute prints the route as Java\'s fastjson pretty JSON', async () => {
  const created = await mqadminOk(['updateTopic', '-n', ns, '-c', 'DefaultCluster', '-t', 'AdmTopic', '-r', '4', '-w', '4']);
  // As recorded: "create topic to <addr> success." then TopicConfig.toString().
  const recorded = recordedOutput();
  assert.equal(recorded[2], 'create topic to 127.0.0.2:10911 success.');
  assert.match(recorded[3]!, /^TopicConfig \[topicName=WireTopic, readQueueNums=4, writeQueueNums=4, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false\]/);
  assert.equal(created, `create topic to ${cluster.brokerAddr} success.\nTopicConfig [topicName=AdmTopic, readQueueNums=4, writeQueueNums=4, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false]\n`);
  const route = await admin.topicRoute('AdmTopic');
  assert.equal(route.queueDatas[0]?.writeQueueNums, 4);

  const printed = await mqadminOk(['topicRoute', '-n', ns, '-t', 'AdmTopic']);
  assert.equal(printed, prettyRoute(route) + '\n');
  assert.match(printed, new RegExp(`^\\t\\t\\t"brokerAddrs":\\{0:"${cluster.brokerAddr.replace(/\./g, '\\.')}"$`, 'm'));
  assert.match(printed, /^\t\t\t"topicSynFlag":0,$/m);

  const table = (await mqadminOk(['topicRoute', '-n', ns, '-t', 'AdmTopic', '-l'])).split('\n');
  assert.match(table[0]!, /^#ClusterName {34}#BrokerName {22}#BrokerAddrs {39}#ReadQueue #WriteQueue #Perm$/);
  assert.match(table[1]!, /^DefaultCluster\s+broker-a\s+\{0=\S+\}\s+4\s+4\s+6\s*$/);
  assert.equal(table[2], '-'.repeat(158));
});

test('prettyRoute reproduces the real 4.3.2 tool\'s topicRoute output from the route it was given', () => {
  // The NameServer's answer to that topicRoute call, and the text the tool printed for it.
  const frames = readFrames('rocketmq-4.3.2/wire/route-and-cluster.jsonl');
  const answer = frames.filter((f) => f.isResponse && f.requestCode === 105 && f.code === 0).find((f) => (frameBody(f)?.toString() ?? '').includes('"readQueueNums":4'));
  assert.ok(answer, 'recorded route of WireTopic');
  const lines = recordedOutput();
  const start = lines.indexOf('{');
  const end = lines.indexOf('}', start);
  assert.equal(prettyRoute(decodeTopicRouteData(frameBody(answer))), lines.slice(start, end + 1).join('\n'));
});

test('topicStatus has the recorded columns; topicClusterList, allocateMQ and topicList (-c) list what the cluster holds', async () => {
  await mqadminOk(['updateTopic', '-n', ns, '-c', 'DefaultCluster', '-t', 'StatusTopic', '-r', '2', '-w', '2']);
  const client = new RawClient(cluster.brokerAddr);
  try {
    assert.equal((await client.send('StatusTopic', 'x', { queueId: 1 })).code, 0);
  } finally {
    await client.close();
  }
  const status = (await mqadminOk(['topicStatus', '-n', ns, '-t', 'StatusTopic'])).split('\n');
  // Header and an empty queue's row exactly as the real tool printed them (trailing spaces included).
  assert.equal(status[0], recordedLine('#Broker Name                      #QID'));
  assert.equal(status[1], recordedLine('broker-a                          0     0                     0'));
  assert.match(status[2]!, /^broker-a {26}1 {5}0 {21}1 {23}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}$/);

  assert.equal(await mqadminOk(['topicClusterList', '-n', ns, '-t', 'StatusTopic']), 'DefaultCluster\n');

  const allocation = JSON.parse(await mqadminOk(['allocateMQ', '-n', ns, '-t', 'AdmTopic', '-i', '10.0.0.1,10.0.0.2,10.0.0.3'])) as { result: Record<string, Array<{ brokerName: string; queueId: number; topic: string }>> };
  // AllocateMessageQueueAveragely: 4 queues over 3 clients → 2, 1, 1, contiguous.
  assert.deepEqual(Object.fromEntries(Object.entries(allocation.result).map(([ip, qs]) => [ip, qs.map((q) => q.queueId)])), { '10.0.0.1': [0, 1], '10.0.0.2': [2], '10.0.0.3': [3] });

  const plain = (await mqadminOk(['topicList', '-n', ns])).split('\n');
  assert.ok(plain.includes('StatusTopic') && plain.includes('AdmTopic'));
  // A group with an offset on StatusTopic is its consumer in the -c listing.
  await admin.updateConsumerOffset('StatusGroup', { topic: 'StatusTopic', brokerName: 'broker-a', queueId: 1 }, 1);
  const byCluster = (await mqadminOk(['topicList', '-n', ns, '-c'])).split('\n');
  assert.equal(byCluster[0], `${'#Cluster Name'.padEnd(20)}  ${'#Topic'.padEnd(48)}  ${'#Consumer Group'.padEnd(48)}`);
  assert.ok(byCluster.includes(`${'DefaultCluster'.padEnd(20)}  ${'StatusTopic'.padEnd(48)}  ${'StatusGroup'.padEnd(48)}`), byCluster.join('\n'));
  assert.ok(byCluster.includes(`${'DefaultCluster'.padEnd(20)}  ${'AdmTopic'.padEnd(48)}  ${''.padEnd(48)}`));
  assert.ok(!byCluster.some((l) => l.includes('%RETRY%')), 'retry topics are left out');
});

test('updateTopicPerm changes the permission in the route (-c and -b); the same perm is refused as Apache does', async () => {
  await mqadminOk(['updateTopic', '-n', ns, '-b', cluster.brokerAddr, '-t', 'PermTopic', '-r', '2', '-w', '2']);
  assert.equal(await mqadminOk(['updateTopicPerm', '-n', ns, '-c', 'DefaultCluster', '-t', 'PermTopic', '-p', '4']), `update topic perm from 6 to 4 in ${cluster.brokerAddr} success.\n`);
  assert.equal((await admin.topicRoute('PermTopic')).queueDatas[0]?.perm, 4);
  const byBroker = await mqadminOk(['updateTopicPerm', '-n', ns, '-b', cluster.brokerAddr, '-t', 'PermTopic', '-p', '6']);
  assert.equal(byBroker.split('\n')[0], `update topic perm from 4 to 6 in ${cluster.brokerAddr} success.`);
  assert.match(byBroker.split('\n')[1]!, /^TopicConfig \[topicName=PermTopic, readQueueNums=2, writeQueueNums=2, perm=RW-,/);
  assert.equal((await admin.topicRoute('PermTopic')).queueDatas[0]?.perm, 6);
  assert.equal(await mqadminOk(['updateTopicPerm', '-n', ns, '-c', 'DefaultCluster', '-t', 'PermTopic', '-p', '6']), 'new perm equals to the old one!\n');
  await mqadminFails(/^mqadmin: -p \(perm\) must be 2 \(W\), 4 \(R\) or 6 \(RW\), got 7$/, ['updateTopicPerm', '-n', ns, '-c', 'DefaultCluster', '-t', 'PermTopic', '-p', '7'], 2);
});

test('updateOrderConf puts, gets and deletes an ordered topic\'s layout; updateTopic -o true sets it', async () => {
  assert.equal(await mqadminOk(['updateOrderConf', '-n', ns, '-t', 'OrderTopic', '-m', 'put', '-v', 'broker-a:4']), 'update orderConf success. topic=[OrderTopic], orderConf=[broker-a:4]\n');
  assert.equal(await admin.getOrderConf('OrderTopic'), 'broker-a:4');
  assert.equal(await mqadminOk(['updateOrderConf', '-n', ns, '-t', 'OrderTopic', '-m', 'get']), 'get orderConf success. topic=[OrderTopic], orderConf=[broker-a:4] \n');
  assert.equal(await mqadminOk(['updateOrderConf', '-n', ns, '-t', 'OrderTopic', '-m', 'delete']), 'delete orderConf success. topic=[OrderTopic]\n');
  assert.equal(await admin.getOrderConf('OrderTopic'), undefined);
  await mqadminFails(/^mqadmin: please set orderConf with option -v\.$/, ['updateOrderConf', '-n', ns, '-t', 'OrderTopic', '-m', 'put'], 2);

  const created = await mqadminOk(['updateTopic', '-n', ns, '-c', 'DefaultCluster', '-t', 'OrderTopic', '-w', '2', '-r', '2', '-o', 'true']);
  // As Java prints it: the orderConf note and TopicConfig share a line (no line end between them).
  assert.match(created, /^set cluster orderConf\. isOrder=true, orderConf=\[broker-a:2\]TopicConfig \[topicName=OrderTopic, .*order=true\]$/m);
  assert.equal(await admin.getOrderConf('OrderTopic'), 'broker-a:2');
});

test('deleteTopic removes the topic from the broker and the NameServer, printing both steps', async () => {
  await mqadminOk(['updateTopic', '-n', ns, '-c', 'DefaultCluster', '-t', 'GoneTopic']);
  assert.ok(cluster.broker.context.topics.get('GoneTopic'));
  const deleted = await mqadminOk(['deleteTopic', '-n', ns, '-c', 'DefaultCluster', '-t', 'GoneTopic']);
  assert.equal(deleted, 'delete topic [GoneTopic] from cluster [DefaultCluster] success.\ndelete topic [GoneTopic] from NameServer success.\n');
  assert.equal(cluster.broker.context.topics.get('GoneTopic'), undefined);
  assert.ok(!(await admin.topicList()).includes('GoneTopic'));
  const r = await mqadmin(['topicRoute', '-n', ns, '-t', 'GoneTopic']);
  assert.equal(r.code, 1);
});
