/**
 * The endpoint on real mqnamesrv and mqbroker processes: on listenPort + 3 by default, ready and
 * healthy, a wiped write permission (a drain) keeps the broker ready, SIGTERM stops it; bad HTTP
 * never takes a node down; a taken metrics port is a one-line error before the store is opened;
 * metricsExporterType=DISABLE opens no port, and a bad value is a one-line error.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnServer, cliPath, type ServerProcess } from '../../src/testing/launcher.js';
import { Admin } from '../../src/client/admin.js';
import { setLogLevel } from '../../src/common/logger.js';
import { until } from '../helpers/wait.js';
import { httpGet, scrape } from './scrape.js';

/** A port p with p + every offset free on loopback (checked by binding them all, then released). */
async function freePortWith(offsets: number[]): Promise<number> {
  const bind = (port: number): Promise<Server | undefined> =>
    new Promise((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(undefined));
      s.listen(port, '127.0.0.1', () => resolve(s));
    });
  for (let i = 0; i < 100; i++) {
    const p = 20000 + Math.floor(Math.random() * 30000);
    const held = await Promise.all(offsets.map((o) => bind(p + o)));
    await Promise.all(held.map((s) => s && new Promise<void>((r) => s.close(() => r()))));
    if (held.every(Boolean)) return p;
  }
  throw new Error('no free ports');
}

/** Whether something accepts TCP connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Raw bytes to an HTTP port; resolves with whatever comes back before the server closes (or 2 s). */
function rawExchange(port: number, bytes: Buffer | string): Promise<string> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    const got: Buffer[] = [];
    const done = (): void => resolve(Buffer.concat(got).toString('latin1'));
    const timer = setTimeout(() => {
      s.destroy();
      done();
    }, 2000);
    s.on('data', (d: Buffer) => got.push(d));
    s.once('close', () => {
      clearTimeout(timer);
      done();
    });
    s.once('error', () => undefined);
    s.write(bytes);
  });
}

