/** O4: the checks on the events of o04-tag-filter.cjs (beside this file), run by ../../run.mjs. */
import assert from 'node:assert/strict';
import { short, expectEachOnce, expectSendsOk } from '../../lib/expect.mjs';

export default {
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
};
