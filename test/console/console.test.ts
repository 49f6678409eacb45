/**
 * `apogee console` end to end: a real cluster (a NameServer, a master and its slave, as processes),
 * the console as its own process on the cluster's data directory, and headless Chromium loading each
 * page. What a page shows is checked against the cluster through the SDK's Admin (node addresses,
 * roles and versions; a topic's route and offsets; a group's lag = sent − consumed; a message's body),
 * and each page's action is checked to have happened in the cluster: a topic created from the page
 * exists, an offset reset from the page moved the group's offset. A second console pointed at a
 * NameServer that does not answer shows the failure as text, and the API refuses bad input with 400.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { startTopology, type ClusterProcesses } from '../../src/testing/topology.js';
import { cliPath, spawnServer, type ServerProcess } from '../../src/testing/launcher.js';
import { spawnSync } from 'node:child_process';
import { Admin } from '../../src/client/admin.js';
import { Producer } from '../../src/client/producer.js';
import { PushConsumer } from '../../src/client/push-consumer.js';
import { setLogLevel } from '../../src/common/logger.js';
import type { RunState } from '../../src/upgrade/orchestrator.js';
import { until, untilValue } from '../helpers/wait.js';
import { launchChromium, type Browser } from './browser.js';

setLogLevel('silent');

const TOPIC = 'ConsoleOrders';
const LAGGING = 'ConsoleLagging';
const LIVE = 'ConsoleLive';
const FIRST = 10;
const MORE = 5;

let cluster: ClusterProcesses;
let admin: Admin;
let producer: Producer;
let live: PushConsumer;
let consoleProc: ServerProcess;
let url: string;
let browser: Browser;
let page: Page;
let beforeSends: number;
const sentIds: string[] = [];

const clientOptions = (namesrvAddr: string) => ({ namesrvAddr, clientIP: '127.0.0.1', pollNameServerInterval: 500, heartbeatBrokerInterval: 500, adminTimeoutMs: 5000 });

async function startConsoleProcess(args: string[]): Promise<{ proc: ServerProcess; url: string }> {
  const proc = spawnServer('apogee', ['console', '--port', '0', ...args]);
  try {
    const [, u] = await proc.waitFor(/"url":"([^"]+)"/);
    return { proc, url: u! };
  } catch (err) {
    await proc.stop();
    throw new Error(`apogee console did not start: ${(err as Error).message}\n${proc.tailText()}`);
  }
}

/** Sets a datetime-local input (runs in the page) to epoch `ms` in the browser's time zone. */
function setLocalTime(el: unknown, ms: number): void {
  (el as { value: string }).value = new Date(ms - new Date(ms).getTimezoneOffset() * 60_000).toISOString().slice(0, 19);
}

/** Loads a page of the console and waits until its script has rendered it. */
async function open(path: string): Promise<void> {
  await page.goto(`${url}${path}`);
  await page.waitForSelector('body[data-ready]');
}

