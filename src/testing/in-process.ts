/**
 * A NameServer (and a broker on it) in this process, on ephemeral loopback ports, data in a temp dir,
 * with short timings so tests need not wait Java's defaults. The fastest way to a real server: no
 * process to spawn, and the test can reach into the broker's store and tables.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NameServer } from '../namesrv/namesrv.js';
import { namesrvDefaults, type NamesrvConfig } from '../namesrv/config.js';
import { Broker } from '../broker/broker.js';
import { brokerDefaults, type BrokerConfig } from '../broker/config.js';
import { metricsPortFor } from '../common/config.js';

export interface InProcessNamesrvOptions {
  /** NameServer settings over the defaults (listenPort 0, 127.0.0.1, a temp rocketmqHome). */
  namesrv?: Partial<NamesrvConfig>;
  /** The NameServer's clock (tests of broker expiry move it by hand). */
  now?: () => number;
}

export interface InProcessNamesrv {
  namesrv: NameServer;
  namesrvAddr: string;
  home: string;
  stop(): Promise<void>;
}

export interface InProcessOptions {
  /** Broker settings over brokerDefaults() and the short test timings below. */
  broker?: Partial<BrokerConfig>;
  /** Store properties over the small test store below. */
  store?: Record<string, string>;
  /** Data directory to use (kept on stop); default a temp dir, removed on stop. */
  home?: string;
  /** Keep the temp dir on stop (to read its files afterwards; the caller removes it). */
  keepHome?: boolean;
}

export interface InProcessCluster {
  namesrv: NameServer;
  broker: Broker;
  namesrvAddr: string;
  brokerAddr: string;
  home: string;
  /** Stops the broker (graceful) and starts a new one on the same store and port. */
  restartBroker(): Promise<Broker>;
  stop(): Promise<void>;
}

export async function startInProcessNamesrv(options: InProcessNamesrvOptions = {}): Promise<InProcessNamesrv> {
  const given = options.namesrv?.rocketmqHome;
  const home = given ?? mkdtempSync(join(tmpdir(), 'apogee-ns-'));
  const namesrv = new NameServer({ ...namesrvDefaults(), listenPort: 0, bindAddress: '127.0.0.1', rocketmqHome: home, ...options.namesrv }, { now: options.now });
  const removeHome = (): void => {
    if (given === undefined) rmSync(home, { recursive: true, force: true });
  };
  try {
    await namesrv.start();
  } catch (err) {
    removeHome();
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    namesrv,
    namesrvAddr: `127.0.0.1:${namesrv.port}`,
    home,
    stop() {
      stopped ??= namesrv.shutdown().finally(removeHome);
      return stopped;
    },
  };
}

export async function startInProcess(options: InProcessOptions = {}): Promise<InProcessCluster> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'apogee-cluster-'));
  const removeHome = (): void => {
    if (!options.keepHome && !options.home) rmSync(home, { recursive: true, force: true });
  };
  const namesrv = new NameServer({ ...namesrvDefaults(), listenPort: 0, bindAddress: '127.0.0.1', rocketmqHome: home });
  try {
    await namesrv.start();
  } catch (err) {
    removeHome();
    throw err;
  }
  const config: BrokerConfig = {
    ...brokerDefaults(),
    rocketmqHome: home,
    bindAddress: '127.0.0.1',
    listenPort: 0,
    namesrvAddr: namesrv.address,
    longPollingMaxMs: 1000,
    pullCheckIntervalMs: 100,
    ...options.broker,
  };
  const storeProperties = {
    storePathRootDir: join(home, 'store'),
    mapedFileSizeCommitLog: String(4 * 1024 * 1024),
    mapedFileSizeConsumeQueue: String(6000),
    messageDelayLevel: '1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s',
    flushIntervalCommitLog: '100',
    ...options.store,
  };
  let current = new Broker(config, { storeProperties });
  try {
    await current.start();
  } catch (err) {
    await namesrv.shutdown();
    removeHome();
    throw err;
  }
  let stopped: Promise<void> | undefined;
  const cluster: InProcessCluster = {
    namesrv,
    broker: current,
    namesrvAddr: namesrv.address,
    brokerAddr: current.brokerAddr,
    home,
    async restartBroker() {
      await current.shutdown();
      // The same listen port as before, now a fixed one: its listenPort + 3 was checked only when the
      // port was picked and may be someone else's by now. A metrics port that came with "port 0" is
      // left to the system this time; one the caller set is kept.
      const pickedMetrics = metricsPortFor(config.listenPort, config.metricsPromExporterPort) === 0;
      const metricsPort = current.metricsAddress === undefined ? {} : { metricsPromExporterPort: pickedMetrics ? 0 : Number(current.metricsAddress.split(':').pop()) };
      current = new Broker({ ...config, listenPort: current.config.listenPort, ...metricsPort }, { storeProperties });
      await current.start();
      cluster.broker = current;
      return current;
    },
    stop() {
      // The broker this launcher started (or restarted); a broker a test started itself is the test's to stop.
      stopped ??= (async () => {
        try {
          await current.shutdown();
        } finally {
          await namesrv.shutdown();
          removeHome();
        }
      })();
      return stopped;
    },
  };
  return cluster;
}
