/** SEND_MESSAGE, SEND_MESSAGE_V2, SEND_BATCH_MESSAGE and CONSUMER_SEND_MSG_BACK. */
import { responseTo, type ExtFields, type RemotingCommand } from '../../codec/command.js';
import type { HostAddress } from '../../codec/host-address.js';
import { SysFlag } from '../../codec/sys-flag.js';
import { getProperty, Prop } from '../../codec/message-properties.js';
import { PropertiesView, type PropertyEdit } from '../../codec/properties-view.js';
import { encodeOffsetMsgId } from '../../codec/message-id.js';
import { decodeBatchBody } from '../../codec/batch-body.js';
import { CodecError } from '../../codec/errors.js';
import { decodeHeader, type HeaderOf } from '../../protocol/header.js';
import { ConsumerSendMsgBackRequest, SendMessageRequest, SendMessageRequestV2 } from '../../protocol/broker-headers.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { PERM_WRITE, isWriteable } from '../../protocol/perm.js';
import { V3_4_9 } from '../../protocol/version.js';
import type { Connection } from '../../transport/connection.js';
import type { Processor } from '../../transport/server.js';
import { FAQ, type BrokerContext } from '../context.js';
import { DLQ_PREFIX, RETRY_PREFIX, TBW102, dlqTopic, invalidTopicReason, retryTopic } from '../metadata/topics.js';
import { putMessages, type BrokerMessage } from '../message-put.js';
import type { TopicConfig } from '../../protocol/route.js';

type SendHeader = HeaderOf<typeof SendMessageRequest>;

/** The V2 header's one-letter fields, read as the long names. */
function fromV2(h: HeaderOf<typeof SendMessageRequestV2>): SendHeader {
  return {
    producerGroup: h.a, topic: h.b, defaultTopic: h.c, defaultTopicQueueNums: h.d, queueId: h.e, sysFlag: h.f,
    bornTimestamp: h.g, flag: h.h, properties: h.i, reconsumeTimes: h.j, unitMode: h.k, maxReconsumeTimes: h.l, batch: h.m,
  };
}

const PEER_HOST = 'peerHost';

/** The producer's address as a message's BORNHOST (read once per connection). */
export function peerHost(conn: Connection): HostAddress {
  let host = conn.attributes.get(PEER_HOST) as HostAddress | undefined;
  if (host === undefined) {
    const ip = (conn.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '');
    host = { ip, port: conn.socket.remotePort ?? 0 };
    conn.attributes.set(PEER_HOST, host);
  }
  return host;
}

export function randomQueue(n: number): number {
  return Math.floor(Math.random() * Math.max(1, n));
}

