/**
 * Apogee conformance suite: the real npm client ali-ons 3.12.0 against Apogee's NameServer and broker.
 *
 *   npm run test:conformance            (from the project root: builds, installs the pinned clients, runs)
 *   node --test conformance/run.mjs     (once the root is built and conformance/node_modules installed)
 *
 * One server (NameServer + broker, `node bin/apogee.js start`) is started with short timings for the whole
 * suite; every scenario of real-clients.md §5.3 (O1–O15) runs as its own child process
 * (conformance/scenarios/ons/oNN-*.cjs) with its own topic and group, prints JSON-lines events, and is
 * judged here on counted events. The last test stops the server with SIGTERM and expects exit code 0.
 * F1 (a RocketMQ 4.3.2 store fixture served to ali-ons) and R1 (a server restart in the middle of a
 * produce/consume run) start servers of their own, see the second describe at the end.
 *
 * Environment: CONFORMANCE_ONLY=O2,O6 runs a subset; APOGEE_ROOT=<dir> tests another built checkout;
 * CONFORMANCE_KEEP=1 keeps the temp dir (server log, per-scenario events and wire traces) and prints where.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, mkdirSync, cpSync, readFileSync, readdirSync, chmodSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServerProcess } from './lib/server.mjs';
import { runScenario, startScenario } from './lib/scenario.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = process.env.APOGEE_ROOT ? resolve(process.env.APOGEE_ROOT) : resolve(here, '..');
const SCENARIOS = join(here, 'scenarios', 'ons');
/** The recorded fixtures kept in the repository (test/fixtures, see its README), or $APOGEE_FIXTURES. */
const FIXTURES = process.env.APOGEE_FIXTURES ?? resolve(here, '..', 'test', 'fixtures');
const STORE_CLEAN = join(FIXTURES, 'rocketmq-4.3.2', 'store-clean');

/** Broker settings for the suite: short delay levels (level 1 = 1 s, level 2 = 2 s, the rest 1 s, so
 * retries — levels 3+ — come back after 1 s), long polls capped at 2 s, async flush. */
const BROKER_PROPS = {
  autoCreateTopicEnable: 'true',
  messageDelayLevel: ['1s', '2s', ...Array(16).fill('1s')].join(' '),
  longPollingMaxMs: '2000',
  flushDiskType: 'ASYNC_FLUSH',
};

const only = (process.env.CONFORMANCE_ONLY ?? '').split(',').map((s) => s.trim().toUpperCase()).filter(Boolean);
const keep = !!process.env.CONFORMANCE_KEEP;
const runId = randomBytes(3).toString('hex');

// ---- helpers used by the checks ----------------------------------------------------------------------

const sha = (s) => createHash('sha256').update(Buffer.from(s, 'utf8')).digest('hex');
const j = (v) => JSON.stringify(v);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const short = (list, n = 8) => j(list.slice(0, n)) + (list.length > n ? ` … (+${list.length - n})` : '');

