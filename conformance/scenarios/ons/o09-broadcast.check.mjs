/** O9: the checks on the events of o09-broadcast.cjs (beside this file), run by ../../run.mjs. */
import assert from 'node:assert/strict';
import { expectEachOnce, expectSendsOk } from '../../lib/expect.mjs';

export default {
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
};
