/** O7: the checks on the events of o07-delay.cjs (beside this file), run by ../../run.mjs. */
import assert from 'node:assert/strict';
import { expectEachOnce, expectSendsOk } from '../../lib/expect.mjs';

export default {
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
};
