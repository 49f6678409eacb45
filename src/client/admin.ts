/**
 * Admin client (what mqadmin needs): topics, subscription groups, cluster and broker info, offsets,
 * consume stats and connections, write-permission wipe, KV config, and message lookups by offset
 * id, key, unique key and time.
 */
import { decodeHeader, encodeHeader } from '../protocol/header.js';
import { RequestCode } from '../protocol/request-code.js';
import { ResponseCode } from '../protocol/response-code.js';
import { decodeClusterInfo, decodeKVTable, decodeRuntimeKV, decodeTopicList, type BrokerData, type ClusterInfo, type TopicRouteData } from '../protocol/route.js';
import type { RemotingCommand } from '../codec/command.js';
import { TransportError } from '../transport/errors.js';
import { PERM_READ, PERM_WRITE } from '../protocol/perm.js';
import { decodeOffsetMsgId } from '../codec/message-id.js';
import { decodeConsumerConnection, decodeProducerConnection, type ConsumerConnection, type Connection } from '../protocol/bodies/consumer-connection.js';
import {
  decodeConsumeStats,
  decodeConsumeTimeSpan,
  decodeResetOffsetBody,
  decodeTopicStats,
  type ConsumeStats,
  type QueueTimeSpan,
  type TopicOffset,
} from '../protocol/bodies/consume-stats.js';
import { decodeGroupList } from '../protocol/bodies/group-list.js';
import {
  decodeSubscriptionGroupTable,
  encodeSubscriptionGroup,
  type SubscriptionGroupConfig as GroupConfig,
} from '../protocol/bodies/subscription-group.js';
import {
  resolveAdminOptions,
  resolveCreateTopicOptions,
  type AdminOptions,
  type CreateTopicOptions,
  type SubscriptionGroupConfig,
} from './options/admin.js';

export type { AdminOptions, CreateTopicOptions, SubscriptionGroupConfig };
import { buildSubscription } from '../protocol/bodies/subscription.js';
import { AUTO_CREATE_TOPIC_KEY, isInternalMessageTopic, NAMESPACE_ORDER_TOPIC_CONFIG, retryTopic } from '../protocol/system-topics.js';
import { getMaxOffset, getMinOffset, pullMessage, queryConsumerOffset, searchOffset, updateConsumerOffset } from './consumer-api.js';
import { ClientStateError, MQBrokerError, MQClientError } from './errors.js';
import {
  AddWritePermResponse,
  BrokerNameRequest,
  ClusterRequest,
  ConsumerGroupRequest,
  ConsumeStatsRequest,
  CreateTopicRequest,
  DeleteTopicInNamesrvRequest,
  GroupNameRequest,
  KVRequest,
  KVResponse,
  NamespaceRequest,
  ProducerGroupRequest,
  QueryConsumeTimeSpanRequest,
  QueryMessageRequest,
  ResetOffsetRequest,
  TopicRequest,
  ViewMessageRequest,
  WipeWritePermResponse,
  CloneGroupOffsetRequest,
  ConsumerRunningInfoRequest,
} from './headers.js';
import { decodeConsumerRunningInfo, type ConsumerRunningInfo } from '../protocol/bodies/running-info.js';
import { ClientInstance } from './instance.js';
import {
  decodeBrokerStatsData,
  decodeConsumeMessageDirectlyResult,
  decodeConsumeStatsList,
  decodeQueryConsumeQueueBody,
  type BrokerStatsData,
  type ConsumeMessageDirectlyResult,
  type ConsumeStatsList,
  type QueryConsumeQueueResponseBody,
} from '../protocol/bodies/broker-inspect.js';
import type { PullResult } from './consumer-api.js';
import { ConsumeMessageDirectlyRequest, GetConsumeStatsInBrokerRequest, QueryConsumeQueueRequest, ViewBrokerStatsRequest } from '../protocol/broker-headers.js';

export type { BrokerStatsData, ConsumeMessageDirectlyResult, ConsumeStatsList, QueryConsumeQueueResponseBody };

/** Apache's TrackType: what a consumer group has done with a message. */
export type TrackType = 'CONSUMED' | 'CONSUMED_BUT_FILTERED' | 'PULL' | 'NOT_CONSUME_YET' | 'NOT_ONLINE' | 'UNKNOWN';

/** Apache's MessageTrack: one consumer group's relation to a message (queryMsgById's consume track). */
export interface MessageTrack {
  consumerGroup: string;
  trackType: TrackType;
  exceptionDesc?: string;
}
import { compareMq, decodeMessages, type MessageExt, type MessageQueue } from './message.js';

export class Admin {
  readonly client: ClientInstance;
  private readonly ownsClient: boolean;
  private readonly timeout: number;
  private started = false;

  constructor(options: AdminOptions) {
    const resolved = resolveAdminOptions(options);
    this.ownsClient = !options.client;
    this.client = options.client ?? new ClientInstance(options);
    this.timeout = resolved.adminTimeoutMs;
  }

  async start(): Promise<void> {
    this.started = true;
  }

  async shutdown(): Promise<void> {
    this.started = false;
    if (this.ownsClient) await this.client.shutdown();
  }

  private check(): void {
    if (!this.started) throw new ClientStateError('admin client not started: call start()');
  }

