/**
 * mqadmin — Statistics and round-trip checks: statsAll (per topic and group, from each master's
 * VIEW_BROKER_STATS_DATA), brokerConsumeStats (GET_BROKER_CONSUME_STATS), sendMsgStatus and
 * clusterRT (send and time). Columns and lines as Apache RocketMQ 4.9's StatsAllSubCommand,
 * BrokerConsumeStatsSubCommad, SendMsgStatusCommand and CLusterSendMsgRTCommand print them.
 */
import type { Admin, BrokerStatsData } from '../../client/admin.js';
import { compareMq } from '../../client/message.js';
import { StatsName } from '../../protocol/bodies/broker-inspect.js';
import { type Command, need, out } from './command.js';
import { dateTime } from './java-text.js';
import { boolFlag, intFlag, sendResultString, withProducer } from './message-support.js';

const left = (s: unknown, n: number): string => String(s).padEnd(n);
const right = (s: unknown, n: number): string => String(s).padStart(n);
/** UtilAll.frontStringAtLeast: at most `n` characters. */
const front = (s: string, n: number): string => s.slice(0, n);

/** StatsAllSubCommand.compute24HourSum: the day's sum, else the hour's, else the minute's. */
const sum24h = (d: BrokerStatsData): number => d.statsDay.sum || d.statsHour.sum || d.statsMinute.sum;

async function statsOf(admin: Admin, addr: string, name: string, key: string): Promise<BrokerStatsData | undefined> {
  try {
    return await admin.viewBrokerStatsData(addr, name, key);
  } catch {
    return undefined; // nothing counted yet under that key: Java's tool skips it the same way
  }
}

/** StatsAllSubCommand.printTopicDetail. */
async function printTopicStats(admin: Admin, topic: string, activeOnly: boolean): Promise<void> {
  const route = await admin.topicRoute(topic);
  const masters = route.brokerDatas.map((b) => b.brokerAddrs.get(0)).filter((a): a is string => a !== undefined);
  const groups = await admin.queryTopicConsumeByWho(topic);
  let inTps = 0;
  let inToday = 0;
  for (const addr of masters) {
    const d = await statsOf(admin, addr, StatsName.TOPIC_PUT_NUMS, topic);
    if (d) {
      inTps += d.statsMinute.tps;
      inToday += sum24h(d);
    }
  }
  if (groups.length === 0) {
    if (!activeOnly || inToday > 0) out(`${left(front(topic, 64), 64)}  ${left('', 64)} ${right(0, 12)} ${right(inTps.toFixed(2), 11)} ${right('', 11)} ${right(inToday, 14)} ${right('NO_CONSUMER', 14)}`);
    return;
  }
  for (const group of groups) {
    let outTps = 0;
    let outToday = 0;
    for (const addr of masters) {
      const d = await statsOf(admin, addr, StatsName.GROUP_GET_NUMS, `${topic}@${group}`);
      if (d) {
        outTps += d.statsMinute.tps;
        outToday += sum24h(d);
      }
    }
    let accumulation = 0;
    try {
      accumulation = Math.max(0, (await admin.consumeStats(group, topic)).diffTotal);
    } catch {
      accumulation = 0;
    }
    if (!activeOnly || inToday > 0 || outToday > 0) {
      out(`${left(front(topic, 64), 64)}  ${left(front(group, 64), 64)} ${right(accumulation, 12)} ${right(inTps.toFixed(2), 11)} ${right(outTps.toFixed(2), 11)} ${right(inToday, 14)} ${right(outToday, 14)}`);
    }
  }
}

