/**
 * What operators' tools inspect beyond offsets: VIEW_BROKER_STATS_DATA (mqadmin statsAll),
 * GET_BROKER_CONSUME_STATS (brokerConsumeStats), QUERY_CONSUME_QUEUE (queryCq), and
 * CONSUME_MESSAGE_DIRECTLY (queryMsgById -g -d), which the broker relays to one live consumer —
 * each answered as Apache's AdminBrokerProcessor answers it, so Java's mqadmin reads the bodies.
 */
import { responseTo, type RemotingCommand } from '../../codec/command.js';
import { decodeOffsetMsgId } from '../../codec/message-id.js';
import { decodeHeader } from '../../protocol/header.js';
import { ConsumeMessageDirectlyRequest, GetConsumeStatsInBrokerRequest, QueryConsumeQueueRequest, ViewBrokerStatsRequest } from '../../protocol/broker-headers.js';
import {
  encodeBrokerStatsData,
  encodeConsumeStatsList,
  encodeQueryConsumeQueueBody,
  StatsName,
  type ConsumeStatsList,
  type TopicConsumeStats,
} from '../../protocol/bodies/broker-inspect.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { versionName, V3_1_8_SNAPSHOT } from '../../protocol/version.js';
import type { Processor } from '../../transport/server.js';
import type { BrokerContext } from '../context.js';

/** How long a relayed CONSUME_MESSAGE_DIRECTLY may take at the consumer (Java's Broker2Client: 10 s). */
const CALL_CONSUMER_TIMEOUT_MS = 10_000;

