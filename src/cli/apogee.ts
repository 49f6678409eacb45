#!/usr/bin/env node
/**
 * `apogee start`: a local cluster in one process on the default data directory — for now the
 * NameServer; the broker joins it once it exists.
 */
import { NameServer } from '../namesrv/namesrv.js';
import { namesrvDefaults } from '../namesrv/config.js';
import { defaultDataDir } from '../common/paths.js';
import { removePidFile, writePidFile } from './pidfile.js';

const USAGE = `usage: apogee start [--namesrv-port=9876]
Starts a local NameServer with its data under ${defaultDataDir()}.`;

async function main(): Promise<void> {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd !== 'start') {
    process.stdout.write(USAGE + '\n');
    process.exit(cmd === undefined || cmd === '-h' || cmd === '--help' ? 0 : 2);
  }
  const portArg = rest.find((a) => a.startsWith('--namesrv-port='));
  const config = namesrvDefaults();
  if (portArg) config.listenPort = Number(portArg.split('=')[1]);
  const namesrv = new NameServer(config);
  await namesrv.start();
  const pidFile = writePidFile(namesrv.config.rocketmqHome, `namesrv-${namesrv.port}`);
  process.stdout.write(`Apogee is up. Data directory: ${namesrv.config.rocketmqHome}\n`);
  process.stdout.write(`  NameServer  ${namesrv.address}   (clients: namesrvAddr=${namesrv.address})\n`);
  process.stdout.write('Stop with Ctrl-C or `node bin/mqshutdown.js namesrv`.\n');
  const stop = async (): Promise<void> => {
    await namesrv.shutdown();
    removePidFile(pidFile);
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
}

main().catch((err: unknown) => {
  process.stderr.write(`apogee: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
