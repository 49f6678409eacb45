/**
 * The Upgrade page's data: the state file `apogee upgrade` keeps in a local cluster's data directory
 * (`upgrade-state.json`), joined with that cluster's topology to list every step of the run in the
 * orchestrator's order (preflight, NameServers, then per broker group its slaves and its master),
 * each done, current (the first not done while the run goes on), or pending.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readState } from '../cluster/layout.js';
import type { NodeSpec } from '../cluster/topology.js';
import type { RunState } from '../upgrade/orchestrator.js';
import { errorLine } from './http.js';

export interface UpgradeStep {
  id: string;
  status: 'done' | 'current' | 'stopped' | 'pending';
}

export type UpgradeView =
  | { configured: false; hint: string }
  | { configured: true; cluster: string; statePath: string; running: false; hint: string }
  | {
      configured: true;
      cluster: string;
      statePath: string;
      running: boolean;
      direction: RunState['direction'];
      /** Release each node is moved to: distinct versions, with the install directories. */
      targets: Array<{ version: string; install: string; nodes: string[] }>;
      startedAt: string;
      finishedAt?: string;
      aborted?: string;
      steps: UpgradeStep[];
      done: number;
    };

const howTo = (dir = 'DIR'): string => `apogee upgrade --cluster ${dir} --to RELEASE (RELEASE: current, or the directory of another built Apogee; --resume or --rollback to go on or back)`;

export function upgradeStatePath(clusterDir: string): string {
  return join(clusterDir, 'upgrade-state.json');
}

export function readUpgradeView(clusterDir: string | undefined): UpgradeView {
  if (!clusterDir) return { configured: false, hint: `The console was started without --cluster DIR, so it has no upgrade state to show. Start the console with apogee console --cluster DIR, and run an upgrade with ${howTo()} on a local cluster started with apogee cluster up.` };
  const statePath = upgradeStatePath(clusterDir);
  if (!existsSync(statePath)) return { configured: true, cluster: clusterDir, statePath, running: false, hint: `No upgrade has run on this cluster yet (no ${statePath}). Start one with ${howTo(clusterDir)}.` };
  let s: RunState;
  try {
    s = JSON.parse(readFileSync(statePath, 'utf8')) as RunState;
  } catch (err) {
    throw new Error(`${statePath} is not readable as an upgrade state file: ${errorLine(err)}`);
  }
  if (s.format !== 1 || !Array.isArray(s.done)) throw new Error(`${statePath} is not an upgrade state file this release understands`);
  const running = !s.finishedAt && !s.aborted;
  const plan = planOf(clusterDir, s);
  const pending = plan.filter((id) => !s.done.includes(id));
  const next = s.finishedAt ? undefined : pending[0];
  const steps: UpgradeStep[] = [
    ...s.done.map((id): UpgradeStep => ({ id, status: 'done' })),
    ...pending.map((id): UpgradeStep => ({ id, status: id === next ? (s.aborted ? 'stopped' : 'current') : 'pending' })),
  ];
  const byVersion = new Map<string, { version: string; install: string; nodes: string[] }>();
  for (const [addr, r] of Object.entries(s.target ?? {})) {
    const key = `${r.version}\u0000${r.install}`;
    const entry = byVersion.get(key) ?? { version: r.version, install: r.install, nodes: [] };
    entry.nodes.push(addr);
    byVersion.set(key, entry);
  }
  return {
    configured: true,
    cluster: clusterDir,
    statePath,
    running,
    direction: s.direction,
    targets: [...byVersion.values()],
    startedAt: s.startedAt,
    finishedAt: s.finishedAt,
    aborted: s.aborted,
    steps,
    done: s.done.length,
  };
}

/** Step ids in the orchestrator's order, from the cluster's topology (empty when it has none). */
function planOf(clusterDir: string, s: RunState): string[] {
  let nodes: NodeSpec[];
  try {
    nodes = readState(clusterDir)?.topology.nodes ?? [];
  } catch {
    nodes = [];
  }
  const brokers = nodes.filter((n) => n.kind === 'broker');
  const namesrvs = s.namesrvs.length ? s.namesrvs : nodes.filter((n) => n.kind === 'namesrv').map((n) => `${n.host}:${n.port}`);
  const ids = ['preflight', ...namesrvs.map((ns) => `namesrv:${ns}`)];
  for (const group of [...new Set(brokers.map((b) => b.group))].sort()) {
    for (const b of brokers.filter((x) => x.group === group && x.brokerId > 0).sort((a, b) => a.brokerId - b.brokerId)) ids.push(`broker:${group}/${b.brokerId}`);
    if (brokers.some((b) => b.group === group && b.brokerId === 0)) ids.push(`broker:${group}/0`);
  }
  return ids;
}
