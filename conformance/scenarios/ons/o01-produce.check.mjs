/** O1: the checks on the events of o01-produce.cjs (beside this file), run by ../../run.mjs. */
import assert from 'node:assert/strict';
import { j, short, msgIdAddress, expectSendsOk } from '../../lib/expect.mjs';

export default {
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
};
