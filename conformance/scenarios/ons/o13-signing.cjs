'use strict';
// O13: request signing. Producer and consumer configured with accessKey/secretKey sign every request
// (ext fields AccessKey, OnsChannel, Signature: HMAC-SHA1 over the sorted values + body). The server must
// accept signed traffic: 5 messages produced and consumed once each, no refusals. Every request ali-ons
// sent is checked to have carried a signature.
const { env, emit, run, producer, consumer, message, sentInfo, recvInfo, waitFor, sleep, onRequest } = require('../../lib/ons.cjs');

run(async () => {
  const creds = { accessKey: 'AK_conformance', secretKey: 'SK_conformance_secret' };
  const seen = {};
  onRequest(({ code, addr, ext }) => {
    const signed = !!(ext && ext.Signature && ext.AccessKey === creds.accessKey && ext.OnsChannel === 'ALIYUN');
    const key = `${code}:${signed ? 'signed' : 'unsigned'}`;
    seen[key] = (seen[key] || 0) + 1;
    if (!signed) emit('unsigned', { code, addr });
  });
  const p = await producer(creds);
  for (let i = 0; i < 5; i++) {
    const body = `o13 body ${i}`;
    const msg = message(env.topic, 'TagS', body, { keys: [`o13-k${i}`], idx: i });
    const res = await p.send(msg);
    emit('sent', sentInfo(res, msg, { i, body }));
  }
  let received = 0;
  const c = consumer({ ...creds, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, 'c1');
  c.subscribe(env.topic, '*', async (msg) => {
    received++;
    emit('recv', recvInfo(msg, { who: 'c1' }));
  });
  await c.ready();
  await waitFor(() => received >= 5, 15000);
  await sleep(1500);
  await c.close();
  emit('requests', { seen });
});
