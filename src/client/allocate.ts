/**
 * Rebalance strategies (Java AllocateMessageQueueStrategy): given every queue of a topic and every
 * consumer id of the group, which queues this consumer owns. Inputs are sorted by the caller so all
 * consumers compute the same partition.
 */
import { createHash } from 'node:crypto';
import { mqKey, type MessageQueue } from './message.js';

export interface AllocateStrategy {
  readonly name: string;
  allocate(group: string, currentCid: string, mqAll: readonly MessageQueue[], cidAll: readonly string[]): MessageQueue[];
}

/** Contiguous blocks, the first `mqs % cids` consumers getting one extra queue (Java default). */
export const allocateAveragely: AllocateStrategy = {
  name: 'AVG',
  allocate(_group, cid, mqAll, cidAll) {
    const index = cidAll.indexOf(cid);
    if (index < 0 || mqAll.length === 0) return [];
    const n = mqAll.length;
    const c = cidAll.length;
    const mod = n % c;
    const average = n <= c ? 1 : mod > 0 && index < mod ? Math.floor(n / c) + 1 : Math.floor(n / c);
    const start = mod > 0 && index < mod ? index * average : index * average + mod;
    const range = Math.min(average, n - start);
    const out: MessageQueue[] = [];
    for (let i = 0; i < range; i++) out.push(mqAll[(start + i) % n]!);
    return out;
  },
};

/** Round-robin: queue i goes to consumer i mod c. */
export const allocateByCircle: AllocateStrategy = {
  name: 'AVG_BY_CIRCLE',
  allocate(_group, cid, mqAll, cidAll) {
    const index = cidAll.indexOf(cid);
    if (index < 0) return [];
    return mqAll.filter((_mq, i) => i % cidAll.length === index);
  },
};

/** Java `MessageQueue.toString()`, the key consistent hashing uses. */
function mqJavaString(mq: MessageQueue): string {
  return `MessageQueue [topic=${mq.topic}, brokerName=${mq.brokerName}, queueId=${mq.queueId}]`;
}

/** Java ConsistentHashRouter's MD5 hash: the first 4 digest bytes as an unsigned number. */
function md5Hash(key: string): number {
  return createHash('md5').update(key, 'utf8').digest().readUInt32BE(0);
}

/** Consistent hashing with virtual nodes (Java AllocateMessageQueueConsistentHash, 10 per consumer). */
export function allocateConsistentHash(virtualNodeCount = 10): AllocateStrategy {
  return {
    name: 'CONSISTENT_HASH',
    allocate(_group, cid, mqAll, cidAll) {
      if (!cidAll.includes(cid)) return [];
      const ring: Array<[number, string]> = [];
      for (const c of cidAll) for (let i = 0; i < virtualNodeCount; i++) ring.push([md5Hash(`${c}-${i}`), c]);
      ring.sort((a, b) => a[0] - b[0]);
      return mqAll.filter((mq) => {
        const h = md5Hash(mqJavaString(mq));
        const node = ring.find(([k]) => k >= h) ?? ring[0]!;
        return node[1] === cid;
      });
    },
  };
}

/** A fixed assignment (Java AllocateMessageQueueByConfig): exactly these queues, whoever else runs. */
export function allocateByConfig(queues: readonly MessageQueue[]): AllocateStrategy {
  const keys = new Set(queues.map(mqKey));
  return {
    name: 'CONFIG',
    allocate(_group, _cid, mqAll) {
      return mqAll.filter((mq) => keys.has(mqKey(mq)));
    },
  };
}
