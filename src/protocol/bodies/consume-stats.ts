/**
 * Offsets and progress: ConsumeStats (GET_CONSUME_STATS), TopicStatsTable (GET_TOPIC_STATS_INFO),
 * QueryConsumeTimeSpanBody, ResetOffsetBody, ConsumerOffsetSerializeWrapper (GET_ALL_CONSUMER_OFFSET).
 * Every MessageQueue-keyed map is written with whole-object keys, as fastjson does.
 */
import { javaDouble, toFastJson } from '../../codec/fastjson.js';
import { list, num, obj, parseJsonBody, type Obj } from '../json.js';
import { byMqKey, decodeMq, mqJson, mqMapEntries, type MessageQueue } from './message-queue.js';

export interface OffsetWrapper {
  brokerOffset: number;
  consumerOffset: number;
  lastTimestamp: number;
}

export interface ConsumeStats {
  consumeTps: number;
  offsetTable: Array<{ mq: MessageQueue } & OffsetWrapper>;
  /** Sum over queues of brokerOffset − consumerOffset. */
  diffTotal: number;
}

export function decodeConsumeStats(body: Buffer | undefined): ConsumeStats {
  const o = parseJsonBody(body, 'ConsumeStats');
  const offsetTable = mqMapEntries(o.offsetTable).map(([mq, w]) => {
    const ow = obj(w);
    return { mq, brokerOffset: num(ow.brokerOffset), consumerOffset: num(ow.consumerOffset), lastTimestamp: num(ow.lastTimestamp) };
  });
  offsetTable.sort(byMqKey);
  return {
    consumeTps: num(o.consumeTps),
    offsetTable,
    diffTotal: offsetTable.reduce((s, e) => s + Math.max(0, e.brokerOffset - e.consumerOffset), 0),
  };
}

/** `consumeTps` is a Java double: always written with a fraction (`0.0`). */
export function encodeConsumeStats(stats: Pick<ConsumeStats, 'consumeTps' | 'offsetTable'>): Buffer {
  const table = new Map<Obj, Obj>();
  for (const e of stats.offsetTable) {
    table.set(mqJson(e.mq), { brokerOffset: e.brokerOffset, consumerOffset: e.consumerOffset, lastTimestamp: e.lastTimestamp });
  }
  return Buffer.from(toFastJson({ consumeTps: javaDouble(stats.consumeTps), offsetTable: table }), 'utf8');
}

export interface TopicOffset {
  mq: MessageQueue;
  minOffset: number;
  maxOffset: number;
  lastUpdateTimestamp: number;
}

export function encodeTopicStats(offsets: TopicOffset[]): Buffer {
  const table = new Map<Obj, Obj>();
  for (const t of offsets) table.set(mqJson(t.mq), { lastUpdateTimestamp: t.lastUpdateTimestamp, maxOffset: t.maxOffset, minOffset: t.minOffset });
  return Buffer.from(toFastJson({ offsetTable: table }), 'utf8');
}

export function decodeTopicStats(body: Buffer | undefined): TopicOffset[] {
  const o = parseJsonBody(body, 'TopicStatsTable');
  return mqMapEntries(o.offsetTable)
    .map(([mq, v]) => {
      const t = obj(v);
      return { mq, minOffset: num(t.minOffset), maxOffset: num(t.maxOffset), lastUpdateTimestamp: num(t.lastUpdateTimestamp) };
    })
    .sort(byMqKey);
}

export interface QueueTimeSpan {
  mq: MessageQueue;
  minTimeStamp: number;
  maxTimeStamp: number;
  consumeTimeStamp: number;
  delayTime: number;
}

export function encodeConsumeTimeSpan(spans: QueueTimeSpan[]): Buffer {
  return Buffer.from(
    toFastJson({
      consumeTimeSpanSet: spans.map((s) => ({
        consumeTimeStamp: s.consumeTimeStamp,
        delayTime: s.delayTime,
        maxTimeStamp: s.maxTimeStamp,
        messageQueue: mqJson(s.mq),
        minTimeStamp: s.minTimeStamp,
      })),
    }),
    'utf8',
  );
}

export function decodeConsumeTimeSpan(body: Buffer | undefined): QueueTimeSpan[] {
  const o = parseJsonBody(body, 'QueryConsumeTimeSpanBody');
  return list(o.consumeTimeSpanSet).map((v) => {
    const s = obj(v);
    return {
      mq: decodeMq(s.messageQueue),
      minTimeStamp: num(s.minTimeStamp),
      maxTimeStamp: num(s.maxTimeStamp),
      consumeTimeStamp: num(s.consumeTimeStamp),
      delayTime: num(s.delayTime),
    };
  });
}

export function encodeResetOffsetBody(offsets: Array<{ mq: MessageQueue; offset: number }>): Buffer {
  const table = new Map<Obj, number>();
  for (const e of offsets) table.set(mqJson(e.mq), e.offset);
  return Buffer.from(toFastJson({ offsetTable: table }), 'utf8');
}

export function decodeResetOffsetBody(body: Buffer | undefined): Array<{ mq: MessageQueue; offset: number }> {
  const o = parseJsonBody(body, 'ResetOffsetBody');
  return mqMapEntries(o.offsetTable).map(([mq, v]) => ({ mq, offset: num(v) }));
}

/** `{"offsetTable":{"topic@group":{0:12}}}` (GET_ALL_CONSUMER_OFFSET). */
export function decodeAllConsumerOffsets(body: Buffer | undefined): Map<string, Map<number, number>> {
  const o = parseJsonBody(body, 'ConsumerOffsetSerializeWrapper');
  const out = new Map<string, Map<number, number>>();
  const t = obj(o.offsetTable);
  for (const k of Object.keys(t)) {
    const inner = obj(t[k]);
    out.set(k, new Map(Object.keys(inner).map((q) => [Number(q), num(inner[q])])));
  }
  return out;
}
