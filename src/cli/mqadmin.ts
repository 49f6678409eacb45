#!/usr/bin/env node
/**
 * `mqadmin`: the RocketMQ operator tool's everyday subcommands, with its flag names, on top of the
 * client SDK's Admin. Works against Apogee and Apache brokers alike.
 */
import { parseArgs } from 'node:util';
import { Admin } from '../client/admin.js';
import type { MessageExt } from '../client/message.js';
import { setLogLevel } from '../common/logger.js';
import { parseTimestamp } from './time-arg.js';
import { printClusterBase, printClusterTotals } from './cluster-list.js';

interface Command {
  usage: string;
  options: Record<string, { type: 'string' | 'boolean'; short: string }>;
  run(admin: Admin, o: Record<string, string | boolean | undefined>): Promise<void>;
}

const out = (line = ''): void => void process.stdout.write(line + '\n');
const pad = (s: unknown, n: number): string => String(s).padEnd(n);
const need = (o: Record<string, unknown>, key: string, flag: string): string => {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new Error(`missing option -${flag} (${key})`);
  return v;
};

/** For commands that take `-b <brokerAddr>` or `-c <cluster>`. */
const needCluster = (o: Record<string, unknown>): string => {
  if (typeof o.clusterName !== 'string' || o.clusterName === '') throw new Error('give -b <brokerAddr> or -c <cluster>');
  return o.clusterName;
};

function positiveInt(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n <= 0) throw new Error(`${what} must be a positive integer, got '${text}'`);
  return n;
}

function printMessage(m: MessageExt): void {
  out(JSON.stringify({ ...m, body: m.body.toString('utf8') }, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v), 2));
}