before(async () => {
  // First, so that a machine without Chromium fails at once with the line that says what to install.
  browser = await launchChromium();
  page = await browser.context.newPage();
  cluster = await startTopology({ topology: { namesrvs: 1, groups: [{ name: 'broker-a', slaves: 1 }] } });
  admin = new Admin(clientOptions(cluster.namesrvAddr));
  await admin.start();
  producer = new Producer({ ...clientOptions(cluster.namesrvAddr), producerGroup: 'ConsoleTestProducer' });
  await producer.start();
  await admin.createTopic(TOPIC, { readQueueNums: 2, writeQueueNums: 2 });
  await until(async () => (await admin.topicList()).includes(TOPIC), 'the topic is routed', 15_000);
  beforeSends = Date.now();
  await new Promise((r) => setTimeout(r, 20));
  for (let i = 0; i < FIRST; i++) sentIds.push((await producer.send({ topic: TOPIC, body: `order body ${i}`, keys: [`order-key-${i}`] })).msgId);
  // A group that consumed the first messages, then went away.
  const lagging = new PushConsumer({ ...clientOptions(cluster.namesrvAddr), consumerGroup: LAGGING, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', persistConsumerOffsetInterval: 200, rebalanceInterval: 300 });
  let consumed = 0;
  lagging.subscribe(TOPIC).registerMessageListener((msgs) => void (consumed += msgs.length));
  await lagging.start();
  try {
    await until(async () => consumed >= FIRST && (await admin.consumeStats(LAGGING, TOPIC)).diffTotal === 0, `${LAGGING} consumed and committed ${FIRST}`, 20_000);
  } finally {
    await lagging.shutdown();
  }
  assert.equal(consumed, FIRST);
  for (let i = FIRST; i < FIRST + MORE; i++) sentIds.push((await producer.send({ topic: TOPIC, body: `order body ${i}`, keys: [`order-key-${i}`] })).msgId);
  // A group with a consumer online, for the connections table.
  live = new PushConsumer({ ...clientOptions(cluster.namesrvAddr), consumerGroup: LIVE, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', rebalanceInterval: 300 });
  live.subscribe(TOPIC).registerMessageListener(() => undefined);
  await live.start();
  ({ proc: consoleProc, url } = await startConsoleProcess(['--cluster', cluster.data]));
});

after(async () => {
  await browser?.close();
  await consoleProc?.stop();
  await live?.shutdown().catch(() => undefined);
  await producer?.shutdown().catch(() => undefined);
  await admin?.shutdown().catch(() => undefined);
  await cluster?.stop();
});

test('every page is reachable from the nav bar', async () => {
  await open('/cluster');
  for (const [name, path] of [['Topics', '/topics'], ['Consumer groups', '/groups'], ['Messages', '/messages'], ['Upgrade', '/upgrade'], ['Cluster', '/cluster']]) {
    await page.click(`#nav a:text-is("${name}")`);
    await page.waitForURL(`${url}${path}`);
    await page.waitForSelector('body[data-ready]');
    assert.equal(await page.textContent('#nav a.active'), name);
    assert.equal(await page.locator('main .error').count(), 0, `${path} shows an error: ${await page.textContent('main')}`);
  }
});

test('cluster page: the NameServer and both brokers, with the roles, versions and state the brokers report', async () => {
  await open('/cluster');
  const ns = cluster.namesrvAddr;
  await page.locator('tr', { hasText: ns }).waitFor();
  assert.match(await page.locator('tr', { hasText: ns }).innerText(), /serving/);
  for (const node of cluster.topology.nodes.filter((n) => n.kind === 'broker')) {
    const addr = `${node.host}:${node.port}`;
    const runtime = await admin.brokerRuntimeInfo(addr);
    const role = (await admin.brokerConfig(addr)).get('brokerRole')!;
    const row = await page.locator('tr', { hasText: addr }).innerText();
    assert.ok(row.includes(runtime.brokerVersionDesc!), `row of ${addr} shows version ${runtime.brokerVersionDesc}: ${row}`);
    assert.ok(row.includes(role), `row of ${addr} shows role ${role}: ${row}`);
    assert.ok(row.includes(node.group) && /serving/.test(row), row);
    if (node.brokerId > 0) assert.match(row, /\d[\d,]* B \/ [\d.?]+ s/, `the slave's row shows its replication lag: ${row}`);
  }
  // The plots: drawn from the console's samples, one line per broker.
  await page.waitForSelector('figure.chart svg path', { state: 'attached' });
  assert.ok((await page.locator('figure.chart').count()) >= 3);
});

test('topics page: the route and queue offsets of a topic; a topic created from the page exists in the cluster, and its permission changes from the page', async () => {
  await open(`/topics?topic=${TOPIC}`);
  await page.waitForSelector('#topic-detail');
  const detail = await page.innerText('#topic-detail');
  const master = cluster.brokerAddr;
  assert.ok(detail.includes(`master ${master}`), detail);
  const stats = await admin.topicStats(TOPIC);
  assert.equal(stats.reduce((s, o) => s + o.maxOffset, 0), FIRST + MORE);
  const offsetRows = page.locator('#topic-detail table').nth(2).locator('tbody tr');
  assert.equal(await offsetRows.count(), stats.length);
  for (let i = 0; i < stats.length; i++) {
    const cells = await offsetRows.nth(i).locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(0, 4), [stats[i]!.mq.brokerName, String(stats[i]!.mq.queueId), String(stats[i]!.minOffset), String(stats[i]!.maxOffset)]);
  }

  const created = `ConsoleCreated${process.pid}`;
  await open('/topics');
  const form = page.locator('section.panel', { hasText: 'Create a topic' }).locator('form');
  await form.locator('input[name=topic]').fill(created);
  await form.locator('input[name=readQueueNums]').fill('3');
  await form.locator('input[name=writeQueueNums]').fill('3');
  await form.locator('select[name=perm]').selectOption('4');
  await form.locator('button').click();
  await page.locator('.notice', { hasText: `Topic ${created} saved` }).waitFor();
  const route = await untilValue(async () => (await admin.topicList()).includes(created) ? admin.topicRoute(created) : undefined, 'the created topic in the NameServer', 15_000, 200);
  assert.deepEqual(route.queueDatas.map((q) => [q.brokerName, q.readQueueNums, q.writeQueueNums, q.perm]), [['broker-a', 3, 3, 4]]);
  await page.locator('#topic-detail', { hasText: `Topic ${created}` }).waitFor();

  // Permission: read-only as created, made read-write from the topic's page.
  await page.locator('#perm-form select[name=perm]').selectOption('6');
  await page.locator('#perm-form button').click();
  await page.locator('.notice', { hasText: `Permission of ${created} set to 6` }).waitFor();
  assert.deepEqual((await admin.topicRoute(created)).queueDatas.map((q) => [q.readQueueNums, q.writeQueueNums, q.perm]), [[3, 3, 6]]);
});

test('consumer groups page: lag per queue is sent minus consumed, connections list the online consumer, and a reset by time moves the offset', async () => {
  await open('/groups');
  await page.locator('tr', { hasText: LAGGING }).waitFor();
  await open(`/groups?group=${LAGGING}`);
  await page.waitForSelector('#group-detail');
  assert.equal(await page.innerText('#group-diff'), String(MORE));
  // Every queue the group has an offset on: the topic's, and its own retry topic's.
  const stats = await admin.consumeStats(LAGGING);
  assert.equal(stats.offsetTable.filter((e) => e.mq.topic === TOPIC).length, 2);
  const rows = page.locator('#group-detail table').first().locator('tbody tr');
  assert.equal(await rows.count(), stats.offsetTable.length);
  for (let i = 0; i < stats.offsetTable.length; i++) {
    const e = stats.offsetTable[i]!;
    const cells = await rows.nth(i).locator('td').allInnerTexts();
    assert.deepEqual(cells.slice(0, 6), [e.mq.topic, e.mq.brokerName, String(e.mq.queueId), String(e.brokerOffset), String(e.consumerOffset), String(e.brokerOffset - e.consumerOffset)]);
  }

  // Back to before the first message: every message is unconsumed again.
  await page.locator('#reset-form select[name=topic]').selectOption(TOPIC);
  await page.locator('#reset-form input[name=time]').evaluate(setLocalTime, beforeSends - 60_000);
  await page.locator('#reset-form button').click();
  await page.locator('.notice', { hasText: `Offsets of ${LAGGING} on ${TOPIC} reset` }).waitFor();
  const reset = await admin.consumeStats(LAGGING, TOPIC);
  assert.deepEqual(reset.offsetTable.map((e) => e.consumerOffset), reset.offsetTable.map(() => 0));
  assert.equal(reset.diffTotal, FIRST + MORE);
  assert.equal(await page.innerText('#group-diff'), String(FIRST + MORE));

  await open(`/groups?group=${LIVE}`);
  await page.locator('#group-detail tr', { hasText: live.clientId }).waitFor();
  const conn = await admin.consumerConnection(LIVE);
  const row = await page.locator('#group-detail tr', { hasText: live.clientId }).innerText();
  assert.ok(row.includes(conn.connectionSet[0]!.clientAddr), row);
});

test('messages page: messages sent with the SDK are found by time range, by key and by id, shown with their body, and resent', async () => {
  await open('/messages');
  // By store time: every message sent so far lies between a minute before the first and now.
  await page.fill('#by-time input[name=topic]', TOPIC);
  await page.locator('#by-time input[name=begin]').evaluate(setLocalTime, beforeSends - 60_000);
  await page.locator('#by-time input[name=end]').evaluate(setLocalTime, Date.now() + 60_000);
  await page.click('#by-time button');
  await page.locator('#results h2', { hasText: `${FIRST + MORE} messages found` }).waitFor();
  assert.deepEqual((await page.locator('#results pre.body').allInnerTexts()).sort(), sentIds.map((_, i) => `order body ${i}`).sort());

  await page.fill('#by-key input[name=topic]', TOPIC);
  await page.fill('#by-key input[name=key]', 'order-key-7');
  await page.click('#by-key button');
  await page.locator('#results h2', { hasText: '1 message found' }).waitFor();
  assert.equal(await page.innerText('#results pre.body'), 'order body 7');
  assert.ok((await page.innerText('#results .message')).includes(sentIds[7]!));

  // Resend: the same body and key go to the topic again, as a new message.
  await page.click('#results .message button:text-is("Resend to its topic")');
  const resent = await page.locator('#results .notice', { hasText: 'Sent again as' }).innerText();
  const again = await untilValue(async () => {
    const found = await admin.queryMessageByKey(TOPIC, 'order-key-7');
    return found.length === 2 ? found : undefined;
  }, 'the resent message indexed by its key', 15_000, 200);
  assert.deepEqual(again.map((m) => m.body.toString()), ['order body 7', 'order body 7']);
  assert.ok(resent.includes(again[1]!.msgId), `${resent} names the new message ${again[1]!.msgId}`);

  await page.fill('#by-id input[name=id]', sentIds[2]!);
  await page.click('#by-id button');
  await page.locator('#results pre.body', { hasText: 'order body 2' }).waitFor();
});

test('upgrade page: how to start one without a run, then a run\'s steps, direction, target and why it stopped', async () => {
  await open('/upgrade');
  assert.match(await page.innerText('main'), /No upgrade has run on this cluster yet.*apogee upgrade --cluster/s);

  const ns = cluster.namesrvAddr;
  const release = { install: '/opt/apogee-0.3.0', version: '0.3.0' };
  const state: RunState = {
    format: 1,
    direction: 'upgrade',
    namesrvs: [ns],
    previous: {},
    target: Object.fromEntries(cluster.topology.nodes.map((n) => [`${n.host}:${n.port}`, release])),
    done: ['preflight', `namesrv:${ns}`],
    startedAt: new Date().toISOString(),
    aborted: 'Broker broker-a/1: the slave did not catch up within 120 s',
  };
  writeFileSync(join(cluster.data, 'upgrade-state.json'), JSON.stringify(state));
  await open('/upgrade');
  const text = await page.innerText('main');
  assert.match(text, /Stopped: Broker broker-a\/1: the slave did not catch up/);
  assert.match(text, /0\.3\.0 \(\/opt\/apogee-0\.3\.0\) for 3 nodes/);
  assert.match(text, /2 of 4/);
  const steps = await page.locator('ol.steps li').allInnerTexts();
  assert.deepEqual(steps.map((s) => s.replace(/\s+/g, ' ').trim()), ['done preflight', `done namesrv:${ns}`, 'stopped broker:broker-a/1', 'pending broker:broker-a/0']);
});

test('a NameServer that does not answer is shown as a readable error; bad API input gets 400 and one line', async () => {
  const deadPort = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const dead = await startConsoleProcess(['--namesrv', `127.0.0.1:${deadPort}`]);
  try {
    await page.goto(`${dead.url}/cluster`);
    await page.waitForSelector('body[data-ready]');
    assert.match(await page.innerText('main .error'), new RegExp(`NameServer 127\\.0\\.0\\.1:${deadPort} is down`));
    await page.goto(`${dead.url}/topics`);
    await page.waitForSelector('body[data-ready]');
    assert.ok((await page.innerText('main .error')).length > 0);

    const post = (body: string, headers: Record<string, string> = {}): RequestInit => ({ method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
    const bad: Array<[string, RequestInit | undefined, number]> = [
      ['/api/topics', post('{not json'), 400],
      ['/api/topics', post(JSON.stringify({ topic: 'ok', readQueueNums: 0 })), 400],
      ['/api/topics', post(JSON.stringify({ topic: 'bad topic!' })), 400],
      ['/api/topics', post(JSON.stringify({ topic: 'ok', perm: 7 })), 400],
      ['/api/messages/by-key?topic=x', undefined, 400],
      ['/api/messages/by-id?id=zz', undefined, 400],
      ['/api/messages/by-time?topic=x&begin=1&end=tomorrow', undefined, 400],
      [`/api/groups/g/reset-offset`, post(JSON.stringify({ topic: 't', time: 'yesterday' })), 400],
      ['/api/topics/%E0%A4%A', undefined, 400],
      // An action from another site's page (a form post, or a script of another origin) is refused.
      ['/api/topics', { method: 'POST', body: JSON.stringify({ topic: 'FromElsewhere' }), headers: { 'content-type': 'text/plain' } }, 415],
      ['/api/topics', post(JSON.stringify({ topic: 'FromElsewhere' }), { origin: 'http://elsewhere.example' }), 403],
      ['/api/no-such-thing', undefined, 404],
      ['/api/topics', { method: 'DELETE' }, 405],
    ];
    for (const [path, init, status] of bad) {
      const r = await fetch(`${dead.url}${path}`, init);
      const text = await r.text();
      assert.equal(r.status, status, `${path}: ${text}`);
      const body = JSON.parse(text) as { error: string };
      assert.ok(body.error.length > 0 && !body.error.includes('\n'), text);
    }
    // The cluster's failure is a 502 with its cause, not a crash.
    const r = await fetch(`${dead.url}/api/topics`);
    assert.equal(r.status, 502);
    // Garbage on the socket gets a 400 and the server goes on answering.
    await new Promise<void>((resolve) => {
      const { port } = new URL(dead.url);
      const sock = connect(Number(port), '127.0.0.1', () => sock.end('\x00\x01 not http\r\n\r\n'));
      sock.on('data', () => undefined);
      sock.on('close', () => resolve());
      sock.on('error', () => resolve());
    });
    assert.equal((await fetch(`${dead.url}/api/overview`)).status, 200);
    assert.ok(dead.proc.running);
  } finally {
    await dead.proc.stop();
  }
});

test('cluster page: a broker of the cluster that is down is listed as down, with the reason, while the rest is shown', async () => {
  const slave = cluster.topology.nodes.find((n) => n.kind === 'broker' && n.brokerId > 0)!;
  await cluster.killNode(slave.name);
  await open('/cluster');
  const addr = `${slave.host}:${slave.port}`;
  await page.locator('main .error', { hasText: `Broker ${slave.group}/${slave.brokerId} at ${addr} is unreachable` }).waitFor();
  assert.match(await page.locator('tr', { hasText: addr }).innerText(), /down/);
  assert.match(await page.locator('tr', { hasText: cluster.brokerAddr }).innerText(), /serving/);
});

test('apogee console refuses bad flags with one line and exit 2', () => {
  for (const [args, pattern] of [
    [['--port', 'eighty'], /^apogee console: --port eighty: not a port number/],
    [['--cluster', join(cluster.data, 'no-such-dir')], /^apogee console: .*no-such-dir is not an apogee cluster data directory/],
    [['--bogus'], /^apogee console: Unknown option '--bogus'/],
  ] as Array<[string[], RegExp]>) {
    const r = spawnSync(process.execPath, [cliPath('apogee'), 'console', ...args], { encoding: 'utf8', timeout: 20_000, env: { ...process.env, NAMESRV_ADDR: '' } });
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.ok(!/\n\s+at /.test(r.stderr), `no stack trace: ${r.stderr}`);
  }
});
