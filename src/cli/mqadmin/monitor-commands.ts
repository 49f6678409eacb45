/**
 * mqadmin — startMonitoring: one round of Apache's MonitorService (tools.monitor) printed to stdout
 * with its DefaultMonitorListener's lines: for every consumer group that is online (one per
 * `%RETRY%<group>` topic), per topic, how many messages it has not consumed, the most in one
 * queue, and how far behind in time its slowest queue is. Apache loops forever every minute and
 * logs to a file; here one round prints and exits, `-i <seconds>` repeats until interrupted.
 */
import type { Admin } from '../../client/admin.js';
import type { QueueOffsets } from '../../protocol/bodies/broker-inspect.js';
import { type Command, out } from './command.js';
import { intFlag } from './message-support.js';

const PREFIX = '[MONITOR] ';

interface UndoneMsgs {
  consumerGroup: string;
  topic: string;
  undoneMsgsTotal: number;
  undoneMsgsSingleMQ: number;
  undoneMsgsDelayTimeMills: number;
}

/** MonitorService.computeUndoneMsgs for one topic of a group. */
async function undone(admin: Admin, consumerGroup: string, topic: string, queues: QueueOffsets[]): Promise<UndoneMsgs> {
  const u: UndoneMsgs = { consumerGroup, topic, undoneMsgsTotal: 0, undoneMsgsSingleMQ: 0, undoneMsgsDelayTimeMills: 0 };
  for (const q of queues) {
    const diff = q.brokerOffset - q.consumerOffset;
    u.undoneMsgsSingleMQ = Math.max(u.undoneMsgsSingleMQ, diff);
    if (diff > 0) u.undoneMsgsTotal += diff;
    if (q.lastTimestamp <= 0) continue;
    // Delay: the newest message's store time against the last consumed one's.
    try {
      const max = await admin.maxOffset(q.mq);
      if (max <= 0) continue;
      const r = await admin.pullFromQueue(q.mq, '*', max - 1, 1);
      const newest = r.status === 'FOUND' ? r.messages[0] : undefined;
      if (newest) u.undoneMsgsDelayTimeMills = Math.max(u.undoneMsgsDelayTimeMills, newest.storeTimestamp - q.lastTimestamp);
    } catch {
      // as Apache: a queue that cannot be read adds no delay
    }
  }
  return u;
}

async function monitorRound(admin: Admin): Promise<void> {
  out(`${PREFIX}=========================================beginRound`);
  for (const topic of (await admin.topicList()).sort()) {
    if (!topic.startsWith('%RETRY%')) continue;
    const group = topic.slice('%RETRY%'.length);
    let stats;
    try {
      stats = await admin.consumeStats(group);
      await admin.consumerConnection(group); // offline groups are not reported, as in Apache
    } catch {
      continue;
    }
    const byTopic = new Map<string, QueueOffsets[]>();
    for (const e of stats.offsetTable) byTopic.set(e.mq.topic, [...(byTopic.get(e.mq.topic) ?? []), e]);
    for (const [t, queues] of byTopic) {
      const u = await undone(admin, group, t, queues);
      out(`${PREFIX}reportUndoneMsgs: UndoneMsgs [consumerGroup=${u.consumerGroup}, topic=${u.topic}, undoneMsgsTotal=${u.undoneMsgsTotal}, undoneMsgsSingleMQ=${u.undoneMsgsSingleMQ}, undoneMsgsDelayTimeMills=${u.undoneMsgsDelayTimeMills}]`);
    }
  }
  out(`${PREFIX}=========================================endRound`);
}

export const MONITOR_COMMANDS: Record<string, Command> = {
  startMonitoring: {
    usage: 'startMonitoring [-i <seconds>]   (one round of undone/lagging consumer groups; -i: again every <seconds>)',
    desc: 'Start Monitoring',
    options: { interval: { type: 'string', short: 'i', desc: 'Apogee: repeat every <seconds> (default: one round and exit)' } },
    async run(admin, o) {
      const intervalMs = o.interval === undefined ? undefined : intFlag(o, 'interval', 'i', undefined, 1) * 1000;
      for (let round = 0; ; round++) {
        if (round > 0) await new Promise((r) => setTimeout(r, intervalMs));
        await monitorRound(admin);
        if (intervalMs === undefined) return;
      }
    },
  },
};
