import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { startCluster } from '../helpers/cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { fixturesDir } from '../helpers/fixtures.js';
import { decodeRecords } from '../../src/codec/message-record.js';
import { until } from '../helpers/wait.js';

interface ManifestMessage {
  topic: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  uniqKey?: string;
  bodySha256: string;
  storeTimestamp: number;
  reconsumeTimes: number;
}


test('a broker on a copy of the Java 4.3.2 store serves every manifest message and resumes GroupA and GroupB at their offsets', async () => {
  const src = join(fixturesDir(), 'rocketmq-4.3.2', 'store-clean');
  const manifest = JSON.parse(readFileSync(join(src, 'manifest.json'), 'utf8')) as { messages: ManifestMessage[] };
  const home = mkdtempSync(join(tmpdir(), 'apogee-fixture-broker-'));
  cpSync(src, join(home, 'store'), { recursive: true });
  const cluster = await startCluster(
    { brokerName: 'broker-fx', brokerClusterName: 'FixtureCluster' },
    // The store's own geometry, and Java's delay levels so the pending 2 h message stays pending.
    { mapedFileSizeCommitLog: '1048576', mapedFileSizeConsumeQueue: '6000', maxHashSlotNum: '1000', maxIndexNum: '4000', messageDelayLevel: '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h' },
    { home },
  );
  const client = new RawClient(cluster.brokerAddr);
  try {
    const byQueue = new Map<string, ManifestMessage[]>();
    for (const m of manifest.messages) {
      const key = `${m.topic}/${m.queueId}`;
      byQueue.set(key, [...(byQueue.get(key) ?? []), m]);
    }
    let served = 0;
    for (const [key, expected] of byQueue) {
      const [topic, queueId] = key.split('/') as [string, string];
      // Pending delayed messages are not a consumable topic (nor on a Java broker): read them by offset.
      const got =
        topic === 'SCHEDULE_TOPIC_XXXX'
          ? await Promise.all(expected.map(async (e) => decodeRecords((await client.request(33, { offset: String(e.commitLogOffset) })).body!)[0]!))
          : await client.drainQueue('FreshReader', topic, Number(queueId));
      expected.sort((a, b) => a.queueOffset - b.queueOffset);
      assert.equal(got.length, expected.length, `${key}: messages served`);
      got.forEach((m, i) => {
        const e = expected[i]!;
        assert.equal(m.queueOffset, e.queueOffset, key);
        assert.equal(m.physicalOffset, e.commitLogOffset, key);
        assert.equal(m.storeTimestamp, e.storeTimestamp, key);
        assert.equal(m.reconsumeTimes, e.reconsumeTimes, key);
        assert.equal(createHash('sha256').update(m.body).digest('hex'), e.bodySha256, `${key} body`);
      });
      served += got.length;
    }
    assert.equal(served, manifest.messages.length);
    const offset = async (group: string, topic: string, queueId: number): Promise<string | undefined> =>
      (await client.request(14, { consumerGroup: group, topic, queueId: String(queueId) })).extFields?.offset;
    for (let q = 0; q < 4; q++) assert.equal(await offset('GroupA', 'FixtureA', q), '625');
    assert.equal(await offset('GroupB', 'FixtureB', 0), '60');
    assert.equal(await offset('GroupB', 'FixtureB', 1), '40');
    // GroupB's next pull continues exactly where the Java broker's consumer stopped.
    const resumed = await client.pull('GroupB', 'FixtureB', 0, 60, { max: 1 });
    assert.equal(resumed.messages[0]?.queueOffset, 60);
  } finally {
    await client.close();
    await cluster.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

test('restarting the broker mid-run loses no acknowledged message and resets no consumer offset', async () => {
  const cluster = await startCluster({}, { flushDiskType: 'SYNC_FLUSH' });
  let client = new RawClient(cluster.brokerAddr);
  try {
    const acked = new Set<string>();
    const sendBatch = async (from: number, n: number): Promise<void> => {
      const results = await Promise.all(Array.from({ length: n }, (_, i) => client.send('RestartTopic', `m-${from + i}`, { queueId: (from + i) % 4 })));
      results.forEach((r, i) => {
        assert.equal(r.code, 0, r.remark);
        acked.add(`m-${from + i}`);
      });
    };
    await sendBatch(0, 200);
    // A consumer takes queue 0 halfway and commits.
    const first = await client.pull('RestartGroup', 'RestartTopic', 0, 0, { max: 25 });
    await client.request(15, { consumerGroup: 'RestartGroup', topic: 'RestartTopic', queueId: '0', commitOffset: String(first.next) });
    // Sends in flight while the broker restarts: some are refused or cut, none acknowledged is lost.
    const inflight = Promise.allSettled(Array.from({ length: 100 }, (_, i) => client.send('RestartTopic', `late-${i}`, { queueId: i % 4 })));
    await cluster.restartBroker();
    for (const [i, r] of (await inflight).entries()) if (r.status === 'fulfilled' && r.value.code === 0) acked.add(`late-${i}`);
    await client.close();
    client = new RawClient(cluster.brokerAddr);
    await sendBatch(1000, 100);
    const stored = new Set<string>();
    for (let q = 0; q < 4; q++) for (const m of await client.drainQueue('Auditor', 'RestartTopic', q)) stored.add(m.body.toString());
    for (const id of acked) assert.ok(stored.has(id), `acknowledged ${id} survived the restart`);
    const resumed = await client.request(14, { consumerGroup: 'RestartGroup', topic: 'RestartTopic', queueId: '0' });
    assert.equal(resumed.extFields?.offset, String(first.next), 'the committed offset survived the restart');
  } finally {
    await client.close();
    await cluster.stop();
  }
});

test('a wiped write permission makes the broker refuse sends with NO_PERMISSION while pulls go on; restoring it resumes sends', async () => {
  const cluster = await startCluster({ registerNameServerPeriod: 1000 });
  const client = new RawClient(cluster.brokerAddr);
  try {
    assert.equal((await client.send('DrainTopic', 'before', { queueId: 0 })).code, 0);
    const wipe = await client.request(205, { brokerName: 'broker-a' }, undefined, cluster.namesrvAddr);
    assert.equal(wipe.code, 0);
    await until(async () => (await client.send('DrainTopic', 'probe', { queueId: 0 })).code === 16, 'sends refused', 10_000);
    const refused = await client.send('DrainTopic', 'refused', { queueId: 0 });
    assert.equal(refused.code, 16);
    assert.match(refused.remark ?? '', /forbidden/);
    const pulled = (await client.drainQueue('DrainGroup', 'DrainTopic', 0)).map((m) => m.body.toString());
    assert.equal(pulled[0], 'before', 'pulls are still served');
    assert.ok(!pulled.includes('refused'), 'a refused send was not stored');
    await client.request(327, { brokerName: 'broker-a' }, undefined, cluster.namesrvAddr);
    await until(async () => (await client.send('DrainTopic', 'after', { queueId: 0 })).code === 0, 'sends accepted again', 10_000);
  } finally {
    await client.close();
    await cluster.stop();
  }
});

test('shutdown drains: held long polls are answered, later sends are refused, nothing in flight is dropped', async () => {
  const cluster = await startCluster({ longPollingMaxMs: 15_000 });
  const client = new RawClient(cluster.brokerAddr);
  try {
    assert.equal((await client.send('ShutTopic', 'one', { queueId: 0 })).code, 0);
    const held = client.pull('ShutGroup', 'ShutTopic', 0, 1, { suspendMs: 15_000 });
    await until(() => cluster.broker.context.pullHold.size === 1, 'the pull to be held');
    const started = Date.now();
    const stopping = cluster.broker.shutdown();
    const answer = await held;
    assert.equal(answer.cmd.code, 19, 'PULL_NOT_FOUND, not a dropped connection');
    assert.ok(Date.now() - started < 5000, 'answered at shutdown, not at the poll timeout');
    await stopping;
  } finally {
    await client.close();
    await cluster.namesrv.shutdown();
    rmSync(cluster.home, { recursive: true, force: true });
  }
});

test('broker protocol refusals carry clear codes and remarks', async () => {
  const cluster = await startCluster({ autoCreateTopicEnable: false });
  const client = new RawClient(cluster.brokerAddr);
  try {
    const missing = await client.send('NoSuchTopic', 'x', { queueId: 0 });
    assert.equal(missing.code, 17);
    assert.match(missing.remark!, /topic\[NoSuchTopic\] not exist/);
    assert.equal(missing.extFields?.MSG_REGION, 'DefaultRegion');
    const illegal = await client.send('bad topic!', 'x');
    assert.equal(illegal.code, 13);
    await client.request(17, { topic: 'T4', defaultTopic: 'TBW102', readQueueNums: '4', writeQueueNums: '4', perm: '6', topicFilterType: 'SINGLE_TAG', topicSysFlag: '0', order: 'false' });
    const badQueue = await client.send('T4', 'x', { queueId: 9 });
    assert.equal(badQueue.code, 1);
    assert.match(badQueue.remark!, /queueId\[9\] is illegal/);
    const tooBig = await client.send('T4', Buffer.alloc(4 * 1024 * 1024 + 1));
    assert.equal(tooBig.code, 13);
    const noHeader = await client.request(310, { b: 'T4' });
    assert.equal(noHeader.code, 1);
    assert.match(noHeader.remark!, /the custom field a is null/);
    const unknown = await client.request(4321);
    assert.equal(unknown.code, 3);
    const badPull = await client.pull('G', 'T4', 7, 0);
    assert.equal(badPull.cmd.code, 1);
    const stillOk = await client.send('T4', 'fine', { queueId: 1 });
    assert.equal(stillOk.code, 0);
  } finally {
    await client.close();
    await cluster.stop();
  }
});
