/**
 * The recorded requests of real Java 4.3.2 and 3.5.8 brokers and tools, replayed byte for byte
 * against our NameServer; our answers must mean what the Java NameServer's answers meant.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFrames, frameBody, WIRE_FILES, type FixtureFrame } from '../helpers/fixtures.js';
import { startNamesrv } from '../helpers/namesrv.js';
import { recordedResponse, replay } from '../helpers/replay.js';
import {
  decodeClusterInfo,
  decodeTopicList,
  decodeTopicRouteData,
  type ClusterInfo,
  type TopicRouteData,
} from '../../src/protocol/route.js';
import { decodeDataVersion } from '../../src/protocol/data-version.js';
import { parseJsonBody } from '../../src/protocol/json.js';
import type { RemotingCommand } from '../../src/codec/command.js';

function routeMeaning(r: TopicRouteData): unknown {
  return {
    queueDatas: [...r.queueDatas].sort((a, b) => a.brokerName.localeCompare(b.brokerName)),
    brokerDatas: [...r.brokerDatas]
      .sort((a, b) => a.brokerName.localeCompare(b.brokerName))
      .map((b) => ({ brokerName: b.brokerName, cluster: b.cluster, addrs: [...b.brokerAddrs].sort((x, y) => x[0] - y[0]) })),
    filterServerTable: [...r.filterServerTable],
    orderTopicConf: r.orderTopicConf,
  };
}

function clusterMeaning(c: ClusterInfo, withCluster = true): unknown {
  return {
    brokers: [...c.brokerAddrTable.values()]
      .map((b) => ({ brokerName: b.brokerName, cluster: withCluster ? b.cluster : undefined, addrs: [...b.brokerAddrs].sort((x, y) => x[0] - y[0]) }))
      .sort((a, b) => a.brokerName.localeCompare(b.brokerName)),
    clusters: [...c.clusterAddrTable].map(([k, v]) => [k, [...v].sort()]).sort(),
  };
}

function compare(ours: RemotingCommand, java: FixtureFrame, request: FixtureFrame): void {
  const what = `${request.conn} opaque ${request.opaque} code ${request.code}`;
  assert.equal(ours.code, java.code, `${what}: response code (ours remark: ${ours.remark})`);
  assert.equal(ours.opaque, java.opaque, what);
  assert.equal(ours.flag, 1, what);
  if (java.code !== 0) return;
  switch (request.code) {
    case 103:
      assert.deepEqual(ours.extFields ?? {}, java.extFields ?? {}, `${what}: registration reply header`);
      assert.equal(ours.body, undefined, `${what}: no ORDER_TOPIC_CONFIG body`);
      break;
    case 322:
      assert.equal(ours.extFields?.changed, java.extFields?.changed, `${what}: changed`);
      assert.deepEqual(
        decodeDataVersion(parseJsonBody(ours.body, 'ours')),
        decodeDataVersion(parseJsonBody(frameBody(java), 'java')),
        `${what}: stored data version`,
      );
      break;
    case 105:
      assert.deepEqual(routeMeaning(decodeTopicRouteData(ours.body)), routeMeaning(decodeTopicRouteData(frameBody(java))), what);
      break;
    case 106:
      assert.deepEqual(clusterMeaning(decodeClusterInfo(ours.body)), clusterMeaning(decodeClusterInfo(frameBody(java))), what);
      break;
    case 206:
      assert.deepEqual(decodeTopicList(ours.body).topicList.sort(), decodeTopicList(frameBody(java)).topicList.sort(), what);
      break;
  }
}

test('4.3.2 master and slave registrations, routes, cluster info and topic lists replay with the same meaning', async () => {
  // The whole recorded run: its scenarios share connections and follow each other in time.
  const frames = WIRE_FILES.filter((f) => f.startsWith('rocketmq-4.3.2'))
    .flatMap((f) => readFrames(f))
    .filter((f) => f.peer === 'namesrv');
  const ns = await startNamesrv();
  try {
    const run = await replay(ns.addr, frames);
    let compared = 0;
    const seen = new Set<number>();
    for (const req of frames.filter((f) => f.dir === 'c2s' && !f.isResponse && !f.oneway)) {
      const java = recordedResponse(frames, req);
      if (!java) continue;
      compare(run.responses.get(`${req.conn}/${req.opaque}`)!, java, req);
      seen.add(req.code);
      compared++;
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), [103, 104, 105, 106, 206, 322]);
    assert.ok(compared >= 90, `compared ${compared} responses`);
    await run.close();
  } finally {
    await ns.stop();
  }
});

test('3.5.8 brokers register, and so does the 4.3.2 broker a 3.5.8 NameServer refused', async () => {
  const frames = readFrames('rocketmq-3.5.8/wire/broker-register.jsonl');
  const refused = frames.filter((f) => f.isResponse && f.requestCode === 103 && f.code === 1);
  assert.ok(refused.length >= 3, 'the fixture holds the Java refusals');
  assert.match(refused[0]!.remark ?? '', /ArrayIndexOutOfBoundsException: Index 277/);
  const ns = await startNamesrv();
  try {
    // Everything both Java NameServers were sent, into one of ours, up to the brokers' shutdown.
    const requests = frames.filter((f) => f.code !== 104);
    const run = await replay(ns.addr, requests);
    for (const req of requests.filter((f) => f.dir === 'c2s' && f.code === 103)) {
      const ours = run.responses.get(`${req.conn}/${req.opaque}`)!;
      assert.equal(ours.code, 0, `REGISTER_BROKER from version ${req.version} (${req.extFields?.brokerName}) accepted`);
      assert.deepEqual(ours.extFields, {});
    }
    // The cluster view holds both generations; BrokerData from 3.5.8 had no cluster field, ours has it.
    const cluster = ns.namesrv.routes.clusterInfo();
    assert.deepEqual([...cluster.clusterAddrTable.keys()].sort(), ['NewCluster', 'OldCluster']);
    assert.equal(cluster.brokerAddrTable.get('broker-new')?.brokerAddrs.get(0), '127.0.0.1:10941');
    assert.equal(cluster.brokerAddrTable.get('broker-old')?.brokerAddrs.get(0), '127.0.0.1:10931');
    // Routes the Java 4.3.2 NameServer gave for the 3.5.8 broker's topics are given by ours too.
    for (const req of requests.filter((f) => f.dir === 'c2s' && f.code === 105)) {
      const java = recordedResponse(frames, req)!;
      const ours = run.responses.get(`${req.conn}/${req.opaque}`)!;
      assert.equal(ours.code, 0);
      const javaRoute = decodeTopicRouteData(frameBody(java));
      const ourRoute = decodeTopicRouteData(ours.body);
      const oldQueues = (r: TopicRouteData): unknown => r.queueDatas.filter((q) => q.brokerName === 'broker-old');
      assert.deepEqual(oldQueues(ourRoute), oldQueues(javaRoute));
    }
    // The 4.3.2 broker's unregistration, then the 3.5.8 one's, leave nothing behind.
    const unregister = frames.filter((f) => f.code === 104 && f.dir === 'c2s');
    const run2 = await replay(ns.addr, unregister);
    for (const r of run2.responses.values()) assert.equal(r.code, 0);
    assert.equal(ns.namesrv.routes.clusterInfo().brokerAddrTable.size, 0);
    await run.close();
    await run2.close();
  } finally {
    await ns.stop();
  }
});
