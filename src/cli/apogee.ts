#!/usr/bin/env node
/**
 * `apogee start`: a local cluster in one process — a NameServer and a broker — on the default data
 * directory (or --data). Prints one JSON line when ready, for scripts, then a human summary.
 */
import { join } from 'node:path';
import { NameServer } from '../namesrv/namesrv.js';
import { namesrvDefaults } from '../namesrv/config.js';
import { Broker } from '../broker/broker.js';
import { BrokerConfigSpec, brokerDefaults } from '../broker/config.js';
import { defaultStoreConfig } from '../store/config.js';
import { applyProperties } from '../common/config.js';
import { defaultDataDir } from '../common/paths.js';
import { removePidFile, writePidFile } from './pidfile.js';
import { onShutdownSignals } from './signals.js';
import { CLUSTER_USAGE, clusterMain, isUsageError } from './cluster.js';

const USAGE = `usage: apogee start [--namesrv-port=9876] [--broker-port=10911] [--data=DIR] [--broker.<property>=<value> ...]
       apogee cluster up|status|down|start|stop|kill ... (apogee cluster --help)
Starts a NameServer and a broker in one process, data under DIR (default ${defaultDataDir()}).
Port 0 picks free ports. Broker and store properties use RocketMQ's names, e.g.
  --broker.autoCreateTopicEnable=true --broker.flushDiskType=SYNC_FLUSH --broker.messageDelayLevel="1s 5s 10s"`;

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === 'cluster') {
    try {
      process.exitCode = await clusterMain(rest);
    } catch (err) {
      process.stderr.write(`apogee cluster: ${(err as Error).message}${isUsageError(err) ? '\n' + CLUSTER_USAGE : ''}\n`);
      process.exitCode = isUsageError(err) ? 2 : 1;
    }
    return;
  }
  if (cmd !== 'start') {
    process.stdout.write(USAGE + '\n');
    process.exit(cmd === undefined || cmd === '-h' || cmd === '--help' ? 0 : 2);
  }
  const opt = (name: string): string | undefined => rest.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const home = opt('data') ?? defaultDataDir();
  const nsConfig = { ...namesrvDefaults(), rocketmqHome: home, bindAddress: '127.0.0.1', listenPort: Number(opt('namesrv-port') ?? 9876) };
  const storeKeys = new Set(Object.keys(defaultStoreConfig('/')));
  const brokerConfig = { ...brokerDefaults(), rocketmqHome: home, bindAddress: '127.0.0.1', listenPort: Number(opt('broker-port') ?? 10911) };
  const storeProperties: Record<string, string> = {};
  const brokerProps: Array<[string, string]> = [];
  for (const a of rest) {
    const m = /^--broker\.([^=]+)=(.*)$/s.exec(a);
    if (!m) {
      if (!/^--(data|namesrv-port|broker-port)=/.test(a)) {
        process.stderr.write(`apogee: unknown option ${a}\n${USAGE}\n`);
        process.exit(2);
      }
      continue;
    }
    if (m[1]! in BrokerConfigSpec) brokerProps.push([m[1]!, m[2]!]);
    else if (storeKeys.has(m[1]!)) storeProperties[m[1]!] = m[2]!;
    else {
      process.stderr.write(`apogee: unknown broker property ${m[1]}\n`);
      process.exit(2);
    }
  }
  applyProperties(BrokerConfigSpec, brokerConfig, brokerProps);
  storeProperties.storePathRootDir ??= join(home, 'store');

  const namesrv = new NameServer(nsConfig);
  await namesrv.start();
  brokerConfig.namesrvAddr = namesrv.address;
  const broker = new Broker(brokerConfig, { storeProperties });
  try {
    await broker.start();
  } catch (err) {
    await namesrv.shutdown();
    throw err;
  }
  const pidFiles = [writePidFile(home, `namesrv-${namesrv.port}`), writePidFile(home, `broker-${broker.config.listenPort}`)];
  process.stdout.write(JSON.stringify({ ready: true, namesrv: namesrv.address, broker: broker.brokerAddr, data: home }) + '\n');
  process.stdout.write(`Apogee is up. Data directory: ${home}\n`);
  process.stdout.write(`  NameServer  ${namesrv.address}   (clients: namesrvAddr=${namesrv.address})\n`);
  process.stdout.write(`  Broker      ${broker.brokerAddr}   (${broker.config.brokerClusterName}/${broker.config.brokerName}, VIP port ${broker.config.listenPort - 2})\n`);
  process.stdout.write('Stop with Ctrl-C or `node bin/mqshutdown.js broker`.\n');
  onShutdownSignals(async () => {
    await broker.shutdown();
    await namesrv.shutdown();
    for (const f of pidFiles) removePidFile(f);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`apogee: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
