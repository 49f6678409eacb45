/**
 * The console's JSON API, one function per request, each built on the SDK's Admin (and a Producer for
 * resending a message). Input is checked here and refused with BadRequest; what the cluster answers
 * is shaped into plain JSON for the pages.
 */
import { Admin } from '../client/admin.js';
import { Producer } from '../client/producer.js';
import { RESERVED_PROPERTIES, type MessageExt } from '../client/message.js';
import { PERM_READ, PERM_WRITE, permToString } from '../protocol/perm.js';
import { invalidTopicReason, isBrokerSystemTopic, isDlqTopic, isRetryTopic, isSystemGroup } from '../protocol/system-topics.js';
import { versionName } from '../protocol/version.js';
import { BadRequest, NotFound, errorLine, integerField, optionalString, requireString, timeField } from './http.js';

/** Permissions an operator may set on a topic: read, write, or both. */
const PERMS: Record<number, string> = { [PERM_READ | PERM_WRITE]: 'RW', [PERM_READ]: 'R', [PERM_WRITE]: 'W' };
const MAX_QUEUES = 1024;
const MAX_FOUND = 200;
/** Properties the broker or the producer sets; a resend gets fresh ones. */
const NOT_RESENT = new Set([...RESERVED_PROPERTIES, 'CLUSTER']);

export type TopicKind = 'normal' | 'retry' | 'dlq' | 'system';

export function topicKind(topic: string): TopicKind {
  if (isRetryTopic(topic)) return 'retry';
  if (isDlqTopic(topic)) return 'dlq';
  if (isBrokerSystemTopic(topic)) return 'system';
  return 'normal';
}

export class ConsoleApi {
  private producer: Producer | undefined;

  constructor(
    private readonly admin: Admin,
    private readonly namesrvAddr: string,
  ) {}

  async shutdown(): Promise<void> {
    await this.producer?.shutdown().catch(() => undefined);
  }

  // ------------------------------------------------------------------------------------------ topics

  async topics(): Promise<Array<{ topic: string; kind: TopicKind }>> {
    const list = await this.admin.topicList();
    // Brokers register a topic named after their cluster and one after their broker group.
    const info = await this.admin.clusterInfo().catch(() => undefined);
    const names = new Set([...(info?.clusterAddrTable.keys() ?? []), ...(info?.brokerAddrTable.keys() ?? [])]);
    return [...new Set(list)].sort().map((topic) => ({ topic, kind: names.has(topic) ? 'system' : topicKind(topic) }));
  }

  async topic(topic: string): Promise<unknown> {
    const route = await this.admin.topicRoute(topic).catch((err: unknown) => {
      throw new NotFound(`topic ${topic}: ${errorLine(err)}`);
    });
    const stats = await this.admin.topicStats(topic);
    const groups = await this.admin.queryTopicConsumeByWho(topic).catch(() => []);
    return {
      topic,
      kind: topicKind(topic),
      brokers: route.brokerDatas
        .map((bd) => ({ brokerName: bd.brokerName, cluster: bd.cluster ?? '', addrs: [...bd.brokerAddrs].sort((a, b) => a[0] - b[0]).map(([brokerId, addr]) => ({ brokerId, addr })) }))
        .sort((a, b) => a.brokerName.localeCompare(b.brokerName)),
      queues: route.queueDatas
        .map((q) => ({ brokerName: q.brokerName, readQueueNums: q.readQueueNums, writeQueueNums: q.writeQueueNums, perm: q.perm, permText: permToString(q.perm) }))
        .sort((a, b) => a.brokerName.localeCompare(b.brokerName)),
      offsets: stats.map((s) => ({ brokerName: s.mq.brokerName, queueId: s.mq.queueId, minOffset: s.minOffset, maxOffset: s.maxOffset, lastUpdateTimestamp: s.lastUpdateTimestamp })),
      groups,
    };
  }

  /** Creates a topic, or updates its queue numbers and permission, on every master (of a cluster). */
  async saveTopic(body: Record<string, unknown>): Promise<{ topic: string; brokers: string[] }> {
    const topic = requireString(body, 'topic');
    const bad = invalidTopicReason(topic);
    if (bad) throw new BadRequest(`topic ${topic}: ${bad}`);
    const readQueueNums = integerField(body, 'readQueueNums', 1, MAX_QUEUES, 8);
    const writeQueueNums = integerField(body, 'writeQueueNums', 1, MAX_QUEUES, 8);
    const perm = permField(body);
    const clusterName = optionalString(body, 'cluster');
    const brokers = await this.admin.createTopic(topic, { clusterName, readQueueNums, writeQueueNums, perm });
    return { topic, brokers };
  }