  private req(code: number, ext?: Record<string, string>, body?: Buffer) {
    return this.client.request(code, ext, body);
  }

  private broker(addr: string, code: number, ext?: Record<string, string>, body?: Buffer, ok?: readonly number[]) {
    this.check();
    return this.client.call(this.client.brokerCallAddr(addr), this.req(code, ext, body), this.timeout, ok);
  }

  private namesrv(code: number, ext?: Record<string, string>, body?: Buffer, ok?: readonly number[]) {
    this.check();
    return this.client.callNamesrv(this.req(code, ext, body), this.timeout, ok);
  }

  // ------------------------------------------------------------------------------------------ cluster

  async clusterInfo(): Promise<ClusterInfo> {
    return decodeClusterInfo((await this.namesrv(RequestCode.GET_BROKER_CLUSTER_INFO)).body);
  }

  /** Master addresses of a cluster (or of all clusters). */
  async masterAddrs(clusterName?: string): Promise<string[]> {
    const info = await this.clusterInfo();
    const names = clusterName ? info.clusterAddrTable.get(clusterName) ?? [] : [...info.brokerAddrTable.keys()];
    if (clusterName && names.length === 0) throw new MQClientError(`cluster ${clusterName} has no broker`);
    return names.map((n) => info.brokerAddrTable.get(n)?.brokerAddrs.get(0)).filter((a): a is string => !!a);
  }

  /**
   * Every broker of a cluster, by name, each master followed by its slaves — what Apache's `-c`
   * options of getBrokerConfig and brokerStatus walk.
   */
  async clusterBrokers(clusterName: string): Promise<Array<{ brokerName: string; brokerId: number; addr: string }>> {
    const info = await this.clusterInfo();
    const names = info.clusterAddrTable.get(clusterName);
    if (!names || names.length === 0) throw new MQClientError(`cluster ${clusterName} has no broker`);
    const out: Array<{ brokerName: string; brokerId: number; addr: string }> = [];
    for (const brokerName of [...names].sort()) {
      const addrs = [...(info.brokerAddrTable.get(brokerName)?.brokerAddrs ?? [])].sort((a, b) => a[0] - b[0]);
      for (const [brokerId, addr] of addrs) out.push({ brokerName, brokerId, addr });
    }
    return out;
  }

  /** GET_BROKER_RUNTIME_INFO: the broker's KV stats table. */
  async brokerRuntimeInfo(brokerAddr: string): Promise<Record<string, string>> {
    return decodeRuntimeKV((await this.broker(brokerAddr, RequestCode.GET_BROKER_RUNTIME_INFO)).body);
  }

  async brokerConfig(brokerAddr: string): Promise<Map<string, string>> {
    const body = (await this.broker(brokerAddr, RequestCode.GET_BROKER_CONFIG)).body;
    const out = new Map<string, string>();
    for (const line of (body?.toString('utf8') ?? '').split('\n')) {
      const i = line.indexOf('=');
      if (i > 0) out.set(line.slice(0, i), line.slice(i + 1));
    }
    return out;
  }

  async updateBrokerConfig(brokerAddr: string, props: Record<string, string>): Promise<void> {
    const text = Object.entries(props).map(([k, v]) => `${k}=${v}\n`).join('');
    await this.broker(brokerAddr, RequestCode.UPDATE_BROKER_CONFIG, undefined, Buffer.from(text, 'utf8'));
  }

  // ------------------------------------------------------------------------------------------ topics

  async createTopic(topic: string, options: CreateTopicOptions = {}): Promise<string[]> {
    const o = resolveCreateTopicOptions(options);
    const addrs = o.brokerAddr ? [o.brokerAddr] : await this.masterAddrs(o.clusterName);
    if (addrs.length === 0) throw new MQClientError('no broker to create the topic on');
    const ext = encodeHeader(CreateTopicRequest, {
      topic,
      defaultTopic: AUTO_CREATE_TOPIC_KEY,
      readQueueNums: o.readQueueNums,
      writeQueueNums: o.writeQueueNums,
      perm: o.perm,
      topicFilterType: o.topicFilterType,
      topicSysFlag: o.topicSysFlag,
      order: o.order,
    });
    for (const addr of addrs) await this.broker(addr, RequestCode.UPDATE_AND_CREATE_TOPIC, ext);
    return addrs;
  }

  /** Deletes a topic on every master of the cluster and on every NameServer. */
  async deleteTopic(topic: string, clusterName?: string): Promise<void> {
    for (const addr of await this.masterAddrs(clusterName)) await this.broker(addr, RequestCode.DELETE_TOPIC_IN_BROKER, encodeHeader(TopicRequest, { topic }));
    const results = await this.client.callAllNamesrvs(this.req(RequestCode.DELETE_TOPIC_IN_NAMESRV, encodeHeader(DeleteTopicInNamesrvRequest, { topic, clusterName })), this.timeout);
    const failed = results.find((r) => r.error);
    if (failed) throw failed.error;
  }

  async topicList(): Promise<string[]> {
    return decodeTopicList((await this.namesrv(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER)).body).topicList;
  }

  async topicsByCluster(cluster: string): Promise<string[]> {
    return decodeTopicList((await this.namesrv(RequestCode.GET_TOPICS_BY_CLUSTER, encodeHeader(ClusterRequest, { cluster }))).body).topicList;
  }

