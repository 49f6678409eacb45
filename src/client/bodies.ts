/**
 * JSON bodies a client writes and reads (remoting-protocol §5.3), in the fastjson dialect:
 * MessageQueue-keyed maps use whole-object keys, numeric maps bare numeric keys.
 */
import { javaDouble, parseFastJson, parseObjectKey, toFastJson } from '../codec/fastjson.js';
import { javaHashCode } from '../codec/hashes.js';
import { subscriptionGroupDefaults as protocolGroupDefaults } from '../protocol/subscription-group.js';
import { MQClientError } from './errors.js';
import { mqKey, type MessageQueue } from './message.js';

type Obj = Record<string, unknown>;

export type MessageModel = 'CLUSTERING' | 'BROADCASTING';
export type ConsumeType = 'CONSUME_ACTIVELY' | 'CONSUME_PASSIVELY';
export type ConsumeFromWhere = 'CONSUME_FROM_LAST_OFFSET' | 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_TIMESTAMP';
export type ExpressionType = 'TAG' | 'SQL92';

export interface SubscriptionData {
  topic: string;
  subString: string;
  tagsSet: string[];
  codeSet: number[];
  subVersion: number;
  expressionType: ExpressionType;
  classFilterMode: boolean;
}

export interface ConsumerData {
  groupName: string;
  consumeType: ConsumeType;
  messageModel: MessageModel;
  consumeFromWhere: ConsumeFromWhere;
  subscriptionDataSet: SubscriptionData[];
  unitMode: boolean;
}

export interface HeartbeatData {
  clientID: string;
  producerDataSet: { groupName: string }[];
  consumerDataSet: ConsumerData[];
}

export function bodyError(what: string, detail: string): MQClientError {
  return new MQClientError(`cannot read ${what} body: ${detail}`);
}

export function parseBody(body: Buffer | undefined, what: string): Obj {
  if (!body || body.length === 0) throw bodyError(what, 'empty');
  let v: unknown;
  try {
    v = parseFastJson(body);
  } catch (err) {
    throw bodyError(what, (err as Error).message);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bodyError(what, 'not an object');
  return v as Obj;
}

const num = (v: unknown, d = 0): number =>
  typeof v === 'number' ? v : typeof v === 'bigint' ? Number(v) : typeof v === 'string' && v !== '' && !isNaN(Number(v)) ? Number(v) : d;
const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : v === undefined || v === null ? d : String(v));
const bool = (v: unknown, d = false): boolean => (typeof v === 'boolean' ? v : typeof v === 'string' ? v.toLowerCase() === 'true' : d);
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/**
 * Builds a TAG or SQL92 subscription the way Java's FilterAPI does: `*` / empty ⇒ all; tags split
 * on `||` and trimmed, codes = Java hashCode of each tag.
 */
export function buildSubscription(topic: string, expression: string | undefined, type: ExpressionType = 'TAG', subVersion = Date.now()): SubscriptionData {
  const sub: SubscriptionData = { topic, subString: '*', tagsSet: [], codeSet: [], subVersion, expressionType: type, classFilterMode: false };
  if (type === 'SQL92') {
    if (!expression || expression.trim() === '') throw new MQClientError('an SQL92 subscription needs an expression');
    sub.subString = expression;
    return sub;
  }
  if (!expression || expression.trim() === '' || expression.trim() === '*') return sub;
  sub.subString = expression;
  for (const t of expression.split('||')) {
    const tag = t.trim();
    if (tag === '' || sub.tagsSet.includes(tag)) continue;
    sub.tagsSet.push(tag);
    sub.codeSet.push(javaHashCode(tag));
  }
  if (sub.tagsSet.length === 0) throw new MQClientError(`subscription expression "${expression}" has no tag`);
  return sub;
}

/** True when `tags` passes a TAG subscription (clients re-check tags after the broker's hash filter). */
export function tagMatches(sub: SubscriptionData, tags: string | undefined): boolean {
  if (sub.expressionType !== 'TAG' || sub.tagsSet.length === 0) return true;
  return tags !== undefined && sub.tagsSet.includes(tags);
}

export function encodeHeartbeat(hb: HeartbeatData): Buffer {
  return Buffer.from(toFastJson(hb), 'utf8');
}

export function decodeHeartbeat(body: Buffer | undefined): HeartbeatData {
  const o = parseBody(body, 'HeartbeatData');
  return {
    clientID: str(o.clientID),
    producerDataSet: list(o.producerDataSet).map((p) => ({ groupName: str(obj(p).groupName) })),
    consumerDataSet: list(o.consumerDataSet).map((c) => {
      const co = obj(c);
      return {
        groupName: str(co.groupName),
        consumeType: str(co.consumeType) as ConsumeType,
        messageModel: str(co.messageModel) as MessageModel,
        consumeFromWhere: str(co.consumeFromWhere) as ConsumeFromWhere,
        subscriptionDataSet: list(co.subscriptionDataSet).map(decodeSubscription),
        unitMode: bool(co.unitMode),
      };
    }),
  };
}

