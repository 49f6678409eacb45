/**
 * The NameServer's whole state: which brokers are alive, their addresses, clusters and the queues
 * each master serves per topic. Every lookup reads these tables; nothing is cached twice.
 */
import type { Connection } from '../transport/connection.js';
import { PERM_WRITE, TOPIC_FLAG_UNIT, TOPIC_FLAG_UNIT_SUB } from '../protocol/perm.js';
import { dataVersionEquals } from '../protocol/data-version.js';
import {
  type BrokerData,
  type ClusterInfo,
  type DataVersion,
  type QueueData,
  type RegisterBrokerBody,
  type TopicRouteData,
} from '../protocol/route.js';

export interface BrokerLive {
  brokerAddr: string;
  brokerName: string;
  brokerId: number;
  clusterName: string;
  haServerAddr: string;
  lastUpdate: number;
  dataVersion: DataVersion;
  conn?: Connection;
  /** The MQVersion the broker announced, kept for operators (cluster views, upgrade checks). */
  version: number;
}

export interface Registration {
  clusterName: string;
  brokerAddr: string;
  brokerName: string;
  brokerId: number;
  haServerAddr: string;
  body: RegisterBrokerBody;
  version: number;
  conn?: Connection;
}

export interface RegisterResult {
  masterAddr?: string;
  haServerAddr?: string;
}

export class RouteInfo {
  /** topic → brokerName → queue data */
  private readonly topicQueues = new Map<string, Map<string, QueueData>>();
  /** brokerName → broker data (cluster, id → address) */
  private readonly brokers = new Map<string, BrokerData>();
  /** cluster → broker names */
  private readonly clusters = new Map<string, Set<string>>();
  /** brokerAddr → liveness */
  private readonly live = new Map<string, BrokerLive>();
  private readonly filterServers = new Map<string, string[]>();
  /** Bumped by every change that can alter a route, so encoded replies can be reused until then. */
  version = 0;

  constructor(private readonly now: () => number = Date.now) {}

  register(r: Registration): RegisterResult {
    this.version++;
    let names = this.clusters.get(r.clusterName);
    if (!names) this.clusters.set(r.clusterName, (names = new Set()));
    names.add(r.brokerName);

    let bd = this.brokers.get(r.brokerName);
    let first = false;
    if (!bd) {
      bd = { cluster: r.clusterName, brokerName: r.brokerName, brokerAddrs: new Map() };
      this.brokers.set(r.brokerName, bd);
      first = true;
    }
    bd.cluster = r.clusterName;
    // A broker that switched role keeps its address under a new id: forget the old id.
    for (const [id, addr] of bd.brokerAddrs) if (addr === r.brokerAddr && id !== r.brokerId) bd.brokerAddrs.delete(id);
    const previous = bd.brokerAddrs.get(r.brokerId);
    bd.brokerAddrs.set(r.brokerId, r.brokerAddr);
    if (previous !== undefined && previous !== r.brokerAddr) this.live.delete(previous);
    first ||= previous === undefined;

    const old = this.live.get(r.brokerAddr);
    if (r.brokerId === 0 && (first || !dataVersionEquals(old?.dataVersion, r.body.dataVersion))) {
      for (const tc of r.body.topicConfigTable.values()) {
        this.upsertQueueData(tc.topicName, {
          brokerName: r.brokerName,
          readQueueNums: tc.readQueueNums,
          writeQueueNums: tc.writeQueueNums,
          perm: tc.perm,
          topicSysFlag: tc.topicSysFlag,
        });
      }
    }
    this.live.set(r.brokerAddr, {
      brokerAddr: r.brokerAddr,
      brokerName: r.brokerName,
      brokerId: r.brokerId,
      clusterName: r.clusterName,
      haServerAddr: r.haServerAddr,
      lastUpdate: this.now(),
      dataVersion: r.body.dataVersion,
      conn: r.conn,
      version: r.version,
    });
    if (r.body.filterServerList.length > 0) this.filterServers.set(r.brokerAddr, r.body.filterServerList);
    else this.filterServers.delete(r.brokerAddr);

    if (r.brokerId === 0) return {};
    const masterAddr = bd.brokerAddrs.get(0);
    const master = masterAddr === undefined ? undefined : this.live.get(masterAddr);
    return master ? { masterAddr, haServerAddr: master.haServerAddr } : {};
  }

  private upsertQueueData(topic: string, qd: QueueData): void {
    let byBroker = this.topicQueues.get(topic);
    if (!byBroker) this.topicQueues.set(topic, (byBroker = new Map()));
    byBroker.set(qd.brokerName, qd);
  }

  unregister(clusterName: string, brokerAddr: string, brokerName: string, brokerId: number): void {
    this.version++;
    this.live.delete(brokerAddr);
    this.filterServers.delete(brokerAddr);
    const bd = this.brokers.get(brokerName);
    let brokerGone = false;
    if (bd && bd.brokerAddrs.get(brokerId) === brokerAddr) {
      bd.brokerAddrs.delete(brokerId);
      if (bd.brokerAddrs.size === 0) {
        this.brokers.delete(brokerName);
        brokerGone = true;
      }
    }
    if (brokerGone) {
      const names = this.clusters.get(clusterName);
      names?.delete(brokerName);
      if (names && names.size === 0) this.clusters.delete(clusterName);
      this.removeTopicsOf(brokerName);
    }
  }

  private removeTopicsOf(brokerName: string): void {
    for (const [topic, byBroker] of this.topicQueues) {
      byBroker.delete(brokerName);
      if (byBroker.size === 0) this.topicQueues.delete(topic);
    }
  }

