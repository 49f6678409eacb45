/**
 * The SDK's decoders fed with what real Java 4.3.2 brokers and NameServers sent
 * (test/fixtures/rocketmq-4.3.2/wire): routes, send results, pull bodies (plain, compressed,
 * batch, delayed, retry), consume stats, connections, lookups and error replies.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame } from '../../src/codec/frame.js';
import { parseProperties } from '../../src/codec/message-properties.js';
import type { RemotingCommand } from '../../src/codec/command.js';
import { RemotingServer } from '../../src/transport/server.js';
import { readFrames, type FixtureFrame } from '../helpers/fixtures.js';
import { decodeTopicRouteData } from '../../src/protocol/route.js';
import { publishQueues, toSendResult } from '../../src/client/producer.js';
import { toPullResult } from '../../src/client/consumer-api.js';
import { decodeRuntimeKV } from '../../src/protocol/route.js';
import { buildSubscription } from '../../src/protocol/bodies/subscription.js';
import { decodeHeartbeat } from '../../src/protocol/bodies/heartbeat.js';
import { decodeConsumerConnection, decodeConsumerIdList } from '../../src/protocol/bodies/consumer-connection.js';
import { decodeAllConsumerOffsets, decodeConsumeStats, decodeResetOffsetBody, decodeTopicStats } from '../../src/protocol/bodies/consume-stats.js';
import { decodeGroupList } from '../../src/protocol/bodies/group-list.js';
import { decodeLockBatchResponse } from '../../src/protocol/bodies/lock-batch.js';
import { decodeSubscriptionGroupTable } from '../../src/protocol/bodies/subscription-group.js';
import { decodeMessages } from '../../src/client/message.js';
import { MQBrokerError, NoRouteError } from '../../src/client/errors.js';
import { ClientInstance } from '../../src/client/instance.js';
import { Producer } from '../../src/client/producer.js';
import { Admin } from '../../src/client/admin.js';

const WIRE = 'rocketmq-4.3.2/wire';
const produce = readFrames(`${WIRE}/produce.jsonl`);
const consume = readFrames(`${WIRE}/consume.jsonl`);
const admin = readFrames(`${WIRE}/admin-queries.jsonl`);
const routeAndCluster = readFrames(`${WIRE}/route-and-cluster.jsonl`);

const cmd = (f: FixtureFrame): RemotingCommand => decodeFrame(Buffer.from(f.frameHex, 'hex'));
function responses(frames: FixtureFrame[], requestCode: number, code?: number): FixtureFrame[] {
  return frames.filter((f) => f.isResponse && f.requestCode === requestCode && (code === undefined || f.code === code));
}
function requestFor(frames: FixtureFrame[], response: FixtureFrame): FixtureFrame {
  const req = frames.find((f) => !f.isResponse && f.conn === response.conn && f.opaque === response.opaque && f.dir !== response.dir);
  assert.ok(req, `request of ${response.conn}/${response.opaque}`);
  return req;
}

test('replay: a 4.3.2 NameServer route decodes to the writable queues a Java producer would use', () => {
  const f = responses(produce, 105, 0)[0]!;
  const route = decodeTopicRouteData(cmd(f).body);
  assert.equal(route.brokerDatas[0]!.brokerAddrs.get(0), '127.0.0.2:10911');
  assert.equal(route.brokerDatas[0]!.brokerAddrs.get(1), '127.0.0.2:11011');
  const queues = publishQueues('WireTopic', route);
  assert.deepEqual(queues.map((q) => `${q.brokerName}:${q.queueId}`), ['broker-a:0', 'broker-a:1', 'broker-a:2', 'broker-a:3']);
});

test('replay: every recorded SEND_MESSAGE_V2 success maps to the SendResult the Java client printed', () => {
  const printed = new Map([
    ['C000020234A05FFD2B277F5524CA0000', { offsetMsgId: '7F00000200002A9F0000000000000000', queueId: 2, queueOffset: 0 }],
    ['C000020234A05FFD2B277F5525050001', { offsetMsgId: '7F00000200002A9F00000000000000CC', queueId: 3, queueOffset: 0 }],
    ['C000020234A05FFD2B277F55250D0002', { offsetMsgId: '7F00000200002A9F0000000000000610', queueId: 0, queueOffset: 0 }],
    ['C000020234A05FFD2B277F5525270007', { offsetMsgId: '7F00000200002A9F00000000000009E8', queueId: 1, queueOffset: 0 }],
    ['C000020234A05FFD2B277F5525570008', { offsetMsgId: '7F00000200002A9F0000000000000AA9', queueId: 1, queueOffset: 1 }],
    ['C000020234A05FFD2B277F55255D0009', { offsetMsgId: '7F00000200002A9F0000000000000B6A', queueId: 3, queueOffset: 1 }],
    ['C000020234A05FFD2B277F552563000A', { offsetMsgId: '7F00000200002A9F0000000000000C3F', queueId: 1, queueOffset: 3 }],
  ]);
  let matched = 0;
  for (const f of responses(produce, 310, 0)) {
    const req = cmd(requestFor(produce, f));
    const uniq = parseProperties(req.extFields!.i!).get('UNIQ_KEY')!;
    const r = toSendResult(cmd(f), { topic: req.extFields!.b!, brokerName: 'broker-a', queueId: Number(req.extFields!.e) }, [uniq]);
    const expected = printed.get(uniq);
    assert.ok(expected, `unexpected id ${uniq}`);
    assert.equal(r.sendStatus, 'SEND_OK');
    assert.equal(r.msgId, uniq);
    assert.equal(r.offsetMsgId, expected.offsetMsgId);
    assert.equal(r.messageQueue.queueId, expected.queueId);
    assert.equal(r.queueOffset, expected.queueOffset);
    assert.equal(r.regionId, 'DefaultRegion');
    assert.equal(r.traceOn, true);
    matched++;
  }
  assert.equal(matched, 7);
});

test('replay: the SEND_BATCH_MESSAGE reply yields three offset ids matching the entries', () => {
  const f = responses(produce, 320, 0)[0]!;
  const r = toSendResult(cmd(f), { topic: 'WireTopic', brokerName: 'broker-a', queueId: 1 }, ['A', 'B', 'C']);
  assert.deepEqual(r.offsetMsgIds, ['7F00000200002A9F0000000000000702', '7F00000200002A9F00000000000007BC', '7F00000200002A9F0000000000000876']);
  assert.deepEqual(r.msgIds, ['A', 'B', 'C']);
  assert.equal(r.msgId, 'A,B,C');
  assert.equal(r.queueOffset, 0);
});

test('replay: a TOPIC_NOT_EXIST send reply becomes an MQBrokerError with code 17 and the remark', () => {
  const f = responses(produce, 310, 17)[0]!;
  assert.throws(
    () => toSendResult(cmd(f), { topic: 'NoSuchTopicDirect', brokerName: 'broker-a', queueId: 0 }, ['X']),
    (err: unknown) => err instanceof MQBrokerError && err.code === 17 && err.remark!.startsWith('topic[NoSuchTopicDirect] not exist') && err.codeName === 'TOPIC_NOT_EXIST',
  );
});

test('replay: pull bodies decode to the messages the Java producer sent (compressed, batch, delayed, retry)', () => {
  const all = new Map<string, ReturnType<typeof decodeMessages>[number]>();
  let pulls = 0;
  for (const f of responses(consume, 11, 0)) {
    const req = cmd(requestFor(consume, f));
    const mq = { topic: req.extFields!.topic!, brokerName: 'broker-a', queueId: Number(req.extFields!.queueId) };
    const r = toPullResult(cmd(f), mq, undefined);
    assert.equal(r.status, 'FOUND');
    assert.equal(r.nextBeginOffset, Number(f.extFields!.nextBeginOffset));
    for (const m of r.messages) all.set(`${m.topic}/${m.queueOffset}/${m.queueId}`, m);
    pulls++;
  }
  assert.equal(pulls, 7);
  assert.equal(all.size, 13);
  const large = [...all.values()].find((m) => m.keys.includes('KEY-LARGE'))!;
  assert.equal(large.sysFlag & 1, 1);
  assert.equal(large.body.length, 10250);
  assert.ok(large.body.toString().startsWith('large-body-line-0 '));
  assert.equal(large.msgId, 'C000020234A05FFD2B277F5525050001');
  assert.equal(large.offsetMsgId, '7F00000200002A9F00000000000000CC');
  assert.equal(large.storeHost, '127.0.0.2:10911');
  const plain = [...all.values()].find((m) => m.keys.includes('KEY-1'))!;
  assert.equal(plain.body.toString(), 'hello plain');
  assert.deepEqual(plain.keys, ['KEY-1', 'KEY-2']);
  assert.equal(plain.tags, 'TagA');
  assert.equal(plain.properties.color, 'red');
  assert.equal(plain.properties.n, '1');
  const batch = [...all.values()].filter((m) => m.keys[0]?.startsWith('KEY-BATCH-')).map((m) => m.body.toString());
  assert.deepEqual(batch, ['batch 0', 'batch 1', 'batch 2']);
  const delayed = [...all.values()].find((m) => m.keys.includes('KEY-DELAY'))!;
  assert.equal(delayed.delayLevel, 2);
  assert.equal(delayed.properties.REAL_TOPIC, 'WireTopic');
  const retry = [...all.values()].find((m) => m.topic === '%RETRY%WireConsumerGroup')!;
  assert.equal(retry.reconsumeTimes, 1);
  assert.equal(retry.properties.RETRY_TOPIC, 'WireTopic');
  assert.equal(retry.properties.ORIGIN_MESSAGE_ID, '7F00000200002A9F0000000000000B6A');
  assert.equal(retry.msgId, 'C000020234A05FFD2B277F55255D0009');
});

test('replay: the client-side tag re-check keeps only subscribed tags of a recorded pull body', () => {
  const f = responses(consume, 11, 0).find((x) => x.extFields!.nextBeginOffset === '4')!;
  const sub = buildSubscription('WireTopic', 'TagB');
  const r = toPullResult(cmd(f), { topic: 'WireTopic', brokerName: 'broker-a', queueId: 1 }, sub);
  assert.equal(r.rawCount, 4);
  assert.deepEqual(r.messages.map((m) => m.keys[0]), ['KEY-ASYNC']);
});

test('replay: PULL_NOT_FOUND and SUBSCRIPTION_NOT_LATEST replies map to NO_NEW_MSG and a code-25 error', () => {
  const nf = responses(consume, 11, 19)[0]!;
  const r = toPullResult(cmd(nf), { topic: 'WireTopic', brokerName: 'broker-a', queueId: 0 }, undefined);
  assert.equal(r.status, 'NO_NEW_MSG');
  assert.equal(r.nextBeginOffset, Number(nf.extFields!.nextBeginOffset));
  assert.equal(r.messages.length, 0);
  const stale = responses(consume, 11, 25)[0]!;
  assert.throws(() => toPullResult(cmd(stale), { topic: 'x', brokerName: 'broker-a', queueId: 0 }, undefined), (e: unknown) => e instanceof MQBrokerError && e.code === 25);
});

test('replay: consumer list, lock batch, heartbeat, consume stats, connections, group list, reset offsets', () => {
  assert.deepEqual(decodeConsumerIdList(cmd(responses(consume, 38, 0)[0]!).body), ['192.0.2.2@wire-push']);
  assert.deepEqual(decodeLockBatchResponse(cmd(responses(consume, 41, 0)[0]!).body), [{ topic: 'WireOrderTopic', brokerName: 'broker-a', queueId: 1 }]);
  const hb = decodeHeartbeat(cmd(consume.find((f) => !f.isResponse && f.code === 34)!).body);
  assert.equal(hb.consumerDataSet[0]!.groupName, 'WireConsumerGroup');
  const tagSub = hb.consumerDataSet[0]!.subscriptionDataSet.find((s) => s.topic === 'WireTopic')!;
  assert.deepEqual(tagSub, { ...buildSubscription('WireTopic', 'TagA || TagB', 'TAG', tagSub.subVersion) });
  const stats = decodeConsumeStats(cmd(responses(admin, 208, 0)[0]!).body);
  assert.equal(stats.consumeTps, 0);
  const retryEntry = stats.offsetTable.find((e) => e.mq.topic === '%RETRY%WireConsumerGroup')!;
  assert.deepEqual({ ...retryEntry, mq: undefined }, { mq: undefined, brokerOffset: 1, consumerOffset: 1, lastTimestamp: 1795627501288 });
  assert.ok(stats.offsetTable.length >= 5);
  const conn = decodeConsumerConnection(cmd(responses(admin, 203, 0)[0]!).body);
  assert.equal(conn.connectionSet[0]!.clientId, '192.0.2.2@wire-hold');
  assert.equal(conn.connectionSet[0]!.version, 277);
  assert.equal(conn.messageModel, 'CLUSTERING');
  assert.ok(conn.subscriptionTable.has('%RETRY%WireConsumerGroup'));
  assert.deepEqual(decodeGroupList(cmd(responses(admin, 300, 0)[0]!).body), ['WireConsumerGroup']);
  const reset = decodeResetOffsetBody(cmd(responses(admin, 222, 0)[0]!).body);
  assert.deepEqual(reset.map((r) => `${r.mq.queueId}=${r.offset}`).sort(), ['0=1', '1=3', '2=1', '3=1']);
  const offsets = decodeAllConsumerOffsets(cmd(responses(admin, 43, 0)[0]!).body);
  assert.deepEqual([...offsets.get('WireTopic@WireConsumerGroup')!], [[0, 2], [1, 4], [2, 2], [3, 2]]);
  const groups = decodeSubscriptionGroupTable(cmd(responses(admin, 201, 0)[0]!).body);
  assert.equal(groups.get('SELF_TEST_C_GROUP')!.retryMaxTimes, 16);
});

test('replay: topic stats and broker runtime info of a 4.3.2 broker', () => {
  const stats = decodeTopicStats(cmd(responses(routeAndCluster, 202, 0)[0]!).body);
  assert.deepEqual(stats.map((s) => s.mq.queueId), [0, 1, 2, 3]);
  assert.ok(stats.every((s) => s.mq.topic === 'WireTopic' && s.minOffset === 0));
  const kv = decodeRuntimeKV(cmd(responses(routeAndCluster, 28, 0)[0]!).body);
  assert.equal(kv.brokerVersionDesc, 'V4_3_2');
  assert.equal(kv.brokerVersion, '277');
});

test('replay: VIEW_MESSAGE_BY_ID and QUERY_MESSAGE bodies decode to the plain message', () => {
  const viewed = decodeMessages(cmd(responses(admin, 33, 0)[0]!).body);
  assert.equal(viewed.length, 1);
  assert.equal(viewed[0]!.offsetMsgId, '7F00000200002A9F0000000000000000');
  assert.equal(viewed[0]!.body.toString(), 'hello plain');
  const queried = decodeMessages(cmd(responses(admin, 12, 0)[0]!).body);
  assert.ok(queried.length >= 1);
  assert.ok(queried.every((m) => m.keys.includes('KEY-1')));
});

/** A peer that answers each request code with the next recorded Java response of that code. */
async function startReplayPeer(frames: FixtureFrame[]): Promise<{ addr: string; stop(): Promise<void>; seen: number[] }> {
  const server = new RemotingServer({ port: 0, host: '127.0.0.1', version: 277, name: 'replay-peer' });
  const byCode = new Map<number, FixtureFrame[]>();
  for (const f of frames) if (f.isResponse && f.requestCode !== undefined && f.dir === 's2c') byCode.set(f.requestCode, [...(byCode.get(f.requestCode) ?? []), f]);
  const seen: number[] = [];
  for (const [code, list] of byCode) {
    let i = 0;
    server.register(code, (req) => {
      seen.push(code);
      const recorded = cmd(list[Math.min(i++, list.length - 1)]!);
      return { ...recorded, opaque: req.opaque };
    });
  }
  const info = await server.listen();
  return { addr: `127.0.0.1:${info.port}`, seen, stop: () => server.close(100) };
}

