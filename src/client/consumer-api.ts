/**
 * Broker RPCs used by consumers (pull, offsets, send-back, queue locks, group membership), as
 * plain functions over a {@link ClientInstance}.
 */
import { decodeHeader, encodeHeader } from '../protocol/header.js';
import { RequestCode } from '../protocol/request-code.js';
import { ResponseCode } from '../protocol/response-code.js';
import { decodeConsumerIdList } from '../protocol/bodies/consumer-connection.js';
import { decodeLockBatchResponse, encodeLockBatch } from '../protocol/bodies/lock-batch.js';
import { tagMatches, type SubscriptionData } from '../protocol/bodies/subscription.js';
import { MQBrokerError } from './errors.js';
import {
  ConsumerGroupRequest,
  ConsumerSendMsgBackRequest,
  OffsetResponse,
  PullMessageResponse,
  QueryConsumerOffsetRequest,
  QueueRequest,
  SearchOffsetRequest,
  UpdateConsumerOffsetRequest,
} from './headers.js';
import type { RemotingCommand } from '../codec/command.js';
import { TransportError } from '../transport/errors.js';
import type { ClientInstance } from './instance.js';
import { decodeMessages, type MessageExt, type MessageQueue } from './message.js';

export type PullStatus = 'FOUND' | 'NO_NEW_MSG' | 'NO_MATCHED_MSG' | 'OFFSET_ILLEGAL';

export interface PullResult {
  status: PullStatus;
  nextBeginOffset: number;
  minOffset: number;
  maxOffset: number;
  suggestWhichBrokerId: number;
  /** Messages that passed the client-side tag re-check. */
  messages: MessageExt[];
  /** Messages in the body before the tag re-check. */
  rawCount: number;
}

export const PullSysFlag = { COMMIT_OFFSET: 1, SUSPEND: 2, SUBSCRIPTION: 4, CLASS_FILTER: 8 } as const;

export interface PullRequestSpec {
  group: string;
  mq: MessageQueue;
  subscription: SubscriptionData;
  offset: number;
  maxNums: number;
  commitOffset: number;
  /** Long-poll time the broker may hold the request (0 = answer at once). */
  suspendMs: number;
  /** Send the subscription expression in the request (SUBSCRIPTION bit). */
  postSubscription: boolean;
}

export function pullRequestHeader(spec: PullRequestSpec): Record<string, string> {
  let sysFlag = 0;
  if (spec.commitOffset > 0) sysFlag |= PullSysFlag.COMMIT_OFFSET;
  if (spec.suspendMs > 0) sysFlag |= PullSysFlag.SUSPEND;
  if (spec.postSubscription) sysFlag |= PullSysFlag.SUBSCRIPTION;
  // PullMessageRequestHeader in its field order, written directly (one per pull; offsets are safe integers).
  const fields: Record<string, string> = {
    consumerGroup: spec.group,
    topic: spec.mq.topic,
    queueId: String(spec.mq.queueId),
    queueOffset: String(spec.offset),
    maxMsgNums: String(spec.maxNums),
    sysFlag: String(sysFlag),
    commitOffset: String(spec.commitOffset),
    suspendTimeoutMillis: String(spec.suspendMs),
  };
  if (spec.postSubscription) fields.subscription = spec.subscription.subString;
  fields.subVersion = String(spec.subscription.subVersion);
  fields.expressionType = spec.subscription.expressionType;
  return fields;
}

/** Maps a PULL_MESSAGE response; throws MQBrokerError for error codes. */
export function toPullResult(response: RemotingCommand, mq: MessageQueue, sub: SubscriptionData | undefined, addr?: string): PullResult {
  let status: PullStatus;
  switch (response.code) {
    case ResponseCode.SUCCESS:
      status = 'FOUND';
      break;
    case ResponseCode.PULL_NOT_FOUND:
      status = 'NO_NEW_MSG';
      break;
    case ResponseCode.PULL_RETRY_IMMEDIATELY:
      status = 'NO_MATCHED_MSG';
      break;
    case ResponseCode.PULL_OFFSET_MOVED:
      status = 'OFFSET_ILLEGAL';
      break;
    default:
      throw new MQBrokerError(response.code, response.remark, addr, RequestCode.PULL_MESSAGE);
  }
  const h = decodeHeader(PullMessageResponse, response.extFields);
  let messages: MessageExt[] = [];
  let rawCount = 0;
  if (status === 'FOUND') {
    messages = decodeMessages(response.body, { brokerName: mq.brokerName });
    rawCount = messages.length;
    if (sub) messages = messages.filter((m) => tagMatches(sub, m.tags));
    const min = String(h.minOffset);
    const max = String(h.maxOffset);
    for (const m of messages) {
      m.properties.MIN_OFFSET = min;
      m.properties.MAX_OFFSET = max;
    }
  }
  return { status, nextBeginOffset: h.nextBeginOffset, minOffset: h.minOffset, maxOffset: h.maxOffset, suggestWhichBrokerId: h.suggestWhichBrokerId, messages, rawCount };
}

export async function pullMessage(client: ClientInstance, addr: string, spec: PullRequestSpec, timeoutMs: number): Promise<PullResult> {
  const response = await client.invoke(addr, client.request(RequestCode.PULL_MESSAGE, pullRequestHeader(spec)), timeoutMs);
  return toPullResult(response, spec.mq, spec.subscription, addr);
}

/**
 * Runs `call` against `mq`'s broker group for its stored state (offsets): at its master, else at a
 * slave, as Java's RemoteBrokerOffsetStore and MQAdminImpl do with findBrokerAddressInAdmin. A
 * master still in the cached route but not answering (killed, not yet dropped by the NameServer)
 * gets one retry on a slave, so a dead master never hides its queues' offsets.
 */
