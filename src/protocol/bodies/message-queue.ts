/**
 * MessageQueue as bodies carry it: a plain object in lists, a whole-object
 * key (`{"brokerName":…,"queueId":…,"topic":…}`) in fastjson maps.
 */
import { parseObjectKey } from '../../codec/fastjson.js';
import { num, obj, str, list, type Obj } from '../json.js';

export interface MessageQueue {
  topic: string;
  brokerName: string;
  queueId: number;
}

/** A stable string key for maps of queues. */
export function mqKey(mq: MessageQueue): string {
  return `${mq.topic}\u0000${mq.brokerName}\u0000${mq.queueId}`;
}

export function mqString(mq: MessageQueue): string {
  return `${mq.topic}@${mq.brokerName}:${mq.queueId}`;
}

/** Java `MessageQueue.compareTo`: topic, then broker name, then queue id. */
export function compareMq(a: MessageQueue, b: MessageQueue): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.brokerName !== b.brokerName) return a.brokerName < b.brokerName ? -1 : 1;
  return a.queueId - b.queueId;
}

export function decodeMq(v: unknown): MessageQueue {
  const o = obj(v);
  return { topic: str(o.topic), brokerName: str(o.brokerName), queueId: num(o.queueId) };
}

export function decodeMqList(v: unknown): MessageQueue[] {
  return list(v).map(decodeMq);
}

/** A MessageQueue as fastjson writes it (properties sorted); also the key object of MessageQueue-keyed maps. */
export function mqJson(mq: MessageQueue): Obj {
  return { brokerName: mq.brokerName, queueId: mq.queueId, topic: mq.topic };
}

/** Entries of a map whose keys are MessageQueue objects (canonical JSON keys after parsing). */
export function mqMapEntries(v: unknown): Array<[MessageQueue, unknown]> {
  const o = obj(v);
  const out: Array<[MessageQueue, unknown]> = [];
  for (const k of Object.keys(o)) {
    let key: unknown;
    try {
      key = parseObjectKey(k);
    } catch {
      continue;
    }
    out.push([decodeMq(key), o[k]]);
  }
  return out;
}

/** Sorts entries by queue the way the SDK has always listed them (stable string key order). */
export function byMqKey<T extends { mq: MessageQueue }>(a: T, b: T): number {
  return mqKey(a.mq) < mqKey(b.mq) ? -1 : 1;
}
