/**
 * What operators' tools read off a broker beyond offsets: BrokerStatsData (VIEW_BROKER_STATS_DATA
 * 315), ConsumeStatsList (GET_BROKER_CONSUME_STATS 317), QueryConsumeQueueResponseBody
 * (QUERY_CONSUME_QUEUE 321), ConsumeMessageDirectlyResult (CONSUME_MESSAGE_DIRECTLY 309); their
 * request headers are in broker-headers.ts. Field names are Java's; doubles are written as Java prints
 * them (`0.0`), MessageQueue map keys as whole objects, as fastjson does.
 */
import { javaDouble, toFastJson } from '../../codec/fastjson.js';
import { bool, list, num, obj, parseJsonBody, str, type Obj } from '../json.js';
import { mqJson, mqMapEntries, type MessageQueue } from './message-queue.js';
import { decodeSubscription, type SubscriptionData } from './subscription.js';

/** Apache's BrokerStatsManager names the VIEW_BROKER_STATS_DATA request picks a table by. */
export const StatsName = {
  TOPIC_PUT_NUMS: 'TOPIC_PUT_NUMS',
  TOPIC_PUT_SIZE: 'TOPIC_PUT_SIZE',
  GROUP_GET_NUMS: 'GROUP_GET_NUMS',
  GROUP_GET_SIZE: 'GROUP_GET_SIZE',
  BROKER_PUT_NUMS: 'BROKER_PUT_NUMS',
  BROKER_GET_NUMS: 'BROKER_GET_NUMS',
} as const;

/** One window of a stats item: the count within it, its rate per second, and the average per call. */
export interface BrokerStatsItem {
  sum: number;
  tps: number;
  avgpt: number;
}

export interface BrokerStatsData {
  statsMinute: BrokerStatsItem;
  statsHour: BrokerStatsItem;
  statsDay: BrokerStatsItem;
}

const itemJson = (i: BrokerStatsItem): Obj => ({ avgpt: javaDouble(i.avgpt), sum: i.sum, tps: javaDouble(i.tps) });
const decodeItem = (v: unknown): BrokerStatsItem => {
  const o = obj(v);
  return { sum: num(o.sum), tps: num(o.tps), avgpt: num(o.avgpt) };
};

export function encodeBrokerStatsData(d: BrokerStatsData): Buffer {
  return Buffer.from(toFastJson({ statsDay: itemJson(d.statsDay), statsHour: itemJson(d.statsHour), statsMinute: itemJson(d.statsMinute) }), 'utf8');
}

export function decodeBrokerStatsData(body: Buffer | undefined): BrokerStatsData {
  const o = parseJsonBody(body, 'BrokerStatsData');
  return { statsMinute: decodeItem(o.statsMinute), statsHour: decodeItem(o.statsHour), statsDay: decodeItem(o.statsDay) };
}

export interface QueueOffsets {
  mq: MessageQueue;
  brokerOffset: number;
  consumerOffset: number;
  lastTimestamp: number;
}

/** One ConsumeStats of a ConsumeStatsList (a group's progress on one topic of one broker). */
export interface TopicConsumeStats {
  consumeTps: number;
  offsetTable: QueueOffsets[];
}

export interface ConsumeStatsList {
  brokerAddr: string;
  totalDiff: number;
  /** Java's List<Map<group, List<ConsumeStats>>>: one single-entry map per group. */
  consumeStatsList: Array<{ group: string; stats: TopicConsumeStats[] }>;
}

export function encodeConsumeStatsList(l: ConsumeStatsList): Buffer {
  const statsJson = (s: TopicConsumeStats): unknown => {
    const table = new Map<Obj, Obj>();
    for (const e of s.offsetTable) table.set(mqJson(e.mq), { brokerOffset: e.brokerOffset, consumerOffset: e.consumerOffset, lastTimestamp: e.lastTimestamp });
    return { consumeTps: javaDouble(s.consumeTps), offsetTable: table };
  };
  return Buffer.from(
    toFastJson({
      brokerAddr: l.brokerAddr,
      consumeStatsList: l.consumeStatsList.map((g) => new Map([[g.group, g.stats.map(statsJson)]])),
      totalDiff: l.totalDiff,
    }),
    'utf8',
  );
}

