#!/usr/bin/env node
/** `mqshutdown namesrv|broker`: asks the servers started from this data directory to stop gracefully. */
import { defaultDataDir } from '../common/paths.js';
import { findPids } from './pidfile.js';

const USAGE = 'usage: mqshutdown broker|namesrv';

async function main(): Promise<void> {
  const what = process.argv[2];
  if (what !== 'broker' && what !== 'namesrv') {
    process.stderr.write(USAGE + '\n');
    process.exit(2);
  }
  const home = process.env.APOGEE_HOME ?? defaultDataDir();
  const targets = findPids(home, what === 'namesrv' ? 'namesrv-' : 'broker-');
  if (targets.length === 0) {
    process.stdout.write(`No mq${what} running.\n`);
    return;
  }
  for (const t of targets) {
    process.kill(t.pid, 'SIGTERM');
    process.stdout.write(`The mq${what}(${t.pid}) is running...\n`);
  }
  // Wait (bounded) for them to exit so scripts can rely on the stop being done.
  const deadline = Date.now() + 30_000;
  for (const t of targets) {
    while (Date.now() < deadline) {
      try {
        process.kill(t.pid, 0);
      } catch {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  process.stdout.write(`Send shutdown request to mq${what}(${targets.map((t) => t.pid).join(' ')}) OK\n`);
}

void main();
