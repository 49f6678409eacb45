'use strict';
// O7: delay levels. The harness runs the broker with messageDelayLevel "1s 2s 1s ..." so level 1 = 1 s and
// level 2 = 2 s. A message without delay arrives at once; level 1 not before 1 s after the send and level 2 not
// before 2 s, each exactly once, on its original topic and queue.
const { env, emit, run, producer, consumer, ownedQueues, message, sentInfo, recvInfo, waitFor, sleep } = require('../../lib/ons.cjs');

run(async () => {
  const p = await producer();
  let received = 0;
  const c = consumer({ consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, 'c1');
  c.subscribe(env.topic, '*', async (msg) => {
    received++;
    emit('recv', recvInfo(msg, { who: 'c1', level: Number(msg.properties.u_level) }));
  });
  await c.ready();
  await waitFor(() => ownedQueues(c).length === 4, 10000);
  emit('owned', { who: 'c1', queues: ownedQueues(c) });
  await sleep(300);
  for (const level of [2, 1, 0]) {
    const body = `o07 level ${level}`;
    const msg = message(env.topic, 'TagD', body, { keys: [`o07-l${level}`], extraProps: { u_level: String(level) } });
    if (level > 0) msg.delayTimeLevel = level;
    const sendStart = Date.now();
    const res = await p.send(msg);
    emit('sent', sentInfo(res, msg, { level, sendStart, body }));
  }
  await waitFor(() => received >= 3, 10000);
  await sleep(2500); // duplicates
  await c.close();
});
