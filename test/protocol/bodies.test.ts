/**
 * The shared protocol shapes where broker, store and client used to read the same bytes
 * differently: DataVersion fallbacks, SubscriptionData building and heartbeat decoding, JSON
 * coercion, system topic predicates.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeDataVersion } from '../../src/protocol/data-version.js';
import { decodeRegisterBrokerBody } from '../../src/protocol/route.js';
import { decodeTopics } from '../../src/broker/metadata/config-files.js';
import { buildSubscription, decodeSubscription } from '../../src/protocol/bodies/subscription.js';
import { decodeHeartbeat, encodeHeartbeat } from '../../src/protocol/bodies/heartbeat.js';
import { decodeSubscriptionGroupConfig } from '../../src/protocol/bodies/subscription-group.js';
import { bool, num } from '../../src/protocol/json.js';
import { isBrokerSystemTopic, isInternalMessageTopic, isRetryTopic, retryTopic, dlqTopic } from '../../src/protocol/system-topics.js';

test('DataVersion: a missing version or timestamp reads as Java new DataVersion() (now, counter 0) on the wire and in files alike', () => {
  const before = Date.now();
  const wire = decodeDataVersion({ counter: 3 });
  const missing = decodeDataVersion(undefined);
  const fromRegistration = decodeRegisterBrokerBody(Buffer.from('{"filterServerList":[]}'), {}).dataVersion;
  const fromFile = decodeTopics({ topicConfigTable: {} }).dataVersion;
  const after = Date.now();
  for (const dv of [wire, missing, fromRegistration, fromFile]) assert.ok(dv.timestamp >= before && dv.timestamp <= after, `timestamp ${dv.timestamp} is now`);
  assert.equal(wire.counter, 3);
  assert.equal(missing.counter, 0);
  // An empty REGISTER_BROKER body is Java's explicit {0, 0}; 3.5.8's spelling is read.
  assert.deepEqual(decodeRegisterBrokerBody(undefined, {}).dataVersion, { timestamp: 0, counter: 0 });
  assert.deepEqual(decodeDataVersion({ counter: 1, timestatmp: 77 }), { timestamp: 77, counter: 1 });
});

test('SubscriptionData: built as Java FilterAPI does, the expression kept as written', () => {
  const s = buildSubscription('T', ' TagA ||TagB|| TagA', 'TAG', 5);
  assert.deepEqual(s, { topic: 'T', subString: ' TagA ||TagB|| TagA', tagsSet: ['TagA', 'TagB'], codeSet: [2598919, 2598920], subVersion: 5, expressionType: 'TAG', classFilterMode: false });
  assert.equal(buildSubscription('T', '', 'TAG', 1).subString, '*');
  assert.equal(buildSubscription('T', undefined, 'TAG', 1).subString, '*');
  assert.throws(() => buildSubscription('T', '', 'SQL92'), /needs an expression/);
});

test('heartbeat: tags and codes a client sent are kept (hash collisions included); missing ones are derived from the expression', () => {
  const collide = { topic: 'T', subString: 'Aa||BB', tagsSet: ['Aa', 'BB'], codeSet: [2112], subVersion: 1, expressionType: 'TAG', classFilterMode: false };
  const bare = { topic: 'U', subString: 'TagA || TagB', subVersion: 2 };
  const body = Buffer.from(`{"clientID":"c@1","consumerDataSet":[{"groupName":"G","subscriptionDataSet":[${JSON.stringify(collide)},${JSON.stringify(bare)}]}],"producerDataSet":[{"groupName":"P"}]}`);
  const hb = decodeHeartbeat(body);
  const [kept, derived] = hb.consumerDataSet[0]!.subscriptionDataSet;
  assert.deepEqual(kept, collide);
  assert.deepEqual(derived!.tagsSet, ['TagA', 'TagB']);
  assert.deepEqual(derived!.codeSet, [2598919, 2598920]);
  assert.equal(derived!.subString, 'TagA || TagB');
  // What the broker assumes of a consumer that leaves its model out.
  assert.equal(hb.consumerDataSet[0]!.messageModel, 'CLUSTERING');
  assert.equal(hb.consumerDataSet[0]!.consumeFromWhere, 'CONSUME_FROM_LAST_OFFSET');
  assert.equal(hb.consumerDataSet[0]!.consumeType, 'CONSUME_PASSIVELY');
  assert.deepEqual(decodeHeartbeat(encodeHeartbeat(hb)), hb);
  assert.deepEqual(decodeSubscription({ topic: 'V', subString: '*' }).tagsSet, []);
});

test('JSON coercion: numbers and booleans as strings read as fastjson binds them, one rule for wire and files', () => {
  assert.equal(num('12'), 12);
  assert.equal(num(' '), 0);
  assert.equal(num('x', 7), 7);
  assert.equal(bool('false', true), false);
  assert.equal(bool('TRUE'), true);
  assert.equal(bool(undefined, true), true);
  // subscriptionGroup.json entries written with string values by hand.
  const g = decodeSubscriptionGroupConfig('G', { consumeEnable: 'false', retryMaxTimes: '3' });
  assert.equal(g.consumeEnable, false);
  assert.equal(g.retryMaxTimes, 3);
  assert.equal(g.retryQueueNums, 1);
});

test('system topics: names and predicates', () => {
  assert.equal(retryTopic('G'), '%RETRY%G');
  assert.equal(dlqTopic('G'), '%DLQ%G');
  assert.ok(isRetryTopic('%RETRY%G') && !isRetryTopic('%DLQ%G'));
  for (const t of ['TBW102', 'SCHEDULE_TOPIC_XXXX', 'RMQ_SYS_TRANS_HALF_TOPIC', 'SELF_TEST_TOPIC', 'BenchmarkTest', 'OFFSET_MOVED_EVENT']) assert.ok(isBrokerSystemTopic(t), t);
  assert.ok(!isBrokerSystemTopic('Orders'));
  assert.ok(isInternalMessageTopic('SCHEDULE_TOPIC_XXXX') && isInternalMessageTopic('rmq_sys_trace') && !isInternalMessageTopic('TBW102'));
});
