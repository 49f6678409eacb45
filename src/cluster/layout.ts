/**
 * Where a local cluster keeps its files, all under one data directory an operator can read:
 *
 *   <data>/cluster.json            the resolved topology and the mode (written at `up`, never rewritten per node)
 *   <data>/<node>/<node>.properties the node's RocketMQ property file (what `mqbroker -c` reads)
 *   <data>/<node>/<node>.log        its stdout and stderr
 *   <data>/<node>/<node>.pid        its pid while it runs: the only record of it, written by whoever started
 *                                   the node and removed by whoever stopped it
 *   <data>/<node>/store/            a broker's store (rocketmqHome is <data>/<node>)
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { formatProperties } from '../common/properties.js';
import { namesrvAddrs, type NodeSpec, type Topology } from './topology.js';
import type { HostNet } from './hosts.js';

export type ClusterMode = 'loopback' | 'hosts';

export interface ClusterState {
  format: 1;
  data: string;
  mode: ClusterMode;
  topology: Topology;
  /**
   * Pids of the nodes as last started (a node that was stopped has none), read from the per-node pid
   * files, never stored in cluster.json: `apogee cluster kill` and `apogee upgrade` may act on different
   * nodes at the same moment, and one shared file rewritten whole by each lost the other's pid.
   */
  pids: Record<string, number>;
  /** With --hosts: the private network the nodes' namespaces sit on. */
  net?: HostNet;
}

export function nodeDir(data: string, node: NodeSpec): string {
  return join(data, node.name);
}

export function nodeFiles(data: string, node: NodeSpec): { dir: string; properties: string; log: string; pid: string } {
  const dir = nodeDir(data, node);
  return { dir, properties: join(dir, `${node.name}.properties`), log: join(dir, `${node.name}.log`), pid: join(dir, `${node.name}.pid`) };
}

export function statePath(data: string): string {
  return join(resolve(data), 'cluster.json');
}

export function readState(data: string): ClusterState | undefined {
  const path = statePath(data);
  if (!existsSync(path)) return undefined;
  let state: ClusterState;
  try {
    state = JSON.parse(readFileSync(path, 'utf8')) as ClusterState;
  } catch (err) {
    throw new Error(`${path} is not a cluster state file (${(err as Error).message}); remove it or use another --data`);
  }
  if (state.format !== 1 || !state.topology?.nodes) throw new Error(`${path} is not a cluster state file this release understands`);
  return { ...state, pids: readPids(state.data, state.topology) };
}

/** The pid each node's pid file names (a node without one, or with an unreadable one, has none). */
function readPids(data: string, topology: Topology): Record<string, number> {
  const pids: Record<string, number> = {};
  for (const node of topology.nodes) {
    let text: string;
    try {
      text = readFileSync(nodeFiles(data, node).pid, 'utf8');
    } catch {
      continue;
    }
    const pid = Number(text.trim());
    if (Number.isInteger(pid) && pid > 0) pids[node.name] = pid;
  }
  return pids;
}

/** Writes the cluster's shape; the pids stay in their per-node files. */
export function writeState(state: ClusterState): void {
  const path = statePath(state.data);
  const { pids: _pids, ...shape } = state;
  writeFileSync(`${path}.tmp`, JSON.stringify(shape, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
}

/** The node's full property set: the topology's identity and addresses first, then its own properties. */
export function nodeProperties(data: string, topology: Topology, node: NodeSpec): Array<[string, string]> {
  const dir = nodeDir(data, node);
  const own: Record<string, string> = { ...node.properties };
  if (node.kind === 'namesrv') {
    return Object.entries({ listenPort: String(node.port), bindAddress: node.host, rocketmqHome: dir, ...own });
  }
  return Object.entries({
    brokerClusterName: topology.cluster,
    brokerName: node.group,
    brokerId: String(node.brokerId),
    brokerRole: node.role,
    flushDiskType: 'ASYNC_FLUSH',
    namesrvAddr: namesrvAddrs(topology),
    brokerIP1: node.host,
    bindAddress: node.host,
    listenPort: String(node.port),
    rocketmqHome: dir,
    storePathRootDir: join(dir, 'store'),
    ...own,
  });
}

/** Writes every node's directory and property file; existing stores are kept. */
export function writeNodeFiles(data: string, topology: Topology): void {
  for (const node of topology.nodes) {
    const files = nodeFiles(data, node);
    mkdirSync(files.dir, { recursive: true });
    const header = `# ${node.name}: ${node.kind === 'namesrv' ? 'NameServer' : `${node.role} of ${node.group}`} in cluster ${topology.cluster} (written by apogee cluster up)\n`;
    writeFileSync(files.properties, header + formatProperties(nodeProperties(data, topology, node)));
  }
}
