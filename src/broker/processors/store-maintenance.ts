/**
 * mqadmin's consume-queue housekeeping: CLEAN_UNUSED_TOPIC (cleanUnusedTopic) and
 * CLEAN_EXPIRED_CONSUMEQUEUE (cleanExpiredCQ). Both answer SUCCESS as Java's broker does; what they
 * removed goes to the broker log.
 */
import { responseTo } from '../../codec/command.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { SCHEDULE_TOPIC } from '../../protocol/system-topics.js';
import type { Processor } from '../../transport/server.js';
import type { BrokerContext } from '../context.js';

/**
 * Consume queues of topics the broker no longer has a config for (Java's
 * DefaultMessageStore.cleanUnusedTopic; the delay-level queues are kept, they have no topic config).
 */
export function cleanUnusedTopics(ctx: BrokerContext): string[] {
  const removed: string[] = [];
  for (const topic of ctx.store.topics().keys()) {
    if (topic === SCHEDULE_TOPIC || ctx.topics.get(topic)) continue;
    if (ctx.store.deleteTopic(topic)) removed.push(topic);
  }
  return removed;
}

/**
 * Consume queues whose every entry points below the CommitLog's first offset (their messages are
 * all gone: Java's cleanExpiredConsumerQueue). Java drops such queues one by one; a topic is only
 * dropped here once all its non-empty queues have expired, so a live topic never loses some of
 * its queues' offsets while others keep theirs.
 */
export function cleanExpiredConsumeQueues(ctx: BrokerContext): string[] {
  const minPhy = ctx.store.minPhyOffset();
  const removed: string[] = [];
  for (const [topic, queueIds] of ctx.store.topics()) {
    if (topic === SCHEDULE_TOPIC) continue;
    let nonEmpty = 0;
    let expired = 0;
    for (const q of queueIds) {
      const max = ctx.store.getMaxOffsetInQueue(topic, q);
      if (max <= 0) continue;
      nonEmpty++;
      const lastPhy = ctx.store.getCommitLogOffsetInQueue(topic, q, max - 1);
      if (lastPhy >= 0 && lastPhy < minPhy) expired++;
    }
    if (nonEmpty > 0 && expired === nonEmpty && ctx.store.deleteTopic(topic)) removed.push(topic);
  }
  return removed;
}

export function storeMaintenanceProcessors(ctx: BrokerContext): Map<number, Processor> {
  const m = new Map<number, Processor>();
  m.set(RequestCode.CLEAN_UNUSED_TOPIC, (req) => {
    const removed = cleanUnusedTopics(ctx);
    if (removed.length > 0) ctx.log.info(`cleanUnusedTopic removed the consume queues of ${removed.length} topics without config: ${removed.join(', ')}`);
    return responseTo(req, ResponseCode.SUCCESS, ctx.version);
  });
  m.set(RequestCode.CLEAN_EXPIRED_CONSUMEQUEUE, (req) => {
    const removed = cleanExpiredConsumeQueues(ctx);
    if (removed.length > 0) ctx.log.info(`cleanExpiredCQ removed the expired consume queues of ${removed.join(', ')}`);
    return responseTo(req, ResponseCode.SUCCESS, ctx.version);
  });
  return m;
}
