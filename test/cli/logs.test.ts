/**
 * What the README's "Logs" and version sections promise, checked on real server processes: log
 * lines on stderr in `<ISO time> <LEVEL> [component] message` form, the boot line alone on stdout,
 * APOGEE_LOG_LEVEL honoured (and a bad value said out loud), and the Apogee release named in the
 * boot log lines and in the NameServer's line for each registering broker — Apogee or not. And the
 * apogeeLog* properties on real processes: a broker's json log in a file rotated by size (at most N
 * rolled files), logfmt and per-component levels over $APOGEE_LOG_LEVEL, a failed start's reason in
 * the file, bad values as one-line errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
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
import { Admin } from '../../src/client/admin.js';
import { until } from '../helpers/wait.js';

const logfmt = createRequire(import.meta.url)('logfmt') as { parse(line: string): Record<string, string | boolean> };

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

const cli = (name: string): string => join(projectRoot(), 'dist', 'src', 'cli', `${name}.js`);

test('a real broker logs json into a file rotated by size: it rolls over, keeps at most N rolled files, stderr stays empty; its levels change at runtime', async () => {
  const home = mkdtempSync(join(tmpdir(), 'apogee-logfile-'));
  const logs = join(home, 'logs');
  const conf = join(home, 'broker.properties');
  writeFileSync(
    conf,
    [`brokerName=broker-rolling`, `bindAddress=127.0.0.1`, `listenPort=0`, `storePathRootDir=${join(home, 'store')}`, `apogeeLogFile=${join(logs, 'broker.log')}`,
      'apogeeLogFileMaxSize=1KB', 'apogeeLogFileMaxFiles=2', 'apogeeLogFormat=json', 'apogeeLogStderr=false', ''].join('\n'),
  );
  const ns = await startNamesrv();
  const proc = spawnServer('mqbroker', ['-c', conf, '-n', ns.addr], { env: { APOGEE_HOME: home, APOGEE_LOG_LEVEL: '' } });
  const admin = new Admin({ namesrvAddr: ns.addr });
  try {
    const addr = (await proc.waitFor(/^The broker\[broker-rolling, ([\d.]+:\d+)\] boot success/m))[1]!;
    await admin.start();
    // Each topic created is one info line of about 190 bytes: 30 of them fill several 1 KB files.
    const topics = Array.from({ length: 30 }, (_, i) => `RollingTopic${String(i).padStart(2, '0')}`);
    for (const t of topics) await admin.createTopic(t, { brokerAddr: addr });
    await until(() => readFileSync(join(logs, 'broker.log'), 'utf8').includes(`topic ${topics.at(-1)} created`), 'the last topic line in broker.log');

    assert.deepEqual(readdirSync(logs).sort(), ['broker.log', 'broker.log.1', 'broker.log.2']);
    const events: Array<Record<string, unknown>> = [];
    for (const name of ['broker.log.2', 'broker.log.1', 'broker.log']) {
      const path = join(logs, name);
      assert.ok(statSync(path).size <= 1024, `${name} (${statSync(path).size} bytes) is within apogeeLogFileMaxSize`);
      for (const line of readFileSync(path, 'utf8').split('\n').slice(0, -1)) events.push(JSON.parse(line) as Record<string, unknown>);
    }
    for (const e of events) {
      assert.deepEqual(Object.keys(e).slice(0, 3), ['time', 'level', 'component']);
      assert.equal(typeof e.msg, 'string');
    }
    // The kept files hold the newest topic lines, in order, without a gap.
    const kept = events.filter((e) => e.component === 'broker' && e.name === 'broker-rolling').map((e) => /^topic (\S+) created/.exec(e.msg as string)?.[1]).filter((t) => t !== undefined);
    assert.ok(kept.length >= 5 && kept.length < topics.length, `some topic lines rolled away, ${kept.length} kept`);
    assert.deepEqual(kept, topics.slice(-kept.length));
    assert.equal(proc.stderr(), '', 'apogeeLogStderr=false: nothing on stderr');

    // Levels change while it runs (updateBrokerConfig); the destination and format do not.
    await admin.updateBrokerConfig(addr, { apogeeLogLevels: 'broker=warn' });
    await admin.createTopic('QuietTopic', { brokerAddr: addr });
    await admin.updateBrokerConfig(addr, { apogeeLogLevels: '' });
    await admin.createTopic('LoudTopic', { brokerAddr: addr });
    await until(() => readFileSync(join(logs, 'broker.log'), 'utf8').includes('topic LoudTopic created'), 'the LoudTopic line');
    const all = readdirSync(logs).map((n) => readFileSync(join(logs, n), 'utf8')).join('');
    assert.doesNotMatch(all, /QuietTopic/, 'broker=warn hid the info line');
    for (const [key, value] of [['apogeeLogFile', join(home, 'other.log')], ['apogeeLogFormat', 'text'], ['apogeeLogFileMaxFiles', '3']]) {
      await assert.rejects(admin.updateBrokerConfig(addr, { [key!]: value! }), new RegExp(`${key} cannot be changed at runtime`));
    }
  } finally {
    await admin.shutdown();
    await proc.kill();
    await ns.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

test('logfmt on stderr from a real NameServer; per-component levels lift one component over $APOGEE_LOG_LEVEL', async () => {
  const home = mkdtempSync(join(tmpdir(), 'apogee-logfmt-'));
  const ns = spawnServer('mqnamesrv', ['--listenPort=0', '--apogeeLogFormat=logfmt', '--apogeeLogLevels=namesrv=info'], { env: { APOGEE_HOME: home, APOGEE_LOG_LEVEL: 'warn' } });
  const client = new RemotingClient();
  try {
    const port = (await ns.waitFor(/boot success\. serializeType=JSON, listening on 127\.0\.0\.1:(\d+)$/m))[1]!;
    const r = await client.invoke(`127.0.0.1:${port}`, registerRequest({ cluster: 'DefaultCluster', name: 'java-b', addr: '10.0.0.9:10911', version: 277, topics: [{ topicName: 'T' }] }), 5000);
    assert.equal(r.code, 0);
    await ns.waitFor(/broker registered: DefaultCluster\/java-b/, 'stderr');
    const events = ns.stderr().trim().split('\n').map((l) => logfmt.parse(l));
    for (const e of events) {
      assert.equal(new Date(e.time as string).toISOString(), e.time);
      assert.equal(e.component, 'namesrv', 'warn hides every other component; namesrv=info shows its info lines');
    }
    assert.deepEqual(events.map((e) => e.level), ['info', 'info']);
    assert.match(events[0]!.msg as string, new RegExp(`^NameServer \\(Apogee ${esc(RELEASE)}\\) listening on \\S+:${port}, metrics http://\\S+:\\d+/metrics$`));
    assert.match(events[1]!.msg as string, /^broker registered: DefaultCluster\/java-b id 0 at 10\.0\.0\.9:10911 \(RocketMQ V4_3_2, not Apogee, 1 topics\)$/);
  } finally {
    await client.close();
    await ns.kill();
    rmSync(home, { recursive: true, force: true });
  }
});

test('a broker that fails at start while logging to a file only: the one-line reason on stderr, and in the file', () => {
  const home = mkdtempSync(join(tmpdir(), 'apogee-logfail-'));
  try {
    const notADir = join(home, 'a-file');
    writeFileSync(notADir, '');
    const log = join(home, 'logs', 'broker.log');
    const r = spawnSync(process.execPath, [cli('mqbroker'), '--listenPort=0', '--bindAddress=127.0.0.1', `--storePathRootDir=${join(notADir, 'store')}`, `--apogeeLogFile=${log}`, '--apogeeLogStderr=false', '--apogeeLogFormat=json'], {
      encoding: 'utf8',
      timeout: 15_000,
      env: { ...process.env, APOGEE_HOME: home, APOGEE_LOG_LEVEL: '' },
    });
    assert.notEqual(r.status, null, `the broker stops by itself; stderr: ${r.stderr}`);
    assert.notEqual(r.status, 0);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0]!, /^mqbroker: .*a-file/);
    const last = JSON.parse(readFileSync(log, 'utf8').trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.deepEqual([last.level, last.component, last.msg], ['error', 'broker', lines[0]]);
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('bad apogeeLog* values stop mqbroker and mqnamesrv with one line, from a file and the command line alike', () => {
  const home = mkdtempSync(join(tmpdir(), 'apogee-logbad-'));
  const run = (name: string, args: string[]): { status: number | null; lines: string[] } => {
    const r = spawnSync(process.execPath, [cli(name), ...args], { encoding: 'utf8', timeout: 15_000, env: { ...process.env, APOGEE_HOME: home, APOGEE_LOG_LEVEL: 'warn' } });
    return { status: r.status, lines: r.stderr.split('\n').filter((l) => l !== '') };
  };
  try {
    writeFileSync(join(home, 'a-file'), '');
    const cases: Array<[string, string, RegExp]> = [
      ['apogeeLogFormat', 'xml', /: invalid value "xml" for apogeeLogFormat: allowed values are text, json, logfmt$/],
      ['apogeeLogLevel', 'loud', /: invalid value "loud" for apogeeLogLevel: allowed values are debug, info, warn, error, silent$/],
      ['apogeeLogLevels', 'store=loud', /: invalid value "store=loud" for apogeeLogLevels: allowed component=level pairs separated by commas, components broker, store, /],
      ['apogeeLogFileMaxSize', '12', /: invalid value "12" for apogeeLogFileMaxSize: allowed a size of at least 1024 bytes/],
      ['apogeeLogFileMaxFiles', 'seven', /: invalid value "seven" for apogeeLogFileMaxFiles: allowed integers from 1 to 1000$/],
      ['apogeeLogFile', join(home, 'a-file', 'broker.log'), /: cannot open log file \S+a-file\/broker\.log \(apogeeLogFile\): ENOTDIR$/],
    ];
    for (const name of ['mqbroker', 'mqnamesrv']) {
      for (const [key, value, expected] of cases) {
        const file = join(home, 'bad.properties');
        writeFileSync(file, `${key}=${value}\n`);
        for (const r of [run(name, ['-c', file, '--listenPort=0']), run(name, [`--${key}=${value}`, '--listenPort=0'])]) {
          assert.equal(r.status, 2, `${name} ${key}=${value}: exit 2 (${r.lines.join(' | ')})`);
          assert.equal(r.lines.length, 1, `${name} ${key}=${value}: one line, got ${r.lines.join(' | ')}`);
          assert.match(r.lines[0]!, new RegExp(`^${name}` + expected.source));
        }
      }
    }
    assert.equal(existsSync(join(home, 'store')), false, 'nothing started');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
