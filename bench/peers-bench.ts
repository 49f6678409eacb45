/**
 * Apogee against the brokers users would pick instead, side by side in one run on this machine:
 * NATS JetStream, RabbitMQ (streams, quorum and classic queues) and Redis Streams, each started
 * here on loopback with its data in a temporary directory, driven through its official Node client
 * from this process; Apogee runs as its own process (`apogee start`, through src/testing/launcher.ts)
 * and is driven through our SDK.
 *
 *   npm run bench:peers                full run (installs the Debian servers and npm clients it needs)
 *   node dist/bench/peers-bench.js --smoke [--out=FILE]   tiny counts, Apogee only, no installs (< 30 s)
 *
 * Profiling: BENCH_APOGEE_NODE_ARGS='--cpu-prof --cpu-prof-dir=DIR' profiles the broker process;
 * run this script itself with `node --cpu-prof` for the client side.
 *
 * Options: --only=apogee,redis,jetstream,rabbitmq   --reps=N   BENCH_BUDGET_S (default 840 s).
 *
 * Pooling earlier before/after results: --pool=FILE,FILE,… (no servers; prints the pooled table and
 *   each run's ratios).
 * Before/after (Apogee only): --ab=DIR [--reps=N (default 8)] [--scrape-ms=N|none (default 15000)]
 *   [--before-props='broker.k=v;namesrv.k=v'] [--after-props=...]  (e.g. --ab=. with metrics off on one side)
 *   DIR is another checkout of this project, built (`npm ci && npm run build` there). Each round starts
 *   both builds' servers afresh (one flush type at a time), warms both up, then runs every workload on
 *   one and then on the other, the order alternating by workload and by round, all driven by this
 *   tree's SDK. Each pair gives a
 *   ratio, and so does each side's server CPU time for the workload; the report is the geometric mean
 *   of the ratios with a bootstrap 95 % interval (bench/paired.ts). Endpoints that serve /metrics are
 *   scraped every --scrape-ms by bench/scrape-metrics.mjs, as Prometheus would. Default budget 2400 s.
 *
 * Workloads (1,000-byte bodies), each repeated (3 runs by default), median and min–max reported:
 *   A  acknowledged persistent publish, up to 1,000 in flight, 200,000 messages (Apogee: single
 *      sends and batches of 100)
 *   B  one-at-a-time publish (await each ack), p50/p99 latency, 20,000 messages
 *   C  end-to-end latency (publish → consumer callback) at a fixed offered rate of 10,000 msg/s for
 *      10 s; latency is measured from each message's scheduled send time (no coordinated omission)
 *   D  consumer catch-up: a new consumer reads the 200,000-message backlog left by A
 * plus the machine's raw limits in the same run. Prints a markdown table, writes JSON to
 * bench/results/peers-<timestamp>.json.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import { join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';
import { Admin, Producer, PushConsumer } from '../src/client/index.js';
import { projectRoot } from '../src/common/paths.js';
import { launch, type ApogeeNode } from '../src/testing/launcher.js';
import { pairedFigure, type PairedFigure } from './paired.js';

// ---------------------------------------------------------------------------------------------
// Parameters

const argv = process.argv.slice(2);
const SMOKE = argv.includes('--smoke');
const argOf = (name: string): string | undefined => argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const AB = argOf('ab');
const ROOT = projectRoot();
const STARTED = Date.now();
const BUDGET_MS = Number(process.env.BENCH_BUDGET_S ?? (SMOKE ? 60 : AB ? 2400 : 840)) * 1000;
const DEADLINE = STARTED + BUDGET_MS;
const ONLY = new Set((argOf('only') ?? (SMOKE ? 'apogee' : 'apogee,redis,jetstream,rabbitmq')).split(','));

const P = SMOKE
  ? { aN: 2_000, bN: 200, cRate: 1_000, cSeconds: 1, window: 1_000, batch: 100, reps: 1, aCapMs: 10_000, bCapMs: 5_000, dCapMs: 10_000, diskMiB: 16, tcpMs: 300 }
  : { aN: 200_000, bN: 20_000, cRate: 10_000, cSeconds: 10, window: 1_000, batch: 100, reps: 3, aCapMs: 12_000, bCapMs: 5_000, dCapMs: 8_000, diskMiB: 128, tcpMs: 2_000 };
if (AB) P.reps = 8;
if (argOf('reps')) P.reps = Math.max(1, Number(argOf('reps')));
const BODY_SIZE = 1000;
const TEMPLATE = Buffer.alloc(BODY_SIZE, 'x');

// ---------------------------------------------------------------------------------------------
// Child processes: every server runs in its own process group and is killed with it.

const live = new Set<ChildProcess>();

function startChild(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; log: string }): ChildProcess {
  const out = fs.openSync(opts.log, 'a');
  const child = spawn(cmd, args, { env: opts.env ?? process.env, cwd: opts.cwd, detached: true, stdio: ['ignore', 'pipe', out] });
  fs.closeSync(out);
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    /* already gone */
  }
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    killGroup(child, 'SIGKILL'); // stragglers in its group
    return;
  }
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  killGroup(child, 'SIGTERM');
  const t = setTimeout(() => killGroup(child, 'SIGKILL'), graceMs);
  await exited;
  clearTimeout(t);
  killGroup(child, 'SIGKILL');
}

function killAllNow(): void {
  for (const c of live) killGroup(c, 'SIGKILL');
}
process.on('exit', killAllNow);
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    console.error(`\n${sig}: stopping every server started by this run`);
    killAllNow();
    process.exit(130);
  });
}

