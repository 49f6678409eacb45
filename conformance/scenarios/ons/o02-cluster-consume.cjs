'use strict';
// O2: clustering consumer (CONSUME_FROM_FIRST_OFFSET) gets each of 20 messages once, fields intact:
// 10 are sent before the consumer starts (backlog), 10 while it runs.
const { ons, env, emit, run, producer, consumer, ownedQueues, message, sentInfo, recvInfo, waitFor, sleep } = require('../../lib/ons.cjs');

run(async () => {
  const p = await producer();
  const send = async (i) => {
    const tags = i % 2 === 0 ? 'TagA' : 'TagB';
    const body = `o02 body ${i} ` + 'x'.repeat(i * 7);
    const msg = message(env.topic, tags, body, { keys: [`o02-k${i}`, 'o02-shared'], idx: i, extraProps: { u_color: i % 3 === 0 ? 'red' : 'blue', u_text: 'héllo wörld ✓' } });
    const res = await p.send(msg);
    emit('sent', sentInfo(res, msg, { i, body }));
  };
  for (let i = 0; i < 10; i++) await send(i);

  let received = 0;
  const c = consumer({ consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, 'c1');
  c.subscribe(env.topic, '*', async (msg) => {
    received++;
    emit('recv', recvInfo(msg, { who: 'c1' }));
  });
  await c.ready();
  if (!(await waitFor(() => ownedQueues(c).length === 4, 10000))) emit('note', { what: 'consumer did not own 4 queues in 10 s', owned: ownedQueues(c) });
  emit('owned', { who: 'c1', queues: ownedQueues(c) });
  for (let i = 10; i < 20; i++) await send(i);
  await waitFor(() => received >= 20, 15000);
  await sleep(1500); // duplicates would show up here
  await c.close();
});
