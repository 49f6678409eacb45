/**
 * The operations behind `apogee cluster up | down | start | stop | kill`, on the state file of a data
 * directory. Each operation is bounded and says what it did per node.
 */
import { createServer } from 'node:net';
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { Admin } from '../client/admin.js';
import { setLogLevel } from '../common/logger.js';
import { readState, writeNodeFiles, writeState, type ClusterMode, type ClusterState } from './layout.js';
import { findNodePid, killNode, noWrap, startNode, stopNode, type Wrap } from './processes.js';
import { portsOf, type NodeSpec, type Topology } from './topology.js';
import { createHosts, heal, hostsWrap, partition, removeHosts, type HostNet } from './hosts.js';

export class ClusterError extends Error {
  override name = 'ClusterError';
}

export interface NodeEvent {
  node: string;
  action: 'started' | 'running' | 'stopped' | 'killed' | 'not running' | 'registered';
  pid?: number;
  detail?: string;
}
export type Report = (e: NodeEvent) => void;

const sameShape = (a: Topology, b: Topology): boolean => JSON.stringify(a.nodes) === JSON.stringify(b.nodes) && a.cluster === b.cluster;

/** Start order: NameServers, then masters, then slaves (a slave finds its master through them). */
function waves(t: Topology): NodeSpec[][] {
  return [t.nodes.filter((n) => n.kind === 'namesrv'), t.nodes.filter((n) => n.kind === 'broker' && n.brokerId === 0), t.nodes.filter((n) => n.kind === 'broker' && n.brokerId > 0)];
}

export function loadState(data: string): ClusterState {
  const state = readState(data);
  if (!state) throw new ClusterError(`no cluster in ${resolve(data)} (start one with: apogee cluster up --data ${data})`);
  return state;
}

export function findNode(state: ClusterState, name: string): NodeSpec {
  const node = state.topology.nodes.find((n) => n.name === name);
  if (!node) throw new ClusterError(`no node ${name} in this cluster (nodes: ${state.topology.nodes.map((n) => n.name).join(', ')})`);
  return node;
}

export function running(state: ClusterState, node: NodeSpec): boolean {
  return findNodePid(state.pids[node.name], state.data, node) !== undefined;
}

const wrapOf = (state: ClusterState): Wrap => (state.net ? hostsWrap(state.net) : noWrap);

export async function up(options: { data: string; topology: Topology; mode: ClusterMode; net?: HostNet; report?: Report; registerTimeoutMs?: number }): Promise<ClusterState> {
  const data = resolve(options.data);
  const report = options.report ?? (() => {});
  const previous = readState(data);
  if (previous && !sameShape(previous.topology, options.topology)) {
    throw new ClusterError(`${data} holds another cluster (${previous.topology.source}); use another --data, or bring that one up with the same topology`);
  }
  mkdirSync(data, { recursive: true });
  const state: ClusterState = previous ?? { format: 1, data, mode: options.mode, topology: options.topology, pids: {}, net: options.net };
  const toStart = options.topology.nodes.filter((n) => !running(state, n));
  if (state.net) createHosts(options.topology, state.net);
  else await checkPortsFree(toStart);
  writeNodeFiles(data, options.topology);
  writeState(state);
  const startedNow: NodeSpec[] = [];
  try {
    for (const wave of waves(options.topology)) {
      await Promise.all(wave.map(async (node) => {
        if (running(state, node)) {
          report({ node: node.name, action: 'running', pid: state.pids[node.name] });
          return;
        }
        const pid = await startNode(data, node, wrapOf(state));
        state.pids[node.name] = pid;
        startedNow.push(node);
        report({ node: node.name, action: 'started', pid });
      }));
    }
    await waitRegistered(state, options.topology.nodes.filter((n) => n.kind === 'broker'), options.registerTimeoutMs ?? 40_000, report);
  } catch (err) {
    // Leave nothing half-started behind: what this call started, it stops.
    await Promise.all(startedNow.map((n) => killNode(state.pids[n.name], data, n)));
    for (const n of startedNow) delete state.pids[n.name];
    throw err;
  }
  return state;
}

