/**
 * A pull consumer with explicit queue assignment (Java DefaultLitePullConsumer in assign mode, plus
 * the raw `pull` of DefaultMQPullConsumer): assign queues, seek, poll, commit. Each pull carries its
 * subscription (SUBSCRIPTION bit), so no rebalance or heartbeat is needed for filtering.
 */
import type { ExpressionType, SubscriptionData } from '../protocol/bodies/subscription.js';
import { subscriptionFor } from './subscription.js';
import { getMaxOffset, getMinOffset, pullMessage, queryConsumerOffset, searchOffset, updateConsumerOffset, type PullResult } from './consumer-api.js';
import { ClientStateError, MQClientError } from './errors.js';
import { ClientInstance, asError, type ConsumerHook } from './instance.js';
import { compareMq, mqKey, mqString, type MessageExt, type MessageQueue } from './message.js';
import { encodeConsumerRunningInfo, processQueueInfo, RunningInfoProp } from '../protocol/bodies/running-info.js';
import { versionName } from '../protocol/version.js';
import type { ConsumerData } from '../protocol/bodies/heartbeat.js';
import { readableQueues } from './consumer/rebalance.js';
import { resolvePullConsumerOptions, type PullConsumerOptions, type ResolvedPullConsumerOptions } from './options/pull-consumer.js';

export type { PullConsumerOptions };

interface Assigned {
  mq: MessageQueue;
  /** Next offset to fetch. */
  fetchOffset: number;
  /** Next offset not yet returned by poll(). */
  consumedOffset: number;
  committed: number;
  generation: number;
  inflight?: Promise<void>;
  buffer: MessageExt[];
  subscription: SubscriptionData;
}

export class PullConsumer implements ConsumerHook {
  readonly group: string;
  readonly client: ClientInstance;
  private readonly options: ResolvedPullConsumerOptions;
  private readonly ownsClient: boolean;
  private readonly assigned = new Map<string, Assigned>();
  private readonly subscriptions = new Map<string, SubscriptionData>();
  private state: 'created' | 'running' | 'stopped' = 'created';
  private waiters = new Set<() => void>();
  private rr = 0;
  /** When start() ran (reported as PROP_CONSUMER_START_TIMESTAMP). */
  private startedAt = 0;

  constructor(options: PullConsumerOptions) {
    if (!options.consumerGroup) throw new ClientStateError('consumerGroup is required');
    this.options = resolvePullConsumerOptions(options);
    this.group = options.consumerGroup;
    this.ownsClient = !options.client;
    this.client = options.client ?? new ClientInstance(options);
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw new ClientStateError(`pull consumer ${this.group} already ${this.state}`);
    this.client.registerConsumer(this);
    this.client.start();
    this.state = 'running';
    this.startedAt = Date.now();
    const interval = this.options.autoCommitIntervalMs;
    if (interval > 0) this.client.every(interval, () => this.commit(false));
  }

  async shutdown(): Promise<void> {
    if (this.state !== 'running') {
      this.state = 'stopped';
      return;
    }
    await this.commit(true).catch(() => undefined);
    this.state = 'stopped';
    for (const w of this.waiters) w();
    this.client.consumers.delete(this.group);
    await this.client.unregister({ consumerGroup: this.group });
    if (this.ownsClient) await this.client.shutdown();
    await Promise.allSettled([...this.assigned.values()].map((a) => a.inflight));
  }

  private ensureRunning(): void {
    if (this.state !== 'running') throw new ClientStateError(`pull consumer ${this.group} is ${this.state === 'created' ? 'not started' : 'shut down'}`);
  }

  // ConsumerHook
  topics(): Iterable<string> {
    return this.subscriptions.keys();
  }

  consumerData(): ConsumerData | undefined {
    if (this.state !== 'running' || this.subscriptions.size === 0) return undefined;
    return {
      groupName: this.group,
      consumeType: 'CONSUME_ACTIVELY',
      messageModel: 'CLUSTERING',
      consumeFromWhere: 'CONSUME_FROM_LAST_OFFSET',
      subscriptionDataSet: [...this.subscriptions.values()],
      unitMode: false,
    };
  }

