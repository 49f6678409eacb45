'use strict';
// O8: compression. Bodies of 4095 bytes (below ali-ons' 4 KiB threshold: sent plain), 8 KiB of text and
// 8 KiB of pseudo-random bytes (both sent zlib-deflated with sysFlag bit 0) come back byte-exact, and the
// consumed messages still carry sysFlag bit 0 for the compressed ones.
const crypto = require('node:crypto');
const { env, emit, run, producer, consumer, message, sentInfo, recvInfo, waitFor, sleep, sha } = require('../../lib/ons.cjs');

function randomBytes(n, seed) {
  const out = Buffer.alloc(n);
  let block = Buffer.from(seed);
  for (let o = 0; o < n; o += 32) {
    block = crypto.createHash('sha256').update(block).digest();
    block.copy(out, o, 0, Math.min(32, n - o));
  }
  return out;
}

run(async () => {
  const p = await producer();
  const bodies = {
    plain4095: Buffer.from('p'.repeat(4095)),
    text8k: Buffer.from(Array.from({ length: 8192 }, (_, i) => String.fromCharCode(97 + ((i * 7) % 26))).join('')),
    random8k: randomBytes(8192, 'o08'),
  };
  for (const [name, body] of Object.entries(bodies)) {
    const msg = message(env.topic, 'TagZ', Buffer.from(body), { keys: [`o08-${name}`], extraProps: { u_name: name } });
    const res = await p.send(msg);
    // ali-ons replaces msg.body by the deflated bytes when it compresses; report the original
    emit('sent', { ...sentInfo(res, msg, { name }), bodyLen: body.length, bodySha: sha(body), sentCompressed: msg.body.length !== body.length || !msg.body.equals(body) });
  }
  let received = 0;
  const c = consumer({ consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, 'c1');
  c.subscribe(env.topic, '*', async (msg) => {
    received++;
    emit('recv', recvInfo(msg, { who: 'c1', name: msg.properties.u_name }));
  });
  await c.ready();
  await waitFor(() => received >= 3, 15000);
  await sleep(1500);
  await c.close();
});
