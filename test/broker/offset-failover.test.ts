/**
 * The consumer-offset rule of a master/slave pair: offsets clients commit to the slave while the
 * master is down survive the master's restart (the slave hands them over), a master's older copy
 * never rolls the slave back, and a slave's older copy never rolls the master back. (In Apache
 * RocketMQ 4.x the slave's copy is overwritten by the restarted master's stale one: mass
 * re-consumption after a master restart.)
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../src/broker/broker.js';
import { brokerDefaults } from '../../src/broker/config.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { startCluster } from '../helpers/cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { until } from '../helpers/wait.js';

const SMALL_STORE = { mapedFileSizeCommitLog: String(256 * 1024), mapedFileSizeConsumeQueue: '6000', flushIntervalCommitLog: '100' };
const TOPIC = 'OffsetRuleTopic';
const GROUP = 'OffsetRuleGroup';

async function commit(client: RawClient, addr: string, offset: number): Promise<void> {
  const r = await client.request(RequestCode.UPDATE_CONSUMER_OFFSET, { consumerGroup: GROUP, topic: TOPIC, queueId: '0', commitOffset: String(offset) }, undefined, addr);
  assert.equal(r.code, 0, `commit ${offset} to ${addr}: ${r.remark}`);
}

test('offsets committed on the slave while the master is down survive its restart; neither side rolls the other back', async () => {
  const cluster = await startCluster({ brokerName: 'broker-off' }, SMALL_STORE);
  const slaveHome = mkdtempSync(join(tmpdir(), 'apogee-slave-'));
  const client = new RawClient(cluster.brokerAddr);
  let slave: Broker | undefined;
  const masterConfig = { ...cluster.broker.config };
  const masterStore = { ...SMALL_STORE, storePathRootDir: join(cluster.home, 'store'), messageDelayLevel: '1s' };
  const stored = (b: Broker): number => b.context.offsets.query(GROUP, TOPIC, 0);
  const first = cluster.broker;
  try {
    slave = new Broker(
      { ...brokerDefaults(), brokerName: 'broker-off', brokerId: 1, rocketmqHome: slaveHome, bindAddress: '127.0.0.1', listenPort: 0, namesrvAddr: cluster.namesrvAddr, haSendHeartbeatInterval: 500, slaveSyncIntervalMs: 300 },
      { storeProperties: { ...SMALL_STORE, storePathRootDir: join(slaveHome, 'store'), brokerRole: 'SLAVE' } },
    );
    await slave.start();
    for (let i = 0; i < 100; i++) assert.equal((await client.send(TOPIC, `m${i}`, { queueId: 0 })).code, 0);

    // Master up: the slave copies the master's offset.
    await commit(client, cluster.brokerAddr, 10);
    await until(() => stored(slave!) === 10, 'the slave to copy offset 10');

    // Master down: a consumer commits to the slave; the slave keeps it through its syncs.
    await cluster.broker.shutdown();
    await commit(client, slave.brokerAddr, 50);
    assert.equal(stored(slave), 50);
    await new Promise((r) => setTimeout(r, 1000)); // several sync rounds against an absent master
    assert.equal(stored(slave), 50);

    // Master back with its older copy (10): the slave hands 50 over and is not rolled back to 10.
    cluster.broker = new Broker(masterConfig, { storeProperties: masterStore });
    await cluster.broker.start();
    await until(() => stored(cluster.broker) === 50, 'the restarted master to get the offset committed on the slave');
    await until(() => slave!.context.offsets.heldForMaster().length === 0, 'the slave to release the handed-over offset');
    await new Promise((r) => setTimeout(r, 700)); // syncs from the master again
    assert.equal(stored(slave), 50, 'the slave was not rolled back');
    const q = await client.request(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: GROUP, topic: TOPIC, queueId: '0' }, undefined, cluster.broker.brokerAddr);
    assert.equal(q.extFields?.offset, '50', 'a new consumer asking the master starts at 50, not 10');

    // Master down again; the slave holds 70; the master comes back and a consumer commits 80 to it
    // before the slave hands 70 over: the master keeps 80 and the slave copies 80.
    await cluster.broker.shutdown();
    await commit(client, slave.brokerAddr, 70);
    cluster.broker = new Broker(masterConfig, { storeProperties: masterStore });
    await cluster.broker.start();
    await commit(client, cluster.broker.brokerAddr, 80);
    await until(() => slave!.context.offsets.heldForMaster().length === 0, 'the slave to settle its held offset');
    assert.equal(stored(cluster.broker), 80, 'the slave did not roll the master back to 70');
    await until(() => stored(slave!) === 80, 'the slave to copy 80');
  } finally {
    await client.close();
    await slave?.shutdown();
    // cluster.stop() stops the broker it started; a restarted master is ours to stop.
    if (cluster.broker !== first) await cluster.broker.shutdown();
    await cluster.stop();
    rmSync(slaveHome, { recursive: true, force: true });
  }
});

test('offsets held for the master survive a slave restart', async () => {
  const cluster = await startCluster({ brokerName: 'broker-off2' }, SMALL_STORE);
  const slaveHome = mkdtempSync(join(tmpdir(), 'apogee-slave-'));
  const client = new RawClient(cluster.brokerAddr);
  const slaveConfig = { ...brokerDefaults(), brokerName: 'broker-off2', brokerId: 1, rocketmqHome: slaveHome, bindAddress: '127.0.0.1', listenPort: 0, namesrvAddr: cluster.namesrvAddr, slaveSyncIntervalMs: 300, registerNameServerPeriod: 500 };
  const slaveStore = { ...SMALL_STORE, storePathRootDir: join(slaveHome, 'store'), brokerRole: 'SLAVE' };
  const masterConfig = { ...cluster.broker.config };
  let slave: Broker | undefined = new Broker(slaveConfig, { storeProperties: slaveStore });
  const first = cluster.broker;
  try {
    await slave.start();
    for (let i = 0; i < 20; i++) assert.equal((await client.send(TOPIC, `m${i}`, { queueId: 0 })).code, 0);
    await cluster.broker.shutdown();
    await commit(client, slave.brokerAddr, 15);
    await slave.shutdown();
    // Same remoting port as before; its listenPort + 3 may have been taken since, so metrics get a free one.
    slave = new Broker({ ...slaveConfig, listenPort: slave.config.listenPort, metricsPromExporterPort: 0 }, { storeProperties: slaveStore });
    await slave.start();
    assert.deepEqual(slave.context.offsets.heldForMaster(), [{ group: GROUP, topic: TOPIC, queueId: 0, offset: 15 }]);
    cluster.broker = new Broker(masterConfig, { storeProperties: { ...SMALL_STORE, storePathRootDir: join(cluster.home, 'store'), messageDelayLevel: '1s' } });
    await cluster.broker.start();
    await until(() => cluster.broker.context.offsets.query(GROUP, TOPIC, 0) === 15, 'the master to get the offset held across the slave restart');
  } finally {
    await client.close();
    await slave?.shutdown();
    if (cluster.broker !== first) await cluster.broker.shutdown();
    await cluster.stop();
    rmSync(slaveHome, { recursive: true, force: true });
  }
});
