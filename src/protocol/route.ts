/**
 * NameServer bodies: registration (plain or zlib-compressed), routes, cluster info, topic lists,
 * KV tables. Decoders accept what every 3.5.8–4.9 peer writes; encoders write the fastjson dialect,
 * except routes for a client of version ≥ 401 or one that asks `acceptStandardJsonOnly`, which get
 * standard JSON as 4.9.4+ NameServers send it.
 */
import { inflateSync } from 'node:zlib';
import { parseFastJson, toFastJson } from '../codec/fastjson.js';
import { quoteJson } from '../codec/json-string.js';
import { dataVersionJson, decodeDataVersion, type DataVersion } from './data-version.js';
import { asObject, BodyError, num, parseJsonBody, strList, type Obj } from './json.js';
import { decodeTopicConfigWrapper, topicConfigJson, type TopicConfig } from './bodies/topic-config.js';
import { isWriteable } from './perm.js';

/** A registration carries the broker's topic table and its DataVersion. */
export type { DataVersion, TopicConfig };

export interface RegisterBrokerBody {
  topicConfigTable: Map<string, TopicConfig>;
  dataVersion: DataVersion;
  filterServerList: string[];
}

export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}

export interface BrokerData {
  cluster?: string;
  brokerName: string;
  brokerAddrs: Map<number, string>;
}

export interface TopicRouteData {
  orderTopicConf?: string;
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
  filterServerTable: Map<string, string[]>;
}

export interface ClusterInfo {
  brokerAddrTable: Map<string, BrokerData>;
  clusterAddrTable: Map<string, string[]>;
}

/**
 * Whether a route lets clients write to a broker group: its queue data has WRITE. Asked of the route of
 * the topic named after the group (every broker registers it), this is the group's write permission as
 * the NameServer holds it. Undefined when the route does not list the group.
 */
export function groupWritableIn(route: TopicRouteData, brokerName: string): boolean | undefined {
  const q = route.queueDatas.find((d) => d.brokerName === brokerName);
  return q ? isWriteable(q.perm) : undefined;
}

/**
 * The REGISTER_BROKER body. Brokers older than V3_0_11 (37) sent a bare TopicConfigSerializeWrapper;
 * 4.3+ brokers may send the zlib-compressed binary form.
 */
export function decodeRegisterBrokerBody(
  body: Buffer | undefined,
  options: { legacy?: boolean; compressed?: boolean },
): RegisterBrokerBody {
  if (!body || body.length === 0) {
    return { topicConfigTable: new Map(), dataVersion: { timestamp: 0, counter: 0 }, filterServerList: [] };
  }
  if (options.compressed) return decodeCompressedRegisterBody(body);
  const o = parseJsonBody(body, 'REGISTER_BROKER');
  if (options.legacy) return { ...decodeTopicConfigWrapper(o), filterServerList: [] };
  // Java's RegisterBrokerBody starts with an empty wrapper holding a new DataVersion.
  const wrapper = decodeTopicConfigWrapper(o.topicConfigSerializeWrapper ?? {});
  return { ...wrapper, filterServerList: strList(o.filterServerList) };
}

