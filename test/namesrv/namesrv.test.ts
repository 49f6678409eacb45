import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { deflateSync } from 'node:zlib';
import { readFileSync, rmSync } from 'node:fs';
import { RemotingClient } from '../../src/transport/client.js';
import { command } from '../../src/codec/command.js';
import { decodeClusterInfo, decodeKVTable, decodeTopicList, decodeTopicRouteData } from '../../src/protocol/route.js';
import { startNamesrv } from '../helpers/namesrv.js';
import { registerRequest } from '../helpers/broker-registration.js';
import { frameOf, lengthPrefix, request } from '../helpers/frames.js';
import { until } from '../helpers/wait.js';


test('brokers announcing versions 137, 277, 409 and 1000 all register and are routed', async () => {
  const ns = await startNamesrv();
  const client = new RemotingClient();
  try {
    const versions = [137, 277, 409, 1000];
    for (const [i, version] of versions.entries()) {
      const r = await client.invoke(
        ns.addr,
        registerRequest({ name: `broker-${version}`, addr: `10.0.0.${i + 1}:10911`, version, topics: [{ topicName: 'Shared' }, { topicName: `Only${version}` }] }),
        3000,
      );
      assert.equal(r.code, 0, `version ${version}: ${r.remark}`);
    }
    const route = await client.invoke(ns.addr, request(105, { topic: 'Shared' }), 3000);
    assert.equal(route.code, 0);
    const data = decodeTopicRouteData(route.body);
    assert.deepEqual(data.brokerDatas.map((b) => b.brokerName).sort(), versions.map((v) => `broker-${v}`).sort());
    for (const version of versions) {
      const only = decodeTopicRouteData((await client.invoke(ns.addr, request(105, { topic: `Only${version}` }), 3000)).body);
      assert.equal(only.brokerDatas[0]?.brokerAddrs.get(0), `10.0.0.${versions.indexOf(version) + 1}:10911`);
    }
  } finally {
    await client.close();
    await ns.stop();
  }
});

test('routes use the fastjson dialect for old callers and standard JSON for 4.9.4+ or on request', async () => {
  const ns = await startNamesrv();
  const client = new RemotingClient();
  try {
    await client.invoke(ns.addr, registerRequest({ name: 'b', addr: '10.0.0.1:10911', version: 277, topics: [{ topicName: 'T' }] }), 3000);
    const old = await client.invoke(ns.addr, request(105, { topic: 'T' }, undefined, { version: 277 }), 3000);
    assert.match(old.body!.toString(), /"brokerAddrs":\{0:"10\.0\.0\.1:10911"\}/);
    const newer = await client.invoke(ns.addr, request(105, { topic: 'T' }, undefined, { version: 401 }), 3000);
    assert.match(newer.body!.toString(), /"brokerAddrs":\{"0":"10\.0\.0\.1:10911"\}/);
    JSON.parse(newer.body!.toString());
    const asked = await client.invoke(ns.addr, request(105, { topic: 'T', acceptStandardJsonOnly: 'true' }, undefined, { version: 121 }), 3000);
    JSON.parse(asked.body!.toString());
    // Both flag spellings, so ≤ 4.8 and 4.9+ readers each find theirs.
    assert.match(old.body!.toString(), /"topicSynFlag":0,"topicSysFlag":0/);
  } finally {
    await client.close();
    await ns.stop();
  }
});

test('a slave registration is answered with its master’s address and HA address', async () => {
  const ns = await startNamesrv();
  const client = new RemotingClient();
  try {
    const slaveFirst = await client.invoke(ns.addr, registerRequest({ name: 'broker-a', id: 1, addr: '10.0.0.2:10911', version: 409 }), 3000);
    assert.deepEqual(slaveFirst.extFields, {}, 'no master yet');
    await client.invoke(ns.addr, registerRequest({ name: 'broker-a', id: 0, addr: '10.0.0.1:10911', haAddr: '10.0.0.1:10912', version: 409 }), 3000);
    const slave = await client.invoke(ns.addr, registerRequest({ name: 'broker-a', id: 1, addr: '10.0.0.2:10911', version: 409 }), 3000);
    assert.deepEqual(slave.extFields, { haServerAddr: '10.0.0.1:10912', masterAddr: '10.0.0.1:10911' });
    const info = decodeClusterInfo((await client.invoke(ns.addr, request(106), 3000)).body);
    assert.deepEqual([...info.brokerAddrTable.get('broker-a')!.brokerAddrs].sort(), [[0, '10.0.0.1:10911'], [1, '10.0.0.2:10911']]);
  } finally {
    await client.close();
    await ns.stop();
  }
});

