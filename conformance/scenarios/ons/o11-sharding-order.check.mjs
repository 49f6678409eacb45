/** O11: the checks on the events of o11-sharding-order.cjs (beside this file), run by ../../run.mjs. */
import assert from 'node:assert/strict';
import { j, expectEachOnce, expectSendsOk } from '../../lib/expect.mjs';

export default {
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
};
