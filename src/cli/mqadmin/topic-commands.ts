/** mqadmin — Topics: create, delete, list, route and queue status. */
import { type Command, need, out, pad } from './command.js';

export const TOPIC_COMMANDS: Record<string, Command> = {
  updateTopic: {
    usage: 'updateTopic -t <topic> (-c <cluster> | -b <brokerAddr>) [-r 8] [-w 8] [-p 6] [-o false]',
    options: { topic: { type: 'string', short: 't' }, clusterName: { type: 'string', short: 'c' }, brokerAddr: { type: 'string', short: 'b' }, readQueueNums: { type: 'string', short: 'r' }, writeQueueNums: { type: 'string', short: 'w' }, perm: { type: 'string', short: 'p' }, order: { type: 'string', short: 'o' } },
    async run(admin, o) {
      const topic = need(o, 'topic', 't');
      if (!o.clusterName && !o.brokerAddr) throw new Error('give -c <cluster> or -b <brokerAddr>');
      const addrs = await admin.createTopic(topic, {
        clusterName: o.clusterName as string | undefined,
        brokerAddr: o.brokerAddr as string | undefined,
        readQueueNums: Number(o.readQueueNums ?? 8),
        writeQueueNums: Number(o.writeQueueNums ?? 8),
        perm: Number(o.perm ?? 6),
        order: o.order === 'true',
      });
      for (const a of addrs) out(`create topic to ${a} success.`);
    },
  },
  deleteTopic: {
    usage: 'deleteTopic -t <topic> -c <cluster>',
    options: { topic: { type: 'string', short: 't' }, clusterName: { type: 'string', short: 'c' } },
    async run(admin, o) {
      await admin.deleteTopic(need(o, 'topic', 't'), need(o, 'clusterName', 'c'));
      out(`delete topic [${o.topic}] from cluster [${o.clusterName}] success.`);
    },
  },
  topicList: {
    usage: 'topicList',
    options: {},
    async run(admin) {
      for (const t of (await admin.topicList()).sort()) out(t);
    },
  },
  topicRoute: {
    usage: 'topicRoute -t <topic>',
    options: { topic: { type: 'string', short: 't' } },
    async run(admin, o) {
      const r = await admin.topicRoute(need(o, 'topic', 't'));
      out(JSON.stringify({
        brokerDatas: r.brokerDatas.map((b) => ({ brokerName: b.brokerName, cluster: b.cluster, brokerAddrs: Object.fromEntries(b.brokerAddrs) })),
        queueDatas: r.queueDatas,
      }, null, 2));
    },
  },
  topicStatus: {
    usage: 'topicStatus -t <topic>',
    options: { topic: { type: 'string', short: 't' } },
    async run(admin, o) {
      out(`${pad('#Broker Name', 32)}${pad('#QID', 6)}${pad('#Min Offset', 16)}${pad('#Max Offset', 16)}#Last Updated`);
      for (const s of await admin.topicStats(need(o, 'topic', 't'))) {
        out(`${pad(s.mq.brokerName, 32)}${pad(s.mq.queueId, 6)}${pad(s.minOffset, 16)}${pad(s.maxOffset, 16)}${s.lastUpdateTimestamp ? new Date(s.lastUpdateTimestamp).toISOString() : ''}`);
      }
    },
  },
};
