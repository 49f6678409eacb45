/**
 * R1: a server restart in the middle of a produce/consume run — r01-producer.cjs and r01-consumer.cjs
 * (beside this file) run side by side, steered through stdin, while the server (NameServer + broker) is
 * SIGTERMed and restarted on the same data directory and ports. Starts a server of its own; run by
 * ../../run.mjs.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startScenario } from '../../lib/scenario.mjs';
import { brief, expectRanClean, j, offsets, short, sleep } from '../../lib/expect.mjs';

const here = dirname(fileURLToPath(import.meta.url));

export default {
  id: 'R1',
  title: 'broker + NameServer restart (SIGTERM, same data dir and ports) mid produce/consume: no acknowledged message lost, no consumer offset reset',
  /** ctx: { root, tmp, admin, runId, brokerProps, ApogeeNode } from the runner. */
  async run({ root, tmp, admin, runId, brokerProps, ApogeeNode }) {
    const dir = join(tmp, 'r1');
    const server = new ApogeeNode({ root, dir: join(dir, 'server'), brokerProps });
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
      await admin.createTopic(server.brokerAddr, topic, { queues: 4 });
      await admin.waitRoute(server.namesrvAddr, topic, { queues: 4, timeoutMs: 10_000 });
      const env = { NAMESRV: server.namesrvAddr, BROKER: server.brokerAddr, TOPIC: topic, GROUP: group, SUFFIX: suffix };
      cons = startScenario({ file: join(here, 'r01-consumer.cjs'), dir: join(dir, 'consumer'), env, deadlineMs, stdin: true });
      const owned = await cons.waitFor((e) => e.ev === 'owned' && e.queues.length === 4, 15_000);
      assert.ok(owned, 'R1 precondition: the consumer owned the 4 queues within 15 s');
      prod = startScenario({ file: join(here, 'r01-producer.cjs'), dir: join(dir, 'producer'), env, deadlineMs, stdin: true });
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
      marks.before = await offsets(admin, server.brokerAddr, group, topic, 4);
      marks.sentBefore = prod.events.filter((e) => e.ev === 'sent').length;

      marks.stopAt = Date.now();
      const stopped = await server.restart(15_000, { pauseMs: 1000 });
      marks.readyAt = Date.now();
      assert.deepEqual({ code: stopped.code, killed: stopped.killed }, { code: 0, killed: false }, `R1: SIGTERM must drain and exit 0 (took ${stopped.ms} ms)`);
      marks.afterRestart = await offsets(admin, server.brokerAddr, group, topic, 4);
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
      marks.final = await offsets(admin, server.brokerAddr, group, topic, 4);
      marks.max = [];
      for (let q = 0; q < 4; q++) marks.max.push((await admin.maxOffset(server.brokerAddr, topic, q)).offset);
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
};
