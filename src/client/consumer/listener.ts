/** What a push consumer's application code implements, and what it is told about each call. */
import type { MessageExt, MessageQueue } from '../message.js';

export type ConsumeConcurrentlyStatus = 'CONSUME_SUCCESS' | 'RECONSUME_LATER';
export type ConsumeOrderlyStatus = 'SUCCESS' | 'SUSPEND_CURRENT_QUEUE_A_MOMENT';

export interface ConsumeConcurrentlyContext {
  readonly mq: MessageQueue;
  /** Delay level of the retry: 0 = broker decides (3 + reconsumeTimes), −1 = straight to the DLQ. */
  delayLevelWhenNextConsume: number;
  /** Index of the last successfully consumed message of the batch (for partial success). */
  ackIndex: number;
}

export interface ConsumeOrderlyContext {
  readonly mq: MessageQueue;
  suspendCurrentQueueTimeMillis: number;
}

/** Returning nothing (or resolving) means success; throwing means RECONSUME_LATER. */
export type ConcurrentListener = (msgs: MessageExt[], ctx: ConsumeConcurrentlyContext) => ConsumeConcurrentlyStatus | void | Promise<ConsumeConcurrentlyStatus | void>;
export type OrderlyListener = (msgs: MessageExt[], ctx: ConsumeOrderlyContext) => ConsumeOrderlyStatus | void | Promise<ConsumeOrderlyStatus | void>;
