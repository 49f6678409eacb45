/** Consumer group settings (subscriptionGroup.json): retry limits, consume permissions. */
import { join } from 'node:path';
import { dataVersionJson, decodeDataVersion, type DataVersion } from '../../protocol/route.js';
import { loadConfigFile, saveConfigFile } from './config-file.js';

export interface SubscriptionGroupConfig {
  groupName: string;
  consumeEnable: boolean;
  consumeFromMinEnable: boolean;
  consumeBroadcastEnable: boolean;
  retryQueueNums: number;
  retryMaxTimes: number;
  brokerId: number;
  whichBrokerWhenConsumeSlowly: number;
  notifyConsumerIdsChangedEnable: boolean;
}

export function groupConfig(groupName: string, init: Partial<SubscriptionGroupConfig> = {}): SubscriptionGroupConfig {
  return {
    groupName,
    consumeEnable: true,
    consumeFromMinEnable: true,
    consumeBroadcastEnable: true,
    retryQueueNums: 1,
    retryMaxTimes: 16,
    brokerId: 0,
    whichBrokerWhenConsumeSlowly: 1,
    notifyConsumerIdsChangedEnable: true,
    ...init,
  };
}

const BUILT_IN = ['TOOLS_CONSUMER', 'FILTERSRV_CONSUMER', 'SELF_TEST_C_GROUP', 'CID_ONS-HTTP-PROXY', 'CID_ONSAPI_PULL', 'CID_ONSAPI_PERMISSION', 'CID_ONSAPI_OWNER'];

export function decodeGroupConfig(name: string, v: unknown): SubscriptionGroupConfig {
  const o = (v ?? {}) as Record<string, unknown>;
  const b = (k: string, d: boolean): boolean => (typeof o[k] === 'boolean' ? (o[k] as boolean) : typeof o[k] === 'string' ? o[k] === 'true' : d);
  const n = (k: string, d: number): number => (typeof o[k] === 'number' ? (o[k] as number) : typeof o[k] === 'string' && o[k] !== '' ? Number(o[k]) : d);
  return groupConfig(typeof o.groupName === 'string' ? o.groupName : name, {
    consumeEnable: b('consumeEnable', true),
    consumeFromMinEnable: b('consumeFromMinEnable', true),
    consumeBroadcastEnable: b('consumeBroadcastEnable', true),
    retryQueueNums: n('retryQueueNums', 1),
    retryMaxTimes: n('retryMaxTimes', 16),
    brokerId: n('brokerId', 0),
    whichBrokerWhenConsumeSlowly: n('whichBrokerWhenConsumeSlowly', 1),
    notifyConsumerIdsChangedEnable: b('notifyConsumerIdsChangedEnable', true),
  });
}

export class SubscriptionGroups {
  private readonly table = new Map<string, SubscriptionGroupConfig>();
  dataVersion: DataVersion = { timestamp: Date.now(), counter: 0 };
  private readonly path: string;

  constructor(configDir: string, private readonly autoCreate: boolean, private readonly defaultRetryMaxTimes = 16) {
    this.path = join(configDir, 'subscriptionGroup.json');
    for (const g of BUILT_IN) this.table.set(g, groupConfig(g));
  }

  load(): void {
    const data = loadConfigFile(this.path);
    if (!data) return;
    const t = (data.subscriptionGroupTable ?? {}) as Record<string, unknown>;
    for (const name of Object.keys(t)) this.table.set(name, decodeGroupConfig(name, t[name]));
    if (data.dataVersion) this.dataVersion = decodeDataVersion(data.dataVersion);
  }

  persist(): void {
    saveConfigFile(this.path, { dataVersion: dataVersionJson(this.dataVersion), subscriptionGroupTable: this.table });
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
