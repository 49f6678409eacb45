/**
 * Push consumer options and their defaults (Java DefaultMQPushConsumer's, with its fixed
 * constants: 15 s broker hold, 30 s pull timeout, 3 s after an error, 50 ms under flow control).
 */
import type { ConsumeFromWhere, MessageModel } from '../../protocol/bodies/heartbeat.js';
import { allocateAveragely, type AllocateStrategy } from '../allocate.js';
import { MQClientError } from '../errors.js';
import type { ClientInstance } from '../instance.js';
import { defaultOffsetStoreDir } from '../offset-store.js';
import type { ClientOptions } from './client.js';
import { withDefaults } from './resolve.js';

export interface PushConsumerOptions extends ClientOptions {
  consumerGroup: string;
  /** CLUSTERING (default) or BROADCASTING. */
  messageModel?: MessageModel;
  /** Where a queue without a committed offset starts (default CONSUME_FROM_LAST_OFFSET). */
  consumeFromWhere?: ConsumeFromWhere;
  /** For CONSUME_FROM_TIMESTAMP: epoch ms, or Java's `yyyyMMddHHmmss` text (default: 30 min ago). */
  consumeTimestamp?: number | string;
  /** How queues are shared among the group's consumers (default: averagely). */
  allocateStrategy?: AllocateStrategy;
  /** Concurrent listener: how many listener calls may run at once (Java consumeThreadMax 20). */
  consumeThreadMax?: number;
  /** Messages per listener call (Java 1). */
  consumeMessageBatchMaxSize?: number;
  /** Messages per pull (Java 32). */
  pullBatchSize?: number;
  /** Flow control: cached messages per queue (Java 1000). */
  pullThresholdForQueue?: number;
  /** Flow control: cached body MiB per queue (Java 100). */
  pullThresholdSizeForQueue?: number;
  /** Concurrent only: max offset span cached in one queue (Java 2000). */
  consumeConcurrentlyMaxSpan?: number;
  /** Pause after a pull that found messages (Java 0). */
  pullInterval?: number;
  /** Long-poll hold the broker may use (Java 15000). */
  brokerSuspendMaxTimeMillis?: number;
  /** Pull RPC timeout (Java 30000). */
  consumerTimeoutMillisWhenSuspend?: number;
  /** Wait after a failed pull (Java 3000). */
  pullTimeDelayMillsWhenException?: number;
  /** Wait while a queue is over its flow-control limits (Java 50). */
  pullTimeDelayMillsWhenFlowControl?: number;
  /** Retries before the DLQ; −1 (Java's default) means 16 for concurrent and unlimited for orderly listeners. */
  maxReconsumeTimes?: number;
  /** Orderly: pause before a failed batch is consumed again (Java 1000). */
  suspendCurrentQueueTimeMillis?: number;
  /** Offset commit period (Java 5000). */
  persistConsumerOffsetInterval?: number;
  /** Periodic rebalance (Java 20000); NOTIFY_CONSUMER_IDS_CHANGED triggers one at once. */
  rebalanceInterval?: number;
  /** Orderly: queue lock renewal period (Java 20000) and local lock lifetime (30000). */
  lockInterval?: number;
  lockMaxLiveMs?: number;
  /** Send the subscription with every pull (SUBSCRIPTION bit; Java default false). */
  postSubscriptionWhenPull?: boolean;
  /** BROADCASTING offsets directory (default ~/.rocketmq_offsets). */
  offsetStoreDir?: string;
  /** How long shutdown() waits for running listener calls (default 5000 ms). */
  awaitTerminationMillisWhenShutdown?: number;
  client?: ClientInstance;
}

export const PUSH_CONSUMER_DEFAULTS = {
  messageModel: 'CLUSTERING' as MessageModel,
  consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET' as ConsumeFromWhere,
  allocateStrategy: allocateAveragely as AllocateStrategy,
  consumeThreadMax: 20,
  consumeMessageBatchMaxSize: 1,
  pullBatchSize: 32,
  pullThresholdForQueue: 1000,
  pullThresholdSizeForQueue: 100,
  consumeConcurrentlyMaxSpan: 2000,
  pullInterval: 0,
  brokerSuspendMaxTimeMillis: 15_000,
  consumerTimeoutMillisWhenSuspend: 30_000,
  pullTimeDelayMillsWhenException: 3000,
  pullTimeDelayMillsWhenFlowControl: 50,
  maxReconsumeTimes: -1,
  suspendCurrentQueueTimeMillis: 1000,
  persistConsumerOffsetInterval: 5000,
  rebalanceInterval: 20_000,
  lockInterval: 20_000,
  lockMaxLiveMs: 30_000,
  postSubscriptionWhenPull: false,
  awaitTerminationMillisWhenShutdown: 5000,
};

/** Java's Integer.MAX_VALUE: what an orderly consumer's −1 means. */
const UNLIMITED_RECONSUME = 2_147_483_647;

export type ResolvedPushConsumerOptions = Omit<PushConsumerOptions, keyof typeof PUSH_CONSUMER_DEFAULTS | 'offsetStoreDir'> &
  Required<typeof PUSH_CONSUMER_DEFAULTS> & {
    offsetStoreDir: string;
    /** maxReconsumeTimes as concurrent consumption and send-back read it (−1 ⇒ 16). */
    maxReconsumeTimesConcurrently: number;
    /** maxReconsumeTimes as orderly consumption reads it (−1 ⇒ unlimited). */
    maxReconsumeTimesOrderly: number;
    /** Flow control in bytes. */
    pullThresholdBytesForQueue: number;
  };

export function resolvePushConsumerOptions(options: PushConsumerOptions): ResolvedPushConsumerOptions {
  const o = withDefaults(PUSH_CONSUMER_DEFAULTS, options);
  return {
    ...o,
    consumeMessageBatchMaxSize: Math.max(1, o.consumeMessageBatchMaxSize),
    offsetStoreDir: options.offsetStoreDir ?? defaultOffsetStoreDir(),
    maxReconsumeTimesConcurrently: o.maxReconsumeTimes === -1 ? 16 : o.maxReconsumeTimes,
    maxReconsumeTimesOrderly: o.maxReconsumeTimes === -1 ? UNLIMITED_RECONSUME : o.maxReconsumeTimes,
    pullThresholdBytesForQueue: o.pullThresholdSizeForQueue * 1024 * 1024,
  };
}

/** consumeTimestamp as epoch ms: Java's `yyyyMMddHHmmss` (local time) read, none meaning 30 minutes ago. */
export function parseConsumeTimestamp(v: number | string | undefined): number {
  if (v === undefined) return Date.now() - 30 * 60 * 1000;
  if (typeof v === 'number') return v;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(v);
  if (!m) throw new MQClientError(`consumeTimestamp ${v} is not yyyyMMddHHmmss`);
  return new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!).getTime();
}
