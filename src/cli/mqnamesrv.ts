#!/usr/bin/env node
/** `mqnamesrv`: starts a NameServer, like RocketMQ's script of the same name. */
import { NameServer } from '../namesrv/namesrv.js';
import { NamesrvConfigSpec, namesrvDefaults, resolveNamesrvPaths } from '../namesrv/config.js';
import { ignoredApacheKeys } from '../common/apache-keys.js';
import { makeDirectory } from '../common/paths.js';
import { parseServerArgs, printConfig } from './options.js';
import { removePidFile, writePidFile } from './pidfile.js';
import { logger } from '../common/logger.js';
import { applyLogConfig, withLogLevelFromEnv } from '../common/log-config.js';
import { onShutdownSignals } from './signals.js';
import { runCli } from './run.js';

const USAGE = `usage: mqnamesrv [-c configFile] [-p] [-h] [--verbose] [--<property>=<value> ...]
  -c  properties file with NameServer settings (RocketMQ property names)
  -p  print every config item and exit
  -h  this help
  --verbose  show stack traces of errors
Any config key may be given as --key=value (see -p for the list); data lives under
rocketmqHome (default: $APOGEE_HOME or <project>/data). Logs go to stderr unless
apogeeLogFile is set (apogeeLogLevel, apogeeLogLevels, apogeeLogFormat: see -p).`;

async function main(): Promise<void> {
  const parsed = parseServerArgs(NamesrvConfigSpec, withLogLevelFromEnv(namesrvDefaults()), process.argv.slice(2), { ignored: ignoredApacheKeys('namesrv') });
  if (parsed.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  applyLogConfig(parsed.config, { file: !parsed.printConfig });
  const log = logger('namesrv');
  for (const k of parsed.ignoredProperties) log.warn(`property ${k} is an Apache RocketMQ setting Apogee does not use: ignored`);
  const config = resolveNamesrvPaths(parsed.config);
  if (parsed.printConfig) {
    printConfig(NamesrvConfigSpec, config);
    return;
  }
  makeDirectory(config.rocketmqHome);
  const namesrv = new NameServer(config);
  await namesrv.start();
  const pidFile = writePidFile(config.rocketmqHome, `namesrv-${namesrv.port}`);
  // Before the boot line: a SIGTERM sent by whoever reads it must find the handler.
  onShutdownSignals(async (signal) => {
    log.info(`${signal} received, shutting down`);
    await namesrv.shutdown();
    removePidFile(pidFile);
  }, 'mqnamesrv');
  process.stdout.write(`The Name Server boot success. serializeType=JSON, listening on ${namesrv.address}\n`);
}

runCli('mqnamesrv', main);
