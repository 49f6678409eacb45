/**
 * A cluster's shape as an operator writes it: NameServers and broker groups (one master, its
 * slaves), with ports and per-node RocketMQ properties. Written as YAML or JSON; three shapes are
 * built in. Resolving a topology gives every node its name, role, address and property set, so the
 * launcher, `status` and the upgrade all work from the same list.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export type MasterRole = 'ASYNC_MASTER' | 'SYNC_MASTER';

/** The file format (YAML or JSON). Ports are optional: the defaults follow Apache's conf/ examples. */
export interface TopologyFile {
  cluster?: string;
  namesrvs?: number | Array<{ name?: string; port?: number; host?: string; properties?: Record<string, unknown> }>;
  /** Properties every broker gets (before its group's and its own). */
  brokerProperties?: Record<string, unknown>;
  groups?: Array<{
    name: string;
    role?: MasterRole;
    slaves?: number;
    master?: { port?: number; host?: string; properties?: Record<string, unknown> };
    slave?: { port?: number; host?: string; properties?: Record<string, unknown> };
    properties?: Record<string, unknown>;
  }>;
}

export interface NodeSpec {
  /** Unique in the cluster: `ns1`, `broker-a`, `broker-a-s`, `broker-a-s2` … */
  name: string;
  kind: 'namesrv' | 'broker';
  /** NAMESRV for NameServers; the broker's brokerRole otherwise. */
  role: 'NAMESRV' | MasterRole | 'SLAVE';
  /** Broker group (brokerName); empty for NameServers. */
  group: string;
  brokerId: number;
  /** The address the node is reached at (loopback, or its own host's address with --hosts). */
  host: string;
  port: number;
  /** RocketMQ properties written to the node's property file (without paths, which the layout adds). */
  properties: Record<string, string>;
}

export interface Topology {
  /** Where it came from: a built-in name or a file path. */
  source: string;
  cluster: string;
  nodes: NodeSpec[];
}

export const BUILT_IN: Record<string, TopologyFile> = {
  '1ns-1m': { namesrvs: 1, groups: [{ name: 'broker-a', slaves: 0 }] },
  '2ns-2m-2s': { namesrvs: 2, groups: [{ name: 'broker-a' }, { name: 'broker-b' }] },
  '2ns-3m-3s': { namesrvs: 2, groups: [{ name: 'broker-a' }, { name: 'broker-b' }, { name: 'broker-c' }] },
};

export class TopologyError extends Error {
  override name = 'TopologyError';
}

const NAMESRV_PORT = 9876;
/** Apache's conf/2m-2s-*: masters on 10911, 10921 …, their slaves 100 above (VIP at -2, HA at +1). */
const MASTER_PORT = 10911;
const GROUP_STEP = 10;
const SLAVE_STEP = 100;
const GROUP_NAME = /^[A-Za-z0-9_-]{1,127}$/;

