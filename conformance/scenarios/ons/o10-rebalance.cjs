'use strict';
// O10: rebalance. Two clustering consumers of one group (instanceName c1/c2) split the 4 queues 2+2
// (disjoint, covering all); 20 messages are consumed once in total, each by the owner of its queue. Then c2
// closes (UNREGISTER_CLIENT); c1 must own all 4 queues within a few rebalance rounds, and 20 more messages
// all go to c1, once each.
const { env, emit, run, producer, consumer, ownedQueues, message, sentInfo, recvInfo, waitFor, sleep } = require('../../lib/ons.cjs');

run(async () => {
  const p = await producer();
  let received = 0;
  const cs = {};
  for (const who of ['c1', 'c2']) {
    const c = consumer({ consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, who);
    c.subscribe(env.topic, '*', async (msg) => {
      received++;
      emit('recv', recvInfo(msg, { who, owned: ownedQueues(c) }));
    });
    cs[who] = c;
  }
  await Promise.all(Object.values(cs).map((c) => c.ready()));
  const split = () => {
    const a = ownedQueues(cs.c1);
    const b = ownedQueues(cs.c2);
    return a.length === 2 && b.length === 2 && new Set([...a, ...b]).size === 4;
  };
  const ok = await waitFor(split, 12000);
  await sleep(300);
  for (const who of ['c1', 'c2']) emit('owned', { who, phase: 1, settled: ok, queues: ownedQueues(cs[who]) });

  const send = async (i, phase) => {
    const body = `o10 body ${i}`;
    const msg = message(env.topic, 'TagR', body, { keys: [`o10-k${i}`], idx: i });
    const res = await p.send(msg);
    emit('sent', sentInfo(res, msg, { i, phase, body }));
  };
  for (let i = 0; i < 20; i++) await send(i, 1);
  await waitFor(() => received >= 20, 15000);
  await sleep(1500);

  await cs.c2.close();
  emit('closed', { who: 'c2' });
  const t0 = Date.now();
  const took = await waitFor(() => ownedQueues(cs.c1).length === 4, 10000);
  emit('owned', { who: 'c1', phase: 2, settled: took, afterMs: Date.now() - t0, queues: ownedQueues(cs.c1) });
  for (let i = 20; i < 40; i++) await send(i, 2);
  await waitFor(() => received >= 40, 15000);
  await sleep(1500);
  await cs.c1.close();
});
