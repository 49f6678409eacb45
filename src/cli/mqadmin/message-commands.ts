/**
 * mqadmin — Messages: look up (by id, client id, key, queue offset), print a topic or a queue,
 * send one, consume some, read a consume queue, and time sends. Flags, output lines and columns
 * are those of Apache RocketMQ 4.9's org.apache.rocketmq.tools.command.message.* and
 * queue.QueryConsumeQueueCommand, so scripts written against Java's mqadmin keep working.
 */
import { consumeMessageDirectlyResultString } from '../../protocol/bodies/broker-inspect.js';
import type { MessageExt, MessageQueue } from '../../client/message.js';
import type { TextDecoder } from 'node:util';
import { type Command, need, out } from './command.js';
import { messageExtString } from './java-text.js';
import { boolFlag, charsetDecoder, intFlag, printMessageWithTrack, sendResultString, timeFlag, withProducer } from './message-support.js';

/** Apache's `%-32s  %-4s  %-20s    %s` table of sendMessage and checkMsgSendRT. */
const sendRow = (a: unknown, b: unknown, c: unknown, d: unknown): string => `${String(a).padEnd(32)}  ${String(b).padEnd(4)}  ${String(c).padEnd(20)}    ${String(d)}`;

const TIME_HELP = 'timestamp[currentTimeMillis|yyyy-MM-dd#HH:mm:ss:SSS]';

/** The queues of a topic, sorted as a Java TreeSet of MessageQueue would list them. */
async function topicQueues(admin: Parameters<Command['run']>[0], topic: string): Promise<MessageQueue[]> {
  const route = await admin.topicRoute(topic);
  const mqs: MessageQueue[] = [];
  for (const qd of route.queueDatas) for (let queueId = 0; queueId < qd.readQueueNums; queueId++) mqs.push({ topic, brokerName: qd.brokerName, queueId });
  return mqs.sort((a, b) => (a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : a.queueId - b.queueId));
}

/**
 * `MSGID: <id> <MessageExt.toString()> BODY: <body | NOT PRINT BODY>` (PrintMessageSubCommand.printMessage).
 * Java's pull decodes MessageClientExt: getMsgId() is the client id, the toString's msgId the offset id.
 */
function printMsgLines(msgs: MessageExt[], decoder: TextDecoder, printBody: boolean): void {
  for (const m of msgs) out(`MSGID: ${m.msgId} ${messageExtString(m)} BODY: ${printBody ? decoder.decode(m.body) : 'NOT PRINT BODY'}`);
}

/** A queue's offsets from -b/-e times, as Apache's print commands compute them. */
async function offsetRange(admin: Parameters<Command['run']>[0], mq: MessageQueue, begin: number | undefined, end: number | undefined): Promise<[number, number]> {
  const min = begin === undefined ? await admin.minOffset(mq) : await admin.searchOffset(mq, begin);
  const max = end === undefined ? await admin.maxOffset(mq) : await admin.searchOffset(mq, end);
  return [min, max];
}