test('mqnamesrv and mqbroker processes serve /metrics, /healthz, /readyz on listenPort + 3; bad requests do not hurt them', async () => {
  setLogLevel('silent');
  const home = mkdtempSync(join(tmpdir(), 'apogee-metrics-proc-'));
  const nsPort = await freePortWith([0, 3]);
  const brokerPort = await freePortWith([-2, 0, 1, 3]);
  const env = { APOGEE_HOME: home, APOGEE_LOG_LEVEL: 'warn' };
  let ns: ServerProcess | undefined;
  let broker: ServerProcess | undefined;
  const admin = new Admin({ namesrvAddr: `127.0.0.1:${nsPort}` });
  try {
    ns = spawnServer('mqnamesrv', [`--listenPort=${nsPort}`, '--bindAddress=127.0.0.1'], { env });
    await ns.waitFor(/boot success/);
    const nsAt = `127.0.0.1:${nsPort + 3}`;
    assert.deepEqual(await httpGet(nsAt, '/healthz').then((r) => [r.status, r.body]), [200, 'ok\n']);
    assert.equal((await httpGet(nsAt, '/readyz')).status, 200);

    // Hostile or odd requests: answered (or dropped), never fatal.
    assert.equal((await httpGet(nsAt, '/nope')).status, 404);
    assert.equal((await httpGet(nsAt, '/metrics', 'POST')).status, 405);
    assert.equal((await httpGet(nsAt, '/metrics?x=%ZZ&&')).status, 200, 'a query string is ignored');
    assert.match(await rawExchange(nsPort + 3, Buffer.from([0x00, 0xff, 0x13, 0x37, 0x0d, 0x0a, 0x0d, 0x0a])), /^HTTP\/1\.1 400/);
    assert.match(await rawExchange(nsPort + 3, `GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), /^HTTP\/1\.1 431/);
    assert.match(await rawExchange(nsPort + 3, 'GET /healthz HTTP/1.1\r\nContent-Length: nope\r\n\r\n'), /^HTTP\/1\.1 400/);
    await rawExchange(nsPort + 3, 'GET /metr'); // half a request, then the client goes away
    assert.equal((await httpGet(nsAt, '/healthz')).status, 200, 'the NameServer is still up');
    assert.ok(ns.running);

    broker = spawnServer(
      'mqbroker',
      ['-n', `127.0.0.1:${nsPort}`, `--listenPort=${brokerPort}`, '--bindAddress=127.0.0.1', '--brokerIP1=127.0.0.1', '--brokerName=broker-p', '--registerNameServerPeriod=1000', `--storePathRootDir=${join(home, 'store')}`],
      { env },
    );
    await broker.waitFor(/boot success/);
    const at = `127.0.0.1:${brokerPort + 3}`;
    assert.equal((await httpGet(at, '/readyz')).status, 200);
    const m = await scrape(at);
    assert.equal(m.value('apogee_namesrv_registered', { namesrv: `127.0.0.1:${nsPort}` }), 1);
    assert.equal(m.value('apogee_write_state', { state: 'serving' }), 1);
    assert.match(await rawExchange(brokerPort + 3, 'BLAH\r\n\r\n'), /^HTTP\/1\.1 400/);
    assert.equal((await httpGet(at, '/healthz')).status, 200);
    await until(async () => (await scrape(nsAt)).samples('apogee_namesrv_broker_info', { broker: 'broker-p' }).length === 1, 'the NameServer to list the broker');

    // mqadmin wipeWritePerm: the broker drains on purpose and stays ready.
    await admin.start();
    await admin.wipeWritePerm('broker-p');
    await until(async () => (await scrape(at)).value('apogee_write_state', { state: 'draining' }) === 1, 'the broker to see the wipe', 15_000);
    assert.equal((await httpGet(at, '/readyz')).status, 200);

    // SIGTERM: the broker drains and exits; its endpoint goes with it.
    const stopped = await broker.stop();
    assert.equal(stopped.code, 0);
    assert.equal(await listening(brokerPort + 3), false);
  } finally {
    await admin.shutdown();
    await broker?.kill();
    await ns?.kill();
    rmSync(home, { recursive: true, force: true });
  }
});

test('a taken metrics port is one error line before the store is opened; DISABLE opens no port; a bad type is refused', async () => {
  const home = mkdtempSync(join(tmpdir(), 'apogee-metrics-bind-'));
  const blocker = createServer();
  let ns: ServerProcess | undefined;
  try {
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as { port: number }).port;
    const brokerPort = await freePortWith([-2, 0, 1]);
    const store = join(home, 'store');
    const r = spawnSync(
      process.execPath,
      [cliPath('mqbroker'), `--listenPort=${brokerPort}`, '--bindAddress=127.0.0.1', '--brokerIP1=127.0.0.1', `--metricsPromExporterPort=${taken}`, `--storePathRootDir=${store}`],
      { encoding: 'utf8', env: { ...process.env, APOGEE_HOME: home, APOGEE_LOG_LEVEL: 'warn' }, timeout: 30_000 },
    );
    assert.notEqual(r.status, 0);
    assert.equal(r.stderr, `mqbroker: broker broker-a metrics cannot listen on 127.0.0.1:${taken}: address already in use (another process has this port)\n`);
    assert.equal(existsSync(join(store, 'abort')), false, 'the store was never opened');
    assert.equal(existsSync(join(store, 'checkpoint')), false, 'no store files were created');

    const bad = spawnSync(process.execPath, [cliPath('mqnamesrv'), '--metricsExporterType=OTLP_GRPC'], { encoding: 'utf8', env: { ...process.env, APOGEE_HOME: home } });
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1, bad.stderr);
    assert.match(bad.stderr, /invalid value "OTLP_GRPC" for metricsExporterType: allowed values are PROM, DISABLE/);

    const nsPort = await freePortWith([0, 3]);
    ns = spawnServer('mqnamesrv', [`--listenPort=${nsPort}`, '--bindAddress=127.0.0.1', '--metricsExporterType=DISABLE'], { env: { APOGEE_HOME: home, APOGEE_LOG_LEVEL: 'warn' } });
    await ns.waitFor(/boot success/);
    assert.equal(await listening(nsPort), true);
    assert.equal(await listening(nsPort + 3), false, 'no metrics port when disabled');
  } finally {
    await ns?.kill();
    await new Promise<void>((resolve) => blocker.close(() => resolve()));
    rmSync(home, { recursive: true, force: true });
  }
});
