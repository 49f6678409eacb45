/**
 * ConsumerRunningInfo (GET_CONSUMER_RUNNING_INFO, 307): what a consumer reports about itself, as
 * Java's common/protocol/body/ConsumerRunningInfo carries it (properties, subscriptionSet, mqTable of
 * ProcessQueueInfo keyed by MessageQueue, statusTable of ConsumeStatus by topic, optional jstack).
 */
import { toFastJson } from '../../codec/fastjson.js';
import { list, num, obj, parseJsonBody, str, type Obj } from '../json.js';
import { compareMq, mqJson, mqMapEntries, type MessageQueue } from './message-queue.js';
import { decodeSubscription, type SubscriptionData } from './subscription.js';

/** The property names Java's tools read (ConsumerRunningInfo.PROP_*). */
export const RunningInfoProp = {
  NAMESERVER_ADDR: 'PROP_NAMESERVER_ADDR',
  THREADPOOL_CORE_SIZE: 'PROP_THREADPOOL_CORE_SIZE',
  CONSUME_ORDERLY: 'PROP_CONSUMEORDERLY',
  CONSUME_TYPE: 'PROP_CONSUME_TYPE',
  CLIENT_VERSION: 'PROP_CLIENT_VERSION',
  CONSUMER_START_TIMESTAMP: 'PROP_CONSUMER_START_TIMESTAMP',
} as const;

/** Java's ProcessQueueInfo: one queue's local cache as a consumer holds it. */
export interface ProcessQueueInfo {
  commitOffset: number;
  cachedMsgMinOffset: number;
  cachedMsgMaxOffset: number;
  cachedMsgCount: number;
  cachedMsgSizeInMiB: number;
  transactionMsgMinOffset: number;
  transactionMsgMaxOffset: number;
  transactionMsgCount: number;
  locked: boolean;
  tryUnlockTimes: number;
  lastLockTimestamp: number;
  droped: boolean;
  lastPullTimestamp: number;
  lastConsumeTimestamp: number;
}

/** Java's ConsumeStatus: per-topic rates. */
export interface ConsumeStatus {
  pullRT: number;
  pullTPS: number;
  consumeRT: number;
  consumeOKTPS: number;
  consumeFailedTPS: number;
  consumeFailedMsgs: number;
}

export interface ConsumerRunningInfo {
  properties: Record<string, string>;
  subscriptionSet: SubscriptionData[];
  mqTable: Array<{ mq: MessageQueue; info: ProcessQueueInfo }>;
  statusTable: Map<string, ConsumeStatus>;
  jstack?: string;
}

export function processQueueInfo(partial: Partial<ProcessQueueInfo>): ProcessQueueInfo {
  return {
    commitOffset: 0, cachedMsgMinOffset: 0, cachedMsgMaxOffset: 0, cachedMsgCount: 0, cachedMsgSizeInMiB: 0,
    transactionMsgMinOffset: 0, transactionMsgMaxOffset: 0, transactionMsgCount: 0,
    locked: false, tryUnlockTimes: 0, lastLockTimestamp: 0, droped: false, lastPullTimestamp: 0, lastConsumeTimestamp: 0,
    ...partial,
  };
}

export function encodeConsumerRunningInfo(info: ConsumerRunningInfo): Buffer {
  const mqTable = new Map<Obj, Obj>();
  for (const q of [...info.mqTable].sort((a, b) => compareMq(a.mq, b.mq))) mqTable.set(mqJson(q.mq), { ...q.info });
  const statusTable = new Map([...info.statusTable].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const body: Obj = { properties: info.properties, subscriptionSet: info.subscriptionSet, mqTable, statusTable };
  if (info.jstack !== undefined) body.jstack = info.jstack;
  return Buffer.from(toFastJson(body), 'utf8');
}

export function decodeConsumerRunningInfo(body: Buffer | undefined): ConsumerRunningInfo {
  const o = parseJsonBody(body, 'ConsumerRunningInfo');
  const properties: Record<string, string> = {};
  for (const [k, v] of Object.entries(obj(o.properties ?? {}))) properties[k] = typeof v === 'string' ? v : JSON.stringify(v);
  const mqTable = mqMapEntries(o.mqTable ?? {}).map(([mq, v]) => {
    const p = obj(v);
    const n = (k: string): number => num(p[k] ?? 0);
    return {
      mq,
      info: processQueueInfo({
        commitOffset: n('commitOffset'), cachedMsgMinOffset: n('cachedMsgMinOffset'), cachedMsgMaxOffset: n('cachedMsgMaxOffset'),
        cachedMsgCount: n('cachedMsgCount'), cachedMsgSizeInMiB: n('cachedMsgSizeInMiB'),
        transactionMsgMinOffset: n('transactionMsgMinOffset'), transactionMsgMaxOffset: n('transactionMsgMaxOffset'), transactionMsgCount: n('transactionMsgCount'),
        locked: p.locked === true, tryUnlockTimes: n('tryUnlockTimes'), lastLockTimestamp: n('lastLockTimestamp'),
        droped: p.droped === true, lastPullTimestamp: n('lastPullTimestamp'), lastConsumeTimestamp: n('lastConsumeTimestamp'),
      }),
    };
  });
  mqTable.sort((a, b) => compareMq(a.mq, b.mq));
  const statusTable = new Map<string, ConsumeStatus>();
  for (const [topic, v] of Object.entries(obj(o.statusTable ?? {})).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const s = obj(v);
    const n = (k: string): number => Number(s[k] ?? 0) || 0;
    statusTable.set(topic, { pullRT: n('pullRT'), pullTPS: n('pullTPS'), consumeRT: n('consumeRT'), consumeOKTPS: n('consumeOKTPS'), consumeFailedTPS: n('consumeFailedTPS'), consumeFailedMsgs: n('consumeFailedMsgs') });
  }
  const subscriptionSet = list(o.subscriptionSet ?? []).map(decodeSubscription);
  return { properties, subscriptionSet, mqTable, statusTable, jstack: typeof o.jstack === 'string' ? str(o.jstack) : undefined };
}