export function decodeSubscription(v: unknown): SubscriptionData {
  const s = obj(v);
  return {
    topic: str(s.topic),
    subString: str(s.subString, '*'),
    tagsSet: list(s.tagsSet).map((t) => str(t)),
    codeSet: list(s.codeSet).map((c) => num(c)),
    subVersion: num(s.subVersion),
    expressionType: (str(s.expressionType, 'TAG') || 'TAG') as ExpressionType,
    classFilterMode: bool(s.classFilterMode),
  };
}

export function decodeConsumerIdList(body: Buffer | undefined): string[] {
  return list(parseBody(body, 'GetConsumerListByGroupResponseBody').consumerIdList).map((x) => str(x));
}

export function decodeMq(v: unknown): MessageQueue {
  const o = obj(v);
  return { topic: str(o.topic), brokerName: str(o.brokerName), queueId: num(o.queueId) };
}

/** A MessageQueue as fastjson writes it (properties sorted). */
export function mqJson(mq: MessageQueue): Obj {
  return { brokerName: mq.brokerName, queueId: mq.queueId, topic: mq.topic };
}

export function encodeLockBatch(consumerGroup: string, clientId: string, mqs: readonly MessageQueue[]): Buffer {
  return Buffer.from(toFastJson({ clientId, consumerGroup, mqSet: mqs.map(mqJson) }), 'utf8');
}

export function decodeLockBatchResponse(body: Buffer | undefined): MessageQueue[] {
  if (!body || body.length === 0) return [];
  return list(parseBody(body, 'LockBatchResponseBody').lockOKMQSet).map(decodeMq);
}

/** Entries of a map whose keys are MessageQueue objects (canonical JSON keys after parsing). */
export function mqMapEntries(v: unknown): Array<[MessageQueue, unknown]> {
  const o = obj(v);
  const out: Array<[MessageQueue, unknown]> = [];
  for (const k of Object.keys(o)) {
    let key: unknown;
    try {
      key = parseObjectKey(k);
    } catch {
      continue;
    }
    out.push([decodeMq(key), o[k]]);
  }
  return out;
}

export interface OffsetWrapper {
  brokerOffset: number;
  consumerOffset: number;
  lastTimestamp: number;
}

export interface ConsumeStats {
  consumeTps: number;
  offsetTable: Array<{ mq: MessageQueue } & OffsetWrapper>;
  /** Sum over queues of brokerOffset − consumerOffset. */
  diffTotal: number;
}

export function decodeConsumeStats(body: Buffer | undefined): ConsumeStats {
  const o = parseBody(body, 'ConsumeStats');
  const offsetTable = mqMapEntries(o.offsetTable).map(([mq, w]) => {
    const ow = obj(w);
    return { mq, brokerOffset: num(ow.brokerOffset), consumerOffset: num(ow.consumerOffset), lastTimestamp: num(ow.lastTimestamp) };
  });
  offsetTable.sort((a, b) => (mqKey(a.mq) < mqKey(b.mq) ? -1 : 1));
  return {
    consumeTps: num(o.consumeTps),
    offsetTable,
    diffTotal: offsetTable.reduce((s, e) => s + Math.max(0, e.brokerOffset - e.consumerOffset), 0),
  };
}

export function encodeConsumeStats(stats: ConsumeStats): Buffer {
  const table = new Map<Obj, Obj>();
  for (const e of stats.offsetTable) {
    table.set(mqJson(e.mq), { brokerOffset: e.brokerOffset, consumerOffset: e.consumerOffset, lastTimestamp: e.lastTimestamp });
  }
  return Buffer.from(toFastJson({ consumeTps: javaDouble(stats.consumeTps), offsetTable: table }), 'utf8');
}

export interface TopicOffset {
  mq: MessageQueue;
  minOffset: number;
  maxOffset: number;
  lastUpdateTimestamp: number;
}

export function decodeTopicStats(body: Buffer | undefined): TopicOffset[] {
  const o = parseBody(body, 'TopicStatsTable');
  return mqMapEntries(o.offsetTable)
    .map(([mq, v]) => {
      const t = obj(v);
      return { mq, minOffset: num(t.minOffset), maxOffset: num(t.maxOffset), lastUpdateTimestamp: num(t.lastUpdateTimestamp) };
    })
    .sort((a, b) => (mqKey(a.mq) < mqKey(b.mq) ? -1 : 1));
}

export function decodeResetOffsetBody(body: Buffer | undefined): Array<{ mq: MessageQueue; offset: number }> {
  const o = parseBody(body, 'ResetOffsetBody');
  return mqMapEntries(o.offsetTable).map(([mq, v]) => ({ mq, offset: num(v) }));
}

export interface Connection {
  clientId: string;
  clientAddr: string;
  language: string;
  version: number;
}

export interface ConsumerConnection {
  connectionSet: Connection[];
  subscriptionTable: Map<string, SubscriptionData>;
  consumeType?: ConsumeType;
  messageModel?: MessageModel;
  consumeFromWhere?: ConsumeFromWhere;
}

