#!/usr/bin/env node
/**
 * `apogee start`: a local cluster in one process — a NameServer and a broker — on the default data
 * directory (or --data). Prints one JSON line when ready, for scripts, then a human summary.
 */
import { join } from 'node:path';
import { NameServer } from '../namesrv/namesrv.js';
import { NamesrvConfigSpec, namesrvDefaults } from '../namesrv/config.js';
import { Broker } from '../broker/broker.js';
import { BrokerConfigSpec, brokerDefaults } from '../broker/config.js';
import { StoreConfigSpec } from '../store/index.js';
import { parseConfigValue } from '../common/config.js';
import { ignoredApacheKeys } from '../common/apache-keys.js';
import { logger } from '../common/logger.js';
import { applyLogConfig, withLogLevelFromEnv } from '../common/log-config.js';
import { PRODUCT_RELEASE } from '../common/release.js';
import { defaultDataDir, makeDirectory } from '../common/paths.js';
import { removePidFile, writePidFile } from './pidfile.js';
import { onShutdownSignals } from './signals.js';
import { takeProperties } from './options.js';
import { runCli, UsageError } from './run.js';
import { CLUSTER_USAGE, clusterMain, isUsageError } from './cluster.js';
import { UPGRADE_USAGE, UpgradeUsageError, upgradeMain } from './upgrade.js';
import { CONSOLE_USAGE, consoleMain } from './console.js';

