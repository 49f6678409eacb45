/**
 * The rolling upgrade (or rollback) of a live cluster, node by node, behind gates that make loss
 * impossible: preflight; NameServers one at a time; then per broker group its slaves, then its
 * master with writes forbidden on the broker itself, drained, fully replicated, stopped, backed up,
 * swapped, started, registered everywhere and given its write permission back. Every step is
 * recorded in a state file, so a run the orchestrator did not finish can be resumed, and a finished
 * (or stopped) one rolled back the same way.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Driver, UpgradeNode } from './driver.js';
import { gate } from './gate.js';
import { brokerLabel, num, Probe, type BrokerRef, type ClusterView } from './probe.js';
import type { Release } from './release.js';

export type Direction = 'upgrade' | 'rollback';

/** Gates a test may skip to prove they matter; never skipped in normal runs. */
export const SKIPPABLE_GATES = ['forbid-writes', 'writes-stopped', 'slave-caught-up'] as const;
export type SkippableGate = (typeof SKIPPABLE_GATES)[number];

export interface RunState {
  format: 1;
  direction: Direction;
  namesrvs: string[];
  /** Release each node ran before this run touched it, by address: where a rollback goes back to. */
  previous: Record<string, Release>;
  /** Release each node is being moved to, by address. */
  target: Record<string, Release>;
  done: string[];
  startedAt: string;
  finishedAt?: string;
  /** Why the last attempt stopped, if it did. */
  aborted?: string;
}

export interface StepInfo {
  id: string;
  title: string;
}

export interface StopFigures {
  node: string;
  /** Bytes the master had not had acknowledged by a slave when it was stopped. */
  unreplicatedBytes?: number;
  sendsInFlight?: number;
  /** Messages the broker took in the second before it was stopped. */
  putsLastSecond?: number;
}

export interface RunReport {
  direction: Direction;
  totalMs: number;
  perNodeMs: Record<string, number>;
  atStop: StopFigures[];
  warnings: string[];
}

export interface Progress {
  plan(direction: Direction, steps: StepInfo[], summary: string): void;
  /** Runs the steps, showing each one's title, live figure and outcome. */
  run(steps: Array<StepInfo & { run(figure: (f: string) => void): Promise<string | void> }>): Promise<void>;
}

export class UpgradeError extends Error {
  override name = 'UpgradeError';
}

export interface UpgradeOptions {
  driver: Driver;
  namesrvs: string[];
  direction: Direction;
  /** Upgrade: the release every node moves to. Rollback: taken from the state file. */
  to?: Release;
  resume?: boolean;
  gateTimeoutMs?: number;
  /**
   * How often the applications' clients re-read routes from the NameServers (Java's and ali-ons'
   * pollNameServerInterval, 30 s by default). A master's writes are forbidden only once this long
   * has passed since a restarted NameServer listed every broker again, or the previous master became
   * writable again on every NameServer: until then a client may hold a route in which this master is
   * the only writable one.
   */
  routeRefreshMs?: number;
  skipGates?: ReadonlySet<SkippableGate>;
  /** Asked after the plan is shown; false stops before anything is touched. */
  confirm?: (summary: string) => Promise<boolean>;
  planOnly?: boolean;
  progress: Progress;
}

const MIB = 1024 * 1024;
/** A slave within this many bytes of its master counts as caught up while traffic flows. */
const CAUGHT_UP_BYTES = MIB;
/** A client's route request itself takes a moment; and timers drift. */
const ROUTE_REFRESH_MARGIN_MS = 1000;
/** Versions this release is known to talk to (see docs/compatibility.md). */
const KNOWN_VERSION = /^V(3_5_\d+|4_\d+_\d+)\b/;

function readRunState(path: string): RunState | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const s = JSON.parse(readFileSync(path, 'utf8')) as RunState;
    if (s.format !== 1 || !Array.isArray(s.done)) throw new Error('unknown format');
    return s;
  } catch (err) {
    throw new UpgradeError(`${path} is not an upgrade state file (${(err as Error).message}); move it away to start over`);
  }
}

