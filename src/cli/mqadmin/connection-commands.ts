/**
 * mqadmin — Connections: which clients of a consumer or producer group are connected, with what
 * version and subscription. Output as Apache RocketMQ 4.3.2's tools/command/connection
 * ConsumerConnectionSubCommand and ProducerConnectionSubCommand print it (the consumer one is
 * recorded in test/fixtures/rocketmq-4.3.2/wire/logs/driver-output.txt).
 */
import { versionName } from '../../protocol/version.js';
import { type Command, need, out, pad, print } from './command.js';

const seq = (i: number, width: number): string => String(i).padStart(width, '0');

export const CONNECTION_COMMANDS: Record<string, Command> = {
  consumerConnection: {
    desc: "Query consumer's socket connection, client version and subscription",
    options: { consumerGroup: { type: 'string', short: 'g', desc: 'consumer group name', required: true } },
    async run(admin, o) {
      const cc = await admin.consumerConnection(need(o, 'consumerGroup', 'g'));
      let i = 1;
      for (const c of cc.connectionSet) out(`${seq(i++, 3)}  ${pad(c.clientId, 32)} ${pad(c.clientAddr, 22)} ${pad(c.language, 8)} ${versionName(c.version)}`);
      // Apache ends "Below is subscription:" without a line end, so the first subscription shares its line.
      print('\nBelow is subscription:');
      i = 1;
      for (const s of [...cc.subscriptionTable.values()].sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0))) {
        out(`${seq(i++, 3)}  Topic: ${pad(s.topic, 40)} SubExpression: ${s.subString}`);
      }
      out(`ConsumeType: ${cc.consumeType ?? ''}`);
      out(`MessageModel: ${cc.messageModel ?? ''}`);
      out(`ConsumeFromWhere: ${cc.consumeFromWhere ?? ''}`);
    },
  },
  producerConnection: {
    desc: "Query producer's socket connection and client version",
    options: {
      producerGroup: { type: 'string', short: 'g', desc: 'producer group name', required: true },
      topic: { type: 'string', short: 't', desc: 'topic name', required: true },
    },
    async run(admin, o) {
      const conns = await admin.producerConnection(need(o, 'producerGroup', 'g'), need(o, 'topic', 't'));
      if (conns.length === 0) throw new Error(`Not found the producer group connection (group ${o.producerGroup}, topic ${o.topic})`);
      let i = 1;
      for (const c of conns) out(`${seq(i++, 4)}  ${pad(c.clientId, 32)} ${pad(c.clientAddr, 22)} ${pad(c.language, 8)} ${versionName(c.version)}`);
    },
  },
};
