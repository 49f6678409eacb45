/**
 * `--hosts`: every node on a host of its own, as in production. Each node runs in its own Linux
 * network namespace with its own address on a private bridge (10.X.Y.0/24, chosen from the data
 * directory so that two clusters never share one); this machine keeps 10.X.Y.254 on the bridge so
 * operators' tools and clients reach every node. Partitions are blackhole routes inside the
 * namespaces (no packet-filter tools needed): traffic between the two sides is dropped, as on a
 * broken network, not refused.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Wrap } from './wrap.js';
import type { NodeSpec, Topology } from './topology.js';

export class HostsError extends Error {
  override name = 'HostsError';
}

export interface HostNet {
  /** Six hex digits naming the bridge, namespaces and links of this cluster. */
  id: string;
  subnet: string;
  bridge: string;
  gateway: string;
}

/** Why --hosts cannot run here, or undefined when it can. */
export function hostsUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'network namespaces need Linux';
  if (typeof process.getuid === 'function' && process.getuid() !== 0) return 'network namespaces need root';
  try {
    execFileSync('ip', ['-V'], { stdio: 'ignore' });
  } catch {
    return "the 'ip' command (iproute2) is not installed";
  }
  return undefined;
}

export function hostNet(data: string): HostNet {
  const h = createHash('sha256').update(data).digest();
  const id = h.subarray(0, 3).toString('hex');
  // 10.100.0.0 – 10.227.255.0: away from the 10.0.x.x ranges container runtimes take by default.
  const subnet = `10.${100 + (h[3]! % 128)}.${h[4]!}`;
  return { id, subnet, bridge: `apg${id}`, gateway: `${subnet}.254` };
}

export const namespaceOf = (net: HostNet, node: NodeSpec): string => `apogee-${net.id}-${node.name}`;

/**
 * Gives every node of the topology a host of its own, listening where it would on its own machine:
 * NameServers on 9876, brokers on 10911 (plus the base-port offset, if one was given).
 */
export function placeOnHosts(t: Topology, net: HostNet, portOffset = 0): Topology {
  if (t.nodes.length > 250) throw new HostsError('--hosts supports at most 250 nodes');
  return { ...t, nodes: t.nodes.map((n, i) => ({ ...n, host: `${net.subnet}.${i + 1}`, port: (n.kind === 'namesrv' ? 9876 : 10911) + portOffset })) };
}

function ip(...args: string[]): void {
  try {
    execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (err) {
    const stderr = (err as { stderr?: Buffer }).stderr?.toString().trim();
    throw new HostsError(`ip ${args.join(' ')}: ${stderr || (err as Error).message}`);
  }
}

function tryIp(...args: string[]): boolean {
  try {
    execFileSync('ip', args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const linkExists = (name: string): boolean => tryIp('link', 'show', name);
const namespaceExists = (ns: string): boolean => tryIp('netns', 'exec', ns, 'true');

/** Creates the bridge and each node's namespace (idempotent: an existing one is kept). */
export function createHosts(t: Topology, net: HostNet): void {
  if (!linkExists(net.bridge)) {
    ip('link', 'add', net.bridge, 'type', 'bridge');
    ip('addr', 'add', `${net.gateway}/24`, 'dev', net.bridge);
  }
  ip('link', 'set', net.bridge, 'up');
  t.nodes.forEach((node, i) => {
    const ns = namespaceOf(net, node);
    if (namespaceExists(ns)) return;
    const outer = `apg${net.id}v${i}`;
    ip('netns', 'add', ns);
    if (linkExists(outer)) ip('link', 'del', outer);
    ip('link', 'add', outer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', ns);
    ip('link', 'set', outer, 'master', net.bridge, 'up');
    ip('-n', ns, 'addr', 'add', `${node.host}/24`, 'dev', 'eth0');
    ip('-n', ns, 'link', 'set', 'eth0', 'up');
    ip('-n', ns, 'link', 'set', 'lo', 'up');
  });
}

/** Removes the namespaces (their links go with them) and the bridge. */
export function removeHosts(t: Topology, net: HostNet): void {
  for (const node of t.nodes) {
    const ns = namespaceOf(net, node);
    if (namespaceExists(ns)) tryIp('netns', 'del', ns);
  }
  if (linkExists(net.bridge)) tryIp('link', 'del', net.bridge);
}

export function hostsWrap(net: HostNet): Wrap {
  return (argv, node) => ['ip', 'netns', 'exec', namespaceOf(net, node), ...argv];
}

/** Cuts traffic between node and each of others, both ways. */
export function partition(net: HostNet, node: NodeSpec, others: NodeSpec[]): void {
  for (const other of others) {
    if (other.name === node.name) continue;
    tryIp('-n', namespaceOf(net, node), 'route', 'del', 'blackhole', `${other.host}/32`);
    ip('-n', namespaceOf(net, node), 'route', 'add', 'blackhole', `${other.host}/32`);
    tryIp('-n', namespaceOf(net, other), 'route', 'del', 'blackhole', `${node.host}/32`);
    ip('-n', namespaceOf(net, other), 'route', 'add', 'blackhole', `${node.host}/32`);
  }
}

/** Removes every partition of the cluster. */
export function heal(t: Topology, net: HostNet): void {
  for (const node of t.nodes) {
    const ns = namespaceOf(net, node);
    let routes = '';
    try {
      routes = execFileSync('ip', ['-n', ns, 'route', 'show', 'type', 'blackhole'], { encoding: 'utf8' });
    } catch {
      continue;
    }
    for (const line of routes.split('\n')) {
      const dest = /^blackhole\s+(\S+)/.exec(line.trim())?.[1];
      if (dest) tryIp('-n', ns, 'route', 'del', 'blackhole', dest);
    }
  }
}
