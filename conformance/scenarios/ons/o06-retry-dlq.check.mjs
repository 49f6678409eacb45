/** O6: the checks on the events of o06-retry-dlq.cjs (beside this file), run by ../../run.mjs. */
import assert from 'node:assert/strict';
import { sha, j, short, expectSendsOk } from '../../lib/expect.mjs';

export default {
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
};
