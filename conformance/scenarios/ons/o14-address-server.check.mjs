/** O14: the checks on the events of o14-address-server.cjs (beside this file), run by ../../run.mjs. */
import assert from 'node:assert/strict';
import { expectEachOnce, expectSendsOk } from '../../lib/expect.mjs';

export default {
  id: 'O14',
  file: 'o14-address-server.cjs',
  title: 'address server: without nameSrv, ali-ons finds the NameServer through an onsAddr HTTP endpoint and produces/consumes 5 messages',
  deadlineMs: 30_000,
  addressServer: true,
  check(r, ctx) {
    const http = r.all('http');
    assert.ok(http.length >= 1, 'ali-ons fetched the address server');
    for (const h of http) assert.deepEqual({ status: h.status, body: h.body }, { status: 200, body: ctx.namesrv });
    assert.ok(ctx.addressHits >= 1, `the harness' address endpoint was hit ${ctx.addressHits} times`);
    const sent = r.all('sent');
    assert.equal(sent.length, 5);
    expectSendsOk(sent, 'O14');
    expectEachOnce(sent, r.all('recv'), { label: 'O14' });
  },
};
