/**
 * Client and consumer management: HEART_BEAT, UNREGISTER_CLIENT, consumer lists, offsets, queue
 * bounds and orderly-consumer locks.
 */
import { totalmem } from 'node:os';
import { responseTo, type RemotingCommand } from '../../codec/command.js';
import { parseFastJson } from '../../codec/fastjson.js';
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
import { decodeHeartbeat } from '../../protocol/bodies/heartbeat.js';
import { encodeConsumerIdList } from '../../protocol/bodies/consumer-connection.js';
import { decodeLockBatch, encodeLockBatchResponse } from '../../protocol/bodies/lock-batch.js';
import { obj, str } from '../../protocol/json.js';
import { retryTopic } from '../../protocol/system-topics.js';
import type { Processor } from '../../transport/server.js';
import { FAQ, type BrokerContext } from '../context.js';
import { sqlFilterOf } from '../filter/sql-cache.js';

export function consumerProcessors(ctx: BrokerContext): Map<number, Processor> {
  const m = new Map<number, Processor>();
  const ok = (req: RemotingCommand, extra: { extFields?: Record<string, string>; body?: Buffer } = {}): RemotingCommand =>
    responseTo(req, ResponseCode.SUCCESS, ctx.version, extra);

  m.set(RequestCode.HEART_BEAT, (req, conn) => {
    const hb = decodeHeartbeat(req.body);
    const channel = { conn, clientId: hb.clientID, language: req.language, version: req.version };
    for (const c of hb.consumerDataSet) {
      const groupName = c.groupName;
      if (!groupName) continue;
      const groupConfig = ctx.groups.findOrCreate(groupName);
      if (groupConfig && groupConfig.retryQueueNums > 0) {
        // The retry topic exists before the first failure, so consumers can subscribe to it.
        const { created } = ctx.topics.createSystemTopic(retryTopic(groupName), groupConfig.retryQueueNums, 6);
        if (created) ctx.registerBroker(true, [retryTopic(groupName)]);
      }
      const changed = ctx.clients.registerConsumer(
        { groupName, consumeType: c.consumeType, messageModel: c.messageModel, consumeFromWhere: c.consumeFromWhere },
        channel,
        c.subscriptionDataSet,
      );
      if (changed && (groupConfig?.notifyConsumerIdsChangedEnable ?? true)) ctx.notifyConsumerIdsChanged(groupName);
    }
    for (const p of hb.producerDataSet) {
      if (p.groupName) ctx.clients.registerProducer(p.groupName, channel);
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
    return ok(req, { extFields: {}, body: encodeConsumerIdList(ids) });
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
    const body = decodeLockBatch(req.body, 'LOCK_BATCH_MQ');
    const granted = ctx.locks.tryLock(body.consumerGroup, body.clientId, body.mqSet);
    return ok(req, { body: encodeLockBatchResponse(granted) });
  });

  m.set(RequestCode.UNLOCK_BATCH_MQ, (req) => {
    const body = decodeLockBatch(req.body, 'UNLOCK_BATCH_MQ');
    ctx.locks.unlock(body.consumerGroup, body.clientId, body.mqSet);
    return ok(req);
  });

  m.set(RequestCode.CHECK_CLIENT_CONFIG, (req) => {
    const body = req.body ? obj(parseFastJson(req.body.toString('utf8'))) : {};
    const sub = obj(body.subscriptionData);
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
