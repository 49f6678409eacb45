/**
 * The rolling-upgrade primitive, end to end: two broker groups behind one NameServer, a producer
 * sending and a consumer consuming all along; one broker is drained (write permission wiped),
 * stopped and started again on its store, then given its write permission back. The application
 * sees no failed send and every acknowledged message is consumed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../src/broker/broker.js';
import { brokerDefaults, type BrokerConfig } from '../../src/broker/config.js';
import { Producer } from '../../src/client/producer.js';
import { PushConsumer } from '../../src/client/push-consumer.js';
import { Admin } from '../../src/client/admin.js';
import { startNamesrv } from '../helpers/namesrv.js';
import { until } from '../helpers/wait.js';

const STORE = { mapedFileSizeCommitLog: String(1024 * 1024), mapedFileSizeConsumeQueue: '6000' };

function brokerConfig(name: string, home: string, namesrvAddr: string, listenPort = 0): BrokerConfig {
  return {
    ...brokerDefaults(),
    brokerName: name,
    rocketmqHome: home,
    bindAddress: '127.0.0.1',
    listenPort,
    namesrvAddr,
    registerNameServerPeriod: 1000,
    longPollingMaxMs: 1000,
    pullCheckIntervalMs: 100,
  };
}

test('drain, stop and restart one broker under load: no failed send, no lost message', async () => {
  const ns = await startNamesrv();
  const homes = ['a', 'b'].map((n) => mkdtempSync(join(tmpdir(), `apogee-roll-${n}-`)));
  const start = async (name: string, home: string, port = 0): Promise<Broker> => {
    const b = new Broker(brokerConfig(name, home, ns.addr, port), { storeProperties: { ...STORE, storePathRootDir: join(home, 'store') } });
    await b.start();
    return b;
  };
  let brokerA = await start('broker-a', homes[0]!);
  const brokerB = await start('broker-b', homes[1]!);
  const admin = new Admin({ namesrvAddr: ns.addr });
  const producer = new Producer({ namesrvAddr: ns.addr, producerGroup: 'RollProducer', pollNameServerInterval: 500, retryTimesWhenSendFailed: 4, sendMsgTimeout: 10_000 });
  const consumer = new PushConsumer({ namesrvAddr: ns.addr, consumerGroup: 'RollGroup', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET', pollNameServerInterval: 500, heartbeatBrokerInterval: 1000 });
  const received = new Set<string>();
  const acked = new Set<string>();
  const failures: string[] = [];
  let stop = false;
  try {
    await admin.start();
    for (const b of [brokerA, brokerB]) await admin.createTopic('RollTopic', { brokerAddr: b.brokerAddr, readQueueNums: 4, writeQueueNums: 4 });
    await until(async () => (await admin.topicRoute('RollTopic').catch(() => undefined))?.brokerDatas.length === 2, 'both brokers in the route');
    await producer.start();
    consumer.subscribe('RollTopic', '*');
    consumer.registerMessageListener((msgs) => {
      for (const m of msgs) received.add(m.body.toString());
    });
    await consumer.start();

    let seq = 0;
    const sender = (async () => {
      while (!stop) {
        const batch = Array.from({ length: 20 }, () => `m-${seq++}`);
        await Promise.all(batch.map(async (body) => {
          try {
            const r = await producer.send({ topic: 'RollTopic', body });
            if (r.sendStatus === 'SEND_OK') acked.add(body);
            else failures.push(`${body}: ${r.sendStatus}`);
          } catch (err) {
            failures.push(`${body}: ${(err as Error).message}`);
          }
        }));
      }
    })();

    await until(() => acked.size >= 300, 'traffic on both brokers');
    // 1. Drain: wipe broker-a's write permission; it refuses sends, the producer moves to broker-b.
    await admin.wipeWritePerm('broker-a');
    await until(() => brokerA.isDraining || !brokerA.context.isWritable(), 'broker-a to notice the wipe');
    const port = brokerA.config.listenPort;
    const ackedBeforeStop = acked.size;
    await until(() => acked.size >= ackedBeforeStop + 200, 'traffic while drained');
    // 2. Stop and start it again on the same store and port (the "upgrade").
    await brokerA.shutdown();
    await until(() => acked.size >= ackedBeforeStop + 400, 'traffic while broker-a is down');
    brokerA = await start('broker-a', homes[0]!, port);
    // 3. Give it its write permission back; traffic returns to it.
    await admin.addWritePerm('broker-a');
    const putsBefore = brokerA.context.stats.putMessages;
    await until(() => brokerA.context.stats.putMessages > putsBefore + 50, 'broker-a taking sends again', 20_000);
    stop = true;
    await sender;
    assert.deepEqual(failures, [], 'the application saw no failed send');
    await until(() => [...acked].every((b) => received.has(b)), `all ${acked.size} acknowledged messages consumed`, 30_000);
  } finally {
    stop = true;
    await consumer.shutdown();
    await producer.shutdown();
    await admin.shutdown();
    await brokerA.shutdown();
    await brokerB.shutdown();
    await ns.stop();
    for (const h of homes) rmSync(h, { recursive: true, force: true });
  }
});
