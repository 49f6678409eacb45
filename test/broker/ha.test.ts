/** Master/slave replication: our master and slave together, and our slave against a real master's bytes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Socket } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Broker } from '../../src/broker/broker.js';
import { brokerDefaults } from '../../src/broker/config.js';
import { MessageStore } from '../../src/store/index.js';
import { HASlave } from '../../src/broker/ha/ha-slave.js';
import { logger } from '../../src/common/logger.js';
import { decodeRecords } from '../../src/codec/message-record.js';
import { startCluster } from '../helpers/cluster.js';
import { RawClient } from '../helpers/raw-client.js';
import { fixturesDir } from '../helpers/fixtures.js';
import { until } from '../helpers/wait.js';


const SMALL_STORE = { mapedFileSizeCommitLog: String(256 * 1024), mapedFileSizeConsumeQueue: '6000', flushIntervalCommitLog: '100' };

test('a SYNC_MASTER and its slave: acknowledged sends are on the slave byte for byte, metadata follows, the slave serves pulls', async () => {
  const cluster = await startCluster({ brokerName: 'broker-ha', haSendHeartbeatInterval: 500 }, { ...SMALL_STORE, brokerRole: 'SYNC_MASTER' });
  const slaveHome = mkdtempSync(join(tmpdir(), 'apogee-slave-'));
  const client = new RawClient(cluster.brokerAddr);
  let slave: Broker | undefined;
  try {
    // Without a slave a SYNC_MASTER stores the message and says so.
    const alone = await client.send('HaTopic', 'alone', { queueId: 0 });
    assert.equal(alone.code, 11, 'SLAVE_NOT_AVAILABLE');
    slave = new Broker(
      { ...brokerDefaults(), brokerName: 'broker-ha', brokerId: 1, rocketmqHome: slaveHome, bindAddress: '127.0.0.1', listenPort: 0, namesrvAddr: cluster.namesrvAddr, haSendHeartbeatInterval: 500, slaveSyncIntervalMs: 300 },
      { storeProperties: { ...SMALL_STORE, storePathRootDir: join(slaveHome, 'store'), brokerRole: 'SLAVE' } },
    );
    await slave.start();
    await until(() => cluster.broker.replication.slaves === 1, 'the slave to connect');
    const codes = await Promise.all(Array.from({ length: 300 }, (_, i) => client.send('HaTopic', `m-${i}-${'x'.repeat(i % 500)}`, { queueId: i % 4 })));
    assert.deepEqual([...new Set(codes.map((c) => c.code))], [0], 'every send acknowledged by the slave');
    const master = cluster.broker.context.store;
    const replica = slave.context.store;
    await until(() => replica.maxPhyOffset() === master.maxPhyOffset(), 'the slave to catch up');
    // Byte for byte, file by file, from where the slave started (the start of the master's last file).
    for (let off = replica.minPhyOffset(); off < master.maxPhyOffset(); ) {
      const a = master.getCommitLogData(off, 32 * 1024)!;
      const b = replica.getCommitLogData(off, 32 * 1024)!;
      assert.ok(a.equals(b), `commit log bytes at ${off}`);
      off += a.length;
    }
    await until(() => slave!.context.topics.get('HaTopic') !== undefined, 'topic config to reach the slave');
    const slaveClient = new RawClient(slave.brokerAddr);
    const pulled = await slaveClient.drainQueue('HaReader', 'HaTopic', 1);
    assert.equal(pulled.length, 75);
    await slaveClient.close();
    const refused = await new RawClient(slave.brokerAddr).send('HaTopic', 'to a slave');
    assert.equal(refused.code, 16, 'a slave refuses sends');
  } finally {
    await client.close();
    await slave?.shutdown();
    await cluster.stop();
    rmSync(slaveHome, { recursive: true, force: true });
  }
});

test('our slave applies a real Java 4.3.2 master’s HA stream and acknowledges exactly what the Java slave did', async () => {
  const lines = readFileSync(join(fixturesDir(), 'rocketmq-4.3.2/wire/ha-bulk.jsonl'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { dir?: string; hex?: string });
  const masterReads = lines.filter((l) => l.dir === 's2c' && l.hex).map((l) => Buffer.from(l.hex!, 'hex'));
  // A TCP read may hold several 8-byte reports.
  const javaAcks = [...new Set(lines.filter((l) => l.dir === 'c2s' && l.hex).flatMap((l) => {
    const b = Buffer.from(l.hex!, 'hex');
    return Array.from({ length: b.length / 8 }, (_, i) => Number(b.readBigInt64BE(i * 8)));
  }))].filter((n) => n > 0);
  // The recording stops before the Java slave acknowledged the last frame it was sent.
  const stream = Buffer.concat(lines.filter((l) => l.dir === 's2c' && l.hex).map((l) => Buffer.from(l.hex!, 'hex')));
  let end = 0;
  for (let p = 0; p + 12 <= stream.length; ) {
    const size = stream.readInt32BE(p + 8);
    if (p + 12 + size > stream.length) break;
    end = Number(stream.readBigInt64BE(p)) + size;
    p += 12 + size;
  }
  const home = mkdtempSync(join(tmpdir(), 'apogee-ha-real-'));
  const store = MessageStore.open({ storePathRootDir: home, mapedFileSizeCommitLog: 1024 * 1024 * 1024, brokerRole: 'SLAVE' });
  const ours: number[] = [];
  let peer: Socket | undefined;
  const fakeMaster = createServer((socket) => {
    peer = socket;
    let pending = Buffer.alloc(0);
    socket.on('data', (c: Buffer) => {
      pending = Buffer.concat([pending, c]);
      while (pending.length >= 8) {
        ours.push(Number(pending.readBigInt64BE(0)));
        pending = pending.subarray(8);
      }
    });
    socket.on('error', () => undefined);
  });
  fakeMaster.listen(0, '127.0.0.1');
  await once(fakeMaster, 'listening');
  const slave = new HASlave(store, { heartbeatIntervalMs: 60_000, housekeepingIntervalMs: 60_000, reconnectIntervalMs: 60_000 }, logger('ha', 'test'));
  try {
    slave.setMaster(`127.0.0.1:${(fakeMaster.address() as { port: number }).port}`);
    slave.start();
    await until(() => ours.length >= 1, 'the first report');
    assert.equal(ours[0], 0, 'an empty slave asks from 0');
    // The master's bytes, read for read as the Java slave received them.
    // Each read is sent only after the previous one was applied, so TCP cannot merge them.
    let sent = Buffer.alloc(0);
    for (const chunk of masterReads) {
      sent = Buffer.concat([sent, chunk]);
      let expect = 0;
      for (let p = 0; p + 12 <= sent.length; ) {
        const size = sent.readInt32BE(p + 8);
        if (p + 12 + size > sent.length) break;
        expect = Number(sent.readBigInt64BE(p)) + size;
        p += 12 + size;
      }
      peer!.write(chunk);
      if (expect > 0) await until(() => ours.includes(expect), `acknowledgement of ${expect}`);
      else await new Promise((r) => setTimeout(r, 10));
    }
    await until(() => ours.includes(end), `our slave to acknowledge ${end}`);
    const acked = [...new Set(ours)].filter((n) => n > 0);
    assert.deepEqual(acked.slice(0, javaAcks.length), javaAcks, 'the same acknowledgements as the Java slave');
    assert.equal(acked[acked.length - 1], end);
    const records = decodeRecords(store.getCommitLogData(0, end)!.subarray(0, end));
    assert.ok(records.length > 10);
    assert.ok(records.every((r) => r.topic === 'HaTopic'));
  } finally {
    slave.stop();
    fakeMaster.close();
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
});
