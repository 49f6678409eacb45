#!/usr/bin/env node
/** `mqbroker`: starts a broker, reading RocketMQ's broker properties files as they are. */
import { Broker } from '../broker/broker.js';
import { BrokerConfigSpec, brokerDefaults, IMPORTANT_KEYS } from '../broker/config.js';
import { StoreConfigSpec } from '../store/index.js';
import { ignoredApacheKeys } from '../common/apache-keys.js';
import { defaultDataDir, makeDirectory } from '../common/paths.js';
import { logger } from '../common/logger.js';
import { applyLogConfig, withLogLevelFromEnv } from '../common/log-config.js';
import { onShutdownSignals } from './signals.js';
import { parseServerArgs } from './options.js';
import { removePidFile, writePidFile } from './pidfile.js';
import { formatProperties } from '../common/properties.js';
import { runCli, UsageError } from './run.js';

const USAGE = `usage: mqbroker [-n 'ns1:9876;ns2:9876'] [-c broker.properties] [-p] [-m] [-h] [--verbose] [--<property>=<value> ...]
  -n  NameServer addresses (namesrvAddr)
  -c  properties file (RocketMQ property names: BrokerConfig and MessageStoreConfig)
  -p  print every config item and exit;  -m  print the important ones and exit
  --verbose  show stack traces of errors
Data lives under rocketmqHome (default: $APOGEE_HOME or <project>/data), the store under storePathRootDir.
Logs go to stderr unless apogeeLogFile is set (apogeeLogLevel, apogeeLogLevels, apogeeLogFormat: see -p).`;

/** Java's exit code −3 (255 on Unix) for these two checks is kept as 3, as before. */
function fail3(message: string): never {
  process.stderr.write(`mqbroker: ${message}\n`);
  process.exit(3);
}

async function main(): Promise<void> {
  const storeKeys = new Set(Object.keys(StoreConfigSpec));
  const base = withLogLevelFromEnv(brokerDefaults());
  if (process.env.NAMESRV_ADDR) base.namesrvAddr = process.env.NAMESRV_ADDR;
  const parsed = parseServerArgs(BrokerConfigSpec, base, process.argv.slice(2), { extra: storeKeys, ignored: ignoredApacheKeys('broker') });
  if (parsed.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const config = parsed.config;
  if (!config.rocketmqHome) config.rocketmqHome = defaultDataDir();
  const storeProperties = Object.fromEntries(Object.entries(parsed.extra).filter(([k]) => storeKeys.has(k)));
  const extraProperties = Object.fromEntries(parsed.ignoredProperties.map((k) => [k, parsed.extra[k]!]));
  for (const entry of config.namesrvAddr.split(';').filter(Boolean)) {
    if (!/^[^:]+:\d+$/.test(entry.trim())) fail3(`namesrvAddr entry "${entry}" is not host:port`);
  }
  applyLogConfig(config, { file: !(parsed.printConfig || parsed.printImportant) });
  const log = logger('broker');
  for (const k of parsed.ignoredProperties) log.warn(`property ${k} is an Apache RocketMQ setting Apogee does not use: ignored (kept for getBrokerConfig)`);
  // Validates every value (store ones included) before anything is printed or opened.
  const broker = new Broker(config, { storeProperties, extraProperties });
  if (parsed.printConfig || parsed.printImportant) {
    const all = broker.configProperties();
    const shown = parsed.printImportant ? all.filter(([k]) => (IMPORTANT_KEYS as readonly string[]).includes(k)) : all;
    process.stdout.write(formatProperties(shown));
    return;
  }
  if (storeProperties.brokerRole === 'SLAVE' && config.brokerId <= 0) fail3('a SLAVE needs brokerId > 0');
  try {
    makeDirectory(config.rocketmqHome);
  } catch (err) {
    throw new UsageError(`rocketmqHome: ${(err as Error).message}`);
  }
  await broker.start();
  const pidFile = writePidFile(config.rocketmqHome, `broker-${broker.config.listenPort}`);
  // The handler comes before the boot line: whoever reads that line may signal at once, and a
  // SIGTERM that arrives before a handler exists kills the process without its drain.
  onShutdownSignals(async (signal) => {
    log.info(`${signal} received: draining, then shutting down`);
    await broker.shutdown();
    removePidFile(pidFile);
  }, 'mqbroker');
  process.stdout.write(`The broker[${config.brokerName}, ${broker.brokerAddr}] boot success. serializeType=JSON and name server is ${config.namesrvAddr || '(none)'}\n`);
}

runCli('mqbroker', main);
