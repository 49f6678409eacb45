/**
 * Push consumer end to end against Apogee's NameServer + broker (the ali-ons scenario list O2–O11
 * redone with our SDK, plus orderly consumption, flow control, offset reset and SQL92 refusal).
 * Every scenario counts deliveries exactly.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { Producer, type SendResult } from '../../src/client/producer.js';
import { PushConsumer, type PushConsumerOptions } from '../../src/client/push-consumer.js';
import { PullConsumer } from '../../src/client/pull-consumer.js';
import { Admin } from '../../src/client/admin.js';
import { MQBrokerError } from '../../src/client/errors.js';
import { mqKey, type MessageExt } from '../../src/client/message.js';
import { fastOptions, unique, until } from './helpers/e2e.js';

async function withCluster(fn: (c: TestCluster, p: Producer) => Promise<void>, overrides = {}): Promise<void> {
  const cluster = await startCluster(overrides);
  const producer = new Producer({ ...fastOptions(cluster.namesrvAddr), producerGroup: unique('pg') });
  try {
    await producer.start();
    await fn(cluster, producer);
  } finally {
    await producer.shutdown();
    await cluster.stop();
  }
}

function consumer(cluster: TestCluster, group: string, extra: Partial<PushConsumerOptions> = {}): PushConsumer {
  return new PushConsumer({ ...fastOptions(cluster.namesrvAddr), consumerGroup: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', ...extra });
}

async function sendN(p: Producer, topic: string, n: number, make: (i: number) => Partial<import('../../src/client/message.js').Message> = () => ({})): Promise<SendResult[]> {
  const out: SendResult[] = [];
  for (let i = 0; i < n; i++) out.push(await p.send({ topic, body: `msg-${i}`, ...make(i) }));
  return out;
}

test('e2e consumer: CLUSTERING from the first offset delivers each message exactly once with all fields (O2)', async () => {
  await withCluster(async (cluster, producer) => {
    const topic = unique('T');
    const sent = await sendN(producer, topic, 20, (i) => ({ tags: 'TagA', keys: [`K${i}`], properties: { i: String(i) } }));
    const got: MessageExt[] = [];
    const c = consumer(cluster, unique('g'));
    c.subscribe(topic, '*').registerMessageListener((msgs) => void got.push(...msgs));
    try {
      await c.start();
      await until(() => got.length >= 20, '20 messages');
      await c.rebalance();
      assert.equal(got.length, 20);
      for (const m of got) {
        const i = Number(m.properties.i);
        assert.equal(m.msgId, sent[i]!.msgId);
        assert.equal(m.body.toString(), `msg-${i}`);
        assert.equal(m.tags, 'TagA');
        assert.deepEqual(m.keys, [`K${i}`]);
        assert.equal(m.queueId, sent[i]!.messageQueue.queueId);
        assert.equal(m.queueOffset, sent[i]!.queueOffset);
        assert.equal(m.topic, topic);
        assert.equal(m.reconsumeTimes, 0);
      }
      assert.equal(new Set(got.map((m) => m.msgId)).size, 20);
    } finally {
      await c.shutdown();
    }
  });
});

test('e2e consumer: a new group with CONSUME_FROM_LAST_OFFSET still reads young queues from 0, then new messages (O3)', async () => {
  await withCluster(async (cluster, producer) => {
    const topic = unique('T');
    await sendN(producer, topic, 5);
    const got: string[] = [];
    const c = consumer(cluster, unique('g'), { consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET' });
    c.subscribe(topic).registerMessageListener((msgs) => void got.push(...msgs.map((m) => m.body.toString())));
    try {
      await c.start();
      await until(() => got.length >= 5, 'the 5 existing messages');
      await sendN(producer, topic, 3, (i) => ({ body: `new-${i}` }));
      await until(() => got.length >= 8, '3 new messages');
      assert.deepEqual(got.sort(), ['msg-0', 'msg-1', 'msg-2', 'msg-3', 'msg-4', 'new-0', 'new-1', 'new-2']);
    } finally {
      await c.shutdown();
    }
  });
});

test('e2e consumer: tag expression "TagA || TagB" delivers only A and B (O4)', async () => {
  await withCluster(async (cluster, producer) => {
    const topic = unique('T');
    await sendN(producer, topic, 30, (i) => ({ tags: ['TagA', 'TagB', 'TagC'][i % 3] }));
    await producer.send({ topic, body: 'end', tags: 'TagB' });
    const got: MessageExt[] = [];
    const c = consumer(cluster, unique('g'));
    c.subscribe(topic, 'TagA || TagB').registerMessageListener((msgs) => void got.push(...msgs));
    try {
      await c.start();
      await until(() => got.length >= 21, '21 A/B messages');
      await c.rebalance();
      assert.equal(got.length, 21);
      assert.ok(got.every((m) => m.tags === 'TagA' || m.tags === 'TagB'));
    } finally {
      await c.shutdown();
    }
  });
});

test('e2e consumer: offsets are committed at shutdown and a restarted group resumes with exactly the new messages (O5)', async () => {
  await withCluster(async (cluster, producer) => {
    const topic = unique('T');
    const group = unique('g');
    await sendN(producer, topic, 10);
    const first: string[] = [];
    const c1 = consumer(cluster, group);
    c1.subscribe(topic).registerMessageListener((msgs) => void first.push(...msgs.map((m) => m.body.toString())));
    await c1.start();
    await until(() => first.length >= 10, 'first 10');
    await c1.shutdown();
    assert.equal(first.length, 10);
    const admin = new Admin(fastOptions(cluster.namesrvAddr));
    await admin.start();
    try {
      const stats = await admin.consumeStats(group, topic);
      assert.equal(stats.offsetTable.filter((e) => e.mq.topic === topic).reduce((s, e) => s + e.consumerOffset, 0), 10);
      assert.equal(stats.diffTotal, 0);
      await sendN(producer, topic, 10, (i) => ({ body: `second-${i}` }));
      const second: string[] = [];
      const c2 = consumer(cluster, group);
      c2.subscribe(topic).registerMessageListener((msgs) => void second.push(...msgs.map((m) => m.body.toString())));
      await c2.start();
      try {
        await until(() => second.length >= 10, 'second 10');
        await c2.rebalance();
        assert.deepEqual(second.sort(), Array.from({ length: 10 }, (_, i) => `second-${i}`).sort());
      } finally {
        await c2.shutdown();
      }
      const after = await admin.consumeStats(group, topic);
      assert.equal(after.offsetTable.filter((e) => e.mq.topic === topic).reduce((s, e) => s + e.consumerOffset, 0), 20);
    } finally {
      await admin.shutdown();
    }
  });
});

test('e2e consumer: a failed message comes back with reconsumeTimes+1 and its id; exhausted retries land in the DLQ (O6)', async () => {
  await withCluster(async (cluster, producer) => {
    const topic = unique('T');
    const group = unique('g');
    const [target] = await sendN(producer, topic, 1, () => ({ body: 'retry-me', keys: 'RETRY-ME', properties: { color: 'red' } }));
    const deliveries: MessageExt[] = [];
    const c = consumer(cluster, group);
    c.subscribe(topic).registerMessageListener((msgs) => {
      deliveries.push(...msgs);
      if (deliveries.length === 1) throw new Error('fail the first delivery');
    });
    try {
      await c.start();
      await until(() => deliveries.length >= 2, 'the redelivery');
      assert.equal(deliveries[0]!.reconsumeTimes, 0);
      assert.equal(deliveries[1]!.reconsumeTimes, 1);
      assert.equal(deliveries[1]!.msgId, target!.msgId);
      assert.equal(deliveries[1]!.topic, topic);
      assert.equal(deliveries[1]!.body.toString(), 'retry-me');
      assert.equal(deliveries[1]!.properties.color, 'red');
      assert.equal(c.stats.sentBack, 1);
    } finally {
      await c.shutdown();
    }
    // A group that always fails with maxReconsumeTimes 2: three deliveries, then the DLQ.
    const dlqGroup = unique('dlq');
    const seen: number[] = [];
    const d = consumer(cluster, dlqGroup, { maxReconsumeTimes: 2 });
    d.subscribe(topic).registerMessageListener((msgs) => {
      seen.push(...msgs.map((m) => m.reconsumeTimes));
      return 'RECONSUME_LATER';
    });
    try {
      await d.start();
      await until(() => seen.length >= 3, 'three failed deliveries');
      // The DLQ topic is write-only (as in Java), so it is inspected with admin calls.
      const admin = new Admin(fastOptions(cluster.namesrvAddr));
      await admin.start();
      try {
        const dlqTopic = `%DLQ%${dlqGroup}`;
        await until(async () => (await admin.topicStats(dlqTopic).catch(() => [])).some((s) => s.maxOffset === 1), 'one message in the DLQ');
        const stats = await admin.topicStats(dlqTopic);
        assert.equal(stats.reduce((n, s) => n + s.maxOffset, 0), 1);
        const dlq = await admin.queryMessageByUniqKey(dlqTopic, target!.msgId);
        assert.ok(dlq, 'the DLQ copy is found by its client id');
        assert.equal(dlq.body.toString(), 'retry-me');
        assert.equal(dlq.topic, dlqTopic);
      } finally {
        await admin.shutdown();
      }
      assert.deepEqual(seen, [0, 1, 2]);
    } finally {
      await d.shutdown();
    }
  }, {});
});

test('e2e consumer: BROADCASTING gives every message to every consumer and keeps offsets in a local file (O9)', async () => {
  await withCluster(async (cluster, producer) => {
    const topic = unique('T');
    const group = unique('bg');
    const dir = mkdtempSync(join(tmpdir(), 'apogee-offsets-'));
    await producer.send({ topic, body: 'create' });
    const got = [new Set<string>(), new Set<string>()];
    const cs = [0, 1].map((i) => {
      const c = consumer(cluster, group, { messageModel: 'BROADCASTING', offsetStoreDir: dir, instanceName: `b${i}` });
      c.subscribe(topic).registerMessageListener((msgs) => {
        for (const m of msgs) got[i]!.add(m.body.toString());
      });
      return c;
    });
    try {
      await Promise.all(cs.map((c) => c.start()));
      await sendN(producer, topic, 10);
      await until(() => got.every((g) => g.size >= 11), 'both consumers see all 11');
      assert.deepEqual(got.map((g) => g.size), [11, 11]);
      assert.deepEqual(cs.map((c) => c.assignedQueues().length), [4, 4]);
    } finally {
      await Promise.all(cs.map((c) => c.shutdown()));
    }
    assert.ok(existsSync(join(dir, '127.0.0.1@b0', group, 'offsets.json')));
    assert.ok(existsSync(join(dir, '127.0.0.1@b1', group, 'offsets.json')));
    rmSync(dir, { recursive: true, force: true });
  });
});

test('e2e consumer: two clustering consumers split the queues, each message is consumed once, the survivor takes over (O10)', async () => {
  await withCluster(async (cluster, producer) => {
    const topic = unique('T');
    const group = unique('g');
    await producer.send({ topic, body: 'create' });
    const counts = new Map<string, number>();
    const byConsumer = [0, 0];
    const cs = [0, 1].map((i) => {
      const c = consumer(cluster, group, { instanceName: `c${i}` });
      c.subscribe(topic).registerMessageListener((msgs) => {
        for (const m of msgs) counts.set(m.body.toString(), (counts.get(m.body.toString()) ?? 0) + 1);
        byConsumer[i]! += msgs.length;
      });
      return c;
    });
    try {
      await Promise.all(cs.map((c) => c.start()));
      const own = (c: PushConsumer) => c.assignedQueues().filter((q) => q.topic === topic);
      await until(() => own(cs[0]!).length === 2 && own(cs[1]!).length === 2, 'a 2/2 split');
      const keys = [...own(cs[0]!), ...own(cs[1]!)].map(mqKey);
      assert.equal(new Set(keys).size, 4);
      await sendN(producer, topic, 40);
      await until(() => counts.size >= 41, 'all 41 messages');
      assert.ok([...counts.values()].every((n) => n === 1));
      assert.ok(byConsumer[0]! > 0 && byConsumer[1]! > 0);
      await cs[1]!.shutdown();
      await until(() => own(cs[0]!).length === 4, 'the survivor owning all 4 queues');
      await sendN(producer, topic, 8, (i) => ({ body: `late-${i}` }));
      await until(() => counts.size >= 49, 'the 8 late messages');
      assert.ok([...counts.values()].every((n) => n === 1), 'no duplicates after the takeover');
    } finally {
      await Promise.all(cs.map((c) => c.shutdown()));
    }
  });
});

test('e2e consumer: orderly listener with queue locks consumes each sharding key in send order, SUSPEND retries in place (O11)', async () => {
  await withCluster(async (cluster, producer) => {
    const topic = unique('T');
    const group = unique('og');
    await producer.send({ topic, body: 'create' });
    const keys = ['order-1', 'order-2', 'order-3'];
    for (let i = 0; i < 30; i++) await producer.send({ topic, body: `${keys[i % 3]}:${i}` }, { shardingKey: keys[i % 3]! });
    const seen = new Map<string, number[]>();
    let suspended = false;
    const c = consumer(cluster, group, { consumeMessageBatchMaxSize: 1 });
    c.subscribe(topic).registerMessageListenerOrderly((msgs) => {
      const [key, i] = msgs[0]!.body.toString().split(':');
      if (key === 'create') return 'SUCCESS';
      if (!suspended && i === '10') {
        suspended = true;
        return 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
      }
      seen.set(key!, [...(seen.get(key!) ?? []), Number(i)]);
      return 'SUCCESS';
    });
    try {
      await c.start();
      await until(() => [...seen.values()].reduce((s, l) => s + l.length, 0) >= 30, '30 ordered messages');
      for (const k of keys) {
        const list = seen.get(k)!;
        assert.equal(list.length, 10);
        assert.deepEqual(list, [...list].sort((a, b) => a - b), `${k} in order`);
      }
      assert.ok(suspended);
      assert.ok(c.stats.failed >= 1);
    } finally {
      await c.shutdown();
    }
  });
});

test('e2e consumer: flow control by count holds pulls back while a slow listener works, nothing is lost', async () => {
  await withCluster(async (cluster, producer) => {
    const topic = unique('T');
    await sendN(producer, topic, 60);
    let consumed = 0;
    const c = consumer(cluster, unique('g'), { pullThresholdForQueue: 3, pullBatchSize: 4, consumeThreadMax: 1, pullTimeDelayMillsWhenFlowControl: 5 });
    c.subscribe(topic).registerMessageListener(async (msgs) => {
      await new Promise((r) => setTimeout(r, 2));
      consumed += msgs.length;
    });
    try {
      await c.start();
      await until(() => consumed >= 60, '60 messages');
      assert.equal(consumed, 60);
      assert.ok(c.stats.flowControlled > 0, 'flow control kicked in');
    } finally {
      await c.shutdown();
    }
  });
});

test('e2e consumer: an admin offset reset makes the online consumer read again from the start', async () => {
  await withCluster(async (cluster, producer) => {
    const topic = unique('T');
    const group = unique('g');
    await sendN(producer, topic, 5);
    const got: string[] = [];
    const c = consumer(cluster, group);
    c.subscribe(topic).registerMessageListener((msgs) => void got.push(...msgs.map((m) => m.body.toString())));
    const admin = new Admin(fastOptions(cluster.namesrvAddr));
    try {
      await c.start();
      await admin.start();
      await until(() => got.length >= 5, 'first pass');
      await until(async () => (await admin.consumeStats(group, topic)).diffTotal === 0, 'offsets committed');
      const reset = await admin.resetOffsetByTime(group, topic, 0);
      assert.equal(reset.reduce((s, r) => s + r.offset, 0), 0);
      await until(() => got.length >= 10, 'second pass after the reset');
      assert.deepEqual(got.slice(5).sort(), got.slice(0, 5).sort());
    } finally {
      await admin.shutdown();
      await c.shutdown();
    }
  });
});

test('e2e consumer: an SQL92 subscription is checked with the broker and refused when it lacks support', async () => {
  await withCluster(async (cluster, producer) => {
    const topic = unique('T');
    await producer.send({ topic, body: 'x' });
    const c = consumer(cluster, unique('g'));
    c.subscribe(topic, { type: 'SQL92', expression: 'a > 5' }).registerMessageListener(() => undefined);
    await assert.rejects(c.start(), (e: unknown) => e instanceof MQBrokerError && e.code === 1 && /SQL92/.test(e.message));
    await c.shutdown();
  });
});

test('e2e pull consumer: assign, poll in order, seek back, commit, and resume from the committed offset', async () => {
  await withCluster(async (cluster, producer) => {
    const admin = new Admin(fastOptions(cluster.namesrvAddr));
    await admin.start();
    const topic = unique('T');
    const group = unique('pull');
    try {
      await admin.createTopic(topic, { readQueueNums: 1, writeQueueNums: 1, brokerAddr: cluster.brokerAddr });
      await sendN(producer, topic, 10, (i) => ({ tags: i % 2 ? 'odd' : 'even' }));
      const pc = new PullConsumer({ ...fastOptions(cluster.namesrvAddr), consumerGroup: group, startFrom: 'first', autoCommitIntervalMs: 0 });
      await pc.start();
      const [mq] = await pc.fetchMessageQueues(topic);
      await pc.assign([mq!]);
      const all: MessageExt[] = [];
      while (all.length < 10) all.push(...(await pc.poll(1000)));
      assert.deepEqual(all.map((m) => m.queueOffset), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.equal(pc.position(mq!), 10);
      pc.seek(mq!, 3);
      const again: MessageExt[] = [];
      while (again.length < 7) again.push(...(await pc.poll(1000)));
      assert.deepEqual(again.map((m) => m.body.toString()), Array.from({ length: 7 }, (_, i) => `msg-${i + 3}`));
      await pc.commit();
      assert.equal(await pc.committed(mq!), 10);
      const raw = await pc.pull(mq!, 'odd', 0, 32);
      assert.equal(raw.status, 'FOUND');
      assert.deepEqual(raw.messages.map((m) => m.queueOffset), [1, 3, 5, 7, 9]);
      await pc.shutdown();
      const pc2 = new PullConsumer({ ...fastOptions(cluster.namesrvAddr), consumerGroup: group, startFrom: 'first', autoCommitIntervalMs: 0 });
      await pc2.start();
      await pc2.assign([mq!]);
      assert.equal(pc2.position(mq!), 10);
      await producer.send({ topic, body: 'eleventh' });
      const next = await pc2.poll(3000);
      assert.deepEqual(next.map((m) => m.body.toString()), ['eleventh']);
      await pc2.shutdown();
    } finally {
      await admin.shutdown();
    }
  });
});

test('e2e consumer: flow control by cached bytes holds pulls back, nothing is lost', async () => {
  await withCluster(async (cluster, producer) => {
    const topic = unique('T');
    for (let i = 0; i < 40; i++) await producer.send({ topic, body: Buffer.alloc(1000, i) });
    let consumed = 0;
    // 0.002 MiB ≈ 2 KB per queue: at most a couple of 1000-byte messages cached before pulls pause.
    const c = consumer(cluster, unique('g'), { pullThresholdSizeForQueue: 0.002, pullBatchSize: 4, consumeThreadMax: 1, pullTimeDelayMillsWhenFlowControl: 5 });
    c.subscribe(topic).registerMessageListener(async (msgs) => {
      await new Promise((r) => setTimeout(r, 2));
      consumed += msgs.length;
    });
    try {
      await c.start();
      await until(() => consumed >= 40, '40 messages');
      assert.equal(consumed, 40);
      assert.ok(c.stats.flowControlled > 0, 'flow control by bytes kicked in');
    } finally {
      await c.shutdown();
    }
  });
});

test('e2e consumer: consistent-hash and by-circle strategies split the queues between two members without overlap', async () => {
  const { allocateConsistentHash, allocateByCircle } = await import('../../src/client/allocate.js');
  for (const strategy of [allocateConsistentHash(), allocateByCircle]) {
    await withCluster(async (cluster, producer) => {
      const topic = unique('T');
      await producer.send({ topic, body: 'create' });
      const group = unique('g');
      const counts = new Map<string, number>();
      const cs = [0, 1].map((i) => {
        const c = consumer(cluster, group, { instanceName: `h${i}`, allocateStrategy: strategy });
        c.subscribe(topic).registerMessageListener((msgs) => {
          for (const m of msgs) counts.set(m.body.toString(), (counts.get(m.body.toString()) ?? 0) + 1);
        });
        return c;
      });
      try {
        await Promise.all(cs.map((c) => c.start()));
        const own = (c: PushConsumer) => c.assignedQueues().filter((q) => q.topic === topic).map(mqKey);
        await until(() => own(cs[0]!).length + own(cs[1]!).length === 4 && new Set([...own(cs[0]!), ...own(cs[1]!)]).size === 4, `${strategy.name}: all 4 queues owned once`);
        await sendN(producer, topic, 20);
        await until(() => counts.size >= 21, 'all messages');
        assert.ok([...counts.values()].every((n) => n === 1), `${strategy.name}: no duplicates`);
      } finally {
        await Promise.all(cs.map((c) => c.shutdown()));
      }
    });
  }
});

test('e2e consumer: producer and consumer ride through a broker restart without losing messages', async () => {
  await withCluster(async (cluster, producer) => {
    const topic = unique('T');
    const got = new Map<string, number>();
    await sendN(producer, topic, 5, (i) => ({ body: `before-${i}` }));
    const c = consumer(cluster, unique('g'), { reconnectBackoffMs: 50, maxReconnectBackoffMs: 200 });
    c.subscribe(topic).registerMessageListener((msgs) => {
      for (const m of msgs) got.set(m.body.toString(), (got.get(m.body.toString()) ?? 0) + 1);
    });
    try {
      await c.start();
      await until(() => got.size >= 5, 'messages before the restart');
      await until(async () => {
        const admin = new Admin(fastOptions(cluster.namesrvAddr));
        await admin.start();
        try {
          return (await admin.consumeStats(c.group, topic)).diffTotal === 0;
        } finally {
          await admin.shutdown();
        }
      }, 'offsets committed before the restart');
      await cluster.restartBroker();
      for (let i = 0; i < 5; i++) {
        await until(async () => {
          try {
            await producer.send({ topic, body: `after-${i}` });
            return true;
          } catch {
            return false;
          }
        }, `send ${i} after the restart`);
      }
      await until(() => [...got.keys()].filter((k) => k.startsWith('after-')).length >= 5, 'messages after the restart');
      assert.equal(got.size, 10);
      assert.ok([...got.values()].every((n) => n === 1), 'no duplicates');
    } finally {
      await c.shutdown();
    }
  });
});

test('e2e consumer: with vipChannelEnabled, sends and offset calls use the VIP port and still work', async () => {
  await withCluster(async (cluster) => {
    const topic = unique('T');
    const vipProducer = new Producer({ ...fastOptions(cluster.namesrvAddr), producerGroup: unique('pg'), vipChannelEnabled: true });
    await vipProducer.start();
    const got: string[] = [];
    const c = consumer(cluster, unique('g'), { vipChannelEnabled: true });
    try {
      const r = await vipProducer.send({ topic, body: 'via vip' });
      assert.equal(r.sendStatus, 'SEND_OK');
      c.subscribe(topic).registerMessageListener((msgs) => void got.push(...msgs.map((m) => m.body.toString())));
      await c.start();
      await until(() => got.length >= 1, 'the message');
      assert.deepEqual(got, ['via vip']);
      const vip = cluster.brokerAddr.replace(/:(\d+)$/, (_m, p: string) => `:${Number(p) - 2}`);
      assert.ok(vipProducer.client.remoting !== undefined);
      assert.equal((await vipProducer.client.invoke(vip, vipProducer.client.request(30, { topic, queueId: String(r.messageQueue.queueId) }))).code, 0);
    } finally {
      await c.shutdown();
      await vipProducer.shutdown();
    }
  });
});

test('e2e consumer: route refresh picks up added queues for producer and consumer; diagnostics report it', async () => {
  await withCluster(async (cluster, producer) => {
    const admin = new Admin(fastOptions(cluster.namesrvAddr));
    await admin.start();
    const topic = unique('T');
    const events: import('../../src/client/instance.js').DiagnosticEvent[] = [];
    const got = new Set<number>();
    const c = consumer(cluster, unique('g'), { onDiagnostic: (e) => events.push(e) });
    try {
      await admin.createTopic(topic, { readQueueNums: 2, writeQueueNums: 2, brokerAddr: cluster.brokerAddr });
      c.subscribe(topic).registerMessageListener((msgs) => {
        for (const m of msgs) got.add(m.queueId);
      });
      await c.start();
      await until(() => c.assignedQueues().filter((q) => q.topic === topic).length === 2, 'two queues');
      await admin.createTopic(topic, { readQueueNums: 4, writeQueueNums: 4, brokerAddr: cluster.brokerAddr });
      await until(() => c.assignedQueues().filter((q) => q.topic === topic).length === 4, 'four queues after the route refresh');
      await until(async () => (await producer.fetchPublishQueues(topic)).length === 4, 'producer sees four queues');
      for (let i = 0; i < 8; i++) await producer.send({ topic, body: `x${i}` });
      await until(() => got.size === 4, 'messages from all four queues');
      const rebalances = events.filter((e) => e.type === 'rebalance' && e.topic === topic) as Array<{ added: string[] }>;
      assert.deepEqual(rebalances.map((r) => r.added.length), [2, 2]);
      assert.ok(events.some((e) => e.type === 'heartbeat' && !e.error));
      assert.ok(events.some((e) => e.type === 'route' && e.topic === topic && e.route?.queueDatas[0]?.readQueueNums === 4));
    } finally {
      await c.shutdown();
      await admin.shutdown();
    }
  });
});

test('e2e consumer: several NameServers — a dead one listed first is skipped by producer and consumer', async () => {
  await withCluster(async (cluster) => {
    const { createServer } = await import('node:net');
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const deadAddr = `127.0.0.1:${(dead.address() as { port: number }).port}`;
    await new Promise<void>((r) => dead.close(() => r()));
    const namesrvAddr = `${deadAddr};${cluster.namesrvAddr}`;
    const topic = unique('T');
    const p = new Producer({ ...fastOptions(namesrvAddr), producerGroup: unique('pg') });
    const got: string[] = [];
    const c = new PushConsumer({ ...fastOptions(namesrvAddr), consumerGroup: unique('g'), consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
    try {
      await p.start();
      const r = await p.send({ topic, body: 'through the second NameServer' });
      assert.equal(r.sendStatus, 'SEND_OK');
      c.subscribe(topic).registerMessageListener((msgs) => void got.push(...msgs.map((m) => m.body.toString())));
      await c.start();
      await until(() => got.length === 1, 'the message');
      assert.deepEqual(got, ['through the second NameServer']);
    } finally {
      await c.shutdown();
      await p.shutdown();
    }
  });
});
