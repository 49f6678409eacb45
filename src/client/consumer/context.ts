/**
 * What a push consumer's parts (rebalance, consume services, send-back) share: its identity, its
 * resolved options, the queues it owns and their offsets. One object, built at start().
 */
import type { SubscriptionData } from '../../protocol/bodies/subscription.js';
import type { ClientInstance } from '../instance.js';
import type { OffsetStore } from '../offset-store.js';
import type { ResolvedPushConsumerOptions } from '../options/push-consumer.js';
import type { ProcessQueue } from '../process-queue.js';

/** Counters for tests and diagnostics. */
export interface PushConsumerStats {
  pulls: number;
  pulledMessages: number;
  consumed: number;
  failed: number;
  sentBack: number;
  flowControlled: number;
}

export interface PushConsumerContext {
  readonly group: string;
  readonly client: ClientInstance;
  readonly options: ResolvedPushConsumerOptions;
  readonly stats: PushConsumerStats;
  readonly subscriptions: Map<string, SubscriptionData>;
  /** Owned queues by mqKey. */
  readonly pqs: Map<string, ProcessQueue>;
  readonly offsetStore: OffsetStore;
  /** An orderly listener is registered. */
  readonly orderly: boolean;
  /** Orderly consumption in CLUSTERING mode: queues are locked on their broker. */
  readonly locksQueues: boolean;
  /** True until shutdown() begins. */
  readonly running: boolean;
  /** Sleeps unless the consumer stops first. */
  sleep(ms: number): Promise<void>;
}
