/** O2: the checks on the events of o02-cluster-consume.cjs (beside this file), run by ../../run.mjs. */
import assert from 'node:assert/strict';
import { expectEachOnce, expectSendsOk } from '../../lib/expect.mjs';

export default {
  id: 'O2',
  file: 'o02-cluster-consume.cjs',
  title: 'clustering consumer (FIRST_OFFSET) gets each of 20 messages once; msgId, body, tags, keys, properties, queue and offset equal',
  deadlineMs: 40_000,
  check(r, ctx) {
    const sent = r.all('sent');
    assert.equal(sent.length, 20, `expected 20 sends, got ${sent.length}`);
    expectSendsOk(sent, 'O2');
    expectEachOnce(sent, r.all('recv'), { label: 'O2' });
    const topics = new Set(r.all('recv').map((m) => m.topic));
    assert.deepEqual([...topics], [ctx.topic], 'consumed messages carry the subscribed topic');
    for (const m of r.all('recv')) {
      assert.equal(m.storeHost, ctx.broker, `${m.keys}: STOREHOST of the pulled record is the broker's address`);
      assert.ok(m.storeTimestamp >= m.bornTimestamp - 5 && m.storeTimestamp - m.bornTimestamp < 2000, `${m.keys}: BORNTIMESTAMP ${m.bornTimestamp} (the send header's) and STORETIMESTAMP ${m.storeTimestamp} must be sane`);
    }
  },
};