function decodeCompressedRegisterBody(body: Buffer): RegisterBrokerBody {
  let raw: Buffer;
  try {
    raw = inflateSync(body, { maxOutputLength: 64 * 1024 * 1024 });
  } catch (err) {
    throw new BodyError(`compressed REGISTER_BROKER body does not inflate: ${(err as Error).message}`);
  }
  let p = 0;
  const readChunk = (what: string): string => {
    if (p + 4 > raw.length) throw new BodyError(`compressed REGISTER_BROKER body truncated at ${what}`);
    const len = raw.readInt32BE(p);
    p += 4;
    if (len < 0 || p + len > raw.length) throw new BodyError(`compressed REGISTER_BROKER body: bad ${what} length ${len}`);
    const s = raw.toString('utf8', p, p + len);
    p += len;
    return s;
  };
  const dataVersion = decodeDataVersion(parseFastJson(readChunk('dataVersion')));
  if (p + 4 > raw.length) throw new BodyError('compressed REGISTER_BROKER body truncated at topic count');
  const count = raw.readInt32BE(p);
  p += 4;
  const table = new Map<string, TopicConfig>();
  for (let i = 0; i < count; i++) {
    // `topicName readQueueNums writeQueueNums perm topicFilterType [topicSysFlag order]`
    const parts = readChunk('topic config').split(' ');
    if (parts.length < 5) throw new BodyError(`compressed topic config has ${parts.length} fields`);
    const [name, r, w, perm, filter, sys, order] = parts as [string, string, string, string, string, string?, string?];
    table.set(name, {
      topicName: name,
      readQueueNums: num(r),
      writeQueueNums: num(w),
      perm: num(perm),
      topicFilterType: filter,
      topicSysFlag: num(sys),
      order: order === 'true',
    });
  }
  const filters = p < raw.length ? parseFastJson(readChunk('filter servers')) : [];
  return { topicConfigTable: table, dataVersion, filterServerList: strList(filters) };
}

function brokerDataJson(bd: BrokerData): Obj {
  return { brokerAddrs: bd.brokerAddrs, brokerName: bd.brokerName, cluster: bd.cluster };
}

const quote = quoteJson;

/**
 * TopicRouteData is the NameServer's hot reply, so it is written by hand rather than through the
 * generic writer — same bytes: bean members sorted, `brokerAddrs` keys bare (dialect) or quoted
 * (standard), and QueueData's flag under both names: `topicSynFlag` (≤ 4.8) and `topicSysFlag` (4.9+).
 */
export function encodeTopicRouteData(route: TopicRouteData, standard: boolean): Buffer {
  let s = '{"brokerDatas":[';
  for (let i = 0; i < route.brokerDatas.length; i++) {
    const bd = route.brokerDatas[i]!;
    s += (i ? ',' : '') + '{"brokerAddrs":{';
    let first = true;
    for (const [id, addr] of bd.brokerAddrs) {
      s += (first ? '' : ',') + (standard ? '"' + id + '"' : id) + ':' + quote(addr);
      first = false;
    }
    s += '},"brokerName":' + quote(bd.brokerName) + (bd.cluster === undefined ? '' : ',"cluster":' + quote(bd.cluster)) + '}';
  }
  s += '],"filterServerTable":{';
  let first = true;
  for (const [addr, servers] of route.filterServerTable) {
    s += (first ? '' : ',') + quote(addr) + ':[' + servers.map(quote).join(',') + ']';
    first = false;
  }
  s += '}';
  if (route.orderTopicConf !== undefined) s += ',"orderTopicConf":' + quote(route.orderTopicConf);
  s += ',"queueDatas":[';
  for (let i = 0; i < route.queueDatas.length; i++) {
    const q = route.queueDatas[i]!;
    s +=
      (i ? ',' : '') +
      '{"brokerName":' + quote(q.brokerName) +
      ',"perm":' + q.perm +
      ',"readQueueNums":' + q.readQueueNums +
      ',"topicSynFlag":' + q.topicSysFlag +
      ',"topicSysFlag":' + q.topicSysFlag +
      ',"writeQueueNums":' + q.writeQueueNums + '}';
  }
  return Buffer.from(s + ']}', 'utf8');
}

function decodeBrokerData(v: unknown): BrokerData {
  const o = asObject(v, 'brokerData');
  const addrs = new Map<number, string>();
  if (o.brokerAddrs) {
    const a = asObject(o.brokerAddrs, 'brokerAddrs');
    for (const k of Object.keys(a)) if (typeof a[k] === 'string') addrs.set(Number(k), a[k] as string);
  }
  return {
    cluster: typeof o.cluster === 'string' ? o.cluster : undefined,
    brokerName: String(o.brokerName ?? ''),
    brokerAddrs: addrs,
  };
}

