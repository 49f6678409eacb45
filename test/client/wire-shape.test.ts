/**
 * What the SDK puts on the wire, compared with what the Java 4.3.2 client sent in the recorded
 * fixtures: SEND_MESSAGE_V2 (plain, compressed, oneway), SEND_BATCH_MESSAGE, HEART_BEAT,
 * GET_CONSUMER_LIST_BY_GROUP, QUERY_CONSUMER_OFFSET, PULL_MESSAGE, CONSUMER_SEND_MSG_BACK,
 * UPDATE_CONSUMER_OFFSET, LOCK/UNLOCK_BATCH_MQ, UNREGISTER_CLIENT, END_TRANSACTION.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { createServer } from 'node:net';
import { decodeFrame, encodeFrame } from '../../src/codec/frame.js';
import { parseProperties } from '../../src/codec/message-properties.js';
import { decodeBatchBody } from '../../src/codec/batch-body.js';
import { parseFastJson } from '../../src/codec/fastjson.js';
import type { RemotingCommand } from '../../src/codec/command.js';
import { readFrames, type FixtureFrame } from '../helpers/fixtures.js';
import { startFakePeer } from './helpers/fake-peer.js';
import { Producer } from '../../src/client/producer.js';
import { PushConsumer } from '../../src/client/push-consumer.js';
import { TransactionProducer } from '../../src/client/transaction.js';
import { ClientInstance, DIAGNOSTICS_CHANNEL, type DiagnosticEvent } from '../../src/client/instance.js';
import type { MessageExt } from '../../src/client/message.js';

const WIRE = 'rocketmq-4.3.2/wire';
const produce = readFrames(`${WIRE}/produce.jsonl`);
const consume = readFrames(`${WIRE}/consume.jsonl`);
const cmd = (f: FixtureFrame): RemotingCommand => decodeFrame(Buffer.from(f.frameHex, 'hex'));
const javaRequest = (frames: FixtureFrame[], code: number, pick: (f: FixtureFrame) => boolean = () => true): RemotingCommand =>
  cmd(frames.find((f) => !f.isResponse && f.code === code && pick(f))!);
const keys = (o: object | undefined): string[] => Object.keys(o ?? {}).sort();

/** The header as it goes over the wire (our codec), parsed back as plain JSON. */
function wireHeader(c: RemotingCommand): Record<string, unknown> {
  const frame = encodeFrame(c);
  const h = frame.readInt32BE(4) & 0xffffff;
  return JSON.parse(frame.toString('utf8', 8, 8 + h)) as Record<string, unknown>;
}

test('wire: SEND_MESSAGE_V2 carries the same header fields, properties and body as the Java producer', async () => {
  const peer = await startFakePeer({ WireTopic: 4 });
  const producer = new Producer({ namesrvAddr: peer.addr, producerGroup: 'WireProducerGroup' });
  try {
    await producer.start();
    const result = await producer.send({ topic: 'WireTopic', body: 'hello plain', tags: 'TagA', keys: ['KEY-1', 'KEY-2'], properties: { color: 'red', n: '1' } });
    const ours = peer.requests.find((r) => r.code === 310)!;
    const java = javaRequest(produce, 310, (f) => f.extFields!.f === '0' && f.flag === 0);
    assert.deepEqual(keys(ours.extFields), keys(java.extFields));
    for (const k of ['a', 'b', 'c', 'd', 'f', 'h', 'j', 'k', 'm']) assert.equal(ours.extFields![k], java.extFields![k], `field ${k}`);
    const ourProps = parseProperties(ours.extFields!.i!);
    const javaProps = parseProperties(java.extFields!.i!);
    assert.deepEqual([...ourProps.keys()].sort(), [...javaProps.keys()].sort());
    for (const [k, v] of javaProps) if (k !== 'UNIQ_KEY') assert.equal(ourProps.get(k), v, `property ${k}`);
    assert.match(ourProps.get('UNIQ_KEY')!, /^[0-9A-F]{32}$/);
    assert.equal(result.msgId, ourProps.get('UNIQ_KEY'));
    assert.deepEqual(ours.body, java.body);
    const h = wireHeader(ours);
    assert.equal(h.language, 'JAVA');
    assert.equal(h.flag, 0);
    assert.equal(h.version, 409);
    assert.equal(h.code, 310);
  } finally {
    await producer.shutdown();
    await peer.stop();
  }
});

