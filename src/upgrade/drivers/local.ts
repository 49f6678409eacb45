/**
 * The built-in driver for clusters started by `apogee cluster` (processes on this machine, or in
 * network namespaces with --hosts): nodes are found in the cluster's state file by address, stopped
 * by pid (SIGTERM: brokers drain), started from the release's own CLI on the same property file.
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, readdirSync, statfsSync } from 'node:fs';
import { join } from 'node:path';
import { loadState } from '../../cluster/control.js';
import { hostsWrap } from '../../cluster/hosts.js';
import { nodeFiles, writeState, type ClusterState } from '../../cluster/layout.js';
import { installOf, isNodeProcess, noWrap, startNode, stopNode } from '../../cluster/processes.js';
import type { NodeSpec } from '../../cluster/topology.js';
import type { Driver, UpgradeNode } from '../driver.js';
import { resolveRelease, type Release } from '../release.js';

export class LocalDriver implements Driver {
  readonly description: string;
  readonly statePath: string;
  private readonly state: ClusterState;

  constructor(data: string) {
    this.state = loadState(data);
    this.description = `apogee cluster in ${this.state.data} (${this.state.mode})`;
    this.statePath = join(this.state.data, 'upgrade-state.json');
  }

  get namesrvAddrs(): string[] {
    return this.state.topology.nodes.filter((n) => n.kind === 'namesrv').map((n) => `${n.host}:${n.port}`);
  }

  private spec(node: UpgradeNode): NodeSpec {
    const spec = this.state.topology.nodes.find((n) => `${n.host}:${n.port}` === node.addr);
    if (!spec) throw new Error(`${node.addr} is not a node of the cluster in ${this.state.data}`);
    return spec;
  }

  nameOf(node: UpgradeNode): string {
    return this.spec(node).name;
  }

  async releaseOf(node: UpgradeNode): Promise<Release | undefined> {
    const spec = this.spec(node);
    const pid = this.state.pids[spec.name];
    if (!isNodeProcess(pid, this.state.data, spec)) return undefined;
    const install = installOf(pid!);
    return install ? resolveRelease(install) : undefined;
  }

  async stop(node: UpgradeNode): Promise<void> {
    const spec = this.spec(node);
    const how = await stopNode(this.state.pids[spec.name], this.state.data, spec);
    delete this.state.pids[spec.name];
    writeState(this.state);
    if (how === 'killed') throw new Error(`${spec.name} did not stop within its grace period and was killed`);
  }

  /** Copies the checkpoint (rewritten in place) and hard-links the config JSONs (always replaced whole). */
  async backup(node: UpgradeNode, label: string): Promise<string | undefined> {
    const spec = this.spec(node);
    const files = nodeFiles(this.state.data, spec);
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
    if (isNodeProcess(this.state.pids[spec.name], this.state.data, spec)) return;
    const wrap = this.state.net ? hostsWrap(this.state.net) : noWrap;
    this.state.pids[spec.name] = await startNode(this.state.data, spec, wrap, 30_000, { install: release.install, extraArgs });
    writeState(this.state);
  }

  freeBytes(): number | undefined {
    try {
      const st = statfsSync(this.state.data);
      return st.bavail * st.bsize;
    } catch {
      return undefined;
    }
  }
}
