/**
 * A whole cluster as OS processes — NameServers, masters and slaves, each `mqnamesrv -c` / `mqbroker -c`
 * on its own property file — brought up with `apogee cluster`'s own `up` and taken down with its `down`,
 * on loopback ports chosen at random (retried when taken), data in a temp dir removed on stop. The
 * nodes run detached (as `apogee cluster up` leaves them); any still up when this process exits are
 * SIGKILLed then.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { down, findNode, killOne, startOne, stopOne, up } from '../cluster/control.js';
import type { ClusterState } from '../cluster/layout.js';
import { isNodeProcess } from '../cluster/processes.js';
import { BUILT_IN, namesrvAddrs, resolveTopology, type NodeSpec, type Topology, type TopologyFile } from '../cluster/topology.js';

export interface TopologyOptions {
  /** A built-in shape ('1ns-1m', '2ns-2m-2s', '2ns-3m-3s') or a topology as a file would hold it. */
  topology: string | TopologyFile;
  /** The cluster's data directory (kept on stop); default a temp dir, removed on stop. */
  data?: string;
  registerTimeoutMs?: number;
}

export interface ClusterProcesses {
  state: ClusterState;
  topology: Topology;
  data: string;
  /** Every NameServer, `a:p;b:q` as clients take it. */
  namesrvAddr: string;
  /** The first group's master. */
  brokerAddr: string;
  node(name: string): NodeSpec;
  /** SIGTERM one node (a broker drains first). */
  stopNode(name: string): Promise<void>;
  /** kill -9 one node, as a crash. */
  killNode(name: string): Promise<void>;
  /** Starts a stopped node again on its data and port. */
  startNode(name: string): Promise<void>;
  /** Every node down (brokers first), then the data removed if it was ours. */
  stop(): Promise<void>;
}

/** Clusters not stopped yet: their nodes run detached, so if this process exits first they are killed here. */
const live = new Set<ClusterState>();
process.once('exit', () => {
  for (const state of live) {
    for (const node of state.topology.nodes) {
      const pid = state.pids[node.name];
      if (isNodeProcess(pid, state.data, node)) process.kill(pid!, 'SIGKILL');
    }
  }
});

/** Ports 20000..29999 for the first NameServer; a topology needs a few hundred above it. */
const randomOffset = (): number => 20_000 + Math.floor(Math.random() * 10_000) - 9876;

export async function startTopology(options: TopologyOptions): Promise<ClusterProcesses> {
  const file = typeof options.topology === 'string' ? BUILT_IN[options.topology] : options.topology;
  if (!file) throw new Error(`no built-in topology ${String(options.topology)} (${Object.keys(BUILT_IN).join(', ')})`);
  const source = typeof options.topology === 'string' ? options.topology : 'test';
  const data = options.data ?? mkdtempSync(join(tmpdir(), 'apogee-topology-'));
  const removeData = (): void => {
    if (options.data === undefined) rmSync(data, { recursive: true, force: true });
  };
  let state: ClusterState;
  for (let attempt = 0; ; attempt++) {
    const topology = resolveTopology(file, source, { portOffset: randomOffset() });
    try {
      state = await up({ data, topology, mode: 'loopback', registerTimeoutMs: options.registerTimeoutMs });
      break;
    } catch (err) {
      // up() checks every port before it starts anything, so a clash leaves nothing behind.
      if (attempt < 5 && /in use/.test((err as Error).message)) continue;
      removeData();
      throw err;
    }
  }
  live.add(state);
  const master = state.topology.nodes.find((n) => n.kind === 'broker' && n.brokerId === 0)!;
  let stopped: Promise<void> | undefined;
  return {
    state,
    topology: state.topology,
    data,
    namesrvAddr: namesrvAddrs(state.topology),
    brokerAddr: `${master.host}:${master.port}`,
    node: (name) => findNode(state, name),
    stopNode: (name) => stopOne(state, findNode(state, name)),
    killNode: (name) => killOne(state, findNode(state, name)),
    startNode: (name) => startOne(state, findNode(state, name)),
    stop() {
      stopped ??= down(state).finally(() => {
        live.delete(state);
        removeData();
      });
      return stopped;
    },
  };
}
