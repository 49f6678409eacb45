/**
 * Starts a NameServer and a broker in-process on ephemeral loopback ports, data in a temp dir, with
 * short timings so tests need not wait Java's defaults. Always call stop().
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NameServer } from '../../src/namesrv/namesrv.js';
import { namesrvDefaults } from '../../src/namesrv/config.js';
import { Broker } from '../../src/broker/broker.js';
import { brokerDefaults, type BrokerConfig } from '../../src/broker/config.js';

export interface TestCluster {
  namesrv: NameServer;
  broker: Broker;
  namesrvAddr: string;
  brokerAddr: string;
  home: string;
  /** Stops the broker (graceful) and starts a new one on the same store and port. */
  restartBroker(): Promise<Broker>;
  stop(): Promise<void>;
}


export async function startCluster(
  broker: Partial<BrokerConfig> = {},
  store: Record<string, string> = {},
  options: { home?: string; keepHome?: boolean } = {},
): Promise<TestCluster> {
  const home = options.home ?? mkdtempSync(join(tmpdir(), 'apogee-cluster-'));
  const namesrv = new NameServer({ ...namesrvDefaults(), listenPort: 0, bindAddress: '127.0.0.1', rocketmqHome: home });
  await namesrv.start();
  const config: BrokerConfig = {
    ...brokerDefaults(),
    rocketmqHome: home,
    bindAddress: '127.0.0.1',
    listenPort: 0,
    namesrvAddr: namesrv.address,
    longPollingMaxMs: 1000,
    pullCheckIntervalMs: 100,
    ...broker,
  };
  const storeProperties = {
    storePathRootDir: join(home, 'store'),
    mapedFileSizeCommitLog: String(4 * 1024 * 1024),
    mapedFileSizeConsumeQueue: String(6000),
    messageDelayLevel: '1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s 1s',
    flushIntervalCommitLog: '100',
    ...store,
  };
  let current = new Broker(config, { storeProperties });
  try {
    await current.start();
  } catch (err) {
    await namesrv.shutdown();
    throw err;
  }
  const cluster: TestCluster = {
    namesrv,
    broker: current,
    namesrvAddr: namesrv.address,
    brokerAddr: current.brokerAddr,
    home,
    async restartBroker() {
      await current.shutdown();
      current = new Broker({ ...config, listenPort: current.config.listenPort }, { storeProperties });
      await current.start();
      cluster.broker = current;
      return current;
    },
    async stop() {
      await current.shutdown();
      await namesrv.shutdown();
      if (!options.keepHome && !options.home) rmSync(home, { recursive: true, force: true });
    },
  };
  return cluster;
}