test('replay peer: routes, cluster info and TOPIC_NOT_EXIST from recorded NameServer answers through the client', async () => {
  const notFound = routeAndCluster.filter((f) => f.isResponse && f.requestCode === 105 && f.code === 17);
  const found = routeAndCluster.filter((f) => f.isResponse && f.requestCode === 105 && f.code === 0);
  const cluster = routeAndCluster.filter((f) => f.isResponse && f.requestCode === 106);
  const peer = await startReplayPeer([...found, ...cluster]);
  const missing = await startReplayPeer(notFound);
  const client = new ClientInstance({ namesrvAddr: peer.addr });
  const client2 = new ClientInstance({ namesrvAddr: missing.addr });
  const adm = new Admin({ namesrvAddr: peer.addr });
  const producer = new Producer({ namesrvAddr: missing.addr, producerGroup: 'ReplayProducer' });
  try {
    const route = await client.updateRoute('WireTopic');
    assert.equal(route!.queueDatas[0]!.writeQueueNums, 4);
    assert.equal(client.masterAddr('broker-a'), '127.0.0.2:10911');
    assert.equal(await client2.updateRoute('NoSuchTopic'), undefined);
    await adm.start();
    const info = await adm.clusterInfo();
    assert.deepEqual(info.clusterAddrTable.get('DefaultCluster'), ['broker-a']);
    await producer.start();
    await assert.rejects(producer.send({ topic: 'NoSuchTopic', body: 'x' }), (e: unknown) => e instanceof NoRouteError && e.topic === 'NoSuchTopic');
    // client2's lookup, then like the Java producer: the topic and the TBW102 fallback, both
    // TOPIC_NOT_EXIST, and no SEND at all.
    assert.deepEqual(missing.seen, [105, 105, 105]);
  } finally {
    await producer.shutdown();
    await adm.shutdown();
    await client.shutdown();
    await client2.shutdown();
    await peer.stop();
    await missing.stop();
  }
});
