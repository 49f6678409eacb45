/** ConsumerRunningInfo (GET_CONSUMER_RUNNING_INFO, 307): what a consumer reports about itself. */
import { toFastJson } from '../../codec/fastjson.js';
import type { Obj } from '../json.js';
import { mqJson, type MessageQueue } from './message-queue.js';
import type { SubscriptionData } from './subscription.js';

export function encodeConsumerRunningInfo(info: {
  properties: Record<string, string>;
  subscriptions: SubscriptionData[];
  queues: Array<{ mq: MessageQueue; commitOffset: number; cachedMsgCount: number; locked: boolean }>;
}): Buffer {
  const mqTable = new Map<Obj, Obj>();
  for (const q of info.queues) {
    mqTable.set(mqJson(q.mq), { commitOffset: q.commitOffset, cachedMsgCount: q.cachedMsgCount, locked: q.locked });
  }
  return Buffer.from(
    toFastJson({ properties: info.properties, subscriptionSet: info.subscriptions, mqTable, statusTable: {} }),
    'utf8',
  );
}