export const STATS_COMMANDS: Record<string, Command> = {
  statsAll: {
    usage: 'statsAll [-a] [-t <topic>]   (-a: active topics only)',
    desc: 'Topic and Consumer tps stats',
    options: {
      activeTopic: { type: 'boolean', short: 'a', desc: 'print active topic only' },
      topic: { type: 'string', short: 't', desc: 'print select topic only' },
    },
    async run(admin, o) {
      const topics = (await admin.topicList()).sort();
      out(`${left('#Topic', 64)}  ${left('#Consumer Group', 64)} ${right('#Accumulation', 12)} ${right('#InTPS', 11)} ${right('#OutTPS', 11)} ${right('#InMsg24Hour', 14)} ${right('#OutMsg24Hour', 14)}`);
      const only = typeof o.topic === 'string' && o.topic !== '' ? o.topic : undefined;
      for (const topic of topics) {
        if (topic.startsWith('%RETRY%') || topic.startsWith('%DLQ%')) continue;
        if (only !== undefined && topic !== only) continue;
        try {
          await printTopicStats(admin, topic, o.activeTopic === true);
        } catch {
          // As Apache: a topic whose route or groups cannot be read is left out.
        }
      }
    },
  },

  brokerConsumeStats: {
    usage: 'brokerConsumeStats -b <brokerAddr> [-t <timeoutMillis>] [-l <diffLevel>] [-o <true|false>]',
    desc: 'Fetch broker consume stats data',
    options: {
      brokerAddr: { type: 'string', short: 'b', desc: 'Broker address', required: true },
      timeoutMillis: { type: 'string', short: 't', desc: 'request timeout Millis' },
      level: { type: 'string', short: 'l', desc: 'threshold of print diff' },
      order: { type: 'string', short: 'o', desc: 'order topic' },
    },
    async run(admin, o) {
      const addr = need(o, 'brokerAddr', 'b').trim();
      const timeout = intFlag(o, 'timeoutMillis', 't', 50_000, 1);
      const level = intFlag(o, 'level', 'l', 0, Number.MIN_SAFE_INTEGER);
      const list = await admin.fetchConsumeStatsInBroker(addr, boolFlag(o, 'order', false), timeout);
      out(`${left('#Topic', 64)}  ${left('#Group', 64)}  ${left('#Broker Name', 32)}  ${left('#QID', 4)}  ${left('#Broker Offset', 20)}  ${left('#Consumer Offset', 20)}  ${left('#Diff', 20)}  #LastTime`);
      for (const { group, stats } of list.consumeStatsList) {
        for (const s of stats) {
          for (const e of [...s.offsetTable].sort((a, b) => compareMq(a.mq, b.mq))) {
            const diff = e.brokerOffset - e.consumerOffset;
            if (diff < level || e.lastTimestamp <= 0) continue;
            out(`${left(front(e.mq.topic, 64), 64)}  ${left(group, 64)}  ${left(front(e.mq.brokerName, 32), 32)}  ${left(e.mq.queueId, 4)}  ${left(e.brokerOffset, 20)}  ${left(e.consumerOffset, 20)}  ${left(diff, 20)}  ${dateTime(e.lastTimestamp)}`);
          }
        }
      }
      out('');
      out(`Diff Total: ${list.totalDiff}`);
    },
  },

  sendMsgStatus: {
    usage: 'sendMsgStatus -b <brokerName> [-s <messageSize, 128>] [-c <count, 50>]   (sends to the topic named after the broker)',
    desc: 'send msg to broker.',
    options: {
      brokerName: { type: 'string', short: 'b', desc: 'Broker Name', required: true },
      messageSize: { type: 'string', short: 's', desc: 'Message Size, Default: 128' },
      count: { type: 'string', short: 'c', desc: 'send message count, Default: 50' },
    },
    async run(admin, o) {
      const brokerName = need(o, 'brokerName', 'b').trim();
      const size = intFlag(o, 'messageSize', 's', 128);
      const count = intFlag(o, 'count', 'c', 50);
      // Apache's body: "hello jodie" repeated until it reaches the size.
      const body = (size: number): string => 'hello jodie'.repeat(Math.ceil(size / 11));
      await withProducer(admin, 'PID_SMSC', async (p) => {
        await p.send({ topic: brokerName, body: body(16) }); // warms the route up, not timed
        for (let i = 0; i < count; i++) {
          const begin = Date.now();
          const r = await p.send({ topic: brokerName, body: body(size) });
          out(`rt=${Date.now() - begin}ms, SendResult=${sendResultString(r)}`);
        }
      });
    },
  },

  clusterRT: {
    usage: 'clusterRT [-a <amount, 100>] [-s <size, 128>] [-c <cluster>] [-p <true|false>] [-m <machineRoom>] [-i <seconds>]   (one round; -i: again every <seconds> until interrupted)',
    desc: 'List All clusters Message Send RT',
    options: {
      amount: { type: 'string', short: 'a', desc: 'message amount | default 100' },
      size: { type: 'string', short: 's', desc: 'message size | default 128 Byte' },
      cluster: { type: 'string', short: 'c', desc: 'cluster name | default display all cluster' },
      printLog: { type: 'string', short: 'p', desc: 'print as tlog | default false' },
      machineRoom: { type: 'string', short: 'm', desc: 'machine room name | default noname' },
      interval: { type: 'string', short: 'i', desc: 'print interval | Apogee: default one round and exit' },
    },
    async run(admin, o) {
      const amount = intFlag(o, 'amount', 'a', 100, 1);
      const size = intFlag(o, 'size', 's', 128);
      const intervalMs = o.interval === undefined ? undefined : intFlag(o, 'interval', 'i', undefined, 1) * 1000;
      const tlog = boolFlag(o, 'printLog', false);
      const room = typeof o.machineRoom === 'string' ? o.machineRoom.trim() : 'noname';
      const info = await admin.clusterInfo();
      const clusters = typeof o.cluster === 'string' ? [o.cluster.trim()] : [...info.clusterAddrTable.keys()].sort();
      if (!tlog) out(`${left('#Cluster Name', 24)}  ${left('#Broker Name', 24)}  ${left('#RT', 4)}  ${left('#successCount', 8)}  ${left('#failCount', 8)}`);
      await withProducer(admin, `mqadmin_clusterRT_${Date.now()}`, async (p) => {
        for (let round = 0; ; round++) {
          if (round > 0) await new Promise((r) => setTimeout(r, intervalMs));
          for (const cluster of clusters) {
            const names = info.clusterAddrTable.get(cluster);
            if (!names) throw new Error(`cluster [${cluster}] not exist`);
            for (const brokerName of [...names].sort()) {
              let elapsed = 0;
              let success = 0;
              let fail = 0;
              for (let i = 0; i < amount; i++) {
                const start = Date.now();
                try {
                  await p.send({ topic: brokerName, body: 'a'.repeat(size) });
                  success++;
                } catch {
                  fail++;
                }
                if (i !== 0) elapsed += Date.now() - start; // the first send also pays for the route lookup
              }
              const rt = amount > 1 ? elapsed / (amount - 1) : Number.NaN;
              if (tlog) out(`${chinaTime()}|${room}|${cluster}|${brokerName}|${Number.isNaN(rt) ? 'NaN' : Math.round(rt)}`);
              else out(`${left(cluster, 24)}  ${left(brokerName, 24)}  ${left(rt.toFixed(2), 8)}  ${left(success, 16)}  ${left(fail, 16)}`);
            }
          }
          if (intervalMs === undefined) return;
        }
      });
    },
  },
};

/** CLusterSendMsgRTCommand.getCurTime: `yyyy-MM-dd HH:mm:ss` in GMT+8, whatever the machine's zone. */
function chinaTime(): string {
  return new Date(Date.now() + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
}
