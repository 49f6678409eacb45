/**
 * The cluster as the console shows it: every NameServer (asked on its own, so one that is down has
 * its row) and every broker any NameServer lists — plus, with `--cluster DIR`, the brokers of that
 * local cluster's topology, so a broker that is down and already dropped from the routes still shows.
 * Per broker: role, version, state, TPS, commit-log max offset, disk ratio, and for a slave its lag
 * behind its master in bytes and in seconds.
 */
import { Admin } from '../client/admin.js';
import { encodeOffsetMsgId } from '../codec/message-id.js';
import { parseHostAddress } from '../codec/host-address.js';
import { errorLine } from './http.js';

export interface NamesrvRow {
  addr: string;
  state: 'serving' | 'down';
  /** Why it counts as down. */
  error?: string;
}

export interface BrokerRow {
  cluster: string;
  brokerName: string;
  brokerId: number;
  addr: string;
  role: string;
  state: 'serving' | 'draining' | 'down';
  error?: string;
  version?: string;
  inTps?: number;
  outTps?: number;
  commitLogMaxOffset?: number;
  /** Share of the commit log's disk in use, 0..1. */
  diskRatio?: number;
  lagBytes?: number;
  lagSeconds?: number;
  /** NameServers (of the console's) that list this broker. */
  registeredOn: number;
}

export interface ClusterSnapshot {
  at: number;
  namesrvs: NamesrvRow[];
  brokers: BrokerRow[];
}

/** A broker the console expects even when no NameServer lists it (from a local cluster's topology). */
export interface ExpectedBroker {
  cluster: string;
  brokerName: string;
  brokerId: number;
  addr: string;
}

const firstNumber = (s: string | undefined): number | undefined => {
  const n = Number.parseFloat(s ?? '');
  return Number.isFinite(n) ? n : undefined;
};

export class ClusterView {
  /** One admin per NameServer, to tell which of them answer. */
  private readonly perNamesrv: Array<{ addr: string; admin: Admin }>;
  /** A broker's configured role (ASYNC_MASTER, SYNC_MASTER, SLAVE) never changes while it runs. */
  private readonly roles = new Map<string, string>();

  constructor(
    private readonly admin: Admin,
    namesrvAddrs: string[],
    private readonly expected: () => ExpectedBroker[],
    timeoutMs: number,
  ) {
    this.perNamesrv = namesrvAddrs.map((addr) => ({ addr, admin: new Admin({ namesrvAddr: addr, adminTimeoutMs: timeoutMs }) }));
  }

  async start(): Promise<void> {
    for (const n of this.perNamesrv) await n.admin.start();
  }

  async shutdown(): Promise<void> {
    await Promise.all(this.perNamesrv.map((n) => n.admin.shutdown()));
  }

  async snapshot(): Promise<ClusterSnapshot> {
    const infos = await Promise.all(
      this.perNamesrv.map(async (n) => {
        try {
          return { info: await n.admin.clusterInfo() };
        } catch (err) {
          return { error: errorLine(err) };
        }
      }),
    );
    const namesrvs: NamesrvRow[] = this.perNamesrv.map((n, i) => {
      const r = infos[i]!;
      return r.info ? { addr: n.addr, state: 'serving' } : { addr: n.addr, state: 'down', error: r.error };
    });
    const brokers = new Map<string, BrokerRow>();
    const add = (b: ExpectedBroker): void => {
      if (!brokers.has(b.addr)) brokers.set(b.addr, { ...b, role: b.brokerId === 0 ? 'MASTER' : 'SLAVE', state: 'down', registeredOn: 0 });
    };
    for (const r of infos) {
      if (!r.info) continue;
      for (const [cluster, names] of r.info.clusterAddrTable) {
        for (const brokerName of names) {
          for (const [brokerId, addr] of r.info.brokerAddrTable.get(brokerName)?.brokerAddrs ?? []) add({ cluster, brokerName, brokerId, addr });
        }
      }
      for (const [brokerName, bd] of r.info.brokerAddrTable) {
        for (const [brokerId, addr] of bd.brokerAddrs) add({ cluster: bd.cluster ?? '', brokerName, brokerId, addr });
      }
    }
    for (const b of this.expected()) add(b);
    for (const row of brokers.values()) {
      row.registeredOn = infos.filter((r) => r.info?.brokerAddrTable.get(row.brokerName)?.brokerAddrs.get(row.brokerId) === row.addr).length;
    }
    await Promise.all([...brokers.values()].map((row) => this.fillRuntime(row)));
    for (const row of brokers.values()) {
      if (row.brokerId === 0 || row.commitLogMaxOffset === undefined) continue;
      const master = [...brokers.values()].find((m) => m.brokerName === row.brokerName && m.brokerId === 0);
      if (master?.commitLogMaxOffset === undefined) continue;
      row.lagBytes = Math.max(0, master.commitLogMaxOffset - row.commitLogMaxOffset);
      row.lagSeconds = row.lagBytes === 0 ? 0 : await this.oldestMissingAge(master.addr, row.commitLogMaxOffset);
    }
    const sorted = [...brokers.values()].sort((a, b) => a.cluster.localeCompare(b.cluster) || a.brokerName.localeCompare(b.brokerName) || a.brokerId - b.brokerId);
    return { at: Date.now(), namesrvs, brokers: sorted };
  }

  private async fillRuntime(row: BrokerRow): Promise<void> {
    let info: Record<string, string>;
    try {
      info = await this.admin.brokerRuntimeInfo(row.addr);
    } catch (err) {
      row.error = errorLine(err);
      return;
    }
    row.state = info.apogeeState === 'draining' ? 'draining' : 'serving';
    row.version = info.brokerVersionDesc;
    row.inTps = firstNumber(info.putTps);
    row.outTps = firstNumber(info.getTransferedTps);
    row.commitLogMaxOffset = firstNumber(info.commitLogMaxOffset);
    row.diskRatio = firstNumber(info.commitLogDiskRatio);
    let role = this.roles.get(row.addr);
    if (role === undefined) {
      role = (await this.admin.brokerConfig(row.addr).catch(() => undefined))?.get('brokerRole');
      if (role) this.roles.set(row.addr, role);
    }
    if (role) row.role = role;
  }

  /** Seconds since the master stored the first message its slave lacks (read by its offset message id). */
  private async oldestMissingAge(masterAddr: string, slaveOffset: number): Promise<number | undefined> {
    try {
      const msg = await this.admin.viewMessage(encodeOffsetMsgId(parseHostAddress(masterAddr), slaveOffset));
      return Math.max(0, (Date.now() - msg.storeTimestamp) / 1000);
    } catch {
      return undefined;
    }
  }
}
