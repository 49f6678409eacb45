'use strict';
// O1: produce 20 messages with tags, keys and user properties; every send result is reported.
const { env, emit, run, producer, message, sentInfo } = require('../../lib/ons.cjs');

run(async () => {
  const p = await producer();
  for (let i = 0; i < 20; i++) {
    const tags = i % 2 === 0 ? 'TagA' : 'TagB';
    const msg = message(env.topic, tags, `o01 body ${i}`, { keys: [`o01-k${i}`, 'o01-shared'], idx: i, extraProps: { u_color: i % 3 === 0 ? 'red' : 'blue' } });
    const res = await p.send(msg);
    emit('sent', sentInfo(res, msg, { i, body: `o01 body ${i}` }));
  }
});
