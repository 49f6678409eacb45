/**
 * mqadmin — Topics: create, delete, permission, list, route, queue status, clusters, queue
 * allocation and ordered-topic configuration. Names, flags and output follow Apache RocketMQ 4.x's
 * tools/command/topic/*SubCommand (4.3.2, the version of the recorded outputs in
 * test/fixtures/rocketmq-4.3.2/wire/logs/driver-output.txt).
 */
import type { Admin } from '../../client/admin.js';
import { allocateAveragely } from '../../client/allocate.js';
import { toFastJson } from '../../codec/fastjson.js';
import { mqJson, compareMq, type MessageQueue } from '../../protocol/bodies/message-queue.js';
import { isReadable, permToString, TOPIC_FLAG_UNIT, TOPIC_FLAG_UNIT_SUB } from '../../protocol/perm.js';
import type { TopicRouteData } from '../../protocol/route.js';
import { DLQ_PREFIX, RETRY_PREFIX } from '../../protocol/system-topics.js';
import { boolOpt, col, type Command, formatDateTime, intOpt, need, opt, out, pad, print, UsageError } from './command.js';

/** TopicConfig.toString() as Apache's updateTopic prints it. */
function topicConfigText(t: { topic: string; readQueueNums: number; writeQueueNums: number; perm: number; topicSysFlag: number; order: boolean }): string {
  return `TopicConfig [topicName=${t.topic}, readQueueNums=${t.readQueueNums}, writeQueueNums=${t.writeQueueNums}, perm=${permToString(t.perm)}, topicFilterType=SINGLE_TAG, topicSysFlag=${t.topicSysFlag}, order=${t.order}]`;
}

/**
 * TopicRouteData as Java's `toJson(true)` prints it (fastjson PrettyFormat: tabs, bean fields
 * sorted, maps on one line with their closing brace on the next, 4.x's `topicSynFlag` name).
 */
export function prettyRoute(r: TopicRouteData): string {
  const t = (n: number): string => '\t'.repeat(n);
  const str = (s: string): string => JSON.stringify(s);
  const map = (entries: Array<[string, string]>, indent: number): string => (entries.length === 0 ? '{}' : `{${entries.map(([k, v]) => `${k}:${v}`).join(',')}\n${t(indent)}}`);
  const bean = (fields: Array<[string, string]>, indent: number): string => `{${fields.map(([k, v]) => `\n${t(indent + 1)}"${k}":${v}`).join(',')}\n${t(indent)}}`;
  const array = (items: string[], indent: number): string => (items.length === 0 ? '[]' : `[${items.map((i) => `\n${t(indent + 1)}${i}`).join(',')}\n${t(indent)}]`);
  const brokerDatas = r.brokerDatas.map((b) => {
    const fields: Array<[string, string]> = [['brokerAddrs', map([...b.brokerAddrs].map(([id, a]) => [String(id), str(a)]), 3)], ['brokerName', str(b.brokerName)]];
    if (b.cluster !== undefined) fields.push(['cluster', str(b.cluster)]);
    return bean(fields, 2);
  });
  const queueDatas = r.queueDatas.map((q) =>
    bean([['brokerName', str(q.brokerName)], ['perm', String(q.perm)], ['readQueueNums', String(q.readQueueNums)], ['topicSynFlag', String(q.topicSysFlag)], ['writeQueueNums', String(q.writeQueueNums)]], 2),
  );
  const top: Array<[string, string]> = [
    ['brokerDatas', array(brokerDatas, 1)],
    ['filterServerTable', map([...r.filterServerTable].map(([k, v]) => [str(k), `[${v.map(str).join(',')}]`]), 1)],
  ];
  if (r.orderTopicConf !== undefined) top.push(['orderTopicConf', str(r.orderTopicConf)]);
  top.push(['queueDatas', array(queueDatas, 1)]);
  return bean(top, 0);
}

/** The readable queues of a route, as Java's MQClientInstance.topicRouteData2TopicSubscribeInfo lists them. */
function subscribeQueues(topic: string, route: TopicRouteData): MessageQueue[] {
  const mqs: MessageQueue[] = [];
  for (const qd of route.queueDatas) if (isReadable(qd.perm)) for (let q = 0; q < qd.readQueueNums; q++) mqs.push({ topic, brokerName: qd.brokerName, queueId: q });
  return mqs.sort(compareMq);
}