/** Resolves with the first stdout line matching `test`; rejects on exit or timeout. */
function waitForLine(child: ChildProcess, test: (line: string) => boolean, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`no ready line within ${timeoutMs} ms`)), timeoutMs);
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        if (test(line)) {
          clearTimeout(timer);
          resolve(line);
        }
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code} before it was ready`));
    });
  });
}

async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) throw new Error(`server exited (${child.exitCode ?? child.signalCode}) before listening`);
    const ok = await new Promise<boolean>((r) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        r(true);
      });
      s.once('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`port ${port} not listening after ${timeoutMs} ms`);
    await sleep(200);
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error(`${what}: timed out after ${ms} ms`)), ms)))]).finally(() => clearTimeout(t));
}

// ---------------------------------------------------------------------------------------------
// The systems under test

type DurabilityClass = 'page-cache' | 'fsync';

interface Topic {
  /** Resolves when the system acknowledged the message as stored (durably per its class). */
  publish(body: Buffer): Promise<unknown>;
  publishBatch?(bodies: Buffer[]): Promise<unknown>;
  /** Starts a consumer reading from the beginning of the topic; resolves with its stop function. */
  consume(onMessage: (body: Uint8Array) => void): Promise<() => Promise<void>>;
  drop(): Promise<void>;
}

interface Target {
  id: string;
  system: string;
  config: string;
  klass: DurabilityClass;
  durability: string;
  /** Called before each round of this target (e.g. to switch a server setting). */
  before?(): Promise<void>;
  topic(tag: string): Promise<Topic>;
  close(): Promise<void>;
}

interface Server {
  name: string;
  version: string;
  clients: string;
  targets: Target[];
  /** Apogee: the server process, and its Prometheus endpoints. */
  pid?: number;
  metricsUrls?: string[];
  stop(): Promise<void>;
}

let topicSeq = 0;
const uniq = (tag: string): string => `b${process.pid}x${++topicSeq}${tag}`;

// Apogee ---------------------------------------------------------------------------------------

/**
 * `root`: the project whose dist/ runs the server (default this one; --ab runs an older build beside it).
 * `extra`: `broker.k=v;namesrv.k=v` properties for this server alone (--before-props / --after-props).
 */
async function startApogee(flush: 'ASYNC_FLUSH' | 'SYNC_FLUSH', tmp: string, root = ROOT, extra = ''): Promise<Server> {
  const data = fs.mkdtempSync(join(tmp, `apogee-${flush}-`));
  // BENCH_APOGEE_NODE_ARGS, e.g. '--cpu-prof --cpu-prof-dir=/tmp/prof', to profile the broker process.
  const nodeArgs = (process.env.BENCH_APOGEE_NODE_ARGS ?? '').split(' ').filter(Boolean);
  let server: ApogeeNode;
  try {
    // BENCH_APOGEE_BROKER_PROPS / BENCH_APOGEE_NAMESRV_PROPS, e.g. 'metricsExporterType=DISABLE' (k=v;k=v), add properties.
    const props = (env: string | undefined): Record<string, string> =>
      Object.fromEntries((env ?? '').split(';').filter((kv) => kv.includes('=')).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]));
    const own = (prefix: string): string => extra.split(';').filter((kv) => kv.startsWith(prefix)).map((kv) => kv.slice(prefix.length)).join(';');
    server = await launch({
      mode: 'node',
      dir: data,
      root,
      nodeArgs,
      brokerProps: { flushDiskType: flush, autoCreateTopicEnable: 'true', ...props(process.env.BENCH_APOGEE_BROKER_PROPS), ...props(own('broker.')) },
      namesrvProps: { ...props(process.env.BENCH_APOGEE_NAMESRV_PROPS), ...props(own('namesrv.')) },
      readyTimeoutMs: 30_000,
    });
  } catch (err) {
    fs.rmSync(data, { recursive: true, force: true });
    throw err;
  }
  const stopServer = async (): Promise<void> => {
    await server.stop();
    fs.rmSync(data, { recursive: true, force: true });
  };
  try {
    const namesrvAddr = server.namesrvAddr;
    const admin = new Admin({ namesrvAddr });
    await admin.start();
    const producer = new Producer({ namesrvAddr, producerGroup: `bench-${flush}`, sendMsgTimeout: 15_000 });
    await producer.start();
    const consumers = new Set<PushConsumer>();
    const target: Target = {
      id: `apogee-${flush === 'ASYNC_FLUSH' ? 'async' : 'sync'}`,
      system: 'Apogee',
      config: flush,
      klass: flush === 'ASYNC_FLUSH' ? 'page-cache' : 'fsync',
      durability:
        flush === 'ASYNC_FLUSH'
          ? 'flushDiskType=ASYNC_FLUSH: ack once in the commit log (page cache), flushed every 500 ms'
          : 'flushDiskType=SYNC_FLUSH: ack after fdatasync of the commit log (group commit)',
      async topic(tag) {
        const name = uniq(tag);
        await admin.createTopic(name, { readQueueNums: 8, writeQueueNums: 8 });
        const t: Topic = {
          publish: (body) => producer.send({ topic: name, body }),
          publishBatch: (bodies) => producer.sendBatch(bodies.map((body) => ({ topic: name, body }))),
          async consume(onMessage) {
            const c = new PushConsumer({
              namesrvAddr,
              consumerGroup: `${name}-g${++topicSeq}`,
              consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
              pullBatchSize: 32,
              consumeMessageBatchMaxSize: 32,
              awaitTerminationMillisWhenShutdown: 1000,
            });
            c.subscribe(name, '*');
            c.registerMessageListener((msgs) => {
              for (const m of msgs) onMessage(m.body);
            });
            await c.start();
            consumers.add(c);
            return async () => {
              consumers.delete(c);
              await c.shutdown();
            };
          },
          drop: () => admin.deleteTopic(name).catch(() => undefined),
        };
        return t;
      },
      async close() {
        for (const c of consumers) await c.shutdown().catch(() => undefined);
        await producer.shutdown();
        await admin.shutdown();
      },
    };
    return {
      name: `Apogee ${flush}`,
      version: (JSON.parse(fs.readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version,
      clients: 'src/client (our SDK)',
      targets: [target],
      pid: server.process?.pid,
      metricsUrls: [server.namesrvMetricsAddr, server.brokerMetricsAddr].filter((a): a is string => !!a).map((a) => `http://${a}/metrics`),
      async stop() {
        await target.close().catch(() => undefined);
        await stopServer();
      },
    };
  } catch (err) {
    await stopServer();
    throw err;
  }
}

// Peers' clients live in bench/peers (own package, own lock file) ------------------------------