  async topicRoute(topic: string): Promise<TopicRouteData> {
    this.check();
    const route = await this.client.updateRoute(topic);
    if (!route) throw new MQBrokerError(ResponseCode.TOPIC_NOT_EXIST, `No topic route info in name server for the topic: ${topic}`, undefined, RequestCode.GET_ROUTEINFO_BY_TOPIC);
    return route;
  }

  /**
   * Min/max offsets of every queue of a topic (GET_TOPIC_STATS_INFO on each broker group's master,
   * or on a slave while the master is down: a dead master's queues are shown, never skipped).
   */
  async topicStats(topic: string): Promise<TopicOffset[]> {
    const route = await this.topicRoute(topic);
    const out: TopicOffset[] = [];
    for (const bd of route.brokerDatas) {
      const r = await this.brokerGroup(bd, RequestCode.GET_TOPIC_STATS_INFO, encodeHeader(TopicRequest, { topic }));
      if (r) out.push(...decodeTopicStats(r.body));
    }
    return out.sort((a, b) => compareMq(a.mq, b.mq));
  }

  /**
   * A read of a broker group's state: from its master, else from a slave (Apache's tools use
   * BrokerData.selectBrokerAddr the same way). A master still in the route that does not answer
   * is tried once on a slave. Undefined when the group has no address at all.
   */
  private async brokerGroup(bd: BrokerData, code: number, ext: Record<string, string>): Promise<RemotingCommand | undefined> {
    const master = bd.brokerAddrs.get(0);
    const slaves = [...bd.brokerAddrs].filter(([id]) => id !== 0).sort((a, b) => a[0] - b[0]);
    const slave = slaves[0]?.[1];
    if (!master) return slave ? this.broker(slave, code, ext) : undefined;
    try {
      return await this.broker(master, code, ext);
    } catch (err) {
      if (!slave || !(err instanceof TransportError)) throw err;
      return this.broker(slave, code, ext);
    }
  }

  async queryTopicConsumeByWho(topic: string): Promise<string[]> {
    const route = await this.topicRoute(topic);
    const groups = new Set<string>();
    for (const bd of route.brokerDatas) {
      const addr = bd.brokerAddrs.get(0);
      if (!addr) continue;
      for (const g of decodeGroupList((await this.broker(addr, RequestCode.QUERY_TOPIC_CONSUME_BY_WHO, encodeHeader(TopicRequest, { topic }))).body)) groups.add(g);
    }
    return [...groups].sort();
  }

  // ------------------------------------------------------------------------------------------ groups

  async createOrUpdateSubscriptionGroup(config: SubscriptionGroupConfig, o: { clusterName?: string; brokerAddr?: string } = {}): Promise<void> {
    const addrs = o.brokerAddr ? [o.brokerAddr] : await this.masterAddrs(o.clusterName);
    for (const addr of addrs) await this.broker(addr, RequestCode.UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, undefined, encodeSubscriptionGroup(config));
  }

  async deleteSubscriptionGroup(groupName: string, o: { clusterName?: string; brokerAddr?: string } = {}): Promise<void> {
    const addrs = o.brokerAddr ? [o.brokerAddr] : await this.masterAddrs(o.clusterName);
    for (const addr of addrs) await this.broker(addr, RequestCode.DELETE_SUBSCRIPTIONGROUP, encodeHeader(GroupNameRequest, { groupName }));
  }

  async subscriptionGroups(brokerAddr: string): Promise<Map<string, GroupConfig>> {
    return decodeSubscriptionGroupTable((await this.broker(brokerAddr, RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG)).body);
  }

  // ------------------------------------------------------------------------------------------ consumers

  /** Consume progress of a group (over its %RETRY% route, i.e. every broker that knows the group). */
  async consumeStats(group: string, topic?: string): Promise<ConsumeStats> {
    // Without a topic, every broker that knows the group holds its %RETRY% topic.
    const route = await this.topicRoute(topic ?? retryTopic(group));
    const merged: ConsumeStats = { consumeTps: 0, offsetTable: [], diffTotal: 0 };
    for (const bd of route.brokerDatas) {
      // A dead master's backlog is read from its slave, so it stays in diffTotal.
      const r = await this.brokerGroup(bd, RequestCode.GET_CONSUME_STATS, encodeHeader(ConsumeStatsRequest, { consumerGroup: group, topic }));
      if (!r) continue;
      const s = decodeConsumeStats(r.body);
      merged.consumeTps += s.consumeTps;
      merged.offsetTable.push(...s.offsetTable);
      merged.diffTotal += s.diffTotal;
    }
    merged.offsetTable.sort((a, b) => compareMq(a.mq, b.mq));
    return merged;
  }

  async consumerConnection(group: string): Promise<ConsumerConnection> {
    const route = await this.topicRoute(retryTopic(group));
    let last: unknown;
    for (const bd of route.brokerDatas) {
      const addr = bd.brokerAddrs.get(0);
      if (!addr) continue;
      try {
        return decodeConsumerConnection((await this.broker(addr, RequestCode.GET_CONSUMER_CONNECTION_LIST, encodeHeader(ConsumerGroupRequest, { consumerGroup: group }))).body);
      } catch (err) {
        last = err;
      }
    }
    throw last ?? new MQClientError(`no broker knows consumer group ${group}`);
  }

