/** O13: the checks on the events of o13-signing.cjs (beside this file), run by ../../run.mjs. */
import assert from 'node:assert/strict';
import { j, short, expectEachOnce, expectSendsOk } from '../../lib/expect.mjs';

export default {
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
};