  /** Sets a topic's permission on every broker group that serves it, keeping its queue numbers. */
  async topicPermission(topic: string, body: Record<string, unknown>): Promise<{ topic: string; perm: number; brokers: string[] }> {
    const perm = permField(body);
    const route = await this.admin.topicRoute(topic).catch((err: unknown) => {
      throw new NotFound(`topic ${topic}: ${errorLine(err)}`);
    });
    const brokers: string[] = [];
    for (const q of route.queueDatas) {
      const addr = route.brokerDatas.find((b) => b.brokerName === q.brokerName)?.brokerAddrs.get(0);
      if (!addr) throw new Error(`broker group ${q.brokerName} has no master in the route: its permission cannot be changed now`);
      await this.admin.createTopic(topic, { brokerAddr: addr, readQueueNums: q.readQueueNums, writeQueueNums: q.writeQueueNums, perm });
      brokers.push(addr);
    }
    return { topic, perm, brokers };
  }

  // ------------------------------------------------------------------------------------------ groups

  /** Every consumer group a master knows (built-in ones left out), with its backlog where it has one. */
  async groups(): Promise<Array<{ group: string; diffTotal?: number; consumeTps?: number; error?: string }>> {
    const names = new Set<string>();
    const info = await this.admin.clusterInfo();
    const masters = [...info.brokerAddrTable.values()].map((bd) => bd.brokerAddrs.get(0)).filter((a): a is string => !!a);
    await Promise.all(
      masters.map(async (addr) => {
        const table = await this.admin.subscriptionGroups(addr).catch(() => undefined);
        for (const g of table?.keys() ?? []) if (!isSystemGroup(g)) names.add(g);
      }),
    );
    return Promise.all(
      [...names].sort().map(async (group) => {
        try {
          const s = await this.admin.consumeStats(group);
          return { group, diffTotal: s.diffTotal, consumeTps: s.consumeTps };
        } catch (err) {
          return { group, error: errorLine(err) };
        }
      }),
    );
  }

  async group(group: string): Promise<unknown> {
    const stats = await this.admin.consumeStats(group).catch((err: unknown) => {
      throw new NotFound(`consumer group ${group}: ${errorLine(err)}`);
    });
    let connections: Array<{ clientId: string; clientAddr: string; language: string; version: string }> = [];
    let subscriptions: Array<{ topic: string; expression: string }> = [];
    let connectionError: string | undefined;
    try {
      const c = await this.admin.consumerConnection(group);
      connections = c.connectionSet.map((x) => ({ clientId: x.clientId, clientAddr: x.clientAddr, language: x.language, version: versionName(x.version) }));
      subscriptions = [...c.subscriptionTable.values()].map((s) => ({ topic: s.topic, expression: s.subString }));
    } catch (err) {
      connectionError = errorLine(err);
    }
    return {
      group,
      diffTotal: stats.diffTotal,
      consumeTps: stats.consumeTps,
      queues: stats.offsetTable.map((e) => ({
        topic: e.mq.topic,
        brokerName: e.mq.brokerName,
        queueId: e.mq.queueId,
        brokerOffset: e.brokerOffset,
        consumerOffset: e.consumerOffset,
        diff: Math.max(0, e.brokerOffset - e.consumerOffset),
        lastTimestamp: e.lastTimestamp,
      })),
      connections,
      subscriptions,
      connectionError,
    };
  }

  /** Moves a group's offsets on a topic to those of a point in time (online consumers follow). */
  async resetOffset(group: string, body: Record<string, unknown>): Promise<{ group: string; topic: string; timestamp: number; offsets: unknown[] }> {
    const topic = requireString(body, 'topic');
    const timestamp = timeField(body.time, 'time');
    const offsets = await this.admin.resetOffsetByTime(group, topic, timestamp, true);
    return { group, topic, timestamp, offsets: offsets.map((o) => ({ brokerName: o.mq.brokerName, queueId: o.mq.queueId, offset: o.offset })) };
  }