  /** GET_CONSUMER_RUNNING_INFO (mqadmin consumerStatus): Java's DefaultMQPullConsumer reports these properties. */
  runningInfo(): Buffer {
    return encodeConsumerRunningInfo({
      properties: {
        consumerGroup: this.group,
        messageModel: 'CLUSTERING',
        [RunningInfoProp.CONSUME_TYPE]: 'CONSUME_ACTIVELY',
        [RunningInfoProp.CONSUME_ORDERLY]: 'false',
        [RunningInfoProp.CONSUMER_START_TIMESTAMP]: String(this.startedAt),
        [RunningInfoProp.NAMESERVER_ADDR]: this.client.namesrvAddrs.join(';'),
        [RunningInfoProp.CLIENT_VERSION]: versionName(this.client.version),
      },
      subscriptionSet: [...this.subscriptions.values()],
      mqTable: [...this.assigned.values()].map((a) => ({ mq: a.mq, info: processQueueInfo({ commitOffset: a.committed, cachedMsgCount: a.buffer.length }) })),
      statusTable: new Map(),
    });
  }

  /** Readable queues of a topic. */
  async fetchMessageQueues(topic: string): Promise<MessageQueue[]> {
    this.ensureRunning();
    const route = await this.client.updateRoute(topic);
    if (!route) throw new MQClientError(`topic ${topic} does not exist`);
    return readableQueues(topic, route);
  }

  /**
   * Takes ownership of exactly these queues (replacing earlier ones). Each starts at its committed
   * offset, else at `startFrom`. `expression` filters by tag or SQL92.
   */
  async assign(mqs: readonly MessageQueue[], expression: string | { type: ExpressionType; expression: string } = '*'): Promise<void> {
    this.ensureRunning();
    const keep = new Set(mqs.map(mqKey));
    for (const [k, a] of this.assigned) {
      if (!keep.has(k)) {
        a.generation++;
        this.assigned.delete(k);
      }
    }
    for (const mq of mqs) {
      if (this.assigned.has(mqKey(mq))) continue;
      const sub = typeof expression === 'string' ? subscriptionFor(mq.topic, expression) : subscriptionFor(mq.topic, expression.expression, expression.type);
      this.subscriptions.set(mq.topic, sub);
      await this.client.route(mq.topic);
      // An unreadable offset is the caller's error, never a silent start from `startFrom`.
      let offset = await queryConsumerOffset(this.client, this.group, mq);
      if (offset < 0) offset = await this.startOffset(mq);
      this.assigned.set(mqKey(mq), { mq, fetchOffset: offset, consumedOffset: offset, committed: offset, generation: 0, buffer: [], subscription: sub });
    }
  }

  private async startOffset(mq: MessageQueue): Promise<number> {
    const from = this.options.startFrom;
    if (from === 'first') return getMinOffset(this.client, mq);
    if (from === 'last') return getMaxOffset(this.client, mq);
    return searchOffset(this.client, mq, from);
  }

  assignment(): MessageQueue[] {
    return [...this.assigned.values()].map((a) => a.mq).sort(compareMq);
  }

  private entry(mq: MessageQueue): Assigned {
    const a = this.assigned.get(mqKey(mq));
    if (!a) throw new ClientStateError(`queue ${mqString(mq)} is not assigned`);
    return a;
  }

  /** Moves the position of an assigned queue; buffered messages are discarded. */
  seek(mq: MessageQueue, offset: number): void {
    const a = this.entry(mq);
    a.generation++;
    a.buffer = [];
    a.inflight = undefined;
    a.fetchOffset = offset;
    a.consumedOffset = offset;
  }

  async seekToBegin(mq: MessageQueue): Promise<void> {
    this.seek(mq, await getMinOffset(this.client, mq));
  }

  async seekToEnd(mq: MessageQueue): Promise<void> {
    this.seek(mq, await getMaxOffset(this.client, mq));
  }

  async seekToTimestamp(mq: MessageQueue, timestamp: number): Promise<void> {
    this.seek(mq, await searchOffset(this.client, mq, timestamp));
  }

  /** Next offset poll() will return for a queue. */
  position(mq: MessageQueue): number {
    return this.entry(mq).consumedOffset;
  }

  /** The offset stored on the broker for this group (−1 when none). */
  committed(mq: MessageQueue): Promise<number> {
    return queryConsumerOffset(this.client, this.group, mq);
  }

