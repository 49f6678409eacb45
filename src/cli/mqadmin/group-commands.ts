/** mqadmin — Consumer groups: progress (lag per queue) and offsets. */
import { parseTimestamp } from '../time-arg.js';
import { type Command, need, out, pad } from './command.js';

export const GROUP_COMMANDS: Record<string, Command> = {
  consumerProgress: {
    usage: 'consumerProgress -g <group> [-t <topic>]',
    options: { groupName: { type: 'string', short: 'g' }, topic: { type: 'string', short: 't' } },
    async run(admin, o) {
      const stats = await admin.consumeStats(need(o, 'groupName', 'g'), o.topic as string | undefined);
      out(`${pad('#Topic', 32)}${pad('#Broker Name', 24)}${pad('#QID', 6)}${pad('#Broker Offset', 16)}${pad('#Consumer Offset', 18)}#Diff`);
      for (const e of stats.offsetTable) out(`${pad(e.mq.topic, 32)}${pad(e.mq.brokerName, 24)}${pad(e.mq.queueId, 6)}${pad(e.brokerOffset, 16)}${pad(e.consumerOffset, 18)}${e.brokerOffset - e.consumerOffset}`);
      out('');
      out(`Consume TPS: ${stats.consumeTps}`);
      out(`Diff Total: ${stats.diffTotal}`);
    },
  },
  resetOffsetByTime: {
    usage: 'resetOffsetByTime -g <group> -t <topic> -s <yyyy-MM-dd#HH:mm:ss:SSS | epoch ms | now>',
    options: { group: { type: 'string', short: 'g' }, topic: { type: 'string', short: 't' }, timestamp: { type: 'string', short: 's' } },
    async run(admin, o) {
      const ts = parseTimestamp(need(o, 'timestamp', 's'));
      for (const r of await admin.resetOffsetByTime(need(o, 'group', 'g'), need(o, 'topic', 't'), ts)) out(`${pad(r.mq.brokerName, 24)}${pad(r.mq.queueId, 6)}${r.offset}`);
    },
  },
};