const PEERS_DIR = join(ROOT, 'bench', 'peers');
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const peerRequire = createRequire(join(PEERS_DIR, 'package.json'));
const clientVersion = (name: string): string => (JSON.parse(fs.readFileSync(join(PEERS_DIR, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
const debVersion = (pkg: string): string => spawnSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' }).stdout.trim() || '?';

// Redis Streams --------------------------------------------------------------------------------

async function startRedis(tmp: string): Promise<Server> {
  const Redis = peerRequire('ioredis') as Any;
  const dir = fs.mkdtempSync(join(tmp, 'redis-'));
  const port = await freePort();
  const child = startChild('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--daemonize', 'no', '--logfile', join(dir, 'redis.log')], { log: join(dir, 'stderr.log') });
  const stopServer = async (): Promise<void> => {
    await stopChild(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 20_000, child);
    const conns: Any[] = [];
    const connect = (): Any => {
      const r = new Redis({ host: '127.0.0.1', port, enableAutoPipelining: true, maxRetriesPerRequest: 1, lazyConnect: false });
      conns.push(r);
      return r;
    };
    const main = connect();
    await main.ping();
    const make = (fsync: 'everysec' | 'always'): Target => ({
      id: `redis-${fsync}`,
      system: 'Redis Streams',
      config: `AOF ${fsync}`,
      klass: fsync === 'always' ? 'fsync' : 'page-cache',
      durability: fsync === 'always' ? 'appendonly yes, appendfsync always: reply after the AOF write+fsync (group commit per event-loop pass)' : 'appendonly yes, appendfsync everysec: reply from memory, AOF fsynced once a second',
      async before() {
        await main.config('SET', 'appendfsync', fsync);
      },
      async topic(tag) {
        const key = uniq(tag);
        return {
          publish: (body) => main.xadd(key, '*', 'd', body),
          async consume(onMessage) {
            const group = `g${++topicSeq}`;
            await main.xgroup('CREATE', key, group, '0', 'MKSTREAM');
            const r = connect();
            let running = true;
            const loop = (async () => {
              while (running) {
                const res = (await r.xreadgroupBuffer('GROUP', group, 'c', 'COUNT', 1000, 'BLOCK', 100, 'STREAMS', key, '>')) as Array<[Buffer, Array<[Buffer, Buffer[]]>]> | null;
                if (!res) continue;
                const entries = res[0]![1];
                const ids: Buffer[] = [];
                for (const [id, fields] of entries) {
                  ids.push(id);
                  onMessage(fields[1]!);
                }
                if (ids.length > 0) void main.xack(key, group, ...ids).catch(() => undefined);
              }
            })();
            return async () => {
              running = false;
              await loop.catch(() => undefined);
              r.disconnect();
            };
          },
          async drop() {
            await main.del(key);
          },
        };
      },
      async close() {},
    });
    return {
      name: 'Redis',
      version: debVersion('redis-server'),
      clients: `ioredis ${clientVersion('ioredis')} (enableAutoPipelining)`,
      targets: [make('everysec'), make('always')],
      async stop() {
        for (const c of conns) c.disconnect();
        await stopServer();
      },
    };
  } catch (err) {
    await stopServer();
    throw err;
  }
}

// NATS JetStream -------------------------------------------------------------------------------

async function startJetStream(tmp: string): Promise<Server> {
  const nats = peerRequire('nats') as Any;
  const dir = fs.mkdtempSync(join(tmp, 'jetstream-'));
  const port = await freePort();
  const child = startChild('nats-server', ['-js', '-sd', dir, '-a', '127.0.0.1', '-p', String(port)], { log: join(dir, 'stderr.log') });
  const stopServer = async (): Promise<void> => {
    await stopChild(child);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 20_000, child);
    const nc = await nats.connect({ servers: `127.0.0.1:${port}` });
    const js = nc.jetstream();
    const jsm = await nc.jetstreamManager();
    const target: Target = {
      id: 'jetstream',
      system: 'NATS JetStream',
      config: 'file storage, R1',
      klass: 'page-cache',
      durability: 'file storage, 1 replica: PubAck after the write to the message block (page cache); nats-server 2.9 has no sync_interval/always option, blocks are fsynced on its own schedule',
      async topic(tag) {
        const name = uniq(tag);
        const subject = `s.${name}`;
        await jsm.streams.add({ name, subjects: [subject], storage: nats.StorageType.File, num_replicas: 1 });
        return {
          publish: (body) => js.publish(subject, body),
          async consume(onMessage) {
            const durable = `c${++topicSeq}`;
            await jsm.consumers.add(name, { durable_name: durable, ack_policy: nats.AckPolicy.Explicit, deliver_policy: nats.DeliverPolicy.All });
            const consumer = await js.consumers.get(name, durable);
            const messages = await consumer.consume({ max_messages: 1000 });
            const loop = (async () => {
              for await (const m of messages) {
                onMessage(m.data as Uint8Array);
                m.ack();
              }
            })();
            return async () => {
              messages.stop();
              await withTimeout(loop, 5000, 'JetStream consumer stop').catch(() => undefined);
            };
          },
          async drop() {
            await jsm.streams.delete(name).catch(() => undefined);
          },
        };
      },
      async close() {
        await nc.drain().catch(() => undefined);
      },
    };
    return {
      name: 'NATS JetStream',
      version: debVersion('nats-server'),
      clients: `nats ${clientVersion('nats')}`,
      targets: [target],
      async stop() {
        await target.close().catch(() => undefined);
        await stopServer();
      },
    };
  } catch (err) {
    await stopServer();
    throw err;
  }
}

// RabbitMQ -------------------------------------------------------------------------------------

const RABBIT_BIN = '/usr/lib/rabbitmq/bin';

async function startRabbit(tmp: string): Promise<Server> {
  const amqp = peerRequire('amqplib') as Any;
  const dir = fs.mkdtempSync(join(tmp, 'rabbitmq-'));
  const [port, distPort, epmdPort] = [await freePort(), await freePort(), await freePort()];
  fs.writeFileSync(join(dir, 'enabled_plugins'), '[].\n');
  fs.writeFileSync(join(dir, 'rabbitmq.conf'), `listeners.tcp.default = 127.0.0.1:${port}\nloopback_users.guest = true\n`);
  // Our own epmd on its own port, so we never touch (or depend on) a system-wide one, and can stop it.
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HOME: dir,
    ERL_EPMD_PORT: String(epmdPort),
    ERL_EPMD_ADDRESS: '127.0.0.1',
    RABBITMQ_MNESIA_BASE: join(dir, 'mnesia'),
    RABBITMQ_LOG_BASE: join(dir, 'log'),
    RABBITMQ_NODENAME: `apogeebench${process.pid}@localhost`,
    RABBITMQ_NODE_IP_ADDRESS: '127.0.0.1',
    RABBITMQ_NODE_PORT: String(port),
    RABBITMQ_DIST_PORT: String(distPort),
    RABBITMQ_CONFIG_FILE: join(dir, 'rabbitmq.conf'),
    RABBITMQ_ENABLED_PLUGINS_FILE: join(dir, 'enabled_plugins'),
    RABBITMQ_PID_FILE: join(dir, 'rabbit.pid'),
  };
  const epmd = startChild('epmd', ['-port', String(epmdPort), '-address', '127.0.0.1'], { env, log: join(dir, 'epmd.log') });
  const child = startChild(join(RABBIT_BIN, 'rabbitmq-server'), [], { env, cwd: dir, log: join(dir, 'stderr.log') });
  child.stdout!.resume();
  const stopServer = async (): Promise<void> => {
    await stopChild(child, 20_000);
    await stopChild(epmd);
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, 60_000, child);
    let conn: Any;
    for (let i = 0; ; i++) {
      try {
        conn = await amqp.connect(`amqp://guest:guest@127.0.0.1:${port}`);
        break;
      } catch (err) {
        if (i > 50) throw err;
        await sleep(200);
      }
    }
    const pub = await conn.createConfirmChannel();
    const make = (type: 'stream' | 'quorum' | 'classic'): Target => ({
      id: `rabbitmq-${type}`,
      system: 'RabbitMQ',
      config: `${type} ${type === 'stream' ? 'stream' : 'queue'}`,
      klass: type === 'stream' ? 'page-cache' : 'fsync',
      durability:
        type === 'stream'
          ? 'stream queue, persistent messages, publisher confirms: confirm after the segment write (streams do not fsync; durability comes from replication, here 1 node)'
          : type === 'quorum'
            ? 'quorum queue (1 node), publisher confirms: confirm after the Raft WAL fdatasync'
            : 'durable classic queue, persistent messages (delivery mode 2), publisher confirms: confirm after the message store fsync',
      async topic(tag) {
        const q = uniq(tag);
        await pub.assertQueue(q, { durable: true, arguments: { 'x-queue-type': type } });
        return {
          publish: (body) =>
            new Promise<void>((resolve, reject) => {
              pub.sendToQueue(q, body, { persistent: true }, (err: unknown) => (err ? reject(err instanceof Error ? err : new Error('nack')) : resolve()));
            }),
          async consume(onMessage) {
            const ch = await conn.createChannel();
            await ch.prefetch(1000);
            let n = 0;
            await ch.consume(
              q,
              (m: Any) => {
                if (!m) return;
                onMessage(m.content as Buffer);
                if (++n % 100 === 0) ch.ack(m, true);
              },
              { noAck: false, arguments: type === 'stream' ? { 'x-stream-offset': 'first' } : undefined },
            );
            return async () => {
              await ch.close().catch(() => undefined);
            };
          },
          async drop() {
            await pub.deleteQueue(q).catch(() => undefined);
          },
        };
      },
      async close() {},
    });
    return {
      name: 'RabbitMQ',
      version: debVersion('rabbitmq-server'),
      clients: `amqplib ${clientVersion('amqplib')}`,
      targets: [make('stream'), make('quorum'), make('classic')],
      async stop() {
        await conn.close().catch(() => undefined);
        await stopServer();
      },
    };
  } catch (err) {
    await stopServer();
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Workloads

const pct = (sorted: Float64Array, p: number): number => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))]!);
const round2 = (x: number): number => Math.round(x * 100) / 100;

interface Throughput {
  messages: number;
  seconds: number;
  msgsPerSec: number;
  capped?: boolean;
}

/** Keeps up to `window` messages in flight until `total` are acknowledged or the time cap passes. */
function pipelined(total: number, window: number, per: number, capMs: number, send: () => Promise<unknown>): Promise<Throughput> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const stopAt = t0 + capMs;
    let issued = 0;
    let done = 0;
    let failed = false;
    let stopped = false;
    let finished = false;
    const finish = (): void => {
      if (finished) return;
      finished = true;
      const seconds = (performance.now() - t0) / 1000;
      resolve({ messages: done, seconds: round2(seconds), msgsPerSec: Math.round(done / seconds), ...(issued < total ? { capped: true } : {}) });
    };
    const pump = (): void => {
      while (!stopped && issued < total && issued - done < window) {
        if (performance.now() > stopAt) {
          stopped = true;
          break;
        }
        issued += per;
        send().then(
          () => {
            done += per;
            if (done >= issued && (issued >= total || stopped)) finish();
            else pump();
          },
          (err: unknown) => {
            if (!failed) reject(err);
            failed = true;
          },
        );
      }
      if (stopped && done >= issued) finish();
    };
    pump();
  });
}

interface Latency {
  messages: number;
  p50ms: number;
  p99ms: number;
  capped?: boolean;
  /** Messages not delivered by the end of the grace period after the last send (late, not necessarily lost). */
  notReceived?: number;
}

function latencyOf(samples: number[]): { p50ms: number; p99ms: number } {
  const s = Float64Array.from(samples).sort();
  return { p50ms: round2(pct(s, 0.5)), p99ms: round2(pct(s, 0.99)) };
}

async function workloadB(topic: Topic): Promise<Latency> {
  const lat: number[] = [];
  const stopAt = performance.now() + P.bCapMs;
  for (let i = 0; i < P.bN && performance.now() < stopAt; i++) {
    const t = performance.now();
    await topic.publish(TEMPLATE);
    lat.push(performance.now() - t);
  }
  return { messages: lat.length, ...latencyOf(lat), ...(lat.length < P.bN ? { capped: true } : {}) };
}

