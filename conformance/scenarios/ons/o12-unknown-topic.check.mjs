/** O12: the checks on the events of o12-unknown-topic.cjs (beside this file), run by ../../run.mjs. */
import assert from 'node:assert/strict';
import { j } from '../../lib/expect.mjs';

export default {
  id: 'O12',
  file: 'o12-unknown-topic.cjs',
  title: 'unknown topic: send() rejects with code 17 (TOPIC_NOT_EXIST from the NameServer route lookup) and nothing is created',
  topic: false,
  deadlineMs: 20_000,
  allowError: (e) => e.code === 17,
  async check(r, ctx) {
    assert.equal(r.all('sent').length, 0, `send to an unknown topic succeeded: ${j(r.all('sent'))}`);
    const f = r.one('send-failed');
    assert.equal(f.code, 17, `send() must reject with code 17 (TOPIC_NOT_EXIST), got ${f.name} code ${f.code}: ${f.message}`);
    assert.equal(f.name, 'MQClientException');
    const route = await ctx.admin.route(ctx.namesrv, f.topic);
    assert.equal(route.code, 17, `the failed send must not create ${f.topic}; its route now answers code ${route.code}`);
  },
};
