/** Admin requests mqadmin and slaves use: topics, groups, offsets, stats, connections, config. */
import { statfsSync } from 'node:fs';
import { responseTo, type RemotingCommand } from '../../codec/command.js';
import { toFastJson } from '../../codec/fastjson.js';
import { decodeHeader, encodeHeader } from '../../protocol/header.js';
import {
  ConsumerGroupRequest,
  CreateTopicRequest,
  DeleteSubscriptionGroupRequest,
  GetBrokerConfigResponse,
  GetConsumeStatsRequest,
  ProducerGroupRequest,
  QueryConsumeTimeSpanRequest,
  ResetOffsetRequest,
  CloneGroupOffsetRequest,
  TopicRequest,
} from '../../protocol/broker-headers.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { dataVersionJson } from '../../protocol/data-version.js';
import { parseJsonBody } from '../../protocol/json.js';
import { encodeTopicList } from '../../protocol/route.js';
import { encodeConsumerConnection, encodeProducerConnection, type Connection } from '../../protocol/bodies/consumer-connection.js';
import {
  encodeConsumeStats,
  encodeConsumeTimeSpan,
  encodeResetOffsetBody,
  encodeTopicStats,
  type OffsetWrapper,
  type QueueTimeSpan,
  type TopicOffset,
} from '../../protocol/bodies/consume-stats.js';
import { encodeGroupList } from '../../protocol/bodies/group-list.js';
import type { MessageQueue } from '../../protocol/bodies/message-queue.js';
import { topicConfig } from '../../protocol/bodies/topic-config.js';
import { invalidTopicReason, isBrokerSystemTopic, SCHEDULE_TOPIC } from '../../protocol/system-topics.js';
import { versionName } from '../../protocol/version.js';
import { PRODUCT_RELEASE, RELEASE } from '../../common/release.js';
import type { Processor } from '../../transport/server.js';
import type { BrokerContext } from '../context.js';
import type { RateWindow } from '../rate-window.js';
import { decodeGroupConfig } from '../metadata/subscription-groups.js';

export interface AdminHooks {
  /** Properties text of the whole broker config (GET_BROKER_CONFIG). */
  configText(): string;
  /** Applies a properties body (UPDATE_BROKER_CONFIG); throws with a message on bad input. */
  updateConfig(text: string): void;
  /** DataVersion of the broker config, as JSON text. */
  configVersion(): string;
  /** Recent rates of the broker's counters (runtime info's TPS fields). */
  rates: RateWindow<RateKey>;
  /** What status tools need beyond Java's fields: whether the broker takes sends, and replication. */
  state(): BrokerRuntimeState;
}

export type RateKey = 'put' | 'getFound' | 'getMiss' | 'getTransferred';

export interface BrokerRuntimeState {
  /** serving; draining (stopping, or its write permission wiped); read-only (brokerPermission). */
  writeState: 'serving' | 'draining' | 'read-only';
  /** Sends being processed right now (a drain or an upgrade waits for 0). */
  sendsInFlight: number;
  /** On a master: slaves connected, and the highest offset one has acknowledged. */
  haSlaves?: number;
  haAckedOffset?: number;
  /** On a slave: its master's HA address and whether it is connected. */
  haMasterAddr?: string;
  haConnected?: boolean;
}

const mqOf = (topic: string, brokerName: string, queueId: number): MessageQueue => ({ topic, brokerName, queueId });

function humanBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(1)} ${units[i]}`;
}

/** A client connection as GET_*_CONNECTION_LIST report it. */
function connectionOf(c: { conn: { remoteAddress: string }; clientId: string; language: string; version: number }): Connection {
  return { clientAddr: c.conn.remoteAddress, clientId: c.clientId, language: c.language, version: c.version };
}

export function adminProcessors(ctx: BrokerContext, hooks: AdminHooks): Map<number, Processor> {
  const m = new Map<number, Processor>();
  const ok = (req: RemotingCommand, extra: { extFields?: Record<string, string>; body?: Buffer; remark?: string } = {}): RemotingCommand =>
    responseTo(req, ResponseCode.SUCCESS, ctx.version, extra);
  const err = (req: RemotingCommand, code: number, remark: string): RemotingCommand => responseTo(req, code, ctx.version, { remark });
  const json = (v: unknown): Buffer => Buffer.from(toFastJson(v), 'utf8');

  m.set(RequestCode.UPDATE_AND_CREATE_TOPIC, (req) => {
    const h = decodeHeader(CreateTopicRequest, req.extFields);
    if (h.topic === ctx.config.brokerClusterName) {
      return err(req, ResponseCode.SYSTEM_ERROR, `the topic[${h.topic}] is conflict with system reserved words.`);
    }
    const invalid = invalidTopicReason(h.topic);
    if (invalid) return err(req, ResponseCode.SYSTEM_ERROR, invalid);
    if (h.readQueueNums <= 0 || h.writeQueueNums <= 0 || h.readQueueNums > 65535 || h.writeQueueNums > 65535) {
      return err(req, ResponseCode.SYSTEM_ERROR, `queue numbers must be 1..65535, got read ${h.readQueueNums} write ${h.writeQueueNums}`);
    }
    ctx.topics.put(
      topicConfig(h.topic, {
        readQueueNums: h.readQueueNums,
        writeQueueNums: h.writeQueueNums,
        perm: h.perm,
        topicFilterType: h.topicFilterType,
        topicSysFlag: h.topicSysFlag ?? 0,
        order: h.order,
      }),
    );
    ctx.log.info(`topic ${h.topic} created/updated: ${h.readQueueNums}/${h.writeQueueNums} queues, perm ${h.perm}`);
    ctx.registerBroker(false, [h.topic]);
    return ok(req);
  });

  m.set(RequestCode.DELETE_TOPIC_IN_BROKER, (req) => {
    const h = decodeHeader(TopicRequest, req.extFields);
    ctx.topics.delete(h.topic);
    ctx.store.deleteTopic(h.topic);
    ctx.statsTable.deleteTopic(h.topic);
    for (const group of ctx.offsets.groupsOfTopic(h.topic)) ctx.offsets.deleteTopicOfGroup(group, h.topic);
    return ok(req);
  });

  m.set(RequestCode.GET_ALL_TOPIC_CONFIG, (req) =>
    ok(req, { extFields: {}, body: json({ dataVersion: dataVersionJson(ctx.topics.dataVersion), topicConfigTable: ctx.topics.all() }) }),
  );

  m.set(RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, (req) => {
    const body = parseJsonBody(req.body, 'UPDATE_AND_CREATE_SUBSCRIPTIONGROUP');
    const name = typeof body.groupName === 'string' ? body.groupName : '';
    if (!name) return err(req, ResponseCode.SYSTEM_ERROR, 'subscription group config has no groupName');
    ctx.groups.put(decodeGroupConfig(name, body));
    return ok(req);
  });

  m.set(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG, (req) =>
    ok(req, { body: json({ dataVersion: dataVersionJson(ctx.groups.dataVersion), subscriptionGroupTable: ctx.groups.all() }) }),
  );

  m.set(RequestCode.DELETE_SUBSCRIPTIONGROUP, (req) => {
    const h = decodeHeader(DeleteSubscriptionGroupRequest, req.extFields);
    ctx.groups.delete(h.groupName);
    return ok(req);
  });

  m.set(RequestCode.GET_ALL_CONSUMER_OFFSET, (req) => ok(req, { body: json({ offsetTable: ctx.offsets.entries() }) }));
  m.set(RequestCode.GET_ALL_DELAY_OFFSET, (req) => ok(req, { body: json({ offsetTable: ctx.delayOffsets.entries() }) }));

  m.set(RequestCode.GET_TOPIC_STATS_INFO, (req) => {
    const h = decodeHeader(TopicRequest, req.extFields);
    const tc = ctx.topics.get(h.topic);
    if (!tc) return err(req, ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist`);
    const offsets: TopicOffset[] = [];
    for (let q = 0; q < tc.writeQueueNums; q++) {
      const max = ctx.store.getMaxOffsetInQueue(h.topic, q);
      const min = Math.max(0, ctx.store.getMinOffsetInQueue(h.topic, q));
      const last = max > 0 ? ctx.store.getMessageStoreTimeStamp(h.topic, q, max - 1) : 0;
      offsets.push({ mq: mqOf(h.topic, ctx.config.brokerName, q), lastUpdateTimestamp: Math.max(0, last), maxOffset: max, minOffset: min });
    }
    return ok(req, { body: encodeTopicStats(offsets) });
  });

  m.set(RequestCode.GET_CONSUMER_CONNECTION_LIST, (req) => {
    const h = decodeHeader(ConsumerGroupRequest, req.extFields);
    const g = ctx.clients.consumerGroup(h.consumerGroup);
    if (!g) return err(req, ResponseCode.CONSUMER_NOT_ONLINE, `the consumer group[${h.consumerGroup}] not online`);
    return ok(req, {
      body: encodeConsumerConnection({
        connectionSet: [...g.channels.values()].map(connectionOf),
        consumeFromWhere: g.consumeFromWhere,
        consumeType: g.consumeType,
        messageModel: g.messageModel,
        subscriptionTable: g.subscriptions,
      }),
    });
  });

  m.set(RequestCode.GET_PRODUCER_CONNECTION_LIST, (req) => {
    const h = decodeHeader(ProducerGroupRequest, req.extFields);
    const channels = ctx.clients.producerChannels(h.producerGroup);
    if (channels.length === 0) return err(req, ResponseCode.SYSTEM_ERROR, `the producer group[${h.producerGroup}] not exist`);
    return ok(req, { body: encodeProducerConnection(channels.map(connectionOf)) });
  });

  m.set(RequestCode.GET_CONSUME_STATS, (req) => {
    const h = decodeHeader(GetConsumeStatsRequest, req.extFields);
    const topics = h.topic ? [h.topic] : ctx.offsets.topicsOfGroup(h.consumerGroup);
    const g = ctx.clients.consumerGroup(h.consumerGroup);
    // As in Java, a given topic is the only one reported; without one, online subscriptions are added to the stored offsets' topics.
    if (g && !h.topic) for (const t of g.subscriptions.keys()) if (!topics.includes(t)) topics.push(t);
    const offsetTable: Array<{ mq: MessageQueue } & OffsetWrapper> = [];
    for (const topic of topics) {
      const tc = ctx.topics.get(topic);
      if (!tc) continue;
      for (let q = 0; q < tc.readQueueNums; q++) {
        const brokerOffset = ctx.store.getMaxOffsetInQueue(topic, q);
        const consumerOffset = Math.max(0, ctx.offsets.query(h.consumerGroup, topic, q));
        const lastTimestamp = consumerOffset > 0 ? Math.max(0, ctx.store.getMessageStoreTimeStamp(topic, q, consumerOffset - 1)) : 0;
        offsetTable.push({ mq: mqOf(topic, ctx.config.brokerName, q), brokerOffset, consumerOffset, lastTimestamp });
      }
    }
    return ok(req, { body: encodeConsumeStats({ consumeTps: 0, offsetTable }) });
  });

  m.set(RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, (req) => {
    const h = decodeHeader(TopicRequest, req.extFields);
    const groups = new Set([...ctx.clients.groupsSubscribing(h.topic), ...ctx.offsets.groupsOfTopic(h.topic)]);
    return ok(req, { body: encodeGroupList(groups) });
  });

  m.set(RequestCode.QUERY_CONSUME_TIME_SPAN, (req) => {
    const h = decodeHeader(QueryConsumeTimeSpanRequest, req.extFields);
    const tc = ctx.topics.get(h.topic);
    if (!tc) return err(req, ResponseCode.SYSTEM_ERROR, `topic[${h.topic}] not exist`);
    const spans: QueueTimeSpan[] = [];
    for (let q = 0; q < tc.writeQueueNums; q++) {
      const max = ctx.store.getMaxOffsetInQueue(h.topic, q);
      const consumed = ctx.offsets.query(h.group, h.topic, q);
      spans.push({
        mq: mqOf(h.topic, ctx.config.brokerName, q),
        consumeTimeStamp: consumed > 0 ? ctx.store.getMessageStoreTimeStamp(h.topic, q, consumed - 1) : 0,
        delayTime: 0,
        maxTimeStamp: max > 0 ? ctx.store.getMessageStoreTimeStamp(h.topic, q, max - 1) : 0,
        minTimeStamp: ctx.store.getEarliestMessageTimeInQueue(h.topic, q),
      });
    }
    return ok(req, { body: encodeConsumeTimeSpan(spans) });
  });

  m.set(RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, (req) => {
    const h = decodeHeader(ResetOffsetRequest, req.extFields);
    const tc = ctx.topics.get(h.topic);
    if (!tc) return err(req, ResponseCode.SYSTEM_ERROR, `[reset-offset] topic does not exist, topic=${h.topic}`);
    const table: Array<{ mq: MessageQueue; offset: number }> = [];
    for (let q = 0; q < tc.writeQueueNums; q++) {
      const target = h.timestamp === -1 ? ctx.store.getMaxOffsetInQueue(h.topic, q) : ctx.store.getOffsetInQueueByTime(h.topic, q, h.timestamp);
      const current = ctx.offsets.query(h.group, h.topic, q);
      if (h.isForce || target < current) {
        ctx.offsets.commit(h.group, h.topic, q, target);
        table.push({ mq: mqOf(h.topic, ctx.config.brokerName, q), offset: target });
      } else if (current >= 0) {
        table.push({ mq: mqOf(h.topic, ctx.config.brokerName, q), offset: current });
      }
    }
    const body = encodeResetOffsetBody(table);
    const g = ctx.clients.consumerGroup(h.group);
    if (g) {
      for (const c of g.channels.values()) {
        c.conn.oneway({
          code: RequestCode.RESET_CONSUMER_CLIENT_OFFSET,
          language: 'JAVA',
          version: ctx.version,
          opaque: 0,
          flag: 0,
          extFields: { topic: h.topic, group: h.group, timestamp: String(h.timestamp), isForce: 'false' },
          body,
          serializeType: 0,
        });
      }
    }
    return ok(req, { body });
  });

  m.set(RequestCode.CLONE_GROUP_OFFSET, (req) => {
    const h = decodeHeader(CloneGroupOffsetRequest, req.extFields);
    const topics = h.topic ? [h.topic] : ctx.offsets.topicsOfGroup(h.srcGroup);
    for (const t of topics) for (const [q, o] of ctx.offsets.queuesOf(h.srcGroup, t) ?? []) ctx.offsets.commit(h.destGroup, t, q, o);
    return ok(req);
  });

  m.set(RequestCode.GET_BROKER_CONFIG, (req) =>
    ok(req, { extFields: encodeHeader(GetBrokerConfigResponse, { version: hooks.configVersion() }), body: Buffer.from(hooks.configText(), 'utf8') }),
  );

  m.set(RequestCode.UPDATE_BROKER_CONFIG, (req) => {
    if (!req.body) return err(req, ResponseCode.SYSTEM_ERROR, 'UPDATE_BROKER_CONFIG needs a properties body');
    try {
      hooks.updateConfig(req.body.toString('utf8'));
    } catch (e) {
      return err(req, ResponseCode.SYSTEM_ERROR, (e as Error).message);
    }
    return ok(req);
  });

  m.set(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_BROKER, (req) => {
    const sys = [...ctx.topics.all().keys()].filter((t) => isBrokerSystemTopic(t) || t === ctx.config.brokerClusterName || t === ctx.config.brokerName);
    return ok(req, { body: encodeTopicList(sys) });
  });

  m.set(RequestCode.GET_BROKER_RUNTIME_INFO, (req) => {
    const s = ctx.stats;
    const uptime = Date.now() - s.bootTimestamp;
    const d = Math.floor(uptime / 86400000);
    const hh = Math.floor(uptime / 3600000) % 24;
    const mm = Math.floor(uptime / 60000) % 60;
    const ss = Math.floor(uptime / 1000) % 60;
    let capacity = '';
    try {
      const st = statfsSync(ctx.store.config.storePathCommitLog);
      capacity = `Total : ${humanBytes(st.blocks * st.bsize)}, Free : ${humanBytes(st.bavail * st.bsize)}.`;
    } catch {
      capacity = 'unknown';
    }
    const rates = hooks.rates;
    const state = hooks.state();
    const maxOffset = ctx.store.maxPhyOffset();
    const table = new Map<string, string>([
      // Java tools only print brokerVersionDesc, so it can name the product; brokerVersion stays the
      // bare ordinal that compatibility checks read.
      ['brokerVersionDesc', `${versionName(ctx.version)} (${PRODUCT_RELEASE})`],
      ['brokerVersion', String(ctx.version)],
      ['apogeeRelease', RELEASE],
      ['bootTimestamp', String(s.bootTimestamp)],
      ['runtime', `[ ${d} days, ${hh} hours, ${mm} minutes, ${ss} seconds ]`],
      ['putTps', rates.text('put')],
      ['getFoundTps', rates.text('getFound')],
      ['getMissTps', rates.text('getMiss')],
      ['getTotalTps', [10, 60, 600].map((sp) => (rates.rate('getFound', sp) + rates.rate('getMiss', sp)).toFixed(2)).join(' ')],
      ['getTransferedTps', rates.text('getTransferred')],
      ['msgPutTotalTodayNow', String(s.putMessages)],
      ['msgGetTotalTodayNow', String(s.getTransferred)],
      ['msgPutTotalTodayMorning', '0'],
      ['msgGetTotalTodayMorning', '0'],
      ['msgPutTotalYesterdayMorning', '0'],
      ['msgGetTotalYesterdayMorning', '0'],
      ['putMessageTimesTotal', String(s.putMessages)],
      ['putMessageSizeTotal', String(s.putBytes)],
      ['putMessageAverageSize', (s.putMessages ? s.putBytes / s.putMessages : 0).toFixed(1)],
      ['sendThreadPoolQueueSize', '0'],
      ['sendThreadPoolQueueCapacity', '10000'],
      ['pullThreadPoolQueueSize', String(ctx.pullHold.size)],
      ['pullThreadPoolQueueCapacity', '100000'],
      ['queryThreadPoolQueueSize', '0'],
      ['queryThreadPoolQueueCapacity', '20000'],
      ['sendThreadPoolQueueHeadWaitTimeMills', '0'],
      ['pullThreadPoolQueueHeadWaitTimeMills', '0'],
      ['queryThreadPoolQueueHeadWaitTimeMills', '0'],
      ['pageCacheLockTimeMills', '0'],
      ...Object.entries(ctx.store.runtimeInfo()),
      ['startAcceptSendRequestTimeStamp', '0'],
      ['remainTransientStoreBufferNumbs', '2147483647'],
      ['remainHowManyDataToFlush', '0 B'],
      ['commitLogDirCapacity', capacity],
      ['apogeeState', state.writeState],
      ['apogeeSendsInFlight', String(state.sendsInFlight)],
    ]);
    // Java's DefaultMessageStore.slaveFallBehindMuch: bytes the slaves have not acknowledged yet.
    if (state.haSlaves !== undefined) {
      table.set('slaveFallBehindMuch', String(Math.max(0, maxOffset - (state.haAckedOffset ?? 0))));
      table.set('apogeeHaSlaves', String(state.haSlaves));
    }
    if (state.haMasterAddr !== undefined) {
      table.set('apogeeHaMasterAddr', state.haMasterAddr);
      table.set('apogeeHaConnected', String(state.haConnected ?? false));
    }
    for (const [level, offset] of ctx.delayOffsets.entries()) table.set(`scheduleMessageOffset_${level}`, `${offset},${ctx.store.getMaxOffsetInQueue(SCHEDULE_TOPIC, level - 1)}`);
    return ok(req, { body: json({ table }) });
  });

  return m;
}
