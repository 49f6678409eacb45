'use strict';
// O11: ordering by sharding key. Three keys whose md5 index is 1, 2 and 3 (ali-ons does not pin index 0),
// 8 messages each, sent interleaved: all messages of a key land on one queue (the md5 index) with
// increasing queue offsets, and the consumer sees each key's messages in send order.
const { env, emit, run, producer, consumer, message, sentInfo, recvInfo, waitFor, sleep, shardIndex } = require('../../lib/ons.cjs');

run(async () => {
  const keys = {};
  for (let n = 1; Object.keys(keys).length < 3; n++) {
    const k = `order-${n}`;
    const idx = shardIndex(k);
    if (idx !== 0 && !Object.values(keys).includes(k) && !keys[idx]) keys[idx] = k;
  }
  emit('keys', { keys });
  const p = await producer();
  for (let seq = 0; seq < 8; seq++) {
    for (const [idx, key] of Object.entries(keys)) {
      const body = `o11 ${key} #${seq}`;
      const msg = message(env.topic, 'TagO', body, { keys: [`o11-${key}-${seq}`], extraProps: { u_key: key, u_seq: String(seq) } });
      msg.shardingKey = key;
      const res = await p.send(msg);
      emit('sent', sentInfo(res, msg, { key, seq, expectQueue: Number(idx), body }));
    }
  }
  let received = 0;
  const c = consumer({ consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, 'c1');
  c.subscribe(env.topic, '*', async (msg) => {
    received++;
    emit('recv', recvInfo(msg, { who: 'c1', key: msg.properties.u_key, seq: Number(msg.properties.u_seq) }));
  });
  await c.ready();
  await waitFor(() => received >= 24, 15000);
  await sleep(1500);
  await c.close();
});
