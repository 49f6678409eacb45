/**
 * Client and consumer management: HEART_BEAT, UNREGISTER_CLIENT, consumer lists, offsets, queue
 * bounds and orderly-consumer locks.
 */
import { totalmem } from 'node:os';
import { responseTo, type RemotingCommand } from '../../codec/command.js';
import { parseFastJson, toFastJson } from '../../codec/fastjson.js';
import { decodeHeader, encodeHeader } from '../../protocol/header.js';
import {
  ConsumerGroupRequest,
  OffsetResponse,
  QueryConsumerOffsetRequest,
  SearchOffsetRequest,
  TimestampResponse,
  TopicQueueRequest,
  UnregisterClientRequest,
  UpdateConsumerOffsetRequest,
} from '../../protocol/broker-headers.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { parseJsonBody } from '../../protocol/route.js';
import type { Processor } from '../../transport/server.js';
import { buildSubscription, type SubscriptionData } from '../clients.js';
import { FAQ, type BrokerContext } from '../context.js';
import { retryTopic } from '../metadata/topics.js';
import { sqlFilterOf } from './pull.js';
import type { MessageQueue } from '../order-locks.js';

type Obj = Record<string, unknown>;
const str = (v: unknown, d = ''): string => (typeof v === 'string' ? v : v === undefined || v === null ? d : String(v));

function decodeSubscription(v: unknown): SubscriptionData {
  const o = (v ?? {}) as Obj;
  const type = str(o.expressionType, 'TAG') || 'TAG';
  const sub = buildSubscription(str(o.topic), str(o.subString, '*'), Number(o.subVersion ?? 0), type);
  // Java clients send their own tag hash codes; keep them when present (they are what they filter by).
  if (Array.isArray(o.codeSet) && Array.isArray(o.tagsSet) && o.tagsSet.length > 0) {
    sub.tagsSet = o.tagsSet.map((t) => str(t));
    sub.codeSet = o.codeSet.map((c) => Number(c));
  }
  return sub;
}

function decodeMessageQueues(v: unknown): MessageQueue[] {
  return (Array.isArray(v) ? v : []).map((q) => {
    const o = (q ?? {}) as Obj;
    return { topic: str(o.topic), brokerName: str(o.brokerName), queueId: Number(o.queueId ?? 0) };
  });
}

