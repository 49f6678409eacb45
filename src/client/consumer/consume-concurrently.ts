/**
 * Concurrent consumption (Java ConsumeMessageConcurrentlyService): pulled messages are cut into
 * batches of consumeMessageBatchMaxSize and run through the listener, at most consumeThreadMax at
 * a time; what it consumed is acked (commit offset moves up), what failed is sent back for a retry.
 */
import { asError } from '../instance.js';
import type { MessageExt } from '../message.js';
import type { ProcessQueue } from '../process-queue.js';
import type { PushConsumerContext } from './context.js';
import type { ConcurrentListener, ConsumeConcurrentlyContext, ConsumeConcurrentlyStatus } from './listener.js';
import { restoreRetryTopic, type SendBack } from './send-back.js';
import { TaskCounter } from './task-counter.js';

/** How long messages that could not be sent back wait before this consumer runs them again (Java 5 s). */
const LOCAL_RETRY_DELAY_MS = 5000;

export class ConsumeConcurrentlyService {
  private readonly queue: Array<() => Promise<void> | undefined> = [];
  private active = 0;
  readonly tasks = new TaskCounter();

  constructor(
    private readonly ctx: PushConsumerContext,
    private readonly listener: ConcurrentListener,
    private readonly sendBack: SendBack,
  ) {}

  dispatch(pq: ProcessQueue, msgs: MessageExt[]): void {
    const batch = this.ctx.options.consumeMessageBatchMaxSize;
    for (let i = 0; i < msgs.length; i += batch) {
      const part = msgs.slice(i, i + batch);
      this.queue.push(() => this.consume(pq, part));
    }
    this.drain();
  }

  /** Drops batches not started yet (shutdown). */
  clear(): void {
    this.queue.length = 0;
  }

  private drain(): void {
    const max = this.ctx.options.consumeThreadMax;
    while (this.active < max && this.queue.length > 0) {
      const task = this.queue.shift()!;
      let running: Promise<void> | undefined;
      try {
        running = task();
      } catch (error) {
        this.ctx.client.diagnostic({ type: 'error', where: 'consume task', error: asError(error) });
      }
      // Most tasks (a listener that returns its status) finish right here, with no promise at all.
      if (running === undefined) continue;
      this.active++;
      this.tasks.track(
        running
          .catch((error: unknown) => this.ctx.client.diagnostic({ type: 'error', where: 'consume task', error: asError(error) }))
          .finally(() => {
            this.active--;
            this.drain();
          }),
      );
    }
  }

  /**
   * Runs the listener on one batch. Returns a promise only while something is still running (a
   * listener that returned a promise, failed messages being handed back); otherwise the batch is
   * done, offsets included, when this returns.
   */
  private consume(pq: ProcessQueue, msgs: MessageExt[]): Promise<void> | undefined {
    if (pq.dropped) return undefined;
    restoreRetryTopic(msgs, this.ctx.group);
    const now = String(Date.now());
    for (const m of msgs) m.properties.CONSUME_START_TIME = now;
    const ctx: ConsumeConcurrentlyContext = { mq: pq.mq, delayLevelWhenNextConsume: 0, ackIndex: msgs.length - 1 };
    const failedListener = (error: unknown): ConsumeConcurrentlyStatus => {
      this.ctx.client.diagnostic({ type: 'consume-error', group: this.ctx.group, msgId: msgs[0]!.msgId, error: asError(error) });
      return 'RECONSUME_LATER';
    };
    let status: ConsumeConcurrentlyStatus;
    try {
      const answer = this.listener(msgs, ctx);
      if (isThenable(answer)) {
        return Promise.resolve(answer).then(
          (s) => this.finish(pq, msgs, ctx, s ?? 'CONSUME_SUCCESS'),
          (error: unknown) => this.finish(pq, msgs, ctx, failedListener(error)),
        );
      }
      status = answer ?? 'CONSUME_SUCCESS';
    } catch (error) {
      status = failedListener(error);
    }
    return this.finish(pq, msgs, ctx, status);
  }

  /** Acks what the listener consumed and hands failed messages back (the only part that waits). */
  private finish(pq: ProcessQueue, msgs: MessageExt[], ctx: ConsumeConcurrentlyContext, status: ConsumeConcurrentlyStatus): Promise<void> | undefined {
    if (pq.dropped) return undefined;
    const stats = this.ctx.stats;
    const ackIndex = status === 'CONSUME_SUCCESS' ? Math.min(ctx.ackIndex, msgs.length - 1) : -1;
    stats.consumed += ackIndex + 1;
    if (ackIndex + 1 >= msgs.length || this.ctx.options.messageModel !== 'CLUSTERING') {
      stats.failed += msgs.length - (ackIndex + 1);
      this.ack(pq, msgs);
      return undefined;
    }
    return this.handBack(pq, msgs, ctx, msgs.slice(ackIndex + 1));
  }

  /** The messages are done with: out of the process queue, and the commit offset moves up. */
  private ack(pq: ProcessQueue, done: readonly MessageExt[]): void {
    const offset = pq.remove(done);
    if (!pq.dropped) this.ctx.offsetStore.update(pq.mq, offset, true);
  }

  private async handBack(pq: ProcessQueue, msgs: MessageExt[], ctx: ConsumeConcurrentlyContext, failed: MessageExt[]): Promise<void> {
    this.ctx.stats.failed += failed.length;
    const keep: MessageExt[] = [];
    for (const m of failed) {
      if (!(await this.sendBack.sendMessageBack(m, ctx.delayLevelWhenNextConsume))) keep.push(m);
    }
    this.ack(pq, keep.length === 0 ? msgs : msgs.filter((m) => !keep.includes(m)));
    if (keep.length > 0) {
      // Could not hand them back to the broker: consume them again here later.
      for (const m of keep) m.reconsumeTimes++;
      this.ctx.client.later(LOCAL_RETRY_DELAY_MS, () => {
        if (pq.dropped) return;
        this.queue.push(() => this.consume(pq, keep));
        this.drain();
      });
    }
  }
}

function isThenable(x: unknown): x is PromiseLike<ConsumeConcurrentlyStatus | void> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}
