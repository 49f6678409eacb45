/**
 * `apogee cluster up | status | down | start | stop | kill`: a whole RocketMQ cluster (NameServers,
 * broker groups of a master and its slaves) as OS processes under one data directory.
 */
import { parseArgs } from 'node:util';
import { join, resolve } from 'node:path';
import { defaultDataDir } from '../common/paths.js';
import { setLogLevel } from '../common/logger.js';
import { BUILT_IN, loadTopology, namesrvAddrs, type Topology } from '../cluster/topology.js';
import { down, findNode, healAll, killOne, loadState, partitionNode, startOne, stopOne, up, type NodeEvent } from '../cluster/control.js';
import { hostNet, hostsUnavailable, placeOnHosts } from '../cluster/hosts.js';
import { clusterStatus, formatStatus } from '../cluster/status.js';

export const CLUSTER_USAGE = `usage: apogee cluster <command> [--data DIR] [options]
  up [--topology ${Object.keys(BUILT_IN).join('|')}|FILE] [--base-port 9876] [--hosts]
                                      start every node (default 2ns-3m-3s); --hosts: each node on
                                      a host of its own (network namespace, root on Linux)
  status [--json] [--watch SECONDS]   live state of every node and consumer group
  down                                stop every node gracefully (brokers drain first)
  start NODE | stop NODE | kill NODE  one node (kill = kill -9)
  partition NODE [--from NODE ...]    cut NODE off from the others (--hosts); heal: undo every cut
Data: --data DIR (default ${join(defaultDataDir(), 'cluster')}); each node has DIR/<node>/ with its
.properties, .log, .pid and store. A topology file (YAML or JSON) names namesrvs and groups, e.g.
  namesrvs: 2
  groups: [{ name: broker-a, role: SYNC_MASTER, slaves: 1, properties: { flushDiskType: SYNC_FLUSH } }]`;

class UsageError extends Error {}

export async function clusterMain(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    process.stdout.write(CLUSTER_USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  let values: Record<string, string | boolean | string[] | undefined>;
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        data: { type: 'string' },
        topology: { type: 'string' },
        'base-port': { type: 'string' },
        json: { type: 'boolean' },
        watch: { type: 'string' },
        hosts: { type: 'boolean' },
        from: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(CLUSTER_USAGE + '\n');
    return 0;
  }
  setLogLevel('silent'); // the SDK's own connection warnings would garble the tables
  const data = resolve((values.data as string | undefined) ?? join(defaultDataDir(), 'cluster'));
  const json = values.json === true;
  const report = (e: NodeEvent): void => {
    if (json) process.stdout.write(JSON.stringify(e) + '\n');
    else process.stdout.write(`  ${e.node.padEnd(14)} ${e.action}${e.pid ? ` (pid ${e.pid})` : ''}${e.detail ? ` ${e.detail}` : ''}\n`);
  };
  const nodeArg = (): string => {
    if (positionals.length !== 1) throw new UsageError(`apogee cluster ${command} needs exactly one node name`);
    return positionals[0]!;
  };
  switch (command) {
    case 'up': {
      const portOffset = basePortOffset(values['base-port'] as string | undefined);
      let topology = loadTopology((values.topology as string | undefined) ?? '2ns-3m-3s', { portOffset });
      let net;
      if (values.hosts) {
        const why = hostsUnavailable();
        if (why) process.stderr.write(`apogee cluster: --hosts unavailable (${why}); running every node on loopback instead\n`);
        else topology = placeOnHosts(topology, (net = hostNet(data)), portOffset);
      }
      if (!json) process.stdout.write(`Starting cluster ${topology.cluster} (${topology.source}, ${topology.nodes.length} nodes${net ? `, one host each on ${net.subnet}.0/24` : ''}) in ${data}\n`);
      const state = await up({ data, topology, mode: net ? 'hosts' : 'loopback', net, report });
      if (json) process.stdout.write(JSON.stringify({ ready: true, cluster: topology.cluster, namesrvAddr: namesrvAddrs(topology), data: state.data }) + '\n');
      else process.stdout.write(summary(topology, state.data));
      return 0;
    }
    case 'status': {
      const state = loadState(data);
      const interval = values.watch === undefined ? 0 : Number(values.watch);
      if (!Number.isFinite(interval) || interval < 0) throw new UsageError(`--watch takes seconds, got "${String(values.watch)}"`);
      for (;;) {
        const s = await clusterStatus(state);
        if (interval > 0 && !json) process.stdout.write('\x1b[2J\x1b[H');
        process.stdout.write(json ? JSON.stringify(s) + '\n' : formatStatus(s));
        if (interval === 0) return s.nodes.some((n) => n.state === 'down') ? 3 : 0;
        await new Promise((r) => setTimeout(r, interval * 1000));
      }
    }
    case 'down': {
      const state = loadState(data);
      await down(state, report);
      if (!json) process.stdout.write(`Cluster ${state.topology.cluster} in ${state.data} is down (stores kept).\n`);
      return 0;
    }
    case 'start':
    case 'stop':
    case 'kill': {
      const state = loadState(data);
      const node = findNode(state, nodeArg());
      if (command === 'start') await startOne(state, node, report);
      else if (command === 'stop') await stopOne(state, node, report);
      else await killOne(state, node, report);
      return 0;
    }
    case 'partition': {
      const state = loadState(data);
      const node = findNode(state, nodeArg());
      const from = ((values.from as string[] | undefined) ?? []).flatMap((f) => f.split(',')).map((n) => findNode(state, n));
      partitionNode(state, node, from);
      if (!json) process.stdout.write(`  ${node.name} cut off from ${from.length ? from.map((n) => n.name).join(', ') : 'every other node'}\n`);
      return 0;
    }
    case 'heal': {
      healAll(loadState(data));
      if (!json) process.stdout.write('  every partition healed\n');
      return 0;
    }
    default:
      throw new UsageError(`unknown cluster command '${command}' (commands: up, status, down, start, stop, kill, partition, heal)`);
  }
}

function basePortOffset(text: string | undefined): number {
  if (text === undefined) return 0;
  const port = Number(text);
  if (!Number.isInteger(port) || port < 1024 || port > 60000) throw new UsageError(`--base-port must be an integer 1024..60000, got "${text}"`);
  return port - 9876;
}

function summary(t: Topology, data: string): string {
  const ns = namesrvAddrs(t);
  let s = `Cluster ${t.cluster} is up. Data: ${data}\n`;
  for (const n of t.nodes) s += `  ${n.name.padEnd(14)} ${n.role.padEnd(13)} ${n.host}:${n.port}\n`;
  s += `Clients: namesrvAddr=${ns}   (Java: -n '${ns}')\n`;
  s += `Watch it: apogee cluster status --data ${data}    Stop it: apogee cluster down --data ${data}\n`;
  return s;
}

export function isUsageError(err: unknown): boolean {
  return err instanceof UsageError;
}
