/** A second broker (another brokerName) registered with a test cluster's NameServer. */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Broker } from '../../../src/broker/broker.js';
import { brokerDefaults } from '../../../src/broker/config.js';

export async function startExtraBroker(namesrvAddr: string, brokerName: string, parentDir: string): Promise<{ broker: Broker; stop(): Promise<void> }> {
  const home = mkdtempSync(join(parentDir, `${brokerName}-`));
  const broker = new Broker(
    { ...brokerDefaults(), rocketmqHome: home, bindAddress: '127.0.0.1', listenPort: 0, namesrvAddr, brokerName, longPollingMaxMs: 1000, pullCheckIntervalMs: 100 },
    { storeProperties: { storePathRootDir: join(home, 'store'), mapedFileSizeCommitLog: String(4 * 1024 * 1024), mapedFileSizeConsumeQueue: '6000', flushIntervalCommitLog: '100' } },
  );
  await broker.start();
  let stopped = false;
  return {
    broker,
    async stop() {
      if (stopped) return;
      stopped = true;
      await broker.shutdown();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
