/** Options resolved once, with their defaults in one table per client type. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withDefaults } from '../../src/client/options/resolve.js';
import { resolvePushConsumerOptions } from '../../src/client/options/push-consumer.js';
import { resolvePullConsumerOptions } from '../../src/client/options/pull-consumer.js';
import { resolveProducerOptions } from '../../src/client/options/producer.js';
import { resolveCreateTopicOptions } from '../../src/client/options/admin.js';

test('withDefaults: undefined and null keep the default (as `??` did), everything else wins', () => {
  const r = withDefaults({ a: 1, b: 2, c: 3 }, { a: undefined, b: null, c: 0, d: 'x' });
  assert.deepEqual(r, { a: 1, b: 2, c: 0, d: 'x' });
});

test('push consumer: Java defaults; maxReconsumeTimes −1 means 16 concurrently and unlimited orderly', () => {
  const o = resolvePushConsumerOptions({ namesrvAddr: 'x:1', consumerGroup: 'G', offsetStoreDir: '/tmp/o' });
  assert.equal(o.brokerSuspendMaxTimeMillis, 15_000);
  assert.equal(o.consumeThreadMax, 20);
  assert.equal(o.pullThresholdBytesForQueue, 100 * 1024 * 1024);
  assert.equal(o.maxReconsumeTimes, -1);
  assert.equal(o.maxReconsumeTimesConcurrently, 16);
  assert.equal(o.maxReconsumeTimesOrderly, 2_147_483_647);
  assert.equal(o.messageModel, 'CLUSTERING');
  assert.equal(o.offsetStoreDir, '/tmp/o');
  const three = resolvePushConsumerOptions({ namesrvAddr: 'x:1', consumerGroup: 'G', maxReconsumeTimes: 3, consumeMessageBatchMaxSize: 0 });
  assert.equal(three.maxReconsumeTimesConcurrently, 3);
  assert.equal(three.maxReconsumeTimesOrderly, 3);
  assert.equal(three.consumeMessageBatchMaxSize, 1);
});

test('pull consumer holds pulls as long as Java DefaultLitePullConsumer (20 s), producer and createTopic keep theirs', () => {
  assert.equal(resolvePullConsumerOptions({ namesrvAddr: 'x:1', consumerGroup: 'G' }).brokerSuspendMaxTimeMillis, 20_000);
  const p = resolveProducerOptions({ namesrvAddr: 'x:1' });
  assert.equal(p.producerGroup, 'DEFAULT_PRODUCER');
  assert.equal(p.sendMsgTimeout, 3000);
  assert.equal(p.createTopicKey, 'TBW102');
  assert.deepEqual(resolveCreateTopicOptions({ perm: 4 }), { readQueueNums: 8, writeQueueNums: 8, perm: 4, order: false, topicSysFlag: 0, topicFilterType: 'SINGLE_TAG' });
});