/** Stops every node gracefully: brokers first (masters drain), then NameServers; then their hosts. */
export async function down(state: ClusterState, report: Report = () => {}): Promise<void> {
  const [namesrvs, masters, slaves] = waves(state.topology);
  for (const wave of [masters!, slaves!, namesrvs!]) {
    await Promise.all(wave.map(async (node) => {
      const how = await stopNode(state.pids[node.name], state.data, node);
      delete state.pids[node.name];
      report({ node: node.name, action: how === 'killed' ? 'killed' : how, detail: how === 'killed' ? 'did not stop within its grace period' : undefined });
    }));
  }
  if (state.net) removeHosts(state.topology, state.net);
}

/** Cuts the network between node and others (default: every other node). Needs --hosts. */
export function partitionNode(state: ClusterState, node: NodeSpec, from: NodeSpec[]): void {
  if (!state.net) throw new ClusterError('partition needs a cluster started with --hosts (nodes on loopback share one network)');
  partition(state.net, node, from.length ? from : state.topology.nodes.filter((n) => n.name !== node.name));
}

export function healAll(state: ClusterState): void {
  if (!state.net) throw new ClusterError('heal needs a cluster started with --hosts');
  heal(state.topology, state.net);
}

export async function startOne(state: ClusterState, node: NodeSpec, report: Report = () => {}): Promise<void> {
  if (running(state, node)) {
    report({ node: node.name, action: 'running', pid: state.pids[node.name] });
    return;
  }
  if (state.net) createHosts(state.topology, state.net);
  else await checkPortsFree([node]);
  state.pids[node.name] = await startNode(state.data, node, wrapOf(state));
  report({ node: node.name, action: 'started', pid: state.pids[node.name] });
  if (node.kind === 'broker') await waitRegistered(state, [node], 40_000, report);
}

export async function stopOne(state: ClusterState, node: NodeSpec, report: Report = () => {}): Promise<void> {
  const how = await stopNode(state.pids[node.name], state.data, node);
  delete state.pids[node.name];
  report({ node: node.name, action: how });
}

export async function killOne(state: ClusterState, node: NodeSpec, report: Report = () => {}): Promise<void> {
  const killed = await killNode(state.pids[node.name], state.data, node);
  delete state.pids[node.name];
  report({ node: node.name, action: killed ? 'killed' : 'not running' });
}

/** Fails with every busy port named, before anything starts (a clash found later leaves half a cluster). */
async function checkPortsFree(nodes: NodeSpec[]): Promise<void> {
  const busy: string[] = [];
  for (const node of nodes) {
    for (const port of portsOf(node)) {
      const free = await new Promise<boolean>((done) => {
        const srv = createServer();
        srv.once('error', () => done(false));
        srv.listen({ port, host: node.host, exclusive: true }, () => srv.close(() => done(true)));
      });
      if (!free) busy.push(`${node.host}:${port} (${node.name})`);
    }
  }
  if (busy.length) throw new ClusterError(`port${busy.length > 1 ? 's' : ''} in use: ${busy.join(', ')}; stop what holds ${busy.length > 1 ? 'them' : 'it'} or choose other ports (--base-port)`);
}

/** Waits until every broker is in the cluster table of every NameServer of the topology. */
async function waitRegistered(state: ClusterState, brokers: NodeSpec[], timeoutMs: number, report: Report): Promise<void> {
  if (brokers.length === 0) return;
  setLogLevel('silent');
  const namesrvs = state.topology.nodes.filter((n) => n.kind === 'namesrv');
  const admins = namesrvs.map((ns) => new Admin({ namesrvAddr: `${ns.host}:${ns.port}` }));
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(brokers.map((b) => b.name));
  try {
    for (const a of admins) await a.start();
    while (pending.size > 0) {
      for (const b of brokers) {
        if (!pending.has(b.name)) continue;
        let everywhere = true;
        for (const a of admins) {
          const info = await a.clusterInfo().catch(() => undefined);
          if (info?.brokerAddrTable.get(b.group)?.brokerAddrs.get(b.brokerId) !== `${b.host}:${b.port}`) everywhere = false;
        }
        if (everywhere) {
          pending.delete(b.name);
          report({ node: b.name, action: 'registered', detail: `on ${namesrvs.length} NameServer${namesrvs.length > 1 ? 's' : ''}` });
        }
      }
      if (pending.size === 0) break;
      if (Date.now() > deadline) throw new ClusterError(`not registered on every NameServer within ${timeoutMs} ms: ${[...pending].join(', ')} (see their logs under ${state.data})`);
      await new Promise((r) => setTimeout(r, 200));
    }
  } finally {
    await Promise.all(admins.map((a) => a.shutdown()));
  }
}
