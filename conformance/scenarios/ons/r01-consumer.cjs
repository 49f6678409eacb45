'use strict';
// R1 (consumer side): a clustering consumer (CONSUME_FROM_FIRST_OFFSET) reports every message it receives
// ("recv") and which queues it owns whenever that changes ("owned"), across the broker/NameServer restart
// the harness performs. Commands from the harness: "hold" — the handler blocks on the next message (so
// the restart happens with a message in the handler, a backlog in ali-ons' process queue and committed
// offsets behind), reported as "holding"; "release" — it goes on; "stop" — wait 1.5 s (late duplicates),
// close (persisting offsets), exit. Route lookups (105) and heartbeats (34) are reported as "rpc" events.
const { env, emit, run, consumer, ownedQueues, sha, sleep, hasCommand, waitCommand, onRequest } = require('../../lib/ons.cjs');

onRequest(({ code, addr, ok, resCode }) => {
  if (code === 105 || code === 34) emit('rpc', { code, to: addr, ok, resCode });
});

run(async () => {
  const stop = waitCommand('stop', env.deadlineMs);
  const release = waitCommand('release', env.deadlineMs);
  let received = 0;
  let held = false;
  const c = consumer({ consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, 'c1');
  c.subscribe(env.topic, '*', async (msg) => {
    received++;
    emit('recv', {
      who: 'c1',
      keys: msg.properties.KEYS,
      msgId: msg.msgId,
      topic: msg.topic,
      queueId: Number(msg.queueId),
      queueOffset: msg.queueOffset,
      reconsumeTimes: msg.reconsumeTimes,
      tags: msg.properties.TAGS,
      bodySha: sha(msg.body),
    });
    if (!held && hasCommand('hold')) {
      held = true;
      emit('holding', { keys: msg.properties.KEYS, queueId: Number(msg.queueId), queueOffset: msg.queueOffset });
      await release;
      emit('released', {});
    }
  });
  await c.ready();
  let last = '';
  const watch = setInterval(() => {
    const q = ownedQueues(c);
    if (JSON.stringify(q) !== last) {
      last = JSON.stringify(q);
      emit('owned', { who: 'c1', queues: q });
    }
  }, 100);
  await stop;
  clearInterval(watch);
  await sleep(1500);
  emit('consumer-summary', { received, stopped: hasCommand('stop') });
  await c.close();
});