  /** Removes brokers whose connection closed. Returns the addresses removed. */
  onConnectionClosed(conn: Connection): string[] {
    const gone = [...this.live.values()].filter((b) => b.conn === conn);
    for (const b of gone) this.unregister(b.clusterName, b.brokerAddr, b.brokerName, b.brokerId);
    return gone.map((b) => b.brokerAddr);
  }

  /** Removes brokers not heard from within `expiryMs`. Returns the addresses removed. */
  expire(expiryMs: number): string[] {
    const deadline = this.now() - expiryMs;
    const gone = [...this.live.values()].filter((b) => b.lastUpdate < deadline);
    for (const b of gone) {
      b.conn?.close('broker expired');
      this.unregister(b.clusterName, b.brokerAddr, b.brokerName, b.brokerId);
    }
    return gone.map((b) => b.brokerAddr);
  }

  /** QUERY_DATA_VERSION: whether the broker's topic config differs; refreshes liveness when not. */
  queryDataVersion(brokerAddr: string, dv: DataVersion): { changed: boolean; stored?: DataVersion } {
    const b = this.live.get(brokerAddr);
    const changed = !dataVersionEquals(b?.dataVersion, dv);
    if (b && !changed) b.lastUpdate = this.now();
    return { changed, stored: b?.dataVersion };
  }

  /**
   * The route of a topic. It shares the live tables' objects (routes are looked up far more often
   * than brokers change): callers encode it at once and must not keep or modify it.
   */
  route(topic: string, orderTopicConf?: string): Readonly<TopicRouteData> | undefined {
    const byBroker = this.topicQueues.get(topic);
    if (!byBroker || byBroker.size === 0) return undefined;
    const brokerDatas: BrokerData[] = [];
    const filterServerTable = new Map<string, string[]>();
    for (const name of byBroker.keys()) {
      const bd = this.brokers.get(name);
      if (!bd) continue;
      brokerDatas.push(bd);
      if (this.filterServers.size === 0) continue;
      for (const addr of bd.brokerAddrs.values()) {
        const f = this.filterServers.get(addr);
        if (f) filterServerTable.set(addr, f);
      }
    }
    if (brokerDatas.length === 0) return undefined;
    return { orderTopicConf, queueDatas: [...byBroker.values()], brokerDatas, filterServerTable };
  }

  clusterInfo(): ClusterInfo {
    const brokerAddrTable = new Map<string, BrokerData>();
    for (const [name, bd] of this.brokers) brokerAddrTable.set(name, { ...bd, brokerAddrs: new Map(bd.brokerAddrs) });
    const clusterAddrTable = new Map<string, string[]>();
    for (const [c, names] of this.clusters) clusterAddrTable.set(c, [...names]);
    return { brokerAddrTable, clusterAddrTable };
  }

  allTopics(): string[] {
    return [...this.topicQueues.keys()];
  }

  topicsOfCluster(cluster: string): string[] {
    const names = this.clusters.get(cluster);
    if (!names) return [];
    return [...this.topicQueues].filter(([, byBroker]) => [...byBroker.keys()].some((n) => names.has(n))).map(([t]) => t);
  }

  /** Cluster and broker names (they exist as topics too) plus one broker address to ask. */
  systemTopics(): { topics: string[]; brokerAddr?: string } {
    const topics: string[] = [];
    let brokerAddr: string | undefined;
    for (const [cluster, names] of this.clusters) {
      topics.push(cluster);
      for (const name of names) {
        topics.push(name);
        const bd = this.brokers.get(name);
        brokerAddr ??= bd?.brokerAddrs.get(0) ?? bd?.brokerAddrs.values().next().value;
      }
    }
    return { topics, brokerAddr };
  }

  /** Topics by unit flags: 'unit' has UNIT, 'unitSub' has UNIT_SUB, 'unitSubNotUnit' UNIT_SUB without UNIT. */
  unitTopics(kind: 'unit' | 'unitSub' | 'unitSubNotUnit'): string[] {
    const match = (f: number): boolean =>
      kind === 'unit'
        ? (f & TOPIC_FLAG_UNIT) !== 0
        : kind === 'unitSub'
          ? (f & TOPIC_FLAG_UNIT_SUB) !== 0
          : (f & TOPIC_FLAG_UNIT) === 0 && (f & TOPIC_FLAG_UNIT_SUB) !== 0;
    return [...this.topicQueues]
      .filter(([, byBroker]) => [...byBroker.values()].some((q) => match(q.topicSysFlag)))
      .map(([t]) => t);
  }

  /** Sets or clears the write permission of every queue the broker serves; returns the count touched. */
  setWritePerm(brokerName: string, writable: boolean): number {
    this.version++;
    let count = 0;
    for (const byBroker of this.topicQueues.values()) {
      const qd = byBroker.get(brokerName);
      if (!qd) continue;
      qd.perm = writable ? qd.perm | PERM_WRITE : qd.perm & ~PERM_WRITE;
      count++;
    }
    return count;
  }

  deleteTopic(topic: string, clusterName?: string): void {
    this.version++;
    if (!clusterName) {
      this.topicQueues.delete(topic);
      return;
    }
    const byBroker = this.topicQueues.get(topic);
    const names = this.clusters.get(clusterName);
    if (!byBroker || !names) return;
    for (const n of names) byBroker.delete(n);
    if (byBroker.size === 0) this.topicQueues.delete(topic);
  }

  liveBrokers(): BrokerLive[] {
    return [...this.live.values()];
  }
}