export function sendProcessors(ctx: BrokerContext): Map<number, Processor> {
  const m = new Map<number, Processor>();
  /** Adds the MSG_REGION / TRACE_ON fields every send reply carries. */
  const withTrace = (ext: ExtFields): ExtFields => {
    ext.MSG_REGION = ctx.config.regionId;
    ext.TRACE_ON = String(ctx.config.traceOn);
    return ext;
  };
  const traceFields = (): ExtFields => withTrace({});
  /** A stored message's answer: SendMessageResponse's fields and the trace fields, built in one go. */
  const stored = (req: RemotingCommand, code: number, msgId: string, queueId: number, queueOffset: number): RemotingCommand =>
    responseTo(req, code, ctx.version, { extFields: withTrace({ msgId, queueId: String(queueId), queueOffset: String(queueOffset) }) });
  /** Topic names already found valid (bounded; names are checked on every send). */
  const validTopics = new Set<string>();
  const fail = (req: RemotingCommand, code: number, remark: string): RemotingCommand =>
    responseTo(req, code, ctx.version, { remark, extFields: traceFields() });

  /** Java's msgCheck: permission, topic name, topic existence (auto-creating), queue id. */
  const checkTopic = (req: RemotingCommand, h: SendHeader): { tc: TopicConfig } | { error: RemotingCommand } => {
    if (!ctx.isWritable()) {
      return { error: fail(req, ResponseCode.NO_PERMISSION, `the broker[${ctx.config.brokerIP1}] sending message is forbidden`) };
    }
    if (!validTopics.has(h.topic)) {
      const invalid = invalidTopicReason(h.topic);
      if (invalid) return { error: fail(req, ResponseCode.MESSAGE_ILLEGAL, invalid) };
      if (validTopics.size >= 65536) validTopics.clear();
      validTopics.add(h.topic);
    }
    if (h.topic === TBW102) {
      return { error: fail(req, ResponseCode.SYSTEM_ERROR, `the topic[${h.topic}] is conflict with system reserved words.`) };
    }
    let tc = ctx.topics.get(h.topic);
    if (!tc) {
      const isRetry = h.topic.startsWith(RETRY_PREFIX);
      const created = isRetry
        ? ctx.topics.createSystemTopic(h.topic, 1, 6).config
        : ctx.topics.createFromTemplate(h.topic, h.defaultTopic, h.defaultTopicQueueNums, (h.unitMode ? 1 : 0));
      if (!created) {
        return { error: fail(req, ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist, apply first please!${FAQ}`) };
      }
      ctx.log.info(`topic ${h.topic} auto-created with ${created.writeQueueNums} queues for producer group ${h.producerGroup}`);
      ctx.registerBroker(true, [h.topic]);
      tc = created;
    }
    if (!isWriteable(tc.perm)) {
      return { error: fail(req, ResponseCode.NO_PERMISSION, `the topic[${h.topic}] sending message is forbidden`) };
    }
    const limit = Math.max(tc.readQueueNums, tc.writeQueueNums);
    if (h.queueId >= limit) {
      return {
        error: fail(req, ResponseCode.SYSTEM_ERROR, `request queueId[${h.queueId}] is illegal, topic ${h.topic} has ${limit} queues. Producer: ${h.producerGroup}`),
      };
    }
    return { tc };
  };

  /** A send to %RETRY%<group> past its retry limit goes to %DLQ%<group> instead. */
  const retryTarget = (req: RemotingCommand, h: SendHeader, msg: BrokerMessage): RemotingCommand | undefined => {
    if (!h.topic.startsWith(RETRY_PREFIX)) return undefined;
    const group = h.topic.slice(RETRY_PREFIX.length);
    const g = ctx.groups.findOrCreate(group);
    if (!g) return fail(req, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group not exist, ${group}${FAQ}`);
    const max = req.version >= V3_4_9 && h.maxReconsumeTimes !== undefined ? h.maxReconsumeTimes : g.retryMaxTimes;
    if ((h.reconsumeTimes ?? 0) >= max) {
      const dlq = dlqTopic(group);
      const { created } = ctx.topics.createSystemTopic(dlq, 1, PERM_WRITE);
      if (created) ctx.registerBroker(true, [dlq]);
      msg.topic = dlq;
      msg.queueId = 0;
    }
    return undefined;
  };

  const sendOne = async (req: RemotingCommand, conn: Connection, h: SendHeader): Promise<RemotingCommand> => {
    const checked = checkTopic(req, h);
    if ('error' in checked) return checked.error;
    const body = req.body ?? Buffer.alloc(0);
    const properties = PropertiesView.of(h.properties ?? '');
    let stampGroup: string | undefined;
    if ((h.sysFlag & SysFlag.TRANSACTION_MASK) === SysFlag.TRANSACTION_PREPARED || properties.isTransactional()) {
      if (ctx.config.rejectTransactionMessage) {
        return fail(req, ResponseCode.NO_PERMISSION, `the broker[${ctx.config.brokerIP1}] sending transaction message is forbidden`);
      }
      // The broker asks this group about the transaction when its outcome is late.
      if (!properties.hasProducerGroup()) stampGroup = h.producerGroup;
    }
    const msg: BrokerMessage = {
      topic: h.topic,
      queueId: h.queueId < 0 ? randomQueue(checked.tc.writeQueueNums) : h.queueId,
      body,
      properties,
      flag: h.flag,
      sysFlag: h.sysFlag,
      bornTimestamp: h.bornTimestamp,
      bornHost: peerHost(conn),
      reconsumeTimes: h.reconsumeTimes ?? 0,
    };
    const refused = retryTarget(req, h, msg);
    if (refused) return refused;
    const outcome = await putMessages(ctx, [msg], stampGroup);
    if (!outcome.ok) return fail(req, outcome.code, outcome.remark);
    ctx.statsTable.countPut(h.topic, 1, outcome.result.wroteBytes);
    const record = outcome.result.records[0]!;
    return stored(req, outcome.code, record.msgId, msg.queueId, record.queueOffset);
  };

  const sendBatch = async (req: RemotingCommand, conn: Connection, h: SendHeader): Promise<RemotingCommand> => {
    if (h.topic.startsWith(RETRY_PREFIX) || h.topic.startsWith(DLQ_PREFIX)) {
      return fail(req, ResponseCode.MESSAGE_ILLEGAL, `batch request does not support retry group ${h.topic}`);
    }
    const checked = checkTopic(req, h);
    if ('error' in checked) return checked.error;
    let entries;
    try {
      entries = decodeBatchBody(req.body ?? Buffer.alloc(0));
    } catch (err) {
      return fail(req, ResponseCode.MESSAGE_ILLEGAL, `bad batch body: ${(err as CodecError).message}`);
    }
    if (entries.length === 0) return fail(req, ResponseCode.MESSAGE_ILLEGAL, 'empty batch');
    const queueId = h.queueId < 0 ? randomQueue(checked.tc.writeQueueNums) : h.queueId;
    const bornHost = peerHost(conn);
    const msgs: BrokerMessage[] = entries.map((e) => ({
      topic: h.topic,
      queueId,
      body: e.body,
      properties: PropertiesView.of(e.properties),
      flag: e.flag,
      sysFlag: h.sysFlag,
      bornTimestamp: h.bornTimestamp,
      bornHost,
    }));
    const outcome = await putMessages(ctx, msgs);
    if (!outcome.ok) return fail(req, outcome.code, outcome.remark);
    ctx.statsTable.countPut(h.topic, msgs.length, outcome.result.wroteBytes);
    return stored(req, outcome.code, outcome.result.msgId, queueId, outcome.result.queueOffset);
  };

  m.set(RequestCode.SEND_MESSAGE, (req, conn) => sendOne(req, conn, decodeHeader(SendMessageRequest, req.extFields)));
  m.set(RequestCode.SEND_MESSAGE_V2, (req, conn) => sendOne(req, conn, fromV2(decodeHeader(SendMessageRequestV2, req.extFields))));
  m.set(RequestCode.SEND_BATCH_MESSAGE, (req, conn) => sendBatch(req, conn, fromV2(decodeHeader(SendMessageRequestV2, req.extFields))));

  m.set(RequestCode.CONSUMER_SEND_MSG_BACK, async (req) => {
    const h = decodeHeader(ConsumerSendMsgBackRequest, req.extFields);
    const ok = (code: number, remark?: string): RemotingCommand => responseTo(req, code, ctx.version, { remark });
    const g = ctx.groups.findOrCreate(h.group);
    if (!g) return ok(ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group not exist, ${h.group}${FAQ}`);
    if (!ctx.isWritable()) return ok(ResponseCode.NO_PERMISSION, `the broker[${ctx.config.brokerIP1}] sending message is forbidden`);
    if (g.retryQueueNums <= 0) return ok(ResponseCode.SUCCESS);
    const retry = retryTopic(h.group);
    const { config: retryConfig, created } = ctx.topics.createSystemTopic(retry, g.retryQueueNums, 6);
    if (created) ctx.registerBroker(true, [retry]);
    if (!isWriteable(retryConfig.perm)) return ok(ResponseCode.NO_PERMISSION, `the topic[${retry}] sending message is forbidden`);
    const original = ctx.store.lookMessageByOffset(h.offset);
    if (!original) return ok(ResponseCode.SYSTEM_ERROR, `look message by offset failed, ${h.offset}`);
    const edits: PropertyEdit[] = [];
    if (getProperty(original.properties, Prop.RETRY_TOPIC) === undefined) edits.push([Prop.RETRY_TOPIC, original.topic]);
    // WAIT=false: nobody waits for this copy's flush.
    edits.push([Prop.WAIT, 'false']);
    const max = req.version >= V3_4_9 && h.maxReconsumeTimes !== undefined ? h.maxReconsumeTimes : g.retryMaxTimes;
    let topic = retry;
    let queueId = randomQueue(retryConfig.writeQueueNums);
    let delayLevel = h.delayLevel;
    if (original.reconsumeTimes >= max || delayLevel < 0) {
      topic = dlqTopic(h.group);
      queueId = 0;
      const dlq = ctx.topics.createSystemTopic(topic, 1, PERM_WRITE);
      if (dlq.created) ctx.registerBroker(true, [topic]);
      delayLevel = 0;
    } else if (delayLevel === 0) {
      delayLevel = 3 + original.reconsumeTimes;
    }
    if (delayLevel > 0) edits.push([Prop.DELAY, String(Math.min(delayLevel, ctx.delayLevels.length))]);
    // The first retry names the original record by its offset msg id; later retries keep it.
    if (getProperty(original.properties, Prop.ORIGIN_MESSAGE_ID) === undefined) {
      edits.push([Prop.ORIGIN_MESSAGE_ID, encodeOffsetMsgId(original.storeHost, original.physicalOffset)]);
    }
    const properties = PropertiesView.of(original.properties);
    properties.set(edits);
    const outcome = await putMessages(ctx, [
      {
        topic,
        queueId,
        body: original.body,
        properties,
        flag: original.flag,
        sysFlag: original.sysFlag & ~(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6),
        bornTimestamp: original.bornTimestamp,
        bornHost: original.bornHost,
        reconsumeTimes: original.reconsumeTimes + 1,
      },
    ]);
    if (!outcome.ok) return ok(outcome.code, outcome.remark);
    return ok(ResponseCode.SUCCESS);
  });

  return m;
}

