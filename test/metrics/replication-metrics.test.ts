/**
 * The metrics a master and its slave show about replication and roles, and message types counted
 * as RocketMQ 5.x labels them (Normal, Delay, Transaction), scraped over HTTP.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../src/broker/broker.js';
import { brokerDefaults } from '../../src/broker/config.js';
import { SysFlag } from '../../src/codec/sys-flag.js';
import { setLogLevel } from '../../src/common/logger.js';
import { startCluster } from '../helpers/cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { until } from '../helpers/wait.js';
import { httpGet, scrape } from './scrape.js';

test('a master shows its slave’s acknowledged offset and no lag once caught up; the slave shows its connection and offset', async () => {
  setLogLevel('silent');
  const store = { mapedFileSizeCommitLog: String(256 * 1024), mapedFileSizeConsumeQueue: '6000' };
  const cluster = await startCluster({ brokerName: 'broker-r', registerNameServerPeriod: 1000 }, store);
  const slaveHome = mkdtempSync(join(tmpdir(), 'apogee-metrics-slave-'));
  const client = new RawClient(cluster.brokerAddr);
  let slave: Broker | undefined;
  try {
    slave = new Broker(
      { ...brokerDefaults(), brokerName: 'broker-r', brokerId: 1, rocketmqHome: slaveHome, bindAddress: '127.0.0.1', listenPort: 0, namesrvAddr: cluster.namesrvAddr, registerNameServerPeriod: 1000 },
      { storeProperties: { ...store, storePathRootDir: join(slaveHome, 'store'), brokerRole: 'SLAVE' } },
    );
    await slave.start();
    const masterAt = cluster.broker.metricsAddress!;
    const slaveAt = slave.metricsAddress!;
    await until(async () => (await scrape(masterAt)).value('apogee_replication_slaves') === 1, 'the slave to connect');

    const topic = 'ReplTopic';
    for (let i = 0; i < 10; i++) assert.equal((await client.send(topic, `m${i}`, { queueId: 0 })).code, 0);
    for (let i = 0; i < 3; i++) assert.equal((await client.send(topic, `d${i}`, { queueId: 0, delayLevel: 1 })).code, 0);
    for (let i = 0; i < 2; i++) assert.equal((await client.send(topic, `t${i}`, { queueId: 0, sysFlag: SysFlag.TRANSACTION_PREPARED, group: 'TxGroup' })).code, 0);
    const max = cluster.broker.context.store.maxPhyOffset();
    await until(async () => (await scrape(masterAt)).value('apogee_replication_slave_acked_offset') === max, 'the slave to acknowledge everything');

    const m = await scrape(masterAt);
    assert.equal(m.value('apogee_replication_lag_bytes'), 0);
    assert.equal(m.value('apogee_replication_lag_seconds'), 0);
    assert.equal(m.value('apogee_broker_role', { role: 'ASYNC_MASTER' }), 1);
    assert.equal(m.samples('apogee_replication_connected').length, 0, 'a slave-only metric');
    const types = { node_id: 'broker-r', topic };
    assert.equal(m.value('rocketmq_messages_in_total', { ...types, message_type: 'Normal' }), 10);
    assert.equal(m.value('rocketmq_messages_in_total', { ...types, message_type: 'Delay' }), 3);
    assert.equal(m.value('rocketmq_messages_in_total', { ...types, message_type: 'Transaction' }), 2);
    assert.equal(m.histogram('rocketmq_message_size', { ...types, message_type: 'Delay' })[0]!.count, 3);

    const s = await scrape(slaveAt);
    assert.equal(s.value('apogee_replication_connected'), 1);
    assert.equal(s.value('apogee_replication_slave_offset'), max);
    assert.ok(s.value('apogee_replication_last_frame_age_seconds') >= 0);
    assert.equal(s.value('apogee_broker_role', { role: 'SLAVE' }), 1);
    assert.equal(s.samples('apogee_replication_slaves').length, 0, 'a master-only metric');
    assert.equal(s.value('rocketmq_brokeruntime_commitlog_maxoffset', { brokerIP: slave.brokerAddr }), max);
    await until(async () => (await httpGet(slaveAt, '/readyz')).status === 200, 'the slave to be ready (registered, serving its role)');

    await slave.shutdown();
    slave = undefined;
    await until(async () => (await scrape(masterAt)).value('apogee_replication_slaves') === 0, 'the master to see its slave go');
    assert.equal((await scrape(masterAt)).samples('apogee_replication_lag_bytes').length, 0, 'no lag without slaves');
  } finally {
    await client.close();
    await slave?.shutdown();
    await cluster.stop();
    rmSync(slaveHome, { recursive: true, force: true });
  }
});