test('wire: bodies of 4096+ bytes are zlib-compressed with f=1 like Java; oneway sends set flag 2', async () => {
  const peer = await startFakePeer({ WireTopic: 4 });
  const producer = new Producer({ namesrvAddr: peer.addr, producerGroup: 'WireProducerGroup' });
  try {
    await producer.start();
    const large = Buffer.from(Array.from({ length: 600 }, (_, i) => `large-body-line-${i} `).join('').slice(0, 10250));
    await producer.send({ topic: 'WireTopic', body: large, tags: 'TagB', keys: 'KEY-LARGE' });
    await producer.send({ topic: 'WireTopic', body: Buffer.alloc(4095, 1) });
    await producer.sendOneway({ topic: 'WireTopic', body: 'oneway', tags: 'TagB', keys: 'KEY-ONEWAY' });
    const sends = await peer.waitFor(310, 3);
    const javaLarge = javaRequest(produce, 310, (f) => f.extFields!.f === '1');
    assert.equal(sends[0]!.extFields!.f, javaLarge.extFields!.f);
    assert.equal(sends[0]!.body!.readUInt16BE(0), javaLarge.body!.readUInt16BE(0), 'zlib header 78 5E');
    assert.deepEqual(inflateSync(sends[0]!.body!), large);
    assert.equal(sends[1]!.extFields!.f, '0');
    assert.equal(sends[1]!.body!.length, 4095);
    const javaOneway = javaRequest(produce, 310, (f) => f.oneway);
    assert.equal(sends[2]!.flag, javaOneway.flag);
    assert.deepEqual(keys(sends[2]!.extFields), keys(javaOneway.extFields));
  } finally {
    await producer.shutdown();
    await peer.stop();
  }
});

test('wire: SEND_BATCH_MESSAGE body is byte-identical to Java\'s apart from the generated ids', async () => {
  const peer = await startFakePeer({ WireTopic: 4 });
  const producer = new Producer({ namesrvAddr: peer.addr, producerGroup: 'WireProducerGroup' });
  try {
    await producer.start();
    const r = await producer.sendBatch([0, 1, 2].map((i) => ({ topic: 'WireTopic', body: `batch ${i}`, tags: 'TagA', keys: `KEY-BATCH-${i}` })));
    const ours = peer.requests.find((x) => x.code === 320)!;
    const java = javaRequest(produce, 320);
    assert.deepEqual(keys(ours.extFields), keys(java.extFields));
    for (const k of ['c', 'd', 'f', 'h', 'i', 'j', 'k', 'm']) assert.equal(ours.extFields![k], java.extFields![k], `field ${k}`);
    const ourEntries = decodeBatchBody(ours.body!);
    const javaEntries = decodeBatchBody(java.body!);
    assert.equal(ourEntries.length, 3);
    let expected = java.body!.toString('latin1');
    javaEntries.forEach((e, i) => {
      expected = expected.replace(parseProperties(e.properties).get('UNIQ_KEY')!, parseProperties(ourEntries[i]!.properties).get('UNIQ_KEY')!);
    });
    assert.equal(ours.body!.toString('latin1'), expected);
    assert.deepEqual(r.msgIds, ourEntries.map((e) => parseProperties(e.properties).get('UNIQ_KEY')));
    assert.equal(r.offsetMsgIds!.length, 3);
  } finally {
    await producer.shutdown();
    await peer.stop();
  }
});

