'use strict';
// O4: subscription 'TagA || TagB' over a TagA/TagB/TagC mix: only A and B reach the handler, and the broker
// filters (no TagC message is in any pull response body, observed by tapping ali-ons' decoded pull results).
const { env, emit, run, producer, consumer, message, sentInfo, recvInfo, waitFor, sleep, onPull } = require('../../lib/ons.cjs');

run(async () => {
  onPull((rec) => {
    if (rec.topic === env.topic && rec.msgs.length) emit('pulled', { queueId: rec.queueId, subscription: rec.subscription, msgs: rec.msgs });
  });
  const p = await producer();
  const tagsOf = ['TagA', 'TagB', 'TagC'];
  for (let i = 0; i < 15; i++) {
    const tags = tagsOf[i % 3];
    const body = `o04 body ${i} ${tags}`;
    const msg = message(env.topic, tags, body, { keys: [`o04-k${i}`], idx: i });
    const res = await p.send(msg);
    emit('sent', sentInfo(res, msg, { i, body }));
  }
  let received = 0;
  const c = consumer({ consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, 'c1');
  c.subscribe(env.topic, 'TagA || TagB', async (msg) => {
    received++;
    emit('recv', recvInfo(msg, { who: 'c1' }));
  });
  await c.ready();
  await waitFor(() => received >= 10, 15000);
  await sleep(2000); // time for a TagC (or a duplicate) to arrive if the server lets it through
  await c.close();
});
