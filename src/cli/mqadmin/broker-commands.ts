/** mqadmin — Brokers: the cluster table, runtime status, write permission and broker configuration. */
import { type Command, need, needCluster, out, pad, positiveInt } from './command.js';
import { printClusterBase, printClusterTotals } from './cluster-list.js';

export const BROKER_COMMANDS: Record<string, Command> = {
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
};