  // ------------------------------------------------------------------------------------------ messages

  async messageById(q: URLSearchParams): Promise<{ messages: unknown[] }> {
    const id = requireString(q, 'id');
    if (!/^[0-9A-Fa-f]{16,64}$/.test(id)) throw new BadRequest('id must be a message id: hexadecimal, as a producer or mqadmin shows it');
    const found = await this.admin.queryMessageById(id.toUpperCase(), optionalString(q, 'topic'));
    return { messages: found ? [messageJson(found.message)] : [] };
  }

  async messagesByKey(q: URLSearchParams): Promise<{ messages: unknown[] }> {
    const topic = requireString(q, 'topic');
    const key = requireString(q, 'key');
    const found = await this.admin.queryMessageByKey(topic, key, { maxNum: MAX_FOUND });
    return { messages: found.map(messageJson) };
  }

  async messagesByTime(q: URLSearchParams): Promise<{ messages: unknown[]; limit: number }> {
    const topic = requireString(q, 'topic');
    const begin = timeField(requireString(q, 'begin'), 'begin');
    const end = timeField(requireString(q, 'end'), 'end');
    if (end < begin) throw new BadRequest('end must not be before begin');
    const found = await this.admin.queryMessagesByTime(topic, begin, end, MAX_FOUND);
    return { messages: found.map(messageJson), limit: MAX_FOUND };
  }

  /** Sends a stored message's body, tag, keys and user properties to its topic again. */
  async resend(body: Record<string, unknown>): Promise<{ msgId: string; offsetMsgId: string; sendStatus: string }> {
    const id = requireString(body, 'id');
    const topic = optionalString(body, 'topic');
    if (!/^[0-9A-Fa-f]{16,64}$/.test(id)) throw new BadRequest('id must be a message id');
    const found = await this.admin.queryMessageById(id.toUpperCase(), topic);
    if (!found) throw new NotFound(`no message ${id}${topic ? ` in ${topic}` : ''}`);
    const m = found.message;
    const properties = Object.fromEntries(Object.entries(m.properties).filter(([k]) => !NOT_RESENT.has(k)));
    this.producer ??= await this.startProducer();
    const r = await this.producer.send({ topic: m.topic, body: m.body, tags: m.tags, keys: m.keys, flag: m.flag, properties });
    return { msgId: r.msgId, offsetMsgId: r.offsetMsgId, sendStatus: r.sendStatus };
  }

  private async startProducer(): Promise<Producer> {
    const p = new Producer({ namesrvAddr: this.namesrvAddr, producerGroup: 'APOGEE_CONSOLE_PRODUCER' });
    await p.start();
    return p;
  }
}

function permField(body: Record<string, unknown>): number {
  const raw = body.perm ?? PERM_READ | PERM_WRITE;
  const byName = typeof raw === 'string' ? Object.entries(PERMS).find(([, name]) => name === raw.trim())?.[0] : undefined;
  const perm = Number(byName ?? raw);
  if (!(typeof raw === 'number' || typeof raw === 'string') || !(perm in PERMS)) throw new BadRequest('perm must be 6 (read and write), 4 (read only) or 2 (write only)');
  return perm;
}

/** A message for the page: the body as text when it is UTF-8, else as base64. */
function messageJson(m: MessageExt): Record<string, unknown> {
  const text = m.body.toString('utf8');
  const isText = Buffer.from(text, 'utf8').equals(m.body) && !/[\u0000-\u0008\u000E-\u001F]/.test(text);
  return {
    topic: m.topic,
    msgId: m.msgId,
    offsetMsgId: m.offsetMsgId,
    tags: m.tags ?? '',
    keys: m.keys,
    brokerName: m.brokerName ?? '',
    queueId: m.queueId,
    queueOffset: m.queueOffset,
    bornTimestamp: m.bornTimestamp,
    bornHost: m.bornHost,
    storeTimestamp: m.storeTimestamp,
    storeHost: m.storeHost,
    reconsumeTimes: m.reconsumeTimes,
    bodySize: m.body.length,
    body: isText ? text : m.body.toString('base64'),
    bodyEncoding: isText ? 'utf8' : 'base64',
    properties: m.properties,
  };
}