const COMMANDS: Record<string, Command> = {
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
  clusterList: {
    usage: 'clusterList [-m] [-i <seconds>]   (-m: per-broker message totals; -i: print again every <seconds>)',
    options: { moreStats: { type: 'boolean', short: 'm' }, interval: { type: 'string', short: 'i' } },
    async run(admin, o) {
      const intervalMs = o.interval === undefined ? undefined : positiveInt(o.interval as string, '-i (interval, seconds)') * 1000;
      for (let round = 0; ; round++) {
        if (round > 0) await new Promise((r) => setTimeout(r, intervalMs));
        if (o.moreStats) await printClusterTotals(admin);
        else await printClusterBase(admin);
        if (intervalMs === undefined) return;
      }
    },
  },
  brokerStatus: {
    usage: 'brokerStatus (-b <brokerAddr> | -c <cluster>)   (-c: every broker of the cluster, masters and slaves)',
    options: { brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' } },
    async run(admin, o) {
      if (typeof o.brokerAddr === 'string') {
        const rt = await admin.brokerRuntimeInfo(o.brokerAddr);
        for (const k of Object.keys(rt).sort()) out(`${pad(k, 40)}: ${rt[k]}`);
        return;
      }
      // As Apache prints it for -c: each line prefixed with the broker's address.
      for (const b of await admin.clusterBrokers(needCluster(o))) {
        const rt = await admin.brokerRuntimeInfo(b.addr);
        for (const k of Object.keys(rt).sort()) out(`${pad(b.addr, 24)} ${pad(k, 32)}: ${rt[k]}`);
      }
    },
  },
  wipeWritePerm: {
    usage: 'wipeWritePerm -b <brokerName>',
    options: { brokerName: { type: 'string', short: 'b' } },
    async run(admin, o) {
      for (const r of await admin.wipeWritePerm(need(o, 'brokerName', 'b'))) out(`wipe write perm of broker[${o.brokerName}] in name server[${r.namesrv}] OK, ${r.wipeTopicCount}`);
    },
  },
  addWritePerm: {
    usage: 'addWritePerm -b <brokerName>',
    options: { brokerName: { type: 'string', short: 'b' } },
    async run(admin, o) {
      for (const r of await admin.addWritePerm(need(o, 'brokerName', 'b'))) out(`add write perm of broker[${o.brokerName}] in name server[${r.namesrv}] OK, ${r.addTopicCount}`);
    },
  },
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
  resetOffsetByTime: {
    usage: 'resetOffsetByTime -g <group> -t <topic> -s <yyyy-MM-dd#HH:mm:ss:SSS | epoch ms | now>',
    options: { group: { type: 'string', short: 'g' }, topic: { type: 'string', short: 't' }, timestamp: { type: 'string', short: 's' } },
    async run(admin, o) {
      const ts = parseTimestamp(need(o, 'timestamp', 's'));
      for (const r of await admin.resetOffsetByTime(need(o, 'group', 'g'), need(o, 'topic', 't'), ts)) out(`${pad(r.mq.brokerName, 24)}${pad(r.mq.queueId, 6)}${r.offset}`);
    },
  },
  getBrokerConfig: {
    usage: 'getBrokerConfig (-b <brokerAddr> | -c <cluster>)   (-c: every broker of the cluster, masters and slaves)',
    options: { brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' } },
    async run(admin, o) {
      const print = async (addr: string): Promise<void> => {
        for (const [k, v] of await admin.brokerConfig(addr)) out(`${pad(k, 40)}=  ${v}`);
      };
      if (typeof o.brokerAddr === 'string') return print(o.brokerAddr);
      const brokers = await admin.clusterBrokers(needCluster(o));
      for (const b of brokers) {
        const master = brokers.find((m) => m.brokerName === b.brokerName && m.brokerId === 0);
        out(b.brokerId === 0 ? `============Master: ${b.addr}============` : `============My Master: ${master?.addr ?? '(none)'}=====Slave: ${b.addr}============`);
        await print(b.addr);
      }
    },
  },
  updateBrokerConfig: {
    usage: 'updateBrokerConfig (-b <brokerAddr> | -c <cluster>) -k <key> -v <value>   (-c: every master of the cluster, as Apache)',
    options: { brokerAddr: { type: 'string', short: 'b' }, clusterName: { type: 'string', short: 'c' }, key: { type: 'string', short: 'k' }, value: { type: 'string', short: 'v' } },
    async run(admin, o) {
      const props = { [need(o, 'key', 'k')]: need(o, 'value', 'v') };
      const addrs = typeof o.brokerAddr === 'string' ? [o.brokerAddr] : await admin.masterAddrs(needCluster(o));
      for (const addr of addrs) {
        await admin.updateBrokerConfig(addr, props);
        out(`update broker config success, ${addr}`);
      }
    },
  },
  updateKvConfig: {
    usage: 'updateKvConfig -s <namespace> -k <key> -v <value>',
    options: { namespace: { type: 'string', short: 's' }, key: { type: 'string', short: 'k' }, value: { type: 'string', short: 'v' } },
    async run(admin, o) {
      await admin.putKVConfig(need(o, 'namespace', 's'), need(o, 'key', 'k'), need(o, 'value', 'v'));
      out('create or update kv config to namespace success.');
    },
  },
  deleteKvConfig: {
    usage: 'deleteKvConfig -s <namespace> -k <key>',
    options: { namespace: { type: 'string', short: 's' }, key: { type: 'string', short: 'k' } },
    async run(admin, o) {
      await admin.deleteKVConfig(need(o, 'namespace', 's'), need(o, 'key', 'k'));
      out('delete kv config from namespace success.');
    },
  },
};

function usage(): string {
  return ['usage: mqadmin <command> [-n <namesrvAddr>] [options]', 'commands:', ...Object.values(COMMANDS).map((c) => `  ${c.usage}`), '  help', 'NameServers come from -n or $NAMESRV_ADDR.'].join('\n');
}

/** Thrown for a wrong command line: reported in one line, exit code 2 instead of 1. */
class UsageError extends Error {}

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (name === undefined || name === 'help' || name === '-h' || name === '--help') {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) throw new UsageError(`unknown command '${name}'; run mqadmin help`);
  let values;
  try {
    ({ values } = parseArgs({ args: rest, options: { ...cmd.options, namesrvAddr: { type: 'string', short: 'n' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(`${name}: ${(err as Error).message.split('. To specify')[0]}; usage: ${cmd.usage}`);
  }
  const namesrvAddr = (values.namesrvAddr as string | undefined) ?? process.env.NAMESRV_ADDR;
  if (!namesrvAddr) throw new UsageError('no NameServer: give -n <addr> or set NAMESRV_ADDR');
  setLogLevel('warn');
  const admin = new Admin({ namesrvAddr });
  await admin.start();
  try {
    await cmd.run(admin, values as Record<string, string | boolean | undefined>);
  } finally {
    await admin.shutdown();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // One line, never a stack: the first line of the message is what an operator can act on.
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim() || String(err);
    process.stderr.write(`mqadmin: ${message}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
