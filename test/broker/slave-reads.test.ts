/**
 * What a slave answers while its master is down, as a Java slave does: consumer offsets (query and
 * commit), queue bounds, topic and consume stats, and pulls with suggestWhichBrokerId = master.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../src/broker/broker.js';
import { brokerDefaults } from '../../src/broker/config.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { parseFastJson } from '../../src/codec/fastjson.js';
import { startCluster } from '../helpers/cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { until } from '../helpers/wait.js';

const STORE = { mapedFileSizeCommitLog: String(256 * 1024), mapedFileSizeConsumeQueue: '6000', flushIntervalCommitLog: '100' };

test('a slave whose master is down answers offsets, stats and pulls (retry, never "offset moved"; suggest the master)', async () => {
  const cluster = await startCluster({ brokerName: 'broker-s', haSendHeartbeatInterval: 500 }, { ...STORE, brokerRole: 'SYNC_MASTER' });
  const slaveHome = mkdtempSync(join(tmpdir(), 'apogee-slave-reads-'));
  const toMaster = new RawClient(cluster.brokerAddr);
  let slave: Broker | undefined;
  let toSlave: RawClient | undefined;
  try {
    slave = new Broker(
      { ...brokerDefaults(), brokerName: 'broker-s', brokerId: 1, rocketmqHome: slaveHome, bindAddress: '127.0.0.1', listenPort: 0, namesrvAddr: cluster.namesrvAddr, haSendHeartbeatInterval: 500, slaveSyncIntervalMs: 300 },
      { storeProperties: { ...STORE, storePathRootDir: join(slaveHome, 'store'), brokerRole: 'SLAVE' } },
    );
    await slave.start();
    await until(() => cluster.broker.replication.slaves === 1, 'the slave to connect');
    for (let i = 0; i < 10; i++) assert.equal((await toMaster.send('SlaveTopic', `m-${i}`, { queueId: 0 })).code, ResponseCode.SUCCESS);
    await until(() => slave!.context.store.getMaxOffsetInQueue('SlaveTopic', 0) === 10 && slave!.context.topics.get('SlaveTopic') !== undefined, 'the slave to have the queue and the topic');
    await toMaster.close();
    await cluster.broker.shutdown();

    toSlave = new RawClient(slave.brokerAddr);
    const found = await toSlave.pull('SlaveGroup', 'SlaveTopic', 0, 0);
    assert.equal(found.cmd.code, ResponseCode.SUCCESS);
    assert.equal(found.messages.length, 10);
    assert.equal(found.cmd.extFields?.suggestWhichBrokerId, '0', 'the slave points the consumer back to the master');
    for (const [queueId, offset] of [[0, 50], [1, 5]] as const) {
      const r = await toSlave.pull('SlaveGroup', 'SlaveTopic', queueId, offset);
      assert.equal(r.cmd.code, ResponseCode.PULL_RETRY_IMMEDIATELY, `queue ${queueId} offset ${offset}: retry, not PULL_OFFSET_MOVED`);
      assert.equal(r.next, offset, 'the offset is left where it was');
    }

    const q0 = { consumerGroup: 'SlaveGroup', topic: 'SlaveTopic', queueId: '0' };
    assert.equal((await toSlave.request(RequestCode.UPDATE_CONSUMER_OFFSET, { ...q0, commitOffset: '7' })).code, ResponseCode.SUCCESS);
    const queried = await toSlave.request(RequestCode.QUERY_CONSUMER_OFFSET, q0);
    assert.equal(queried.code, ResponseCode.SUCCESS);
    assert.equal(queried.extFields?.offset, '7');
    assert.equal((await toSlave.request(RequestCode.GET_MAX_OFFSET, { topic: 'SlaveTopic', queueId: '0' })).extFields?.offset, '10');
    assert.equal((await toSlave.request(RequestCode.GET_MIN_OFFSET, { topic: 'SlaveTopic', queueId: '0' })).extFields?.offset, '0');

    const topicStats = await toSlave.request(RequestCode.GET_TOPIC_STATS_INFO, { topic: 'SlaveTopic' });
    assert.equal(topicStats.code, ResponseCode.SUCCESS);
    assert.match(topicStats.body!.toString(), /"maxOffset":10/);
    const consumeStats = await toSlave.request(RequestCode.GET_CONSUME_STATS, { consumerGroup: 'SlaveGroup', topic: 'SlaveTopic' });
    assert.equal(consumeStats.code, ResponseCode.SUCCESS);
    const table = (parseFastJson(consumeStats.body!.toString()) as { offsetTable: unknown }).offsetTable;
    assert.match(JSON.stringify(table, (_k, v: unknown) => (v instanceof Map ? [...v] : v)), /"brokerOffset":10,"consumerOffset":7/);
  } finally {
    await toMaster.close();
    await toSlave?.close();
    await slave?.shutdown();
    await cluster.stop();
    rmSync(slaveHome, { recursive: true, force: true });
  }
});
