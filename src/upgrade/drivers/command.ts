/**
 * A driver of shell command templates, one per action, for nodes this tool did not start: an
 * operator's hosts (`ssh {host} systemctl restart …`), containers, or Apache RocketMQ Java nodes.
 * Placeholders: {name} {kind} {addr} {host} {port} {group} {brokerId} and, for start, {release}
 * (the installation path), {version} and {extraArgs}.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Driver, UpgradeNode } from '../driver.js';
import { resolveRelease, type Release } from '../release.js';

export interface CommandTemplates {
  stop: string;
  start: string;
  backup?: string;
  /** Prints the installation path the node runs (for rollback), e.g. `cat /etc/apogee/{name}.release`. */
  release?: string;
  /** Optional names per address; else brokers are <group>[-s<id>] and NameServers namesrv-<host>-<port>. */
  names?: Record<string, string>;
  /** Where the run state is kept (default: next to the template file). */
  state?: string;
  /** Seconds an action may take (default 120). */
  timeoutSeconds?: number;
}

export class CommandDriver implements Driver {
  readonly description: string;
  readonly statePath: string;
  private readonly t: CommandTemplates;

  constructor(file: string) {
    let parsed: unknown;
    try {
      parsed = parseYaml(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new Error(`driver file ${file}: ${(err as Error).message.split('\n')[0]}`);
    }
    const t = parsed as CommandTemplates;
    if (!t || typeof t.stop !== 'string' || typeof t.start !== 'string') throw new Error(`driver file ${file}: needs at least "stop" and "start" command templates`);
    this.t = t;
    this.description = `command templates from ${file}`;
    this.statePath = t.state ? resolve(dirname(file), t.state) : resolve(dirname(file), 'apogee-upgrade-state.json');
  }

  knownAddrs(): string[] {
    return Object.keys(this.t.names ?? {});
  }

  nameOf(node: UpgradeNode): string {
    const named = this.t.names?.[node.addr];
    if (named) return named;
    if (node.broker) return node.broker.brokerId === 0 ? node.broker.group : `${node.broker.group}-s${node.broker.brokerId === 1 ? '' : node.broker.brokerId}`;
    return `namesrv-${node.addr.replace(/[:.]/g, '-')}`;
  }

  private fill(template: string, node: UpgradeNode, extra: Record<string, string> = {}): string {
    const colon = node.addr.lastIndexOf(':');
    const values: Record<string, string> = {
      name: this.nameOf(node),
      kind: node.kind,
      addr: node.addr,
      host: node.addr.slice(0, colon),
      port: node.addr.slice(colon + 1),
      group: node.broker?.group ?? '',
      brokerId: String(node.broker?.brokerId ?? ''),
      ...extra,
    };
    return template.replace(/\{(\w+)\}/g, (m, key: string) => values[key] ?? m);
  }

  private run(action: string, command: string): Promise<string> {
    const timeoutMs = (this.t.timeoutSeconds ?? 120) * 1000;
    return new Promise((done, fail) => {
      const child = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let err = '';
      child.stdout.on('data', (c: Buffer) => (out += c.toString()));
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('error', (e) => {
        clearTimeout(timer);
        fail(new Error(`${action}: ${e.message}`));
      });
      child.once('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) return done(out.trim());
        const last = (err || out).trim().split('\n').pop() ?? '';
        fail(new Error(`${action} command ${signal ? `killed after ${timeoutMs / 1000} s` : `exited ${code}`}${last ? `: ${last}` : ''}`));
      });
    });
  }

  async releaseOf(node: UpgradeNode): Promise<Release | undefined> {
    if (!this.t.release) return undefined;
    const install = await this.run('release', this.fill(this.t.release, node)).catch(() => '');
    return install ? resolveRelease(install) : undefined;
  }

  async stop(node: UpgradeNode): Promise<void> {
    await this.run(`stop ${this.nameOf(node)}`, this.fill(this.t.stop, node));
  }

  async backup(node: UpgradeNode, label: string): Promise<string | undefined> {
    if (!this.t.backup) return undefined;
    return (await this.run(`backup ${this.nameOf(node)}`, this.fill(this.t.backup, node, { label }))) || undefined;
  }

  async start(node: UpgradeNode, release: Release, extraArgs: string[]): Promise<void> {
    await this.run(`start ${this.nameOf(node)}`, this.fill(this.t.start, node, { release: release.install, version: release.version, extraArgs: extraArgs.join(' ') }));
  }
}
