/** Shared bits of the SDK's end-to-end tests against an in-process NameServer + broker. */
import type { ClientOptions } from '../../../src/client/instance.js';

/** Client timings short enough for tests (Java defaults are 30 s / 20 s / 5 s). */
export function fastOptions(namesrvAddr: string): ClientOptions & {
  rebalanceInterval: number;
  persistConsumerOffsetInterval: number;
  brokerSuspendMaxTimeMillis: number;
  pullTimeDelayMillsWhenException: number;
  lockInterval: number;
} {
  return {
    namesrvAddr,
    clientIP: '127.0.0.1',
    pollNameServerInterval: 500,
    heartbeatBrokerInterval: 500,
    rebalanceInterval: 300,
    persistConsumerOffsetInterval: 200,
    brokerSuspendMaxTimeMillis: 1000,
    pullTimeDelayMillsWhenException: 200,
    lockInterval: 500,
  };
}

/** Polls `cond` every 10 ms until it holds; fails after `ms` with `what`. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 15_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let seq = 0;
/** A topic/group name unique within the test process. */
export function unique(prefix: string): string {
  return `${prefix}_${process.pid}_${++seq}`;
}

import { setLogLevel } from '../../../src/common/logger.js';
// The in-process broker and NameServer log every start/stop at info; tests only want problems.
if (!process.env.APOGEE_LOG_LEVEL) setLogLevel('warn');
