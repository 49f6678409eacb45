#!/usr/bin/env node
// Writes docs/console/*.png: a small local cluster (a NameServer, a master and its slave) with some
// traffic, `apogee console` on it, and each page captured in headless Chromium (the Debian package
// at /usr/bin/chromium, or $CHROMIUM). Run with `npm run console:screenshots` (it builds first).
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => join(root, 'dist', 'src', p);
const { startTopology } = await import(dist('testing/topology.js'));
const { spawnServer } = await import(dist('testing/launcher.js'));
const { Admin } = await import(dist('client/admin.js'));
const { Producer } = await import(dist('client/producer.js'));
const { PushConsumer } = await import(dist('client/push-consumer.js'));
const { setLogLevel } = await import(dist('common/logger.js'));

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  process.stderr.write(`console-screenshots: no Chromium at ${CHROMIUM}; install the Debian package (apt-get install -y chromium) or set CHROMIUM\n`);
  process.exit(1);
}
setLogLevel('silent');
const out = join(root, 'docs', 'console');
mkdirSync(out, { recursive: true });
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const profile = mkdtempSync(join(tmpdir(), 'apogee-console-shots-'));

const cluster = await startTopology({ topology: { namesrvs: 1, groups: [{ name: 'broker-a', slaves: 1 }] } });
const opts = { namesrvAddr: cluster.namesrvAddr, clientIP: '127.0.0.1', pollNameServerInterval: 500, heartbeatBrokerInterval: 500 };
const admin = new Admin(opts);
const producer = new Producer({ ...opts, producerGroup: 'OrderProducer' });
const consumer = new PushConsumer({ ...opts, consumerGroup: 'OrderService', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', persistConsumerOffsetInterval: 500 });
// A second group that stops half-way, so it has a backlog.
const audit = new PushConsumer({ ...opts, consumerGroup: 'AuditService', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', persistConsumerOffsetInterval: 500 });
let console_;
let browser;
let sending = true;
try {
  await admin.start();
  await producer.start();
  await admin.createTopic('OrderTopic', { readQueueNums: 4, writeQueueNums: 4 });
  await admin.createTopic('PaymentTopic', { readQueueNums: 2, writeQueueNums: 2 });
  console_ = spawnServer('apogee', ['console', '--cluster', cluster.data, '--port', '0']);
  const [, url] = await console_.waitFor(/"url":"([^"]+)"/);
  // Traffic: a steady stream of orders, a slower one of payments; a consumer that reads orders.
  let n = 0;
  const traffic = (async () => {
    while (sending) {
      const i = n++;
      await producer.send({ topic: 'OrderTopic', body: JSON.stringify({ order: 10_000 + i, amount: (i * 7) % 100 }), tags: 'created', keys: [`order-${10_000 + i}`] }).catch(() => undefined);
      if (i % 3 === 0) await producer.send({ topic: 'PaymentTopic', body: `payment for order ${10_000 + i}`, keys: [`pay-${i}`] }).catch(() => undefined);
      await sleep(i % 40 < 20 ? 15 : 40);
    }
  })();
  consumer.subscribe('OrderTopic', '*').registerMessageListener(() => undefined);
  await consumer.start();
  audit.subscribe('PaymentTopic', '*').registerMessageListener(() => undefined);
  await audit.start();
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 900 },
  });
  const page = await browser.newPage();
  await page.goto(`${url}/cluster`);
  // Let the console gather a minute of samples for the plots.
  for (let i = 0; i < 9; i++) {
    await sleep(5000);
    await page.reload();
  }
  await audit.shutdown();
  await sleep(10_000);
  const shot = async (name, path, after) => {
    await page.goto(`${url}${path}`);
    await page.waitForSelector(`body[data-ready]`);
    if (after) await after();
    await page.screenshot({ path: join(out, `${name}.png`), fullPage: true });
    process.stdout.write(`wrote docs/console/${name}.png\n`);
  };
  await shot('cluster', '/cluster', () => page.waitForSelector('svg path'));
  await shot('topics', '/topics?topic=OrderTopic');
  await shot('groups', '/groups?group=OrderService');
  await shot('messages', '/messages', async () => {
    await page.fill('#by-key input[name=topic]', 'OrderTopic');
    await page.fill('#by-key input[name=key]', 'order-10007');
    await page.click('#by-key button');
    await page.waitForSelector('.message pre');
  });
  sending = false;
  await traffic;
  // An upgrade of the cluster to this same release, captured while it runs.
  const upgrade = spawnServer('apogee', ['upgrade', '--cluster', cluster.data, '--to', 'current', '--yes', '--json']);
  try {
    await shot('upgrade', '/upgrade', async () => {
      await page.waitForFunction(() => document.querySelectorAll('.state.done').length >= 2 && document.querySelector('.state.current'), undefined, { timeout: 120_000 });
    });
    await upgrade.waitFor(/"event":"report"|"status":"failed"/, 'stdout', 180_000);
  } catch (err) {
    process.stderr.write(`the upgrade did not go as expected: ${err.message}\n${upgrade.tailText(40)}\n`);
    process.exitCode = 1;
  } finally {
    await upgrade.stop();
  }
} finally {
  sending = false;
  await browser?.close().catch(() => undefined);
  await console_?.stop().catch(() => undefined);
  await consumer.shutdown().catch(() => undefined);
  await audit.shutdown().catch(() => undefined);
  await producer.shutdown().catch(() => undefined);
  await admin.shutdown().catch(() => undefined);
  await cluster.stop();
  rmSync(profile, { recursive: true, force: true });
}
