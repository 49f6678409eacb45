/**
 * mqadmin — Brokers: the cluster table, runtime status, write permission, broker configuration and
 * consume-queue housekeeping. Names, flags and output follow Apache RocketMQ 4.x's tools/command
 * broker, cluster and namesrv (write permission) *SubCommand/*Command classes.
 */
import type { Admin } from '../../client/admin.js';
import { type Command, need, opt, out, pad, positiveInt } from './command.js';
import { printClusterBase, printClusterTotals } from './cluster-list.js';

/** Each master (in broker-name order) with its slaves, as CommandUtil.fetchMasterAndSlaveDistinguish groups them. */
async function mastersWithSlaves(admin: Admin, cluster: string): Promise<Array<{ master: string; slaves: string[] }>> {
  const groups = new Map<string, { master?: string; slaves: string[] }>();
  for (const b of await admin.clusterBrokers(cluster)) {
    const g = groups.get(b.brokerName) ?? { slaves: [] };
    if (b.brokerId === 0) g.master = b.addr;
    else g.slaves.push(b.addr);
    groups.set(b.brokerName, g);
  }
  return [...groups.values()].filter((g): g is { master: string; slaves: string[] } => g.master !== undefined);
}

/** Brokers a cleanExpiredCQ / cleanUnusedTopic goes to: one, a cluster's, or every cluster's (masters and slaves). */
async function cleanTargets(admin: Admin, o: Record<string, unknown>): Promise<string[]> {
  const addr = opt(o, 'brokerAddr');
  if (addr) return [addr];
  const cluster = opt(o, 'cluster');
  const clusters = cluster ? [cluster] : [...(await admin.clusterInfo()).clusterAddrTable.keys()];
  const addrs: string[] = [];
  for (const c of clusters) addrs.push(...(await admin.clusterBrokers(c)).map((b) => b.addr));
  return addrs;
}

/** Java prints "success" or "false" with no line end; ours ends the line. */
async function runClean(admin: Admin, o: Record<string, unknown>, clean: (addr: string) => Promise<boolean>): Promise<void> {
  let ok = true;
  for (const addr of await cleanTargets(admin, o)) ok = (await clean(addr)) && ok;
  out(ok ? 'success' : 'false');
  if (!ok) process.exitCode = 1;
}

function writePermCommand(writable: boolean): Command {
  const verb = writable ? 'add' : 'wipe';
  return {
    desc: writable ? 'Add write perm of broker in all name server' : 'Wipe write perm of broker in all name server',
    options: { brokerName: { type: 'string', short: 'b', desc: 'broker name', required: true } },
    async run(admin, o) {
      const brokerName = need(o, 'brokerName', 'b');
      for (const r of await admin.writePermOnEachNamesrv(brokerName, writable)) {
        if (r.error) {
          out(`${verb} write perm of broker[${brokerName}] in name server[${r.namesrv}] Failed`);
          process.stderr.write(`mqadmin: ${r.namesrv}: ${r.error.message.split('\n')[0]}\n`);
          process.exitCode = 1;
        } else {
          out(`${verb} write perm of broker[${brokerName}] in name server[${r.namesrv}] OK, ${r.topicCount}`);
        }
      }
    },
  };
}

