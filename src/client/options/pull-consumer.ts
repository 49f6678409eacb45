/** Pull consumer options and their defaults (Java DefaultLitePullConsumer's where it has them). */
import type { ClientInstance } from '../instance.js';
import type { ClientOptions } from './client.js';
import { withDefaults } from './resolve.js';

export interface PullConsumerOptions extends ClientOptions {
  consumerGroup: string;
  /** Messages per pull (32, as the push consumer's). */
  pullBatchSize?: number;
  /** Long-poll hold per pull inside poll() (Java 20000 ms), capped by the poll timeout. */
  brokerSuspendMaxTimeMillis?: number;
  /** Where a queue without a committed offset starts: 'last' (default), 'first' or an epoch-ms timestamp. */
  startFrom?: 'first' | 'last' | number;
  /** Commit consumed positions every this many ms (0 = only on commit()/shutdown; Java 5000). */
  autoCommitIntervalMs?: number;
  client?: ClientInstance;
}

export const PULL_CONSUMER_DEFAULTS = {
  pullBatchSize: 32,
  brokerSuspendMaxTimeMillis: 20_000,
  startFrom: 'last' as 'first' | 'last' | number,
  autoCommitIntervalMs: 5000,
};

export type ResolvedPullConsumerOptions = Omit<PullConsumerOptions, keyof typeof PULL_CONSUMER_DEFAULTS> & Required<typeof PULL_CONSUMER_DEFAULTS>;

export function resolvePullConsumerOptions(options: PullConsumerOptions): ResolvedPullConsumerOptions {
  return withDefaults(PULL_CONSUMER_DEFAULTS, options);
}
