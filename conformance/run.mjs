/**
 * Apogee conformance suite: the real npm client ali-ons 3.12.0 against Apogee's NameServer and broker.
 *
 *   npm run test:conformance            (from the project root: builds, installs the pinned clients, runs)
 *   node --test conformance/run.mjs     (once the root is built and conformance/node_modules installed)
 *
 * This file only runs scenarios; each scenario's checks live beside it, in scenarios/ons/<name>.check.mjs
 * next to the scenario process scenarios/ons/<name>.cjs. A check file exports either
 *   - { id, title, file, deadlineMs, check(r, ctx), topic?, allowError?, addressServer? }: runs on the
 *     suite's shared server (one `apogee start` with short timings); the runner creates a fresh 4-queue
 *     topic, runs `file` as its own child process, asserts it ran clean, then calls `check` on its
 *     events; or
 *   - { id, title, run(ctx) }: starts a server of its own (F1 on a RocketMQ 4.3.2 store, R1 restarting
 *     the server mid-run) and does its own checks.
 * The last test of the shared part stops the server with SIGTERM and expects exit code 0.
 *
 * Environment: CONFORMANCE_ONLY=O2,O6 runs a subset; APOGEE_ROOT=<dir> tests another built checkout;
 * CONFORMANCE_KEEP=1 keeps the temp dir (server log, per-scenario events and wire traces) and prints where.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ApogeeNode, ROOT } from './lib/launcher.mjs';
import { runScenario } from './lib/scenario.mjs';
import { expectRanClean, j } from './lib/expect.mjs';

const SCENARIOS = join(dirname(fileURLToPath(import.meta.url)), 'scenarios', 'ons');

/** Broker settings for the shared server: short delay levels (level 1 = 1 s, level 2 = 2 s, the rest 1 s,
 * so retries — levels 3+ — come back after 1 s), long polls capped at 2 s, async flush. */
const BROKER_PROPS = {
  autoCreateTopicEnable: 'true',
  messageDelayLevel: ['1s', '2s', ...Array(16).fill('1s')].join(' '),
  longPollingMaxMs: '2000',
  flushDiskType: 'ASYNC_FLUSH',
};