export function decodeConsumeStatsList(body: Buffer | undefined): ConsumeStatsList {
  const o = parseJsonBody(body, 'ConsumeStatsList');
  const groups: ConsumeStatsList['consumeStatsList'] = [];
  for (const m of list(o.consumeStatsList)) {
    for (const [group, stats] of Object.entries(obj(m))) {
      groups.push({
        group,
        stats: list(stats).map((s) => {
          const so = obj(s);
          return {
            consumeTps: num(so.consumeTps),
            offsetTable: mqMapEntries(so.offsetTable).map(([mq, w]) => {
              const ow = obj(w);
              return { mq, brokerOffset: num(ow.brokerOffset), consumerOffset: num(ow.consumerOffset), lastTimestamp: num(ow.lastTimestamp) };
            }),
          };
        }),
      });
    }
  }
  return { brokerAddr: str(o.brokerAddr), totalDiff: num(o.totalDiff), consumeStatsList: groups };
}

/** One consume-queue entry as QUERY_CONSUME_QUEUE reports it (the ext fields only with a CQ ext file). */
export interface ConsumeQueueData {
  physicOffset: number;
  physicSize: number;
  tagsCode: number;
  extendDataJson?: string;
  bitMap?: string;
  eval: boolean;
  msg?: string;
}

export interface QueryConsumeQueueResponseBody {
  subscriptionData?: SubscriptionData;
  filterData?: string;
  queueData: ConsumeQueueData[];
  maxQueueIndex: number;
  minQueueIndex: number;
}

export function encodeQueryConsumeQueueBody(b: QueryConsumeQueueResponseBody): Buffer {
  return Buffer.from(
    toFastJson({
      filterData: b.filterData,
      maxQueueIndex: b.maxQueueIndex,
      minQueueIndex: b.minQueueIndex,
      queueData: b.queueData.map((q) => ({ bitMap: q.bitMap, eval: q.eval, extendDataJson: q.extendDataJson, msg: q.msg, physicOffset: q.physicOffset, physicSize: q.physicSize, tagsCode: q.tagsCode })),
      subscriptionData: b.subscriptionData,
    }),
    'utf8',
  );
}

export function decodeQueryConsumeQueueBody(body: Buffer | undefined): QueryConsumeQueueResponseBody {
  const o = parseJsonBody(body, 'QueryConsumeQueueResponseBody');
  const optional = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
  return {
    subscriptionData: o.subscriptionData === undefined || o.subscriptionData === null ? undefined : decodeSubscription(o.subscriptionData),
    filterData: optional(o.filterData),
    maxQueueIndex: num(o.maxQueueIndex),
    minQueueIndex: num(o.minQueueIndex),
    queueData: list(o.queueData).map((v) => {
      const q = obj(v);
      return {
        physicOffset: num(q.physicOffset),
        physicSize: num(q.physicSize),
        tagsCode: num(q.tagsCode),
        extendDataJson: optional(q.extendDataJson),
        bitMap: optional(q.bitMap),
        eval: bool(q.eval),
        msg: optional(q.msg),
      };
    }),
  };
}

export interface ConsumeMessageDirectlyResult {
  order: boolean;
  autoCommit: boolean;
  /** CR_SUCCESS, CR_LATER, CR_ROLLBACK, CR_COMMIT, CR_THROW_EXCEPTION, CR_RETURN_NULL. */
  consumeResult?: string;
  remark?: string;
  spentTimeMills: number;
}

export function decodeConsumeMessageDirectlyResult(body: Buffer | undefined): ConsumeMessageDirectlyResult {
  const o = parseJsonBody(body, 'ConsumeMessageDirectlyResult');
  return {
    order: bool(o.order),
    autoCommit: bool(o.autoCommit, true),
    consumeResult: typeof o.consumeResult === 'string' ? o.consumeResult : undefined,
    remark: typeof o.remark === 'string' ? o.remark : undefined,
    spentTimeMills: num(o.spentTimeMills),
  };
}

/** Java's ConsumeMessageDirectlyResult.toString, which queryMsgById -g -d prints. */
export function consumeMessageDirectlyResultString(r: ConsumeMessageDirectlyResult): string {
  return `ConsumeMessageDirectlyResult [order=${r.order}, autoCommit=${r.autoCommit}, consumeResult=${r.consumeResult ?? 'null'}, remark=${r.remark ?? 'null'}, spentTimeMills=${r.spentTimeMills}]`;
}