function brokerNameOf(admin: Admin, addr: string): Promise<string> {
  return admin.clusterInfo().then((info) => {
    for (const [name, bd] of info.brokerAddrTable) for (const a of bd.brokerAddrs.values()) if (a === addr) return name;
    throw new Error(`no broker with address ${addr} is registered`);
  });
}

export const TOPIC_COMMANDS: Record<string, Command> = {
  updateTopic: {
    desc: 'Update or create topic',
    options: {
      brokerAddr: { type: 'string', short: 'b', desc: 'create topic to which broker' },
      clusterName: { type: 'string', short: 'c', desc: 'create topic to which cluster' },
      topic: { type: 'string', short: 't', desc: 'topic name', required: true },
      readQueueNums: { type: 'string', short: 'r', desc: 'set read queue nums' },
      writeQueueNums: { type: 'string', short: 'w', desc: 'set write queue nums' },
      perm: { type: 'string', short: 'p', desc: "set topic's permission(2|4|6), intro[2:W 4:R; 6:RW]" },
      order: { type: 'string', short: 'o', desc: "set topic's order(true|false)" },
      unit: { type: 'string', short: 'u', desc: 'is unit topic (true|false)' },
      hasUnitSub: { type: 'string', short: 's', desc: 'has unit sub (true|false)' },
    },
    oneOf: ['brokerAddr', 'clusterName'],
    async run(admin, o) {
      const topic = need(o, 'topic', 't');
      const config = {
        topic,
        readQueueNums: intOpt(o, 'readQueueNums', 'r', 8),
        writeQueueNums: intOpt(o, 'writeQueueNums', 'w', 8),
        perm: intOpt(o, 'perm', 'p', 6),
        topicSysFlag: (boolOpt(o, 'unit', false) ? TOPIC_FLAG_UNIT : 0) | (boolOpt(o, 'hasUnitSub', false) ? TOPIC_FLAG_UNIT_SUB : 0),
        order: boolOpt(o, 'order', false),
      };
      const create = { readQueueNums: config.readQueueNums, writeQueueNums: config.writeQueueNums, perm: config.perm, topicSysFlag: config.topicSysFlag, order: config.order };
      const brokerAddr = opt(o, 'brokerAddr');
      if (brokerAddr) {
        await admin.createTopic(topic, { ...create, brokerAddr });
        if (config.order) {
          const orderConf = `${await brokerNameOf(admin, brokerAddr)}:${config.writeQueueNums}`;
          await admin.createOrUpdateOrderConf(topic, orderConf, false);
          // Java prints this without a line end: the next line follows on the same line.
          print(`set broker orderConf. isOrder=true, orderConf=[${orderConf}]`);
        }
        out(`create topic to ${brokerAddr} success.`);
      } else {
        const clusterName = need(o, 'clusterName', 'c');
        for (const addr of await admin.createTopic(topic, { ...create, clusterName })) out(`create topic to ${addr} success.`);
        if (config.order) {
          const names = ((await admin.clusterInfo()).clusterAddrTable.get(clusterName) ?? []).slice().sort();
          const orderConf = names.map((n) => `${n}:${config.writeQueueNums}`).join(';');
          await admin.createOrUpdateOrderConf(topic, orderConf, true);
          print(`set cluster orderConf. isOrder=true, orderConf=[${orderConf}]`);
        }
      }
      // Java prints this without a line end (the next output joins it); ours ends the line.
      out(topicConfigText(config));
    },
  },
  deleteTopic: {
    desc: 'Delete topic from broker and NameServer.',
    options: {
      topic: { type: 'string', short: 't', desc: 'topic name', required: true },
      clusterName: { type: 'string', short: 'c', desc: 'delete topic from which cluster', required: true },
    },
    async run(admin, o) {
      const topic = need(o, 'topic', 't');
      const clusterName = need(o, 'clusterName', 'c');
      // Masters and slaves alike, as Apache's DeleteTopicSubCommand.deleteTopic.
      await admin.deleteTopicInBrokers((await admin.clusterBrokers(clusterName)).map((b) => b.addr), topic);
      out(`delete topic [${topic}] from cluster [${clusterName}] success.`);
      await admin.deleteTopicInNamesrvs(topic);
      out(`delete topic [${topic}] from NameServer success.`);
    },
  },
  updateTopicPerm: {
    desc: 'Update topic perm',
    options: {
      brokerAddr: { type: 'string', short: 'b', desc: 'create topic to which broker' },
      clusterName: { type: 'string', short: 'c', desc: 'create topic to which cluster' },
      topic: { type: 'string', short: 't', desc: 'topic name', required: true },
      perm: { type: 'string', short: 'p', desc: "set topic's permission(2|4|6), intro[2:W; 4:R; 6:RW]", required: true },
    },
    oneOf: ['brokerAddr', 'clusterName'],
    async run(admin, o) {
      const topic = need(o, 'topic', 't');
      const perm = intOpt(o, 'perm', 'p', 0);
      if (![2, 4, 6].includes(perm)) throw new UsageError(`-p (perm) must be 2 (W), 4 (R) or 6 (RW), got ${perm}`);
      const route = await admin.topicRoute(topic);
      const first = route.queueDatas[0];
      if (!first) throw new Error(`topic ${topic} has no queues in its route`);
      const brokerAddr = opt(o, 'brokerAddr');
      // Apache takes the queue layout from the route's first QueueData; with -b, the old perm is that broker's.
      const brokerName = brokerAddr ? route.brokerDatas.find((b) => b.brokerAddrs.get(0) === brokerAddr)?.brokerName : undefined;
      if (brokerAddr && !brokerName) throw new Error(`updateTopicPerm error broker not exit or broker is not master!`);
      const qd = route.queueDatas.find((q) => q.brokerName === brokerName) ?? first;
      if (perm === qd.perm) {
        out('new perm equals to the old one!');
        return;
      }
      const create = { readQueueNums: qd.readQueueNums, writeQueueNums: qd.writeQueueNums, perm, topicSysFlag: qd.topicSysFlag };
      if (brokerAddr) {
        await admin.createTopic(topic, { ...create, brokerAddr });
        out(`update topic perm from ${qd.perm} to ${perm} in ${brokerAddr} success.`);
        out(topicConfigText({ topic, ...create, order: false }));
        return;
      }
      for (const addr of await admin.createTopic(topic, { ...create, clusterName: need(o, 'clusterName', 'c') })) out(`update topic perm from ${qd.perm} to ${perm} in ${addr} success.`);
    },
  },
  topicList: {
    desc: 'Fetch all topic list from name server',
    options: { clusterModel: { type: 'boolean', short: 'c', desc: 'clusterModel' } },
    async run(admin, o) {
      const topics = (await admin.topicList()).sort();
      if (!o.clusterModel) {
        for (const t of topics) out(t);
        return;
      }
      const info = await admin.clusterInfo();
      out(`${pad('#Cluster Name', 20)}  ${pad('#Topic', 48)}  ${pad('#Consumer Group', 48)}`);
      for (const topic of topics) {
        if (topic.startsWith(RETRY_PREFIX) || topic.startsWith(DLQ_PREFIX)) continue;
        let cluster = '';
        let groups: string[] = [];
        try {
          const brokerName = (await admin.topicRoute(topic)).brokerDatas[0]?.brokerName;
          cluster = [...info.clusterAddrTable].find(([, names]) => brokerName !== undefined && names.includes(brokerName))?.[0] ?? '';
          groups = await admin.queryTopicConsumeByWho(topic);
        } catch {
          // As Apache: a topic whose route or consumers cannot be read is listed without them.
        }
        for (const g of groups.length > 0 ? groups : ['']) out(`${col(cluster, 20)}  ${col(topic, 48)}  ${col(g, 48)}`);
      }
    },
  },
  topicRoute: {
    desc: 'Examine topic route info',
    options: {
      topic: { type: 'string', short: 't', desc: 'topic name', required: true },
      list: { type: 'boolean', short: 'l', desc: 'Use list format to print data' },
    },
    async run(admin, o) {
      const route = await admin.topicRoute(need(o, 'topic', 't'));
      if (!o.list) {
        out(prettyRoute(route));
        return;
      }
      // 4.9's -l table (TopicRouteSubCommand.printData, FORMAT "%-45s %-32s %-50s %-10s %-11s %-5s").
      const row = (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown, f: unknown): void => out(`${pad(a, 45)} ${pad(b, 32)} ${pad(c, 50)} ${pad(d, 10)} ${pad(e, 11)} ${pad(f, 5)}`);
      row('#ClusterName', '#BrokerName', '#BrokerAddrs', '#ReadQueue', '#WriteQueue', '#Perm');
      let read = 0;
      let write = 0;
      for (const bd of [...route.brokerDatas].sort((a, b) => (a.brokerName < b.brokerName ? -1 : 1))) {
        const qd = route.queueDatas.find((q) => q.brokerName === bd.brokerName);
        read += qd?.readQueueNums ?? 0;
        write += qd?.writeQueueNums ?? 0;
        const addrs = `{${[...bd.brokerAddrs].map(([id, a]) => `${id}=${a}`).join(', ')}}`;
        row(bd.cluster ?? '', bd.brokerName, addrs, qd?.readQueueNums ?? '', qd?.writeQueueNums ?? '', qd?.perm ?? '');
      }
      out('-'.repeat(158));
      row('Total:', route.queueDatas.length, '', read, write, '');
    },
  },
  topicStatus: {
    desc: 'Examine topic Status info',
    options: { topic: { type: 'string', short: 't', desc: 'topic name', required: true } },
    async run(admin, o) {
      const stats = await admin.topicStats(need(o, 'topic', 't'));
      out(`${pad('#Broker Name', 32)}  ${pad('#QID', 4)}  ${pad('#Min Offset', 20)}  ${pad('#Max Offset', 20)}    #Last Updated`);
      for (const s of stats) {
        const last = s.lastUpdateTimestamp > 0 ? formatDateTime(s.lastUpdateTimestamp, true) : '';
        out(`${col(s.mq.brokerName, 32)}  ${pad(s.mq.queueId, 4)}  ${pad(s.minOffset, 20)}  ${pad(s.maxOffset, 20)}    ${last}`);
      }
    },
  },
  topicClusterList: {
    desc: 'get cluster info for topic',
    options: { topic: { type: 'string', short: 't', desc: 'topic name', required: true } },
    async run(admin, o) {
      for (const c of await admin.topicClusterList(need(o, 'topic', 't'))) out(c);
    },
  },
  allocateMQ: {
    desc: 'Allocate MQ',
    options: {
      topic: { type: 'string', short: 't', desc: 'topic name', required: true },
      ipList: { type: 'string', short: 'i', desc: 'ipList', required: true },
    },
    async run(admin, o) {
      const topic = need(o, 'topic', 't');
      const ips = need(o, 'ipList', 'i').split(',');
      const mqs = subscribeQueues(topic, await admin.topicRoute(topic));
      // RebalanceResult as Java's RemotingSerializable.toJson(rr, false) writes it.
      const result = new Map(ips.map((ip) => [ip, allocateAveragely.allocate('aa', ip, mqs, ips).map(mqJson)]));
      out(toFastJson({ result }));
    },
  },
  updateOrderConf: {
    desc: 'Create or update or delete order conf',
    options: {
      topic: { type: 'string', short: 't', desc: 'topic name', required: true },
      orderConf: { type: 'string', short: 'v', desc: 'set order conf [eg. brokerName1:num;brokerName2:num]' },
      method: { type: 'string', short: 'm', desc: 'option type [eg. put|get|delete', required: true },
    },
    async run(admin, o) {
      const topic = need(o, 'topic', 't');
      const method = need(o, 'method', 'm');
      // Apache prints these three lines without a line end; ours end the line.
      if (method === 'get') {
        out(`get orderConf success. topic=[${topic}], orderConf=[${(await admin.getOrderConf(topic)) ?? 'null'}] `);
      } else if (method === 'put') {
        const orderConf = opt(o, 'orderConf');
        if (!orderConf) throw new UsageError('please set orderConf with option -v.');
        await admin.createOrUpdateOrderConf(topic, orderConf, true);
        out(`update orderConf success. topic=[${topic}], orderConf=[${orderConf}]`);
      } else if (method === 'delete') {
        await admin.deleteOrderConf(topic);
        out(`delete orderConf success. topic=[${topic}]`);
      } else {
        throw new UsageError(`-m (method) must be put, get or delete, got '${method}'`);
      }
    },
  },
};
