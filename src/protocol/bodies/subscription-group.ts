/** SubscriptionGroupConfig: a consumer group's settings on a broker. */
import { toFastJson } from '../../codec/fastjson.js';
import { asObject, bool, num, parseJsonBody } from '../json.js';
import { decodeDataVersion, type DataVersion } from '../data-version.js';

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

/** Java's defaults, shared by the broker (auto-created groups), the store's files and clients. */
export function subscriptionGroupDefaults(groupName: string): SubscriptionGroupConfig {
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
  };
}

/** One group's config (a request body, or an entry of a table), Java's defaults for what is missing. */
export function decodeSubscriptionGroupConfig(name: string, v: unknown): SubscriptionGroupConfig {
  const g = asObject(v, name);
  const d = subscriptionGroupDefaults(name);
  return {
    groupName: typeof g.groupName === 'string' ? g.groupName : name,
    consumeEnable: bool(g.consumeEnable, d.consumeEnable),
    consumeFromMinEnable: bool(g.consumeFromMinEnable, d.consumeFromMinEnable),
    consumeBroadcastEnable: bool(g.consumeBroadcastEnable, d.consumeBroadcastEnable),
    retryQueueNums: num(g.retryQueueNums, d.retryQueueNums),
    retryMaxTimes: num(g.retryMaxTimes, d.retryMaxTimes),
    brokerId: num(g.brokerId, d.brokerId),
    whichBrokerWhenConsumeSlowly: num(g.whichBrokerWhenConsumeSlowly, d.whichBrokerWhenConsumeSlowly),
    notifyConsumerIdsChangedEnable: bool(g.notifyConsumerIdsChangedEnable, d.notifyConsumerIdsChangedEnable),
  };
}

/** A SubscriptionGroupWrapper (GET_ALL_SUBSCRIPTIONGROUP_CONFIG, subscriptionGroup.json). */
export function decodeSubscriptionGroupWrapper(v: unknown): { dataVersion: DataVersion; subscriptionGroupTable: Map<string, SubscriptionGroupConfig> } {
  const o = asObject(v, 'subscriptionGroupWrapper');
  const table = new Map<string, SubscriptionGroupConfig>();
  const t = asObject(o.subscriptionGroupTable ?? {}, 'subscriptionGroupTable');
  for (const name of Object.keys(t)) table.set(name, decodeSubscriptionGroupConfig(name, t[name]));
  return { dataVersion: decodeDataVersion(o.dataVersion), subscriptionGroupTable: table };
}

export function decodeSubscriptionGroupTable(body: Buffer | undefined): Map<string, SubscriptionGroupConfig> {
  return decodeSubscriptionGroupWrapper(parseJsonBody(body, 'SubscriptionGroupWrapper')).subscriptionGroupTable;
}

/** UPDATE_AND_CREATE_SUBSCRIPTIONGROUP's body: Java's defaults for what `cfg` leaves out. */
export function encodeSubscriptionGroup(cfg: Partial<SubscriptionGroupConfig> & { groupName: string }): Buffer {
  return Buffer.from(toFastJson({ ...subscriptionGroupDefaults(cfg.groupName), ...cfg }), 'utf8');
}

