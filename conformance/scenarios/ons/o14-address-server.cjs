'use strict';
// O14: NameServer discovery through an address server. No nameSrv option: ali-ons GETs $ONS_ADDR (served by
// the harness on loopback, body "127.0.0.1:<namesrv port>") with the httpclient given here (a small
// fetch-based stub), then produces and consumes 5 messages through the NameServer it found.
const { env, emit, run, producer, consumer, message, sentInfo, recvInfo, waitFor, sleep } = require('../../lib/ons.cjs');

const httpclient = {
  async request(url, opts = {}) {
    const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeout || 5000) });
    const data = Buffer.from(await res.arrayBuffer());
    emit('http', { url, status: res.status, body: data.toString('utf8') });
    return { status: res.status, data, headers: Object.fromEntries(res.headers) };
  },
};

run(async () => {
  const discovery = { nameSrv: undefined, onsAddr: env.onsAddr, httpclient };
  const p = await producer(discovery);
  for (let i = 0; i < 5; i++) {
    const body = `o14 body ${i}`;
    const msg = message(env.topic, 'TagH', body, { keys: [`o14-k${i}`], idx: i });
    const res = await p.send(msg);
    emit('sent', sentInfo(res, msg, { i, body }));
  }
  let received = 0;
  const c = consumer({ ...discovery, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, 'c1');
  c.subscribe(env.topic, '*', async (msg) => {
    received++;
    emit('recv', recvInfo(msg, { who: 'c1' }));
  });
  await c.ready();
  await waitFor(() => received >= 5, 15000);
  await sleep(1500);
  await c.close();
});