export const MESSAGE_COMMANDS: Record<string, Command> = {
  queryMsgById: {
    usage: 'queryMsgById -i <msgId[,msgId...]> [-t <topic>] [-g <group> -d <clientId>] [-s true]   (offset id or client id; -g -d: have that consumer consume it; -s: send it again)',
    desc: 'Query Message by Id',
    options: {
      msgId: { type: 'string', short: 'i', desc: 'Message Id', required: true },
      consumerGroup: { type: 'string', short: 'g', desc: 'consumer group name' },
      clientId: { type: 'string', short: 'd', desc: "The consumer's client id" },
      sendMessage: { type: 'string', short: 's', desc: 'resend message' },
      unitName: { type: 'string', short: 'u', desc: 'unit name' },
      topic: { type: 'string', short: 't', desc: 'topic of a client id (Apogee: narrows the client-id search)' },
    },
    async run(admin, o) {
      const ids = need(o, 'msgId', 'i').split(',').map((id) => id.trim()).filter(Boolean);
      if (ids.length === 0) throw new Error('missing option -i (msgId)');
      const topic = o.topic as string | undefined;
      const find = async (id: string): Promise<MessageExt> => {
        const found = await admin.queryMessageById(id, topic);
        if (!found) throw new Error(`message ${id} not found (neither an offset id a broker knows nor a client id${topic ? ` in topic ${topic}` : ' in any topic'})`);
        return found.message;
      };
      if (typeof o.consumerGroup === 'string' && typeof o.clientId === 'string') {
        for (const id of ids) out(consumeMessageDirectlyResultString(await admin.consumeMessageDirectly(o.consumerGroup.trim(), o.clientId.trim(), id, topic)));
        return;
      }
      if (typeof o.sendMessage === 'string') {
        if (!boolFlag(o, 'sendMessage', false)) return;
        await withProducer(admin, 'ReSendMsgById', async (p) => {
          for (const id of ids) {
            const m = await find(id);
            out(`prepare resend msg. originalMsgId=${id}`);
            const userProps = Object.fromEntries(Object.entries(m.properties).filter(([k]) => !RESERVED.has(k)));
            out(sendResultString(await p.send({ topic: m.topic, body: m.body, tags: m.tags, keys: m.keys, flag: m.flag, properties: userProps })));
          }
        });
        return;
      }
      for (const id of ids) await printMessageWithTrack(admin, await find(id));
    },
  },

  queryMsgByUniqueKey: {
    usage: 'queryMsgByUniqueKey -i <clientMsgId> -t <topic> [-a] [-g <group> -d <clientId>]',
    desc: 'Query Message by Unique key',
    options: {
      msgId: { type: 'string', short: 'i', desc: 'Message Id', required: true },
      consumerGroup: { type: 'string', short: 'g', desc: 'consumer group name' },
      clientId: { type: 'string', short: 'd', desc: "The consumer's client id" },
      topic: { type: 'string', short: 't', desc: 'The topic of msg', required: true },
      showAll: { type: 'boolean', short: 'a', desc: 'Print all message, the limit is 32' },
    },
    async run(admin, o) {
      const id = need(o, 'msgId', 'i').trim();
      const topic = need(o, 'topic', 't').trim();
      if (typeof o.consumerGroup === 'string' && typeof o.clientId === 'string') {
        out(consumeMessageDirectlyResultString(await admin.consumeMessageDirectly(o.consumerGroup.trim(), o.clientId.trim(), id, topic)));
        return;
      }
      const found = (await admin.queryMessagesByUniqKey(topic, id)).sort((a, b) => a.storeTimestamp - b.storeTimestamp);
      if (found.length === 0) throw new Error(`no message with client id ${id} in topic ${topic}`);
      const shown = o.showAll ? found : found.slice(0, 1);
      for (let i = 0; i < shown.length; i++) await printMessageWithTrack(admin, shown[i]!, { withOffsetId: false, index: i });
    },
  },

  queryMsgByKey: {
    usage: 'queryMsgByKey -t <topic> -k <key>',
    desc: 'Query Message by Key',
    options: {
      topic: { type: 'string', short: 't', desc: 'topic name', required: true },
      msgKey: { type: 'string', short: 'k', desc: 'Message Key', required: true },
    },
    async run(admin, o) {
      const found = await admin.queryMessageByKey(need(o, 'topic', 't').trim(), need(o, 'msgKey', 'k').trim(), { maxNum: 64 });
      out(`${'#Message ID'.padEnd(50)} ${'#QID'.padStart(4)} ${'#Offset'.padStart(40)}`);
      for (const m of found) out(`${m.msgId.padEnd(50)} ${String(m.queueId).padStart(4)} ${String(m.queueOffset).padStart(40)}`);
    },
  },

  queryMsgByOffset: {
    usage: 'queryMsgByOffset -t <topic> -b <brokerName> -i <queueId> -o <offset>',
    desc: 'Query Message by offset',
    options: {
      topic: { type: 'string', short: 't', desc: 'topic name', required: true },
      brokerName: { type: 'string', short: 'b', desc: 'Broker Name', required: true },
      queueId: { type: 'string', short: 'i', desc: 'Queue Id', required: true },
      offset: { type: 'string', short: 'o', desc: 'Queue Offset', required: true },
    },
    async run(admin, o) {
      const mq = { topic: need(o, 'topic', 't').trim(), brokerName: need(o, 'brokerName', 'b').trim(), queueId: intFlag(o, 'queueId', 'i') };
      const offset = intFlag(o, 'offset', 'o');
      const r = await admin.pullFromQueue(mq, '*', offset, 1);
      const m = r.status === 'FOUND' ? r.messages[0] : undefined;
      if (!m) throw new Error(`no message at offset ${offset} of ${mq.topic}@${mq.brokerName}:${mq.queueId} (${r.status}; the queue holds ${r.minOffset}..${r.maxOffset - 1})`);
      await printMessageWithTrack(admin, m);
    },
  },

  printMsg: {
    usage: 'printMsg -t <topic> [-c <charset>] [-s <subExpression>] [-b <begin>] [-e <end>] [-d <true|false>]',
    desc: 'Print Message Detail',
    options: {
      topic: { type: 'string', short: 't', desc: 'topic name', required: true },
      charsetName: { type: 'string', short: 'c', desc: 'CharsetName(eg: UTF-8,GBK)' },
      subExpression: { type: 'string', short: 's', desc: 'Subscribe Expression(eg: TagA || TagB)' },
      beginTimestamp: { type: 'string', short: 'b', desc: `Begin ${TIME_HELP}` },
      endTimestamp: { type: 'string', short: 'e', desc: `End ${TIME_HELP}` },
      printBody: { type: 'string', short: 'd', desc: 'print body' },
    },
    async run(admin, o) {
      const topic = need(o, 'topic', 't').trim();
      const decoder = charsetDecoder(o.charsetName as string | undefined);
      const sub = typeof o.subExpression === 'string' ? o.subExpression.trim() : '*';
      const printBody = boolFlag(o, 'printBody', true);
      const begin = timeFlag(o, 'beginTimestamp', 'b');
      const end = timeFlag(o, 'endTimestamp', 'e');
      for (const mq of await topicQueues(admin, topic)) {
        const [min, max] = await offsetRange(admin, mq, begin, end);
        out(`minOffset=${min}, maxOffset=${max}, MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}]`);
        const mqText = `MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}]`;
        for (let offset = min; offset < max; ) {
          const r = await admin.pullFromQueue(mq, sub, offset, 32);
          if (r.nextBeginOffset <= offset && r.status !== 'NO_NEW_MSG' && r.status !== 'OFFSET_ILLEGAL') break; // no progress: stop, never spin
          offset = r.nextBeginOffset;
          if (r.status === 'FOUND') printMsgLines(r.messages, decoder, printBody);
          else if (r.status === 'NO_MATCHED_MSG') out(`${mqText} no matched msg. status=${r.status}, offset=${offset}`);
          else {
            out(`${mqText} print msg finished. status=${r.status}, offset=${offset}`);
            break;
          }
        }
        out('--------------------------------------------------------');
      }
    },
  },

  printMsgByQueue: {
    usage: 'printMsgByQueue -t <topic> -a <brokerName> -i <queueId> [-c <charset>] [-s <subExpression>] [-b <begin>] [-e <end>] [-p true] [-d true] [-f true]',
    desc: 'Print Message Detail',
    options: {
      topic: { type: 'string', short: 't', desc: 'topic name', required: true },
      brokerName: { type: 'string', short: 'a', desc: 'broker name', required: true },
      queueId: { type: 'string', short: 'i', desc: 'queue id', required: true },
      charsetName: { type: 'string', short: 'c', desc: 'CharsetName(eg: UTF-8,GBK)' },
      subExpression: { type: 'string', short: 's', desc: 'Subscribe Expression(eg: TagA || TagB)' },
      beginTimestamp: { type: 'string', short: 'b', desc: `Begin ${TIME_HELP}` },
      endTimestamp: { type: 'string', short: 'e', desc: `End ${TIME_HELP}` },
      printMsg: { type: 'string', short: 'p', desc: 'print msg. eg: true | false(default)' },
      printBody: { type: 'string', short: 'd', desc: 'print body. eg: true | false(default)' },
      calculate: { type: 'string', short: 'f', desc: 'calculate by tag. eg: true | false(default)' },
    },
    async run(admin, o) {
      const mq = { topic: need(o, 'topic', 't').trim(), brokerName: need(o, 'brokerName', 'a').trim(), queueId: intFlag(o, 'queueId', 'i') };
      const decoder = charsetDecoder(o.charsetName as string | undefined);
      const sub = typeof o.subExpression === 'string' ? o.subExpression.trim() : '*';
      const printMsg = boolFlag(o, 'printMsg', false);
      const printBody = boolFlag(o, 'printBody', false);
      const byTag = boolFlag(o, 'calculate', false);
      const [min, max] = await offsetRange(admin, mq, timeFlag(o, 'beginTimestamp', 'b'), timeFlag(o, 'endTimestamp', 'e'));
      const tagCounts = new Map<string, number>();
      for (let offset = min; offset < max; ) {
        const r = await admin.pullFromQueue(mq, sub, offset, 32);
        if (r.status !== 'FOUND' || r.nextBeginOffset <= offset) break;
        offset = r.nextBeginOffset;
        for (const m of r.messages) if (byTag && m.tags?.trim()) tagCounts.set(m.tags, (tagCounts.get(m.tags) ?? 0) + 1);
        if (printMsg) printMsgLines(r.messages, decoder, printBody);
      }
      // TagCountBean order: most frequent first.
      for (const [tag, count] of [...tagCounts].sort((a, b) => b[1] - a[1])) out(`Tag: ${tag.padEnd(30)} Count: ${count}`);
    },
  },

  sendMessage: {
    usage: 'sendMessage -t <topic> -p <body> [-k <keys>] [-c <tags>] [-b <brokerName> [-i <queueId>]]',
    desc: 'Send a message',
    options: {
      topic: { type: 'string', short: 't', desc: 'Topic name', required: true },
      body: { type: 'string', short: 'p', desc: 'UTF-8 string format of the message body', required: true },
      key: { type: 'string', short: 'k', desc: 'Message keys' },
      tags: { type: 'string', short: 'c', desc: 'Message tags' },
      broker: { type: 'string', short: 'b', desc: 'Send message to target broker' },
      qid: { type: 'string', short: 'i', desc: 'Send message to target queue' },
      msgTraceEnable: { type: 'string', short: 'm', desc: 'Message Trace Enable, Default: false (Apogee: not supported, ignored)' },
    },
    async run(admin, o) {
      const topic = need(o, 'topic', 't').trim();
      const body = need(o, 'body', 'p').trim();
      if (o.qid !== undefined && typeof o.broker !== 'string') throw new Error('Broker name must be set if the queue is chosen!');
      const queueId = o.qid === undefined ? -1 : intFlag(o, 'qid', 'i');
      const keys = typeof o.key === 'string' ? o.key.trim() : undefined;
      const tags = typeof o.tags === 'string' ? o.tags.trim() : undefined;
      const result = await withProducer(admin, `mqadmin_send_${Date.now()}`, (p) =>
        p.send({ topic, body, keys: keys || undefined, tags }, typeof o.broker === 'string' && queueId > -1 ? { queue: { topic, brokerName: o.broker.trim(), queueId } } : {}),
      );
      out(sendRow('#Broker Name', '#QID', '#Send Result', '#MsgId'));
      out(sendRow(result.messageQueue.brokerName, result.messageQueue.queueId, result.sendStatus, result.msgId));
    },
  },

  consumeMessage: {
    usage: 'consumeMessage -t <topic> [-b <brokerName> [-i <queueId> [-o <offset>]]] [-g <group>] [-s <begin>] [-e <end>] [-c <count>]',
    desc: 'Consume message',
    options: {
      topic: { type: 'string', short: 't', desc: 'Topic name', required: true },
      brokerName: { type: 'string', short: 'b', desc: 'Broker name' },
      queueId: { type: 'string', short: 'i', desc: 'Queue Id' },
      offset: { type: 'string', short: 'o', desc: 'Queue offset' },
      consumerGroup: { type: 'string', short: 'g', desc: 'Consumer group name' },
      beginTimestamp: { type: 'string', short: 's', desc: `Begin ${TIME_HELP}` },
      endTimestamp: { type: 'string', short: 'e', desc: `End ${TIME_HELP}` },
      MessageNumber: { type: 'string', short: 'c', desc: 'Number of message to be consumed' },
    },
    async run(admin, o) {
      const topic = need(o, 'topic', 't').trim();
      const group = typeof o.consumerGroup === 'string' ? o.consumerGroup.trim() : 'TOOLS_CONSUMER';
      const count = intFlag(o, 'MessageNumber', 'c', 128, 1);
      if (o.queueId !== undefined && typeof o.brokerName !== 'string') throw new Error('Please set the brokerName before queueId!');
      if (o.offset !== undefined && o.queueId === undefined) throw new Error('Please set queueId before offset!');
      const now = Date.now();
      const begin = timeFlag(o, 'beginTimestamp', 's') ?? 0;
      const end = timeFlag(o, 'endTimestamp', 'e') ?? 0;
      if (begin > now) throw new Error('Please set the beginTimestamp before now!');
      if (end > now) throw new Error('Please set the endTimestamp before now!');
      if (end > 0 && begin > end) throw new Error('Please make sure that the beginTimestamp is less than or equal to the endTimestamp');

      // Pulls [min, max] inclusive, as ConsumeMessageCommand.pullMessageByQueue does.
      const pullRange = async (mq: MessageQueue, min: number, max: number): Promise<void> => {
        const mqText = `MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}]`;
        for (let offset = min; offset <= max; ) {
          const r = await admin.pullFromQueue(mq, '*', offset, Math.min(32, max - offset + 1), group);
          const progressed = r.nextBeginOffset > offset;
          offset = r.nextBeginOffset;
          if (r.status === 'FOUND') {
            out('Consume ok');
            for (const m of r.messages) out(`MSGID: ${m.msgId} ${messageExtString(m)} BODY: ${m.body.toString('utf8')}`);
          } else if (r.status === 'NO_MATCHED_MSG') out(`${mqText} no matched msg. status=${r.status}, offset=${offset}`);
          else {
            out(`${mqText} print msg finished. status=${r.status}, offset=${offset}`);
            break;
          }
          if (!progressed) break;
        }
      };
      const range = async (mq: MessageQueue): Promise<[number, number]> => {
        let min = await admin.minOffset(mq);
        let max = await admin.maxOffset(mq);
        if (begin > 0) min = await admin.searchOffset(mq, begin);
        if (end > 0) max = await admin.searchOffset(mq, end);
        return [min, max];
      };

      if (typeof o.brokerName === 'string' && o.queueId !== undefined) {
        const mq = { topic, brokerName: o.brokerName.trim(), queueId: intFlag(o, 'queueId', 'i') };
        const from = o.offset === undefined ? 0 : intFlag(o, 'offset', 'o');
        let [min, max] = await range(mq);
        if (from > max) {
          out(`MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}] no matched msg, offset=${from}`);
          return;
        }
        min = Math.max(min, from);
        if (max - min > count) {
          out(`The oldler ${count} message will be provided`);
          max = min + count - 1;
        }
        await pullRange(mq, min, max);
        return;
      }
      let left = count;
      for (const mq of await topicQueues(admin, topic)) {
        if (typeof o.brokerName === 'string' && mq.brokerName !== o.brokerName.trim()) continue;
        if (left <= 0) return;
        let [min, max] = await range(mq);
        if (max - min > left) {
          out(`The older ${left} message of the ${mq.queueId} queue will be provided`);
          max = min + left - 1;
          left = 0;
        } else {
          left -= max - min;
        }
        // Apache's range is inclusive of max: an empty queue's pull answers "finished".
        await pullRange(mq, min, max);
      }
    },
  },

  queryCq: {
    usage: 'queryCq -t <topic> -q <queueId> -i <index> [-c <count>] [-b <brokerAddr>] [-g <group>]',
    desc: 'Query cq command.',
    options: {
      topic: { type: 'string', short: 't', desc: 'topic name', required: true },
      queue: { type: 'string', short: 'q', desc: 'queue num, ie. 1', required: true },
      index: { type: 'string', short: 'i', desc: 'start queue index.', required: true },
      count: { type: 'string', short: 'c', desc: 'how many.' },
      broker: { type: 'string', short: 'b', desc: 'broker addr.' },
      consumer: { type: 'string', short: 'g', desc: 'consumer group.' },
    },
    async run(admin, o) {
      const topic = need(o, 'topic', 't').trim();
      const queueId = intFlag(o, 'queue', 'q');
      const index = intFlag(o, 'index', 'i');
      const count = intFlag(o, 'count', 'c', 10, 1);
      let broker = typeof o.broker === 'string' ? o.broker.trim() : '';
      if (!broker) {
        const route = await admin.topicRoute(topic);
        broker = route.brokerDatas[0]?.brokerAddrs.get(0) ?? '';
        if (!broker) throw new Error('No topic route data!');
      }
      const r = await admin.queryConsumeQueue(broker, topic, queueId, index, count, typeof o.consumer === 'string' ? o.consumer.trim() : undefined);
      // As QueryConsumeQueueCommand prints it (its "\n" line ends included).
      if (r.subscriptionData) {
        const s = r.subscriptionData;
        out('Subscription data: ');
        // fastjson's pretty print: tabs, and no space after a key's colon.
        const pretty = JSON.stringify({ classFilterMode: s.classFilterMode, codeSet: s.codeSet, expressionType: s.expressionType, subString: s.subString, subVersion: s.subVersion, tagsSet: s.tagsSet, topic: s.topic }, null, '\t');
        out(pretty.replace(/^(\t*"(?:[^"\\]|\\.)*"): /gm, '$1:'));
        out('======================================');
      }
      if (r.filterData !== undefined) {
        out('Filter data: ');
        out(r.filterData);
        out('======================================');
      }
      out('Queue data: ');
      out(`max: ${r.maxQueueIndex}, min: ${r.minQueueIndex}`);
      out('======================================');
      let i = index;
      for (const q of r.queueData) {
        out(`idx: ${i++}`);
        out(`ConsumeQueueData{physicOffset=${q.physicOffset}, physicSize=${q.physicSize}, tagsCode=${q.tagsCode}, extendDataJson='${q.extendDataJson ?? 'null'}', bitMap='${q.bitMap ?? 'null'}', eval=${q.eval}, msg='${q.msg ?? 'null'}'}`);
        out('======================================');
      }
    },
  },

  checkMsgSendRT: {
    usage: 'checkMsgSendRT -t <topic> [-a <amount, 100>] [-s <size, 128>]',
    desc: 'check message send response time',
    options: {
      topic: { type: 'string', short: 't', desc: 'topic name', required: true },
      amount: { type: 'string', short: 'a', desc: 'message amount | default 100' },
      size: { type: 'string', short: 's', desc: 'message size | default 128 Byte' },
    },
    async run(admin, o) {
      const topic = need(o, 'topic', 't').trim();
      const amount = intFlag(o, 'amount', 'a', 100, 1);
      const size = intFlag(o, 'size', 's', 128, 0);
      const body = 'a'.repeat(size);
      await withProducer(admin, `mqadmin_rt_${Date.now()}`, async (p) => {
        out(sendRow('#Broker Name', '#QID', '#Send Result', '#RT'));
        let elapsed = 0;
        let last: MessageQueue | undefined;
        for (let i = 0; i < amount; i++) {
          const start = Date.now();
          let ok = true;
          try {
            // Round-robin over the queues, as Apache's selector does with the send index.
            await p.send({ topic, body }, { selector: (mqs, _m, arg) => (last = mqs[(arg as number) % mqs.length]!), arg: i });
          } catch {
            ok = false;
          }
          const rt = Date.now() - start;
          if (i !== 0) elapsed += rt; // the first send also pays for the route lookup
          out(sendRow(last?.brokerName ?? '', last?.queueId ?? 0, ok, rt));
        }
        out(`Avg RT: ${(amount > 1 ? elapsed / (amount - 1) : Number.NaN).toFixed(2)}`);
      });
    },
  },
};

/** Properties a producer sets itself; a resent message gets new ones. */
const RESERVED = new Set(['KEYS', 'TAGS', 'UNIQ_KEY', 'WAIT', 'DELAY', 'MIN_OFFSET', 'MAX_OFFSET', 'PGROUP', 'CLUSTER', 'TRAN_MSG', 'REAL_TOPIC', 'REAL_QID', 'RETRY_TOPIC', 'ORIGIN_MESSAGE_ID', 'RECONSUME_TIME', 'MSG_REGION', 'TRACE_ON']);
