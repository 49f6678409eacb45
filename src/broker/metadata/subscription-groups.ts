/** Consumer group settings (subscriptionGroup.json): retry limits, consume permissions. */
import type { DataVersion } from '../../protocol/data-version.js';
import { BUILT_IN_GROUPS } from '../../protocol/system-topics.js';
import { decodeSubscriptionGroupConfig, subscriptionGroupDefaults, type SubscriptionGroupConfig } from '../../protocol/bodies/subscription-group.js';
import type { StoreConfigFiles } from './config-files.js';

export type { SubscriptionGroupConfig };

export function groupConfig(groupName: string, init: Partial<SubscriptionGroupConfig> = {}): SubscriptionGroupConfig {
  return { ...subscriptionGroupDefaults(groupName), ...init };
}

/** One group's config as a request body carries it (UPDATE_AND_CREATE_SUBSCRIPTIONGROUP), defaults filled in. */
export function decodeGroupConfig(name: string, v: unknown): SubscriptionGroupConfig {
  return decodeSubscriptionGroupConfig(name, v ?? {});
}

export class SubscriptionGroups {
  private readonly table = new Map<string, SubscriptionGroupConfig>();
  dataVersion: DataVersion = { timestamp: Date.now(), counter: 0 };

  constructor(private readonly files: StoreConfigFiles, private readonly autoCreate: boolean, private readonly defaultRetryMaxTimes = 16) {
    for (const g of BUILT_IN_GROUPS) this.table.set(g, groupConfig(g));
  }

  load(): void {
    const file = this.files.loadSubscriptionGroups();
    if (!file) return;
    for (const [name, g] of file.subscriptionGroupTable) this.table.set(name, g);
    this.dataVersion = file.dataVersion;
  }

  /** Writes subscriptionGroup.json: in the background, or now (`sync`, at shutdown). */
  persist(sync = false): void {
    this.files.saveSubscriptionGroups({ dataVersion: this.dataVersion, subscriptionGroupTable: this.table }, !sync);
  }

  get(group: string): SubscriptionGroupConfig | undefined {
    return this.table.get(group);
  }

  /** The group's config, created with defaults when auto-creation is on; undefined otherwise. */
  findOrCreate(group: string): SubscriptionGroupConfig | undefined {
    let g = this.table.get(group);
    if (!g && this.autoCreate) {
      g = groupConfig(group, { retryMaxTimes: this.defaultRetryMaxTimes });
      this.put(g);
    }
    return g;
  }

  put(g: SubscriptionGroupConfig): void {
    this.table.set(g.groupName, g);
    this.dataVersion = { timestamp: Date.now(), counter: this.dataVersion.counter + 1 };
    this.persist();
  }

  /** A slave takes its master's whole table and version. */
  replaceAll(configs: SubscriptionGroupConfig[], dataVersion: DataVersion): void {
    this.table.clear();
    for (const g of configs) this.table.set(g.groupName, g);
    this.dataVersion = dataVersion;
    this.persist();
  }

  delete(group: string): boolean {
    if (!this.table.delete(group)) return false;
    this.dataVersion = { timestamp: Date.now(), counter: this.dataVersion.counter + 1 };
    this.persist();
    return true;
  }

  all(): Map<string, SubscriptionGroupConfig> {
    return this.table;
  }
}
