/**
 * Rebalance (Java RebalanceImpl / RebalancePushImpl): which queues of each subscribed topic this
 * client owns — all of them when BROADCASTING, its share of the group's when CLUSTERING — and the
 * process queues that follow: new ones start at their stored offset (else consumeFromWhere),
 * dropped ones commit and, when orderly, release their broker lock. Also the orderly locks.
 * The readable-queue listing is shared with the pull consumer.
 */
import { isReadable } from '../../protocol/perm.js';
import type { TopicRouteData } from '../../protocol/route.js';
import { isRetryTopic } from '../../protocol/system-topics.js';
import { getConsumerIdList, getMaxOffset, lockBatch, searchOffset, unlockBatch } from '../consumer-api.js';
import { MQClientError } from '../errors.js';
import { asError, type ClientInstance } from '../instance.js';
import { compareMq, mqKey, mqString, type MessageQueue } from '../message.js';
import { parseConsumeTimestamp } from '../options/push-consumer.js';
import { ProcessQueue } from '../process-queue.js';
import type { PushConsumerContext } from './context.js';

/** A topic's readable queues in a route, sorted as Java's MessageQueue.compareTo sorts them. */
export function readableQueues(topic: string, route: TopicRouteData): MessageQueue[] {
  const out: MessageQueue[] = [];
  for (const qd of route.queueDatas) {
    if (!isReadable(qd.perm)) continue;
    for (let i = 0; i < qd.readQueueNums; i++) out.push({ topic, brokerName: qd.brokerName, queueId: i });
  }
  return out.sort(compareMq);
}

/**
 * The group's consumer ids, from the first broker of the route that answers (each group's master,
 * else its slave): one dead broker must not stop the whole topic's rebalance. Sorted; undefined
 * when the route has no broker.
 */
export async function groupConsumerIds(client: ClientInstance, group: string, route: TopicRouteData): Promise<string[] | undefined> {
  let lastError: unknown;
  for (const bd of route.brokerDatas) {
    const addr = bd.brokerAddrs.get(0) ?? [...bd.brokerAddrs].sort((a, b) => a[0] - b[0])[0]?.[1];
    if (!addr) continue;
    try {
      return (await getConsumerIdList(client, group, addr)).sort();
    } catch (error) {
      lastError = error;
    }
  }
  if (lastError) throw lastError;
  return undefined;
}

export class RebalancePush {
  private chain: Promise<void> = Promise.resolve();
  private queued?: Promise<void>;
  /** A rebalance is scheduled to retry queues that failed to start (one at a time, however many failed). */
  private retryPending = false;

  constructor(
    private readonly ctx: PushConsumerContext,
    /** Starts pulling a queue this client now owns. */
    private readonly startPulling: (pq: ProcessQueue) => void,
  ) {}

  /**
   * Runs `fn` after every earlier rebalance / offset reset has finished: queue ownership and
   * offsets are only ever changed by one of them at a time.
   */
  serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Resolves when the running rebalance or reset (if any) is over. */
  settled(): Promise<void> {
    return this.chain;
  }

  /** Runs a rebalance; requests made while one is waiting to start share it. */
  rebalance(): Promise<void> {
    if (!this.ctx.running) return Promise.resolve();
    if (this.queued) return this.queued;
    const queued = this.serial(async () => {
      this.queued = undefined;
      for (const topic of this.ctx.subscriptions.keys()) {
        if (!this.ctx.running) return;
        try {
          await this.rebalanceTopic(topic);
        } catch (error) {
          this.ctx.client.diagnostic({ type: 'error', where: `rebalance ${this.ctx.group} ${topic}`, error: asError(error) });
        }
      }
    });
    this.queued = queued;
    return queued;
  }

  private async rebalanceTopic(topic: string): Promise<void> {
    const { client, group, options } = this.ctx;
    let route = client.routes.get(topic);
    if (!route) route = await client.updateRoute(topic).catch(() => undefined);
    if (!route) return;
    const mqAll = readableQueues(topic, route);
    let allocated: MessageQueue[];
    if (options.messageModel === 'BROADCASTING') {
      allocated = mqAll;
    } else {
      const cids = await groupConsumerIds(client, group, route);
      if (!cids) return;
      if (!cids.includes(client.clientId)) {
        // The broker has not seen our heartbeat yet; announce ourselves and let the next round allocate.
        await client.heartbeatAll();
        return;
      }
      allocated = options.allocateStrategy.allocate(group, client.clientId, mqAll, cids);
    }
    await this.updateProcessQueues(topic, allocated);
  }

