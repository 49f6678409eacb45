#!/usr/bin/env node
/** `mqbroker`: starts a broker, reading RocketMQ's broker properties files as they are. */
import { Broker } from '../broker/broker.js';
import { BrokerConfigSpec, brokerDefaults, IMPORTANT_KEYS } from '../broker/config.js';
import { defaultStoreConfig } from '../store/config.js';
import { defaultDataDir } from '../common/paths.js';
import { logger } from '../common/logger.js';
import { onShutdownSignals } from './signals.js';
import { parseServerArgs } from './options.js';
import { removePidFile, writePidFile } from './pidfile.js';
import { join } from 'node:path';
import { formatProperties } from '../common/properties.js';
import { configEntries } from '../common/config.js';

const USAGE = `usage: mqbroker [-n 'ns1:9876;ns2:9876'] [-c broker.properties] [-p] [-m] [-h] [--<property>=<value> ...]
  -n  NameServer addresses (namesrvAddr)
  -c  properties file (RocketMQ property names: BrokerConfig and MessageStoreConfig)
  -p  print every config item and exit;  -m  print the important ones and exit
Data lives under rocketmqHome (default: $APOGEE_HOME or <project>/data), the store under storePathRootDir.`;

async function main(): Promise<void> {
  const storeKeys = new Set(Object.keys(defaultStoreConfig('/')));
  const base = brokerDefaults();
  if (process.env.NAMESRV_ADDR) base.namesrvAddr = process.env.NAMESRV_ADDR;
  let parsed;
  try {
    parsed = parseServerArgs(BrokerConfigSpec, base, process.argv.slice(2), storeKeys);
  } catch (err) {
    process.stderr.write(`mqbroker: ${(err as Error).message}\n${USAGE}\n`);
    process.exit(2);
  }
  if (parsed.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const config = parsed.config;
  if (!config.rocketmqHome) config.rocketmqHome = defaultDataDir();
  const storeProperties = Object.fromEntries(Object.entries(parsed.extra).filter(([k]) => storeKeys.has(k)));
  const extraProperties = Object.fromEntries(parsed.unknownProperties.map((k) => [k, parsed.extra[k]!]));
  for (const entry of config.namesrvAddr.split(';').filter(Boolean)) {
    if (!/^[^:]+:\d+$/.test(entry.trim())) {
      process.stderr.write(`mqbroker: namesrvAddr entry "${entry}" is not host:port\n`);
      process.exit(3);
    }
  }
  if (parsed.printConfig || parsed.printImportant) {
    const store = { ...defaultStoreConfig(join(config.rocketmqHome, 'store')), ...storeProperties };
    const all = [...configEntries(BrokerConfigSpec, config), ...Object.entries(store), ...Object.entries(extraProperties)];
    const shown = parsed.printImportant ? all.filter(([k]) => (IMPORTANT_KEYS as readonly string[]).includes(k)) : all;
    process.stdout.write(formatProperties(shown));
    return;
  }
  const log = logger('mqbroker');
  for (const k of parsed.unknownProperties) log.warn(`property ${k} is not used by Apogee (kept for getBrokerConfig)`);
  if (storeProperties.brokerRole === 'SLAVE' && config.brokerId <= 0) {
    process.stderr.write('mqbroker: a SLAVE needs brokerId > 0\n');
    process.exit(3);
  }
  const broker = new Broker(config, { storeProperties, extraProperties });
  await broker.start();
  const pidFile = writePidFile(config.rocketmqHome, `broker-${config.listenPort}`);
  process.stdout.write(`The broker[${config.brokerName}, ${broker.brokerAddr}] boot success. serializeType=JSON and name server is ${config.namesrvAddr || '(none)'}\n`);
  onShutdownSignals(async (signal) => {
    log.info(`${signal} received: draining, then shutting down`);
    await broker.shutdown();
    removePidFile(pidFile);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`mqbroker: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
