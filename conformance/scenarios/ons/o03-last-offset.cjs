'use strict';
// O3: a fresh group with the default CONSUME_FROM_LAST_OFFSET, started after 5 messages exist, gets those 5
// (Java rule: no stored offset + queue min offset 0 ⇒ QUERY_CONSUMER_OFFSET answers 0) and then 5 new ones.
const { env, emit, run, producer, consumer, ownedQueues, message, sentInfo, recvInfo, waitFor, sleep } = require('../../lib/ons.cjs');

run(async () => {
  const p = await producer();
  const send = async (i, phase) => {
    const body = `o03 body ${i}`;
    const msg = message(env.topic, 'TagA', body, { keys: [`o03-k${i}`], idx: i });
    const res = await p.send(msg);
    emit('sent', sentInfo(res, msg, { i, phase, body }));
  };
  for (let i = 0; i < 5; i++) await send(i, 'before');

  let received = 0;
  const c = consumer({}, 'c1'); // consumeFromWhere left at its default, CONSUME_FROM_LAST_OFFSET
  c.subscribe(env.topic, '*', async (msg) => {
    received++;
    emit('recv', recvInfo(msg, { who: 'c1' }));
  });
  await c.ready();
  if (!(await waitFor(() => ownedQueues(c).length === 4, 10000))) emit('note', { what: 'consumer did not own 4 queues in 10 s', owned: ownedQueues(c) });
  emit('owned', { who: 'c1', queues: ownedQueues(c) });
  await waitFor(() => received >= 5, 5000);
  for (let i = 5; i < 10; i++) await send(i, 'after');
  await waitFor(() => received >= 10, 10000);
  await sleep(1500);
  await c.close();
});
