/**
 * The client SDK as a package: build it, `npm pack` it, install the tarball into an empty folder
 * (no network: it has no dependencies), then a separate Node process imports it by name, sends and
 * receives a message through Apogee's NameServer + broker, shuts down, and must exit by itself.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../helpers/fixtures.js';
import { startCluster } from '../helpers/cluster.js';
import { unique } from './helpers/e2e.js';

const APP = `
import { Producer, PushConsumer, Admin, MQBrokerError } from '@apogee/rocketmq-client';
const namesrvAddr = process.env.NAMESRV;
const topic = process.env.TOPIC;
const admin = new Admin({ namesrvAddr });
await admin.start();
const route = await admin.topicRoute('TBW102').catch((e) => e);
const producer = new Producer({ namesrvAddr, producerGroup: 'pack-producer' });
await producer.start();
const sent = await producer.send({ topic, body: 'hello from the packed client', tags: 'TagA', keys: 'PACK' });
const consumer = new PushConsumer({ namesrvAddr, consumerGroup: 'pack-consumer', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', rebalanceInterval: 200 });
const received = await new Promise((resolve) => {
  consumer.subscribe(topic, 'TagA').registerMessageListener((msgs) => resolve(msgs[0]));
  consumer.start();
});
await consumer.shutdown();
await producer.shutdown();
await admin.shutdown();
console.log(JSON.stringify({
  sentId: sent.msgId,
  status: sent.sendStatus,
  receivedId: received.msgId,
  body: received.body.toString(),
  routeOk: !(route instanceof Error) || route instanceof MQBrokerError,
}));
// No process.exit(): the process must end on its own once everything is shut down.
`;

const TYPED = `
import { Producer, PushConsumer, Admin, MQBrokerError, type SendResult, type MessageExt, type ConsumeConcurrentlyStatus } from '@apogee/rocketmq-client';
export async function demo(namesrvAddr: string): Promise<SendResult> {
  const producer = new Producer({ namesrvAddr, producerGroup: 'g' });
  await producer.start();
  const consumer = new PushConsumer({ namesrvAddr, consumerGroup: 'c' });
  consumer.subscribe('T', 'TagA').registerMessageListener((msgs: MessageExt[]): ConsumeConcurrentlyStatus => (msgs[0]!.body.length > 0 ? 'CONSUME_SUCCESS' : 'RECONSUME_LATER'));
  const admin = new Admin({ namesrvAddr });
  const stats = await admin.consumeStats('c');
  const code: number = stats.diffTotal;
  try {
    return await producer.send({ topic: 'T', body: 'x', keys: ['a'], delayLevel: code });
  } catch (err) {
    if (err instanceof MQBrokerError) console.log(err.code, err.remark);
    throw err;
  }
}
`;

test('packaging: npm pack + install into an empty folder; the installed SDK sends, receives and lets the process exit', async () => {
  const root = projectRoot();
  const pkgDir = join(root, 'packages', 'client');
  const work = mkdtempSync(join(tmpdir(), 'apogee-pack-'));
  const cluster = await startCluster();
  try {
    const build = spawnSync(process.execPath, [join(pkgDir, 'build.mjs')], { encoding: 'utf8' });
    assert.equal(build.status, 0, build.stderr + build.stdout);
    const npmEnv = { ...process.env, npm_config_cache: join(work, 'npm-cache'), npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' };
    const pack = spawnSync('npm', ['pack', '--ignore-scripts', '--pack-destination', work, '--json'], { cwd: pkgDir, encoding: 'utf8', env: npmEnv });
    assert.equal(pack.status, 0, pack.stderr);
    const [info] = JSON.parse(pack.stdout) as Array<{ filename: string; files: Array<{ path: string }> }>;
    const files = info!.files.map((f) => f.path);
    assert.ok(files.includes('dist/client/index.js') && files.includes('dist/client/index.d.ts'));
    assert.ok(files.every((f) => !/^dist\/(namesrv|broker|store|cli|common)\//.test(f)), 'no server code in the tarball');
    assert.ok(files.includes('README.md'));
    const app = join(work, 'app');
    spawnSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'pack-test-app', private: true, type: 'module' }));
    const install = spawnSync('npm', ['install', '--offline', '--no-package-lock', join(work, info!.filename.replace(/^.*\//, ''))], { cwd: app, encoding: 'utf8', env: npmEnv });
    assert.equal(install.status, 0, install.stderr);
    assert.deepEqual(readdirSync(join(app, 'node_modules', '@apogee')), ['rocketmq-client']);
    // The shipped declarations type-check a TypeScript user of the package (strict, NodeNext).
    writeFileSync(join(app, 'typed.ts'), TYPED);
    const tsc = spawnSync(process.execPath, [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '--strict', '--target', 'ES2022', '--module', 'NodeNext',
      '--moduleResolution', 'NodeNext', '--typeRoots', join(root, 'node_modules', '@types'), '--types', 'node', 'typed.ts',
    ], { cwd: app, encoding: 'utf8' });
    assert.equal(tsc.status, 0, tsc.stdout + tsc.stderr);
    writeFileSync(join(app, 'main.mjs'), APP);
    // Async spawn: the NameServer and broker live in this process and must keep serving.
    const run = await runNode(app, 'main.mjs', { NAMESRV: cluster.namesrvAddr, TOPIC: unique('PackTopic') }, 30_000);
    assert.equal(run.signal, null, `the app did not exit by itself: ${run.stderr}`);
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    assert.equal(out.status, 'SEND_OK');
    assert.equal(out.receivedId, out.sentId);
    assert.equal(out.body, 'hello from the packed client');
    assert.equal(out.routeOk, true);
  } finally {
    await cluster.stop();
    rmSync(work, { recursive: true, force: true });
  }
});

function runNode(cwd: string, script: string, env: Record<string, string>, timeoutMs: number): Promise<{ status: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [script], { cwd, env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
  });
}
