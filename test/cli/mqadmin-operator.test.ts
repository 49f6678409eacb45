/**
 * mqadmin as an operator's trial ran it (issue 12 item 6), spawned as a real process against real
 * servers: message lookups by either id, Apache's time format, cluster-wide -c, clusterList's
 * columns, -m and -i, and one-line errors. Also the product and release an Apogee broker reports.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../helpers/fixtures.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { cliPath } from '../../src/testing/launcher.js';
import { Broker } from '../../src/broker/broker.js';
import { brokerDefaults } from '../../src/broker/config.js';
import { Admin } from '../../src/client/admin.js';
import { Producer } from '../../src/client/producer.js';
import { setLogLevel } from '../../src/common/logger.js';

if (!process.env.APOGEE_LOG_LEVEL) setLogLevel('warn');

const RELEASE = (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs mqadmin to its end (bounded), whatever its exit code. */
async function mqadmin(...args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [cliPath('mqadmin'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

async function ok(...args: string[]): Promise<string> {
  const r = await mqadmin(...args);
  assert.equal(r.code, 0, `mqadmin ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A failure an operator can read: non-zero exit, exactly one stderr line, no stack frame. */
async function fails(pattern: RegExp, ...args: string[]): Promise<Run> {
  const r = await mqadmin(...args);
  assert.notEqual(r.code, 0, `mqadmin ${args.join(' ')} should fail`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.match(r.stderr, pattern);
  return r;
}

async function withProducer<T>(cluster: TestCluster, fn: (p: Producer) => Promise<T>): Promise<T> {
  const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: `pg_${process.pid}_${Date.now()}` });
  await producer.start();
  try {
    return await fn(producer);
  } finally {
    await producer.shutdown();
  }
}

test('mqadmin queryMsgById takes the client id queryMsgByKey prints as well as the offset id; queryMsgByUniqueKey', async () => {
  const cluster = await startCluster();
  const ns = cluster.namesrvAddr;
  const bodyDir = mkdtempSync(join(tmpdir(), 'apogee-msgbodys-'));
  process.env.APOGEE_MSG_BODY_DIR = bodyDir; // the spawned mqadmin writes message bodies there
  try {
    await ok('updateTopic', '-n', ns, '-c', 'DefaultCluster', '-t', 'IdTopic', '-r', '2', '-w', '2');
    const sent = await withProducer(cluster, (p) => p.send({ topic: 'IdTopic', body: 'hello-by-id', keys: ['order-42'] }));
    assert.notEqual(sent.msgId, sent.offsetMsgId);
    const listed = await ok('queryMsgByKey', '-n', ns, '-t', 'IdTopic', '-k', 'order-42');
    assert.match(listed, new RegExp(`^${sent.msgId}\\s`, 'm'), 'queryMsgByKey prints the client id');
    // Apache's message block (`%-20s %s` lines); the body goes to the file named on its last line.
    const field = (text: string, label: string): string => text.split('\n').find((l) => l.startsWith(label))?.slice(21) ?? '';
    for (const args of [['-i', sent.msgId], ['-i', sent.msgId, '-t', 'IdTopic'], ['-i', sent.offsetMsgId]]) {
      const shown = await ok('queryMsgById', '-n', ns, ...args);
      assert.equal(readFileSync(field(shown, 'Message Body Path:'), 'utf8'), 'hello-by-id', args.join(' '));
      assert.equal(field(shown, 'OffsetID:'), sent.offsetMsgId);
      assert.equal(field(shown, 'Keys:'), '[order-42]');
    }
    const byUnique = await ok('queryMsgByUniqueKey', '-n', ns, '-i', sent.msgId, '-t', 'IdTopic');
    assert.equal(readFileSync(field(byUnique, 'Message Body Path:'), 'utf8'), 'hello-by-id');
    await fails(/^mqadmin: message 0{32} not found/, 'queryMsgById', '-n', ns, '-i', '0'.repeat(32));
    await fails(/^mqadmin: no message with client id 0{32} in topic IdTopic$/m, 'queryMsgByUniqueKey', '-n', ns, '-i', '0'.repeat(32), '-t', 'IdTopic');
  } finally {
    delete process.env.APOGEE_MSG_BODY_DIR;
    rmSync(bodyDir, { recursive: true, force: true });
    await cluster.stop();
  }
});

test("mqadmin resetOffsetByTime reads Apache's yyyy-MM-dd#HH:mm:ss:SSS, epoch milliseconds and now; anything else is one clear error", async () => {
  const cluster = await startCluster();
  const ns = cluster.namesrvAddr;
  try {
    await ok('updateTopic', '-n', ns, '-c', 'DefaultCluster', '-t', 'ResetTopic', '-r', '1', '-w', '1');
    await withProducer(cluster, async (p) => {
      for (let i = 0; i < 3; i++) await p.send({ topic: 'ResetTopic', body: `m${i}` });
    });
    const row = (offset: number): RegExp => new RegExp(`^broker-a\\s+0\\s+${offset}\\s*$`, 'm');
    assert.match(await ok('resetOffsetByTime', '-n', ns, '-g', 'ResetGroup', '-t', 'ResetTopic', '-s', '2000-01-01#00:00:00:000'), row(0));
    assert.match(await ok('resetOffsetByTime', '-n', ns, '-g', 'ResetGroup', '-t', 'ResetTopic', '-s', '2099-12-31#23:59:59:999'), row(3));
    assert.match(await ok('resetOffsetByTime', '-n', ns, '-g', 'ResetGroup', '-t', 'ResetTopic', '-s', '946684800000'), row(0));
    assert.match(await ok('resetOffsetByTime', '-n', ns, '-g', 'ResetGroup', '-t', 'ResetTopic', '-s', 'now'), row(3));
    for (const bad of ['yesterday', '2026-02-30#00:00:00:000', '2026-12-07 01:00:00', '1e3']) {
      const quoted = bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      await fails(new RegExp(`^mqadmin: -s: cannot read '${quoted}' as a time; give yyyy-MM-dd#HH:mm:ss:SSS \\(e\\.g\\. 2026-12-07#01:00:00:000\\), epoch milliseconds, or now$`, 'm'), 'resetOffsetByTime', '-n', ns, '-g', 'ResetGroup', '-t', 'ResetTopic', '-s', bad);
    }
    await fails(/^mqadmin: -s: cannot read '-5' as a time/m, 'resetOffsetByTime', '-n', ns, '-g', 'ResetGroup', '-t', 'ResetTopic', '--timestamp=-5');
  } finally {
    await cluster.stop();
  }
});

test('mqadmin -c runs getBrokerConfig and brokerStatus on every broker of the cluster and updateBrokerConfig on every master', async () => {
  const cluster = await startCluster();
  const ns = cluster.namesrvAddr;
  const second = new Broker(
    { ...brokerDefaults(), rocketmqHome: cluster.home, bindAddress: '127.0.0.1', listenPort: 0, namesrvAddr: ns, brokerName: 'broker-b' },
    { storeProperties: { storePathRootDir: join(cluster.home, 'store-b'), mapedFileSizeCommitLog: String(4 * 1024 * 1024), mapedFileSizeConsumeQueue: '6000' } },
  );
  await second.start();
  const slave = new Broker(
    { ...brokerDefaults(), rocketmqHome: cluster.home, bindAddress: '127.0.0.1', listenPort: 0, namesrvAddr: ns, brokerName: 'broker-a', brokerId: 1 },
    { storeProperties: { storePathRootDir: join(cluster.home, 'store-a-slave'), mapedFileSizeCommitLog: String(4 * 1024 * 1024), mapedFileSizeConsumeQueue: '6000', brokerRole: 'SLAVE' } },
  );
  await slave.start();
  try {
    const a = cluster.brokerAddr;
    const b = second.brokerAddr;
    const s = slave.brokerAddr;
    // As Apache prints it: each master, then its slaves.
    const config = await ok('getBrokerConfig', '-n', ns, '-c', 'DefaultCluster');
    const banners = config.split('\n').filter((l) => l.startsWith('====='));
    assert.deepEqual(banners, [`============Master: ${a}============`, `============My Master: ${a}=====Slave: ${s}============`, `============Master: ${b}============`]);
    assert.match(config, /^brokerName\s+=\s+broker-b$/m);
    assert.match(config, /^brokerId\s+=\s+1$/m);

    // updateBrokerConfig -c: the masters only (Apache's CommandUtil.fetchMasterAddrByClusterName).
    const updated = await ok('updateBrokerConfig', '-n', ns, '-c', 'DefaultCluster', '-k', 'fileReservedTime', '-v', '49');
    assert.deepEqual(updated.trim().split('\n').sort(), [`update broker config success, ${a}`, `update broker config success, ${b}`].sort());
    for (const addr of [a, b]) assert.match(await ok('getBrokerConfig', '-n', ns, '-b', addr), /^fileReservedTime\s+=\s+49$/m);
    assert.doesNotMatch(await ok('getBrokerConfig', '-n', ns, '-b', s), /^fileReservedTime\s+=\s+49$/m);

    const status = await ok('brokerStatus', '-n', ns, '-c', 'DefaultCluster');
    for (const addr of [a, b, s]) assert.match(status, new RegExp(`^${addr}\\s+brokerVersionDesc\\s+: V4_9_8 \\(Apogee ${RELEASE.replace(/\./g, '\\.')}\\)$`, 'm'));
    await fails(/^mqadmin: brokerStatus: give -b \(--brokerAddr\) or -c \(--clusterName\); see mqadmin brokerStatus -h$/m, 'brokerStatus', '-n', ns);
    await fails(/^mqadmin: cluster NoSuchCluster has no broker$/m, 'getBrokerConfig', '-n', ns, '-c', 'NoSuchCluster');
  } finally {
    await slave.shutdown();
    await second.shutdown();
    await cluster.stop();
  }
});

test("mqadmin clusterList prints Apache's columns with the broker's product and release, -m the day's totals, -i repeats", async () => {
  const cluster = await startCluster();
  const ns = cluster.namesrvAddr;
  try {
    await ok('updateTopic', '-n', ns, '-c', 'DefaultCluster', '-t', 'ListTopic');
    await withProducer(cluster, async (p) => {
      for (let i = 0; i < 3; i++) await p.send({ topic: 'ListTopic', body: `m${i}` });
    });
    const base = (await ok('clusterList', '-n', ns)).split('\n');
    assert.match(base[0]!, /^#Cluster Name\s+#Broker Name\s+#BID\s+#Addr\s+#Version\s+#InTPS\(LOAD\)\s+#OutTPS\(LOAD\)\s+#PCWait\(ms\)\s+#Hour\s+#SPACE$/);
    const addr = cluster.brokerAddr.replace(/\./g, '\\.');
    const version = `V4_9_8 \\(Apogee ${RELEASE.replace(/\./g, '\\.')}\\)`;
    // TPS(queue size, head wait), page-cache lock wait, hours of data kept, commit-log disk ratio.
    assert.match(base[1]!, new RegExp(`^DefaultCluster\\s+broker-a\\s+0\\s+${addr}\\s+${version}\\s+\\d+\\.\\d\\d\\(\\d+,\\d+ms\\)\\s+\\d+\\.\\d\\d\\(\\d+,\\d+ms\\)\\s+\\d+\\s+\\d+\\.\\d\\d\\s+-?\\d+\\.\\d{4}$`));

    const more = (await ok('clusterList', '-n', ns, '-m')).split('\n');
    assert.match(more[0]!, /^#Cluster Name\s+#Broker Name\s+#InTotalYest\s+#OutTotalYest\s+#InTotalToday\s+#OutTotalToday$/);
    assert.match(more[1]!, /^DefaultCluster\s+broker-a\s+0\s+0\s+3\s+0$/);

    // -i prints again and again until stopped: kill it after the second table.
    const child = spawn(process.execPath, [cliPath('mqadmin'), 'clusterList', '-n', ns, '-i', '1'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = once(child, 'exit');
    let out = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    try {
      const end = Date.now() + 20_000;
      while ((out.match(/^#Cluster Name/gm) ?? []).length < 2 && Date.now() < end && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      assert.equal((out.match(/^#Cluster Name/gm) ?? []).length >= 2, true, `two tables: ${out}`);
      assert.equal(child.exitCode, null, 'still running');
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
    await fails(/^mqadmin: -i \(interval, seconds\) must be a positive integer, got 'x'$/m, 'clusterList', '-n', ns, '-i', 'x');
  } finally {
    await cluster.stop();
  }
});

test('mqadmin names an unknown command and reports every error in one line with a non-zero exit', async () => {
  const unknown = await fails(/^mqadmin: unknown command 'foo'; run mqadmin help\n$/, 'foo');
  assert.equal(unknown.code, 2);
  assert.equal(unknown.stdout, '');
  assert.equal((await fails(/^mqadmin: clusterList: Unknown option '-z'; see mqadmin clusterList -h$/m, 'clusterList', '-n', '127.0.0.1:9', '-z')).code, 2);
  const noNamesrv = await fails(/^mqadmin: no NameServer answered/, 'clusterList', '-n', '127.0.0.1:1');
  assert.equal(noNamesrv.stdout, '', 'no table header before the error');
  await fails(/^mqadmin: unknown command 'toString'/, 'toString');
  const help = await mqadmin('help');
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^ +queryMsgByUniqueKey /m);
});

test("a broker reports Apogee and its release in brokerVersionDesc and keeps the numeric brokerVersion", async () => {
  const cluster = await startCluster();
  const admin = new Admin({ namesrvAddr: cluster.namesrvAddr });
  try {
    await admin.start();
    const rt = await admin.brokerRuntimeInfo(cluster.brokerAddr);
    assert.equal(rt.brokerVersionDesc, `V4_9_8 (Apogee ${RELEASE})`);
    assert.equal(rt.brokerVersion, '409');
    assert.equal(rt.apogeeRelease, RELEASE);
  } finally {
    await admin.shutdown();
    await cluster.stop();
  }
});