test('wire: push consumer heartbeat, consumer list, offset query, pull, send-back and shutdown match the Java consumer', async () => {
  const peer = await startFakePeer({ WireTopic: 4, '%RETRY%WireConsumerGroup': 1 });
  // Serve the recorded Java pull answer (RETRY-ME and the large message on queue 3) once.
  const recordedPull = consume.find((f) => f.isResponse && f.requestCode === 11 && f.code === 0 && f.extFields!.nextBeginOffset === '2' && f.bodyLength > 1000)!;
  let served = false;
  peer.handlers.set(11, (req) => {
    if (served || req.extFields!.topic !== 'WireTopic' || req.extFields!.queueId !== '3') return undefined;
    served = true;
    return { ...cmd(recordedPull), opaque: req.opaque };
  });
  const seen: MessageExt[] = [];
  const consumer = new PushConsumer({
    namesrvAddr: peer.addr,
    consumerGroup: 'WireConsumerGroup',
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    clientIP: '192.0.2.2',
    instanceName: 'wire-push',
  });
  consumer.subscribe('WireTopic', 'TagA || TagB');
  consumer.registerMessageListener((msgs) => {
    seen.push(...msgs);
    return msgs[0]!.keys.includes('RETRY-ME') ? 'RECONSUME_LATER' : 'CONSUME_SUCCESS';
  });
  try {
    await consumer.start();
    const [hb] = await peer.waitFor(34);
    const javaHb = parseFastJson(javaRequest(consume, 34).body!) as Record<string, unknown>;
    const ourHb = parseFastJson(hb!.body!) as Record<string, unknown>;
    // Sets travel in HashSet order: compare subscriptions sorted by topic, subVersion (a timestamp) zeroed.
    const normalize = (o: Record<string, unknown>) => {
      const c = JSON.parse(JSON.stringify(o).replace(/"subVersion":\d+/g, '"subVersion":0')) as { consumerDataSet: Array<{ subscriptionDataSet: Array<{ topic: string }> }> };
      for (const d of c.consumerDataSet) d.subscriptionDataSet.sort((a, b) => (a.topic < b.topic ? -1 : 1));
      return c;
    };
    assert.deepEqual(normalize(ourHb), normalize(javaHb));
    for (const code of [38, 14, 11]) {
      const [ours] = await peer.waitFor(code);
      assert.deepEqual(keys(ours!.extFields), keys(javaRequest(consume, code).extFields), `fields of request ${code}`);
    }
    const pull = peer.requests.find((r) => r.code === 11)!;
    const javaPull = javaRequest(consume, 11);
    for (const k of ['maxMsgNums', 'sysFlag', 'suspendTimeoutMillis', 'expressionType', 'consumerGroup']) assert.equal(pull.extFields![k], javaPull.extFields![k], `pull ${k}`);
    const [back] = await peer.waitFor(36);
    assert.deepEqual(back!.extFields, javaRequest(consume, 36).extFields);
    assert.equal(seen.length, 2);
    assert.equal(seen.find((m) => m.keys.includes('KEY-LARGE'))!.body.length, 10250);
    await consumer.shutdown();
  // Shutdown: offsets committed (queue 3 consumed up to 2), then UNREGISTER_CLIENT per group.
  const commits = peer.requests.filter((r) => r.code === 15 && r.extFields!.topic === 'WireTopic' && r.extFields!.queueId === '3');
  assert.equal(commits.at(-1)!.extFields!.commitOffset, '2');
  assert.deepEqual(keys(commits[0]!.extFields), keys(javaRequest(consume, 15).extFields));
  const unregs = peer.requests.filter((r) => r.code === 35).map((r) => r.extFields!);
  assert.deepEqual(unregs, [
    { clientID: '192.0.2.2@wire-push', consumerGroup: 'WireConsumerGroup' },
    { clientID: '192.0.2.2@wire-push', producerGroup: 'CLIENT_INNER_PRODUCER' },
  ]);
  } finally {
    await consumer.shutdown();
    await peer.stop();
  }
});