async function workloadC(topic: Topic): Promise<Latency> {
  const total = P.cRate * P.cSeconds;
  const lat: number[] = [];
  let warm = 0;
  let allIn: () => void = () => {};
  const received = new Promise<void>((r) => (allIn = r));
  const stop = await topic.consume((b) => {
    const stamp = Buffer.from(b.buffer, b.byteOffset, b.byteLength).readDoubleLE(0);
    if (stamp === 0) {
      warm++;
      return;
    }
    lat.push(performance.now() - stamp);
    if (lat.length >= total) allIn();
  });
  try {
    // Warm-up: the consumer must be attached and receiving before the clock starts.
    const warmBody = Buffer.alloc(BODY_SIZE, 'x');
    warmBody.writeDoubleLE(0, 0);
    const warmEnd = performance.now() + 20_000;
    while (warm === 0) {
      if (performance.now() > warmEnd) throw new Error('consumer received nothing within 20 s');
      await topic.publish(warmBody);
      await sleep(50);
    }
    await sleep(100);
    const t0 = performance.now() + 5;
    const interval = 1000 / P.cRate;
    let i = 0;
    let inflight = 0;
    let error: unknown;
    await new Promise<void>((resolve) => {
      const tick = (): void => {
        const due = Math.min(total, Math.floor((performance.now() - t0) / interval));
        while (i < due && inflight < 20_000) {
          const b = Buffer.allocUnsafe(BODY_SIZE);
          TEMPLATE.copy(b);
          b.writeDoubleLE(t0 + i * interval, 0);
          i++;
          inflight++;
          topic.publish(b).then(
            () => inflight--,
            (err: unknown) => {
              inflight--;
              error ??= err;
            },
          );
        }
        if (i >= total || error) resolve();
        else setTimeout(tick, 1);
      };
      tick();
    });
    if (error) throw error;
    await Promise.race([received, sleep(SMOKE ? 5_000 : 3_000)]);
    return { messages: lat.length, ...latencyOf(lat), ...(lat.length < total ? { notReceived: total - lat.length } : {}) };
  } finally {
    await stop();
  }
}

interface CatchUp extends Throughput {
  firstMessageMs: number;
}

async function workloadD(topic: Topic, backlog: number): Promise<CatchUp> {
  let n = 0;
  let first = 0;
  let last = 0;
  let done: () => void = () => {};
  const all = new Promise<void>((r) => (done = r));
  const t0 = performance.now();
  const stop = await topic.consume(() => {
    const now = performance.now();
    if (n === 0) first = now;
    last = now;
    if (++n >= backlog) done();
  });
  try {
    await Promise.race([all, sleep(P.dCapMs)]);
  } finally {
    await stop();
  }
  // Rate from the first to the last message (a new consumer's join/rebalance time is reported apart).
  const seconds = Math.max(1e-6, (last - first) / 1000);
  return { messages: n, seconds: round2(seconds), msgsPerSec: Math.round(Math.max(0, n - 1) / seconds), firstMessageMs: Math.round(first - t0), ...(n < backlog ? { capped: true } : {}) };
}

type Metric = 'A_single' | 'A_batch' | 'B' | 'C' | 'D';
interface RunResult {
  A_single?: Throughput;
  A_batch?: Throughput;
  B?: Latency;
  C?: Latency;
  D?: CatchUp;
  seconds: number;
  loadavg1: number;
  error?: string;
}

/** A round's workloads, in the order a round runs them; D reads the backlog A left, so they are one unit. */
const UNITS = ['A+D', 'A_batch', 'B', 'C'] as const;
type Unit = (typeof UNITS)[number];

async function runUnit(target: Target, unit: Unit, r: RunResult): Promise<void> {
  if (unit === 'A+D') {
    const ta = await target.topic('A');
    r.A_single = await pipelined(P.aN, P.window, 1, P.aCapMs, () => ta.publish(TEMPLATE));
    r.D = await workloadD(ta, r.A_single.messages);
    await ta.drop();
  } else if (unit === 'A_batch') {
    if (target.system !== 'Apogee') return;
    const tb = await target.topic('Ab');
    const batch = Array.from({ length: P.batch }, () => TEMPLATE);
    r.A_batch = await pipelined(P.aN, P.window, P.batch, P.aCapMs, () => tb.publishBatch!(batch));
    await tb.drop();
  } else if (unit === 'B') {
    const tB = await target.topic('B');
    r.B = await workloadB(tB);
    await tB.drop();
  } else {
    const tC = await target.topic('C');
    r.C = await workloadC(tC);
    await tC.drop();
  }
}

async function oneRound(target: Target): Promise<RunResult> {
  const t0 = Date.now();
  const r: RunResult = { seconds: 0, loadavg1: round2(os.loadavg()[0]!) };
  try {
    await target.before?.();
    for (const unit of UNITS) await runUnit(target, unit, r);
  } catch (err) {
    r.error = err instanceof Error ? err.message : String(err);
    console.log(`    ${target.id}: ${r.error}`);
  }
  r.seconds = Math.round((Date.now() - t0) / 100) / 10;
  return r;
}

function describeRound(id: string, rep: number, r: RunResult): string {
  const f = (x: number | undefined): string => (x === undefined ? '-' : x.toLocaleString('en-US'));
  return `  ${id} run ${rep}: A ${f(r.A_single?.msgsPerSec)}${r.A_single?.capped ? '*' : ''} msg/s${r.A_batch ? `, A batch ${f(r.A_batch.msgsPerSec)}` : ''}, D ${f(r.D?.msgsPerSec)} msg/s (first after ${r.D?.firstMessageMs ?? '-'} ms), B p50/p99 ${r.B?.p50ms ?? '-'}/${r.B?.p99ms ?? '-'} ms${r.B?.capped ? ` (${r.B.messages} msgs, time cap)` : ''}, C p50/p99 ${r.C?.p50ms ?? '-'}/${r.C?.p99ms ?? '-'} ms${r.C?.notReceived ? ` (${r.C.notReceived} not received in time)` : ''} [${r.seconds} s, load ${r.loadavg1}]`;
}

// ---------------------------------------------------------------------------------------------
// Raw machine limits

function diskLimits(tmp: string): Record<string, number> {
  const dir = fs.mkdtempSync(join(tmp, 'disk-'));
  const fd = fs.openSync(join(dir, 'probe'), 'w');
  const chunk = Buffer.alloc(1 << 20, 7);
  const t0 = performance.now();
  for (let i = 0; i < P.diskMiB; i++) {
    fs.writeSync(fd, chunk, 0, chunk.length, i * chunk.length);
    fs.fdatasyncSync(fd);
  }
  const mbps = (P.diskMiB * chunk.length) / ((performance.now() - t0) / 1000) / 1e6;
  const small = Buffer.alloc(1000, 1);
  const lat: number[] = [];
  for (let i = 0; i < (SMOKE ? 50 : 500); i++) {
    fs.writeSync(fd, small, 0, small.length, (P.diskMiB << 20) + i * 1000);
    const a = performance.now();
    fs.fdatasyncSync(fd);
    lat.push(performance.now() - a);
  }
  fs.closeSync(fd);
  fs.rmSync(dir, { recursive: true, force: true });
  const l = latencyOf(lat);
  return { seqWriteFdatasync1MiBMBps: Math.round(mbps), fdatasyncAppend1KBp50ms: l.p50ms, fdatasyncAppend1KBp99ms: l.p99ms };
}