const only = (process.env.CONFORMANCE_ONLY ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
const keep = !!process.env.CONFORMANCE_KEEP;
const runId = randomBytes(3).toString('hex');
const skipped = (id) => only.length > 0 && !only.includes(id);

const checkFiles = readdirSync(SCENARIOS).filter((f) => f.endsWith('.check.mjs')).sort();
const all = await Promise.all(checkFiles.map(async (f) => (await import(pathToFileURL(join(SCENARIOS, f)).href)).default));
all.forEach((sc, i) => {
  if (!sc?.id || (typeof sc.check === 'function') === (typeof sc.run === 'function')) {
    throw new Error(`${checkFiles[i]}: expected export default { id, title, file, deadlineMs, check(r, ctx) } or { id, title, run(ctx) }`);
  }
});
const scenarios = all.filter((sc) => typeof sc.check === 'function');
const ownServer = all.filter((sc) => typeof sc.run === 'function');

async function newAdmin() {
  const { Admin } = await import('./lib/admin.mjs');
  return new Admin();
}

function cleanUp(tmp) {
  if (keep) console.log(`# conformance temp dir kept: ${tmp}`);
  else if (tmp) rmSync(tmp, { recursive: true, force: true });
}

describe('ali-ons 3.12.0 against Apogee (real-clients.md §5.3)', { concurrency: 1 }, () => {
  let tmp;
  let server;
  let startError;
  let admin;
  let addressServer;
  let addressHits = 0;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'apogee-conformance-'));
    if (only.length > 0 && !scenarios.some((sc) => only.includes(sc.id))) return; // e.g. CONFORMANCE_ONLY=F1,R1
    server = new ApogeeNode({ root: ROOT, dir: join(tmp, 'server'), brokerProps: BROKER_PROPS });
    try {
      await server.start();
      admin = await newAdmin();
    } catch (err) {
      startError = err;
    }
  });

  after(async () => {
    if (server?.running) await server.stop();
    await admin?.close();
    if (addressServer) await new Promise((r) => addressServer.close(r));
    cleanUp(tmp);
  });

  for (const sc of scenarios) {
    test(`${sc.id} ${sc.title}`, { skip: skipped(sc.id) }, async () => {
      assert.ok(!startError, `the server did not start: ${startError?.message}`);
      assert.ok(server.running, `the server is not running (exit ${j(server.exit)})\n${server.tailText()}`);
      const suffix = `${runId}_${sc.id.toLowerCase()}`;
      const topic = `ons_${suffix}`;
      const group = `GID_${suffix}`;
      const ctx = { namesrv: server.namesrvAddr, broker: server.brokerAddr, topic, group, admin, addressHits: 0, brokerProps: BROKER_PROPS };
      if (sc.topic !== false) {
        try {
          await admin.createTopic(server.brokerAddr, topic, { queues: 4 });
          await admin.waitRoute(server.namesrvAddr, topic, { queues: 4, timeoutMs: 10_000 });
        } catch (err) {
          err.message = `setup: creating topic ${topic} (UPDATE_AND_CREATE_TOPIC at ${server.brokerAddr}, then its route at ${server.namesrvAddr}) failed: ${err.message}\n${server.tailText(20)}`;
          throw err;
        }
      }
      const env = { NAMESRV: server.namesrvAddr, BROKER: server.brokerAddr, TOPIC: topic, GROUP: group, SUFFIX: suffix };
      if (sc.addressServer) {
        addressHits = 0;
        addressServer = createServer((req, res) => {
          addressHits++;
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(server.namesrvAddr);
        });
        await new Promise((r) => addressServer.listen(0, '127.0.0.1', r));
        env.ONS_ADDR = `http://127.0.0.1:${addressServer.address().port}/rocketmq/nsaddr4client-internal`;
      }
      const dir = join(tmp, sc.id.toLowerCase());
      const r = await runScenario({ file: join(SCENARIOS, sc.file), dir, env, deadlineMs: sc.deadlineMs });
      if (addressServer) {
        ctx.addressHits = addressHits;
        await new Promise((res) => addressServer.close(res));
        addressServer = undefined;
      }
      try {
        expectRanClean(r, sc);
        await sc.check(r, ctx);
      } catch (err) {
        err.message += `\n--- ${sc.id} context ---\n${r.context({ serverTail: server.tailText(20) })}`;
        throw err;
      }
    });
  }

  test('server: SIGTERM stops the NameServer and broker gracefully (exit code 0)', { skip: only.length > 0 }, async () => {
    assert.ok(!startError, `the server did not start: ${startError?.message}`);
    assert.ok(server.running, `the server already exited: ${j(server.exit)}\n${server.tailText()}`);
    const e = await server.stop(10_000);
    assert.ok(!e.killed, `the server did not exit within 10 s of SIGTERM and was killed\n${server.tailText()}`);
    assert.equal(e.code, 0, `exit code after SIGTERM: ${e.code} (signal ${e.signal})\n${server.tailText()}`);
  });
});

// Scenarios that start servers of their own (own data directory, own ports), so the shared one is untouched.
describe('ali-ons 3.12.0 against Apogee: a RocketMQ 4.3.2 store (F1) and a broker restart mid-run (R1)', { concurrency: 1 }, () => {
  let tmp;
  let admin;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'apogee-conformance-fr-'));
    admin = await newAdmin();
  });

  after(async () => {
    await admin?.close();
    cleanUp(tmp);
  });

  for (const sc of ownServer) {
    test(`${sc.id} ${sc.title}`, { skip: skipped(sc.id) }, () => sc.run({ root: ROOT, tmp, admin, runId, brokerProps: BROKER_PROPS, ApogeeNode }));
  }
});
