/**
 * What the orchestrator knows of a cluster, learned only through RocketMQ's own requests (so Java
 * nodes can be rolled too): the NameServers' cluster tables, each broker's runtime info and config.
 */
import { Admin } from '../client/admin.js';
import { groupWritableIn, type ClusterInfo } from '../protocol/route.js';

export interface BrokerRef {
  cluster: string;
  group: string;
  brokerId: number;
  addr: string;
}

export interface ClusterView {
  namesrvs: string[];
  brokers: BrokerRef[];
}

export const brokerLabel = (b: BrokerRef): string => (b.brokerId === 0 ? `${b.group} master` : `${b.group} slave ${b.brokerId}`);

export class Probe {
  private readonly perNamesrv: Map<string, Admin>;
  private readonly any: Admin;

  constructor(readonly namesrvs: string[], timeoutMs = 3000) {
    this.perNamesrv = new Map(namesrvs.map((ns) => [ns, new Admin({ namesrvAddr: ns, adminTimeoutMs: timeoutMs })]));
    this.any = new Admin({ namesrvAddr: namesrvs.join(';'), adminTimeoutMs: timeoutMs });
  }

  async start(): Promise<void> {
    for (const a of [...this.perNamesrv.values(), this.any]) await a.start();
  }

  async close(): Promise<void> {
    await Promise.all([...this.perNamesrv.values(), this.any].map((a) => a.shutdown()));
  }

  async clusterInfo(namesrv: string): Promise<ClusterInfo | undefined> {
    return this.perNamesrv.get(namesrv)!.clusterInfo().catch(() => undefined);
  }

  /** Every broker any NameServer knows, masters before slaves within a group. */
  async discover(): Promise<ClusterView> {
    const seen = new Map<string, BrokerRef>();
    for (const ns of this.namesrvs) {
      const info = await this.clusterInfo(ns);
      if (!info) continue;
      for (const [cluster, groups] of info.clusterAddrTable) {
        for (const group of groups) {
          for (const [brokerId, addr] of info.brokerAddrTable.get(group)?.brokerAddrs ?? []) seen.set(`${group}/${brokerId}`, { cluster, group, brokerId, addr });
        }
      }
    }
    const brokers = [...seen.values()].sort((a, b) => (a.group === b.group ? a.brokerId - b.brokerId : a.group < b.group ? -1 : 1));
    return { namesrvs: this.namesrvs, brokers };
  }

  /** NameServers whose table has this broker at this address. */
  async registeredOn(b: BrokerRef): Promise<string[]> {
    const out: string[] = [];
    for (const ns of this.namesrvs) if ((await this.clusterInfo(ns))?.brokerAddrTable.get(b.group)?.brokerAddrs.get(b.brokerId) === b.addr) out.push(ns);
    return out;
  }

  /** NameServers whose route of the group's own topic lets clients write to the group. */
  async writableOn(b: BrokerRef): Promise<string[]> {
    const out: string[] = [];
    for (const [ns, admin] of this.perNamesrv) {
      const route = await admin.topicRoute(b.group).catch(() => undefined);
      if (route && groupWritableIn(route, b.group)) out.push(ns);
    }
    return out;
  }

  async runtime(addr: string): Promise<Record<string, string> | undefined> {
    return this.any.brokerRuntimeInfo(addr).catch(() => undefined);
  }

  async config(addr: string): Promise<Map<string, string> | undefined> {
    return this.any.brokerConfig(addr).catch(() => undefined);
  }

  async updateConfig(addr: string, props: Record<string, string>): Promise<void> {
    await this.any.updateBrokerConfig(addr, props);
  }
}

export const num = (s: string | undefined): number | undefined => {
  const n = Number.parseFloat(s ?? '');
  return Number.isFinite(n) ? n : undefined;
};
