'use strict';
// O12: sending to a topic nobody created: the NameServer answers GET_ROUTEINFO_BY_TOPIC with TOPIC_NOT_EXIST
// and ali-ons' send() rejects with an MQClientException of code 17 (ali-ons never falls back to TBW102 then).
const { env, emit, run, producer, message, errInfo } = require('../../lib/ons.cjs');

run(async () => {
  const p = await producer();
  const topic = `${env.topic}_missing`;
  const t0 = Date.now();
  try {
    const res = await p.send(message(topic, 'TagX', 'o12'));
    emit('sent', { topic, sendStatus: res.sendStatus, msgId: res.msgId });
  } catch (err) {
    emit('send-failed', { topic, ms: Date.now() - t0, ...errInfo(err) });
  }
});