test('wire: an orderly consumer locks its queues with LOCK_BATCH_MQ and unlocks them at shutdown', async () => {
  const peer = await startFakePeer({ WireOrderTopic: 2, '%RETRY%WireOrderlyGroup': 1 });
  const consumer = new PushConsumer({ namesrvAddr: peer.addr, consumerGroup: 'WireOrderlyGroup', clientIP: '192.0.2.2', instanceName: 'wire-order' });
  consumer.subscribe('WireOrderTopic', '*');
  consumer.registerMessageListenerOrderly(() => 'SUCCESS');
  try {
    await consumer.start();
    const locks = await peer.waitFor(41, 3);
    const java = parseFastJson(javaRequest(consume, 41).body!) as Record<string, unknown>;
    const ours = locks.map((l) => parseFastJson(l.body!) as { clientId: string; consumerGroup: string; mqSet: unknown[] });
    assert.deepEqual(keys(ours[0]), keys(java));
    assert.equal(ours[0]!.clientId, java.clientId);
    assert.equal(ours[0]!.consumerGroup, java.consumerGroup);
    assert.equal(locks[0]!.extFields, undefined);
  } finally {
    await consumer.shutdown();
    await peer.stop();
  }
  const unlock = peer.requests.filter((r) => r.code === 42);
  assert.equal(unlock.length, 1);
  const mqs = (parseFastJson(unlock[0]!.body!) as { mqSet: Array<{ topic: string }> }).mqSet;
  assert.equal(mqs.length, 3);
  assert.deepEqual(keys(parseFastJson(unlock[0]!.body!) as object), keys(parseFastJson(javaRequest(consume, 42).body!) as object));
});

test('wire: a transactional send marks TRAN_MSG/PGROUP with f=4 and ends with a oneway END_TRANSACTION', async () => {
  const peer = await startFakePeer({ TxTopic: 1 });
  const producer = new TransactionProducer({
    namesrvAddr: peer.addr,
    producerGroup: 'TxGroup',
    transactionListener: { executeLocalTransaction: () => 'COMMIT_MESSAGE', checkLocalTransaction: () => 'COMMIT_MESSAGE' },
  });
  try {
    await producer.start();
    const r = await producer.sendMessageInTransaction({ topic: 'TxTopic', body: 'tx' });
    assert.equal(r.localTransactionState, 'COMMIT_MESSAGE');
    const send = peer.requests.find((x) => x.code === 310)!;
    assert.equal(send.extFields!.f, '4');
    const props = parseProperties(send.extFields!.i!);
    assert.equal(props.get('TRAN_MSG'), 'true');
    assert.equal(props.get('PGROUP'), 'TxGroup');
    const [end] = await peer.waitFor(37);
    assert.equal(end!.flag, 2);
    assert.deepEqual(keys(end!.extFields), ['commitLogOffset', 'commitOrRollback', 'fromTransactionCheck', 'msgId', 'producerGroup', 'tranStateTableOffset', 'transactionId']);
    assert.equal(end!.extFields!.commitOrRollback, '8');
    assert.equal(end!.extFields!.fromTransactionCheck, 'false');
    assert.equal(end!.extFields!.msgId, r.msgId);
    assert.equal(end!.extFields!.tranStateTableOffset, String(r.queueOffset));
  } finally {
    await producer.shutdown();
    await peer.stop();
  }
});

