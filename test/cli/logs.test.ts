/**
 * What the README's "Logs" and version sections promise, checked on real server processes: log
 * lines on stderr in `<ISO time> <LEVEL> [component] message` form, the boot line alone on stdout,
 * APOGEE_LOG_LEVEL honoured (and a bad value said out loud), and the Apogee release named in the
 * boot log lines and in the NameServer's line for each registering broker — Apogee or not.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../helpers/fixtures.js';
import { spawnServer } from '../../src/testing/launcher.js';
import { startNamesrv } from '../helpers/namesrv.js';
import { registerRequest } from '../helpers/broker-registration.js';
import { RemotingClient } from '../../src/transport/client.js';
import { Broker } from '../../src/broker/broker.js';
import { brokerDefaults } from '../../src/broker/config.js';
import { setLogLevel } from '../../src/common/logger.js';

if (!process.env.APOGEE_LOG_LEVEL) setLogLevel('warn');

const RELEASE = (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
const esc = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const LINE = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (DEBUG|INFO |WARN |ERROR) \[[^\]]+\] \S.*$/;

test('the NameServer logs on stderr, boots on stdout, and names its release and which brokers are Apogee', async () => {
  const home = mkdtempSync(join(tmpdir(), 'apogee-logs-'));
  const env = { APOGEE_HOME: home, APOGEE_LOG_LEVEL: '' };
  const ns = spawnServer('mqnamesrv', ['--listenPort=0'], { env });
  const client = new RemotingClient();
  let broker: Broker | undefined;
  try {
    const port = (await ns.waitFor(/^The Name Server boot success\. serializeType=JSON, listening on 127\.0\.0\.1:(\d+)$/m))[1]!;
    const addr = `127.0.0.1:${port}`;
    // The boot log line also names the metrics and health endpoint.
    await ns.waitFor(new RegExp(`INFO  \\[namesrv\\] NameServer \\(Apogee ${esc(RELEASE)}\\) listening on \\S+:${port}, metrics http://\\S+:\\d+/metrics$`, 'm'), 'stderr');

    broker = new Broker(
      { ...brokerDefaults(), rocketmqHome: home, bindAddress: '127.0.0.1', listenPort: 0, namesrvAddr: addr, brokerName: 'broker-logs' },
      { storeProperties: { storePathRootDir: join(home, 'store'), mapedFileSizeCommitLog: String(4 * 1024 * 1024), mapedFileSizeConsumeQueue: '6000' } },
    );
    await broker.start();
    await ns.waitFor(new RegExp(`INFO  \\[namesrv\\] broker registered: DefaultCluster/broker-logs id 0 at ${esc(broker.brokerAddr)} \\(Apogee ${esc(RELEASE)}, registers as V3_5_8, \\d+ topics\\)$`, 'm'), 'stderr');

    // A Java 4.3.2 broker's registration carries no release: the line says it is not Apogee.
    const r = await client.invoke(addr, registerRequest({ cluster: 'DefaultCluster', name: 'java-b', addr: '10.0.0.9:10911', version: 277, topics: [{ topicName: 'T' }] }), 5000);
    assert.equal(r.code, 0);
    await ns.waitFor(/INFO  \[namesrv\] broker registered: DefaultCluster\/java-b id 0 at 10\.0\.0\.9:10911 \(RocketMQ V4_3_2, not Apogee, 1 topics\)$/m, 'stderr');

    const errLines = ns.stderr().trim().split('\n');
    for (const line of errLines) assert.match(line, LINE);
    assert.equal(ns.stdout().trim().split('\n').length, 1, 'stdout carries the boot line only');
  } finally {
    await broker?.shutdown();
    await client.close();
    await ns.kill();
    rmSync(home, { recursive: true, force: true });
  }
});

test('APOGEE_LOG_LEVEL sets the threshold, and a value that is not a level is reported', async () => {
  const home = mkdtempSync(join(tmpdir(), 'apogee-loglevel-'));
  const quiet = spawnServer('mqnamesrv', ['--listenPort=0'], { env: { APOGEE_HOME: home, APOGEE_LOG_LEVEL: 'warn' } });
  const typo = spawnServer('mqnamesrv', ['--listenPort=0'], { env: { APOGEE_HOME: home, APOGEE_LOG_LEVEL: 'verbose' } });
  try {
    await quiet.waitFor(/boot success/);
    await typo.waitFor(/boot success/);
    await typo.waitFor(/INFO  \[namesrv\] NameServer \(Apogee/, 'stderr');
    assert.equal(quiet.stderr(), '', 'warn hides the info lines');
    assert.match(typo.stderr(), /^\S+ WARN  \[logger\] APOGEE_LOG_LEVEL=verbose is not one of debug, info, warn, error, silent; using info$/m);
  } finally {
    await quiet.kill();
    await typo.kill();
    rmSync(home, { recursive: true, force: true });
  }
});

test("mqbroker's boot log line names the Apogee release", async () => {
  const home = mkdtempSync(join(tmpdir(), 'apogee-brokerlog-'));
  const ns = await startNamesrv();
  const proc = spawnServer('mqbroker', ['-n', ns.addr, '--listenPort=0', '--brokerName=broker-bootlog', `--storePathRootDir=${join(home, 'store')}`], { env: { APOGEE_HOME: home, APOGEE_LOG_LEVEL: 'info' } });
  try {
    await proc.waitFor(/^The broker\[broker-bootlog, [\d.]+:\d+\] boot success/m); // bound to 0.0.0.0: the host address, Java's rule
    await proc.waitFor(new RegExp(`INFO  \\[broker broker-bootlog\\] broker DefaultCluster/broker-bootlog id 0 \\(Apogee ${esc(RELEASE)}\\) listening on`), 'stderr');
  } finally {
    await proc.kill();
    await ns.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
