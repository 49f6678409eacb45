/**
 * Where a push consumer starts on a queue without a stored offset (QUERY_NOT_FOUND), and what an
 * SQL92 subscription sends — against the scripted peer, counting the requests.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { responseTo } from '../../src/codec/command.js';
import { parseFastJson } from '../../src/codec/fastjson.js';
import { PushConsumer } from '../../src/client/push-consumer.js';
import type { ConsumeFromWhere } from '../../src/protocol/bodies/heartbeat.js';
import { startFakePeer } from './helpers/fake-peer.js';

async function firstPulls(where: ConsumeFromWhere, timestamp?: number): Promise<{ pulls: Map<string, string>; codes: number[]; searched?: string }> {
  const peer = await startFakePeer({ T: 2, '%RETRY%G': 1 });
  peer.handlers.set(14, (req) => responseTo(req, 22, 409, { remark: 'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first' }));
  peer.handlers.set(30, (req) => responseTo(req, 0, 409, { extFields: { offset: '42' } }));
  peer.handlers.set(29, (req) => responseTo(req, 0, 409, { extFields: { offset: '7' } }));
  const c = new PushConsumer({ namesrvAddr: peer.addr, consumerGroup: 'G', consumeFromWhere: where, consumeTimestamp: timestamp });
  c.subscribe('T').registerMessageListener(() => undefined);
  try {
    await c.start();
    await peer.waitFor(11, 3);
    const pulls = new Map<string, string>();
    for (const r of peer.requests.filter((x) => x.code === 11)) {
      const key = `${r.extFields!.topic}:${r.extFields!.queueId}`;
      if (!pulls.has(key)) pulls.set(key, r.extFields!.queueOffset!);
    }
    return {
      pulls,
      codes: peer.requests.map((r) => r.code).filter((code) => code === 29 || code === 30),
      searched: peer.requests.find((r) => r.code === 29)?.extFields!.timestamp,
    };
  } finally {
    await c.shutdown();
    await peer.stop();
  }
}

test('consume from: LAST asks GET_MAX_OFFSET for normal queues and starts retry queues at 0', async () => {
  const r = await firstPulls('CONSUME_FROM_LAST_OFFSET');
  assert.deepEqual(Object.fromEntries(r.pulls), { 'T:0': '42', 'T:1': '42', '%RETRY%G:0': '0' });
  assert.deepEqual(r.codes, [30, 30]);
});

test('consume from: FIRST starts every queue at 0 without offset lookups', async () => {
  const r = await firstPulls('CONSUME_FROM_FIRST_OFFSET');
  assert.deepEqual(Object.fromEntries(r.pulls), { 'T:0': '0', 'T:1': '0', '%RETRY%G:0': '0' });
  assert.deepEqual(r.codes, []);
});

test('consume from: TIMESTAMP searches the offset of the given time (retry queues start at their end)', async () => {
  const r = await firstPulls('CONSUME_FROM_TIMESTAMP', 1_700_000_000_000);
  assert.deepEqual(Object.fromEntries(r.pulls), { 'T:0': '7', 'T:1': '7', '%RETRY%G:0': '42' });
  assert.equal(r.searched, '1700000000000');
  assert.deepEqual(r.codes.sort(), [29, 29, 30]);
});

test('SQL92: CHECK_CLIENT_CONFIG, heartbeat and pulls carry the SQL92 subscription', async () => {
  const peer = await startFakePeer({ T: 1, '%RETRY%G': 1 });
  const c = new PushConsumer({ namesrvAddr: peer.addr, consumerGroup: 'G', postSubscriptionWhenPull: true });
  c.subscribe('T', { type: 'SQL92', expression: 'a > 5' }).registerMessageListener(() => undefined);
  try {
    await c.start();
    const [check] = await peer.waitFor(46);
    const body = parseFastJson(check!.body!) as { group: string; subscriptionData: { expressionType: string; subString: string } };
    assert.equal(body.group, 'G');
    assert.deepEqual([body.subscriptionData.expressionType, body.subscriptionData.subString], ['SQL92', 'a > 5']);
    const [hb] = await peer.waitFor(34);
    const subs = (parseFastJson(hb!.body!) as { consumerDataSet: Array<{ subscriptionDataSet: Array<{ topic: string; expressionType: string }> }> }).consumerDataSet[0]!.subscriptionDataSet;
    assert.equal(subs.find((s) => s.topic === 'T')!.expressionType, 'SQL92');
    await peer.waitFor(11, 2);
    const pull = peer.requests.find((r) => r.code === 11 && r.extFields!.topic === 'T')!;
    assert.equal(pull.extFields!.expressionType, 'SQL92');
    assert.equal(pull.extFields!.subscription, 'a > 5');
    assert.equal(Number(pull.extFields!.sysFlag) & 4, 4);
  } finally {
    await c.shutdown();
    await peer.stop();
  }
});