test('wire: NameServer failover skips a dead address and reconnects back off', async () => {
  const peer = await startFakePeer({ T: 1 });
  const dead = createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadAddr = `127.0.0.1:${(dead.address() as { port: number }).port}`;
  await new Promise<void>((r) => dead.close(() => r()));
  const events: DiagnosticEvent[] = [];
  const client = new ClientInstance({ namesrvAddr: `${deadAddr};${peer.addr}`, onDiagnostic: (e) => events.push(e), reconnectBackoffMs: 60_000 });
  try {
    const route = await client.updateRoute('T');
    assert.equal(route!.queueDatas.length, 1);
    assert.equal(events.filter((e) => e.type === 'namesrv-failover').length, 1);
    assert.equal(events.filter((e) => e.type === 'connect-failed').length, 1);
    // The dead address is now backed off: a direct call fails at once without a new connect attempt.
    await assert.rejects(client.invoke(deadAddr, client.request(105, { topic: 'T' })), /not reconnecting/);
    assert.equal(events.filter((e) => e.type === 'connect-failed').length, 1);
    // The working NameServer stays current.
    await client.updateRoute('T');
    assert.equal(events.filter((e) => e.type === 'namesrv-failover').length, 1);
    // The same events reach node:diagnostics_channel subscribers, tagged with the client id.
    const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
    const published: Array<{ clientId: string; type: string }> = [];
    const onMessage = (m: unknown): void => void published.push(m as { clientId: string; type: string });
    subscribe(DIAGNOSTICS_CHANNEL, onMessage);
    try {
      await client.updateRoute('T');
    } finally {
      unsubscribe(DIAGNOSTICS_CHANNEL, onMessage);
    }
    assert.deepEqual(published.map((m) => [m.clientId, m.type]), [[client.clientId, 'route']]);
  } finally {
    await client.shutdown();
    await peer.stop();
  }
});