function decodeConnections(v: unknown): Connection[] {
  return list(v).map((c) => {
    const co = obj(c);
    return { clientId: str(co.clientId), clientAddr: str(co.clientAddr), language: str(co.language), version: num(co.version) };
  });
}

export function decodeConsumerConnection(body: Buffer | undefined): ConsumerConnection {
  const o = parseBody(body, 'ConsumerConnection');
  const subs = new Map<string, SubscriptionData>();
  const st = obj(o.subscriptionTable);
  for (const k of Object.keys(st)) subs.set(k, decodeSubscription(st[k]));
  return {
    connectionSet: decodeConnections(o.connectionSet),
    subscriptionTable: subs,
    consumeType: o.consumeType as ConsumeType | undefined,
    messageModel: o.messageModel as MessageModel | undefined,
    consumeFromWhere: o.consumeFromWhere as ConsumeFromWhere | undefined,
  };
}

export function decodeProducerConnection(body: Buffer | undefined): Connection[] {
  return decodeConnections(parseBody(body, 'ProducerConnection').connectionSet);
}

export function decodeGroupList(body: Buffer | undefined): string[] {
  return list(parseBody(body, 'GroupList').groupList).map((g) => str(g));
}

export interface SubscriptionGroupConfig {
  groupName: string;
  consumeEnable?: boolean;
  consumeFromMinEnable?: boolean;
  consumeBroadcastEnable?: boolean;
  retryQueueNums?: number;
  retryMaxTimes?: number;
  brokerId?: number;
  whichBrokerWhenConsumeSlowly?: number;
  notifyConsumerIdsChangedEnable?: boolean;
}

export function subscriptionGroupDefaults(groupName: string): Required<SubscriptionGroupConfig> {
  return protocolGroupDefaults(groupName);
}

export function encodeSubscriptionGroup(cfg: SubscriptionGroupConfig): Buffer {
  return Buffer.from(toFastJson({ ...subscriptionGroupDefaults(cfg.groupName), ...cfg }), 'utf8');
}

export function decodeSubscriptionGroupTable(body: Buffer | undefined): Map<string, Required<SubscriptionGroupConfig>> {
  const o = parseBody(body, 'SubscriptionGroupWrapper');
  const t = obj(o.subscriptionGroupTable);
  const out = new Map<string, Required<SubscriptionGroupConfig>>();
  for (const name of Object.keys(t)) {
    const g = obj(t[name]);
    const d = subscriptionGroupDefaults(name);
    out.set(name, {
      groupName: str(g.groupName, name),
      consumeEnable: bool(g.consumeEnable, d.consumeEnable),
      consumeFromMinEnable: bool(g.consumeFromMinEnable, d.consumeFromMinEnable),
      consumeBroadcastEnable: bool(g.consumeBroadcastEnable, d.consumeBroadcastEnable),
      retryQueueNums: num(g.retryQueueNums, d.retryQueueNums),
      retryMaxTimes: num(g.retryMaxTimes, d.retryMaxTimes),
      brokerId: num(g.brokerId, d.brokerId),
      whichBrokerWhenConsumeSlowly: num(g.whichBrokerWhenConsumeSlowly, d.whichBrokerWhenConsumeSlowly),
      notifyConsumerIdsChangedEnable: bool(g.notifyConsumerIdsChangedEnable, d.notifyConsumerIdsChangedEnable),
    });
  }
  return out;
}

export interface QueueTimeSpan {
  mq: MessageQueue;
  minTimeStamp: number;
  maxTimeStamp: number;
  consumeTimeStamp: number;
  delayTime: number;
}

export function decodeConsumeTimeSpan(body: Buffer | undefined): QueueTimeSpan[] {
  const o = parseBody(body, 'QueryConsumeTimeSpanBody');
  return list(o.consumeTimeSpanSet).map((v) => {
    const s = obj(v);
    return {
      mq: decodeMq(s.messageQueue),
      minTimeStamp: num(s.minTimeStamp),
      maxTimeStamp: num(s.maxTimeStamp),
      consumeTimeStamp: num(s.consumeTimeStamp),
      delayTime: num(s.delayTime),
    };
  });
}

/** `{"offsetTable":{"topic@group":{0:12}}}` (GET_ALL_CONSUMER_OFFSET). */
export function decodeAllConsumerOffsets(body: Buffer | undefined): Map<string, Map<number, number>> {
  const o = parseBody(body, 'ConsumerOffsetSerializeWrapper');
  const out = new Map<string, Map<number, number>>();
  const t = obj(o.offsetTable);
  for (const k of Object.keys(t)) {
    const inner = obj(t[k]);
    out.set(k, new Map(Object.keys(inner).map((q) => [Number(q), num(inner[q])])));
  }
  return out;
}

/** The running info a consumer reports for GET_CONSUMER_RUNNING_INFO (307). */
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

export function decodeRuntimeKV(body: Buffer | undefined): Record<string, string> {
  const o = parseBody(body, 'KVTable');
  const t = obj(o.table);
  const out: Record<string, string> = {};
  for (const k of Object.keys(t)) out[k] = str(t[k]);
  return out;
}