test('a broker that stops registering expires and leaves the routes; a closed connection removes at once', async () => {
  const ns = await startNamesrv({ brokerChannelExpiredTime: 300, scanNotActiveBrokerInterval: 50 });
  const keeper = new RemotingClient();
  const leaver = new RemotingClient();
  try {
    await keeper.invoke(ns.addr, registerRequest({ name: 'quiet', addr: '10.0.0.1:10911', version: 277, topics: [{ topicName: 'T' }] }), 3000);
    await leaver.invoke(ns.addr, registerRequest({ name: 'gone', addr: '10.0.0.2:10911', version: 277, topics: [{ topicName: 'T' }] }), 3000);
    assert.equal(decodeTopicRouteData((await keeper.invoke(ns.addr, request(105, { topic: 'T' }), 3000)).body).brokerDatas.length, 2);
    await leaver.close();
    await until(() => ns.namesrv.routes.route('T')?.brokerDatas.length === 1, 'closed connection to remove its broker');
    await until(() => ns.namesrv.routes.route('T') === undefined, 'the silent broker to expire');
    // Like Java, the NameServer also closes an expired broker's connection.
    await until(() => ns.namesrv.routes.liveBrokers().length === 0, 'no live broker');
    const asker = new RemotingClient();
    const r = await asker.invoke(ns.addr, request(105, { topic: 'T' }), 3000);
    await asker.close();
    assert.equal(r.code, 17);
    assert.match(r.remark!, /No topic route info in name server for the topic: T/);
  } finally {
    await keeper.close();
    await ns.stop();
  }
});

test('two NameServers given the same registrations answer the same routes', async () => {
  const a = await startNamesrv();
  const b = await startNamesrv();
  const client = new RemotingClient();
  try {
    const brokers = [
      { name: 'broker-a', addr: '10.0.0.1:10911', version: 277, topics: [{ topicName: 'T1' }, { topicName: 'T2', readQueueNums: 8, writeQueueNums: 8 }] },
      { name: 'broker-a', id: 1, addr: '10.0.0.2:10911', version: 277 },
      { name: 'broker-b', addr: '10.0.0.3:10911', version: 137, topics: [{ topicName: 'T1', perm: 4 }] },
    ];
    for (const ns of [a, b]) for (const br of brokers) await client.invoke(ns.addr, registerRequest(br), 3000);
    for (const topic of ['T1', 'T2', 'missing']) {
      const [ra, rb] = await Promise.all([a, b].map((ns) => client.invoke(ns.addr, request(105, { topic }), 3000)));
      assert.equal(ra!.code, rb!.code);
      assert.equal(ra!.body?.toString(), rb!.body?.toString(), topic);
    }
    const [ca, cb] = await Promise.all([a, b].map((ns) => client.invoke(ns.addr, request(106), 3000)));
    assert.deepEqual(decodeClusterInfo(ca!.body), decodeClusterInfo(cb!.body));
  } finally {
    await client.close();
    await a.stop();
    await b.stop();
  }
});

