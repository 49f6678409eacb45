/**
 * GET_BROKER_RUNTIME_INFO as status tools read it: TPS over the last 10 s / 1 min / 10 min,
 * replication (Java's slaveFallBehindMuch, plus the slave's view of its master) and whether the
 * broker takes sends.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../src/broker/broker.js';
import { brokerDefaults } from '../../src/broker/config.js';
import { RateWindow } from '../../src/broker/rate-window.js';
import { Admin } from '../../src/client/admin.js';
import { setLogLevel } from '../../src/common/logger.js';
import { startCluster } from '../helpers/cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { until } from '../helpers/wait.js';

test('RateWindow: rates over 10 s, 1 min and 10 min from once-a-second samples', () => {
  const counter = { n: 0 };
  const w = new RateWindow(['n'], () => ({ n: counter.n }));
  assert.equal(w.text('n', 0), '0.00 0.00 0.00', 'no sample yet');
  // 100/s for 10 minutes, then 10/s for the last 60 s.
  let t = 0;
  for (; t < 600; t++) {
    w.sample(t * 1000);
    counter.n += t < 540 ? 100 : 10;
  }
  const now = t * 1000;
  w.sample(now);
  assert.equal(w.rate('n', 10, now), 10);
  assert.equal(w.rate('n', 60, now), 10);
  assert.equal(w.rate('n', 600, now), (540 * 100 + 60 * 10) / 600);
  assert.equal(w.text('n', now), '10.00 10.00 91.00');
  // A young broker: rates over what it has seen.
  const young = new RateWindow(['n'], () => ({ n: counter.n }));
  young.sample(0);
  counter.n += 50;
  assert.equal(young.rate('n', 600, 2000), 25);
});

test('runtime info: TPS, a master’s slaveFallBehindMuch, a slave’s master, and draining', async () => {
  setLogLevel('silent');
  const store = { mapedFileSizeCommitLog: String(256 * 1024), mapedFileSizeConsumeQueue: '6000' };
  const cluster = await startCluster({ brokerName: 'broker-rt', registerNameServerPeriod: 300 }, store);
  const slaveHome = mkdtempSync(join(tmpdir(), 'apogee-slave-'));
  const client = new RawClient(cluster.brokerAddr);
  const admin = new Admin({ namesrvAddr: cluster.namesrvAddr });
  let slave: Broker | undefined;
  try {
    await admin.start();
    slave = new Broker(
      { ...brokerDefaults(), brokerName: 'broker-rt', brokerId: 1, rocketmqHome: slaveHome, bindAddress: '127.0.0.1', listenPort: 0, namesrvAddr: cluster.namesrvAddr },
      { storeProperties: { ...store, storePathRootDir: join(slaveHome, 'store'), brokerRole: 'SLAVE' } },
    );
    await slave.start();
    await until(() => cluster.broker.replication.slaves === 1, 'the slave to connect');
    for (let i = 0; i < 50; i++) assert.equal((await client.send('RtTopic', `m${i}`, { queueId: 0 })).code, 0);
    await new Promise((r) => setTimeout(r, 1100)); // at least one rate sample after the sends
    await until(async () => (await admin.brokerRuntimeInfo(cluster.brokerAddr)).slaveFallBehindMuch === '0', 'the slave to acknowledge everything');
    const master = await admin.brokerRuntimeInfo(cluster.brokerAddr);
    assert.equal(master.apogeeHaSlaves, '1');
    assert.equal(master.apogeeState, 'serving');
    assert.match(master.putTps!, /^\d+\.\d\d \d+\.\d\d \d+\.\d\d$/);
    assert.ok(Number(master.putTps!.split(' ')[0]) > 0, `putTps counts the sends: ${master.putTps}`);
    const s = await admin.brokerRuntimeInfo(slave.brokerAddr);
    assert.equal(s.apogeeHaConnected, 'true');
    assert.equal(s.apogeeHaMasterAddr, `127.0.0.1:${cluster.broker.config.listenPort + 1}`);
    assert.equal(s.slaveFallBehindMuch, undefined, 'a slave has no slaves to fall behind');
    assert.equal(s.commitLogMaxOffset, master.commitLogMaxOffset);

    await admin.wipeWritePerm('broker-rt');
    await until(async () => (await admin.brokerRuntimeInfo(cluster.brokerAddr)).apogeeState === 'draining', 'the master to report draining after the wipe');
  } finally {
    await admin.shutdown();
    await client.close();
    await slave?.shutdown();
    await cluster.stop();
    rmSync(slaveHome, { recursive: true, force: true });
  }
});