export function consumerProcessors(ctx: BrokerContext): Map<number, Processor> {
  const m = new Map<number, Processor>();
  const ok = (req: RemotingCommand, extra: { extFields?: Record<string, string>; body?: Buffer } = {}): RemotingCommand =>
    responseTo(req, ResponseCode.SUCCESS, ctx.version, extra);

  m.set(RequestCode.HEART_BEAT, (req, conn) => {
    const hb = parseJsonBody(req.body, 'HEART_BEAT');
    const clientId = str(hb.clientID);
    const channel = { conn, clientId, language: req.language, version: req.version };
    for (const c of (Array.isArray(hb.consumerDataSet) ? hb.consumerDataSet : []) as Obj[]) {
      const groupName = str(c.groupName);
      if (!groupName) continue;
      const groupConfig = ctx.groups.findOrCreate(groupName);
      if (groupConfig && groupConfig.retryQueueNums > 0) {
        // The retry topic exists before the first failure, so consumers can subscribe to it.
        const { created } = ctx.topics.createSystemTopic(retryTopic(groupName), groupConfig.retryQueueNums, 6);
        if (created) ctx.registerBroker(true, [retryTopic(groupName)]);
      }
      const subs = (Array.isArray(c.subscriptionDataSet) ? c.subscriptionDataSet : []).map(decodeSubscription);
      const changed = ctx.clients.registerConsumer(
        {
          groupName,
          consumeType: str(c.consumeType, 'CONSUME_PASSIVELY'),
          messageModel: str(c.messageModel, 'CLUSTERING'),
          consumeFromWhere: str(c.consumeFromWhere, 'CONSUME_FROM_LAST_OFFSET'),
        },
        channel,
        subs,
      );
      if (changed && (groupConfig?.notifyConsumerIdsChangedEnable ?? true)) ctx.notifyConsumerIdsChanged(groupName);
    }
    for (const p of (Array.isArray(hb.producerDataSet) ? hb.producerDataSet : []) as Obj[]) {
      const groupName = str(p.groupName);
      if (groupName) ctx.clients.registerProducer(groupName, channel);
    }
    return ok(req);
  });

  m.set(RequestCode.UNREGISTER_CLIENT, (req, conn) => {
    const h = decodeHeader(UnregisterClientRequest, req.extFields);
    if (h.producerGroup) ctx.clients.unregisterProducer(h.producerGroup, conn);
    if (h.consumerGroup && ctx.clients.unregisterConsumer(h.consumerGroup, conn)) {
      if (ctx.groups.get(h.consumerGroup)?.notifyConsumerIdsChangedEnable ?? true) ctx.notifyConsumerIdsChanged(h.consumerGroup);
    }
    return ok(req, { extFields: {} });
  });

  m.set(RequestCode.GET_CONSUMER_LIST_BY_GROUP, (req) => {
    const h = decodeHeader(ConsumerGroupRequest, req.extFields);
    const g = ctx.clients.consumerGroup(h.consumerGroup);
    if (!g || g.channels.size === 0) {
      return responseTo(req, ResponseCode.SYSTEM_ERROR, ctx.version, { remark: `no consumer for this group, ${h.consumerGroup}`, extFields: {} });
    }
    const ids = [...new Set([...g.channels.values()].map((c) => c.clientId))];
    return ok(req, { extFields: {}, body: Buffer.from(toFastJson({ consumerIdList: ids })) });
  });

  m.set(RequestCode.QUERY_CONSUMER_OFFSET, (req) => {
    const h = decodeHeader(QueryConsumerOffsetRequest, req.extFields);
    const stored = ctx.offsets.query(h.consumerGroup, h.topic, h.queueId);
    if (stored >= 0) return ok(req, { extFields: encodeHeader(OffsetResponse, { offset: stored }) });
    // A group's first look at a young queue (its first message still in memory) starts at 0,
    // so even CONSUME_FROM_LAST_OFFSET consumers see what was sent before they came (Java rule).
    const min = ctx.store.getMinOffsetInQueue(h.topic, h.queueId);
    if (min <= 0) {
      const first = ctx.store.getCommitLogOffsetInQueue(h.topic, h.queueId, 0);
      const inMemory = ctx.store.maxPhyOffset() - first < totalmem() * (ctx.store.config.accessMessageInMemoryMaxRatio / 100);
      if (inMemory) return ok(req, { extFields: encodeHeader(OffsetResponse, { offset: 0 }) });
    }
    return responseTo(req, ResponseCode.QUERY_NOT_FOUND, ctx.version, {
      remark: 'Not found, V3_0_6_SNAPSHOT maybe this group consumer boot first',
      extFields: {},
    });
  });

  m.set(RequestCode.UPDATE_CONSUMER_OFFSET, (req) => {
    const h = decodeHeader(UpdateConsumerOffsetRequest, req.extFields);
    if (ctx.isMaster()) ctx.offsets.commit(h.consumerGroup, h.topic, h.queueId, h.commitOffset);
    else ctx.offsets.commitOnSlave(h.consumerGroup, h.topic, h.queueId, h.commitOffset);
    return ok(req);
  });

  const offsetReply = (req: RemotingCommand, offset: number): RemotingCommand => ok(req, { extFields: encodeHeader(OffsetResponse, { offset }) });
  m.set(RequestCode.GET_MAX_OFFSET, (req) => {
    const h = decodeHeader(TopicQueueRequest, req.extFields);
    return offsetReply(req, ctx.store.getMaxOffsetInQueue(h.topic, h.queueId));
  });
  m.set(RequestCode.GET_MIN_OFFSET, (req) => {
    const h = decodeHeader(TopicQueueRequest, req.extFields);
    return offsetReply(req, Math.max(0, ctx.store.getMinOffsetInQueue(h.topic, h.queueId)));
  });
  m.set(RequestCode.SEARCH_OFFSET_BY_TIMESTAMP, (req) => {
    const h = decodeHeader(SearchOffsetRequest, req.extFields);
    return offsetReply(req, ctx.store.getOffsetInQueueByTime(h.topic, h.queueId, h.timestamp));
  });
  m.set(RequestCode.GET_EARLIEST_MSG_STORETIME, (req) => {
    const h = decodeHeader(TopicQueueRequest, req.extFields);
    return ok(req, { extFields: encodeHeader(TimestampResponse, { timestamp: ctx.store.getEarliestMessageTimeInQueue(h.topic, h.queueId) }) });
  });

  m.set(RequestCode.LOCK_BATCH_MQ, (req) => {
    const body = parseJsonBody(req.body, 'LOCK_BATCH_MQ');
    const granted = ctx.locks.tryLock(str(body.consumerGroup), str(body.clientId), decodeMessageQueues(body.mqSet));
    return ok(req, { body: Buffer.from(toFastJson({ lockOKMQSet: granted.map((q) => ({ ...q })) })) });
  });

  m.set(RequestCode.UNLOCK_BATCH_MQ, (req) => {
    const body = parseJsonBody(req.body, 'UNLOCK_BATCH_MQ');
    ctx.locks.unlock(str(body.consumerGroup), str(body.clientId), decodeMessageQueues(body.mqSet));
    return ok(req);
  });

  m.set(RequestCode.CHECK_CLIENT_CONFIG, (req) => {
    const body = req.body ? (parseFastJson(req.body.toString('utf8')) as Obj) : {};
    const sub = (body.subscriptionData ?? {}) as Obj;
    const type = str(sub.expressionType, 'TAG');
    if (type === 'TAG') return ok(req);
    if (type !== 'SQL92' || !ctx.config.enablePropertyFilter) {
      return responseTo(req, ResponseCode.SYSTEM_ERROR, ctx.version, { remark: `The broker does not support consumer to filter message by ${type}${FAQ}` });
    }
    try {
      sqlFilterOf(str(sub.subString));
    } catch (err) {
      return responseTo(req, ResponseCode.SUBSCRIPTION_PARSE_FAILED, ctx.version, { remark: `parse the subscription failed: ${(err as Error).message}` });
    }
    return ok(req);
  });

  return m;
}
