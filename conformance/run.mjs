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
 *
 * Environment: CONFORMANCE_ONLY=O2,O6 runs a subset; APOGEE_ROOT=<dir> tests another built checkout;
 * CONFORMANCE_KEEP=1 keeps the temp dir (server log, per-scenario events and wire traces) and prints where.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ServerProcess } from './lib/server.mjs';
import { runScenario } from './lib/scenario.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = process.env.APOGEE_ROOT ? resolve(process.env.APOGEE_ROOT) : resolve(here, '..');
const SCENARIOS = join(here, 'scenarios', 'ons');

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
        assert.ok(!r.killed, `the scenario did not finish within its deadline + grace and was killed`);
        const timeout = r.all('timeout');
        assert.equal(timeout.length, 0, `the scenario hit its own deadline of ${sc.deadlineMs} ms`);
        const scenarioErrors = r.all('error', (e) => e.who === 'scenario' || e.who === 'process');
        assert.equal(scenarioErrors.length, 0, `the scenario failed: ${short(scenarioErrors, 3)}`);
        assert.equal(r.all('done').length, 1, 'the scenario printed its final done event');
        assert.equal(r.code, 0, `scenario exit code ${r.code}`);
        const unexpected = r.all('error', (e) => !(sc.allowError?.(e) ?? false));
        assert.equal(unexpected.length, 0, `ali-ons reported errors: ${short(unexpected.map((e) => ({ who: e.who, name: e.name, code: e.code, message: e.message })), 5)}`);
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
