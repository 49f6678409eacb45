/**
 * brokerPermission set on the broker itself (what `apogee upgrade` does before stopping a master)
 * reaches the NameServers both ways and is not mistaken for a NameServer wipe: once it is restored,
 * the broker takes sends again and is routed to again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Admin } from '../../src/client/admin.js';
import { setLogLevel } from '../../src/common/logger.js';
import { startCluster } from '../helpers/cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { until } from '../helpers/wait.js';

test('a broker made read-only by its own brokerPermission takes sends again once it is restored', async () => {
  setLogLevel('silent');
  const cluster = await startCluster({ registerNameServerPeriod: 200 });
  const client = new RawClient(cluster.brokerAddr);
  const admin = new Admin({ namesrvAddr: cluster.namesrvAddr });
  try {
    await admin.start();
    assert.equal((await client.send('PermTopic', 'before')).code, 0);
    await admin.updateBrokerConfig(cluster.brokerAddr, { brokerPermission: '4' });
    assert.equal((await client.send('PermTopic', 'refused')).code, 16, 'NO_PERMISSION while read-only');
    // The NameServer learns it too, so producers with fresh routes stop choosing it.
    await until(async () => ((await admin.topicRoute('PermTopic')).queueDatas[0]!.perm & 2) === 0, 'the NameServer route to lose WRITE', 5000);
    await new Promise((r) => setTimeout(r, 1000)); // several registrations and wipe checks while read-only
    await admin.updateBrokerConfig(cluster.brokerAddr, { brokerPermission: '6' });
    await until(async () => (await client.send('PermTopic', 'after')).code === 0, 'sends to be taken again', 5000);
    await new Promise((r) => setTimeout(r, 1000)); // and it stays writable through further registrations
    assert.equal((await client.send('PermTopic', 'later')).code, 0);
    assert.equal((await admin.brokerRuntimeInfo(cluster.brokerAddr)).apogeeState, 'serving');
    await until(async () => ((await admin.topicRoute('PermTopic')).queueDatas[0]!.perm & 2) === 2, 'the NameServer to route writes to it again', 5000);
  } finally {
    await admin.shutdown();
    await client.close();
    await cluster.stop();
  }
});