test('garbage bytes, a 100 MiB length, truncated frames and unknown codes leave the server serving everyone', async () => {
  const ns = await startNamesrv();
  const client = new RemotingClient();
  try {
    await client.invoke(ns.addr, registerRequest({ name: 'b', addr: '10.0.0.1:10911', version: 277, topics: [{ topicName: 'T' }] }), 3000);
    const [host, port] = ns.addr.split(':');
    const attack = async (bytes: Buffer, endAfter = false): Promise<void> => {
      const s = connect({ host, port: Number(port) });
      s.on('error', () => undefined);
      await once(s, 'connect');
      const closed = once(s, 'close');
      s.write(bytes);
      if (endAfter) s.end();
      await closed;
    };
    await attack(Buffer.from('\x16\x03\x01 definitely not a frame'));
    await attack(lengthPrefix(100 * 1024 * 1024));
    await attack(frameOf(request(105, { topic: 'T' })).subarray(0, 30), true);
    const unknown = await client.invoke(ns.addr, request(999), 3000);
    assert.equal(unknown.code, 3);
    const missingField = await client.invoke(ns.addr, request(105, {}), 3000);
    assert.equal(missingField.code, 1);
    assert.match(missingField.remark!, /topic is null/);
    const badBody = await client.invoke(ns.addr, command({ ...registerRequest({ name: 'x', addr: '1.1.1.1:1', version: 277 }), body: Buffer.from('{nope'), extFields: { brokerName: 'x', brokerAddr: '1.1.1.1:1', clusterName: 'c', haServerAddr: 'h', brokerId: '0' } }), 3000);
    assert.equal(badBody.code, 1);
    const route = await client.invoke(ns.addr, request(105, { topic: 'T' }), 3000);
    assert.equal(route.code, 0, 'still serving');
  } finally {
    await client.close();
    await ns.stop();
  }
});

test('REGISTER_BROKER checks bodyCrc32 and reads the compressed 4.3+ body', async () => {
  const ns = await startNamesrv();
  const client = new RemotingClient();
  try {
    const req = registerRequest({ name: 'b', addr: '10.0.0.1:10911', version: 277, topics: [{ topicName: 'T' }] });
    const wrongCrc = await client.invoke(ns.addr, { ...req, extFields: { ...req.extFields, bodyCrc32: '12345' } }, 3000);
    assert.equal(wrongCrc.code, 1);
    assert.equal(wrongCrc.remark, 'crc32 not match');
    // zlib(int len + DataVersion JSON · int count · (int len + "name r w perm filter")* · int len + filter JSON)
    const chunk = (s: string): Buffer => {
      const b = Buffer.from(s, 'utf8');
      return Buffer.concat([lengthPrefix(b.length), b]);
    };
    const raw = Buffer.concat([chunk('{"counter":1,"timestamp":1700000000000}'), lengthPrefix(2), chunk('Zipped 8 8 6 SINGLE_TAG'), chunk('TBW102 8 8 7 SINGLE_TAG'), chunk('[]')]);
    const compressed = deflateSync(raw, { level: 9 });
    const r = await client.invoke(ns.addr, { ...req, body: compressed, extFields: { ...req.extFields, compressed: 'true', bodyCrc32: '0' } }, 3000);
    assert.equal(r.code, 0, r.remark);
    const route = decodeTopicRouteData((await client.invoke(ns.addr, request(105, { topic: 'Zipped' }), 3000)).body);
    assert.deepEqual(route.queueDatas, [{ brokerName: 'b', readQueueNums: 8, writeQueueNums: 8, perm: 6, topicSysFlag: 0 }]);
  } finally {
    await client.close();
    await ns.stop();
  }
});

