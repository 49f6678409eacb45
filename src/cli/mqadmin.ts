#!/usr/bin/env node
/**
 * `mqadmin`: the RocketMQ operator tool's everyday subcommands, with its flag names, on top of the
 * client SDK's Admin. Works against Apogee and Apache brokers alike.
 */
import { parseArgs } from 'node:util';
import { Admin } from '../client/admin.js';
import { setLogLevel } from '../common/logger.js';

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
    usage: 'clusterList',
    options: {},
    async run(admin) {
      const info = await admin.clusterInfo();
      out(`${pad('#Cluster Name', 22)}${pad('#Broker Name', 22)}${pad('#BID', 5)}${pad('#Addr', 24)}${pad('#Version', 12)}#InTPS`);
      for (const [cluster, names] of info.clusterAddrTable) {
        for (const name of [...names].sort()) {
          const bd = info.brokerAddrTable.get(name);
          for (const [id, addr] of [...(bd?.brokerAddrs ?? new Map<number, string>())].sort((a, b) => a[0] - b[0])) {
            let version = '';
            let tps = '';
            try {
              const rt = await admin.brokerRuntimeInfo(addr);
              version = rt.brokerVersionDesc ?? '';
              tps = (rt.putTps ?? '').split(' ')[0] ?? '';
            } catch {
              version = '(unreachable)';
            }
            out(`${pad(cluster, 22)}${pad(name, 22)}${pad(id, 5)}${pad(addr, 24)}${pad(version, 12)}${tps}`);
          }
        }
      }
    },
  },
  brokerStatus: {
    usage: 'brokerStatus -b <brokerAddr>',
    options: { brokerAddr: { type: 'string', short: 'b' } },
    async run(admin, o) {
      const rt = await admin.brokerRuntimeInfo(need(o, 'brokerAddr', 'b'));
      for (const k of Object.keys(rt).sort()) out(`${pad(k, 40)}: ${rt[k]}`);
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
    usage: 'queryMsgById -i <offsetMsgId>',
    options: { msgId: { type: 'string', short: 'i' } },
    async run(admin, o) {
      const m = await admin.viewMessage(need(o, 'msgId', 'i'));
      out(JSON.stringify({ ...m, body: m.body.toString('utf8') }, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v), 2));
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
    usage: 'resetOffsetByTime -g <group> -t <topic> -s <timestamp ms | now>',
    options: { group: { type: 'string', short: 'g' }, topic: { type: 'string', short: 't' }, timestamp: { type: 'string', short: 's' } },
    async run(admin, o) {
      const ts = o.timestamp === 'now' ? Date.now() : Number(need(o, 'timestamp', 's'));
      for (const r of await admin.resetOffsetByTime(need(o, 'group', 'g'), need(o, 'topic', 't'), ts)) out(`${pad(r.mq.brokerName, 24)}${pad(r.mq.queueId, 6)}${r.offset}`);
    },
  },
  getBrokerConfig: {
    usage: 'getBrokerConfig -b <brokerAddr>',
    options: { brokerAddr: { type: 'string', short: 'b' } },
    async run(admin, o) {
      for (const [k, v] of await admin.brokerConfig(need(o, 'brokerAddr', 'b'))) out(`${pad(k, 40)}=  ${v}`);
    },
  },
  updateBrokerConfig: {
    usage: 'updateBrokerConfig -b <brokerAddr> -k <key> -v <value>',
    options: { brokerAddr: { type: 'string', short: 'b' }, key: { type: 'string', short: 'k' }, value: { type: 'string', short: 'v' } },
    async run(admin, o) {
      await admin.updateBrokerConfig(need(o, 'brokerAddr', 'b'), { [need(o, 'key', 'k')]: need(o, 'value', 'v') });
      out(`update broker config success, ${o.brokerAddr}`);
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
  return ['usage: mqadmin <command> [-n <namesrvAddr>] [options]', 'commands:', ...Object.values(COMMANDS).map((c) => `  ${c.usage}`), 'NameServers come from -n or $NAMESRV_ADDR.'].join('\n');
}

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  const cmd = name ? COMMANDS[name] : undefined;
  if (!cmd) {
    process.stdout.write(usage() + '\n');
    return name === undefined || name === '-h' || name === '--help' ? 0 : 2;
  }
  const { values } = parseArgs({ args: rest, options: { ...cmd.options, namesrvAddr: { type: 'string', short: 'n' } }, strict: true, allowPositionals: false });
  const namesrvAddr = (values.namesrvAddr as string | undefined) ?? process.env.NAMESRV_ADDR;
  if (!namesrvAddr) throw new Error('no NameServer: give -n <addr> or set NAMESRV_ADDR');
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
    process.stderr.write(`mqadmin: ${(err as Error).message}\n`);
    process.exit(1);
  },
);
