/**
 * F1: a RocketMQ 4.3.2 store (the recorded `store-clean` fixture) served to ali-ons — the broker loads
 * what Java left, and f01-fixture-store.cjs (beside this file) consumes it. Starts a server of its own
 * on a copy of the fixture; run by ../../run.mjs.
 */
import assert from 'node:assert/strict';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runScenario } from '../../lib/scenario.mjs';
import { brief, expectRanClean, j, msgIdAddress, offsets, short, sorted } from '../../lib/expect.mjs';

const here = dirname(fileURLToPath(import.meta.url));
/** The recorded fixtures kept in the repository (test/fixtures, see its README), or $APOGEE_FIXTURES. */
const FIXTURES = process.env.APOGEE_FIXTURES ?? resolve(here, '..', '..', '..', 'test', 'fixtures');
const STORE_CLEAN = join(FIXTURES, 'rocketmq-4.3.2', 'store-clean');

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

export default {
  id: 'F1',
  title: 'RocketMQ 4.3.2 store-clean copy: a fresh group gets all 2,703 messages of FixtureA/B/Delay once and byte-exact; GroupB resumes at 60/40; GroupA (fully consumed) gets nothing',
  /** ctx: { root, tmp, admin, runId, ApogeeNode } from the runner. */
  async run({ root, tmp, admin, runId, ApogeeNode }) {
    assert.ok(existsSync(join(STORE_CLEAN, 'manifest.json')), `store fixture missing: ${STORE_CLEAN} (test/fixtures in the repository, or $APOGEE_FIXTURES)`);
    const manifest = JSON.parse(readFileSync(join(STORE_CLEAN, 'manifest.json'), 'utf8'));
    const dir = join(tmp, 'f1');
    const data = join(dir, 'data');
    mkdirSync(data, { recursive: true });
    copyWritable(STORE_CLEAN, join(data, 'store'));
    const server = new ApogeeNode({ root, dir: join(dir, 'server'), data, brokerProps: FIXTURE_PROPS });
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
        await admin.waitRoute(server.namesrvAddr, topic, { queues, timeoutMs: 10_000 });
      }
      // The broker loaded what Java left: max offsets per queue and the groups' committed offsets.
      for (const [topic, stats] of Object.entries(manifest.topicStats)) {
        for (const { queueId, maxOffset } of stats) {
          const mo = await admin.maxOffset(server.brokerAddr, topic, queueId);
          const ok = mo.code === 0 && (mo.offset === maxOffset || (topic === 'FixtureDelay' && delayMode !== 'pending' && mo.offset === maxOffset + 1));
          assert.ok(ok, `GET_MAX_OFFSET ${topic}/${queueId} on the fixture store: code ${mo.code} offset ${mo.offset}, manifest topicStats ${maxOffset}${topic === 'FixtureDelay' ? ` (+1 allowed once the 2 h message is due; ${delayMode})` : ''}`);
        }
      }
      const recorded = manifest.consumerOffsets.offsetTable;
      for (const [key, table] of Object.entries(recorded)) {
        const [topic, group] = key.split('@');
        for (const [q, want] of Object.entries(table)) {
          const o = await admin.queryConsumerOffset(server.brokerAddr, group, topic, Number(q));
          assert.deepEqual({ code: o.code, offset: o.offset }, { code: 0, offset: want }, `QUERY_CONSUMER_OFFSET ${group} ${topic}/${q} must answer the offset recorded in config/consumerOffset.json`);
        }
      }

      const wanted = manifest.messages.filter((m) => m.topic in topics);
      const wantB = manifest.messages.filter((m) => m.topic === 'FixtureB' && m.queueOffset >= Number(recorded['FixtureB@GroupB'][m.queueId]));
      const group = `GID_${runId}_f1`;
      const deadlineMs = 60_000;
      r = await runScenario({
        file: join(here, 'f01-fixture-store.cjs'),
        dir: join(dir, 'scenario'),
        env: { NAMESRV: server.namesrvAddr, BROKER: server.brokerAddr, GROUP: group, SUFFIX: `${runId}_f1`, EXPECT_FRESH: String(wanted.length + (delayMode === 'due' ? 1 : 0)), EXPECT_B: String(wantB.length), IDLE_MS: '5000' },
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
        d('storeHost (stored anew by this broker)', server.brokerAddr, m.storeHost);
        d('msgId address', server.brokerAddr, msgIdAddress(m.msgId));
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
        'GroupB FixtureB': [await offsets(admin, server.brokerAddr, 'GroupB', 'FixtureB', 2), [100, 100]],
        'GroupA FixtureA': [await offsets(admin, server.brokerAddr, 'GroupA', 'FixtureA', 4), [625, 625, 625, 625]],
        [`${group} FixtureA`]: [await offsets(admin, server.brokerAddr, group, 'FixtureA', 4), [625, 625, 625, 625]],
        [`${group} FixtureB`]: [await offsets(admin, server.brokerAddr, group, 'FixtureB', 2), [100, 100]],
        [`${group} FixtureDelay`]: [await offsets(admin, server.brokerAddr, group, 'FixtureDelay', 1), [3 + long.length]],
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
};
