/**
 * /readyz as the shared decision says: a broker is ready once its store is recovered, it is
 * registered with every NameServer, and it is serving or draining (a drain is on purpose); 503 with
 * a one-line reason otherwise. Both directions: a NameServer that cannot be reached makes it 503,
 * its arrival makes it 200, its loss 503 again; a drain keeps it 200; a read-only master is 503.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { startCluster } from '../helpers/cluster.js';
import { startNamesrv, type TestNamesrv } from '../helpers/namesrv.js';
import { setLogLevel } from '../../src/common/logger.js';
import { until } from '../helpers/wait.js';
import { httpGet, scrape } from './scrape.js';

/** A loopback port nothing listens on (bound, then released). */
async function unusedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

test('broker /readyz: 503 while a NameServer is unreachable, 200 once registered everywhere and while draining', async () => {
  setLogLevel('silent');
  const missingPort = await unusedPort();
  const missing = `127.0.0.1:${missingPort}`;
  const first = await startNamesrv({ bindAddress: '127.0.0.1' });
  let second: TestNamesrv | undefined;
  const cluster = await startCluster({ brokerName: 'broker-ready', namesrvAddr: `${first.addr};${missing}`, registerNameServerPeriod: 1000 });
  try {
    const at = cluster.broker.metricsAddress!;
    const notReady = await httpGet(at, '/readyz');
    assert.equal(notReady.status, 503);
    assert.match(notReady.body, new RegExp(`^not ready: not registered with NameServer ${missing.replace(/\./g, '\\.')} \\(.+\\)\\n$`));
    assert.equal(notReady.body.split('\n').length, 2, 'one line');
    assert.equal((await httpGet(at, '/healthz')).status, 200, 'alive all the same');
    let m = await scrape(at);
    assert.equal(m.value('apogee_namesrv_registered', { namesrv: missing }), 0);
    assert.equal(m.value('apogee_namesrv_registered', { namesrv: first.addr }), 1);
    assert.equal(m.value('apogee_ready'), 0);

    // Only the remoting port is the one the broker was told about; listenPort + 3 may be anyone's by now.
    second = await startNamesrv({ bindAddress: '127.0.0.1', listenPort: missingPort, metricsPromExporterPort: 0 });
    await until(async () => (await httpGet(at, '/readyz')).status === 200, 'the broker to register with the second NameServer', 15_000);
    assert.equal((await httpGet(at, '/readyz')).body, 'ready\n');
    assert.equal((await scrape(at)).value('apogee_ready'), 1);

    // A drain is intended (upgrade, stop): the broker stays ready while it refuses sends.
    await cluster.broker.drain();
    const draining = await httpGet(at, '/readyz');
    assert.equal(draining.status, 200, draining.body);
    m = await scrape(at);
    assert.equal(m.value('apogee_write_state', { state: 'draining' }), 1);
    assert.equal(m.value('apogee_write_state', { state: 'serving' }), 0);

    await second.stop();
    second = undefined;
    await until(async () => (await httpGet(at, '/readyz')).status === 503, 'the broker to notice the lost NameServer', 15_000);
    assert.match((await httpGet(at, '/readyz')).body, new RegExp(`not registered with NameServer ${missing.replace(/\./g, '\\.')}`));
  } finally {
    await cluster.stop();
    await second?.stop();
    await first.stop();
  }
});

test('a master whose brokerPermission forbids writes is not ready; the NameServer is ready once listening', async () => {
  setLogLevel('silent');
  const cluster = await startCluster({ brokerName: 'broker-ro', brokerPermission: 4 });
  try {
    const r = await httpGet(cluster.broker.metricsAddress!, '/readyz');
    assert.equal(r.status, 503);
    assert.equal(r.body, 'not ready: read-only: brokerPermission 4 has no write permission\n');
    assert.equal((await scrape(cluster.broker.metricsAddress!)).value('apogee_write_state', { state: 'read-only' }), 1);
    assert.equal((await httpGet(cluster.namesrv.metricsAddress!, '/readyz')).status, 200);
  } finally {
    await cluster.stop();
  }
});