function writeRunState(path: string, s: RunState): void {
  writeFileSync(`${path}.tmp`, JSON.stringify(s, null, 2) + '\n');
  renameSync(`${path}.tmp`, path);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export async function rollingUpgrade(o: UpgradeOptions): Promise<RunReport | undefined> {
  const { driver, progress } = o;
  const skip = o.skipGates ?? new Set<SkippableGate>();
  const gateMs = o.gateTimeoutMs ?? 120_000;
  const routeRefreshMs = o.routeRefreshMs ?? 30_000;
  /** When every client has re-read its routes since the last NameServer restart or master's return. */
  let routesFreshAt = 0;
  const routesChangedNow = (): void => {
    routesFreshAt = Date.now() + routeRefreshMs + ROUTE_REFRESH_MARGIN_MS;
  };
  const probe = new Probe(o.namesrvs);
  await probe.start();
  try {
    const existing = readRunState(driver.statePath);
    let state: RunState;
    if (o.resume) {
      if (!existing || existing.finishedAt) throw new UpgradeError(`nothing to resume: ${existing ? 'the last run finished' : `no state file at ${driver.statePath}`}`);
      state = existing;
    } else if (o.direction === 'rollback') {
      if (!existing) throw new UpgradeError(`nothing to roll back: no state file at ${driver.statePath}`);
      if (existing.direction === 'rollback' && !existing.finishedAt) throw new UpgradeError('a rollback is in progress; use --resume to finish it');
      const back = existing.direction === 'upgrade' ? existing.previous : existing.target;
      state = { format: 1, direction: 'rollback', namesrvs: o.namesrvs, previous: {}, target: back, done: [], startedAt: new Date().toISOString() };
    } else {
      if (existing && !existing.finishedAt) throw new UpgradeError(`an ${existing.direction} is in progress (${driver.statePath}): finish it with --resume or go back with --rollback`);
      if (!o.to) throw new UpgradeError('no target release (--to)');
      state = { format: 1, direction: 'upgrade', namesrvs: o.namesrvs, previous: {}, target: {}, done: [], startedAt: new Date().toISOString() };
    }
    const direction = state.direction;
    const view = await discoverEveryKnownBroker();
    const nodes = allNodes(view);
    for (const n of nodes) {
      if (direction === 'upgrade' && !o.resume) state.target[n.addr] = o.to!;
      if (!state.target[n.addr]) throw new UpgradeError(`${driver.nameOf(n)}: no recorded release to ${direction === 'rollback' ? 'roll back to' : 'move to'}`);
    }
    const report: RunReport = { direction, totalMs: 0, perNodeMs: {}, atStop: [], warnings: [] };
    const name = (n: UpgradeNode): string => driver.nameOf(n);
    const label = (n: UpgradeNode): string => (n.broker ? `${brokerLabel(n.broker)} (${name(n)}, ${n.addr})` : `NameServer ${name(n)} (${n.addr})`);
    const backupLabel = `${new Date().toISOString().replace(/[:.]/g, '-')}-before-${direction}`;

    type Step = StepInfo & { run(figure: (f: string) => void): Promise<string | void> };
    const steps: Step[] = [];
    steps.push({ id: 'preflight', title: 'Preflight: reachable, registered everywhere, versions, replication, disk', run: (fig) => preflight(fig) });
    for (const ns of view.namesrvs) {
      const node: UpgradeNode = { kind: 'namesrv', addr: ns };
      steps.push({ id: `namesrv:${ns}`, title: label(node), run: (fig) => timed(node, () => namesrvStep(node, fig)) });
    }
    for (const group of groupsOf(view)) {
      for (const b of group.slaves) steps.push({ id: `broker:${b.group}/${b.brokerId}`, title: label(brokerNode(b)), run: (fig) => timed(brokerNode(b), () => slaveStep(b, group.master, fig)) });
      steps.push({ id: `broker:${group.master.group}/0`, title: label(brokerNode(group.master)), run: (fig) => timed(brokerNode(group.master), () => masterStep(group.master, group.slaves, fig)) });
    }
    const pending = steps.filter((s) => !state.done.includes(s.id));
    const summary = `${direction === 'upgrade' ? 'Upgrade' : 'Rollback'} of ${view.namesrvs.length} NameServer(s) and ${view.brokers.length} broker(s) to ${describeTargets(state, nodes)}, via ${driver.description}${o.resume ? `; resuming, ${steps.length - pending.length} of ${steps.length} steps done` : ''}`;
    progress.plan(direction, pending.map(({ id, title }) => ({ id, title })), summary);
    if (o.planOnly) return undefined;
    if (o.confirm && !(await o.confirm(summary))) throw new UpgradeError('not confirmed; nothing was touched');

    writeRunState(driver.statePath, state);
    const started = Date.now();
    let current = '';
    try {
      await progress.run(pending.map((s) => ({
        ...s,
        run: async (fig) => {
          current = s.title;
          const r = await s.run(fig);
          state.done.push(s.id);
          delete state.aborted;
          writeRunState(driver.statePath, state);
          return r;
        },
      })));
    } catch (err) {
      // Whatever went wrong (a gate, a driver command, a node that stopped answering), the run stops
      // here with the step it was on; the state file lets it go on from there.
      const reason = `${current}: ${(err as Error).message}`;
      state.aborted = reason;
      writeRunState(driver.statePath, state);
      throw new UpgradeError(`${direction} stopped at ${reason}. Fix the cause, then run again with --resume (or --rollback)`);
    }
    report.totalMs = Date.now() - started;
    state.finishedAt = new Date().toISOString();
    writeRunState(driver.statePath, state);
    return report;

    /** The cluster as the NameServers list it, once it lists every broker the driver knows of (bounded). */
    async function discoverEveryKnownBroker(): Promise<ClusterView> {
      let view = await probe.discover();
      const expected = (driver.knownAddrs?.() ?? []).filter((a) => !o.namesrvs.includes(a));
      const missing = (): string[] => expected.filter((a) => !view.brokers.some((b) => b.addr === a));
      if (missing().length === 0) return view;
      try {
        await gate('every broker registered', async () => {
          view = await probe.discover();
          return { ok: missing().length === 0, figure: `not listed by any NameServer: ${missing().join(', ')}` };
        }, { timeoutMs: Math.min(gateMs, 30_000) });
      } catch {
        const names = missing().map((a) => `${driver.nameOf({ kind: 'broker', addr: a })} (${a})`).join(', ');
        throw new UpgradeError(`${names} ${missing().length > 1 ? 'are' : 'is'} not registered on any NameServer: start ${missing().length > 1 ? 'them' : 'it'} first (a broker left out of the plan would stay on its old release)`);
      }
      return view;
    }

    async function timed(node: UpgradeNode, fn: () => Promise<string | void>): Promise<string | void> {
      const t0 = Date.now();
      const r = await fn();
      report.perNodeMs[name(node)] = Date.now() - t0;
      return r;
    }

    async function preflight(fig: (f: string) => void): Promise<string> {
      const unreachable = [];
      for (const ns of view.namesrvs) if (!(await probe.clusterInfo(ns))) unreachable.push(ns);
      if (unreachable.length) throw new UpgradeError(`NameServer ${unreachable.join(', ')} does not answer`);
      if (view.brokers.length === 0) throw new UpgradeError('the NameServers know no broker');
      for (const g of new Set(view.brokers.map((b) => b.group))) {
        if (!view.brokers.some((b) => b.group === g && b.brokerId === 0)) throw new UpgradeError(`group ${g} has no master (start it first; a group without a master takes no writes)`);
      }
      for (const b of view.brokers) {
        fig(`checking ${brokerLabel(b)}`);
        const on = await probe.registeredOn(b);
        if (on.length !== view.namesrvs.length) throw new UpgradeError(`${brokerLabel(b)} (${b.addr}) is registered on ${on.length} of ${view.namesrvs.length} NameServers`);
        const rt = await probe.runtime(b.addr);
        if (!rt) throw new UpgradeError(`${brokerLabel(b)} (${b.addr}) does not answer`);
        const version = rt.brokerVersionDesc ?? '';
        if (!KNOWN_VERSION.test(version)) throw new UpgradeError(`${brokerLabel(b)} runs ${version || 'an unknown version'}, which this release has not been proven against (docs/compatibility.md)`);
      }
      await gate('every slave caught up with its master', async () => {
        const behind = await lagging(view);
        return { ok: behind.length === 0, figure: behind.length ? behind.join('; ') : 'every slave within 1 MiB' };
      }, { timeoutMs: gateMs, onFigure: fig });
      const free = driver.freeBytes?.();
      if (free !== undefined && free < 64 * MIB) throw new UpgradeError(`only ${(free / MIB).toFixed(0)} MiB free for backups (needs 64 MiB)`);
      if (!o.resume) {
        for (const n of nodes) {
          const r = await driver.releaseOf(n).catch(() => undefined);
          if (r) state.previous[n.addr] = r;
        }
        const unknown = nodes.filter((n) => !state.previous[n.addr]).map(name);
        if (unknown.length && direction === 'upgrade') report.warnings.push(`release not known for ${unknown.join(', ')}: they cannot be rolled back automatically`);
      }
      return `${view.namesrvs.length} NameServers, ${view.brokers.length} brokers, all registered everywhere; versions ${[...new Set(await Promise.all(view.brokers.map(async (b) => (await probe.runtime(b.addr))?.brokerVersionDesc ?? '?')))].join(', ')}`;
    }

    async function namesrvStep(node: UpgradeNode, fig: (f: string) => void): Promise<string> {
      fig('stopping');
      await driver.stop(node);
      await gate('NameServer stopped', async () => ({ ok: !(await probe.clusterInfo(node.addr)), figure: 'waiting for it to stop answering' }), { timeoutMs: gateMs, onFigure: fig });
      await driver.backup(node, backupLabel);
      fig(`starting ${state.target[node.addr]!.version}`);
      await driver.start(node, state.target[node.addr]!, []);
      await gate('every broker registered with it again', async () => {
        const info = await probe.clusterInfo(node.addr);
        const missing = view.brokers.filter((b) => info?.brokerAddrTable.get(b.group)?.brokerAddrs.get(b.brokerId) !== b.addr);
        return { ok: !!info && missing.length === 0, figure: info ? `${view.brokers.length - missing.length} of ${view.brokers.length} brokers registered` : 'not answering yet' };
      }, { timeoutMs: gateMs, onFigure: fig });
      // A client that asked this NameServer before every broker had registered holds a partial route
      // (some groups missing) until its next refresh.
      routesChangedNow();
      return `on ${state.target[node.addr]!.version}, ${view.brokers.length} brokers registered`;
    }

    async function slaveStep(b: BrokerRef, master: BrokerRef, fig: (f: string) => void): Promise<string> {
      const node = brokerNode(b);
      fig('stopping');
      await driver.stop(node);
      await gate('slave stopped', async () => ({ ok: !(await probe.runtime(b.addr)), figure: 'waiting for it to stop answering' }), { timeoutMs: gateMs, onFigure: fig });
      await driver.backup(node, backupLabel);
      fig(`starting ${state.target[b.addr]!.version}`);
      await driver.start(node, state.target[b.addr]!, []);
      await registered(b, fig);
      await gate('caught up with its master', async () => {
        const [m, s] = [num((await probe.runtime(master.addr))?.commitLogMaxOffset), num((await probe.runtime(b.addr))?.commitLogMaxOffset)];
        const behind = m === undefined || s === undefined ? undefined : m - s;
        const figure = m === undefined ? `its master ${master.addr} does not answer` : s === undefined ? 'it does not answer yet' : `${Math.max(0, m - s)} bytes behind`;
        return { ok: behind !== undefined && behind <= CAUGHT_UP_BYTES, figure };
      }, { timeoutMs: gateMs, onFigure: fig });
      return `on ${state.target[b.addr]!.version}, caught up`;
    }

    async function masterStep(b: BrokerRef, slaves: BrokerRef[], fig: (f: string) => void): Promise<string> {
      const node = brokerNode(b);
      const perm = Number((await probe.config(b.addr))?.get('brokerPermission') ?? 6);
      const writable = (perm & 2) !== 0;
      const readOnly = String(perm & ~2);
      const puts = async (): Promise<number | undefined> => num((await probe.runtime(b.addr))?.msgPutTotalTodayNow);
      /** Messages written in one second, and the runtime info at its end (undefined: not answering). */
      const oneSecond = async (): Promise<{ puts?: number; rt?: Record<string, string> }> => {
        const p0 = await puts();
        await sleep(1000);
        const rt = await probe.runtime(b.addr);
        const p1 = num(rt?.msgPutTotalTodayNow);
        return { puts: p0 === undefined || p1 === undefined ? undefined : p1 - p0, rt };
      };
      const hadTraffic = ((await oneSecond()).puts ?? 0) > 0;
      // Writes are forbidden on the broker itself, not only on the NameServers: clients with cached
      // routes keep sending to it, and a refused send is retried on another broker.
      if (writable && !skip.has('forbid-writes')) {
        // A client that has not re-read its routes since the last master came back still sees that
        // one read-only: forbidding this one now could leave it no broker to write to.
        for (let left = routesFreshAt - Date.now(); left > 0; left = routesFreshAt - Date.now()) {
          fig(`waiting ${Math.ceil(left / 1000)} s more for clients to re-read their routes (every ${routeRefreshMs / 1000} s, --route-refresh)`);
          await sleep(Math.min(1000, left));
        }
        fig('forbidding writes (brokerPermission ' + readOnly + ')');
        await probe.updateConfig(b.addr, { brokerPermission: readOnly });
      }
      if (!skip.has('writes-stopped')) {
        await gate('writes stopped', async () => {
          const { puts: rate, rt } = await oneSecond();
          const inFlight = num(rt?.apogeeSendsInFlight) ?? num(rt?.sendThreadPoolQueueSize) ?? 0;
          return { ok: !!rt && inFlight === 0 && rate === 0, figure: `${inFlight} sends in flight, ${rate ?? '?'} puts in the last second` };
        }, { timeoutMs: gateMs, onFigure: fig });
      }
      if (slaves.length > 0 && !skip.has('slave-caught-up')) {
        await gate('slave has acknowledged everything', async () => {
          const rt = await probe.runtime(b.addr);
          const max = num(rt?.commitLogMaxOffset);
          let behind = num(rt?.slaveFallBehindMuch);
          if (behind === undefined && max !== undefined) {
            // A master that does not report it (Java): the slaves' own max offsets.
            const offs = await Promise.all(slaves.map(async (s) => num((await probe.runtime(s.addr))?.commitLogMaxOffset) ?? 0));
            behind = max - Math.max(...offs);
          }
          return { ok: behind === 0, figure: behind === undefined ? 'not readable' : `${behind} bytes not yet on the slave` };
        }, { timeoutMs: gateMs, onFigure: fig });
      }
      // What the broker was doing as it is stopped: with the gates, nothing (the gates-matter test
      // compares this with a run that skips them).
      const atStop = await oneSecond();
      report.atStop.push({ node: name(node), unreplicatedBytes: num(atStop.rt?.slaveFallBehindMuch), sendsInFlight: num(atStop.rt?.apogeeSendsInFlight), putsLastSecond: atStop.puts });
      fig('stopping (drain)');
      await driver.stop(node);
      await gate('master stopped', async () => ({ ok: !(await probe.runtime(b.addr)), figure: 'waiting for it to stop answering' }), { timeoutMs: gateMs, onFigure: fig });
      await driver.backup(node, backupLabel);
      fig(`starting ${state.target[b.addr]!.version}`);
      await driver.start(node, state.target[b.addr]!, writable && !skip.has('forbid-writes') ? [`--brokerPermission=${readOnly}`] : []);
      await registered(b, fig);
      if (writable) {
        fig('restoring write permission');
        await probe.updateConfig(b.addr, { brokerPermission: String(perm) });
        await gate('writable again on every NameServer', async () => {
          const cfg = await probe.config(b.addr);
          const restored = Number(cfg?.get('brokerPermission')) === perm;
          const on = restored ? await probe.writableOn(b) : [];
          return { ok: restored && on.length === view.namesrvs.length, figure: `brokerPermission ${cfg?.get('brokerPermission') ?? '?'}, writable on ${on.length} of ${view.namesrvs.length} NameServers` };
        }, { timeoutMs: gateMs, onFigure: fig });
        routesChangedNow();
      }
      if (hadTraffic) {
        try {
          const p0 = (await puts()) ?? 0;
          await gate('traffic returns', async () => {
            const p = (await puts()) ?? 0;
            return { ok: p > p0, figure: `${p - p0} puts since write permission came back` };
          }, { timeoutMs: Math.min(gateMs, 30_000), onFigure: fig });
        } catch (err) {
          report.warnings.push(`${label(node)}: ${(err as Error).message}`);
        }
      }
      return `on ${state.target[b.addr]!.version}${writable ? ', writable again' : ''}`;
    }

    async function registered(b: BrokerRef, fig: (f: string) => void): Promise<void> {
      await gate('registered on every NameServer and readable', async () => {
        const on = await probe.registeredOn(b);
        const rt = on.length === view.namesrvs.length ? await probe.runtime(b.addr) : undefined;
        return { ok: on.length === view.namesrvs.length && !!rt, figure: `registered on ${on.length} of ${view.namesrvs.length} NameServers${rt ? ', answering' : ''}` };
      }, { timeoutMs: gateMs, onFigure: fig });
    }

    async function lagging(v: ClusterView): Promise<string[]> {
      const out: string[] = [];
      for (const g of groupsOf(v)) {
        const m = num((await probe.runtime(g.master.addr))?.commitLogMaxOffset);
        for (const s of g.slaves) {
          const so = num((await probe.runtime(s.addr))?.commitLogMaxOffset);
          if (m === undefined || so === undefined || m - so > CAUGHT_UP_BYTES) out.push(`${brokerLabel(s)} ${m === undefined || so === undefined ? 'not readable' : `${m - so} bytes behind`}`);
        }
      }
      return out;
    }
  } finally {
    await probe.close();
  }
}

const brokerNode = (b: BrokerRef): UpgradeNode => ({ kind: 'broker', addr: b.addr, broker: b });

function allNodes(v: ClusterView): UpgradeNode[] {
  return [...v.namesrvs.map((addr): UpgradeNode => ({ kind: 'namesrv', addr })), ...v.brokers.map(brokerNode)];
}

function groupsOf(v: ClusterView): Array<{ master: BrokerRef; slaves: BrokerRef[] }> {
  const out: Array<{ master: BrokerRef; slaves: BrokerRef[] }> = [];
  for (const g of [...new Set(v.brokers.map((b) => b.group))].sort()) {
    const master = v.brokers.find((b) => b.group === g && b.brokerId === 0);
    if (master) out.push({ master, slaves: v.brokers.filter((b) => b.group === g && b.brokerId > 0) });
  }
  return out;
}

function describeTargets(state: RunState, nodes: UpgradeNode[]): string {
  const versions = [...new Set(nodes.map((n) => state.target[n.addr]?.version ?? '?'))];
  return versions.length === 1 ? `release ${versions[0]}` : `releases ${versions.join(', ')}`;
}