  async producerConnection(group: string, topic: string): Promise<Connection[]> {
    const route = await this.topicRoute(topic);
    const out: Connection[] = [];
    for (const bd of route.brokerDatas) {
      const addr = bd.brokerAddrs.get(0);
      if (!addr) continue;
      const r = await this.broker(addr, RequestCode.GET_PRODUCER_CONNECTION_LIST, encodeHeader(ProducerGroupRequest, { producerGroup: group }), undefined, [0, 1]);
      if (r.code === 0) out.push(...decodeProducerConnection(r.body));
    }
    return out;
  }

  async consumeTimeSpan(topic: string, group: string): Promise<QueueTimeSpan[]> {
    const route = await this.topicRoute(topic);
    const out: QueueTimeSpan[] = [];
    for (const bd of route.brokerDatas) {
      const addr = bd.brokerAddrs.get(0);
      if (addr) out.push(...decodeConsumeTimeSpan((await this.broker(addr, RequestCode.QUERY_CONSUME_TIME_SPAN, encodeHeader(QueryConsumeTimeSpanRequest, { topic, group }))).body));
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------ offsets

  maxOffset(mq: MessageQueue): Promise<number> {
    this.check();
    return getMaxOffset(this.client, mq);
  }

  minOffset(mq: MessageQueue): Promise<number> {
    this.check();
    return getMinOffset(this.client, mq);
  }

  searchOffset(mq: MessageQueue, timestamp: number): Promise<number> {
    this.check();
    return searchOffset(this.client, mq, timestamp);
  }

  consumerOffset(group: string, mq: MessageQueue): Promise<number> {
    this.check();
    return queryConsumerOffset(this.client, group, mq);
  }

  updateConsumerOffset(group: string, mq: MessageQueue, offset: number): Promise<void> {
    this.check();
    return updateConsumerOffset(this.client, group, mq, offset, false);
  }

  /**
   * INVOKE_BROKER_TO_RESET_OFFSET on every master of the topic: online consumers are told to move
   * to the offsets of `timestamp` (−1 = the end). Returns the new offsets.
   */
  async resetOffsetByTime(group: string, topic: string, timestamp: number, force = true): Promise<Array<{ mq: MessageQueue; offset: number }>> {
    if (!Number.isSafeInteger(timestamp) || timestamp < -1) throw new MQClientError(`resetOffsetByTime: timestamp must be epoch milliseconds or -1, got ${timestamp}`);
    const route = await this.topicRoute(topic);
    const out: Array<{ mq: MessageQueue; offset: number }> = [];
    for (const bd of route.brokerDatas) {
      const addr = bd.brokerAddrs.get(0);
      if (!addr) continue;
      const r = await this.broker(addr, RequestCode.INVOKE_BROKER_TO_RESET_OFFSET, encodeHeader(ResetOffsetRequest, { topic, group, timestamp, isForce: force }));
      if (r.body) out.push(...decodeResetOffsetBody(r.body));
    }
    return out.sort((a, b) => compareMq(a.mq, b.mq));
  }

  // ------------------------------------------------------------------------------------------ namesrv

  /** Clears WRITE permission of a broker's queues on every NameServer; returns the per-namesrv counts. */
  async wipeWritePerm(brokerName: string): Promise<Array<{ namesrv: string; wipeTopicCount: number }>> {
    this.check();
    const results = await this.client.callAllNamesrvs(this.req(RequestCode.WIPE_WRITE_PERM_OF_BROKER, encodeHeader(BrokerNameRequest, { brokerName })), this.timeout);
    return results.map((r) => {
      if (r.error) throw r.error;
      return { namesrv: r.addr, wipeTopicCount: decodeHeader(WipeWritePermResponse, r.response!.extFields).wipeTopicCount ?? 0 };
    });
  }

  /** 4.9.4+ NameServers: restores WRITE permission. */
  async addWritePerm(brokerName: string): Promise<Array<{ namesrv: string; addTopicCount: number }>> {
    this.check();
    const results = await this.client.callAllNamesrvs(this.req(RequestCode.ADD_WRITE_PERM_OF_BROKER, encodeHeader(BrokerNameRequest, { brokerName })), this.timeout);
    return results.map((r) => {
      if (r.error) throw r.error;
      return { namesrv: r.addr, addTopicCount: decodeHeader(AddWritePermResponse, r.response!.extFields).addTopicCount ?? 0 };
    });
  }

  async putKVConfig(namespace: string, key: string, value: string): Promise<void> {
    this.check();
    const results = await this.client.callAllNamesrvs(this.req(RequestCode.PUT_KV_CONFIG, encodeHeader(KVRequest, { namespace, key, value })), this.timeout);
    const failed = results.find((r) => r.error);
    if (failed) throw failed.error;
  }

  async getKVConfig(namespace: string, key: string): Promise<string | undefined> {
    const r = await this.namesrv(RequestCode.GET_KV_CONFIG, encodeHeader(KVRequest, { namespace, key }), undefined, [0, ResponseCode.QUERY_NOT_FOUND]);
    return r.code === 0 ? decodeHeader(KVResponse, r.extFields).value : undefined;
  }

  async deleteKVConfig(namespace: string, key: string): Promise<void> {
    this.check();
    await this.client.callAllNamesrvs(this.req(RequestCode.DELETE_KV_CONFIG, encodeHeader(KVRequest, { namespace, key })), this.timeout);
  }

  async kvList(namespace: string): Promise<Map<string, string>> {
    const r = await this.namesrv(RequestCode.GET_KVLIST_BY_NAMESPACE, encodeHeader(NamespaceRequest, { namespace }), undefined, [0, ResponseCode.QUERY_NOT_FOUND]);
    return r.code === 0 ? decodeKVTable(r.body) : new Map();
  }

  // ------------------------------------------------------------------------------------------ messages

  /** VIEW_MESSAGE_BY_ID at the address encoded in an offset message id. */
  async viewMessage(offsetMsgId: string): Promise<MessageExt> {
    const { storeHost, physicalOffset } = decodeOffsetMsgId(offsetMsgId);
    // A client id (UNIQ_KEY) has the same length as an IPv4 offset id; read as one, its "port" is
    // the sender's pid and class-loader hash, almost never a port.
    if (!Number.isInteger(storeHost.port) || storeHost.port <= 0 || storeHost.port > 65535) {
      throw new MQClientError(`${offsetMsgId} is not an offset message id (its store port would be ${storeHost.port})`);
    }
    const addr = storeHost.ip.includes(':') ? `[${storeHost.ip}]:${storeHost.port}` : `${storeHost.ip}:${storeHost.port}`;
    const r = await this.broker(addr, RequestCode.VIEW_MESSAGE_BY_ID, encodeHeader(ViewMessageRequest, { offset: physicalOffset }));
    const msgs = decodeMessages(r.body);
    if (msgs.length === 0) throw new MQClientError(`broker ${addr} returned no message for ${offsetMsgId}`);
    return msgs[0]!;
  }

  /**
   * A message by either of its ids, as Apache 4.x's viewMessage(topic, msgId) does: first as an
   * offset id (the broker address and commit-log offset it encodes), and if that is not one or
   * finds nothing, as a client id (UNIQ_KEY) — in `topic`, or when no topic is given in every
   * topic the NameServers know. Undefined when neither finds it.
   */
  async queryMessageById(msgId: string, topic?: string): Promise<{ message: MessageExt; foundAs: 'offsetMsgId' | 'uniqueKey' } | undefined> {
    try {
      return { message: await this.viewMessage(msgId), foundAs: 'offsetMsgId' };
    } catch {
      // Not an offset id, or its broker is gone: try it as a client id.
    }
    const topics = topic ? [topic] : (await this.topicList()).filter((t) => !isInternalMessageTopic(t)).sort();
    for (const t of topics) {
      let found: MessageExt | undefined;
      try {
        found = await this.queryMessageByUniqKey(t, msgId);
      } catch (err) {
        if (topic) throw err;
        continue; // a topic without a route (being created or deleted) is no reason to stop looking
      }
      if (found) return { message: found, foundAs: 'uniqueKey' };
    }
    return undefined;
  }

  /** QUERY_MESSAGE by key on every master of the topic. */
  async queryMessageByKey(topic: string, key: string, o: { maxNum?: number; begin?: number; end?: number } = {}): Promise<MessageExt[]> {
    return this.queryMessage(topic, key, false, o.maxNum ?? 64, o.begin ?? 0, o.end ?? Number.MAX_SAFE_INTEGER);
  }

  /** Looks a message up by its client id (UNIQ_KEY). */
  async queryMessageByUniqKey(topic: string, uniqKey: string): Promise<MessageExt | undefined> {
    const found = await this.queryMessage(topic, uniqKey, true, 32, 0, Number.MAX_SAFE_INTEGER);
    return found.find((m) => m.msgId === uniqKey) ?? found[0];
  }

  private async queryMessage(topic: string, key: string, unique: boolean, maxNum: number, begin: number, end: number): Promise<MessageExt[]> {
    const route = await this.topicRoute(topic);
    const out: MessageExt[] = [];
    const ext = encodeHeader(QueryMessageRequest, { topic, key, maxNum, beginTimestamp: begin, endTimestamp: end >= Number.MAX_SAFE_INTEGER ? 9223372036854775807 : end });
    ext._UNIQUE_KEY_QUERY = unique ? 'true' : 'false';
    for (const bd of route.brokerDatas) {
      const addr = bd.brokerAddrs.get(0);
      if (!addr) continue;
      const r = await this.broker(addr, RequestCode.QUERY_MESSAGE, ext, undefined, [ResponseCode.SUCCESS, ResponseCode.QUERY_NOT_FOUND]);
      if (r.code !== 0) continue;
      for (const m of decodeMessages(r.body, { brokerName: bd.brokerName })) {
        if (m.topic !== topic) continue;
        if (unique ? m.msgId === key : m.keys.includes(key)) out.push(m);
      }
    }
    return out.sort((a, b) => a.storeTimestamp - b.storeTimestamp);
  }

  /**
   * Messages of a topic stored between `begin` and `end` (epoch ms): per queue the offsets of both
   * timestamps are searched and the range is pulled (group TOOLS_CONSUMER, nothing committed).
   */
  async queryMessagesByTime(topic: string, begin: number, end: number, maxNum = 1000): Promise<MessageExt[]> {
    const route = await this.topicRoute(topic);
    const out: MessageExt[] = [];
    const sub = buildSubscription(topic, '*');
    for (const qd of route.queueDatas) {
      const addr = route.brokerDatas.find((b) => b.brokerName === qd.brokerName)?.brokerAddrs.get(0);
      if (!addr) continue;
      for (let queueId = 0; queueId < qd.readQueueNums; queueId++) {
        const mq = { topic, brokerName: qd.brokerName, queueId };
        let offset = await searchOffset(this.client, mq, begin);
        const stop = await searchOffset(this.client, mq, end + 1);
        const max = await getMaxOffset(this.client, mq);
        while (offset < Math.min(max, stop + 1) && out.length < maxNum) {
          const r = await pullMessage(this.client, addr, { group: 'TOOLS_CONSUMER', mq, subscription: sub, offset, maxNums: 32, commitOffset: 0, suspendMs: 0, postSubscription: true }, this.timeout);
          if (r.status !== 'FOUND' || r.nextBeginOffset <= offset) break;
          for (const m of r.messages) if (m.storeTimestamp >= begin && m.storeTimestamp <= end && out.length < maxNum) out.push(m);
          offset = r.nextBeginOffset;
        }
      }
    }
    return out.sort((a, b) => a.storeTimestamp - b.storeTimestamp);
  }

  // ------------------------------------------------------------------------------------------ inspection

  /** VIEW_BROKER_STATS_DATA: one stats item of a broker (e.g. TOPIC_PUT_NUMS of a topic) over the last minute, hour and day. */
  async viewBrokerStatsData(brokerAddr: string, statsName: string, statsKey: string): Promise<BrokerStatsData> {
    const r = await this.broker(brokerAddr, RequestCode.VIEW_BROKER_STATS_DATA, encodeHeader(ViewBrokerStatsRequest, { statsName, statsKey }));
    return decodeBrokerStatsData(r.body);
  }

  /** GET_BROKER_CONSUME_STATS: every subscription group's progress on one broker (only ordered topics with `isOrder`). */
  async fetchConsumeStatsInBroker(brokerAddr: string, isOrder = false, timeoutMs = this.timeout): Promise<ConsumeStatsList> {
    this.check();
    const req = this.req(RequestCode.GET_BROKER_CONSUME_STATS, encodeHeader(GetConsumeStatsInBrokerRequest, { isOrder }));
    return decodeConsumeStatsList((await this.client.call(this.client.brokerCallAddr(brokerAddr), req, timeoutMs)).body);
  }

  /** QUERY_CONSUME_QUEUE: `count` raw entries of a consume queue from `index` (and a group's subscription to it). */
  async queryConsumeQueue(brokerAddr: string, topic: string, queueId: number, index: number, count: number, consumerGroup?: string): Promise<QueryConsumeQueueResponseBody & { remark?: string }> {
    const r = await this.broker(brokerAddr, RequestCode.QUERY_CONSUME_QUEUE, encodeHeader(QueryConsumeQueueRequest, { topic, queueId, index, count, consumerGroup }));
    return { ...decodeQueryConsumeQueueBody(r.body), remark: r.remark };
  }

  /**
   * CONSUME_MESSAGE_DIRECTLY: the broker that stored the message hands it to one live consumer of
   * the group (by client id), whose listener runs on it once; returns what the listener said.
   * `msgId` is an offset id, or a client id looked up in `topic`.
   */
  async consumeMessageDirectly(consumerGroup: string, clientId: string, msgId: string, topic?: string): Promise<ConsumeMessageDirectlyResult> {
    const found = await this.queryMessageById(msgId, topic);
    if (!found) throw new MQClientError(`message ${msgId} not found${topic ? ` in topic ${topic}` : ''}`);
    const { storeHost, offsetMsgId } = found.message;
    const req = this.req(RequestCode.CONSUME_MESSAGE_DIRECTLY, encodeHeader(ConsumeMessageDirectlyRequest, { consumerGroup, clientId, msgId: offsetMsgId }));
    this.check();
    // Java's admin waits three times its timeout: the consumer's listener runs in between.
    const r = await this.client.call(this.client.brokerCallAddr(storeHost), req, this.timeout * 3);
    return decodeConsumeMessageDirectlyResult(r.body);
  }

  /**
   * Apache's messageTrackDetail: for every group that consumes the message's topic, whether it is
   * online, pulls by itself, has consumed the message (its offset in the message's queue is past
   * it), or consumed but filtered it out by tag.
   */
  async messageTrackDetail(msg: MessageExt): Promise<MessageTrack[]> {
    const tracks: MessageTrack[] = [];
    const masters = new Map<string, string | undefined>();
    for (const [name, bd] of (await this.clusterInfo()).brokerAddrTable) masters.set(name, bd.brokerAddrs.get(0));
    for (const consumerGroup of await this.queryTopicConsumeByWho(msg.topic)) {
      const describe = (err: unknown): MessageTrack => {
        const notOnline = err instanceof MQBrokerError && err.code === ResponseCode.CONSUMER_NOT_ONLINE;
        const exceptionDesc = err instanceof MQBrokerError ? `CODE:${err.code} DESC:${err.remark ?? ''}` : (err as Error).message;
        return { consumerGroup, trackType: notOnline ? 'NOT_ONLINE' : 'UNKNOWN', exceptionDesc };
      };
      let cc: ConsumerConnection;
      try {
        cc = await this.consumerConnection(consumerGroup);
      } catch (err) {
        tracks.push(describe(err));
        continue;
      }
      if (cc.consumeType === 'CONSUME_ACTIVELY') {
        tracks.push({ consumerGroup, trackType: 'PULL' });
        continue;
      }
      let consumed = false;
      try {
        const stats = await this.consumeStats(consumerGroup);
        consumed = stats.offsetTable.some((e) => e.mq.topic === msg.topic && e.mq.queueId === msg.queueId && masters.get(e.mq.brokerName) === msg.storeHost && e.consumerOffset > msg.queueOffset);
      } catch (err) {
        tracks.push(describe(err));
        continue;
      }
      if (!consumed) {
        tracks.push({ consumerGroup, trackType: 'NOT_CONSUME_YET' });
        continue;
      }
      const sub = cc.subscriptionTable.get(msg.topic);
      const filtered = sub !== undefined && sub.tagsSet.length > 0 && !sub.tagsSet.includes('*') && !(msg.tags !== undefined && sub.tagsSet.includes(msg.tags));
      tracks.push({ consumerGroup, trackType: filtered ? 'CONSUMED_BUT_FILTERED' : 'CONSUMED' });
    }
    return tracks;
  }

  /** Every message of a topic stored under a client id (UNIQ_KEY), up to 32 (a message sent again keeps its id). */
  queryMessagesByUniqKey(topic: string, uniqKey: string): Promise<MessageExt[]> {
    return this.queryMessage(topic, uniqKey, true, 32, 0, Number.MAX_SAFE_INTEGER);
  }

  /** One pull of a queue as the tools' consumer (TOOLS_CONSUMER, nothing committed, never held by the broker). */
  async pullFromQueue(mq: MessageQueue, subExpression: string, offset: number, maxNums: number, group = 'TOOLS_CONSUMER'): Promise<PullResult> {
    const route = await this.topicRoute(mq.topic);
    const addr = route.brokerDatas.find((b) => b.brokerName === mq.brokerName)?.brokerAddrs.get(0);
    if (!addr) throw new MQClientError(`broker ${mq.brokerName} has no master serving topic ${mq.topic}`);
    return pullMessage(this.client, addr, { group, mq, subscription: buildSubscription(mq.topic, subExpression), offset, maxNums, commitOffset: 0, suspendMs: 0, postSubscription: true }, this.timeout);
  }

  // ------------------------------------------------------------------------------------------ operator tools
  // What mqadmin's topic, group, connection and configuration commands need beyond the above,
  // each as Apache's DefaultMQAdminExt does it.

  /** The clusters whose brokers serve a topic (DefaultMQAdminExtImpl.getTopicClusterList). */
  async topicClusterList(topic: string): Promise<string[]> {
    const [info, route] = [await this.clusterInfo(), await this.topicRoute(topic)];
    const clusters = new Set<string>();
    for (const bd of route.brokerDatas) {
      for (const [cluster, names] of info.clusterAddrTable) if (names.includes(bd.brokerName)) clusters.add(cluster);
    }
    return [...clusters].sort();
  }

  /**
   * GET_CONSUMER_RUNNING_INFO for one consumer, through the first broker of the group's retry
   * route that relays it (the broker asks the consumer over its own connection).
   */
  async consumerRunningInfo(group: string, clientId: string, jstack = false): Promise<ConsumerRunningInfo> {
    const route = await this.topicRoute(retryTopic(group));
    let last: unknown;
    for (const bd of route.brokerDatas) {
      const addr = bd.brokerAddrs.get(0) ?? [...bd.brokerAddrs.values()][0];
      if (!addr) continue;
      try {
        const r = await this.broker(addr, RequestCode.GET_CONSUMER_RUNNING_INFO, encodeHeader(ConsumerRunningInfoRequest, { consumerGroup: group, clientId, jstackEnable: jstack }));
        return decodeConsumerRunningInfo(r.body);
      } catch (err) {
        last = err;
      }
    }
    throw last ?? new MQClientError(`no broker knows consumer group ${group}`);
  }

  /** DELETE_TOPIC_IN_BROKER on each broker given (Apache's tool sends it to masters and slaves alike). */
  async deleteTopicInBrokers(brokerAddrs: readonly string[], topic: string): Promise<void> {
    for (const addr of brokerAddrs) await this.broker(addr, RequestCode.DELETE_TOPIC_IN_BROKER, encodeHeader(TopicRequest, { topic }));
  }

  /** DELETE_TOPIC_IN_NAMESRV on every NameServer (one cluster's brokers only when `clusterName` is given). */
  async deleteTopicInNamesrvs(topic: string, clusterName?: string): Promise<void> {
    this.check();
    const results = await this.client.callAllNamesrvs(this.req(RequestCode.DELETE_TOPIC_IN_NAMESRV, encodeHeader(DeleteTopicInNamesrvRequest, { topic, clusterName })), this.timeout);
    const failed = results.find((r) => r.error);
    if (failed) throw failed.error;
  }

  /**
   * WIPE_WRITE_PERM_OF_BROKER (writable false) or ADD_WRITE_PERM_OF_BROKER (true) on each NameServer,
   * each one's outcome kept (mqadmin reports every NameServer, failed or not).
   */
  async writePermOnEachNamesrv(brokerName: string, writable: boolean): Promise<Array<{ namesrv: string; topicCount?: number; error?: Error }>> {
    this.check();
    const code = writable ? RequestCode.ADD_WRITE_PERM_OF_BROKER : RequestCode.WIPE_WRITE_PERM_OF_BROKER;
    const results = await this.client.callAllNamesrvs(this.req(code, encodeHeader(BrokerNameRequest, { brokerName })), this.timeout);
    return results.map((r) => {
      if (r.error) return { namesrv: r.addr, error: r.error };
      const count = writable ? decodeHeader(AddWritePermResponse, r.response!.extFields).addTopicCount : decodeHeader(WipeWritePermResponse, r.response!.extFields).wipeTopicCount;
      return { namesrv: r.addr, topicCount: count ?? 0 };
    });
  }

  /** CLEAN_EXPIRED_CONSUMEQUEUE on one broker; true when it answered SUCCESS. */
  async cleanExpiredConsumeQueue(brokerAddr: string): Promise<boolean> {
    return (await this.broker(brokerAddr, RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE, undefined, undefined, [ResponseCode.SUCCESS, ResponseCode.SYSTEM_ERROR])).code === ResponseCode.SUCCESS;
  }

  /** CLEAN_UNUSED_TOPIC on one broker; true when it answered SUCCESS. */
  async cleanUnusedTopic(brokerAddr: string): Promise<boolean> {
    return (await this.broker(brokerAddr, RequestCode.CLEAN_UNUSED_TOPIC, undefined, undefined, [ResponseCode.SUCCESS, ResponseCode.SYSTEM_ERROR])).code === ResponseCode.SUCCESS;
  }

  /** GET_NAMESRV_CONFIG from each NameServer given (default: all the client knows), by address. */
  async namesrvConfig(addrs?: readonly string[]): Promise<Map<string, Map<string, string>>> {
    this.check();
    const out = new Map<string, Map<string, string>>();
    for (const addr of addrs ?? this.client.namesrvAddrs) {
      const r = await this.client.call(addr, this.req(RequestCode.GET_NAMESRV_CONFIG), this.timeout);
      out.set(addr, parsePropertiesBody(r.body));
    }
    return out;
  }

  /** UPDATE_NAMESRV_CONFIG (a properties body) on each NameServer given (default: all the client knows). */
  async updateNamesrvConfig(props: Record<string, string>, addrs?: readonly string[]): Promise<void> {
    this.check();
    const body = Buffer.from(Object.entries(props).map(([k, v]) => `${k}=${v}\n`).join(''), 'utf8');
    for (const addr of addrs ?? this.client.namesrvAddrs) await this.client.call(addr, this.req(RequestCode.UPDATE_NAMESRV_CONFIG, undefined, body), this.timeout);
  }

  /** CLONE_GROUP_OFFSET on every master of the topic: `destGroup` gets `srcGroup`'s committed offsets. Returns the brokers. */
  async cloneGroupOffset(srcGroup: string, destGroup: string, topic: string, offline = false): Promise<string[]> {
    const route = await this.topicRoute(topic);
    const addrs = route.brokerDatas.map((bd) => bd.brokerAddrs.get(0)).filter((a): a is string => !!a);
    for (const addr of addrs) await this.broker(addr, RequestCode.CLONE_GROUP_OFFSET, encodeHeader(CloneGroupOffsetRequest, { srcGroup, destGroup, topic, offline }));
    return addrs;
  }

  /** An ordered topic's queue layout kept by the NameServers (`brokerName:queueNums;…`), undefined when none. */
  getOrderConf(topic: string): Promise<string | undefined> {
    return this.getKVConfig(NAMESPACE_ORDER_TOPIC_CONFIG, topic);
  }

  /**
   * Sets an ordered topic's queue layout. For a whole cluster the value replaces what is there; for
   * one broker (`brokerName:num`) only that broker's entry is replaced (DefaultMQAdminExtImpl.createOrUpdateOrderConf).
   */
  async createOrUpdateOrderConf(topic: string, orderConf: string, isCluster: boolean): Promise<void> {
    let value = orderConf;
    if (!isCluster) {
      const entries = new Map<string, string>();
      for (const item of ((await this.getOrderConf(topic).catch(() => undefined)) ?? '').split(';')) if (item.includes(':')) entries.set(item.split(':')[0]!, item);
      entries.set(orderConf.split(':')[0]!, orderConf);
      value = [...entries.values()].join(';');
    }
    await this.putKVConfig(NAMESPACE_ORDER_TOPIC_CONFIG, topic, value);
  }

  deleteOrderConf(topic: string): Promise<void> {
    return this.deleteKVConfig(NAMESPACE_ORDER_TOPIC_CONFIG, topic);
  }
}

/** A Java properties text as brokers and NameServers send their config (`key=value` lines). */
function parsePropertiesBody(body: Buffer | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of (body?.toString('utf8') ?? '').split('\n')) {
    if (line.startsWith('#')) continue;
    const i = line.indexOf('=');
    if (i > 0) out.set(line.slice(0, i).trim(), line.slice(i + 1).replace(/\r$/, ''));
  }
  return out;
}