test('wire: when CONSUMER_SEND_MSG_BACK fails, a copy goes to %RETRY%group with RETRY_TOPIC, ORIGIN_MESSAGE_ID and j/l set', async () => {
  const peer = await startFakePeer({ WireTopic: 4, '%RETRY%WireConsumerGroup': 1 });
  const recordedPull = consume.find((f) => f.isResponse && f.requestCode === 11 && f.code === 0 && f.extFields!.nextBeginOffset === '2' && f.bodyLength > 1000)!;
  let served = false;
  peer.handlers.set(11, (req) => {
    if (served || req.extFields!.topic !== 'WireTopic' || req.extFields!.queueId !== '3') return undefined;
    served = true;
    return { ...cmd(recordedPull), opaque: req.opaque };
  });
  peer.handlers.set(36, (req) => ({ ...cmd(consume.find((f) => f.isResponse && f.requestCode === 36)!), code: 1, remark: 'look message by offset failed', opaque: req.opaque }));
  const events: DiagnosticEvent[] = [];
  const consumer = new PushConsumer({ namesrvAddr: peer.addr, consumerGroup: 'WireConsumerGroup', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', maxReconsumeTimes: 5, onDiagnostic: (e) => events.push(e) });
  consumer.subscribe('WireTopic', '*').registerMessageListener((msgs) => (msgs[0]!.keys.includes('RETRY-ME') ? 'RECONSUME_LATER' : undefined));
  try {
    await consumer.start();
    await peer.waitFor(36);
    const copies = (await peer.waitFor(310)).filter((r) => r.extFields!.b === '%RETRY%WireConsumerGroup');
    assert.equal(copies.length, 1);
    const copy = copies[0]!;
    assert.equal(copy.extFields!.a, 'CLIENT_INNER_PRODUCER');
    assert.equal(copy.extFields!.j, '1', 'reconsumeTimes + 1');
    assert.equal(copy.extFields!.l, '5', 'maxReconsumeTimes');
    const props = parseProperties(copy.extFields!.i!);
    assert.equal(props.get('RETRY_TOPIC'), 'WireTopic');
    assert.equal(props.get('ORIGIN_MESSAGE_ID'), 'C000020234A05FFD2B277F55255D0009');
    assert.equal(props.get('DELAY'), '3');
    assert.equal(props.get('KEYS'), 'RETRY-ME');
    assert.equal(props.get('TAGS'), 'TagA');
    assert.ok(!props.has('RECONSUME_TIME') && !props.has('MAX_RECONSUME_TIMES'), 'moved into j and l');
    assert.equal(copy.body!.toString(), 'consumer returns RECONSUME_LATER once');
    const end = Date.now() + 5000;
    while (consumer.stats.sentBack < 1 && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    assert.equal(consumer.stats.sentBack, 1);
    assert.deepEqual(events.filter((e) => e.type === 'send-back').map((e) => (e as { fallback: boolean }).fallback), [true]);
  } finally {
    await consumer.shutdown();
    await peer.stop();
  }
});

test('wire: a producer heartbeats its group plus CLIENT_INNER_PRODUCER and unregisters both at shutdown, like Java', async () => {
  const peer = await startFakePeer({ WireTopic: 4 });
  const producer = new Producer({ namesrvAddr: peer.addr, producerGroup: 'WireProducerGroup', clientIP: '192.0.2.2', instanceName: 'wire-produce' });
  try {
    await producer.start();
    await producer.send({ topic: 'WireTopic', body: 'x' });
    await producer.client.heartbeatAll();
    const [hb] = await peer.waitFor(34);
    assert.deepEqual(parseFastJson(hb!.body!), {
      clientID: '192.0.2.2@wire-produce',
      consumerDataSet: [],
      producerDataSet: [{ groupName: 'WireProducerGroup' }, { groupName: 'CLIENT_INNER_PRODUCER' }],
    });
    await producer.shutdown();
    const javaUnregs = produce.filter((f) => !f.isResponse && f.code === 35 && f.peer === 'broker-master').map((f) => f.extFields);
    assert.deepEqual(peer.requests.filter((r) => r.code === 35).map((r) => r.extFields), javaUnregs);
  } finally {
    await producer.shutdown();
    await peer.stop();
  }
});

test('wire: broker→client requests — NOTIFY_CONSUMER_IDS_CHANGED rebalances, the recorded RESET_CONSUMER_CLIENT_OFFSET moves offsets, GET_CONSUMER_RUNNING_INFO and CONSUME_MESSAGE_DIRECTLY are answered', async () => {
  const peer = await startFakePeer({ WireTopic: 4, '%RETRY%WireConsumerGroup': 1 });
  const consumer = new PushConsumer({ namesrvAddr: peer.addr, consumerGroup: 'WireConsumerGroup', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', clientIP: '192.0.2.2', instanceName: 'wire-hold' });
  const directlyConsumed: string[] = [];
  consumer.subscribe('WireTopic', '*').registerMessageListener((msgs) => void directlyConsumed.push(...msgs.map((m) => m.body.toString())));
  try {
    await consumer.start();
    await peer.waitFor(11, 5);
    const conn = [...peer.server.connections][0]!;
    const lists = peer.requests.filter((r) => r.code === 38).length;
    // The broker's oneway notification (as recorded) makes the client rebalance at once.
    const notify = cmd(consume.find((f) => !f.isResponse && f.code === 40)!);
    conn.oneway(notify);
    await peer.waitFor(38, lists + 1);
    // Replay the 4.3.2 broker's RESET_CONSUMER_CLIENT_OFFSET request (offsets 1, 3, 1, 1).
    const admin = readFrames(`${WIRE}/admin-queries.jsonl`);
    const reset = cmd(admin.find((f) => !f.isResponse && f.code === 220)!);
    const mq = (queueId: number) => ({ topic: 'WireTopic', brokerName: 'fake-broker', queueId });
    // The recorded body names broker-a; our peer's broker is fake-broker, so rename before checking.
    const renamed = { ...reset, body: Buffer.from(reset.body!.toString().replaceAll('broker-a', 'fake-broker')) };
    conn.oneway(renamed);
    const end = Date.now() + 5000;
    const settled = (): boolean =>
      consumer.assignedQueues().length === 5 && [0, 1, 2, 3].map((q) => consumer.committedOffset(mq(q))).join() === '1,3,1,1';
    while (!settled() && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual([0, 1, 2, 3].map((q) => consumer.committedOffset(mq(q))), [1, 3, 1, 1]);
    const commits = peer.requests.filter((r) => r.code === 15 && r.extFields!.queueId === '1' && r.extFields!.commitOffset === '3');
    assert.ok(commits.length >= 1, 'the reset offsets are stored on the broker');
    const info = await conn.request({ ...notify, code: 307, flag: 0, extFields: { consumerGroup: 'WireConsumerGroup', clientId: '192.0.2.2@wire-hold' } }, 3000);
    assert.equal(info.code, 0);
    const body = parseFastJson(info.body!) as { properties: Record<string, string>; subscriptionSet: Array<{ topic: string }>; mqTable: Record<string, unknown> };
    assert.equal(body.properties.consumerGroup, 'WireConsumerGroup');
    assert.deepEqual(body.subscriptionSet.map((s) => s.topic).sort(), ['%RETRY%WireConsumerGroup', 'WireTopic']);
    assert.equal(Object.keys(body.mqTable).length, 5);
    const unknown = await conn.request({ ...notify, code: 307, flag: 0, extFields: { consumerGroup: 'NoSuchGroup', clientId: 'x' } }, 3000);
    assert.equal(unknown.code, 1);
    // CONSUME_MESSAGE_DIRECTLY with the stored record a 4.3.2 broker returned for VIEW_MESSAGE_BY_ID.
    const record = cmd(admin.find((f) => f.isResponse && f.requestCode === 33)!).body!;
    const direct = await conn.request({ ...notify, code: 309, flag: 0, body: record, extFields: { consumerGroup: 'WireConsumerGroup', clientId: '192.0.2.2@wire-hold', msgId: '7F00000200002A9F0000000000000000', brokerName: 'fake-broker' } }, 3000);
    assert.equal(direct.code, 0);
    const result = parseFastJson(direct.body!) as { consumeResult: string; order: boolean; autoCommit: boolean };
    assert.deepEqual([result.consumeResult, result.order, result.autoCommit], ['CR_SUCCESS', false, true]);
    assert.deepEqual(directlyConsumed, ['hello plain']);
  } finally {
    await consumer.shutdown();
    await peer.stop();
  }
});

test('wire: with ACL credentials every request carries AccessKey and a Signature the broker can recompute', async () => {
  const { aclSignature } = await import('../../src/client/acl.js');
  const peer = await startFakePeer({ WireTopic: 4 });
  const producer = new Producer({ namesrvAddr: peer.addr, producerGroup: 'AclGroup', credentials: { accessKey: 'rocketmq2', secretKey: '12345678' } });
  try {
    await producer.start();
    await producer.send({ topic: 'WireTopic', body: 'signed', tags: 'T' });
    await producer.shutdown();
    const codes = new Set<number>();
    for (const r of peer.requests) {
      codes.add(r.code);
      assert.equal(r.extFields!.AccessKey, 'rocketmq2');
      const { Signature, ...rest } = r.extFields!;
      assert.equal(Signature, aclSignature(rest, r.body, '12345678'), `signature of request ${r.code}`);
    }
    assert.deepEqual([...codes].sort((a, b) => a - b), [35, 105, 310]);
  } finally {
    await producer.shutdown();
    await peer.stop();
  }
});

test('fault avoidance: a broker that returns to the route as writable is no longer quarantined', async () => {
  const peer = await startFakePeer({ T: 2 });
  const producer = new Producer({ namesrvAddr: peer.addr, producerGroup: 'FaultGroup' });
  try {
    await producer.start();
    await producer.send({ topic: 'T', body: 'x' });
    producer.fault.update('fake-broker', 10, true);
    assert.equal(producer.fault.isAvailable('fake-broker'), false);
    const route = (perm: number) => ({
      queueDatas: [{ brokerName: 'fake-broker', readQueueNums: 2, writeQueueNums: 2, perm, topicSysFlag: 0 }],
      brokerDatas: [{ brokerName: 'fake-broker', brokerAddrs: new Map([[0, peer.addr]]) }],
      filterServerTable: new Map(),
    });
    producer.onRouteChanged('T', route(6));
    assert.equal(producer.fault.isAvailable('fake-broker'), false, 'still in the route: quarantine stays');
    producer.onRouteChanged('T', route(4)); // write permission wiped: the broker leaves the publish queues
    assert.equal(producer.fault.isAvailable('fake-broker'), false);
    producer.onRouteChanged('T', route(6));
    assert.equal(producer.fault.isAvailable('fake-broker'), true, 'back as writable: quarantine lifted');
  } finally {
    await producer.shutdown();
    await peer.stop();
  }
});