test('wipe and restore write permission, delete topics, topic lists by cluster, system and unit topics', async () => {
  const ns = await startNamesrv();
  const client = new RemotingClient();
  try {
    await client.invoke(ns.addr, registerRequest({ cluster: 'C1', name: 'b1', addr: '10.0.0.1:10911', version: 277, topics: [{ topicName: 'T' }, { topicName: 'U', topicSysFlag: 1 }, { topicName: 'S', topicSysFlag: 2 }] }), 3000);
    await client.invoke(ns.addr, registerRequest({ cluster: 'C2', name: 'b2', addr: '10.0.0.2:10911', version: 277, topics: [{ topicName: 'T' }, { topicName: 'Other' }] }), 3000);
    const routePerm = async (): Promise<number | undefined> =>
      decodeTopicRouteData((await client.invoke(ns.addr, request(105, { topic: 'T' }), 3000)).body).queueDatas.find((q) => q.brokerName === 'b1')?.perm;
    assert.equal(await routePerm(), 6, 'route served (and its encoding reused) before the wipe');
    const wipe = await client.invoke(ns.addr, request(205, { brokerName: 'b1' }), 3000);
    assert.equal(await routePerm(), 4, 'a reused route encoding never outlives a change');
    assert.equal(wipe.extFields?.wipeTopicCount, '3');
    const perms = (): Map<string, number> =>
      new Map(ns.namesrv.routes.route('T')!.queueDatas.map((q) => [q.brokerName, q.perm]));
    assert.deepEqual(perms(), new Map([['b1', 4], ['b2', 6]]));
    // A periodic re-registration with an unchanged data version keeps the wipe.
    await client.invoke(ns.addr, registerRequest({ cluster: 'C1', name: 'b1', addr: '10.0.0.1:10911', version: 277, topics: [{ topicName: 'T' }] }), 3000);
    assert.equal(perms().get('b1'), 4);
    const add = await client.invoke(ns.addr, request(327, { brokerName: 'b1' }), 3000);
    assert.equal(add.extFields?.addTopicCount, '3');
    assert.equal(perms().get('b1'), 6);

    const byCluster = decodeTopicList((await client.invoke(ns.addr, request(224, { cluster: 'C2' }), 3000)).body);
    assert.deepEqual(byCluster.topicList.sort(), ['Other', 'T']);
    const unknownCluster = await client.invoke(ns.addr, request(224, { cluster: 'nope' }), 3000);
    assert.deepEqual(decodeTopicList(unknownCluster.body).topicList, []);
    const system = decodeTopicList((await client.invoke(ns.addr, request(304), 3000)).body);
    assert.deepEqual(system.topicList.sort(), ['C1', 'C2', 'b1', 'b2']);
    assert.ok(system.brokerAddr);
    assert.deepEqual(decodeTopicList((await client.invoke(ns.addr, request(311), 3000)).body).topicList, ['U']);
    assert.deepEqual(decodeTopicList((await client.invoke(ns.addr, request(312), 3000)).body).topicList, ['S']);
    assert.deepEqual(decodeTopicList((await client.invoke(ns.addr, request(313), 3000)).body).topicList, ['S']);

    assert.equal((await client.invoke(ns.addr, request(216, { topic: 'T', clusterName: 'C1' }), 3000)).code, 0);
    assert.deepEqual(ns.namesrv.routes.route('T')!.queueDatas.map((q) => q.brokerName), ['b2']);
    await client.invoke(ns.addr, request(216, { topic: 'T' }), 3000);
    assert.equal((await client.invoke(ns.addr, request(105, { topic: 'T' }), 3000)).code, 17);
    const all = decodeTopicList((await client.invoke(ns.addr, request(206), 3000)).body);
    assert.deepEqual(all.topicList.sort(), ['Other', 'S', 'U']);
  } finally {
    await client.close();
    await ns.stop();
  }
});

test('KV config is persisted to kvConfig.json, survives a restart, and feeds ORDER_TOPIC_CONFIG into routes', async () => {
  const first = await startNamesrv({ orderMessageEnable: true });
  const client = new RemotingClient();
  const home = first.home;
  try {
    assert.equal((await client.invoke(first.addr, request(100, { namespace: 'ORDER_TOPIC_CONFIG', key: 'T', value: 'b1:4' }), 3000)).code, 0);
    assert.equal((await client.invoke(first.addr, request(100, { namespace: 'NS', key: 'k', value: 'v' }), 3000)).code, 0);
    await client.invoke(first.addr, request(100, { namespace: 'NS', key: 'gone', value: 'x' }), 3000);
    assert.equal((await client.invoke(first.addr, request(102, { namespace: 'NS', key: 'gone' }), 3000)).code, 0);
    const missing = await client.invoke(first.addr, request(101, { namespace: 'NS', key: 'gone' }), 3000);
    assert.equal(missing.code, 22);
    assert.match(readFileSync(first.namesrv.config.kvConfigPath, 'utf8'), /"configTable"/);
    await first.namesrv.shutdown();
    const second = await startNamesrv({ rocketmqHome: home, orderMessageEnable: true });
    assert.equal((await client.invoke(second.addr, request(101, { namespace: 'NS', key: 'k' }), 3000)).extFields?.value, 'v');
    assert.deepEqual(decodeKVTable((await client.invoke(second.addr, request(219, { namespace: 'NS' }), 3000)).body), new Map([['k', 'v']]));
    assert.equal((await client.invoke(second.addr, request(219, { namespace: 'EMPTY' }), 3000)).code, 22);
    const reg = await client.invoke(second.addr, registerRequest({ name: 'b1', addr: '10.0.0.1:10911', version: 277, topics: [{ topicName: 'T' }] }), 3000);
    assert.deepEqual(decodeKVTable(reg.body), new Map([['T', 'b1:4']]), 'registration reply carries ORDER_TOPIC_CONFIG');
    assert.equal(decodeTopicRouteData((await client.invoke(second.addr, request(105, { topic: 'T' }), 3000)).body).orderTopicConf, 'b1:4');
    await second.stop();
  } finally {
    await client.close();
    // Both servers used this home (the second by override), so neither stop() removes it.
    rmSync(home, { recursive: true, force: true });
  }
});

