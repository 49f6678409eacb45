'use strict';
// O5: offsets resume. Consumer A (FIRST_OFFSET) consumes 10 messages that sit on queues 1 and 2 only
// (sharding keys), so A owns idle queues 0 and 3, for which ali-ons commits `commitOffset:-1` every second
// (its `offset || -1` quirk). A closes; the broker's stored offsets are read back (QUERY_CONSUMER_OFFSET,
// with Apogee's own client). 10 more messages go round-robin over all queues. Consumer B of the same group
// (default CONSUME_FROM_LAST_OFFSET) must get exactly those 10: a stored -1 on queue 0 or 3 would make it
// start at the queue's max offset and silently skip messages. After B closes, the stored offsets must be
// the totals per queue.
const { env, emit, run, producer, consumer, ownedQueues, message, sentInfo, recvInfo, waitFor, sleep, admin, shardIndex } = require('../../lib/ons.cjs');

async function readOffsets(adm, phase) {
  for (let q = 0; q < 4; q++) {
    const r = await adm.queryConsumerOffset(env.broker, env.group, env.topic, q);
    emit('offset', { phase, queueId: q, code: r.code, offset: r.offset, remark: r.remark });
  }
}

run(async () => {
  const adm = await admin();
  const p = await producer();
  const keyFor = {};
  for (let n = 0; Object.keys(keyFor).length < 2; n++) {
    const k = `o05-shard-${n}`;
    const idx = shardIndex(k);
    if ((idx === 1 || idx === 2) && !keyFor[idx]) keyFor[idx] = k;
  }
  for (let i = 0; i < 10; i++) {
    const body = `o05 phase1 ${i}`;
    const msg = message(env.topic, 'TagA', body, { keys: [`o05-p1-${i}`], idx: i });
    msg.shardingKey = keyFor[1 + (i % 2)];
    const res = await p.send(msg);
    emit('sent', sentInfo(res, msg, { i, phase: 1, body }));
  }

  let receivedA = 0;
  const a = consumer({ consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, 'cA');
  a.subscribe(env.topic, '*', async (msg) => {
    receivedA++;
    emit('recv', recvInfo(msg, { who: 'cA', phase: 1 }));
  });
  await a.ready();
  await waitFor(() => receivedA >= 10, 15000);
  emit('owned', { who: 'cA', queues: ownedQueues(a) });
  await sleep(2500); // at least two offset persist rounds (1 s), including -1 for the idle queues
  await a.close();
  await sleep(500);
  await readOffsets(adm, 'afterA');

  for (let i = 0; i < 10; i++) {
    const body = `o05 phase2 ${i}`;
    const msg = message(env.topic, 'TagA', body, { keys: [`o05-p2-${i}`], idx: 100 + i });
    const res = await p.send(msg);
    emit('sent', sentInfo(res, msg, { i, phase: 2, body }));
  }

  let receivedB = 0;
  const b = consumer({}, 'cB');
  b.subscribe(env.topic, '*', async (msg) => {
    receivedB++;
    emit('recv', recvInfo(msg, { who: 'cB', phase: 2 }));
    await sleep(20); // a handler that takes a little time, as real ones do
  });
  await b.ready();
  await waitFor(() => receivedB >= 10, 15000);
  // Close soon after consuming: the pulls B issued while its handler was still busy carry an older
  // commitOffset in their header and are still parked at the broker. close() persists the newer offsets
  // (UPDATE_CONSUMER_OFFSET) and drops the connection. Java commits a pull's commitOffset only when the pull
  // first arrives, so the persisted offsets must be what remains.
  await sleep(500);
  await b.close();
  await sleep(3500); // longer than any hold (longPollingMaxMs 2 s + the broker's hold check): pulls B left parked are gone
  await readOffsets(adm, 'afterB');
  await adm.close();
});
