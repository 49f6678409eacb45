'use strict';
// O15: long polling. An idle consumer's pulls are held by the broker (Apogee caps the hold at
// longPollingMaxMs, 2 s in this suite; ali-ons asks for 15 s) instead of being answered at once, so there is
// no busy loop; every idle answer still carries numeric nextBeginOffset/minOffset/maxOffset. Then a message is
// sent while every queue has a pull parked for at least 500 ms: it must reach the handler in under 1 s.
const { env, emit, run, producer, consumer, ownedQueues, message, sentInfo, recvInfo, waitFor, sleep, onPull } = require('../../lib/ons.cjs');

const IDLE_MS = 6000;

run(async () => {
  const inflight = new Map(); // queueId → start of the outstanding pull on the main topic
  const RemotingPull = require('ali-ons/lib/mq_client_api').prototype.pullMessage;
  const api = require('ali-ons/lib/mq_client_api').prototype;
  api.pullMessage = async function (addr, header, timeout) {
    if (header.topic === env.topic) inflight.set(Number(header.queueId), Date.now());
    try {
      return await RemotingPull.call(this, addr, header, timeout);
    } finally {
      if (header.topic === env.topic) inflight.delete(Number(header.queueId));
    }
  };
  let idleFrom = Infinity;
  let idleTo = Infinity;
  let pulls = 0;
  const idleCount = {};
  onPull((rec) => {
    if (rec.topic !== env.topic) return;
    pulls++;
    if (rec.t0 >= idleFrom && rec.t1 <= idleTo) idleCount[rec.queueId] = (idleCount[rec.queueId] || 0) + 1;
    if (pulls > 300) return; // a busy-looping client would flood the event stream; the summary still counts
    emit('pull', { queueId: rec.queueId, t0: rec.t0, t1: rec.t1, ms: rec.ms, status: rec.status, error: rec.error, nextBeginOffset: rec.nextBeginOffset, minOffset: rec.minOffset, maxOffset: rec.maxOffset, suspendTimeoutMillis: rec.suspendTimeoutMillis, n: rec.msgs.length, inIdleWindow: rec.t0 >= idleFrom && rec.t1 <= idleTo });
  });

  const p = await producer();
  let recvAt = 0;
  const c = consumer({ consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, 'c1');
  c.subscribe(env.topic, '*', async (msg) => {
    recvAt = Date.now();
    emit('recv', recvInfo(msg, { who: 'c1' }));
  });
  await c.ready();
  await waitFor(() => ownedQueues(c).length === 4, 10000);
  await sleep(500);
  idleFrom = Date.now();
  emit('idle-start', { owned: ownedQueues(c) });
  await sleep(IDLE_MS);
  idleTo = Date.now();
  emit('idle-end', { ms: idleTo - idleFrom });

  const parked = await waitFor(() => {
    if (inflight.size < 4) return false;
    const now = Date.now();
    for (const t of inflight.values()) if (now - t < 500) return false;
    return true;
  }, 5000);
  const parkedFor = [...inflight.entries()].map(([q, t]) => ({ queueId: q, ms: Date.now() - t }));
  const body = 'o15 wake-up';
  const msg = message(env.topic, 'TagL', body, { keys: ['o15-k0'] });
  const sendStart = Date.now();
  const res = await p.send(msg);
  emit('sent', sentInfo(res, msg, { sendStart, parked, parkedFor, body }));
  await waitFor(() => recvAt > 0, 5000);
  emit('latency', { ms: recvAt ? recvAt - sendStart : null });
  emit('pull-summary', { pulls, idleWindowMs: idleTo - idleFrom, idleCount });
  await sleep(500);
  await c.close();
});