const USAGE = `usage: apogee --version | -v        (prints the release, e.g. ${PRODUCT_RELEASE})
       apogee start [--namesrv-port=9876] [--broker-port=10911] [--data=DIR] [--verbose] [--broker.<property>=<value> ...] [--namesrv.<property>=<value> ...]
       apogee cluster up|status|down|start|stop|kill|partition|heal ... (apogee cluster --help)
       apogee upgrade --cluster DIR|NAMESRVS --to RELEASE [--yes] | --resume | --rollback (apogee upgrade --help)
       apogee console [--namesrv 'ADDR;ADDR'] [--cluster DIR] [--port 8080] [--host 127.0.0.1] (apogee console --help)
Starts a NameServer and a broker in one process, data under DIR (default ${defaultDataDir()}).
Both listen on 127.0.0.1 only (mqnamesrv and mqbroker listen on 0.0.0.0); port 0 picks free ports.
Broker and store properties use RocketMQ's names, e.g.
  --broker.autoCreateTopicEnable=true --broker.flushDiskType=SYNC_FLUSH --broker.messageDelayLevel="1s 5s 10s"`;

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === '--version' || cmd === '-v') {
    process.stdout.write(PRODUCT_RELEASE + '\n');
    return;
  }
  if (cmd === 'upgrade') {
    try {
      process.exitCode = await upgradeMain(rest);
    } catch (err) {
      const usage = err instanceof UpgradeUsageError;
      process.stderr.write(`apogee upgrade: ${(err as Error).message}${usage ? '\n' + UPGRADE_USAGE : ''}\n`);
      process.exitCode = usage ? 2 : 1;
    }
    return;
  }
  if (cmd === 'console') {
    try {
      process.exitCode = await consoleMain(rest);
    } catch (err) {
      const usage = err instanceof UsageError;
      process.stderr.write(`apogee console: ${(err as Error).message.split('\n')[0]}${usage ? '\n' + CONSOLE_USAGE : ''}\n`);
      process.exitCode = usage ? 2 : 1;
      // The console may have opened connections before it failed; nothing else is running.
      process.exit();
    }
    return;
  }
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
    if (cmd === undefined || cmd === '-h' || cmd === '--help') {
      process.stdout.write(USAGE + '\n');
      return;
    }
    throw new UsageError(`unknown command ${cmd}; usage: apogee start|cluster|upgrade|console [options] (apogee --help lists them)`);
  }
  // The last occurrence wins, as for properties.
  const opt = (name: string): string | undefined => [...rest].reverse().find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const home = opt('data') ?? defaultDataDir();
  const port = (flag: string, field: typeof NamesrvConfigSpec.listenPort | typeof BrokerConfigSpec.listenPort, fallback: number): number => {
    const raw = opt(flag);
    return raw === undefined ? fallback : (parseConfigValue(field, `--${flag}`, raw) as number);
  };
  // Loopback only: `apogee start` is a local development cluster.
  const nsConfig = { ...namesrvDefaults(), rocketmqHome: home, bindAddress: '127.0.0.1', listenPort: port('namesrv-port', NamesrvConfigSpec.listenPort, 9876) };
  const brokerConfig = { ...withLogLevelFromEnv(brokerDefaults()), rocketmqHome: home, bindAddress: '127.0.0.1', listenPort: port('broker-port', BrokerConfigSpec.listenPort, 10911) };
  const brokerProps: Array<[string, string]> = [];
  const namesrvProps: Array<[string, string]> = [];
  for (const a of rest) {
    const m = /^--(broker|namesrv)\.([^=]+)=(.*)$/s.exec(a);
    if (m) (m[1] === 'broker' ? brokerProps : namesrvProps).push([m[2]!, m[3]!]);
    else if (!/^--(data|namesrv-port|broker-port)=/.test(a) && a !== '--verbose') {
      throw new UsageError(`unknown option ${a}; apogee --help lists the options`);
    }
  }
  const nsOut = { extra: {} as Record<string, string>, ignored: [] as string[] };
  takeProperties(NamesrvConfigSpec, nsConfig, namesrvProps, { ignored: ignoredApacheKeys('namesrv'), hint: '`mqnamesrv -p` lists the keys Apogee uses' }, 'on the command line (--namesrv.<property>)', nsOut);
  const out = { extra: {} as Record<string, string>, ignored: [] as string[] };
  takeProperties(BrokerConfigSpec, brokerConfig, brokerProps, { extra: new Set(Object.keys(StoreConfigSpec)), ignored: ignoredApacheKeys('broker'), hint: '`mqbroker -p` lists the keys Apogee uses' }, 'on the command line (--broker.<property>)', out);
  const storeProperties: Record<string, string> = Object.fromEntries(Object.entries(out.extra).filter(([k]) => k in StoreConfigSpec));
  const extraProperties = Object.fromEntries(out.ignored.map((k) => [k, out.extra[k]!]));
  // One process, one log: the broker's apogeeLog* properties (--broker.apogeeLogFile=…) set it.
  applyLogConfig(brokerConfig);
  for (const k of out.ignored) logger('broker').warn(`property ${k} is an Apache RocketMQ setting Apogee does not use: ignored`);
  storeProperties.storePathRootDir ??= join(home, 'store');
  makeDirectory(home);
  // Validate every broker and store value before anything starts.
  new Broker(brokerConfig, { storeProperties, extraProperties });

  const namesrv = new NameServer(nsConfig);
  await namesrv.start();
  brokerConfig.namesrvAddr = namesrv.address;
  const broker = new Broker(brokerConfig, { storeProperties, extraProperties });
  try {
    await broker.start();
  } catch (err) {
    await namesrv.shutdown();
    throw err;
  }
  const pidFiles = [writePidFile(home, `namesrv-${namesrv.port}`), writePidFile(home, `broker-${broker.config.listenPort}`)];
  // Before the ready line: whoever reads it may send SIGTERM at once, and must get a graceful stop.
  onShutdownSignals(async () => {
    await broker.shutdown();
    await namesrv.shutdown();
    for (const f of pidFiles) removePidFile(f);
  }, 'apogee');
  process.stdout.write(JSON.stringify({ ready: true, namesrv: namesrv.address, broker: broker.brokerAddr, data: home, namesrvMetrics: namesrv.metricsAddress, brokerMetrics: broker.metricsAddress }) + '\n');
  process.stdout.write(`Apogee is up. Data directory: ${home}\n`);
  process.stdout.write(`  NameServer  ${namesrv.address}   (clients: namesrvAddr=${namesrv.address})\n`);
  process.stdout.write(`  Broker      ${broker.brokerAddr}   (${broker.config.brokerClusterName}/${broker.config.brokerName}, VIP port ${broker.config.listenPort - 2})\n`);
  const metrics = [namesrv.metricsAddress, broker.metricsAddress].filter((a) => a !== undefined).map((a) => `http://${a}/metrics`);
  if (metrics.length > 0) process.stdout.write(`  Metrics     ${metrics.join('  ')}   (also /healthz, /readyz)\n`);
  process.stdout.write('Stop with Ctrl-C or `node bin/mqshutdown.js broker`.\n');
}

runCli('apogee', main);
