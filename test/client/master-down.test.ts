/**
 * A broker group's master dies (SIGKILL, real processes) under load in a 2-group master/slave
 * cluster. A consumer group started during the outage must consume every message of the dead
 * master from its slave (offsets read from and committed to the slave, pulls served by it), and
 * after the master restarts continue from the master without going back: every stored position
 * of the dead master's queues is consumed exactly once. Meanwhile the operator's views (the SDK's
 * Admin and `mqadmin topicStatus` / `consumerProgress`, spawned as real processes) show the dead
 * master's queues and backlog, read from the slave.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Admin } from '../../src/client/admin.js';
import { Producer } from '../../src/client/producer.js';
import { PushConsumer, type PushConsumerOptions } from '../../src/client/push-consumer.js';
import type { MessageExt } from '../../src/client/message.js';
import type { DiagnosticEvent } from '../../src/client/instance.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { projectRoot } from '../helpers/fixtures.js';
import { RawClient } from '../helpers/raw-client.js';
import { until } from '../helpers/wait.js';
import { spawnServer, type ServerCli, type ServerProcess } from '../../src/testing/launcher.js';

const cli = (name: string): string => join(projectRoot(), 'dist', 'src', 'cli', `${name}.js`);
const TOPIC = 'FailoverTopic';
const LATE_GROUP = 'StartedDuringOutage';
const RUNNING_GROUP = 'RunningThroughOutage';

interface Server {
  proc: ServerProcess;
  addr: string;
}

/** Spawns a server CLI and waits (bounded) for its boot line, which carries its address. */
async function startServer(name: ServerCli, args: string[], home: string, boot: RegExp): Promise<Server> {
  const proc = spawnServer(name, args, { env: { APOGEE_HOME: home, APOGEE_LOG_LEVEL: 'warn' } });
  try {
    return { proc, addr: (await proc.waitFor(boot, 'stdout', 20_000))[1]! };
  } catch (err) {
    await proc.kill();
    throw err;
  }
}

async function stopServer(s: Server | undefined): Promise<void> {
  await s?.proc.kill();
}

/** The broker properties of Apache's 2m-2s-sync example, with small files and short timings. */
function brokerProperties(dir: string, name: string, id: number, listenPort: number): string {
  const home = join(dir, `${name}-${id}`);
  mkdirSync(home, { recursive: true });
  const file = join(home, 'broker.properties');
  writeFileSync(
    file,
    [
      'brokerClusterName=DefaultCluster',
      `brokerName=${name}`,
      `brokerId=${id}`,
      `brokerRole=${id === 0 ? 'SYNC_MASTER' : 'SLAVE'}`,
      'flushDiskType=ASYNC_FLUSH',
      `listenPort=${listenPort}`,
      'brokerIP1=127.0.0.1',
      'bindAddress=127.0.0.1',
      `storePathRootDir=${join(home, 'store')}`,
      'mapedFileSizeCommitLog=1048576',
      'mapedFileSizeConsumeQueue=6000',
      'flushIntervalCommitLog=100',
      'registerNameServerPeriod=1000',
      'longPollingMaxMs=1000',
      'pullCheckIntervalMs=100',
      'haSendHeartbeatInterval=500',
      'slaveSyncIntervalMs=1000',
      // The master comes back on its old (once ephemeral) port; its listenPort + 3 may be taken by then.
      'metricsExporterType=DISABLE',
      '',
    ].join('\n'),
  );
  return file;
}

async function startBroker(dir: string, namesrv: string, name: string, id: number, listenPort = 0): Promise<Server> {
  const conf = brokerProperties(dir, name, id, listenPort);
  return startServer('mqbroker', ['-n', namesrv, '-c', conf], join(dir, `${name}-${id}`), /The broker\[[^,]+, (127\.0\.0\.1:\d+)\] boot success/);
}

