/** O3: the checks on the events of o03-last-offset.cjs (beside this file), run by ../../run.mjs. */
import assert from 'node:assert/strict';
import { expectEachOnce, expectSendsOk } from '../../lib/expect.mjs';

export default {
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
};