async function tcpLimit(): Promise<number> {
  // Receiver in another process (the sender alone keeps one core busy).
  const code = `const s=require('net').createServer(c=>{let n=0;c.on('data',d=>n+=d.length);c.on('end',()=>{process.stdout.write(n+'\\n');process.exit(0)})});s.listen(0,'127.0.0.1',()=>process.stdout.write(s.address().port+'\\n'))`;
  const child = startChild(process.execPath, ['-e', code], { log: '/dev/null' });
  try {
    const port = Number(await waitForLine(child, (l) => /^\d+$/.test(l), 10_000));
    const bytesLine = new Promise<number>((resolve) => child.stdout!.on('data', (d: Buffer) => resolve(Number(d.toString().trim()))));
    const sock = net.connect(port, '127.0.0.1');
    await new Promise<void>((r) => sock.once('connect', () => r()));
    const chunk = Buffer.alloc(256 * 1024, 1);
    const t0 = performance.now();
    while (performance.now() - t0 < P.tcpMs) {
      if (!sock.write(chunk)) await new Promise<void>((r) => sock.once('drain', () => r()));
    }
    sock.end();
    const bytes = await withTimeout(bytesLine, 10_000, 'tcp receiver');
    const secs = (performance.now() - t0) / 1000;
    return Math.round(bytes / secs / 1e6);
  } finally {
    await stopChild(child);
  }
}

// ---------------------------------------------------------------------------------------------
// Installation (full mode only)

const notes: string[] = [];

function ensureServers(): Set<string> {
  const have = (bin: string): boolean => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
  const wanted: Array<[string, string, string]> = [
    ['redis', 'redis-server', 'redis-server'],
    ['jetstream', 'nats-server', 'nats-server'],
    ['rabbitmq', 'rabbitmq-server', join(RABBIT_BIN, 'rabbitmq-server')],
  ];
  const missing = wanted.filter(([id, , bin]) => ONLY.has(id) && !(bin.startsWith('/') ? fs.existsSync(bin) : have(bin)));
  if (missing.length > 0) {
    if (process.getuid?.() !== 0) notes.push(`not root: cannot apt-get install ${missing.map((m) => m[1]).join(', ')}`);
    else {
      console.log(`installing ${missing.map((m) => m[1]).join(' ')} (apt-get)…`);
      const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
      spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
      for (const [, pkg] of missing) {
        const policy = spawnSync('apt-cache', ['policy', pkg], { encoding: 'utf8' }).stdout;
        if (!/Candidate: (?!\(none\))/.test(policy)) {
          notes.push(`Debian has no package ${pkg}: left out`);
          continue;
        }
        const r = spawnSync('apt-get', ['install', '-y', '-q', pkg], { stdio: 'inherit', env });
        if (r.status !== 0) notes.push(`apt-get install ${pkg} failed: left out`);
      }
    }
  }
  const ok = new Set<string>(['apogee']);
  for (const [id, , bin] of wanted) if (ONLY.has(id) && (bin.startsWith('/') ? fs.existsSync(bin) : have(bin))) ok.add(id);
  return ok;
}

function ensurePeerClients(): boolean {
  const lock = join(PEERS_DIR, 'package-lock.json');
  const marker = join(PEERS_DIR, 'node_modules', '.package-lock.json');
  if (fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs) return true;
  console.log('installing the peers’ npm clients (bench/peers: npm ci)…');
  const r = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: PEERS_DIR, stdio: 'inherit' });
  if (r.status !== 0) notes.push('npm ci in bench/peers failed: peers left out');
  return r.status === 0;
}

// ---------------------------------------------------------------------------------------------
// Report

interface Summary {
  median: number;
  min: number;
  max: number;
  runs: number;
  /** Runs cut short by the time cap (A/B/D: fewer messages than planned) or with C messages not received in time. */
  incomplete?: number;
}

function summarize(values: number[]): Summary | undefined {
  const v = values.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return undefined;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
  return { median: round2(median), min: v[0]!, max: v[v.length - 1]!, runs: v.length };
}

const COLUMNS: Array<{ key: string; label: string; higherBetter: boolean; get: (r: RunResult) => number | undefined; incomplete?: (r: RunResult) => boolean }> = [
  { key: 'A_single', label: 'A publish msg/s', higherBetter: true, get: (r) => r.A_single?.msgsPerSec, incomplete: (r) => !!r.A_single?.capped },
  { key: 'A_batch', label: 'A batch(100) msg/s', higherBetter: true, get: (r) => r.A_batch?.msgsPerSec, incomplete: (r) => !!r.A_batch?.capped },
  { key: 'B_p50', label: 'B p50 ms', higherBetter: false, get: (r) => r.B?.p50ms, incomplete: (r) => !!r.B?.capped },
  { key: 'B_p99', label: 'B p99 ms', higherBetter: false, get: (r) => r.B?.p99ms, incomplete: (r) => !!r.B?.capped },
  { key: 'C_p50', label: 'C p50 ms', higherBetter: false, get: (r) => r.C?.p50ms, incomplete: (r) => !!r.C?.notReceived },
  { key: 'C_p99', label: 'C p99 ms', higherBetter: false, get: (r) => r.C?.p99ms, incomplete: (r) => !!r.C?.notReceived },
  { key: 'D', label: 'D catch-up msg/s', higherBetter: true, get: (r) => r.D?.msgsPerSec, incomplete: (r) => !!r.D?.capped },
];

interface TargetReport {
  id: string;
  system: string;
  config: string;
  klass: DurabilityClass;
  durability: string;
  version: string;
  client: string;
  runs: RunResult[];
  summary: Record<string, Summary>;
  note?: string;
}

function fmt(x: number): string {
  if (x >= 100) return Math.round(x).toLocaleString('en-US');
  if (x >= 10) return x.toFixed(1);
  return x.toFixed(2);
}
const cell = (s: Summary | undefined): string => (s ? `${fmt(s.median)} (${fmt(s.min)}–${fmt(s.max)})${s.incomplete ? '*' : ''}` : '–');

function table(reports: TargetReport[]): string {
  const head = ['System', 'Durability class', 'Runs', ...COLUMNS.map((c) => c.label)];
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  for (const t of reports) {
    const runs = t.runs.filter((r) => !r.error).length;
    lines.push(`| ${t.system} ${t.config} | ${t.klass === 'fsync' ? 'fsync before ack' : 'page-cache ack'} | ${runs}${t.runs.length > runs ? ` (+${t.runs.length - runs} failed)` : ''} | ${COLUMNS.map((c) => cell(t.summary[c.key])).join(' | ')} |`);
  }
  return lines.join('\n');
}

interface Ratio {
  klass: DurabilityClass;
  metric: string;
  apogee: string;
  apogeeValue: number;
  bestPeer: string;
  bestPeerValue: number;
  ratio: number;
  apogeeBetter: boolean;
}

function ratios(reports: TargetReport[]): Ratio[] {
  const out: Ratio[] = [];
  for (const klass of ['page-cache', 'fsync'] as const) {
    const apogee = reports.find((t) => t.system === 'Apogee' && t.klass === klass);
    const peers = reports.filter((t) => t.system !== 'Apogee' && t.klass === klass);
    if (!apogee || peers.length === 0) continue;
    for (const c of COLUMNS) {
      const mine = apogee.summary[c.key === 'A_batch' ? 'A_batch' : c.key];
      const peerKey = c.key === 'A_batch' ? 'A_single' : c.key;
      const candidates = peers.filter((p) => p.summary[peerKey]).sort((a, b) => (c.higherBetter ? b.summary[peerKey]!.median - a.summary[peerKey]!.median : a.summary[peerKey]!.median - b.summary[peerKey]!.median));
      const best = candidates[0];
      if (!mine || !best) continue;
      const bv = best.summary[peerKey]!.median;
      out.push({
        klass,
        metric: c.key,
        apogee: `${apogee.system} ${apogee.config}`,
        apogeeValue: mine.median,
        bestPeer: `${best.system} ${best.config}`,
        bestPeerValue: bv,
        ratio: round2(mine.median / bv),
        apogeeBetter: c.higherBetter ? mine.median >= bv : mine.median <= bv,
      });
    }
  }
  return out;
}

