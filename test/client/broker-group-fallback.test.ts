/**
 * How the SDK reaches a broker group whose master does not answer, with in-process servers: a
 * group registered on the NameServer at an address nobody listens on stands for a master that
 * died before the NameServer noticed (or one the NameServer still lists).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { RemotingClient } from '../../src/transport/client.js';
import { Broker } from '../../src/broker/broker.js';
import { brokerDefaults } from '../../src/broker/config.js';
import { Admin } from '../../src/client/admin.js';
import { ClientInstance, type DiagnosticEvent } from '../../src/client/instance.js';
import { PushConsumer } from '../../src/client/push-consumer.js';
import { startCluster } from '../helpers/cluster.js';
import { startNamesrv } from '../helpers/namesrv.js';
import { registerRequest } from '../helpers/broker-registration.js';
import { until } from '../helpers/wait.js';

/** A loopback address that refuses connections (a port just released). */
async function deadAddress(): Promise<string> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as { port: number }).port;
  server.close();
  await once(server, 'close');
  return `127.0.0.1:${port}`;
}

test('findAdminAddr: the master, else the lowest slave; NoRouteError when the group has no address', async () => {
  const client = new ClientInstance({ namesrvAddr: '127.0.0.1:1' });
  try {
    client.brokerAddrs.set('with-master', new Map([[2, 's2'], [0, 'm'], [1, 's1']]));
    client.brokerAddrs.set('slaves-only', new Map([[2, 's2'], [1, 's1']]));
    client.brokerAddrs.set('empty', new Map());
    assert.deepEqual(await client.findAdminAddr('with-master'), { addr: 'm', slave: false });
    assert.deepEqual(await client.findAdminAddr('slaves-only'), { addr: 's1', slave: true });
    assert.equal(client.slaveAddr('with-master'), 's1');
    assert.equal(client.slaveAddr('empty'), undefined);
    await assert.rejects(client.findAdminAddr('empty'), { name: 'NoRouteError' });
  } finally {
    await client.shutdown();
  }
});

