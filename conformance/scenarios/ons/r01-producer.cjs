'use strict';
// R1 (producer side): sends messages with unique keys one after another until the harness says "stop",
// reporting every acknowledgement ("sent", SEND_OK with msgId/queue/offset) and every failed send
// ("send-failed"; expected while the harness restarts the broker and the NameServer). Route lookups (105)
// and heartbeats (34) are reported as "rpc" events. After a failure it
// waits 200 ms and goes on with the next message (a failed message is not resent: the harness only
// requires acknowledged ones to arrive).
const { env, emit, run, producer, message, sentInfo, sha, sleep, hasCommand, waitCommand, errInfo, onRequest } = require('../../lib/ons.cjs');

onRequest(({ code, addr, ok, resCode }) => {
  if (code === 105 || code === 34) emit('rpc', { code, to: addr, ok, resCode });
});

run(async () => {
  const p = await producer({}, 'producer');
  waitCommand('stop', env.deadlineMs); // starts listening on stdin
  let i = 0;
  let ok = 0;
  let failed = 0;
  while (!hasCommand('stop')) {
    const keys = `r01-${env.suffix}-${i}`;
    const body = `r01 body ${i} ` + 'y'.repeat(i % 97);
    const msg = message(env.topic, 'TagR', body, { keys: [keys], idx: i });
    const sendStart = Date.now();
    try {
      const res = await p.send(msg);
      if (res.sendStatus === 'SEND_OK') ok++;
      emit('sent', sentInfo(res, msg, { i, sendStart, bodySha: sha(Buffer.from(body, 'utf8')) }));
      await sleep(10);
    } catch (err) {
      failed++;
      emit('send-failed', { i, keys, sendStart, ms: Date.now() - sendStart, ...errInfo(err) });
      await sleep(200);
    }
    i++;
  }
  emit('producer-summary', { attempted: i, ok, failed });
  await p.close();
});