/** Runs mqadmin as an operator does; returns its stdout (and fails on a non-zero exit). */
async function mqadmin(args: string[]): Promise<string> {
  const child = spawn(process.execPath, [cli('mqadmin'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  assert.equal(code, 0, `mqadmin ${args.join(' ')} failed: ${err}`);
  return out;
}

/** `#Broker Name  #QID ...` table rows of a broker, split on whitespace. */
const rowsOf = (table: string, brokerName: string): string[][] =>
  table.split('\n').filter((l) => l.startsWith(brokerName + ' ')).map((l) => l.trim().split(/\s+/));

/** Why a wait for consumption failed: what is missing and what the consumer reported. */
function explain(want: string[], consumed: Map<string, number>, events: DiagnosticEvent[]): string {
  const missing = want.filter((p) => !consumed.has(p));
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  const problems = events.filter((e) => 'error' in e && e.error).slice(-5).map((e) => `${e.type}: ${(e as { error: Error }).error.message}`);
  return `${missing.length} of ${want.length} not consumed (first ${missing.slice(0, 3).join(', ')}); events ${JSON.stringify([...counts])}; last problems ${JSON.stringify(problems)}`;
}

const posKey = (brokerName: string, queueId: number, offset: number): string => `${brokerName}/${queueId}/${offset}`;

/** A consumer group of the scenario and what it consumed, by stored position. */
interface Group {
  consumer: PushConsumer;
  /** `broker/queue/offset` → times consumed. */
  consumed: Map<string, number>;
  bodies: Set<string>;
  events: DiagnosticEvent[];
}

/** A push consumer of TOPIC from its first offset, with short timings; `gate` holds its listener until it settles. */
function group(namesrvAddr: string, name: string, gate?: Promise<void>, options: Partial<PushConsumerOptions> = {}): Group {
  const g: Group = { consumer: undefined as unknown as PushConsumer, consumed: new Map(), bodies: new Set(), events: [] };
  g.consumer = new PushConsumer({
    namesrvAddr,
    consumerGroup: name,
    consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
    pollNameServerInterval: 500,
    heartbeatBrokerInterval: 500,
    persistConsumerOffsetInterval: 300,
    rebalanceInterval: 2000,
    pullTimeDelayMillsWhenException: 300,
    onDiagnostic: (e) => g.events.push(e),
    ...options,
  });
  const record = (msgs: MessageExt[]): void => {
    for (const m of msgs) {
      const key = posKey(m.brokerName ?? '?', m.queueId, m.queueOffset);
      g.consumed.set(key, (g.consumed.get(key) ?? 0) + 1);
      g.bodies.add(m.body.toString());
    }
  };
  g.consumer.subscribe(TOPIC, '*').registerMessageListener(gate ? (msgs) => gate.then(() => record(msgs)) : record);
  return g;
}

/** Every position `0 … max−1` of broker-a's queues. */
const allOfA = (max: Map<number, number>): string[] => [...max].flatMap(([q, n]) => Array.from({ length: n }, (_, o) => posKey('broker-a', q, o)));

async function consumedAll(g: Group, want: string[], what: string): Promise<void> {
  await until(() => want.every((p) => g.consumed.has(p)), what, 30_000).catch((err: Error) => {
    throw new Error(`${err.message}: ${explain(want, g.consumed, g.events)}`);
  });
}

test('a master killed under load: a group started during the outage consumes its queues from the slave, then continues from the restarted master without going back; topicStatus and consumerProgress show the dead master from its slave', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-master-down-'));
  const servers: Server[] = [];
  const groups: Group[] = [];
  let masterA: Server | undefined;
  let admin: Admin | undefined;
  let producer: Producer | undefined;
  let stopSending = true;
  let sender: Promise<void> | undefined;
  let openGate = (): void => undefined;
  try {
    mkdirSync(join(dir, 'ns'));
    const ns = await startServer('mqnamesrv', ['--listenPort=0', '--bindAddress=127.0.0.1'], join(dir, 'ns'), /listening on (127\.0\.0\.1:\d+)/);
    servers.push(ns);
    masterA = await startBroker(dir, ns.addr, 'broker-a', 0);
    const masterB = await startBroker(dir, ns.addr, 'broker-b', 0);
    servers.push(masterB);
    const slaveA = await startBroker(dir, ns.addr, 'broker-a', 1);
    servers.push(slaveA);
    servers.push(await startBroker(dir, ns.addr, 'broker-b', 1));
    const masterAPort = Number(masterA.addr.split(':')[1]);

    admin = new Admin({ namesrvAddr: ns.addr });
    await admin.start();
    for (const m of [masterA, masterB]) await admin.createTopic(TOPIC, { brokerAddr: m.addr, readQueueNums: 4, writeQueueNums: 4 });
    await until(async () => {
      const route = await admin!.topicRoute(TOPIC).catch(() => undefined);
      return route?.queueDatas.length === 2 && route.brokerDatas.every((b) => b.brokerAddrs.size === 2);
    }, 'both groups, masters and slaves, in the route', 20_000);

    // Load starts once both slaves replicate (a SYNC_MASTER answers SEND_OK only then): a slave
    // that connects late copies from its master's last commit-log file, not from the first.
    const probe = new Producer({ namesrvAddr: ns.addr, producerGroup: 'FailoverProbe' });
    await probe.start();
    try {
      for (const brokerName of ['broker-a', 'broker-b']) {
        await until(async () => (await probe.send({ topic: TOPIC, body: 'probe' }, { queue: { topic: TOPIC, brokerName, queueId: 0 } })).sendStatus === 'SEND_OK', `${brokerName}'s slave replicating`, 20_000);
      }
    } finally {
      await probe.shutdown();
    }

    // A group consuming from before the outage, held back (a small cache, a listener waiting) so
    // that most of broker-a's messages are still to be pulled when its master dies.
    const gate = new Promise<void>((resolve) => (openGate = resolve));
    const running = group(ns.addr, RUNNING_GROUP, gate, { pullThresholdForQueue: 40 });
    groups.push(running);
    await running.consumer.start();

    // Load on both groups; the master of broker-a is killed in the middle of it.
    producer = new Producer({ namesrvAddr: ns.addr, producerGroup: 'FailoverProducer', pollNameServerInterval: 500, retryTimesWhenSendFailed: 4, sendMsgTimeout: 10_000 });
    await producer.start();
    const acked = new Map<string, string>(); // body → stored position
    let seq = 0;
    stopSending = false;
    sender = (async () => {
      while (!stopSending) {
        await Promise.all(
          Array.from({ length: 20 }, async () => {
            const body = `m-${seq++}`;
            const r = await producer!.send({ topic: TOPIC, body }).catch(() => undefined);
            // SYNC_MASTER: SEND_OK means the slave has it too.
            if (r?.sendStatus === 'SEND_OK') acked.set(body, posKey(r.messageQueue.brokerName, r.messageQueue.queueId, r.queueOffset));
          }),
        );
      }
    })();
    const onA = (): number => [...acked.values()].filter((p) => p.startsWith('broker-a/')).length;
    await until(() => onA() >= 300 && acked.size >= 600, 'load on both groups', 30_000);
    await masterA.proc.kill();
    const ackedAtKill = acked.size;
    await until(() => acked.size >= ackedAtKill + 200, 'sends moving to broker-b', 30_000);
    stopSending = true;
    await sender;
    await until(async () => {
      const a = (await admin!.topicRoute(TOPIC)).brokerDatas.find((b) => b.brokerName === 'broker-a');
      return a !== undefined && !a.brokerAddrs.has(0) && a.brokerAddrs.has(1);
    }, 'the NameServer to drop the dead master (its slave stays)');
    const ackedA = [...acked.values()].filter((p) => p.startsWith('broker-a/'));
    assert.ok(ackedA.length >= 300);

    // What the dead master's slave holds, asked of it directly: every position below these is due.
    const maxA = new Map<number, number>();
    const raw = new RawClient(slaveA.addr);
    try {
      for (const queueId of [0, 1, 2, 3]) {
        const bounds = await Promise.all([RequestCode.GET_MIN_OFFSET, RequestCode.GET_MAX_OFFSET].map((code) => raw.request(code, { topic: TOPIC, queueId: String(queueId) })));
        assert.equal(bounds[0]!.extFields?.offset, '0', 'the slave holds broker-a’s queues from their first message');
        maxA.set(queueId, Number(bounds[1]!.extFields?.offset));
      }
    } finally {
      await raw.close();
    }
    for (const p of ackedA) {
      const [, q, off] = p.split('/');
      assert.ok(Number(off) < maxA.get(Number(q))!, `acknowledged ${p} is below the slave's max offset`);
    }

    await t.test('item 2: topicStatus and consumerProgress (SDK Admin and mqadmin) show the dead master’s queues and backlog, read from its slave', async () => {
      const stats = await admin!.topicStats(TOPIC);
      const statsA = stats.filter((s) => s.mq.brokerName === 'broker-a');
      assert.deepEqual(statsA.map((s) => [s.mq.queueId, s.maxOffset]), [...maxA], 'topicStats lists broker-a’s queues while its master is down');
      const backlog = stats.reduce((n, s) => n + s.maxOffset, 0);
      const topicStatus = await mqadmin(['topicStatus', '-n', ns.addr, '-t', TOPIC]);
      assert.deepEqual(rowsOf(topicStatus, 'broker-a').map((r) => [Number(r[1]), Number(r[3])]), [...maxA], `mqadmin topicStatus shows broker-a's queues:\n${topicStatus}`);
      const progress = await mqadmin(['consumerProgress', '-n', ns.addr, '-g', LATE_GROUP, '-t', TOPIC]);
      assert.equal(progress.split('\n').filter((l) => / broker-a /.test(l)).length, 4, `consumerProgress lists broker-a:\n${progress}`);
      assert.match(progress, new RegExp(`^Diff Total: ${backlog}$`, 'm'), 'the dead master’s backlog counts in Diff Total');
      // Without -t (as Apache's consumerProgress): the group's %RETRY% route, which lists broker-a by its slave.
      const progressRunning = await mqadmin(['consumerProgress', '-n', ns.addr, '-g', RUNNING_GROUP]);
      assert.equal(progressRunning.split('\n').filter((l) => l.startsWith(TOPIC) && / broker-a /.test(l)).length, 4, `consumerProgress -g lists broker-a:\n${progressRunning}`);
    });

    await t.test('item 1: a group started during the outage, and one running through it, consume every message of the dead master from its slave and commit there', async () => {
      const late = group(ns.addr, LATE_GROUP);
      groups.push(late);
      await late.consumer.start();
      openGate();
      for (const g of groups) {
        await consumedAll(g, allOfA(maxA), `${g.consumer.group}: every stored message of the dead master consumed from its slave`);
        await until(() => [...acked.keys()].every((b) => g.bodies.has(b)), `${g.consumer.group}: every acknowledged message consumed`, 20_000);
        assert.deepEqual(g.events.filter((e) => e.type === 'queue-start-failed'), [], `${g.consumer.group}: no queue failed to start`);
      }
      // Offsets were committed to the slave: consumerProgress (read from the slave) shows no backlog.
      for (const name of [LATE_GROUP, RUNNING_GROUP]) {
        await until(async () => {
          const s = await admin!.consumeStats(name, TOPIC);
          const a = s.offsetTable.filter((e) => e.mq.brokerName === 'broker-a');
          return a.length === 4 && a.every((e) => e.consumerOffset === maxA.get(e.mq.queueId)) && s.diffTotal === 0;
        }, `${name}: its offsets of broker-a committed to the slave`, 20_000);
      }
      const progress = await mqadmin(['consumerProgress', '-n', ns.addr, '-g', LATE_GROUP, '-t', TOPIC]);
      assert.match(progress, /^Diff Total: 0$/m);
      assert.equal(progress.split('\n').filter((l) => / broker-a /.test(l)).length, 4, progress);
    });

    await t.test('item 1: after the master restarts, both groups continue from it without going back (every position consumed exactly once)', async () => {
      masterA = await startBroker(dir, ns.addr, 'broker-a', 0, masterAPort);
      for (const g of groups) await until(() => g.consumer.client.brokerAddrs.get('broker-a')?.get(0) === masterA!.addr, `${g.consumer.group} to see the master again`, 20_000);
      const after: string[] = [];
      for (let i = 0; i < 100; i++) {
        const queue = { topic: TOPIC, brokerName: 'broker-a', queueId: i % 4 };
        const r = await producer!.send({ topic: TOPIC, body: `after-${i}` }, { queue });
        // Stored on the master whatever the slave's state (SLAVE_NOT_AVAILABLE until it reconnects).
        after.push(posKey('broker-a', r.messageQueue.queueId, r.queueOffset));
        assert.ok(r.queueOffset >= maxA.get(i % 4)!, `the restarted master appends after ${maxA.get(i % 4)} on queue ${i % 4}`);
      }
      for (const g of groups) await consumedAll(g, after, `${g.consumer.group}: messages sent to the restarted master consumed`);
      const toMaster = new RawClient(masterA.addr);
      try {
        const finalA = new Map<number, number>();
        for (const queueId of [0, 1, 2, 3]) finalA.set(queueId, Number((await toMaster.request(RequestCode.GET_MAX_OFFSET, { topic: TOPIC, queueId: String(queueId) })).extFields?.offset));
        for (const g of groups) {
          const name = g.consumer.group;
          // The restarted master's own stored offsets: the consumer committed there, at the end.
          await until(async () => {
            for (const [queueId, max] of finalA) {
              const r = await toMaster.request(RequestCode.QUERY_CONSUMER_OFFSET, { consumerGroup: name, topic: TOPIC, queueId: String(queueId) });
              if (r.code !== ResponseCode.SUCCESS || Number(r.extFields?.offset) !== max) return false;
            }
            return true;
          }, `${name}: its offsets on the restarted master at the max offsets`, 20_000);
          const ofA = [...g.consumed].filter(([p]) => p.startsWith('broker-a/'));
          assert.deepEqual(ofA.map(([p]) => p).sort(), allOfA(finalA).sort(), `${name}: every position of broker-a consumed, nothing else`);
          assert.deepEqual([...g.consumed].filter(([, n]) => n !== 1), [], `${name}: no position consumed twice (nothing re-read after the restart)`);
        }
      } finally {
        await toMaster.close();
      }
    });
  } finally {
    openGate();
    stopSending = true;
    await sender?.catch(() => undefined);
    for (const g of groups) await g.consumer.shutdown().catch(() => undefined);
    await producer?.shutdown().catch(() => undefined);
    await admin?.shutdown().catch(() => undefined);
    await stopServer(masterA);
    for (const s of servers.reverse()) await stopServer(s);
    rmSync(dir, { recursive: true, force: true });
  }
});
