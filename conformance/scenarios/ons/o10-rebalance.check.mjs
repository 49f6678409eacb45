/** O10: the checks on the events of o10-rebalance.cjs (beside this file), run by ../../run.mjs. */
import assert from 'node:assert/strict';
import { j, short, expectEachOnce, expectSendsOk } from '../../lib/expect.mjs';

export default {
  id: 'O10',
  file: 'o10-rebalance.cjs',
  title: 'rebalance: c1/c2 split the 4 queues 2+2, each message consumed once by its queue owner; after c2 closes c1 owns all 4 and gets the rest',
  deadlineMs: 60_000,
  check(r) {
    const own1 = Object.fromEntries(r.all('owned', (o) => o.phase === 1).map((o) => [o.who, o.queues]));
    assert.ok(own1.c1 && own1.c2, 'ownership was reported for c1 and c2');
    const union = [...new Set([...own1.c1, ...own1.c2])].sort();
    const overlap = own1.c1.filter((q) => own1.c2.includes(q));
    assert.ok(
      own1.c1.length === 2 && own1.c2.length === 2 && !overlap.length && j(union) === j([0, 1, 2, 3]),
      `two consumers of one group must split 4 queues 2+2, disjoint and covering all (GET_CONSUMER_LIST_BY_GROUP must list both clientIDs): c1 ${j(own1.c1)}, c2 ${j(own1.c2)}`,
    );
    const sent1 = r.all('sent', (s) => s.phase === 1);
    const sent2 = r.all('sent', (s) => s.phase === 2);
    assert.equal(sent1.length, 20);
    assert.equal(sent2.length, 20);
    expectSendsOk([...sent1, ...sent2], 'O10');
    const keys1 = new Set(sent1.map((s) => s.keys));
    const recv1 = r.all('recv', (m) => keys1.has(m.keys));
    expectEachOnce(sent1, recv1, { label: 'O10 phase 1 (c1+c2)' });
    const wrongOwner = recv1.filter((m) => !own1[m.who].includes(m.queueId)).map((m) => ({ who: m.who, queueId: m.queueId, keys: m.keys }));
    assert.equal(wrongOwner.length, 0, `messages consumed by a consumer that does not own their queue: ${short(wrongOwner)}`);
    const own2 = r.one('owned', (o) => o.phase === 2);
    assert.deepEqual(own2.queues, [0, 1, 2, 3], `after c2 closed (UNREGISTER_CLIENT), c1 must own all 4 queues within 10 s; owns ${j(own2.queues)} after ${own2.afterMs} ms`);
    const recv2 = r.all('recv', (m) => !keys1.has(m.keys));
    expectEachOnce(sent2, recv2, { label: 'O10 phase 2' });
    const notC1 = recv2.filter((m) => m.who !== 'c1');
    assert.equal(notC1.length, 0, `phase-2 messages consumed by the closed c2: ${short(notC1.map((m) => m.keys))}`);
  },
};