  private async updateProcessQueues(topic: string, allocated: MessageQueue[]): Promise<void> {
    const { client, group, pqs, offsetStore } = this.ctx;
    const want = new Map(allocated.map((mq) => [mqKey(mq), mq]));
    const removed: string[] = [];
    const added: string[] = [];
    for (const [key, pq] of pqs) {
      if (pq.mq.topic !== topic || want.has(key)) continue;
      pq.dropped = true;
      pqs.delete(key);
      removed.push(mqString(pq.mq));
      await offsetStore.persist(pq.mq, false).catch(() => undefined);
      offsetStore.remove(pq.mq);
      if (this.ctx.locksQueues && pq.locked) await this.unlock([pq.mq]).catch(() => undefined);
    }
    // A queue that cannot start now (its offset unreadable, its lock refused) is reported and
    // tried again soon, never dropped in silence: it stays unowned only until a rebalance starts it.
    const failed: string[] = [];
    for (const [key, mq] of want) {
      if (pqs.has(key) || !this.ctx.running) continue;
      const pq = new ProcessQueue(mq, this.ctx.orderly);
      let offset: number;
      try {
        if (this.ctx.locksQueues && !(await this.lock(pq))) {
          throw new MQClientError(`the broker did not lock ${mqString(mq)} for ${client.clientId} (another consumer of ${group} may still hold it)`);
        }
        offsetStore.remove(mq);
        offset = await this.computePullFromWhere(mq);
      } catch (error) {
        failed.push(mqString(mq));
        client.diagnostic({ type: 'queue-start-failed', group, queue: mqString(mq), error: asError(error) });
        continue;
      }
      if (!this.ctx.running) continue;
      pq.nextOffset = offset;
      offsetStore.update(mq, offset, false);
      pqs.set(key, pq);
      added.push(mqString(mq));
      this.startPulling(pq);
    }
    if (added.length > 0 || removed.length > 0 || failed.length > 0) {
      client.diagnostic({ type: 'rebalance', group, topic, assigned: allocated.map(mqString), added, removed, failed });
    }
    if (failed.length > 0 && !this.retryPending) {
      this.retryPending = true;
      client.later(this.ctx.options.pullTimeDelayMillsWhenException, () => {
        this.retryPending = false;
        void this.rebalance();
      });
    }
  }

  /** Where a newly owned queue starts: its stored offset, else `consumeFromWhere`. Rejects when neither can be read. */
  private async computePullFromWhere(mq: MessageQueue): Promise<number> {
    const { client, options, offsetStore } = this.ctx;
    let last: number;
    try {
      last = await offsetStore.readStore(mq);
    } catch (error) {
      throw new MQClientError(`reading the consumer offset of ${mqString(mq)} failed: ${asError(error).message}`, { cause: error });
    }
    if (last >= 0) return last;
    const isRetry = isRetryTopic(mq.topic);
    try {
      switch (options.consumeFromWhere) {
        case 'CONSUME_FROM_FIRST_OFFSET':
          return 0;
        case 'CONSUME_FROM_TIMESTAMP':
          if (isRetry) return await getMaxOffset(client, mq);
          return await searchOffset(client, mq, parseConsumeTimestamp(options.consumeTimestamp));
        default:
          if (isRetry) return 0;
          return await getMaxOffset(client, mq);
      }
    } catch (error) {
      throw new MQClientError(`finding the start offset of ${mqString(mq)} failed: ${asError(error).message}`, { cause: error });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Orderly locks

  /** Locks one queue on its broker; false when refused or unreachable. */
  async lock(pq: ProcessQueue): Promise<boolean> {
    try {
      const ok = await lockBatch(this.ctx.client, this.ctx.group, pq.mq.brokerName, [pq.mq]);
      const locked = ok.some((m) => mqKey(m) === mqKey(pq.mq));
      pq.locked = locked;
      if (locked) pq.lastLockTimestamp = Date.now();
      return locked;
    } catch {
      return false;
    }
  }

  /** Renews the locks of all owned queues, per broker. */
  async lockAll(): Promise<void> {
    const { client, group, pqs } = this.ctx;
    const byBroker = new Map<string, ProcessQueue[]>();
    for (const pq of pqs.values()) {
      const list = byBroker.get(pq.mq.brokerName) ?? [];
      list.push(pq);
      byBroker.set(pq.mq.brokerName, list);
    }
    for (const [broker, list] of byBroker) {
      try {
        const ok = new Set((await lockBatch(client, group, broker, list.map((p) => p.mq))).map(mqKey));
        const now = Date.now();
        for (const pq of list) {
          pq.locked = ok.has(mqKey(pq.mq));
          if (pq.locked) pq.lastLockTimestamp = now;
        }
      } catch (error) {
        client.diagnostic({ type: 'error', where: `lock queues on ${broker}`, error: asError(error) });
      }
    }
  }

  async unlock(mqs: MessageQueue[]): Promise<void> {
    const { client, group, pqs } = this.ctx;
    const byBroker = new Map<string, MessageQueue[]>();
    for (const mq of mqs) byBroker.set(mq.brokerName, [...(byBroker.get(mq.brokerName) ?? []), mq]);
    await Promise.all([...byBroker].map(([broker, list]) => unlockBatch(client, group, broker, list, false)));
    for (const mq of mqs) {
      const pq = pqs.get(mqKey(mq));
      if (pq) pq.locked = false;
    }
  }
}