  /**
   * Returns the next messages of the assigned queues, waiting up to `timeoutMs` for at least one.
   * Positions advance past what is returned; commit() stores them.
   */
  async poll(timeoutMs = 5000, maxMessages = 32): Promise<MessageExt[]> {
    this.ensureRunning();
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const out = this.drain(maxMessages);
      if (out.length > 0) return out;
      const remaining = deadline - Date.now();
      if (remaining <= 0 || this.state !== 'running' || this.assigned.size === 0) return [];
      for (const a of this.assigned.values()) if (!a.inflight && a.buffer.length === 0) this.fetch(a, Math.min(remaining, this.options.brokerSuspendMaxTimeMillis));
      await new Promise<void>((resolve) => {
        const wake = (): void => {
          clearTimeout(t);
          this.waiters.delete(wake);
          resolve();
        };
        const t = setTimeout(wake, remaining);
        this.waiters.add(wake);
      });
    }
  }

  private drain(max: number): MessageExt[] {
    const out: MessageExt[] = [];
    const list = [...this.assigned.values()];
    for (let i = 0; i < list.length && out.length < max; i++) {
      const a = list[(this.rr + i) % list.length]!;
      while (a.buffer.length > 0 && out.length < max) {
        const m = a.buffer.shift()!;
        out.push(m);
        a.consumedOffset = m.queueOffset + 1;
      }
      if (a.buffer.length === 0 && a.consumedOffset < a.fetchOffset) a.consumedOffset = a.fetchOffset;
    }
    this.rr++;
    return out;
  }

  private fetch(a: Assigned, suspendMs: number): void {
    const generation = a.generation;
    a.inflight = (async () => {
      try {
        const result = await this.pull(a.mq, a.subscription, a.fetchOffset, this.options.pullBatchSize, suspendMs);
        if (generation !== a.generation || this.assigned.get(mqKey(a.mq)) !== a) return;
        a.fetchOffset = result.status === 'OFFSET_ILLEGAL' ? result.nextBeginOffset : result.nextBeginOffset;
        a.buffer.push(...result.messages);
        if (a.buffer.length === 0 && a.consumedOffset < a.fetchOffset) a.consumedOffset = a.fetchOffset;
      } catch (error) {
        if (this.state === 'running') this.client.diagnostic({ type: 'pull-error', group: this.group, queue: mqString(a.mq), error: asError(error) });
        await new Promise((r) => setTimeout(r, 200));
      } finally {
        if (generation === a.generation) a.inflight = undefined;
        for (const w of this.waiters) w();
      }
    })();
  }

  /**
   * One raw pull from a queue at `offset` (no position tracking): `expression` is a tag expression
   * or an SQL92 subscription; `suspendMs` > 0 lets the broker hold the request until a message arrives.
   */
  async pull(mq: MessageQueue, expression: string | SubscriptionData, offset: number, maxNums = 32, suspendMs = 0): Promise<PullResult> {
    this.ensureRunning();
    const sub = typeof expression === 'string' ? subscriptionFor(mq.topic, expression) : expression;
    await this.client.route(mq.topic);
    const target = this.client.findBrokerAddr(mq.brokerName, 0);
    if (!target) throw new MQClientError(`broker ${mq.brokerName} is not in the route of ${mq.topic}`);
    return pullMessage(
      this.client,
      target.addr,
      { group: this.group, mq, subscription: sub, offset, maxNums, commitOffset: 0, suspendMs, postSubscription: true },
      suspendMs + 10_000,
    );
  }

  /** Stores consumed positions on the broker (sync waits for the broker's answer). */
  async commit(sync = true): Promise<void> {
    const tasks: Promise<void>[] = [];
    for (const a of this.assigned.values()) {
      if (a.consumedOffset === a.committed) continue;
      const offset = a.consumedOffset;
      tasks.push(
        updateConsumerOffset(this.client, this.group, a.mq, offset, !sync).then(() => {
          a.committed = offset;
        }),
      );
    }
    await Promise.all(tasks);
  }

  /** Stores an explicit offset for a queue. */
  async commitOffset(mq: MessageQueue, offset: number): Promise<void> {
    await updateConsumerOffset(this.client, this.group, mq, offset, false);
    const a = this.assigned.get(mqKey(mq));
    if (a) a.committed = offset;
  }
}
