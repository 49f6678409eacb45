/**
 * mqadmin's broker and NameServer commands spawned as real processes against a real NameServer and
 * broker (one cluster for the file): brokerStatus against the recorded 4.3.2 output
 * (test/fixtures/rocketmq-4.3.2/wire/logs/driver-output.txt), the rest against Apache 4.3.2's
 * format strings (tools/command/broker/{GetBrokerConfigCommand,UpdateBrokerConfigSubCommand,
 * CleanExpiredCQSubCommand,CleanUnusedTopicCommand}, tools/command/namesrv/*), each with its effect.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { mqadminFails, mqadminOk, recordedLine } from '../helpers/mqadmin.js';
import { RawClient } from '../helpers/raw-client.js';
import { Admin } from '../../src/client/admin.js';
import { PERM_READ, PERM_WRITE } from '../../src/protocol/perm.js';
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

test('brokerStatus prints "%-32s: %s" lines sorted by key, as the recorded 4.3.2 output', async () => {
  const lines = (await mqadminOk(['brokerStatus', '-n', ns, '-b', cluster.brokerAddr])).trimEnd().split('\n');
  assert.equal(recordedLine('brokerVersion '), `${'brokerVersion'.padEnd(32)}: 277`);
  assert.ok(lines.includes(`${'brokerVersion'.padEnd(32)}: 409`), lines.join('\n'));
  const keys = lines.map((l) => l.slice(0, l.indexOf(': ')).trimEnd());
  assert.deepEqual(keys, [...keys].sort(), 'sorted as a TreeMap');
  for (const l of lines) assert.match(l, /^\S+ *: /);
  assert.ok(lines.some((l) => l.startsWith(`${'putTps'.padEnd(32)}: `)));
});

test('getBrokerConfig prints the banner and "%-50s=  %s" lines; updateBrokerConfig changes the running broker', async () => {
  const printed = (await mqadminOk(['getBrokerConfig', '-n', ns, '-b', cluster.brokerAddr])).split('\n');
  assert.equal(printed[0], `============${cluster.brokerAddr}============`);
  assert.ok(printed.includes(`${'brokerName'.padEnd(50)}=  broker-a`));
  assert.deepEqual(printed.slice(-2), ['', ''], 'a blank line after the properties');

  assert.equal(await mqadminOk(['updateBrokerConfig', '-n', ns, '-b', cluster.brokerAddr, '-k', 'fileReservedTime', '-v', '55']), `update broker config success, ${cluster.brokerAddr}\n`);
  assert.equal((await admin.brokerConfig(cluster.brokerAddr)).get('fileReservedTime'), '55');
  assert.ok((await mqadminOk(['getBrokerConfig', '-n', ns, '-c', 'DefaultCluster'])).split('\n').includes(`${'fileReservedTime'.padEnd(50)}=  55`));
  await mqadminFails(/^mqadmin: updateBrokerConfig: missing required option -v \(--value\)/, ['updateBrokerConfig', '-n', ns, '-b', cluster.brokerAddr, '-k', 'fileReservedTime'], 2);
  await mqadminFails(/^mqadmin: SYSTEM_ERROR \(code 1\) for request 25 from /, ['updateBrokerConfig', '-n', ns, '-b', cluster.brokerAddr, '-k', 'fileReservedTime', '-v', 'soon'], 1);
});

test('getNamesrvConfig and updateNamesrvConfig read and change the running NameServer', async () => {
  const before = (await mqadminOk(['getNamesrvConfig', '-n', ns])).split('\n');
  assert.equal(before[0], `============${ns}============`);
  assert.ok(before.includes(`${'orderMessageEnable'.padEnd(50)}=  false`), before.join('\n'));
  assert.equal(await mqadminOk(['updateNamesrvConfig', '-n', ns, '-k', 'orderMessageEnable', '-v', 'true']), `update name server config success![${ns}]\norderMessageEnable : true\n`);
  assert.equal(cluster.namesrv.config.orderMessageEnable, true);
  assert.ok((await mqadminOk(['getNamesrvConfig', '-n', ns])).split('\n').includes(`${'orderMessageEnable'.padEnd(50)}=  true`));
  await mqadminOk(['updateNamesrvConfig', '-n', ns, '-k', 'orderMessageEnable', '-v', 'false']);
  await mqadminFails(/^mqadmin: SYSTEM_ERROR \(code 1\) for request 318 from /, ['updateNamesrvConfig', '-n', ns, '-k', 'orderMessageEnable', '-v', 'maybe'], 1);
});

test('updateKvConfig and deleteKvConfig change the NameServer KV table', async () => {
  assert.equal(await mqadminOk(['updateKvConfig', '-n', ns, '-s', 'OPS', '-k', 'owner', '-v', 'team-a']), 'create or update kv config to namespace success.\n');
  assert.equal(await admin.getKVConfig('OPS', 'owner'), 'team-a');
  assert.equal(await mqadminOk(['deleteKvConfig', '-n', ns, '-s', 'OPS', '-k', 'owner']), 'delete kv config from namespace success.\n');
  assert.equal(await admin.getKVConfig('OPS', 'owner'), undefined);
  await mqadminFails(/^mqadmin: updateKvConfig: missing required option -s \(--namespace\)/, ['updateKvConfig', '-n', ns, '-k', 'a', '-v', 'b'], 2);
});

test('wipeWritePerm and addWritePerm take and give back the write permission in the NameServer route', async () => {
  await admin.createTopic('PermWipeTopic', { clusterName: 'DefaultCluster', readQueueNums: 1, writeQueueNums: 1 });
  const wiped = await mqadminOk(['wipeWritePerm', '-n', ns, '-b', 'broker-a']);
  assert.match(wiped, new RegExp(`^wipe write perm of broker\\[broker-a\\] in name server\\[${ns.replace(/\./g, '\\.')}\\] OK, [1-9]\\d*\\n$`));
  assert.equal((await admin.topicRoute('PermWipeTopic')).queueDatas[0]?.perm, PERM_READ);
  const added = await mqadminOk(['addWritePerm', '-n', ns, '-b', 'broker-a']);
  assert.match(added, new RegExp(`^add write perm of broker\\[broker-a\\] in name server\\[${ns.replace(/\./g, '\\.')}\\] OK, [1-9]\\d*\\n$`));
  assert.equal((await admin.topicRoute('PermWipeTopic')).queueDatas[0]?.perm, PERM_READ | PERM_WRITE);
});

test('cleanUnusedTopic drops consume queues of topics without config; cleanExpiredCQ keeps queues whose messages are still stored', async () => {
  const ctx = cluster.broker.context;
  await admin.createTopic('KeptTopic', { clusterName: 'DefaultCluster', readQueueNums: 1, writeQueueNums: 1 });
  await admin.createTopic('OrphanTopic', { clusterName: 'DefaultCluster', readQueueNums: 1, writeQueueNums: 1 });
  const client = new RawClient(cluster.brokerAddr);
  try {
    for (const topic of ['KeptTopic', 'OrphanTopic']) assert.equal((await client.send(topic, 'x', { queueId: 0 })).code, 0);
  } finally {
    await client.close();
  }
  // The topic's config goes (as when a topic config file is edited by hand), its queue stays behind.
  ctx.topics.delete('OrphanTopic');
  assert.ok(ctx.store.topics().has('OrphanTopic'));

  assert.equal(await mqadminOk(['cleanExpiredCQ', '-n', ns, '-b', cluster.brokerAddr]), 'success\n');
  assert.ok(ctx.store.topics().has('KeptTopic') && ctx.store.topics().has('OrphanTopic'), 'nothing expired: nothing removed');

  assert.equal(await mqadminOk(['cleanUnusedTopic', '-n', ns, '-c', 'DefaultCluster']), 'success\n');
  assert.equal(ctx.store.topics().has('OrphanTopic'), false);
  assert.equal(ctx.store.getMaxOffsetInQueue('KeptTopic', 0), 1, 'a configured topic keeps its queue');
  assert.equal(await mqadminOk(['cleanUnusedTopic', '-n', ns]), 'success\n', 'without -b/-c: every cluster');
});

test('cleanExpiredCQ drops the consume queues of a topic whose messages all went with a deleted CommitLog file', async () => {
  const ctx = cluster.broker.context;
  await admin.createTopic('ExpiredTopic', { clusterName: 'DefaultCluster', readQueueNums: 1, writeQueueNums: 1 });
  await admin.createTopic('LiveTopic', { clusterName: 'DefaultCluster', readQueueNums: 1, writeQueueNums: 1 });
  const client = new RawClient(cluster.brokerAddr);
  const big = Buffer.alloc(1024 * 1024, 'x');
  try {
    // The test store's CommitLog files are 4 MiB: ExpiredTopic's messages fill most of the current
    // one, LiveTopic's roll over into the next.
    const first = ctx.store.maxPhyOffset();
    while (ctx.store.maxPhyOffset() - first < 3 * big.length) assert.equal((await client.send('ExpiredTopic', big, { queueId: 0 })).code, 0);
    for (let i = 0; i < 5; i++) assert.equal((await client.send('LiveTopic', big, { queueId: 0 })).code, 0);
  } finally {
    await client.close();
  }
  // Retention removes the old file (kept 0 hours), as an operator's deleteExpiredCommitLog would.
  await mqadminOk(['updateBrokerConfig', '-n', ns, '-b', cluster.brokerAddr, '-k', 'fileReservedTime', '-v', '0']);
  ctx.store.executeDeleteFilesManually();
  assert.equal(ctx.store.config.fileReservedTime, 0, 'updateBrokerConfig reaches the running store');
  assert.ok(ctx.store.cleanFiles().commitLog > 0, 'a CommitLog file was deleted');
  const min = ctx.store.minPhyOffset();
  const expiredMax = ctx.store.getMaxOffsetInQueue('ExpiredTopic', 0);
  assert.ok(expiredMax > 0 && ctx.store.getCommitLogOffsetInQueue('ExpiredTopic', 0, expiredMax - 1) < min, 'every ExpiredTopic message lay in the deleted file');

  assert.equal(await mqadminOk(['cleanExpiredCQ', '-n', ns, '-c', 'DefaultCluster']), 'success\n');
  assert.equal(ctx.store.topics().has('ExpiredTopic'), false);
  assert.equal(ctx.store.getMaxOffsetInQueue('LiveTopic', 0), 5, 'a queue with stored messages stays');
});