export function inspectProcessors(ctx: BrokerContext): Map<number, Processor> {
  const m = new Map<number, Processor>();
  const reply = (req: RemotingCommand, code: number, extra: { remark?: string; body?: Buffer } = {}): RemotingCommand => responseTo(req, code, ctx.version, extra);

  m.set(RequestCode.VIEW_BROKER_STATS_DATA, (req) => {
    const h = decodeHeader(ViewBrokerStatsRequest, req.extFields);
    const data = ctx.statsTable.get(h.statsName, h.statsKey);
    if (!data) return reply(req, ResponseCode.SYSTEM_ERROR, { remark: `The stats <${h.statsName}> <${h.statsKey}> not exist` });
    return reply(req, ResponseCode.SUCCESS, { body: encodeBrokerStatsData(data) });
  });

  m.set(RequestCode.GET_BROKER_CONSUME_STATS, (req) => {
    const h = decodeHeader(GetConsumeStatsInBrokerRequest, req.extFields);
    const list: ConsumeStatsList = { brokerAddr: ctx.brokerAddr, totalDiff: 0, consumeStatsList: [] };
    for (const group of ctx.groups.all().keys()) {
      const online = ctx.clients.consumerGroup(group);
      const stats: TopicConsumeStats[] = [];
      for (const topic of ctx.offsets.topicsOfGroup(group)) {
        const tc = ctx.topics.get(topic);
        if (!tc || (h.isOrder && !tc.order)) continue;
        // As Java: an online group that no longer subscribes to the topic is left out.
        if (online && online.subscriptions.size > 0 && !online.subscriptions.has(topic)) continue;
        const s: TopicConsumeStats = { consumeTps: ctx.statsTable.tps(StatsName.GROUP_GET_NUMS, `${topic}@${group}`), offsetTable: [] };
        for (let q = 0; q < tc.writeQueueNums; q++) {
          const brokerOffset = Math.max(0, ctx.store.getMaxOffsetInQueue(topic, q));
          const consumerOffset = Math.max(0, ctx.offsets.query(group, topic, q));
          const last = consumerOffset > 0 ? ctx.store.getMessageStoreTimeStamp(topic, q, consumerOffset - 1) : 0;
          s.offsetTable.push({ mq: { topic, brokerName: ctx.config.brokerName, queueId: q }, brokerOffset, consumerOffset, lastTimestamp: Math.max(0, last) });
          list.totalDiff += brokerOffset - consumerOffset;
        }
        stats.push(s);
      }
      list.consumeStatsList.push({ group, stats });
    }
    return reply(req, ResponseCode.SUCCESS, { body: encodeConsumeStatsList(list) });
  });

  m.set(RequestCode.QUERY_CONSUME_QUEUE, (req) => {
    const h = decodeHeader(QueryConsumeQueueRequest, req.extFields);
    const found = ctx.store.consumeQueueEntries(h.topic, h.queueId, h.index, Math.max(0, Math.min(h.count, 10_000)));
    if (!found) return reply(req, ResponseCode.SYSTEM_ERROR, { remark: `${h.queueId}@${h.topic} is not exist!` });
    let subscriptionData;
    let filterData;
    if (h.consumerGroup !== undefined) {
      subscriptionData = ctx.clients.consumerGroup(h.consumerGroup)?.subscriptions.get(h.topic);
      // Apogee keeps no SQL92 filter data: an online TAG subscriber's filter data is Java's `null`.
      filterData = subscriptionData ? 'null' : `${h.consumerGroup}@${h.topic} is not online!`;
    }
    const body = encodeQueryConsumeQueueBody({
      subscriptionData,
      filterData,
      maxQueueIndex: found.max,
      minQueueIndex: found.min,
      queueData: found.entries.map((e) => ({ physicOffset: e.physicalOffset, physicSize: e.size, tagsCode: e.tagsCode, eval: false })),
    });
    const remark = found.entries.length === 0 ? `Index ${h.index} of ${h.queueId}@${h.topic} is not exist!` : undefined;
    return reply(req, ResponseCode.SUCCESS, { body, remark });
  });

  m.set(RequestCode.CONSUME_MESSAGE_DIRECTLY, async (req) => {
    const h = decodeHeader(ConsumeMessageDirectlyRequest, req.extFields);
    const channel = [...(ctx.clients.consumerGroup(h.consumerGroup)?.channels.values() ?? [])].find((c) => c.clientId === h.clientId);
    if (!channel) return reply(req, ResponseCode.SYSTEM_ERROR, { remark: `The Consumer <${h.consumerGroup}> <${h.clientId}> not online` });
    if (channel.version < V3_1_8_SNAPSHOT) {
      return reply(req, ResponseCode.SYSTEM_ERROR, { remark: `The Consumer <${h.clientId}> Version <${versionName(channel.version)}> too low to finish, please upgrade it to V3_1_8_SNAPSHOT` });
    }
    // The consumer gets the stored record itself, and which broker it came from.
    let record: Buffer | undefined;
    try {
      if (h.msgId) record = ctx.store.getRecord(decodeOffsetMsgId(h.msgId).physicalOffset);
    } catch {
      record = undefined; // not an offset id: relayed without a body, as Java does
    }
    const relayed: RemotingCommand = {
      code: RequestCode.CONSUME_MESSAGE_DIRECTLY,
      language: 'JAVA',
      version: ctx.version,
      opaque: 0,
      flag: 0,
      serializeType: req.serializeType,
      extFields: { ...req.extFields, brokerName: ctx.config.brokerName },
      body: record,
    };
    try {
      const answer = await channel.conn.request(relayed, CALL_CONSUMER_TIMEOUT_MS);
      return responseTo(req, answer.code, ctx.version, { remark: answer.remark, body: answer.body, extFields: answer.extFields });
    } catch (err) {
      const timedOut = (err as Error).name === 'RequestTimeoutError';
      return reply(req, timedOut ? ResponseCode.CONSUME_MSG_TIMEOUT : ResponseCode.SYSTEM_ERROR, {
        remark: timedOut ? `consumer <${h.consumerGroup}> <${h.clientId}> Timeout: ${(err as Error).message}` : `invoke consumer <${h.consumerGroup}> <${h.clientId}> Exception: ${(err as Error).message}`,
      });
    }
  });

  return m;
}