/** The "ip:port" an offset msgId encodes (remoting-protocol.md §6.7). */
function msgIdAddress(msgId) {
  const b = Buffer.from(msgId, 'hex');
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}:${b.readInt32BE(4)}`;
}

function identity(e) {
  return e.keys;
}

/**
 * Every sent message received exactly once, nothing else received; messages are matched by their (unique)
 * KEYS, then compared field by field. `sameMsgId`: the consumed msgId must equal the send result's.
 */
function expectEachOnce(sent, recv, { label, sameMsgId = true, sameQueue = true, reconsumeTimes = 0 } = {}) {
  const byKey = new Map(sent.map((s) => [identity(s), s]));
  const got = new Map();
  const unexpected = [];
  for (const m of recv) {
    if (!byKey.has(identity(m))) unexpected.push({ keys: m.keys, msgId: m.msgId, topic: m.topic, tags: m.tags });
    got.set(identity(m), [...(got.get(identity(m)) ?? []), m]);
  }
  const missing = sent.filter((s) => !got.has(identity(s))).map((s) => ({ keys: s.keys, msgId: s.msgId, queueId: s.queueId, queueOffset: s.queueOffset }));
  const dups = [...got].filter(([, l]) => l.length > 1).map(([k, l]) => ({ keys: k, times: l.length }));
  assert.ok(
    !missing.length && !dups.length && !unexpected.length,
    `${label}: expected each of the ${sent.length} sent messages exactly once, handler saw ${recv.length}: ` +
      `missing ${missing.length} ${short(missing)}; duplicated ${dups.length} ${short(dups)}; unexpected ${unexpected.length} ${short(unexpected)}`,
  );
  const diffs = [];
  for (const s of sent) {
    const m = got.get(identity(s))[0];
    const d = (field, want, have) => {
      if (j(want) !== j(have)) diffs.push(`${s.keys}: ${field} sent ${j(want)}, received ${j(have)}`);
    };
    if (sameMsgId) d('msgId', s.msgId, m.msgId);
    d('tags', s.tags, m.tags);
    d('keys', s.keys, m.keys);
    d('user properties', s.props, m.props);
    if (s.body !== undefined) d('body (sha256)', sha(s.body), m.bodySha);
    if (s.bodySha !== undefined) d('body (sha256)', s.bodySha, m.bodySha);
    if (sameQueue) d('queueId', s.queueId, m.queueId);
    if (sameMsgId) d('queueOffset', s.queueOffset, m.queueOffset);
    if (reconsumeTimes !== undefined) d('reconsumeTimes', reconsumeTimes, m.reconsumeTimes);
  }
  assert.ok(!diffs.length, `${label}: received messages differ from what was sent:\n  ${diffs.slice(0, 12).join('\n  ')}`);
  return got;
}

/** The scenario ended by itself, printed `done`, exited 0, and ali-ons reported no error it was not allowed. */
function expectRanClean(r, { deadlineMs, allowError }) {
  assert.ok(!r.killed, `the scenario did not finish within its deadline + grace and was killed`);
  const timeout = r.all('timeout');
  assert.equal(timeout.length, 0, `the scenario hit its own deadline of ${deadlineMs} ms`);
  const scenarioErrors = r.all('error', (e) => e.who === 'scenario' || e.who === 'process');
  assert.equal(scenarioErrors.length, 0, `the scenario failed: ${short(scenarioErrors, 3)}`);
  assert.equal(r.all('done').length, 1, 'the scenario printed its final done event');
  assert.equal(r.code, 0, `scenario exit code ${r.code}`);
  const unexpected = r.all('error', (e) => e.who !== 'scenario' && e.who !== 'process' && !(allowError?.(e) ?? false));
  assert.equal(unexpected.length, 0, `ali-ons reported errors: ${short(unexpected.map((e) => ({ who: e.who, t: e.t, name: e.name, code: e.code, message: e.message })), 5)}`);
}

function expectSendsOk(sent, label) {
  const bad = sent.filter((s) => s.sendStatus !== 'SEND_OK' || !/^[0-9A-F]{32}$/.test(s.msgId ?? ''));
  assert.ok(!bad.length, `${label}: sends not SEND_OK or msgId not 32 upper-case hex: ${short(bad)}`);
}

// ---- the scenarios -----------------------------------------------------------------------------------

const scenarios = [
  {
    id: 'O1',
    file: 'o01-produce.cjs',
    title: 'produce 20 messages with tags/keys/properties: SEND_OK, 32-hex msgIds, per-queue offsets 0,1,2…',
    deadlineMs: 20_000,
    async check(r, ctx) {
      const sent = r.all('sent');
      assert.equal(sent.length, 20, `expected 20 send results, got ${sent.length}`);
      expectSendsOk(sent, 'O1');
      assert.equal(new Set(sent.map((s) => s.msgId)).size, 20, `msgIds are not distinct: ${short(sent.map((s) => s.msgId))}`);
      const wrongHost = sent.filter((s) => msgIdAddress(s.msgId) !== ctx.broker).map((s) => `${s.msgId} → ${msgIdAddress(s.msgId)}`);
      assert.ok(!wrongHost.length, `msgId must encode the broker's store address ${ctx.broker} (clients send VIEW_MESSAGE_BY_ID there): ${short(wrongHost)}`);
      const perQueue = {};
      for (const s of sent) (perQueue[s.queueId] ??= []).push(s.queueOffset);
      assert.deepEqual(Object.keys(perQueue).map(Number).sort(), [0, 1, 2, 3], `ali-ons round-robins over the 4 queues; send results name queues ${j(Object.keys(perQueue))}`);
      for (const [q, offs] of Object.entries(perQueue)) {
        assert.deepEqual(offs, offs.map((_, i) => i), `queue ${q}: queueOffsets of consecutive sends must be 0,1,2,… on a fresh topic, got ${j(offs)}`);
      }
      for (let q = 0; q < 4; q++) {
        const mo = await ctx.admin.maxOffset(ctx.broker, ctx.topic, q);
        assert.equal(mo.code, 0, `GET_MAX_OFFSET ${ctx.topic}/${q}: code ${mo.code} ${mo.remark ?? ''}`);
        assert.equal(mo.offset, perQueue[q].length, `GET_MAX_OFFSET ${ctx.topic}/${q} after ${perQueue[q].length} sends`);
      }
    },
  },
  {
    id: 'O2',
    file: 'o02-cluster-consume.cjs',
    title: 'clustering consumer (FIRST_OFFSET) gets each of 20 messages once; msgId, body, tags, keys, properties, queue and offset equal',
    deadlineMs: 40_000,
    check(r, ctx) {
      const sent = r.all('sent');
      assert.equal(sent.length, 20, `expected 20 sends, got ${sent.length}`);
      expectSendsOk(sent, 'O2');
      expectEachOnce(sent, r.all('recv'), { label: 'O2' });
      const topics = new Set(r.all('recv').map((m) => m.topic));
      assert.deepEqual([...topics], [ctx.topic], 'consumed messages carry the subscribed topic');
      for (const m of r.all('recv')) {
        assert.equal(m.storeHost, ctx.broker, `${m.keys}: STOREHOST of the pulled record is the broker's address`);
        assert.ok(m.storeTimestamp >= m.bornTimestamp - 5 && m.storeTimestamp - m.bornTimestamp < 2000, `${m.keys}: BORNTIMESTAMP ${m.bornTimestamp} (the send header's) and STORETIMESTAMP ${m.storeTimestamp} must be sane`);
      }
    },
  },
  {
    id: 'O3',
    file: 'o03-last-offset.cjs',
    title: 'fresh group with default CONSUME_FROM_LAST_OFFSET started after 5 messages: gets those 5 (young queue ⇒ offset 0), then 5 new ones',
    deadlineMs: 40_000,
    check(r) {
      const sent = r.all('sent');
      assert.equal(sent.length, 10, `expected 10 sends, got ${sent.length}`);
      expectSendsOk(sent, 'O3');
      const recv = r.all('recv');
      const before = sent.filter((s) => s.phase === 'before').map((s) => s.keys);
      const seenBefore = recv.filter((m) => before.includes(m.keys)).length;
      assert.equal(seenBefore, 5, `the 5 messages that existed before the group's first start must be delivered (Java: QUERY_CONSUMER_OFFSET answers 0 when the queue's min offset is 0); got ${seenBefore}`);
      expectEachOnce(sent, recv, { label: 'O3' });
    },
  },
  {
    id: 'O4',
    file: 'o04-tag-filter.cjs',
    title: "tag filter 'TagA || TagB' over A/B/C: only A and B delivered, and no TagC message in any pull response (broker-side filtering)",
    deadlineMs: 40_000,
    check(r) {
      const sent = r.all('sent');
      assert.equal(sent.length, 15);
      expectSendsOk(sent, 'O4');
      const recvC = r.all('recv', (m) => m.tags === 'TagC');
      assert.equal(recvC.length, 0, `TagC messages reached the 'TagA || TagB' handler: ${short(recvC.map((m) => m.keys))}`);
      expectEachOnce(sent.filter((s) => s.tags !== 'TagC'), r.all('recv'), { label: 'O4' });
      const pulledAB = r.all('pulled').flatMap((p) => p.msgs.filter((m) => m.tags === 'TagA' || m.tags === 'TagB'));
      assert.ok(pulledAB.length >= 10, `the pull tap saw ${pulledAB.length} TagA/TagB messages in pull responses (expected ≥ 10)`);
      const pulledC = r.all('pulled').flatMap((p) => p.msgs.filter((m) => m.tags === 'TagC').map((m) => ({ queueId: p.queueId, queueOffset: m.queueOffset, subscription: p.subscription })));
      assert.equal(pulledC.length, 0, `the broker returned TagC messages to a pull whose subscription is 'TagA || TagB' (it must filter by tag hash code): ${short(pulledC)}`);
    },
  },
  {
    id: 'O5',
    file: 'o05-offset-resume.cjs',
    title: 'offset resume: after close, stored offsets = last consumed + 1 and commitOffset -1 never overwrites; same group restarts with exactly the 10 new messages',
    deadlineMs: 60_000,
    check(r) {
      const sent1 = r.all('sent', (s) => s.phase === 1);
      const sent2 = r.all('sent', (s) => s.phase === 2);
      assert.equal(sent1.length, 10);
      assert.equal(sent2.length, 10);
      expectSendsOk([...sent1, ...sent2], 'O5');
      const q1 = new Set(sent1.map((s) => s.queueId));
      assert.ok([...q1].every((q) => q === 1 || q === 2), `precondition: phase-1 sharding keys should put messages on queues 1 and 2 only, got ${j([...q1])}`);
      expectEachOnce(sent1, r.all('recv', (m) => m.who === 'cA'), { label: 'O5 consumer A (phase 1)' });
      const count = (list) => [0, 1, 2, 3].map((q) => list.filter((s) => s.queueId === q).length);
      const c1 = count(sent1);
      const c12 = count([...sent1, ...sent2]);
      const afterA = r.all('offset', (o) => o.phase === 'afterA');
      assert.equal(afterA.length, 4, 'offsets were read back for 4 queues after consumer A closed');
      for (const o of afterA) {
        assert.notEqual(o.offset, -1, `queue ${o.queueId}: the broker stored ali-ons' commitOffset -1 (sent for idle queues) — negative commits must be ignored`);
        if (c1[o.queueId] > 0) {
          assert.deepEqual({ code: o.code, offset: o.offset }, { code: 0, offset: c1[o.queueId] }, `queue ${o.queueId}: stored offset after consuming ${c1[o.queueId]} messages must be ${c1[o.queueId]} (last consumed + 1); remark ${o.remark ?? ''}`);
        } else {
          assert.deepEqual({ code: o.code, offset: o.offset }, { code: 0, offset: 0 }, `queue ${o.queueId} (never had a message, only -1 commits): QUERY_CONSUMER_OFFSET must answer SUCCESS 0 (Java: no stored offset, queue min offset 0); remark ${o.remark ?? ''}`);
        }
      }
      const recvB = r.all('recv', (m) => m.who === 'cB');
      const replayed = recvB.filter((m) => sent1.some((s) => s.keys === m.keys));
      assert.equal(replayed.length, 0, `consumer B (same group) re-consumed phase-1 messages: ${short(replayed.map((m) => m.keys))}`);
      expectEachOnce(sent2, recvB, { label: 'O5 consumer B (phase 2)' });
      const afterB = r.all('offset', (o) => o.phase === 'afterB');
      assert.equal(afterB.length, 4);
      for (const o of afterB) {
        assert.deepEqual(
          { code: o.code, offset: o.offset },
          { code: 0, offset: c12[o.queueId] },
          `queue ${o.queueId}: 3.5 s after consumer B closed (having persisted ${c12[o.queueId]} with UPDATE_CONSUMER_OFFSET) the stored offset must be ${c12[o.queueId]}. ` +
            'A lower value means an older commitOffset was committed later, e.g. from the header of a pull that was parked at close (see the "pull" lines with status ERROR in the trace): ' +
            "Java commits a pull's commitOffset only when the pull first arrives, not when a held pull is re-run. " +
            `remark ${o.remark ?? ''}`,
        );
      }
    },
  },
  {
    id: 'O6',
    file: 'o06-retry-dlq.cjs',
    title: 'retry: a failed message comes back from %RETRY% with reconsumeTimes 1, originMessageId and original topic; after maxReconsumeTimes (2) it lands in %DLQ%',
    deadlineMs: 60_000,
    allowError: (e) => /o06 deliberate failure/.test(e.message ?? ''),
    async check(r, ctx) {
      const sent = r.all('sent');
      assert.equal(sent.length, 2);
      expectSendsOk(sent, 'O6');
      const s = Object.fromEntries(sent.map((x) => [x.kind, x]));
      const once = r.all('recv', (m) => m.kind === 'once');
      const always = r.all('recv', (m) => m.kind === 'always');
      const brief = (l) => j(l.map((m) => ({ r: m.reconsumeTimes, msgId: m.msgId, origin: m.originMessageId, topic: m.topic })));
      assert.deepEqual(once.map((m) => m.reconsumeTimes), [0, 1], `"once" (fails on its first delivery only) must be delivered with reconsumeTimes 0 then 1; deliveries: ${brief(once)}`);
      assert.deepEqual(always.map((m) => m.reconsumeTimes), [0, 1, 2], `"always" (always fails, maxReconsumeTimes 2) must be delivered with reconsumeTimes 0, 1, 2 and then go to the DLQ; deliveries: ${brief(always)}`);
      for (const [kind, list] of [['once', once], ['always', always]]) {
        assert.equal(list[0].msgId, s[kind].msgId, `${kind}: first delivery has the send result's msgId`);
        for (const m of list) {
          assert.equal(m.topic, ctx.topic, `${kind} r=${m.reconsumeTimes}: the handler sees the original topic (RETRY_TOPIC), got ${m.topic}`);
          assert.equal(m.bodySha, sha(s[kind].body), `${kind} r=${m.reconsumeTimes}: body unchanged`);
          assert.equal(m.keys, s[kind].keys, `${kind} r=${m.reconsumeTimes}: keys unchanged`);
          assert.deepEqual(m.props, s[kind].props, `${kind} r=${m.reconsumeTimes}: user properties unchanged`);
          if (m.reconsumeTimes > 0) {
            assert.equal(m.originMessageId, s[kind].msgId, `${kind} r=${m.reconsumeTimes}: ORIGIN_MESSAGE_ID must be the original msgId`);
          }
        }
      }
      const retried = r.all('pulled', (p) => p.topic === `%RETRY%${ctx.group}`).flatMap((p) => p.msgs);
      assert.ok(retried.length >= 3, `the pull tap saw ${retried.length} messages pulled from %RETRY%${ctx.group} (expected ≥ 3)`);
      const overPulled = r.all('pulled').flatMap((p) => p.msgs.filter((m) => m.reconsumeTimes > 2).map((m) => ({ topic: p.topic, ...m })));
      assert.equal(overPulled.length, 0, `messages with reconsumeTimes > maxReconsumeTimes (2) were delivered instead of going to %DLQ% (ali-ons drops them silently): ${short(overPulled)}`);
      const failures = r.all('error', (e) => /o06 deliberate failure/.test(e.message ?? ''));
      assert.equal(failures.length, 4, `the handler failed 4 times (once ×1, always ×3); ali-ons reported ${failures.length}`);
      // the DLQ, read with Apogee's own client
      const dlq = `%DLQ%${ctx.group}`;
      let mo;
      const end = Date.now() + 5000;
      do {
        mo = await ctx.admin.maxOffset(ctx.broker, dlq, 0);
        if (mo.code === 0 && mo.offset >= 1) break;
        await new Promise((res) => setTimeout(res, 200));
      } while (Date.now() < end);
      assert.deepEqual({ code: mo.code, offset: mo.offset }, { code: 0, offset: 1 }, `GET_MAX_OFFSET ${dlq}/0: exactly one message (the "always" one) in the DLQ; remark ${mo.remark ?? ''}`);
      const q = await ctx.admin.queryMessageByKey(ctx.broker, dlq, s.always.keys);
      assert.equal(q.code, 0, `QUERY_MESSAGE ${dlq} key ${s.always.keys}: code ${q.code} ${q.remark ?? ''}`);
      assert.equal(q.messages.length, 1, `QUERY_MESSAGE ${dlq} key ${s.always.keys}: one message expected, got ${q.messages.length}`);
      const d = q.messages[0];
      assert.equal(d.topic, dlq, 'DLQ record topic');
      assert.equal(d.properties.ORIGIN_MESSAGE_ID, s.always.msgId, 'DLQ record ORIGIN_MESSAGE_ID = original msgId');
      assert.equal(d.properties.RETRY_TOPIC, ctx.topic, 'DLQ record RETRY_TOPIC = original topic');
      assert.equal(d.body.toString('utf8'), s.always.body, 'DLQ record body');
    },
  },
  {
    id: 'O7',
    file: 'o07-delay.cjs',
    title: 'delay levels: level 1 (1 s) and level 2 (2 s) are not delivered before their delay and are delivered soon after; no delay ⇒ at once',
    deadlineMs: 30_000,
    check(r) {
      const sent = r.all('sent');
      assert.equal(sent.length, 3);
      expectSendsOk(sent, 'O7');
      const recv = r.all('recv');
      expectEachOnce(sent, recv, { label: 'O7', sameMsgId: false });
      const delays = { 0: 0, 1: 1000, 2: 2000 };
      const SLACK = 2500; // broker scan + long-poll wake-up (the long-poll cap is 2 s)
      for (const s of sent) {
        const m = recv.find((x) => x.keys === s.keys);
        const took = m.t - s.sendStart;
        const want = delays[s.level];
        if (want === 0) {
          assert.ok(took < 1000, `level 0: delivered ${took} ms after the send, expected < 1000 ms`);
          assert.equal(m.msgId, s.msgId, 'level 0: msgId equal');
        } else {
          assert.ok(took >= want - 20, `level ${s.level}: delivered ${took} ms after the send, before its delay of ${want} ms`);
          assert.ok(took <= want + SLACK, `level ${s.level}: delivered ${took} ms after the send, more than ${SLACK} ms after its delay of ${want} ms`);
        }
      }
    },
  },
  {
    id: 'O8',
    file: 'o08-compression.cjs',
    title: 'compression: 4095 B plain, 8 KiB text and 8 KiB random bodies round-trip byte-exact; sysFlag bit 0 kept on the compressed ones',
    deadlineMs: 30_000,
    check(r) {
      const sent = r.all('sent');
      assert.equal(sent.length, 3);
      expectSendsOk(sent, 'O8');
      const compressedSent = Object.fromEntries(sent.map((s) => [s.name, s.sentCompressed]));
      assert.deepEqual(compressedSent, { plain4095: false, text8k: true, random8k: true }, 'precondition: ali-ons compresses bodies ≥ 4096 bytes');
      const recv = r.all('recv');
      expectEachOnce(sent, recv, { label: 'O8' });
      for (const m of recv) {
        const s = sent.find((x) => x.keys === m.keys);
        assert.equal(m.bodyLen, s.bodyLen, `${s.name}: body length`);
        assert.equal(m.sysFlag & 1, s.sentCompressed ? 1 : 0, `${s.name}: stored SYSFLAG bit 0 (compressed) must be ${s.sentCompressed ? 1 : 0}, got sysFlag ${m.sysFlag}`);
      }
    },
  },
  {
    id: 'O9',
    file: 'o09-broadcast.cjs',
    title: 'broadcasting: two consumers (b1, b2) of one group each get all 12 messages exactly once',
    deadlineMs: 30_000,
    check(r) {
      const sent = r.all('sent');
      assert.equal(sent.length, 12);
      expectSendsOk(sent, 'O9');
      for (const who of ['b1', 'b2']) expectEachOnce(sent, r.all('recv', (m) => m.who === who), { label: `O9 ${who}` });
    },
  },
  {
    id: 'O10',
    file: 'o10-rebalance.cjs',
    title: 'rebalance: c1/c2 split the 4 queues 2+2, each message consumed once by its queue owner; after c2 closes c1 owns all 4 and gets the rest',
    deadlineMs: 60_000,
    check(r) {
      const own1 = Object.fromEntries(r.all('owned', (o) => o.phase === 1).map((o) => [o.who, o.queues]));
      assert.ok(own1.c1 && own1.c2, 'ownership was reported for c1 and c2');
      const union = [...new Set([...own1.c1, ...own1.c2])].sort();
      const overlap = own1.c1.filter((q) => own1.c2.includes(q));
      assert.ok(
        own1.c1.length === 2 && own1.c2.length === 2 && !overlap.length && j(union) === j([0, 1, 2, 3]),
        `two consumers of one group must split 4 queues 2+2, disjoint and covering all (GET_CONSUMER_LIST_BY_GROUP must list both clientIDs): c1 ${j(own1.c1)}, c2 ${j(own1.c2)}`,
      );
      const sent1 = r.all('sent', (s) => s.phase === 1);
      const sent2 = r.all('sent', (s) => s.phase === 2);
      assert.equal(sent1.length, 20);
      assert.equal(sent2.length, 20);
      expectSendsOk([...sent1, ...sent2], 'O10');
      const keys1 = new Set(sent1.map((s) => s.keys));
      const recv1 = r.all('recv', (m) => keys1.has(m.keys));
      expectEachOnce(sent1, recv1, { label: 'O10 phase 1 (c1+c2)' });
      const wrongOwner = recv1.filter((m) => !own1[m.who].includes(m.queueId)).map((m) => ({ who: m.who, queueId: m.queueId, keys: m.keys }));
      assert.equal(wrongOwner.length, 0, `messages consumed by a consumer that does not own their queue: ${short(wrongOwner)}`);
      const own2 = r.one('owned', (o) => o.phase === 2);
      assert.deepEqual(own2.queues, [0, 1, 2, 3], `after c2 closed (UNREGISTER_CLIENT), c1 must own all 4 queues within 10 s; owns ${j(own2.queues)} after ${own2.afterMs} ms`);
      const recv2 = r.all('recv', (m) => !keys1.has(m.keys));
      expectEachOnce(sent2, recv2, { label: 'O10 phase 2' });
      const notC1 = recv2.filter((m) => m.who !== 'c1');
      assert.equal(notC1.length, 0, `phase-2 messages consumed by the closed c2: ${short(notC1.map((m) => m.keys))}`);
    },
  },
  {
    id: 'O11',
    file: 'o11-sharding-order.cjs',
    title: 'sharding keys: each key’s 8 messages go to its md5 queue with increasing offsets and are consumed in send order',
    deadlineMs: 30_000,
    check(r) {
      const sent = r.all('sent');
      assert.equal(sent.length, 24);
      expectSendsOk(sent, 'O11');
      for (const s of sent) assert.equal(s.queueId, s.expectQueue, `precondition: ali-ons sends key ${s.key} to queue ${s.expectQueue}`);
      const recv = r.all('recv');
      expectEachOnce(sent, recv, { label: 'O11' });
      const keys = [...new Set(sent.map((s) => s.key))];
      for (const k of keys) {
        const offs = sent.filter((s) => s.key === k).map((s) => s.queueOffset);
        assert.deepEqual(offs, [...offs].sort((a, b) => a - b), `key ${k}: queue offsets increase in send order: ${j(offs)}`);
        const seqs = recv.filter((m) => m.key === k).map((m) => m.seq);
        assert.deepEqual(seqs, [0, 1, 2, 3, 4, 5, 6, 7], `key ${k}: consumed in send order`);
      }
    },
  },
  {
    id: 'O12',
    file: 'o12-unknown-topic.cjs',
    title: 'unknown topic: send() rejects with code 17 (TOPIC_NOT_EXIST from the NameServer route lookup) and nothing is created',
    topic: false,
    deadlineMs: 20_000,
    allowError: (e) => e.code === 17,
    async check(r, ctx) {
      assert.equal(r.all('sent').length, 0, `send to an unknown topic succeeded: ${j(r.all('sent'))}`);
      const f = r.one('send-failed');
      assert.equal(f.code, 17, `send() must reject with code 17 (TOPIC_NOT_EXIST), got ${f.name} code ${f.code}: ${f.message}`);
      assert.equal(f.name, 'MQClientException');
      const route = await ctx.admin.route(ctx.namesrv, f.topic);
      assert.equal(route.code, 17, `the failed send must not create ${f.topic}; its route now answers code ${route.code}`);
    },
  },
  {
    id: 'O13',
    file: 'o13-signing.cjs',
    title: 'signing: with accessKey/secretKey every request carries AccessKey/OnsChannel/Signature and the server accepts them (5 produced and consumed once)',
    deadlineMs: 30_000,
    check(r) {
      const sent = r.all('sent');
      assert.equal(sent.length, 5);
      expectSendsOk(sent, 'O13');
      expectEachOnce(sent, r.all('recv'), { label: 'O13' });
      assert.equal(r.all('unsigned').length, 0, `requests without signature: ${short(r.all('unsigned'))}`);
      const seen = r.one('requests').seen;
      for (const code of [105, 310, 34, 38, 14, 11]) {
        assert.ok(seen[`${code}:signed`] > 0, `a signed request with code ${code} was sent and answered (seen: ${j(seen)})`);
      }
    },
  },
  {
    id: 'O14',
    file: 'o14-address-server.cjs',
    title: 'address server: without nameSrv, ali-ons finds the NameServer through an onsAddr HTTP endpoint and produces/consumes 5 messages',
    deadlineMs: 30_000,
    addressServer: true,
    check(r, ctx) {
      const http = r.all('http');
      assert.ok(http.length >= 1, 'ali-ons fetched the address server');
      for (const h of http) assert.deepEqual({ status: h.status, body: h.body }, { status: 200, body: ctx.namesrv });
      assert.ok(ctx.addressHits >= 1, `the harness' address endpoint was hit ${ctx.addressHits} times`);
      const sent = r.all('sent');
      assert.equal(sent.length, 5);
      expectSendsOk(sent, 'O14');
      expectEachOnce(sent, r.all('recv'), { label: 'O14' });
    },
  },
  {
    id: 'O15',
    file: 'o15-long-poll.cjs',
    title: 'long polling: idle pulls are held for the 2 s cap (no busy loop, numeric offsets); a message sent mid-poll is delivered in < 1 s',
    deadlineMs: 40_000,
    check(r) {
      const summary = r.one('pull-summary');
      const pulls = r.all('pull');
      const idle = pulls.filter((p) => p.inIdleWindow);
      for (let q = 0; q < 4; q++) {
        const n = summary.idleCount[q] ?? 0;
        assert.ok(n >= 1 && n <= 4, `queue ${q}: ${n} pulls completed within the ${summary.idleWindowMs} ms idle window; with pulls held ≈ 2 s (longPollingMaxMs) expect 1–4 (a busy loop shows hundreds; 0 means holds exceed the cap); ${summary.pulls} pulls in all`);
      }
      const cap = Number(BROKER_PROPS.longPollingMaxMs);
      const offCap = idle.filter((p) => p.ms < cap - 100 || p.ms > cap + 300);
      assert.equal(offCap.length, 0, `idle pulls must be held for the broker's cap longPollingMaxMs=${cap} ms (ali-ons asks suspendTimeoutMillis 15000), i.e. answered ${cap - 100}–${cap + 300} ms after the request: ${short(offCap.map((p) => ({ queueId: p.queueId, ms: p.ms, status: p.status })))}`);
      const notFound = idle.filter((p) => p.status !== 'NO_NEW_MSG');
      assert.equal(notFound.length, 0, `idle pulls must end PULL_NOT_FOUND: ${short(notFound.map((p) => ({ queueId: p.queueId, status: p.status, error: p.error })))}`);
      const nan = pulls.filter((p) => p.status !== 'ERROR' && ![p.nextBeginOffset, p.minOffset, p.maxOffset].every((v) => typeof v === 'number'));
      assert.equal(nan.length, 0, `pull answers without numeric nextBeginOffset/minOffset/maxOffset (ali-ons turns them into NaN): ${short(nan)}`);
      const s = r.one('sent');
      assert.ok(s.parked, `precondition: the message is sent while all 4 queues have a pull parked ≥ 500 ms (parked: ${j(s.parkedFor)})`);
      const lat = r.one('latency').ms;
      assert.ok(lat !== null, 'the message sent mid-poll was delivered');
      assert.ok(lat < 1000, `a message sent while a pull is parked must wake it: delivered after ${lat} ms (expected < 1000 ms)`);
      expectEachOnce([s], r.all('recv'), { label: 'O15' });
    },
  },
];

