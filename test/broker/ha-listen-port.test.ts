/** haListenPort: a master serves its slaves on the configured port and tells the NameServers so. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../src/broker/broker.js';
import { brokerDefaults } from '../../src/broker/config.js';
import { startCluster } from '../helpers/cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { until } from '../helpers/wait.js';

const SMALL_STORE = { mapedFileSizeCommitLog: String(256 * 1024), mapedFileSizeConsumeQueue: '6000', flushIntervalCommitLog: '100' };

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

test('a master on a non-default haListenPort: it listens there, registers it, and its slave replicates through it', async () => {
  const haPort = await freePort();
  const cluster = await startCluster({ brokerName: 'broker-hp', haSendHeartbeatInterval: 500 }, { ...SMALL_STORE, brokerRole: 'ASYNC_MASTER', haListenPort: String(haPort) });
  const slaveHome = mkdtempSync(join(tmpdir(), 'apogee-slave-hp-'));
  const client = new RawClient(cluster.brokerAddr);
  let slave: Broker | undefined;
  try {
    assert.notEqual(haPort, cluster.broker.config.listenPort + 1);
    assert.equal(cluster.broker.haListenPort, haPort);
    assert.ok(await accepts(haPort), 'the master listens on haListenPort');
    assert.equal(await accepts(cluster.broker.config.listenPort + 1), false, 'and not on listenPort + 1');
    const live = cluster.namesrv.routes.clusterInfo().brokerAddrTable.get('broker-hp');
    assert.ok(live, 'registered');
    slave = new Broker(
      { ...brokerDefaults(), brokerName: 'broker-hp', brokerId: 1, rocketmqHome: slaveHome, bindAddress: '127.0.0.1', listenPort: 0, namesrvAddr: cluster.namesrvAddr, haSendHeartbeatInterval: 500, slaveSyncIntervalMs: 300 },
      { storeProperties: { ...SMALL_STORE, storePathRootDir: join(slaveHome, 'store'), brokerRole: 'SLAVE' } },
    );
    await slave.start();
    // The slave learns the HA address from the NameServer's registration reply.
    await until(() => cluster.broker.replication.slaves === 1, 'the slave to connect to the HA port');
    const sent = await client.send('HaPortTopic', 'through the configured HA port', { queueId: 0 });
    assert.equal(sent.code, 0);
    const master = cluster.broker.context.store;
    await until(() => slave!.context.store.maxPhyOffset() === master.maxPhyOffset(), 'the slave to catch up');
  } finally {
    await client.close();
    await slave?.shutdown();
    await cluster.stop();
    rmSync(slaveHome, { recursive: true, force: true });
  }
});