async function viaBrokerGroup<T>(client: ClientInstance, mq: MessageQueue, call: (addr: string) => Promise<T>): Promise<T> {
  const target = await client.findAdminAddr(mq.brokerName, mq.topic);
  try {
    return await call(client.brokerCallAddr(target.addr));
  } catch (err) {
    const slave = !target.slave && err instanceof TransportError ? client.slaveAddr(mq.brokerName) : undefined;
    if (!slave) throw err;
    return call(client.brokerCallAddr(slave));
  }
}

/** Stored consumer offset (from the master, or a slave while the master is away); -1 when the broker has none (QUERY_NOT_FOUND). */
export async function queryConsumerOffset(client: ClientInstance, group: string, mq: MessageQueue): Promise<number> {
  const ext = encodeHeader(QueryConsumerOffsetRequest, { consumerGroup: group, topic: mq.topic, queueId: mq.queueId });
  const response = await viaBrokerGroup(client, mq, (addr) =>
    client.call(addr, client.request(RequestCode.QUERY_CONSUMER_OFFSET, ext), 5000, [ResponseCode.SUCCESS, ResponseCode.QUERY_NOT_FOUND]),
  );
  if (response.code === ResponseCode.QUERY_NOT_FOUND) return -1;
  return decodeHeader(OffsetResponse, response.extFields).offset;
}

/** Commits a consumer offset to the master, or to a slave while the master is away (as Java does). */
export async function updateConsumerOffset(client: ClientInstance, group: string, mq: MessageQueue, offset: number, oneway: boolean): Promise<void> {
  const ext = encodeHeader(UpdateConsumerOffsetRequest, { consumerGroup: group, topic: mq.topic, queueId: mq.queueId, commitOffset: offset });
  await viaBrokerGroup(client, mq, async (addr) => {
    const req = client.request(RequestCode.UPDATE_CONSUMER_OFFSET, ext);
    if (oneway) await client.oneway(addr, req);
    else await client.call(addr, req, 5000);
  });
}

/** Queue bounds come from the master, or from a slave while it is away (the same queue, at most a little behind). */
async function offsetCall(client: ClientInstance, code: number, mq: MessageQueue, ext: Record<string, string>): Promise<number> {
  const response = await viaBrokerGroup(client, mq, (addr) => client.call(addr, client.request(code, ext), 5000));
  return decodeHeader(OffsetResponse, response.extFields).offset;
}

export function getMaxOffset(client: ClientInstance, mq: MessageQueue): Promise<number> {
  return offsetCall(client, RequestCode.GET_MAX_OFFSET, mq, encodeHeader(QueueRequest, { topic: mq.topic, queueId: mq.queueId }));
}

export function getMinOffset(client: ClientInstance, mq: MessageQueue): Promise<number> {
  return offsetCall(client, RequestCode.GET_MIN_OFFSET, mq, encodeHeader(QueueRequest, { topic: mq.topic, queueId: mq.queueId }));
}

export function searchOffset(client: ClientInstance, mq: MessageQueue, timestamp: number): Promise<number> {
  return offsetCall(client, RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, mq, encodeHeader(SearchOffsetRequest, { topic: mq.topic, queueId: mq.queueId, timestamp }));
}

export async function getConsumerIdList(client: ClientInstance, group: string, brokerAddr: string): Promise<string[]> {
  const response = await client.call(
    client.brokerCallAddr(brokerAddr),
    client.request(RequestCode.GET_CONSUMER_LIST_BY_GROUP, encodeHeader(ConsumerGroupRequest, { consumerGroup: group })),
    3000,
  );
  return decodeConsumerIdList(response.body);
}

export function sendBackHeader(msg: MessageExt, group: string, delayLevel: number, maxReconsumeTimes: number): Record<string, string> {
  return encodeHeader(ConsumerSendMsgBackRequest, {
    offset: msg.commitLogOffset,
    group,
    delayLevel,
    originMsgId: msg.msgId,
    originTopic: msg.topic,
    unitMode: false,
    maxReconsumeTimes,
  });
}

export async function consumerSendMessageBack(client: ClientInstance, group: string, msg: MessageExt, delayLevel: number, maxReconsumeTimes: number): Promise<void> {
  const master = msg.brokerName ? await client.findMaster(msg.brokerName) : msg.storeHost;
  await client.call(client.brokerCallAddr(master), client.request(RequestCode.CONSUMER_SEND_MSG_BACK, sendBackHeader(msg, group, delayLevel, maxReconsumeTimes)), 5000);
}

export async function lockBatch(client: ClientInstance, group: string, brokerName: string, mqs: readonly MessageQueue[]): Promise<MessageQueue[]> {
  const master = await client.findMaster(brokerName, mqs[0]?.topic);
  const response = await client.call(client.brokerCallAddr(master), client.request(RequestCode.LOCK_BATCH_MQ, undefined, encodeLockBatch(group, client.clientId, mqs)), 1000);
  return decodeLockBatchResponse(response.body);
}

export async function unlockBatch(client: ClientInstance, group: string, brokerName: string, mqs: readonly MessageQueue[], oneway: boolean): Promise<void> {
  const master = await client.findMaster(brokerName, mqs[0]?.topic);
  const req = client.request(RequestCode.UNLOCK_BATCH_MQ, undefined, encodeLockBatch(group, client.clientId, mqs));
  if (oneway) await client.oneway(client.brokerCallAddr(master), req);
  else await client.call(client.brokerCallAddr(master), req, 1000);
}