test('QUERY_DATA_VERSION says whether the topic config changed and refreshes liveness when not', async () => {
  let now = 1_000_000;
  const ns = await startNamesrv({ brokerChannelExpiredTime: 120_000 }, { now: () => now });
  const client = new RemotingClient();
  try {
    await client.invoke(ns.addr, registerRequest({ name: 'b', addr: '10.0.0.1:10911', version: 277, counter: 3, timestamp: 42, topics: [{ topicName: 'T' }] }), 3000);
    const ask = (counter: number) =>
      client.invoke(ns.addr, command({ code: 322, version: 277, extFields: { brokerName: 'b', brokerAddr: '10.0.0.1:10911', clusterName: 'DefaultCluster', brokerId: '0' }, body: Buffer.from(`{"counter":${counter},"timestamp":42}`) }), 3000);
    now += 100_000;
    const same = await ask(3);
    assert.equal(same.extFields?.changed, 'false');
    assert.match(same.body!.toString(), /"counter":3/);
    now += 100_000; // 200 s after registration but only 100 s after the query
    ns.namesrv.scanNotActiveBrokers();
    assert.ok(ns.namesrv.routes.route('T'), 'the query kept the broker alive');
    assert.equal((await ask(4)).extFields?.changed, 'true');
    // 3.5.8 writes `timestatmp`: the same version must compare equal, not "changed" forever.
    await client.invoke(ns.addr, { ...registerRequest({ name: 'old', addr: '10.0.0.9:10911', version: 137 }), body: Buffer.from('{"filterServerList":[],"topicConfigSerializeWrapper":{"dataVersion":{"counter":0,"timestatmp":77},"topicConfigTable":{}}}'), extFields: { brokerName: 'old', brokerAddr: '10.0.0.9:10911', clusterName: 'C', haServerAddr: '10.0.0.9:10912', brokerId: '0' } }, 3000);
    const old = await client.invoke(ns.addr, command({ code: 322, version: 137, extFields: { brokerName: 'old', brokerAddr: '10.0.0.9:10911', clusterName: 'C', brokerId: '0' }, body: Buffer.from('{"counter":0,"timestatmp":77}') }), 3000);
    assert.equal(old.extFields?.changed, 'false');
  } finally {
    await client.close();
    await ns.stop();
  }
});

test('namesrv config is readable as properties and updatable at runtime, paths and port excepted', async () => {
  const ns = await startNamesrv();
  const client = new RemotingClient();
  try {
    const got = (await client.invoke(ns.addr, request(319), 3000)).body!.toString();
    assert.match(got, /^orderMessageEnable=false$/m);
    const upd = await client.invoke(ns.addr, command({ code: 318, version: 277, body: Buffer.from('orderMessageEnable=true\n') }), 3000);
    assert.equal(upd.code, 0);
    assert.equal(ns.namesrv.config.orderMessageEnable, true);
    assert.match(readFileSync(ns.namesrv.config.configStorePath, 'utf8'), /orderMessageEnable=true/);
    const refused = await client.invoke(ns.addr, command({ code: 318, version: 277, body: Buffer.from('listenPort=1\n') }), 3000);
    assert.equal(refused.code, 1);
    assert.match(refused.remark!, /listenPort cannot be changed/);
    const bad = await client.invoke(ns.addr, command({ code: 318, version: 277, body: Buffer.from('orderMessageEnable=maybe\n') }), 3000);
    assert.equal(bad.code, 1);
  } finally {
    await client.close();
    await ns.stop();
  }
});
