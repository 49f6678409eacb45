'use strict';
// O9: broadcasting. Two consumers of one group (instanceName b1/b2, isBroadcast) each get all 12 messages once.
const { env, emit, run, producer, consumer, ownedQueues, message, sentInfo, recvInfo, waitFor, sleep } = require('../../lib/ons.cjs');

run(async () => {
  const p = await producer();
  const got = { b1: 0, b2: 0 };
  const cs = {};
  for (const who of ['b1', 'b2']) {
    const c = consumer({ isBroadcast: true, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, who);
    c.subscribe(env.topic, '*', async (msg) => {
      got[who]++;
      emit('recv', recvInfo(msg, { who }));
    });
    cs[who] = c;
  }
  await Promise.all(Object.values(cs).map((c) => c.ready()));
  await waitFor(() => ownedQueues(cs.b1).length === 4 && ownedQueues(cs.b2).length === 4, 10000);
  for (const who of ['b1', 'b2']) emit('owned', { who, queues: ownedQueues(cs[who]) });
  for (let i = 0; i < 12; i++) {
    const body = `o09 body ${i}`;
    const msg = message(env.topic, 'TagB', body, { keys: [`o09-k${i}`], idx: i });
    const res = await p.send(msg);
    emit('sent', sentInfo(res, msg, { i, body }));
  }
  await waitFor(() => got.b1 >= 12 && got.b2 >= 12, 15000);
  await sleep(1500);
  for (const c of Object.values(cs)) await c.close();
});
