/** Starts an in-process NameServer on an ephemeral loopback port with its data in a temp dir. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NameServer } from '../../src/namesrv/namesrv.js';
import { namesrvDefaults, type NamesrvConfig } from '../../src/namesrv/config.js';

export interface TestNamesrv {
  namesrv: NameServer;
  addr: string;
  home: string;
  stop(): Promise<void>;
}

export async function startNamesrv(overrides: Partial<NamesrvConfig> = {}, options: { now?: () => number } = {}): Promise<TestNamesrv> {
  const home = overrides.rocketmqHome ?? mkdtempSync(join(tmpdir(), 'apogee-ns-'));
  const namesrv = new NameServer({ ...namesrvDefaults(), listenPort: 0, bindAddress: '127.0.0.1', rocketmqHome: home, ...overrides }, options);
  await namesrv.start();
  return {
    namesrv,
    addr: `127.0.0.1:${namesrv.port}`,
    home,
    async stop() {
      await namesrv.shutdown();
      if (!overrides.rocketmqHome) rmSync(home, { recursive: true, force: true });
    },
  };
}