export const BROKER_COMMANDS: Record<string, Command> = {
  clusterList: {
    desc: 'List all of clusters',
    options: {
      moreStats: { type: 'boolean', short: 'm', desc: 'Print more stats' },
      interval: { type: 'string', short: 'i', desc: 'specify intervals numbers, it is in seconds' },
    },
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
    desc: 'Fetch broker runtime status data',
    options: {
      brokerAddr: { type: 'string', short: 'b', desc: 'Broker address' },
      clusterName: { type: 'string', short: 'c', desc: 'which cluster' },
    },
    oneOf: ['brokerAddr', 'clusterName'],
    async run(admin, o) {
      const addr = opt(o, 'brokerAddr');
      const sorted = (rt: Record<string, string>): string[] => Object.keys(rt).sort();
      if (addr) {
        const rt = await admin.brokerRuntimeInfo(addr);
        for (const k of sorted(rt)) out(`${pad(k, 32)}: ${rt[k]}`);
        return;
      }
      // -c: every broker of the cluster, each line prefixed with its address; one that fails is reported and skipped.
      for (const b of await admin.clusterBrokers(need(o, 'clusterName', 'c'))) {
        try {
          const rt = await admin.brokerRuntimeInfo(b.addr);
          for (const k of sorted(rt)) out(`${pad(b.addr, 24)} ${pad(k, 32)}: ${rt[k]}`);
        } catch (err) {
          process.stderr.write(`mqadmin: broker ${b.addr}: ${(err as Error).message.split('\n')[0]}\n`);
          process.exitCode = 1;
        }
      }
    },
  },
  wipeWritePerm: writePermCommand(false),
  addWritePerm: writePermCommand(true),
  getBrokerConfig: {
    desc: 'Get broker config by cluster or special broker!',
    options: {
      brokerAddr: { type: 'string', short: 'b', desc: 'get which broker' },
      clusterName: { type: 'string', short: 'c', desc: 'get which cluster' },
    },
    oneOf: ['brokerAddr', 'clusterName'],
    async run(admin, o) {
      const print = async (header: string, addr: string): Promise<void> => {
        const config = await admin.brokerConfig(addr);
        out(header);
        for (const [k, v] of config) out(`${pad(k, 50)}=  ${v}`);
        out('');
      };
      const addr = opt(o, 'brokerAddr');
      if (addr) return print(`============${addr}============`, addr);
      for (const { master, slaves } of await mastersWithSlaves(admin, need(o, 'clusterName', 'c'))) {
        await print(`============Master: ${master}============`, master);
        for (const slave of slaves) await print(`============My Master: ${master}=====Slave: ${slave}============`, slave);
      }
    },
  },
  updateBrokerConfig: {
    desc: "Update broker's config",
    options: {
      brokerAddr: { type: 'string', short: 'b', desc: 'update which broker' },
      clusterName: { type: 'string', short: 'c', desc: 'update which cluster' },
      key: { type: 'string', short: 'k', desc: 'config key', required: true },
      value: { type: 'string', short: 'v', desc: 'config value', required: true },
    },
    oneOf: ['brokerAddr', 'clusterName'],
    async run(admin, o) {
      const props = { [need(o, 'key', 'k')]: need(o, 'value', 'v') };
      const addr = opt(o, 'brokerAddr');
      if (addr) {
        await admin.updateBrokerConfig(addr, props);
        out(`update broker config success, ${addr}`);
        return;
      }
      // -c: every master; one that refuses is reported and the rest still updated, as Apache does.
      for (const master of await admin.masterAddrs(need(o, 'clusterName', 'c'))) {
        try {
          await admin.updateBrokerConfig(master, props);
          out(`update broker config success, ${master}`);
        } catch (err) {
          process.stderr.write(`mqadmin: update broker config of ${master} failed: ${(err as Error).message.split('\n')[0]}\n`);
          process.exitCode = 1;
        }
      }
    },
  },
  cleanExpiredCQ: {
    desc: 'Clean expired ConsumeQueue on broker.',
    options: {
      brokerAddr: { type: 'string', short: 'b', desc: 'Broker address' },
      cluster: { type: 'string', short: 'c', desc: 'clustername' },
    },
    run: (admin, o) => runClean(admin, o, (addr) => admin.cleanExpiredConsumeQueue(addr)),
  },
  cleanUnusedTopic: {
    desc: 'Clean unused topic on broker.',
    options: {
      brokerAddr: { type: 'string', short: 'b', desc: 'Broker address' },
      cluster: { type: 'string', short: 'c', desc: 'cluster name' },
    },
    run: (admin, o) => runClean(admin, o, (addr) => admin.cleanUnusedTopic(addr)),
  },
};
