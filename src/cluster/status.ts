/**
 * `apogee cluster status`: the cluster as the NameServers and brokers report it now, through the
 * same requests Java's tools use (GET_BROKER_CLUSTER_INFO, GET_BROKER_RUNTIME_INFO, GET_CONSUME_STATS,
 * VIEW_MESSAGE_BY_ID), joined with the topology so a node that is down still has its row.
 */
import { Admin } from '../client/admin.js';
import { isSystemGroup } from '../protocol/system-topics.js';
import { encodeOffsetMsgId } from '../codec/message-id.js';
import { parseHostAddress } from '../codec/host-address.js';
import type { ClusterState } from './layout.js';
import { running } from './control.js';
import type { NodeSpec } from './topology.js';

export interface NodeStatus {
  name: string;
  kind: 'namesrv' | 'broker';
  role: string;
  group: string;
  brokerId: number;
  addr: string;
  /** Our process for this node is alive (false for nodes this cluster did not start). */
  process: boolean;
  state: 'serving' | 'draining' | 'down';
  version?: string;
  /** NameServers this broker is registered with, of the topology's. */
  registeredOn?: number;
  inTps?: number;
  outTps?: number;
  commitLogMaxOffset?: number;
  /** A slave's distance from its master: bytes, and the age of the oldest message it lacks. */
  lagBytes?: number;
  lagSeconds?: number;
}

export interface GroupStatus {
  group: string;
  /** Messages not yet consumed, over every queue the group has offsets for. */
  diff: number;
}

export interface ClusterStatus {
  cluster: string;
  data: string;
  mode: string;
  at: string;
  nodes: NodeStatus[];
  groups: GroupStatus[];
}

const firstNumber = (s: string | undefined): number | undefined => {
  const n = Number.parseFloat(s ?? '');
  return Number.isFinite(n) ? n : undefined;
};

export async function clusterStatus(state: ClusterState, timeoutMs = 3000): Promise<ClusterStatus> {
  const t = state.topology;
  const namesrvs = t.nodes.filter((n) => n.kind === 'namesrv');
  const brokers = t.nodes.filter((n) => n.kind === 'broker');
  const nsAdmins = namesrvs.map((ns) => new Admin({ namesrvAddr: `${ns.host}:${ns.port}`, adminTimeoutMs: timeoutMs }));
  const nodes: NodeStatus[] = [];
  try {
    for (const a of nsAdmins) await a.start();
    const infos = await Promise.all(nsAdmins.map((a) => a.clusterInfo().catch(() => undefined)));
    namesrvs.forEach((ns, i) => {
      nodes.push({ name: ns.name, kind: 'namesrv', role: 'NAMESRV', group: '', brokerId: -1, addr: `${ns.host}:${ns.port}`, process: running(state, ns), state: infos[i] ? 'serving' : 'down' });
    });
    const reachable = nsAdmins.find((_, i) => infos[i] !== undefined) ?? nsAdmins[0]!;
    const runtime = new Map<string, Record<string, string> | undefined>();
    await Promise.all(brokers.map(async (b) => runtime.set(b.name, await reachable.brokerRuntimeInfo(addrOf(b)).catch(() => undefined))));
    for (const b of brokers) {
      const info = runtime.get(b.name);
      const registeredOn = infos.filter((ci) => ci?.brokerAddrTable.get(b.group)?.brokerAddrs.get(b.brokerId) === addrOf(b)).length;
      const row: NodeStatus = {
        name: b.name,
        kind: 'broker',
        role: b.role,
        group: b.group,
        brokerId: b.brokerId,
        addr: addrOf(b),
        process: running(state, b),
        state: info === undefined ? 'down' : info.apogeeState === 'draining' ? 'draining' : 'serving',
        registeredOn,
      };
      if (info) {
        row.version = info.brokerVersionDesc;
        row.inTps = firstNumber(info.putTps);
        row.outTps = firstNumber(info.getTransferedTps);
        row.commitLogMaxOffset = firstNumber(info.commitLogMaxOffset);
      }
      nodes.push(row);
    }
    // Replication lag of each slave against its group's master.
    for (const row of nodes) {
      if (row.kind !== 'broker' || row.brokerId === 0 || row.commitLogMaxOffset === undefined) continue;
      const master = nodes.find((n) => n.kind === 'broker' && n.group === row.group && n.brokerId === 0);
      if (master?.commitLogMaxOffset === undefined) continue;
      row.lagBytes = Math.max(0, master.commitLogMaxOffset - row.commitLogMaxOffset);
      row.lagSeconds = row.lagBytes === 0 ? 0 : await oldestMissingAge(reachable, master.addr, row.commitLogMaxOffset);
    }
    const groups = await groupLags(reachable, nodes);
    return { cluster: t.cluster, data: state.data, mode: state.mode, at: new Date().toISOString(), nodes, groups };
  } finally {
    await Promise.all(nsAdmins.map((a) => a.shutdown()));
  }
}

