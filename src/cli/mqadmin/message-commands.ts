/** mqadmin — Messages: look up by id, client id and key. */
import { type Command, need, out, pad, printMessage } from './command.js';

export const MESSAGE_COMMANDS: Record<string, Command> = {
  queryMsgById: {
    usage: 'queryMsgById -i <msgId[,msgId...]> [-t <topic>]   (offset id or client id / UNIQ_KEY; -t narrows the client-id search)',
    options: { msgId: { type: 'string', short: 'i' }, topic: { type: 'string', short: 't' } },
    async run(admin, o) {
      const ids = need(o, 'msgId', 'i').split(',').map((id) => id.trim()).filter(Boolean);
      if (ids.length === 0) throw new Error('missing option -i (msgId)');
      for (const id of ids) {
        const found = await admin.queryMessageById(id, o.topic as string | undefined);
        if (!found) throw new Error(`message ${id} not found (neither an offset id a broker knows nor a client id${o.topic ? ` in topic ${o.topic}` : ' in any topic'})`);
        printMessage(found.message);
      }
    },
  },
  queryMsgByUniqueKey: {
    usage: 'queryMsgByUniqueKey -i <clientMsgId> -t <topic>',
    options: { msgId: { type: 'string', short: 'i' }, topic: { type: 'string', short: 't' } },
    async run(admin, o) {
      const id = need(o, 'msgId', 'i');
      const topic = need(o, 'topic', 't');
      const m = await admin.queryMessageByUniqKey(topic, id);
      if (!m) throw new Error(`no message with client id ${id} in topic ${topic}`);
      printMessage(m);
    },
  },
  queryMsgByKey: {
    usage: 'queryMsgByKey -t <topic> -k <key>',
    options: { topic: { type: 'string', short: 't' }, msgKey: { type: 'string', short: 'k' } },
    async run(admin, o) {
      out(`${pad('#Message ID', 40)}#QID  #Offset`);
      for (const m of await admin.queryMessageByKey(need(o, 'topic', 't'), need(o, 'msgKey', 'k'))) out(`${pad(m.msgId, 40)}${pad(m.queueId, 6)}${m.queueOffset}`);
    },
  },
};
