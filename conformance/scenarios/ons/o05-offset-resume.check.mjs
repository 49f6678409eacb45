/** O5: the checks on the events of o05-offset-resume.cjs (beside this file), run by ../../run.mjs. */
import assert from 'node:assert/strict';
import { j, short, expectEachOnce, expectSendsOk } from '../../lib/expect.mjs';

export default {
  id: 'O5',
  file: 'o05-offset-resume.cjs',
  title: 'offset resume: after close, stored offsets = last consumed + 1 and commitOffset -1 never overwrites; same group restarts with exactly the 10 new messages',
  deadlineMs: 60_000,
  check(r) {
    const sent1 = r.all('sent', (s) => s.phase === 1);
    const sent2 = r.all('sent', (s) => s.phase === 2);
    assert.equal(sent1.length, 10);
    assert.equal(sent2.length, 10);
    expectSendsOk([...sent1, ...sent2], 'O5');
    const q1 = new Set(sent1.map((s) => s.queueId));
    assert.ok([...q1].every((q) => q === 1 || q === 2), `precondition: phase-1 sharding keys should put messages on queues 1 and 2 only, got ${j([...q1])}`);
    expectEachOnce(sent1, r.all('recv', (m) => m.who === 'cA'), { label: 'O5 consumer A (phase 1)' });
    const count = (list) => [0, 1, 2, 3].map((q) => list.filter((s) => s.queueId === q).length);
    const c1 = count(sent1);
    const c12 = count([...sent1, ...sent2]);
    const afterA = r.all('offset', (o) => o.phase === 'afterA');
    assert.equal(afterA.length, 4, 'offsets were read back for 4 queues after consumer A closed');
    for (const o of afterA) {
      assert.notEqual(o.offset, -1, `queue ${o.queueId}: the broker stored ali-ons' commitOffset -1 (sent for idle queues) — negative commits must be ignored`);
      if (c1[o.queueId] > 0) {
        assert.deepEqual({ code: o.code, offset: o.offset }, { code: 0, offset: c1[o.queueId] }, `queue ${o.queueId}: stored offset after consuming ${c1[o.queueId]} messages must be ${c1[o.queueId]} (last consumed + 1); remark ${o.remark ?? ''}`);
      } else {
        assert.deepEqual({ code: o.code, offset: o.offset }, { code: 0, offset: 0 }, `queue ${o.queueId} (never had a message, only -1 commits): QUERY_CONSUMER_OFFSET must answer SUCCESS 0 (Java: no stored offset, queue min offset 0); remark ${o.remark ?? ''}`);
      }
    }
    const recvB = r.all('recv', (m) => m.who === 'cB');
    const replayed = recvB.filter((m) => sent1.some((s) => s.keys === m.keys));
    assert.equal(replayed.length, 0, `consumer B (same group) re-consumed phase-1 messages: ${short(replayed.map((m) => m.keys))}`);
    expectEachOnce(sent2, recvB, { label: 'O5 consumer B (phase 2)' });
    const afterB = r.all('offset', (o) => o.phase === 'afterB');
    assert.equal(afterB.length, 4);
    for (const o of afterB) {
      assert.deepEqual(
        { code: o.code, offset: o.offset },
        { code: 0, offset: c12[o.queueId] },
        `queue ${o.queueId}: 3.5 s after consumer B closed (having persisted ${c12[o.queueId]} with UPDATE_CONSUMER_OFFSET) the stored offset must be ${c12[o.queueId]}. ` +
          'A lower value means an older commitOffset was committed later, e.g. from the header of a pull that was parked at close (see the "pull" lines with status ERROR in the trace): ' +
          "Java commits a pull's commitOffset only when the pull first arrives, not when a held pull is re-run. " +
          `remark ${o.remark ?? ''}`,
      );
    }
  },
};