/** Reads a built-in name or a YAML/JSON file. */
export function loadTopology(nameOrPath: string, options: { portOffset?: number; host?: string } = {}): Topology {
  const builtIn = BUILT_IN[nameOrPath];
  let file: TopologyFile;
  if (builtIn) file = builtIn;
  else {
    let text: string;
    try {
      text = readFileSync(nameOrPath, 'utf8');
    } catch (err) {
      const known = Object.keys(BUILT_IN).join(', ');
      throw new TopologyError(`topology ${nameOrPath}: not a built-in (${known}) and not a readable file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
    try {
      file = parseYaml(text) as TopologyFile; // YAML is a superset of JSON
    } catch (err) {
      throw new TopologyError(`topology ${nameOrPath}: ${(err as Error).message.split('\n')[0]}`);
    }
    if (file === null || typeof file !== 'object' || Array.isArray(file)) throw new TopologyError(`topology ${nameOrPath}: expected a mapping with namesrvs and groups`);
  }
  return resolveTopology(file, nameOrPath, options);
}

export function resolveTopology(file: TopologyFile, source: string, options: { portOffset?: number; host?: string } = {}): Topology {
  const offset = options.portOffset ?? 0;
  const host = options.host ?? '127.0.0.1';
  const fail = (msg: string): never => {
    throw new TopologyError(`topology ${source}: ${msg}`);
  };
  const cluster = file.cluster ?? 'DefaultCluster';
  if (!GROUP_NAME.test(cluster)) fail(`cluster name "${cluster}" may hold only letters, digits, - and _`);
  const nodes: NodeSpec[] = [];
  const nsList = typeof file.namesrvs === 'number' ? Array.from({ length: file.namesrvs }, () => ({})) : file.namesrvs ?? [{}];
  if (!Array.isArray(nsList) || nsList.length === 0) fail('needs at least one NameServer');
  nsList.forEach((ns: { name?: string; port?: number; host?: string; properties?: Record<string, unknown> }, i) => {
    nodes.push({
      name: ns.name ?? `ns${i + 1}`,
      kind: 'namesrv',
      role: 'NAMESRV',
      group: '',
      brokerId: -1,
      host: ns.host ?? host,
      port: port(ns.port, NAMESRV_PORT + i, offset, fail),
      properties: stringProps(ns.properties, fail),
    });
  });
  const groups = file.groups ?? [];
  if (!Array.isArray(groups) || groups.length === 0) fail('needs at least one broker group');
  const common = stringProps(file.brokerProperties, fail);
  groups.forEach((g, gi) => {
    if (typeof g?.name !== 'string' || !GROUP_NAME.test(g.name)) fail(`group ${gi + 1}: name "${g?.name}" may hold only letters, digits, - and _`);
    const role = g.role ?? 'ASYNC_MASTER';
    if (role !== 'ASYNC_MASTER' && role !== 'SYNC_MASTER') fail(`group ${g.name}: role "${String(role)}" must be ASYNC_MASTER or SYNC_MASTER`);
    const slaves = g.slaves ?? 1;
    if (!Number.isInteger(slaves) || slaves < 0 || slaves > 8) fail(`group ${g.name}: slaves must be an integer 0..8`);
    if (role === 'SYNC_MASTER' && slaves === 0) fail(`group ${g.name}: SYNC_MASTER needs a slave (every send would answer SLAVE_NOT_AVAILABLE)`);
    const groupProps = { ...common, ...stringProps(g.properties, fail) };
    const masterPort = port(g.master?.port, MASTER_PORT + gi * GROUP_STEP, offset, fail);
    nodes.push({
      name: g.name,
      kind: 'broker',
      role,
      group: g.name,
      brokerId: 0,
      host: g.master?.host ?? host,
      port: masterPort,
      properties: { ...groupProps, ...stringProps(g.master?.properties, fail) },
    });
    for (let s = 1; s <= slaves; s++) {
      nodes.push({
        name: slaves === 1 ? `${g.name}-s` : `${g.name}-s${s}`,
        kind: 'broker',
        role: 'SLAVE',
        group: g.name,
        brokerId: s,
        host: g.slave?.host ?? host,
        port: g.slave?.port !== undefined ? port(g.slave.port + (s - 1) * SLAVE_STEP, 0, 0, fail) : port(undefined, MASTER_PORT + gi * GROUP_STEP + s * SLAVE_STEP, offset, fail),
        properties: { ...groupProps, ...stringProps(g.slave?.properties, fail) },
      });
    }
  });
  checkUnique(nodes, fail);
  return { source, cluster, nodes };
}

function port(given: number | undefined, fallback: number, offset: number, fail: (m: string) => never): number {
  const p = given ?? fallback + offset;
  // Brokers also use port-2 (VIP) and port+1 (HA).
  if (!Number.isInteger(p) || p < 3 || p > 65534) fail(`port ${String(given ?? p)} is outside 3..65534`);
  return p;
}

function stringProps(props: Record<string, unknown> | undefined, fail: (m: string) => never): Record<string, string> {
  if (props === undefined || props === null) return {};
  if (typeof props !== 'object' || Array.isArray(props)) fail('properties must be a mapping of RocketMQ property names to values');
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(props)) {
    if (v !== null && typeof v === 'object') fail(`property ${k} must be a plain value`);
    out[k] = String(v);
  }
  return out;
}

/** Every port a node occupies: brokers listen on port, port-2 (VIP) and port+1 (HA). */
export function portsOf(node: NodeSpec): number[] {
  const own = node.kind === 'namesrv' ? [node.port] : [node.port, node.port - 2, node.port + 1];
  const metrics = metricsPortOf(node);
  return metrics === undefined ? own : [...own, metrics];
}

/** The node's metrics and health HTTP port (metricsPromExporterPort, default port + 3); undefined when off. */
export function metricsPortOf(node: NodeSpec): number | undefined {
  if (node.properties.metricsExporterType === 'DISABLE') return undefined;
  const given = node.properties.metricsPromExporterPort;
  const port = given === undefined || given.trim() === '' || Number(given) === -1 ? node.port + 3 : Number(given);
  return Number.isInteger(port) && port > 0 ? port : undefined;
}

function checkUnique(nodes: NodeSpec[], fail: (m: string) => never): void {
  const names = new Set<string>();
  const used = new Map<string, string>();
  for (const n of nodes) {
    if (names.has(n.name)) fail(`two nodes are named ${n.name}`);
    names.add(n.name);
    for (const p of portsOf(n)) {
      const key = `${n.host}:${p}`;
      const other = used.get(key);
      if (other) fail(`${n.name} and ${other} both need ${key}`);
      used.set(key, n.name);
    }
  }
}

export function namesrvAddrs(t: Topology): string {
  return t.nodes.filter((n) => n.kind === 'namesrv').map((n) => `${n.host}:${n.port}`).join(';');
}