export function decodeTopicRouteData(body: Buffer | undefined): TopicRouteData {
  const o = parseJsonBody(body, 'TopicRouteData');
  const filterServerTable = new Map<string, string[]>();
  if (o.filterServerTable) {
    const f = asObject(o.filterServerTable, 'filterServerTable');
    for (const k of Object.keys(f)) filterServerTable.set(k, strList(f[k]));
  }
  return {
    orderTopicConf: typeof o.orderTopicConf === 'string' ? o.orderTopicConf : undefined,
    queueDatas: (Array.isArray(o.queueDatas) ? o.queueDatas : []).map((q) => {
      const qo = asObject(q, 'queueData');
      return {
        brokerName: String(qo.brokerName ?? ''),
        readQueueNums: num(qo.readQueueNums),
        writeQueueNums: num(qo.writeQueueNums),
        perm: num(qo.perm),
        topicSysFlag: num(qo.topicSysFlag ?? qo.topicSynFlag),
      };
    }),
    brokerDatas: (Array.isArray(o.brokerDatas) ? o.brokerDatas : []).map(decodeBrokerData),
    filterServerTable,
  };
}

export function encodeClusterInfo(info: ClusterInfo): Buffer {
  const brokers = new Map<string, Obj>();
  for (const [name, bd] of info.brokerAddrTable) brokers.set(name, brokerDataJson(bd));
  return Buffer.from(toFastJson({ brokerAddrTable: brokers, clusterAddrTable: info.clusterAddrTable }), 'utf8');
}

export function decodeClusterInfo(body: Buffer | undefined): ClusterInfo {
  const o = parseJsonBody(body, 'ClusterInfo');
  const brokerAddrTable = new Map<string, BrokerData>();
  const clusterAddrTable = new Map<string, string[]>();
  if (o.brokerAddrTable) {
    const t = asObject(o.brokerAddrTable, 'brokerAddrTable');
    for (const k of Object.keys(t)) brokerAddrTable.set(k, decodeBrokerData(t[k]));
  }
  if (o.clusterAddrTable) {
    const t = asObject(o.clusterAddrTable, 'clusterAddrTable');
    for (const k of Object.keys(t)) clusterAddrTable.set(k, strList(t[k]));
  }
  return { brokerAddrTable, clusterAddrTable };
}

export function encodeRegisterBrokerBody(body: RegisterBrokerBody): Buffer {
  const table = new Map<string, Obj>();
  for (const [name, tc] of body.topicConfigTable) table.set(name, topicConfigJson(tc));
  return Buffer.from(
    toFastJson({
      filterServerList: body.filterServerList,
      topicConfigSerializeWrapper: { dataVersion: dataVersionJson(body.dataVersion), topicConfigTable: table },
    }),
    'utf8',
  );
}

export function encodeTopicList(topics: Iterable<string>, brokerAddr?: string): Buffer {
  return Buffer.from(toFastJson({ brokerAddr, topicList: [...topics] }), 'utf8');
}

export function decodeTopicList(body: Buffer | undefined): { topicList: string[]; brokerAddr?: string } {
  const o = parseJsonBody(body, 'TopicList');
  return { topicList: strList(o.topicList), brokerAddr: typeof o.brokerAddr === 'string' ? o.brokerAddr : undefined };
}

export function encodeKVTable(table: Map<string, string>): Buffer {
  return Buffer.from(toFastJson({ table }), 'utf8');
}

export function decodeKVTable(body: Buffer | undefined): Map<string, string> {
  const o = parseJsonBody(body, 'KVTable');
  const out = new Map<string, string>();
  if (o.table) {
    const t = asObject(o.table, 'table');
    for (const k of Object.keys(t)) out.set(k, String(t[k]));
  }
  return out;
}

/** A KVTable as a plain record (GET_BROKER_RUNTIME_INFO's statistics). */
export function decodeRuntimeKV(body: Buffer | undefined): Record<string, string> {
  return Object.fromEntries(decodeKVTable(body));
}
