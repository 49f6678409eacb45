/**
 * How a node is stopped, backed up, swapped and started. The orchestrator's gates speak only
 * RocketMQ's protocol; everything that touches a host goes through a driver: the built-in one for
 * clusters started by `apogee cluster`, or shell command templates for anyone else's hosts.
 */
import type { BrokerRef } from './probe.js';
import type { Release } from './release.js';

export interface UpgradeNode {
  kind: 'namesrv' | 'broker';
  addr: string;
  /** For brokers: its group and id as the NameServers know them. */
  broker?: BrokerRef;
}

export interface Driver {
  readonly description: string;
  /** Where the resumable run state is kept. */
  readonly statePath: string;
  /** The operator's name for a node. */
  nameOf(node: UpgradeNode): string;
  /** The release the node runs now, when the driver can tell. */
  releaseOf(node: UpgradeNode): Promise<Release | undefined>;
  /** Stops the node gracefully (a broker drains) and returns once it has exited. */
  stop(node: UpgradeNode): Promise<void>;
  /** Backs up the node's config and store metadata; returns where, if anywhere. */
  backup(node: UpgradeNode, label: string): Promise<string | undefined>;
  /** Starts the node on a release; extraArgs are RocketMQ flags for this start only (e.g. --brokerPermission=4). */
  start(node: UpgradeNode, release: Release, extraArgs: string[]): Promise<void>;
  /**
   * The addresses of the nodes the driver knows of (NameServers may be among them), when it knows its
   * cluster: a broker no NameServer lists (down, or still starting) would otherwise be left out of the
   * plan and stay on its old release.
   */
  knownAddrs?(): string[];
  /** Free bytes where backups go, when known. */
  freeBytes?(): number | undefined;
}
