'use strict';
// O6: retry and DLQ. Consumer with maxReconsumeTimes 2. Message "once" fails on its first delivery only;
// message "always" fails every time. Expected (Java broker rules): "once" is redelivered once from
// %RETRY%<group> with reconsumeTimes 1, originMessageId = its msgId, topic reset to the original; "always"
// is delivered 3 times (reconsumeTimes 0, 1, 2) and then stored in %DLQ%<group> (checked by the harness).
const { env, emit, run, producer, consumer, message, sentInfo, recvInfo, waitFor, sleep, onPull } = require('../../lib/ons.cjs');

run(async () => {
  onPull((rec) => {
    if (rec.msgs.length) emit('pulled', { topic: rec.topic, queueId: rec.queueId, msgs: rec.msgs });
  });
  const p = await producer();
  const sent = {};
  for (const kind of ['once', 'always']) {
    const body = `o06 ${kind}`;
    const msg = message(env.topic, 'TagR', body, { keys: [`o06-${kind}-${env.suffix}`], extraProps: { u_kind: kind } });
    const res = await p.send(msg);
    sent[kind] = res.msgId;
    emit('sent', sentInfo(res, msg, { kind, body }));
  }
  const deliveries = { once: 0, always: 0 };
  const c = consumer({ consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', maxReconsumeTimes: 2 }, 'c1');
  c.subscribe(env.topic, '*', async (msg) => {
    const kind = msg.properties.u_kind;
    deliveries[kind] = (deliveries[kind] || 0) + 1;
    const fail = kind === 'always' || (kind === 'once' && msg.reconsumeTimes === 0);
    emit('recv', recvInfo(msg, { who: 'c1', kind, willFail: fail }));
    if (fail) throw new Error(`o06 deliberate failure (${kind}, reconsumeTimes ${msg.reconsumeTimes})`);
  });
  await c.ready();
  await waitFor(() => deliveries.once >= 2 && deliveries.always >= 3, 30000);
  await sleep(3000); // a 4th delivery of "always" or a 3rd of "once" would arrive within this time
  await c.close();
});
