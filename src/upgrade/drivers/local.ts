/**
 * The built-in driver for clusters started by `apogee cluster` (processes on this machine, or in
 * network namespaces with --hosts): nodes are found in the cluster's state file by address, stopped
 * by pid (SIGTERM: brokers drain), started from the release's own CLI on the same property file.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { loadState } from '../../cluster/control.js';
import { hostsWrap } from '../../cluster/hosts.js';
import { nodeFiles, type ClusterState } from '../../cluster/layout.js';
import { findNodePid, installOf, noWrap, startNode, stopNode } from '../../cluster/processes.js';
import type { NodeSpec } from '../../cluster/topology.js';
import type { Driver, UpgradeNode } from '../driver.js';
import { resolveRelease, type Release } from '../release.js';

export class LocalDriver implements Driver {
  readonly description: string;
  readonly statePath: string;
  /** The cluster as started: its topology, data directory and network never change during a run. */
  private readonly cluster: ClusterState;

  constructor(data: string) {
    this.cluster = loadState(data);
    this.description = `apogee cluster in ${this.cluster.data} (${this.cluster.mode})`;
    this.statePath = join(this.cluster.data, 'upgrade-state.json');
  }

  /**
   * The node pids, read anew from their pid files for every action: an operator may start, stop or
   * kill nodes with `apogee cluster` while a run is under way (or stopped).
   */
  private get state(): ClusterState {
    return loadState(this.cluster.data);
  }

  get namesrvAddrs(): string[] {
    return this.cluster.topology.nodes.filter((n) => n.kind === 'namesrv').map((n) => `${n.host}:${n.port}`);
  }

  knownAddrs(): string[] {
    return this.cluster.topology.nodes.map((n) => `${n.host}:${n.port}`);
  }

  private spec(node: UpgradeNode): NodeSpec {
    const spec = this.cluster.topology.nodes.find((n) => `${n.host}:${n.port}` === node.addr);
    if (!spec) throw new Error(`${node.addr} is not a node of the cluster in ${this.cluster.data}`);
    return spec;
  }

  nameOf(node: UpgradeNode): string {
    return this.spec(node).name;
  }

  async releaseOf(node: UpgradeNode): Promise<Release | undefined> {
    const spec = this.spec(node);
    const pid = findNodePid(this.state.pids[spec.name], this.cluster.data, spec);
    if (pid === undefined) return undefined;
    const install = installOf(pid);
    return install ? resolveRelease(install) : undefined;
  }

  async stop(node: UpgradeNode): Promise<void> {
    const spec = this.spec(node);
    const how = await stopNode(this.state.pids[spec.name], this.cluster.data, spec);
    if (how === 'killed') throw new Error(`${spec.name} did not stop within its grace period and was killed`);
  }

  /** Copies the checkpoint (rewritten in place) and hard-links the config JSONs (always replaced whole). */
  async backup(node: UpgradeNode, label: string): Promise<string | undefined> {
    const spec = this.spec(node);
    const files = nodeFiles(this.cluster.data, spec);
    const dir = join(files.dir, 'backups', label);
    mkdirSync(dir, { recursive: true });
    copyFileSync(files.properties, join(dir, `${spec.name}.properties`));
    const store = join(files.dir, 'store');
    if (existsSync(join(store, 'checkpoint'))) copyFileSync(join(store, 'checkpoint'), join(dir, 'checkpoint'));
    const config = join(store, 'config');
    if (existsSync(config)) {
      mkdirSync(join(dir, 'config'), { recursive: true });
      for (const name of readdirSync(config)) {
        if (!/\.json(\.bak)?$/.test(name)) continue;
        try {
          linkSync(join(config, name), join(dir, 'config', name));
        } catch {
          copyFileSync(join(config, name), join(dir, 'config', name));
        }
      }
    }
    if (spec.kind === 'namesrv' && existsSync(join(files.dir, 'namesrv'))) {
      mkdirSync(join(dir, 'namesrv'), { recursive: true });
      for (const name of readdirSync(join(files.dir, 'namesrv'))) copyFileSync(join(files.dir, 'namesrv', name), join(dir, 'namesrv', name));
    }
    return dir;
  }

  async start(node: UpgradeNode, release: Release, extraArgs: string[]): Promise<void> {
    const spec = this.spec(node);
    if (findNodePid(this.state.pids[spec.name], this.cluster.data, spec) !== undefined) return;
    const wrap = this.cluster.net ? hostsWrap(this.cluster.net) : noWrap;
    await startNode(this.cluster.data, spec, wrap, 30_000, { install: release.install, extraArgs });
  }

  freeBytes(): number | undefined {
    try {
      const st = statfsSync(this.cluster.data);
      return st.bavail * st.bsize;
    } catch {
      return undefined;
    }
  }
}