// ---- the suite ---------------------------------------------------------------------------------------

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
    server = new ServerProcess({ root: ROOT, dir: join(tmp, 'server'), brokerProps: BROKER_PROPS });
    mkdirSync(server.dir, { recursive: true });
    try {
      await server.start();
      const { Admin } = await import('./lib/admin.mjs');
      admin = new Admin();
    } catch (err) {
      startError = err;
    }
  });

  after(async () => {
    if (server?.running) await server.stop();
    await admin?.close();
    if (addressServer) await new Promise((r) => addressServer.close(r));
    if (keep) console.log(`# conformance temp dir kept: ${tmp}`);
    else if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  for (const sc of scenarios) {
    const skip = only.length > 0 && !only.includes(sc.id);
    test(`${sc.id} ${sc.title}`, { skip }, async () => {
      assert.ok(!startError, `the server did not start: ${startError?.message}`);
      assert.ok(server.running, `the server is not running (exit ${j(server.exit)})\n${server.tailText()}`);
      const suffix = `${runId}_${sc.id.toLowerCase()}`;
      const topic = `ons_${suffix}`;
      const group = `GID_${suffix}`;
      const ctx = { namesrv: server.namesrv, broker: server.broker, topic, group, admin, addressHits: 0 };
      if (sc.topic !== false) {
        try {
          await admin.createTopic(server.broker, topic, { queues: 4 });
          await admin.waitRoute(server.namesrv, topic, { queues: 4, timeoutMs: 10_000 });
        } catch (err) {
          err.message = `setup: creating topic ${topic} (UPDATE_AND_CREATE_TOPIC at ${server.broker}, then its route at ${server.namesrv}) failed: ${err.message}\n${server.tailText(20)}`;
          throw err;
        }
      }
      const env = { NAMESRV: server.namesrv, BROKER: server.broker, TOPIC: topic, GROUP: group, SUFFIX: suffix };
      if (sc.addressServer) {
        addressHits = 0;
        addressServer = createServer((req, res) => {
          addressHits++;
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.end(server.namesrv);
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

// ---- F1 and R1: a broker on a Java-written store, and a broker restart mid-run ------------------------
// Each starts its own server (own data directory, own ports) so that the shared one above is untouched.

/** The store fixture's own broker settings (fixture README / manifest brokerConfig), Java's delay levels. */
const FIXTURE_PROPS = {
  brokerName: 'broker-fx',
  brokerClusterName: 'FixtureCluster',
  mapedFileSizeCommitLog: '1048576',
  mapedFileSizeConsumeQueue: '6000',
  maxHashSlotNum: '1000',
  maxIndexNum: '4000',
  messageDelayLevel: '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h',
  autoCreateTopicEnable: 'true',
};

/** cp -r, then make everything writable by us (the fixture files and directories are read-only). */
function copyWritable(src, dst) {
  cpSync(src, dst, { recursive: true });
  const walk = (p) => {
    const st = statSync(p);
    chmodSync(p, st.mode | 0o200 | (st.isDirectory() ? 0o100 : 0));
    if (st.isDirectory()) for (const name of readdirSync(p)) walk(join(p, name));
  };
  walk(dst);
}

async function offsets(admin, broker, group, topic, queues) {
  const out = [];
  for (let q = 0; q < queues; q++) out.push(await admin.queryConsumerOffset(broker, group, topic, q));
  return out;
}

const sorted = (o) => Object.fromEntries(Object.entries(o ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const brief = (o) => o.map((x) => (x.code === 0 ? x.offset : `code ${x.code} ${x.remark ?? ''}`));

describe('ali-ons 3.12.0 against Apogee: a RocketMQ 4.3.2 store (F1) and a broker restart mid-run (R1)', { concurrency: 1 }, () => {
  let tmp;
  let admin;

  before(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'apogee-conformance-fr-'));
    const { Admin } = await import('./lib/admin.mjs');
    admin = new Admin();
  });

  after(async () => {
    await admin?.close();
    if (keep) console.log(`# conformance temp dir kept: ${tmp}`);
    else if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  test(
    'F1 RocketMQ 4.3.2 store-clean copy: a fresh group gets all 2,703 messages of FixtureA/B/Delay once and byte-exact; GroupB resumes at 60/40; GroupA (fully consumed) gets nothing',
    { skip: only.length > 0 && !only.includes('F1') },
    async () => {
      assert.ok(existsSync(join(STORE_CLEAN, 'manifest.json')), `store fixture missing: ${STORE_CLEAN} (test/fixtures in the repository, or $APOGEE_FIXTURES)`);
      const manifest = JSON.parse(readFileSync(join(STORE_CLEAN, 'manifest.json'), 'utf8'));
      const dir = join(tmp, 'f1');
      const data = join(dir, 'data');
      mkdirSync(data, { recursive: true });
      copyWritable(STORE_CLEAN, join(data, 'store'));
      const server = new ServerProcess({ root: ROOT, dir: join(dir, 'server'), dataDir: data, brokerProps: FIXTURE_PROPS });
      // The one level-18 message (2 h) still pending in SCHEDULE_TOPIC_XXXX queue 17 when the fixture was made
      // falls due 2 h after it was stored. Before that it must stay pending; from then on a broker (Java's too)
      // delivers it as FixtureDelay/0@3, stored anew (its own store host, a new commit-log offset). Runs that
      // start less than 2 minutes before it falls due accept either.
      const pending = manifest.messages.find((m) => m.topic === 'SCHEDULE_TOPIC_XXXX' && m.properties.DELAY === '18');
      const dueAt = pending.storeTimestamp + 2 * 3600_000;
      const t0 = Date.now();
      const delayMode = t0 > dueAt ? 'due' : t0 + 120_000 < dueAt ? 'pending' : 'either';
      let r;
      try {
        await server.start();
        const topics = { FixtureA: 4, FixtureB: 2, FixtureDelay: 1 };
        for (const [topic, queues] of Object.entries(topics)) {
          await admin.waitRoute(server.namesrv, topic, { queues, timeoutMs: 10_000 });
        }
        // The broker loaded what Java left: max offsets per queue and the groups' committed offsets.
        for (const [topic, stats] of Object.entries(manifest.topicStats)) {
          for (const { queueId, maxOffset } of stats) {
            const mo = await admin.maxOffset(server.broker, topic, queueId);
            const ok = mo.code === 0 && (mo.offset === maxOffset || (topic === 'FixtureDelay' && delayMode !== 'pending' && mo.offset === maxOffset + 1));
            assert.ok(ok, `GET_MAX_OFFSET ${topic}/${queueId} on the fixture store: code ${mo.code} offset ${mo.offset}, manifest topicStats ${maxOffset}${topic === 'FixtureDelay' ? ` (+1 allowed once the 2 h message is due; ${delayMode})` : ''}`);
          }
        }
        const recorded = manifest.consumerOffsets.offsetTable;
        for (const [key, table] of Object.entries(recorded)) {
          const [topic, group] = key.split('@');
          for (const [q, want] of Object.entries(table)) {
            const o = await admin.queryConsumerOffset(server.broker, group, topic, Number(q));
            assert.deepEqual({ code: o.code, offset: o.offset }, { code: 0, offset: want }, `QUERY_CONSUMER_OFFSET ${group} ${topic}/${q} must answer the offset recorded in config/consumerOffset.json`);
          }
        }

        const wanted = manifest.messages.filter((m) => m.topic in topics);
        const wantB = manifest.messages.filter((m) => m.topic === 'FixtureB' && m.queueOffset >= Number(recorded['FixtureB@GroupB'][m.queueId]));
        const group = `GID_${runId}_f1`;
        const deadlineMs = 60_000;
        r = await runScenario({
          file: join(SCENARIOS, 'f01-fixture-store.cjs'),
          dir: join(dir, 'scenario'),
          env: { NAMESRV: server.namesrv, BROKER: server.broker, GROUP: group, SUFFIX: `${runId}_f1`, EXPECT_FRESH: String(wanted.length + (delayMode === 'due' ? 1 : 0)), EXPECT_B: String(wantB.length), IDLE_MS: '5000' },
          deadlineMs,
        });
        expectRanClean(r, { deadlineMs });

        // (a) the fresh group: every stored message of the three topics, once, as Java stored it.
        assert.equal(wanted.length, 2703, 'precondition: the manifest lists 2,500 + 200 + 3 messages of FixtureA/B/Delay');
        const byId = new Map(wanted.map((m) => [m.msgId, m]));
        const isLong = (m) => !byId.has(m.msgId) && m.keys === pending.keys;
        const long = r.all('recv', (m) => m.who === 'fresh' && isLong(m));
        const fresh = r.all('recv', (m) => m.who === 'fresh' && !isLong(m));
        const seen = new Map();
        for (const m of fresh) seen.set(m.msgId, (seen.get(m.msgId) ?? 0) + 1);
        const missing = wanted.filter((m) => !seen.has(m.msgId)).map((m) => ({ topic: m.topic, queueId: m.queueId, queueOffset: m.queueOffset, msgId: m.msgId }));
        const dups = [...seen].filter(([, n]) => n > 1).map(([msgId, n]) => ({ msgId, times: n }));
        const unexpected = fresh.filter((m) => !byId.has(m.msgId)).map((m) => ({ topic: m.topic, queueId: m.queueId, queueOffset: m.queueOffset, msgId: m.msgId, keys: m.keys }));
        assert.ok(
          !missing.length && !dups.length && !unexpected.length,
          `F1 fresh group (CONSUME_FROM_FIRST_OFFSET on FixtureA/B/Delay): expected each of the ${wanted.length} manifest messages once (msgId = store host + commit-log offset), got ${fresh.length}: ` +
            `missing ${missing.length} ${short(missing)}; duplicated ${dups.length} ${short(dups)}; unexpected ${unexpected.length} ${short(unexpected)}`,
        );
        const diffs = [];
        for (const m of fresh) {
          const w = byId.get(m.msgId);
          const d = (field, want, have) => {
            if (j(want) !== j(have)) diffs.push(`${w.topic}/${w.queueId}@${w.queueOffset} ${w.msgId}: ${field} stored ${j(want)}, received ${j(have)}`);
          };
          d('topic', w.topic, m.topic);
          d('queueId', w.queueId, m.queueId);
          d('queueOffset', w.queueOffset, m.queueOffset);
          d('commitLogOffset', w.commitLogOffset, m.commitLogOffset);
          d('keys', w.keys, m.keys);
          d('tags', w.tags, m.tags);
          d('properties', sorted(w.properties), sorted(m.props));
          d('body sha256 (after inflate)', w.uncompressedBodySha256 ?? w.bodySha256, m.bodySha);
          d('body length (after inflate)', w.uncompressedBodyLength ?? w.bodyLength, m.bodyLen);
          d('sysFlag', w.sysFlag, m.sysFlag);
          d('reconsumeTimes', w.reconsumeTimes, m.reconsumeTimes);
          d('storeHost', w.storeHost, m.storeHost);
          d('bornTimestamp', w.bornTimestamp, m.bornTimestamp);
          d('storeTimestamp', w.storeTimestamp, m.storeTimestamp);
        }
        assert.ok(!diffs.length, `F1 fresh group: ${diffs.length} field(s) differ from the fixture manifest:\n  ${diffs.slice(0, 12).join('\n  ')}`);

        // The 2 h delayed message: pending, or delivered once as Java delivers it (see above).
        const longBrief = j(long.map((m) => ({ topic: m.topic, queueId: m.queueId, queueOffset: m.queueOffset, msgId: m.msgId })));
        const wantLong = { due: [1], pending: [0], either: [0, 1] }[delayMode];
        assert.ok(
          wantLong.includes(long.length),
          `F1 fresh group: the level-18 message ${pending.keys} (stored ${new Date(pending.storeTimestamp).toISOString()}, due ${new Date(dueAt).toISOString()}, test started ${new Date(t0).toISOString()}: ${delayMode}) must be delivered ${wantLong.join(' or ')} time(s), was ${long.length}: ${longBrief}`,
        );
        for (const m of long) {
          const ld = [];
          const d = (field, want, have) => {
            if (j(want) !== j(have)) ld.push(`${field}: expected ${j(want)}, received ${j(have)}`);
          };
          d('topic (REAL_TOPIC)', 'FixtureDelay', m.topic);
          d('queueId (REAL_QID)', 0, m.queueId);
          d('queueOffset', 3, m.queueOffset);
          d('keys', pending.keys, m.keys);
          d('tags', pending.tags, m.tags);
          d('body sha256', pending.bodySha256, m.bodySha);
          d('reconsumeTimes', 0, m.reconsumeTimes);
          d('storeHost (stored anew by this broker)', server.broker, m.storeHost);
          d('msgId address', server.broker, msgIdAddress(m.msgId));
          d('commit-log offset beyond the fixture', true, m.commitLogOffset >= manifest.commitLog.maxOffset);
          // Java 4.3.2 keeps the properties string as it was, DELAY included (the delivered D-0..2 in the manifest).
          d('properties (as Java delivers delayed messages: unchanged, DELAY included)', sorted(pending.properties), sorted(m.props));
          assert.ok(!ld.length, `F1 fresh group: the delivered 2 h message differs:\n  ${ld.join('\n  ')}`);
        }

        // (b) GroupB resumes at its recorded offsets: FixtureB 0 from 60, 1 from 40, nothing earlier.
        const gB = r.all('recv', (m) => m.who === 'gB');
        const pos = (m) => `${m.queueId}@${m.queueOffset}`;
        const gotB = gB.map(pos).sort();
        const wantBPos = wantB.map(pos).sort();
        const early = gB.filter((m) => m.queueOffset < Number(recorded['FixtureB@GroupB'][m.queueId])).map(pos);
        assert.equal(early.length, 0, `F1 GroupB: got messages below its recorded offsets {0:60,1:40} (offset not resumed): ${short(early)}`);
        assert.deepEqual(gotB, wantBPos, `F1 GroupB: expected exactly FixtureB 0@60..99 and 1@40..99 once each (${wantB.length}), got ${gB.length}`);
        for (const m of gB) {
          const w = byId.get(m.msgId);
          assert.ok(w && w.topic === 'FixtureB' && pos(w) === pos(m) && w.bodySha256 === m.bodySha, `F1 GroupB: ${pos(m)} ${m.msgId} is not the stored FixtureB message`);
        }

        // (c) GroupA consumed everything before the fixture was made: nothing, neither FixtureA nor %RETRY%GroupA.
        const ownedA = r.one('owned', (o) => o.who === 'gA');
        assert.deepEqual(ownedA.queues, [0, 1, 2, 3], 'F1 GroupA: the consumer owned the 4 FixtureA queues');
        const idle = r.one('idle-done', (o) => o.who === 'gA');
        const gA = r.all('recv', (m) => m.who === 'gA');
        assert.equal(gA.length, 0, `F1 GroupA (committed 625 on every queue, %RETRY%GroupA 1): got ${gA.length} messages in ${idle.watchedMs} ms after owning its queues: ${short(gA.map((m) => ({ topic: m.topic, at: pos(m) })))}`);

        // After the consumers closed (persisting their offsets): GroupB at the end, GroupA unchanged, fresh at the end.
        const after = {
          'GroupB FixtureB': [await offsets(admin, server.broker, 'GroupB', 'FixtureB', 2), [100, 100]],
          'GroupA FixtureA': [await offsets(admin, server.broker, 'GroupA', 'FixtureA', 4), [625, 625, 625, 625]],
          [`${group} FixtureA`]: [await offsets(admin, server.broker, group, 'FixtureA', 4), [625, 625, 625, 625]],
          [`${group} FixtureB`]: [await offsets(admin, server.broker, group, 'FixtureB', 2), [100, 100]],
          [`${group} FixtureDelay`]: [await offsets(admin, server.broker, group, 'FixtureDelay', 1), [3 + long.length]],
        };
        for (const [what, [got, want]] of Object.entries(after)) {
          assert.deepEqual(brief(got), want, `F1: stored offsets of ${what} after the consumers closed`);
        }
        const stop = await server.stop(15_000);
        assert.deepEqual({ code: stop.code, killed: stop.killed }, { code: 0, killed: false }, `F1: the fixture broker must stop on SIGTERM with exit code 0\n${server.tailText()}`);
      } catch (err) {
        err.message += `\n--- F1 context ---\n${r ? r.context({ serverTail: server.tailText(20) }) : server.tailText(30)}`;
        throw err;
      } finally {
        if (server.running) await server.stop(5_000);
      }
    },
  );

  test(
    'R1 broker + NameServer restart (SIGTERM, same data dir and ports) mid produce/consume: no acknowledged message lost, no consumer offset reset',
    { skip: only.length > 0 && !only.includes('R1') },
    async () => {
      const dir = join(tmp, 'r1');
      const server = new ServerProcess({ root: ROOT, dir: join(dir, 'server'), brokerProps: BROKER_PROPS });
      mkdirSync(server.dir, { recursive: true });
      const suffix = `${runId}_r1`;
      const topic = `ons_${suffix}`;
      const group = `GID_${suffix}`;
      const deadlineMs = 45_000;
      let prod;
      let cons;
      const results = {};
      const marks = {};
      try {
        await server.start();
        await admin.createTopic(server.broker, topic, { queues: 4 });
        await admin.waitRoute(server.namesrv, topic, { queues: 4, timeoutMs: 10_000 });
        const env = { NAMESRV: server.namesrv, BROKER: server.broker, TOPIC: topic, GROUP: group, SUFFIX: suffix };
        cons = startScenario({ file: join(SCENARIOS, 'r01-consumer.cjs'), dir: join(dir, 'consumer'), env, deadlineMs, stdin: true });
        const owned = await cons.waitFor((e) => e.ev === 'owned' && e.queues.length === 4, 15_000);
        assert.ok(owned, 'R1 precondition: the consumer owned the 4 queues within 15 s');
        prod = startScenario({ file: join(SCENARIOS, 'r01-producer.cjs'), dir: join(dir, 'producer'), env, deadlineMs, stdin: true });
        const warm = await Promise.race([cons.until((evs) => evs.filter((e) => e.ev === 'recv').length >= 100, 15_000), prod.done.then(() => false)]);
        assert.ok(warm, 'R1 precondition: 100 messages produced and consumed before the restart, within 15 s');
        // Hold the consumer's handler on its next message and let 50 more sends pile up behind it: the
        // restart then happens mid-consume (a message in the handler, a backlog pulled but not consumed,
        // committed offsets behind what was pulled).
        cons.send({ cmd: 'hold' });
        const holding = await cons.waitFor((e) => e.ev === 'holding', 10_000);
        assert.ok(holding, 'R1 precondition: the consumer blocked in its handler within 10 s of "hold"');
        const sentAtHold = prod.events.filter((e) => e.ev === 'sent').length;
        const backlog = await Promise.race([prod.until((evs) => evs.filter((e) => e.ev === 'sent').length >= sentAtHold + 50, 10_000), prod.done.then(() => false)]);
        assert.ok(backlog, 'R1 precondition: 50 more sends acknowledged while the consumer was held, within 10 s');
        await sleep(1200); // > persistConsumerOffsetInterval: the consumer's offsets up to the held message are committed
        marks.before = await offsets(admin, server.broker, group, topic, 4);
        marks.sentBefore = prod.events.filter((e) => e.ev === 'sent').length;

        marks.stopAt = Date.now();
        const stopped = await server.restart(15_000, { pauseMs: 1000 });
        marks.readyAt = Date.now();
        assert.deepEqual({ code: stopped.code, killed: stopped.killed }, { code: 0, killed: false }, `R1: SIGTERM must drain and exit 0 (took ${stopped.ms} ms)`);
        marks.afterRestart = await offsets(admin, server.broker, group, topic, 4);
        cons.send({ cmd: 'release' });

        // Produce on for at least 150 acknowledgements and 10 s (longer than the clients' 5 s heartbeat and
        // route-poll intervals, so both talk to the restarted NameServer and broker on their own schedule).
        const sentAfter = () => prod.events.filter((e) => e.ev === 'sent' && e.sendStart >= marks.readyAt).length;
        const resumed = await Promise.race([prod.until(() => sentAfter() >= 150, 20_000), prod.done.then(() => false)]);
        const settle = marks.readyAt + 10_000 - Date.now();
        if (settle > 0) await sleep(settle);
        prod.send({ cmd: 'stop' });
        results.prod = await prod.done;
        marks.sentAfter = sentAfter();
        assert.ok(resumed, `R1: the producer got 150 acknowledgements after the restart within 20 s (got ${marks.sentAfter})`);

        const acked = results.prod.all('sent', (s) => s.sendStatus === 'SEND_OK');
        const ackedKeys = new Set(acked.map((s) => s.keys));
        const allIn = await cons.until((evs) => {
          const got = new Set(evs.filter((e) => e.ev === 'recv').map((e) => e.keys));
          for (const k of ackedKeys) if (!got.has(k)) return false;
          return true;
        }, 15_000);
        marks.allInWithin15s = allIn;
        cons.send({ cmd: 'stop' });
        results.cons = await cons.done;
        marks.final = await offsets(admin, server.broker, group, topic, 4);
        marks.max = [];
        for (let q = 0; q < 4; q++) marks.max.push((await admin.maxOffset(server.broker, topic, q)).offset);
        const stop = await server.stop(15_000);
        assert.deepEqual({ code: stop.code, killed: stop.killed }, { code: 0, killed: false }, 'R1: the final SIGTERM exits 0');

        // Both client processes ran to the end. ali-ons errors (route/heartbeat/pull failures) and failed sends
        // are expected while the server is down and while the clients reconnect (up to 8 s after it is ready
        // again); none before the restart or after that.
        const window = (e) => e.t >= marks.stopAt && e.t <= marks.readyAt + 8_000;
        expectRanClean(results.prod, { deadlineMs, allowError: window });
        expectRanClean(results.cons, { deadlineMs, allowError: window });
        const failedOutside = results.prod.all('send-failed', (e) => !(e.sendStart + e.ms >= marks.stopAt && e.sendStart <= marks.readyAt + 8_000));
        assert.equal(failedOutside.length, 0, `R1: sends failed outside the restart window: ${short(failedOutside)}`);
        for (const [name, res] of [['producer', results.prod], ['consumer', results.cons]]) {
          const ok = (code) => res.all('rpc', (e) => e.code === code && e.ok && e.resCode === 0 && e.t > marks.readyAt).length;
          assert.ok(ok(105) >= 1, `R1 ${name}: no successful GET_ROUTEINFO_BY_TOPIC (105) at the restarted NameServer after the restart: ${short(res.all('rpc', (e) => e.code === 105).slice(-6))}`);
          assert.ok(ok(34) >= 1, `R1 ${name}: no successful HEART_BEAT (34) to the restarted broker after the restart: ${short(res.all('rpc', (e) => e.code === 34).slice(-6))}`);
        }
        assert.equal(results.cons.all('released').length, 1, 'R1: the held consumer handler was released after the restart');
        const notOk = results.prod.all('sent', (s) => s.sendStatus !== 'SEND_OK');
        assert.equal(notOk.length, 0, `R1: send results other than SEND_OK: ${short(notOk)}`);

        // Every acknowledged message arrived (at least once), as sent.
        const recv = results.cons.all('recv');
        const byKey = new Map();
        for (const m of recv) byKey.set(m.keys, [...(byKey.get(m.keys) ?? []), m]);
        const lost = acked.filter((s) => !byKey.has(s.keys)).map((s) => ({ keys: s.keys, msgId: s.msgId, queueId: s.queueId, queueOffset: s.queueOffset, acked: s.t }));
        assert.equal(lost.length, 0, `R1: ${lost.length} of ${acked.length} acknowledged messages were never delivered (stop at ${marks.stopAt}, ready at ${marks.readyAt}): ${short(lost)}`);
        const diffs = [];
        for (const s of acked) {
          for (const m of byKey.get(s.keys)) {
            for (const f of ['msgId', 'queueId', 'queueOffset', 'bodySha', 'tags']) {
              if (j(s[f]) !== j(m[f])) diffs.push(`${s.keys}: ${f} sent ${j(s[f])}, received ${j(m[f])}`);
            }
          }
        }
        assert.ok(!diffs.length, `R1: received messages differ from their send results:\n  ${diffs.slice(0, 12).join('\n  ')}`);
        const attempted = new Set([...results.prod.all('sent'), ...results.prod.all('send-failed')].map((s) => s.keys));
        const foreign = recv.filter((m) => !attempted.has(m.keys) || m.topic !== topic);
        assert.equal(foreign.length, 0, `R1: received messages the producer never sent: ${short(foreign)}`);

        // No consumer offset went backwards across the restart.
        for (let q = 0; q < 4; q++) {
          const b = marks.before[q];
          const a = marks.afterRestart[q];
          const f = marks.final[q];
          assert.ok(b.code === 0 && a.code === 0 && f.code === 0, `R1 queue ${q}: QUERY_CONSUMER_OFFSET codes before/after restart/final: ${b.code}/${a.code}/${f.code}`);
          assert.ok(a.offset >= b.offset, `R1 queue ${q}: stored offset ${b.offset} before the restart, ${a.offset} right after it (reset)`);
          assert.ok(f.offset >= a.offset, `R1 queue ${q}: stored offset ${a.offset} right after the restart, ${f.offset} after the consumer closed`);
          assert.ok(f.offset <= marks.max[q], `R1 queue ${q}: stored offset ${f.offset} beyond the queue's max offset ${marks.max[q]}`);
        }
        // Redeliveries (allowed: at-least-once) only from the committed offset on: a message received twice
        // must lie at or above the offset the broker had stored for its queue before the restart.
        const redelivered = [...byKey.values()].filter((l) => l.length > 1).map((l) => l[0]);
        const belowCommitted = redelivered.filter((m) => m.queueOffset < marks.before[m.queueId].offset).map((m) => ({ keys: m.keys, queueId: m.queueId, queueOffset: m.queueOffset, committedBefore: marks.before[m.queueId].offset }));
        assert.equal(belowCommitted.length, 0, `R1: messages below the committed offset were delivered again after the restart (consumer offset reset): ${short(belowCommitted)}`);
        marks.summary = { heldAt: holding.keys, acked: acked.length, sentBefore: marks.sentBefore, sentAfter: marks.sentAfter, failed: results.prod.all('send-failed').length, received: recv.length, redelivered: redelivered.length, before: brief(marks.before), afterRestart: brief(marks.afterRestart), final: brief(marks.final), max: marks.max, downMs: marks.readyAt - marks.stopAt };
        console.log(`# R1 ${j(marks.summary)}`);
      } catch (err) {
        const ctx = [];
        ctx.push(`marks: ${j({ ...marks, before: marks.before && brief(marks.before), afterRestart: marks.afterRestart && brief(marks.afterRestart), final: marks.final && brief(marks.final) })}`);
        for (const [name, h] of [['producer', prod], ['consumer', cons]]) {
          if (!h) continue;
          if (!h.ended) {
            try {
              process.kill(h.child.pid, 'SIGKILL');
            } catch {
              // gone
            }
          }
          const res = results[name === 'producer' ? 'prod' : 'cons'] ?? (await h.done);
          ctx.push(`--- R1 ${name} ---\n${res.context()}`);
        }
        ctx.push(server.tailText(40));
        err.message += `\n--- R1 context ---\n${ctx.join('\n')}`;
        throw err;
      } finally {
        for (const h of [prod, cons]) {
          if (h && !h.ended) {
            try {
              process.kill(h.child.pid, 'SIGKILL');
            } catch {
              // gone
            }
            await h.done;
          }
        }
        if (server.running) await server.stop(5_000);
      }
    },
  );
});