function goals(reports: TargetReport[], rs: Ratio[]): string[] {
  const lines: string[] = [];
  for (const r of rs.filter((x) => x.metric === 'A_single')) lines.push(`A single sends, ${r.klass}: Apogee/best peer = ${r.ratio}× (goal ≥ 2×) ${r.ratio >= 2 ? 'MET' : 'NOT MET'}`);
  for (const r of rs.filter((x) => x.metric === 'B_p50')) lines.push(`B p50, ${r.klass}: Apogee ${r.apogeeValue} ms vs ${r.bestPeer} ${r.bestPeerValue} ms (goal: no worse) ${r.apogeeBetter ? 'MET' : 'NOT MET'}`);
  for (const t of reports.filter((x) => x.system === 'Apogee')) {
    const c = t.summary.C_p99;
    const d = t.summary.D;
    if (c) lines.push(`C p99, ${t.config}: ${c.median} ms (goal ≤ 5 ms) ${c.median <= 5 ? 'MET' : 'NOT MET'}`);
    if (d) lines.push(`D catch-up, ${t.config}: ${d.median.toLocaleString('en-US')} msg/s (goal ≥ 150,000) ${d.median >= 150_000 ? 'MET' : 'NOT MET'}`);
  }
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Before/after (--ab)

type Side = 'before' | 'after';

function cpuTicks(pid: number | undefined): number {
  if (pid === undefined) return NaN;
  // Fields after "(comm)": utime and stime are the 12th and 13th; all threads of the process count.
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(rest[11]) + Number(rest[12]);
}
const TICKS_PER_S = 100; // USER_HZ on Linux

function buildOf(root: string): string {
  const r = spawnSync('git', ['-C', root, 'describe', '--always', '--dirty'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '?';
}

/** Its own process group (detached), like every child here, so the watchdog's and SIGINT's group kill reach it. */
function startScraper(urls: string[], intervalMs: number): (() => Promise<unknown>) | undefined {
  if (urls.length === 0) return undefined;
  const child = spawn(process.execPath, [join(ROOT, 'bench', 'scrape-metrics.mjs'), `--interval-ms=${intervalMs}`, ...urls.map((u) => `--url=${u}`)], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  live.add(child);
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString('utf8')));
  const closed = new Promise<void>((r) => child.once('close', () => r()));
  return async () => {
    child.kill('SIGTERM');
    await closed;
    live.delete(child);
    try {
      return JSON.parse(out) as unknown;
    } catch {
      return { error: `scraper printed: ${out.slice(0, 200)}` };
    }
  };
}

interface AbFlushReport {
  flush: 'ASYNC_FLUSH' | 'SYNC_FLUSH';
  durability: string;
  runs: Record<Side, RunResult[]>;
  /** Server CPU seconds per workload unit and round. */
  cpu: Record<Side, Record<Unit, number[]>>;
  figures: Record<string, PairedFigure>;
  /** Scrapes answered over all rounds. */
  scrapes: number;
  note?: string;
}

const CPU_KEY = (u: Unit | 'all'): string => `cpu ${u}`;

function abFigures(runs: Record<Side, RunResult[]>, cpu: Record<Side, Record<Unit, number[]>>): Record<string, PairedFigure> {
  const out: Record<string, PairedFigure> = {};
  const both = runs.before.map((b, i) => [b, runs.after[i]!] as const).filter(([b, a]) => !b.error && !a.error);
  for (const c of COLUMNS) {
    const f = pairedFigure(both.map(([b]) => c.get(b) ?? NaN), both.map(([, a]) => c.get(a) ?? NaN));
    if (f) out[c.key] = f;
  }
  const total = (side: Side): number[] => runs[side].map((_, i) => UNITS.reduce((s, u) => s + (cpu[side][u][i] ?? 0), 0));
  const ok = runs.before.map((b, i) => !b.error && !runs.after[i]!.error);
  const keep = (xs: number[]): number[] => xs.filter((_, i) => ok[i]);
  for (const u of UNITS) {
    const f = pairedFigure(keep(cpu.before[u]), keep(cpu.after[u]));
    if (f) out[CPU_KEY(u)] = f;
  }
  const f = pairedFigure(keep(total('before')), keep(total('after')));
  if (f) out[CPU_KEY('all')] = f;
  return out;
}

function abTable(reports: AbFlushReport[]): string {
  const labels: Record<string, string> = Object.fromEntries(COLUMNS.map((c) => [c.key, c.label]));
  for (const u of [...UNITS, 'all' as const]) labels[CPU_KEY(u)] = `server CPU s, ${u === 'all' ? 'whole round' : u}`;
  const lines = ['| flush | figure | pairs | before median | after median | after / before | 95 % interval | within 5 %? |', '|---|---|---|---|---|---|---|---|'];
  for (const r of reports) {
    for (const [key, f] of Object.entries(r.figures)) {
      const verdict = f.verdict === 'within' ? 'yes' : f.verdict === 'outside' ? '**no**' : 'cannot tell';
      lines.push(`| ${r.flush} | ${labels[key] ?? key} | ${f.pairs} | ${fmt(f.beforeMedian)} | ${fmt(f.afterMedian)} | ${f.ratio.toFixed(3)} | ${f.low.toFixed(3)}–${f.high.toFixed(3)} | ${verdict} |`);
    }
  }
  return lines.join('\n');
}

/**
 * One round: both builds' servers started afresh (which one first alternates), warmed up alike, then
 * every workload on one and then on the other. Fresh processes each round make the rounds independent:
 * a process keeps its JIT and heap state for life, and a run that reused two processes would pair
 * the same two states every round.
 */
async function abRound(flush: 'ASYNC_FLUSH' | 'SYNC_FLUSH', rep: number, roots: Record<Side, string>, tmp: string, scrapeMs: number | undefined, report: AbFlushReport): Promise<Record<Side, RunResult>> {
  const servers: Partial<Record<Side, Server>> = {};
  let stopScraper: (() => Promise<unknown>) | undefined;
  const r: Record<Side, RunResult> = { before: { seconds: 0, loadavg1: round2(os.loadavg()[0]!) }, after: { seconds: 0, loadavg1: round2(os.loadavg()[0]!) } };
  try {
    for (const side of rep % 2 ? (['before', 'after'] as const) : (['after', 'before'] as const)) servers[side] = await startApogee(flush, tmp, roots[side], argOf(`${side}-props`));
    const sides = servers as Record<Side, Server>;
    report.durability ||= sides.after.targets[0]!.durability;
    if (rep === 1) console.log(`\n${flush}: before ${sides.before.version} (metrics ${sides.before.metricsUrls?.join(' ') || 'none'}), after ${sides.after.version} (metrics ${sides.after.metricsUrls?.join(' ') || 'none'}); both started afresh each round`);
    if (scrapeMs !== undefined) stopScraper = startScraper([...(sides.before.metricsUrls ?? []), ...(sides.after.metricsUrls ?? [])], scrapeMs);
    for (const side of ['before', 'after'] as const) {
      // Warm-up, not measured: the send and pull paths compiled before the clock starts.
      const t = await sides[side].targets[0]!.topic('warm');
      const warm = await pipelined(P.aN / 10, P.window, 1, P.aCapMs, () => t.publish(TEMPLATE));
      await workloadD(t, warm.messages);
      await t.drop();
    }
    // A first scrape compiles its code and starts its collectors, once in a process's life; a
    // Prometheus-scraped broker is past it long before anyone measures, so it happens here, unmeasured.
    if (scrapeMs !== undefined) for (const u of [...(sides.before.metricsUrls ?? []), ...(sides.after.metricsUrls ?? [])]) await (await fetch(u)).text();
    for (const [k, unit] of UNITS.entries()) {
      // Alternate who goes first, by workload and by round, so drift weighs on both alike.
      const order: Side[] = (rep + k) % 2 === 1 ? ['before', 'after'] : ['after', 'before'];
      for (const side of order) {
        if (r[side].error) {
          report.cpu[side][unit].push(NaN);
          continue;
        }
        const t0 = Date.now();
        const c0 = cpuTicks(sides[side].pid);
        try {
          await runUnit(sides[side].targets[0]!, unit, r[side]);
        } catch (err) {
          r[side].error = `${unit}: ${err instanceof Error ? err.message : String(err)}`;
          console.log(`    ${side}: ${r[side].error}`);
        }
        report.cpu[side][unit].push((cpuTicks(sides[side].pid) - c0) / TICKS_PER_S);
        r[side].seconds = Math.round(r[side].seconds * 10 + (Date.now() - t0) / 100) / 10;
      }
    }
  } catch (err) {
    // A server that would not start: the round counts as failed on both sides.
    const msg = `round ${rep}: ${err instanceof Error ? err.message : String(err)}`;
    console.log(`    ${msg}`);
    for (const side of ['before', 'after'] as const) {
      r[side].error ??= msg;
      for (const u of UNITS) if (report.cpu[side][u].length < rep) report.cpu[side][u].push(NaN);
    }
  } finally {
    const scrape = (await stopScraper?.()) as { scrapes?: number } | undefined;
    report.scrapes += scrape?.scrapes ?? 0;
    await servers.after?.stop();
    await servers.before?.stop();
  }
  return r;
}

/** The run's temporary directory, and a watchdog that stops every server and removes it once the budget is past. */
function benchTempDir(prefix: string): string {
  const tmp = fs.mkdtempSync(join(process.env.BENCH_DIR ?? os.tmpdir(), prefix));
  const watchdog = setTimeout(() => {
    console.error(`\nbudget of ${BUDGET_MS / 1000 + 60} s exceeded: stopping every server and exiting`);
    killAllNow();
    fs.rmSync(tmp, { recursive: true, force: true });
    process.exit(3);
  }, BUDGET_MS + 60_000);
  watchdog.unref();
  return tmp;
}

async function mainAb(beforeDir: string): Promise<void> {
  const roots: Record<Side, string> = { before: resolve(beforeDir), after: ROOT };
  if (!fs.existsSync(join(roots.before, 'dist', 'src', 'cli', 'apogee.js'))) {
    console.error(`--ab: ${roots.before} has no dist/src/cli/apogee.js; build it there first (npm ci && npm run build)`);
    process.exit(2);
  }
  const scrapeArg = argOf('scrape-ms') ?? '15000';
  const scrapeMs = scrapeArg === 'none' ? undefined : Number(scrapeArg);
  if (scrapeMs !== undefined && !(scrapeMs >= 100)) {
    console.error(`--scrape-ms: expected a number of milliseconds ≥ 100 or "none", got ${scrapeArg}`);
    process.exit(2);
  }
  const builds = { before: buildOf(roots.before), after: buildOf(roots.after) };
  const tmp = benchTempDir('apogee-peers-ab-');
  const load0 = os.loadavg().map(round2);
  console.log(`peers bench, before/after: before ${roots.before} (${builds.before}${argOf('before-props') ? `, ${argOf('before-props')}` : ''}), after ${roots.after} (${builds.after}${argOf('after-props') ? `, ${argOf('after-props')}` : ''}); ${P.reps} rounds per flush type; scraped ${scrapeMs === undefined ? 'never' : `every ${scrapeMs} ms`}; ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load ${load0.join(' ')}`);
  const reports: AbFlushReport[] = [];
  try {
    for (const [fi, flush] of (['ASYNC_FLUSH', 'SYNC_FLUSH'] as const).entries()) {
      const report: AbFlushReport = {
        flush,
        durability: '',
        runs: { before: [], after: [] },
        cpu: { before: { 'A+D': [], A_batch: [], B: [], C: [] }, after: { 'A+D': [], A_batch: [], B: [], C: [] } },
        figures: {},
        scrapes: 0,
      };
      reports.push(report);
      // Half the budget per flush type.
      const flushDeadline = STARTED + (BUDGET_MS * (fi + 1)) / 2;
      for (let rep = 1; rep <= P.reps; rep++) {
        const lastRound = report.runs.after.at(-1);
        const roundMs = lastRound ? (lastRound.seconds + (report.runs.before.at(-1)?.seconds ?? 0)) * 1000 + 10_000 : 0;
        if (rep > 1 && Date.now() + roundMs > flushDeadline) {
          report.note = `${rep - 1} rounds instead of ${P.reps}, to stay within the ${BUDGET_MS / 1000} s budget`;
          console.log(`  ${flush}: ${report.note}`);
          break;
        }
        const r = await abRound(flush, rep, roots, tmp, scrapeMs, report);
        for (const side of ['before', 'after'] as const) {
          report.runs[side].push(r[side]);
          const cpu = UNITS.reduce((sum, u) => sum + (report.cpu[side][u].at(-1) ?? 0), 0);
          console.log(`${describeRound(`${side.padEnd(6)} ${flush === 'ASYNC_FLUSH' ? 'async' : 'sync '}`, rep, r[side])} server CPU ${cpu.toFixed(2)} s`);
        }
      }
      report.figures = abFigures(report.runs, report.cpu);
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  const md = abTable(reports);
  console.log(`\n${md}\n`);
  console.log('after / before: geometric mean over the pairs of each figure\'s ratio (for latencies and CPU, > 1 is slower); interval: bootstrap 95 % over pairs. "yes": the whole interval lies within 5 % either way; "no": wholly outside; "cannot tell": more pairs needed.');
  if (scrapeMs !== undefined) for (const r of reports) console.log(`${r.flush}: ${r.scrapes} scrapes answered`);
  const result = {
    date: new Date().toISOString(),
    mode: 'ab',
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), node: process.version },
    load: { start: load0, end: os.loadavg().map(round2) },
    parameters: { ...P, bodyBytes: BODY_SIZE, scrapeMs: scrapeMs ?? null },
    builds: { before: { root: roots.before, build: builds.before, props: argOf('before-props') ?? '' }, after: { root: roots.after, build: builds.after, props: argOf('after-props') ?? '' } },
    flushes: reports,
    totalSeconds: Math.round((Date.now() - STARTED) / 1000),
    table: md,
  };
  const out = argOf('out') ?? join(ROOT, 'bench', 'results', `peers-ab-${result.date.replace(/[:.]/g, '-')}.json`);
  fs.mkdirSync(join(out, '..'), { recursive: true });
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`results: ${out}`);
  const failed = reports.length < 2 || reports.some((r) => r.runs.after.every((x) => x.error) || r.runs.before.every((x) => x.error));
  process.exit(failed ? 1 : 0);
}

// ---------------------------------------------------------------------------------------------
// Main

/**
 * `--pool=FILE,FILE,…`: the pairs of several earlier --ab results as one sample. One run's bootstrap
 * interval covers the spread between its pairs, not the drift between runs, which on this VM moved
 * a ratio by 3–4 % from one run to the next; the per-run column shows that drift beside the pooled
 * figure. Only results of the same two builds belong together.
 */
function mainPool(files: string[]): void {
  const pooled = new Map<string, AbFlushReport>();
  const perRun: Array<Map<string, AbFlushReport>> = [];
  for (const file of files) {
    let parsed: { mode?: string; flushes?: AbFlushReport[]; builds?: unknown };
    try {
      parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof parsed;
    } catch (err) {
      throw new Error(`--pool: cannot read ${file}: ${(err as Error).message}`);
    }
    if (parsed.mode !== 'ab' || !Array.isArray(parsed.flushes)) throw new Error(`--pool: ${file} is not a --ab result`);
    console.log(`${file}: ${JSON.stringify(parsed.builds)}`);
    const mine = new Map<string, AbFlushReport>();
    for (const r of parsed.flushes) {
      mine.set(r.flush, { ...r, figures: abFigures(r.runs, r.cpu) });
      const p = pooled.get(r.flush);
      if (!p) pooled.set(r.flush, { ...r, runs: { before: [...r.runs.before], after: [...r.runs.after] }, cpu: structuredClone(r.cpu), scrapes: r.scrapes });
      else {
        for (const side of ['before', 'after'] as const) {
          p.runs[side].push(...r.runs[side]);
          for (const u of UNITS) p.cpu[side][u].push(...r.cpu[side][u]);
        }
        p.scrapes += r.scrapes;
      }
    }
    perRun.push(mine);
  }
  const reports = [...pooled.values()].map((r) => ({ ...r, figures: abFigures(r.runs, r.cpu) }));
  console.log(`\n${abTable(reports)}\n`);
  console.log('per run, in the order given (after / before):');
  for (const r of reports) {
    for (const key of Object.keys(r.figures)) {
      const ratios = perRun.map((m) => m.get(r.flush)?.figures[key]?.ratio.toFixed(3) ?? '–');
      console.log(`  ${r.flush} ${key}: ${ratios.join(' ')}`);
    }
  }
}

async function main(): Promise<void> {
  const pool = argOf('pool');
  if (pool) {
    try {
      return mainPool(pool.split(',').filter(Boolean));
    } catch (err) {
      console.error((err as Error).message);
      process.exit(2);
    }
  }
  if (AB) return mainAb(AB);
  const tmp = benchTempDir('apogee-peers-');
  const load0 = os.loadavg().map(round2);
  const busy = spawnSync('ps', ['-eo', 'pcpu,comm', '--sort=-pcpu', '--no-headers'], { encoding: 'utf8' })
    .stdout.split('\n')
    .slice(0, 6)
    .map((l) => l.trim())
    .filter(Boolean);
  console.log(`peers bench${SMOKE ? ' (smoke)' : ''}: ${os.cpus().length} × ${os.cpus()[0]?.model ?? '?'}, load average ${load0.join(' ')}; budget ${BUDGET_MS / 1000} s`);
  console.log(`busiest processes at start: ${busy.join('; ')}`);

  let available = new Set(['apogee']);
  if (!SMOKE) {
    available = ensureServers();
    if (![...available].some((x) => x !== 'apogee') || !ensurePeerClients()) available = new Set(['apogee']);
  }
  for (const id of ONLY) if (!available.has(id)) notes.push(`${id}: not measured`);

  const raw: Record<string, number> = { ...diskLimits(tmp), loopbackTcpMBps: await tcpLimit() };
  console.log(`raw limits: sequential 1 MiB write+fdatasync ${raw.seqWriteFdatasync1MiBMBps} MB/s; 1 KB append+fdatasync p50 ${raw.fdatasyncAppend1KBp50ms} ms, p99 ${raw.fdatasyncAppend1KBp99ms} ms; loopback TCP ${raw.loopbackTcpMBps} MB/s`);

  const plan: Array<{ id: string; start: () => Promise<Server>; estRoundS: number; startS: number }> = [
    { id: 'apogee', start: () => startApogee('ASYNC_FLUSH', tmp), estRoundS: 40, startS: 2 },
    { id: 'apogee', start: () => startApogee('SYNC_FLUSH', tmp), estRoundS: 45, startS: 2 },
    { id: 'redis', start: () => startRedis(tmp), estRoundS: 35, startS: 1 },
    { id: 'jetstream', start: () => startJetStream(tmp), estRoundS: 40, startS: 1 },
    { id: 'rabbitmq', start: () => startRabbit(tmp), estRoundS: 45, startS: 12 },
  ].filter((p) => available.has(p.id));
  const plannedTargets = (p: (typeof plan)[number]): number => (p.id === 'redis' ? 2 : p.id === 'rabbitmq' ? 3 : 1);

  const reports: TargetReport[] = [];
  try {
    for (let pi = 0; pi < plan.length; pi++) {
      const step = plan[pi]!;
      // Time the later servers need for at least one round each.
      const reserveMs = () => plan.slice(pi + 1).reduce((s, p) => s + (p.startS + plannedTargets(p) * p.estRoundS) * 1000, 0);
      let server: Server;
      try {
        server = await step.start();
      } catch (err) {
        notes.push(`${step.id}: could not start (${err instanceof Error ? err.message : String(err)})`);
        console.log(`  ${step.id}: could not start: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      try {
        console.log(`\n${server.name} ${server.version} (client: ${server.clients})`);
        const mine = server.targets.map((t) => {
          const rep: TargetReport = { id: t.id, system: t.system, config: t.config, klass: t.klass, durability: t.durability, version: server.version, client: server.clients, runs: [], summary: {} };
          reports.push(rep);
          return rep;
        });
        // Rounds interleave the server's configurations, so drift and any cut hit them evenly.
        for (let rep = 1; rep <= P.reps; rep++) {
          const roundMs = rep === 1 ? step.estRoundS * 1000 * server.targets.length : Math.max(...mine.map((m) => (m.runs.at(-1)?.seconds ?? step.estRoundS) * 1000)) * server.targets.length;
          if (rep > 1 && Date.now() + roundMs + reserveMs() > DEADLINE) {
            const msg = `${server.name}: ${rep - 1} run(s) instead of ${P.reps}, to stay within the ${BUDGET_MS / 1000} s budget`;
            notes.push(msg);
            for (const m of mine) m.note = msg;
            console.log(`  ${msg}`);
            break;
          }
          for (let ti = 0; ti < server.targets.length; ti++) {
            const r = await oneRound(server.targets[ti]!);
            mine[ti]!.runs.push(r);
            console.log(describeRound(server.targets[ti]!.id, rep, r));
          }
        }
        for (const m of mine) {
          const ok = m.runs.filter((r) => !r.error);
          for (const c of COLUMNS) {
            const s = summarize(ok.map((r) => c.get(r)).filter((x): x is number => x !== undefined));
            const incomplete = ok.filter((r) => c.get(r) !== undefined && c.incomplete?.(r)).length;
            if (s) m.summary[c.key] = incomplete > 0 ? { ...s, incomplete } : s;
          }
        }
      } finally {
        await server.stop();
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  const load1 = os.loadavg().map(round2);
  const rs = ratios(reports);
  const goalLines = goals(reports, rs);
  const md = table(reports);
  console.log(`\n${md}\n`);
  console.log(`Cells: median (min–max) over the runs. A: ${P.aN.toLocaleString('en-US')} acked publishes, ≤ ${P.window} in flight (time cap ${P.aCapMs / 1000} s). B: ${P.bN.toLocaleString('en-US')} one at a time (cap ${P.bCapMs / 1000} s). C: publish→consume at ${P.cRate.toLocaleString('en-US')} msg/s for ${P.cSeconds} s, latency from the scheduled send time. D: a new consumer over A’s backlog, rate first→last message (cap ${P.dCapMs / 1000} s).`);
  console.log('* = in at least one run the time cap ended the workload early (fewer messages than planned; the rate is over what was done) or, for C, some messages had not arrived 3 s after the last send (the system could not sustain the offered rate).');
  if (rs.length > 0) {
    console.log('\nApogee / best peer of the same durability class (throughput: > 1 is better for Apogee; latency: < 1 is better):');
    for (const r of rs) console.log(`  ${r.klass.padEnd(10)} ${r.metric.padEnd(8)} ${r.apogee} ${fmt(r.apogeeValue)} / ${r.bestPeer} ${fmt(r.bestPeerValue)} = ${r.ratio} ${r.apogeeBetter ? '(Apogee ahead)' : '(Apogee behind)'}`);
  }
  if (goalLines.length > 0) console.log(`\nGoals:\n  ${goalLines.join('\n  ')}`);
  if (notes.length > 0) console.log(`\nNotes:\n  ${notes.join('\n  ')}`);
  console.log(`load average: start ${load0.join(' ')}, end ${load1.join(' ')}; total ${Math.round((Date.now() - STARTED) / 1000)} s`);

  const result = {
    date: new Date().toISOString(),
    mode: SMOKE ? 'smoke' : 'full',
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, memGB: Math.round(os.totalmem() / 2 ** 30), kernel: os.release(), node: process.version },
    load: { start: load0, end: load1, busiestAtStart: busy },
    parameters: { ...P, bodyBytes: BODY_SIZE },
    raw,
    targets: reports,
    ratios: rs,
    goals: goalLines,
    notes,
    totalSeconds: Math.round((Date.now() - STARTED) / 1000),
    table: md,
  };
  let out = argOf('out');
  if (!out) {
    const dir = join(ROOT, 'bench', 'results');
    fs.mkdirSync(dir, { recursive: true });
    out = join(dir, `peers${SMOKE ? '-smoke' : ''}-${result.date.replace(/[:.]/g, '-')}.json`);
  }
  fs.writeFileSync(out, JSON.stringify(result, null, 2) + '\n');
  console.log(`results: ${out}`);
  const failed = reports.some((t) => t.runs.length === 0 || t.runs.every((r) => r.error));
  process.exit(failed ? 1 : 0);
}

main().catch((err: unknown) => {
  console.error(err);
  killAllNow();
  process.exit(1);
});
