/**
 * Orderly consumption (Java ConsumeMessageOrderlyService): one loop per queue takes cached
 * messages in offset order, only while this client holds the queue's lock on its broker (CLUSTERING).
 * A failed batch is rolled back and retried here after suspendCurrentQueueTimeMillis, in order;
 * a message past maxReconsumeTimes goes to the DLQ.
 */
import { asError } from '../instance.js';
import type { ProcessQueue } from '../process-queue.js';
import type { PushConsumerContext } from './context.js';
import type { ConsumeOrderlyContext, ConsumeOrderlyStatus, OrderlyListener } from './listener.js';
import { restoreRetryTopic, type SendBack } from './send-back.js';
import { TaskCounter } from './task-counter.js';

/** Wait before asking again for a lock the broker refused. */
const RELOCK_DELAY_MS = 100;

export class ConsumeOrderlyService {
  readonly tasks = new TaskCounter();

  constructor(
    private readonly ctx: PushConsumerContext,
    private readonly listener: OrderlyListener,
    private readonly sendBack: SendBack,
    /** Locks the queue on its broker; false when refused. */
    private readonly lock: (pq: ProcessQueue) => Promise<boolean>,
  ) {}

  /** New messages are in `pq`: start its consume loop unless one is running. */
  dispatch(pq: ProcessQueue): void {
    if (!pq.busy) this.tasks.track(this.consume(pq));
  }

  private async consume(pq: ProcessQueue): Promise<void> {
    const { options, stats, client, group } = this.ctx;
    pq.busy = true;
    try {
      const batch = options.consumeMessageBatchMaxSize;
      const max = options.maxReconsumeTimesOrderly;
      const clustering = options.messageModel === 'CLUSTERING';
      while (this.ctx.running && !pq.dropped) {
        if (clustering && (!pq.locked || pq.lockExpired(options.lockMaxLiveMs))) {
          if (!(await this.lock(pq))) {
            await this.ctx.sleep(RELOCK_DELAY_MS);
            continue;
          }
        }
        const msgs = pq.take(batch);
        if (msgs.length === 0) break;
        restoreRetryTopic(msgs, group);
        const ctx: ConsumeOrderlyContext = { mq: pq.mq, suspendCurrentQueueTimeMillis: options.suspendCurrentQueueTimeMillis };
        let status: ConsumeOrderlyStatus;
        try {
          status = (await this.listener(msgs, ctx)) ?? 'SUCCESS';
        } catch (error) {
          status = 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
          client.diagnostic({ type: 'consume-error', group, msgId: msgs[0]!.msgId, error: asError(error) });
        }
        if (pq.dropped) break;
        if (status === 'SUCCESS') {
          stats.consumed += msgs.length;
          const offset = pq.commit();
          if (offset >= 0) this.ctx.offsetStore.update(pq.mq, offset, false);
          continue;
        }
        stats.failed += msgs.length;
        // Messages that exhausted their retries go to the DLQ; the rest are consumed again here.
        let suspend = false;
        for (const m of msgs) {
          if (m.reconsumeTimes >= max && clustering) {
            if (!(await this.sendBack.sendMessageBack(m, -1))) {
              suspend = true;
              m.reconsumeTimes++;
            }
          } else {
            suspend = true;
            m.reconsumeTimes++;
          }
        }
        if (!suspend) {
          const offset = pq.commit();
          if (offset >= 0) this.ctx.offsetStore.update(pq.mq, offset, false);
          continue;
        }
        pq.rollback(msgs);
        await this.ctx.sleep(ctx.suspendCurrentQueueTimeMillis);
      }
    } finally {
      pq.busy = false;
    }
  }
}