const addrOf = (n: NodeSpec): string => `${n.host}:${n.port}`;

/** Seconds since the master stored the first message its slave has not got (by its offset message id). */
async function oldestMissingAge(admin: Admin, masterAddr: string, slaveOffset: number): Promise<number | undefined> {
  try {
    const msg = await admin.viewMessage(encodeOffsetMsgId(parseHostAddress(masterAddr), slaveOffset));
    return Math.max(0, (Date.now() - msg.storeTimestamp) / 1000);
  } catch {
    return undefined;
  }
}

/** Lag per consumer group known to any serving master (system groups left out). */
async function groupLags(admin: Admin, nodes: NodeStatus[]): Promise<GroupStatus[]> {
  const names = new Set<string>();
  for (const n of nodes) {
    if (n.kind !== 'broker' || n.state === 'down') continue;
    const groups = await admin.subscriptionGroups(n.addr).catch(() => undefined);
    for (const g of groups?.keys() ?? []) if (!isSystemGroup(g)) names.add(g);
  }
  const out: GroupStatus[] = [];
  for (const group of [...names].sort()) {
    const stats = await admin.consumeStats(group).catch(() => undefined);
    if (stats && stats.offsetTable.length > 0) out.push({ group, diff: stats.diffTotal });
  }
  return out;
}

/** The status as an operator reads it. */
export function formatStatus(s: ClusterStatus): string {
  const lines: string[] = [];
  lines.push(`Cluster ${s.cluster}  (${s.mode}, data ${s.data}, at ${s.at})`);
  const cols = ['#Node', '#Role', '#Addr', '#State', '#Version', '#InTPS', '#OutTPS', '#MaxOffset', '#SlaveLag', '#Registered'];
  const rows = s.nodes.map((n) => [
    n.name,
    n.role,
    n.addr,
    n.state === 'down' && n.process ? 'down (process up)' : n.state,
    n.version ?? '-',
    n.inTps === undefined ? '-' : n.inTps.toFixed(1),
    n.outTps === undefined ? '-' : n.outTps.toFixed(1),
    n.commitLogMaxOffset === undefined ? '-' : String(n.commitLogMaxOffset),
    n.lagBytes === undefined ? '-' : `${n.lagBytes} B / ${n.lagSeconds === undefined ? '?' : n.lagSeconds.toFixed(1)} s`,
    n.registeredOn === undefined ? '-' : `${n.registeredOn}/${s.nodes.filter((x) => x.kind === 'namesrv').length}`,
  ]);
  lines.push(...table([cols, ...rows]));
  if (s.groups.length) {
    lines.push('');
    lines.push(...table([['#Consumer Group', '#Diff Total'], ...s.groups.map((g) => [g.group, String(g.diff)])]));
  }
  return lines.join('\n') + '\n';
}

function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)) + 2);
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('').trimEnd());
}