test('a master the route lists but that does not answer: offsets are committed to and read from its slave, topicStats and consumeStats come from the slave', async () => {
  const ns = await startNamesrv();
  const home = mkdtempSync(join(tmpdir(), 'apogee-fallback-slave-'));
  const registrar = new RemotingClient();
  const admin = new Admin({ namesrvAddr: ns.addr, adminTimeoutMs: 3000 });
  let slave: Broker | undefined;
  try {
    const dead = await deadAddress();
    const registered = await registrar.invoke(ns.addr, registerRequest({ name: 'broker-x', addr: dead, version: 409, topics: [{ topicName: 'FallbackTopic' }] }), 3000);
    assert.equal(registered.code, 0);
    slave = new Broker(
      { ...brokerDefaults(), brokerName: 'broker-x', brokerId: 1, rocketmqHome: home, bindAddress: '127.0.0.1', listenPort: 0, namesrvAddr: ns.addr, registerNameServerPeriod: 1000 },
      { storeProperties: { storePathRootDir: join(home, 'store'), brokerRole: 'SLAVE', mapedFileSizeCommitLog: String(1024 * 1024), mapedFileSizeConsumeQueue: '6000' } },
    );
    await slave.start();
    await admin.start();
    // The slave has the topic (normally copied from its master).
    await admin.createTopic('FallbackTopic', { brokerAddr: slave.brokerAddr, readQueueNums: 4, writeQueueNums: 4 });
    await until(async () => (await admin.topicRoute('FallbackTopic')).brokerDatas[0]?.brokerAddrs.size === 2, 'master and slave in the route');
    const mq = { topic: 'FallbackTopic', brokerName: 'broker-x', queueId: 2 };

    await admin.updateConsumerOffset('FallbackGroup', mq, 7);
    assert.equal(slave.context.offsets.query('FallbackGroup', 'FallbackTopic', 2), 7, 'the commit reached the slave');
    assert.equal(await admin.consumerOffset('FallbackGroup', mq), 7, 'and is read back from it');

    const stats = await admin.topicStats('FallbackTopic');
    assert.deepEqual(stats.map((s) => `${s.mq.brokerName}/${s.mq.queueId}`), ['broker-x/0', 'broker-x/1', 'broker-x/2', 'broker-x/3']);
    const progress = await admin.consumeStats('FallbackGroup', 'FallbackTopic');
    assert.deepEqual(progress.offsetTable.map((e) => [e.mq.queueId, e.consumerOffset]), [[0, 0], [1, 0], [2, 7], [3, 0]]);
  } finally {
    await admin.shutdown();
    await registrar.close();
    await slave?.shutdown();
    await ns.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

test('a queue that cannot start (its broker group unreachable) is reported and retried, while the others start; a dead first broker does not stop the rebalance', async () => {
  const cluster = await startCluster({ brokerName: 'broker-a' });
  const registrar = new RemotingClient();
  const events: DiagnosticEvent[] = [];
  const consumer = new PushConsumer({
    namesrvAddr: cluster.namesrvAddr,
    consumerGroup: 'StartFailGroup',
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    pullTimeDelayMillsWhenException: 200,
    onDiagnostic: (e) => events.push(e),
  });
  const admin = new Admin({ namesrvAddr: cluster.namesrvAddr });
  try {
    await admin.start();
    // A group of the topic whose only address is dead (a master gone, no slave), listed first.
    const registered = await registrar.invoke(cluster.namesrvAddr, registerRequest({ name: 'broker-z', addr: await deadAddress(), version: 409, topics: [{ topicName: 'StartFailTopic', readQueueNums: 2, writeQueueNums: 2 }] }), 3000);
    assert.equal(registered.code, 0);
    await admin.createTopic('StartFailTopic', { brokerAddr: cluster.brokerAddr, readQueueNums: 2, writeQueueNums: 2 });
    await until(async () => (await admin.topicRoute('StartFailTopic')).brokerDatas.length === 2, 'both groups in the route');
    assert.equal((await admin.topicRoute('StartFailTopic')).brokerDatas[0]!.brokerName, 'broker-z', 'the dead group comes first (the consumer list is asked of the next one)');
    consumer.subscribe('StartFailTopic', '*').registerMessageListener(() => undefined);
    await consumer.start();
    const startFailures = (): string[] => events.flatMap((e) => (e.type === 'queue-start-failed' ? [e.queue] : []));
    await until(() => startFailures().length > 0, 'a queue-start-failed diagnostic');
    const first = events.find((e) => e.type === 'queue-start-failed') as Extract<DiagnosticEvent, { type: 'queue-start-failed' }>;
    assert.match(first.error.message, /consumer offset of StartFailTopic@broker-z:[01]/);
    const rebalance = events.find((e) => e.type === 'rebalance' && e.topic === 'StartFailTopic') as Extract<DiagnosticEvent, { type: 'rebalance' }>;
    assert.deepEqual(rebalance.added, ['StartFailTopic@broker-a:0', 'StartFailTopic@broker-a:1'], 'the reachable queues started');
    assert.deepEqual(rebalance.failed, ['StartFailTopic@broker-z:0', 'StartFailTopic@broker-z:1'], 'the unreachable ones are reported');
    // Retried, not dropped: the failed queues are tried again by the rebalances that follow.
    await until(() => startFailures().length >= 6, 'failed queues retried');
    assert.deepEqual([...new Set(startFailures())].sort(), ['StartFailTopic@broker-z:0', 'StartFailTopic@broker-z:1']);
    assert.deepEqual(consumer.assignedQueues().filter((q) => q.topic === 'StartFailTopic').map((q) => q.brokerName), ['broker-a', 'broker-a']);
  } finally {
    await consumer.shutdown();
    await admin.shutdown();
    await registrar.close();
    await cluster.stop();
  }
});

test('a slave asked for an offset it does not have says "retry" without moving on: the consumer waits instead of spinning', async () => {
  const ns = await startNamesrv();
  const home = mkdtempSync(join(tmpdir(), 'apogee-fallback-behind-'));
  const admin = new Admin({ namesrvAddr: ns.addr });
  let slave: Broker | undefined;
  let consumer: PushConsumer | undefined;
  try {
    // broker-y's master registers, then is gone (its connection closes); its slave stays, behind
    // the group's offset.
    const registrar = new RemotingClient();
    assert.equal((await registrar.invoke(ns.addr, registerRequest({ name: 'broker-y', addr: await deadAddress(), version: 409, topics: [{ topicName: 'BehindTopic', readQueueNums: 1, writeQueueNums: 1 }] }), 3000)).code, 0);
    slave = new Broker(
      { ...brokerDefaults(), brokerName: 'broker-y', brokerId: 1, rocketmqHome: home, bindAddress: '127.0.0.1', listenPort: 0, namesrvAddr: ns.addr, longPollingMaxMs: 1000 },
      { storeProperties: { storePathRootDir: join(home, 'store'), brokerRole: 'SLAVE', mapedFileSizeCommitLog: String(1024 * 1024), mapedFileSizeConsumeQueue: '6000' } },
    );
    await slave.start();
    await admin.start();
    await admin.createTopic('BehindTopic', { brokerAddr: slave.brokerAddr, readQueueNums: 1, writeQueueNums: 1 });
    const mq = { topic: 'BehindTopic', brokerName: 'broker-y', queueId: 0 };
    await until(async () => (await admin.topicRoute('BehindTopic')).brokerDatas[0]?.brokerAddrs.size === 2, 'master and slave in the route');
    await registrar.close();
    await until(async () => !(await admin.topicRoute('BehindTopic')).brokerDatas[0]?.brokerAddrs.has(0), 'the master to leave the route');
    await admin.updateConsumerOffset('BehindGroup', mq, 50);
    consumer = new PushConsumer({ namesrvAddr: ns.addr, consumerGroup: 'BehindGroup', pullTimeDelayMillsWhenException: 300 });
    consumer.subscribe('BehindTopic', '*').registerMessageListener(() => undefined);
    await consumer.start();
    assert.deepEqual(consumer.assignedQueues().filter((q) => q.topic === 'BehindTopic'), [mq]);
    const before = consumer.stats.pulls;
    await new Promise((r) => setTimeout(r, 1000));
    // Spinning makes thousands of pulls a second here; waiting between them, a handful.
    assert.ok(consumer.stats.pulls - before < 50, `${consumer.stats.pulls - before} pulls in a second against a slave that cannot serve them`);
    assert.equal(consumer.committedOffset(mq), 50, 'the offset stays where it was');
  } finally {
    await consumer?.shutdown();
    await admin.shutdown();
    await slave?.shutdown();
    await ns.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
