/** TopicConfig and its wrapper with the broker's DataVersion. */
import { asObject, bool, num, type Obj } from '../json.js';
import { decodeDataVersion, type DataVersion } from '../data-version.js';
import { PERM_READ, PERM_WRITE } from '../perm.js';

export interface TopicConfig {
  topicName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicFilterType: string;
  topicSysFlag: number;
  order: boolean;
}

/** Java's `new TopicConfig(name)` with `init` applied: 16 read and write queues, read-write. */
export function topicConfig(topicName: string, init: Partial<TopicConfig> = {}): TopicConfig {
  return { topicName, readQueueNums: 16, writeQueueNums: 16, perm: PERM_READ | PERM_WRITE, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false, ...init };
}

export function decodeTopicConfig(name: string, v: unknown): TopicConfig {
  const o = asObject(v, `topic config ${name}`);
  return {
    topicName: typeof o.topicName === 'string' ? o.topicName : name,
    readQueueNums: num(o.readQueueNums, 16),
    writeQueueNums: num(o.writeQueueNums, 16),
    perm: num(o.perm, PERM_READ | PERM_WRITE),
    topicFilterType: typeof o.topicFilterType === 'string' ? o.topicFilterType : 'SINGLE_TAG',
    topicSysFlag: num(o.topicSysFlag),
    order: bool(o.order),
  };
}

export function topicConfigJson(tc: TopicConfig): Obj {
  return { ...tc };
}

/** A TopicConfigSerializeWrapper: `{topicConfigTable, dataVersion}` (also topics.json). */
export function decodeTopicConfigWrapper(v: unknown): { topicConfigTable: Map<string, TopicConfig>; dataVersion: DataVersion } {
  const o = asObject(v, 'topicConfigSerializeWrapper');
  const table = new Map<string, TopicConfig>();
  if (o.topicConfigTable !== undefined && o.topicConfigTable !== null) {
    const t = asObject(o.topicConfigTable, 'topicConfigTable');
    for (const name of Object.keys(t)) table.set(name, decodeTopicConfig(name, t[name]));
  }
  return { topicConfigTable: table, dataVersion: decodeDataVersion(o.dataVersion) };
}
