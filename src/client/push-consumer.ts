/**
 * The push consumer (Java DefaultMQPushConsumer): subscriptions, rebalance, one long-polling pull
 * loop per owned queue, concurrent or orderly listeners, retries through CONSUMER_SEND_MSG_BACK
 * (falling back to sending a copy to %RETRY%group), offsets committed periodically and at
 * shutdown, flow control by count and bytes.
 */
import { RequestCode } from '../protocol/request-code.js';
import { toFastJson } from '../codec/fastjson.js';
import { ResponseCode } from '../protocol/response-code.js';
import { isReadable } from '../protocol/perm.js';
import { V4_1_0_SNAPSHOT } from '../protocol/version.js';
import type { TopicRouteData } from '../protocol/route.js';
import { buildSubscription, type ExpressionType, type SubscriptionData } from '../protocol/bodies/subscription.js';
import type { ConsumeFromWhere, ConsumerData, MessageModel } from '../protocol/bodies/heartbeat.js';
import { encodeConsumerRunningInfo } from '../protocol/bodies/running-info.js';
import { subscriptionFor } from './subscription.js';
import { isRetryTopic, retryTopic } from '../protocol/system-topics.js';
import { allocateAveragely, type AllocateStrategy } from './allocate.js';
import {
  consumerSendMessageBack,
  getConsumerIdList,
  getMaxOffset,
  lockBatch,
  pullMessage,
  searchOffset,
  unlockBatch,
  type PullResult,
} from './consumer-api.js';
import { ClientStateError, MQBrokerError, MQClientError } from './errors.js';
import { TransportError } from '../transport/errors.js';
import { ClientInstance, asError, type ClientOptions, type ConsumerHook } from './instance.js';
import { compareMq, mqKey, mqString, RESERVED_PROPERTIES, type MessageExt, type MessageQueue } from './message.js';
import { LocalFileOffsetStore, RemoteOffsetStore, defaultOffsetStoreDir, type OffsetStore } from './offset-store.js';
import { ProcessQueue } from './process-queue.js';
import { Producer } from './producer.js';

export type ConsumeConcurrentlyStatus = 'CONSUME_SUCCESS' | 'RECONSUME_LATER';
export type ConsumeOrderlyStatus = 'SUCCESS' | 'SUSPEND_CURRENT_QUEUE_A_MOMENT';

export interface ConsumeConcurrentlyContext {
  readonly mq: MessageQueue;
  /** Delay level of the retry: 0 = broker decides (3 + reconsumeTimes), −1 = straight to the DLQ. */
  delayLevelWhenNextConsume: number;
  /** Index of the last successfully consumed message of the batch (for partial success). */
  ackIndex: number;
}

export interface ConsumeOrderlyContext {
  readonly mq: MessageQueue;
  suspendCurrentQueueTimeMillis: number;
}

/** Returning nothing (or resolving) means success; throwing means RECONSUME_LATER. */
export type ConcurrentListener = (msgs: MessageExt[], ctx: ConsumeConcurrentlyContext) => ConsumeConcurrentlyStatus | void | Promise<ConsumeConcurrentlyStatus | void>;
export type OrderlyListener = (msgs: MessageExt[], ctx: ConsumeOrderlyContext) => ConsumeOrderlyStatus | void | Promise<ConsumeOrderlyStatus | void>;

export interface PushConsumerOptions extends ClientOptions {
  consumerGroup: string;
  messageModel?: MessageModel;
  consumeFromWhere?: ConsumeFromWhere;
  /** For CONSUME_FROM_TIMESTAMP: epoch ms, or Java's `yyyyMMddHHmmss` text (default: 30 min ago). */
  consumeTimestamp?: number | string;
  allocateStrategy?: AllocateStrategy;
  /** Concurrent listener: how many listener calls may run at once (Java consumeThreadMax 20). */
  consumeThreadMax?: number;
  consumeMessageBatchMaxSize?: number;
  pullBatchSize?: number;
  /** Flow control: cached messages per queue (Java 1000). */
  pullThresholdForQueue?: number;
  /** Flow control: cached body MiB per queue (Java 100). */
  pullThresholdSizeForQueue?: number;
  /** Concurrent only: max offset span cached in one queue (Java 2000). */
  consumeConcurrentlyMaxSpan?: number;
  pullInterval?: number;
  /** Long-poll hold the broker may use (Java 15000). */
  brokerSuspendMaxTimeMillis?: number;
  /** Pull RPC timeout (Java 30000). */
  consumerTimeoutMillisWhenSuspend?: number;
  pullTimeDelayMillsWhenException?: number;
  pullTimeDelayMillsWhenFlowControl?: number;
  maxReconsumeTimes?: number;
  suspendCurrentQueueTimeMillis?: number;
  persistConsumerOffsetInterval?: number;
  /** Periodic rebalance (Java 20000); NOTIFY_CONSUMER_IDS_CHANGED triggers one at once. */
  rebalanceInterval?: number;
  /** Orderly: queue lock renewal period (Java 20000) and local lock lifetime (30000). */
  lockInterval?: number;
  lockMaxLiveMs?: number;
  /** Send the subscription with every pull (SUBSCRIPTION bit; Java default false). */
  postSubscriptionWhenPull?: boolean;
  /** BROADCASTING offsets directory (default ~/.rocketmq_offsets). */
  offsetStoreDir?: string;
  /** How long shutdown() waits for running listener calls (default 5000 ms). */
  awaitTerminationMillisWhenShutdown?: number;
  client?: ClientInstance;
}


/** Java `yyyyMMddHHmmss` (local time) → epoch ms. */
export function parseConsumeTimestamp(v: number | string | undefined): number {
  if (v === undefined) return Date.now() - 30 * 60 * 1000;
  if (typeof v === 'number') return v;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/.exec(v);
  if (!m) throw new MQClientError(`consumeTimestamp ${v} is not yyyyMMddHHmmss`);
  return new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!).getTime();
}

export class PushConsumer implements ConsumerHook {
  readonly group: string;
  readonly client: ClientInstance;
  readonly messageModel: MessageModel;
  private readonly options: PushConsumerOptions;
  private readonly ownsClient: boolean;
  private readonly subscriptions = new Map<string, SubscriptionData>();
  private readonly pqs = new Map<string, ProcessQueue>();
  private offsetStore!: OffsetStore;
  private concurrentListener?: ConcurrentListener;
  private orderlyListener?: OrderlyListener;
  private state: 'created' | 'running' | 'stopping' | 'stopped' = 'created';
  private chain: Promise<void> = Promise.resolve();
  private rebalanceQueued?: Promise<void>;
  /** A rebalance is scheduled to retry queues that failed to start (one at a time, however many failed). */
  private rebalanceRetryPending = false;
  /** topic → when its route was last re-read after a pull failed on the transport. */
  private readonly routeRefreshedAt = new Map<string, number>();
  private readonly sleepers = new Set<() => void>();
  private readonly consumeQueue: Array<() => Promise<void> | undefined> = [];
  private activeConsumers = 0;
  /** Consume tasks running, and who waits for them to finish (shutdown): a count, not a Set of
   * promises churned per task (see ProcessQueue on what such churn cost in GC). */
  private tasksRunning = 0;
  private idleWaiters: Array<() => void> = [];
  private innerProducer?: Producer;
  /** Counters for tests and diagnostics. */
  readonly stats = { pulls: 0, pulledMessages: 0, consumed: 0, failed: 0, sentBack: 0, flowControlled: 0 };

  constructor(options: PushConsumerOptions) {
    if (!options.consumerGroup) throw new ClientStateError('consumerGroup is required');
    this.options = options;
    this.group = options.consumerGroup;
    this.messageModel = options.messageModel ?? 'CLUSTERING';
    this.ownsClient = !options.client;
    this.client = options.client ?? new ClientInstance(options);
  }

  get clientId(): string {
    return this.client.clientId;
  }

  private get orderly(): boolean {
    return this.orderlyListener !== undefined;
  }

  /** Subscribes to a topic: a tag expression (`*`, `TagA || TagB`) or `{ type: 'SQL92', expression }`. */
  subscribe(topic: string, expression: string | { type: ExpressionType; expression: string } = '*'): this {
    if (this.state !== 'created') throw new ClientStateError('subscribe before start()');
    const sub =
      typeof expression === 'string' ? subscriptionFor(topic, expression, 'TAG') : subscriptionFor(topic, expression.expression, expression.type);
    this.subscriptions.set(topic, sub);
    return this;
  }

  registerMessageListener(listener: ConcurrentListener): this {
    this.concurrentListener = listener;
    this.orderlyListener = undefined;
    return this;
  }

  registerMessageListenerOrderly(listener: OrderlyListener): this {
    this.orderlyListener = listener;
    this.concurrentListener = undefined;
    return this;
  }

  async start(): Promise<void> {
    if (this.state !== 'created') throw new ClientStateError(`consumer ${this.group} already ${this.state}`);
    if (!this.concurrentListener && !this.orderlyListener) throw new ClientStateError('register a message listener before start()');
    if (this.subscriptions.size === 0) throw new ClientStateError('subscribe to at least one topic before start()');
    if (this.messageModel === 'CLUSTERING') this.subscriptions.set(retryTopic(this.group), buildSubscription(retryTopic(this.group), '*'));
    this.offsetStore =
      this.messageModel === 'BROADCASTING'
        ? new LocalFileOffsetStore(this.options.offsetStoreDir ?? defaultOffsetStoreDir(), this.client.clientId, this.group)
        : new RemoteOffsetStore(this.client, this.group);
    this.offsetStore.load();
    this.innerProducer = new Producer({ ...this.options, producerGroup: 'CLIENT_INNER_PRODUCER', client: this.client });
    this.client.registerConsumer(this);
    this.client.start();
    this.state = 'running';
    try {
      for (const topic of this.subscriptions.keys()) await this.client.updateRoute(topic).catch(() => undefined);
      await this.checkClientConfig();
      await this.client.heartbeatAll();
      await this.innerProducerStart();
    } catch (err) {
      await this.shutdown();
      throw err;
    }
    this.client.every(this.options.persistConsumerOffsetInterval ?? 5000, () => this.persistOffsets(false));
    this.client.every(this.options.rebalanceInterval ?? 20_000, () => this.rebalance());
    if (this.orderly && this.messageModel === 'CLUSTERING') this.client.every(this.options.lockInterval ?? 20_000, () => this.lockAll());
    await this.rebalance();
  }

  private async innerProducerStart(): Promise<void> {
    // The inner producer shares our client and is not registered as a group of its own: the
    // heartbeat already announces CLIENT_INNER_PRODUCER for consumers.
    (this.innerProducer as unknown as { state: string }).state = 'running';
  }

  /** SQL92 subscriptions are checked with the broker (CHECK_CLIENT_CONFIG) before any pull. */
  private async checkClientConfig(): Promise<void> {
    for (const sub of this.subscriptions.values()) {
      if (sub.expressionType === 'TAG') continue;
      const route = this.client.routes.get(sub.topic);
      const addr = route?.brokerDatas.map((b) => b.brokerAddrs.get(0)).find((a) => a);
      if (!addr) continue;
      const body = Buffer.from(toFastJson({ clientId: this.client.clientId, group: this.group, subscriptionData: sub }), 'utf8');
      const response = await this.client.invoke(this.client.brokerCallAddr(addr), this.client.request(RequestCode.CHECK_CLIENT_CONFIG, undefined, body), 3000);
      if (response.code !== ResponseCode.SUCCESS && response.code !== ResponseCode.REQUEST_CODE_NOT_SUPPORTED) {
        throw new MQBrokerError(response.code, response.remark, addr, RequestCode.CHECK_CLIENT_CONFIG);
      }
    }
  }

  /** Stops pulling, waits for running listeners, commits offsets, unlocks, unregisters, closes. */
  async shutdown(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    const wasRunning = this.state === 'running';
    this.state = 'stopping';
    for (const wake of this.sleepers) wake();
    this.sleepers.clear();
    for (const pq of this.pqs.values()) pq.dropped = true;
    this.consumeQueue.length = 0;
    if (wasRunning) {
      const wait = this.options.awaitTerminationMillisWhenShutdown ?? 5000;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.tasksDone(), new Promise((r) => (timer = setTimeout(r, wait)))]);
      clearTimeout(timer);
      await this.chain;
      const mqs = [...this.pqs.values()].map((pq) => pq.mq);
      await this.offsetStore.persistAll(mqs, true).catch((error: unknown) => this.client.diagnostic({ type: 'offset-persist-error', group: this.group, error: asError(error) }));
      if (this.orderly && this.messageModel === 'CLUSTERING') await this.unlockAll(mqs.filter((mq) => this.pqs.get(mqKey(mq))?.locked)).catch(() => undefined);
      this.client.consumers.delete(this.group);
      await this.client.unregister({ consumerGroup: this.group });
      if (this.client.consumers.size === 0) await this.client.unregister({ producerGroup: 'CLIENT_INNER_PRODUCER' });
    }
    this.client.consumers.delete(this.group);
    if (this.ownsClient) await this.client.shutdown();
    await Promise.allSettled([...this.pqs.values()].map((pq) => pq.loop));
    this.pqs.clear();
    this.state = 'stopped';
  }

  private get running(): boolean {
    return this.state === 'running';
  }

  /** Sleeps unless the consumer stops first. */
  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || !this.running) return Promise.resolve();
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(t);
        this.sleepers.delete(wake);
        resolve();
      };
      const t = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }

  // -------------------------------------------------------------------------------------------
  // ConsumerHook

  topics(): Iterable<string> {
    return this.subscriptions.keys();
  }

  consumerData(): ConsumerData | undefined {
    if (this.state !== 'running') return undefined;
    return {
      groupName: this.group,
      consumeType: 'CONSUME_PASSIVELY',
      messageModel: this.messageModel,
      consumeFromWhere: this.options.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET',
      subscriptionDataSet: [...this.subscriptions.values()],
      unitMode: false,
    };
  }

  onRouteChanged(_topic: string, _route: TopicRouteData): void {}

  rebalanceNow(): void {
    if (this.running) void this.rebalance();
  }

  async resetOffset(topic: string, offsets: Array<{ mq: MessageQueue; offset: number }>): Promise<void> {
    await this.serial(async () => {
      for (const { mq, offset } of offsets) {
        if (mq.topic !== topic) continue;
        const pq = this.pqs.get(mqKey(mq));
        if (pq) {
          pq.dropped = true;
          pq.clear();
          this.pqs.delete(mqKey(mq));
        }
        this.offsetStore.update(mq, offset, false);
        await this.offsetStore.persist(mq, true).catch(() => undefined);
      }
    });
    await this.rebalance();
  }

  runningInfo(): Buffer {
    return encodeConsumerRunningInfo({
      properties: {
        consumerGroup: this.group,
        messageModel: this.messageModel,
        consumeType: 'CONSUME_PASSIVELY',
        consumeOrderly: String(this.orderly),
        PROP_CLIENT_VERSION: String(this.client.version),
      },
      subscriptions: [...this.subscriptions.values()],
      queues: [...this.pqs.values()].map((pq) => ({ mq: pq.mq, commitOffset: this.offsetStore.readMemory(pq.mq), cachedMsgCount: pq.count, locked: pq.locked })),
    });
  }

  /** CONSUME_MESSAGE_DIRECTLY (mqadmin consumeMessage): the listener runs once on this message. */
  async consumeDirectly(msg: MessageExt): Promise<Buffer> {
    this.resetRetryTopic([msg]);
    const mq = { topic: msg.topic, brokerName: msg.brokerName ?? '', queueId: msg.queueId };
    const started = Date.now();
    let consumeResult: string;
    let remark: string | undefined;
    try {
      if (this.orderlyListener) {
        const status = (await this.orderlyListener([msg], { mq, suspendCurrentQueueTimeMillis: 0 })) ?? 'SUCCESS';
        consumeResult = status === 'SUCCESS' ? 'CR_SUCCESS' : 'CR_LATER';
      } else {
        const status = (await this.concurrentListener!([msg], { mq, delayLevelWhenNextConsume: 0, ackIndex: 0 })) ?? 'CONSUME_SUCCESS';
        consumeResult = status === 'CONSUME_SUCCESS' ? 'CR_SUCCESS' : 'CR_LATER';
      }
    } catch (error) {
      consumeResult = 'CR_THROW_EXCEPTION';
      remark = asError(error).message;
    }
    return Buffer.from(
      toFastJson({ autoCommit: true, consumeResult, order: this.orderly, remark, spentTimeMills: Date.now() - started }),
      'utf8',
    );
  }

  /** Queues currently owned, sorted. */
  assignedQueues(): MessageQueue[] {
    return [...this.pqs.values()].map((pq) => pq.mq).sort(compareMq);
  }

  /** In-memory committed offset of a queue (−1 when unknown). */
  committedOffset(mq: MessageQueue): number {
    return this.offsetStore.readMemory(mq);
  }

  // -------------------------------------------------------------------------------------------
  // Rebalance

  /**
   * Runs `fn` after every earlier rebalance / offset reset has finished: queue ownership and
   * offsets are only ever changed by one of them at a time.
   */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Runs a rebalance; requests made while one is waiting to start share it. */
  rebalance(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.rebalanceQueued) return this.rebalanceQueued;
    const queued = this.serial(async () => {
      this.rebalanceQueued = undefined;
      for (const [topic, sub] of this.subscriptions) {
        if (!this.running) return;
        try {
          await this.rebalanceTopic(topic, sub);
        } catch (error) {
          this.client.diagnostic({ type: 'error', where: `rebalance ${this.group} ${topic}`, error: asError(error) });
        }
      }
    });
    this.rebalanceQueued = queued;
    return queued;
  }

  private async rebalanceTopic(topic: string, _sub: SubscriptionData): Promise<void> {
    let route = this.client.routes.get(topic);
    if (!route) route = await this.client.updateRoute(topic).catch(() => undefined);
    if (!route) return;
    const mqAll: MessageQueue[] = [];
    for (const qd of route.queueDatas) {
      if (!isReadable(qd.perm)) continue;
      for (let i = 0; i < qd.readQueueNums; i++) mqAll.push({ topic, brokerName: qd.brokerName, queueId: i });
    }
    mqAll.sort(compareMq);
    let allocated: MessageQueue[];
    if (this.messageModel === 'BROADCASTING') {
      allocated = mqAll;
    } else {
      const cids = await this.consumerIds(route);
      if (!cids) return;
      if (!cids.includes(this.client.clientId)) {
        // The broker has not seen our heartbeat yet; announce ourselves and let the next round allocate.
        await this.client.heartbeatAll();
        return;
      }
      const strategy = this.options.allocateStrategy ?? allocateAveragely;
      allocated = strategy.allocate(this.group, this.client.clientId, mqAll, cids);
    }
    await this.updateProcessQueues(topic, allocated);
  }

  /**
   * The group's consumer ids, from the first broker of the route that answers (each group's master,
   * else its slave): one dead broker must not stop the whole topic's rebalance. Sorted; undefined
   * when the route has no broker.
   */
  private async consumerIds(route: TopicRouteData): Promise<string[] | undefined> {
    let lastError: unknown;
    for (const bd of route.brokerDatas) {
      const addr = bd.brokerAddrs.get(0) ?? [...bd.brokerAddrs].sort((a, b) => a[0] - b[0])[0]?.[1];
      if (!addr) continue;
      try {
        return (await getConsumerIdList(this.client, this.group, addr)).sort();
      } catch (error) {
        lastError = error;
      }
    }
    if (lastError) throw lastError;
    return undefined;
  }

  private async updateProcessQueues(topic: string, allocated: MessageQueue[]): Promise<void> {
    const want = new Map(allocated.map((mq) => [mqKey(mq), mq]));
    const removed: string[] = [];
    const added: string[] = [];
    for (const [key, pq] of this.pqs) {
      if (pq.mq.topic !== topic || want.has(key)) continue;
      pq.dropped = true;
      this.pqs.delete(key);
      removed.push(mqString(pq.mq));
      await this.offsetStore.persist(pq.mq, false).catch(() => undefined);
      this.offsetStore.remove(pq.mq);
      if (this.orderly && this.messageModel === 'CLUSTERING' && pq.locked) await this.unlockAll([pq.mq]).catch(() => undefined);
    }
    // A queue that cannot start now (its offset unreadable, its lock refused) is reported and
    // tried again soon, never dropped in silence: it stays unowned only until a rebalance starts it.
    const failed: string[] = [];
    for (const [key, mq] of want) {
      if (this.pqs.has(key) || !this.running) continue;
      const pq = new ProcessQueue(mq, this.orderly);
      let offset: number;
      try {
        if (this.orderly && this.messageModel === 'CLUSTERING' && !(await this.lockOne(pq))) {
          throw new MQClientError(`the broker did not lock ${mqString(mq)} for ${this.client.clientId} (another consumer of ${this.group} may still hold it)`);
        }
        this.offsetStore.remove(mq);
        offset = await this.computePullFromWhere(mq);
      } catch (error) {
        failed.push(mqString(mq));
        this.client.diagnostic({ type: 'queue-start-failed', group: this.group, queue: mqString(mq), error: asError(error) });
        continue;
      }
      if (!this.running) continue;
      pq.nextOffset = offset;
      this.offsetStore.update(mq, offset, false);
      this.pqs.set(key, pq);
      added.push(mqString(mq));
      pq.loop = this.pullLoop(pq);
    }
    if (added.length > 0 || removed.length > 0 || failed.length > 0) {
      this.client.diagnostic({ type: 'rebalance', group: this.group, topic, assigned: allocated.map(mqString), added, removed, failed });
    }
    if (failed.length > 0 && !this.rebalanceRetryPending) {
      this.rebalanceRetryPending = true;
      this.client.later(this.options.pullTimeDelayMillsWhenException ?? 3000, () => {
        this.rebalanceRetryPending = false;
        void this.rebalance();
      });
    }
  }

  /** Where a newly owned queue starts: its stored offset, else `consumeFromWhere`. Rejects when neither can be read. */
  private async computePullFromWhere(mq: MessageQueue): Promise<number> {
    let last: number;
    try {
      last = await this.offsetStore.readStore(mq);
    } catch (error) {
      throw new MQClientError(`reading the consumer offset of ${mqString(mq)} failed: ${asError(error).message}`, { cause: error });
    }
    if (last >= 0) return last;
    const isRetry = isRetryTopic(mq.topic);
    try {
      switch (this.options.consumeFromWhere ?? 'CONSUME_FROM_LAST_OFFSET') {
        case 'CONSUME_FROM_FIRST_OFFSET':
          return 0;
        case 'CONSUME_FROM_TIMESTAMP':
          if (isRetry) return await getMaxOffset(this.client, mq);
          return await searchOffset(this.client, mq, parseConsumeTimestamp(this.options.consumeTimestamp));
        default:
          if (isRetry) return 0;
          return await getMaxOffset(this.client, mq);
      }
    } catch (error) {
      throw new MQClientError(`finding the start offset of ${mqString(mq)} failed: ${asError(error).message}`, { cause: error });
    }
  }

  // -------------------------------------------------------------------------------------------
  // Orderly locks

  private async lockOne(pq: ProcessQueue): Promise<boolean> {
    try {
      const ok = await lockBatch(this.client, this.group, pq.mq.brokerName, [pq.mq]);
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
    const byBroker = new Map<string, ProcessQueue[]>();
    for (const pq of this.pqs.values()) {
      const list = byBroker.get(pq.mq.brokerName) ?? [];
      list.push(pq);
      byBroker.set(pq.mq.brokerName, list);
    }
    for (const [broker, list] of byBroker) {
      try {
        const ok = new Set((await lockBatch(this.client, this.group, broker, list.map((p) => p.mq))).map(mqKey));
        const now = Date.now();
        for (const pq of list) {
          pq.locked = ok.has(mqKey(pq.mq));
          if (pq.locked) pq.lastLockTimestamp = now;
        }
      } catch (error) {
        this.client.diagnostic({ type: 'error', where: `lock queues on ${broker}`, error: asError(error) });
      }
    }
  }

  private async unlockAll(mqs: MessageQueue[]): Promise<void> {
    const byBroker = new Map<string, MessageQueue[]>();
    for (const mq of mqs) byBroker.set(mq.brokerName, [...(byBroker.get(mq.brokerName) ?? []), mq]);
    await Promise.all([...byBroker].map(([broker, list]) => unlockBatch(this.client, this.group, broker, list, false)));
    for (const mq of mqs) {
      const pq = this.pqs.get(mqKey(mq));
      if (pq) pq.locked = false;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Pulling

  private async pullLoop(pq: ProcessQueue): Promise<void> {
    while (this.running && !pq.dropped) {
      let delay: number;
      try {
        delay = await this.pullOnce(pq);
      } catch (error) {
        if (!this.running || pq.dropped) return;
        this.client.diagnostic({ type: 'pull-error', group: this.group, queue: mqString(pq.mq), error: asError(error) });
        if (error instanceof TransportError) this.refreshRouteSoon(pq.mq.topic);
        delay = this.options.pullTimeDelayMillsWhenException ?? 3000;
      }
      if (delay > 0) await this.sleep(delay);
    }
  }

  /**
   * A broker that stopped answering may have left the route (a killed master): the route is read
   * again now, not at the next periodic refresh, so the next pull finds the slave. At most once a
   * second per topic, however many queues fail.
   */
  private refreshRouteSoon(topic: string): void {
    const now = Date.now();
    if ((this.routeRefreshedAt.get(topic) ?? 0) > now - 1000) return;
    this.routeRefreshedAt.set(topic, now);
    void this.client.updateRoute(topic).catch(() => undefined);
  }

  /** One pull; returns how long to wait before the next one. */
  private async pullOnce(pq: ProcessQueue): Promise<number> {
    const mq = pq.mq;
    const flowDelay = this.options.pullTimeDelayMillsWhenFlowControl ?? 50;
    const maxCount = this.options.pullThresholdForQueue ?? 1000;
    const maxBytes = (this.options.pullThresholdSizeForQueue ?? 100) * 1024 * 1024;
    if (pq.count > maxCount || pq.bytes > maxBytes) {
      if (this.stats.flowControlled++ % 1000 === 0) {
        this.client.diagnostic({ type: 'flow-control', group: this.group, queue: mqString(mq), cachedCount: pq.count, cachedBytes: pq.bytes });
      }
      return flowDelay;
    }
    if (!this.orderly && pq.maxSpan() > (this.options.consumeConcurrentlyMaxSpan ?? 2000)) {
      this.stats.flowControlled++;
      return flowDelay;
    }
    if (this.orderly && this.messageModel === 'CLUSTERING' && (!pq.locked || pq.lockExpired(this.options.lockMaxLiveMs ?? 30_000))) {
      if (!(await this.lockOne(pq))) return 1000;
    }
    const sub = this.subscriptions.get(mq.topic);
    if (!sub) return 3000;
    let target = this.client.findBrokerAddr(mq.brokerName, pq.pullFromBrokerId);
    if (!target) {
      await this.client.updateRoute(mq.topic);
      target = this.client.findBrokerAddr(mq.brokerName, pq.pullFromBrokerId);
      if (!target) throw new MQClientError(`broker ${mq.brokerName} of ${mqString(mq)} is not in the route`);
    }
    if (sub.expressionType !== 'TAG' && (this.client.brokerVersions.get(target.addr) ?? 0) < V4_1_0_SNAPSHOT) {
      // Java's rule: only brokers that answered a heartbeat with version ≥ V4_1_0_SNAPSHOT filter by SQL92.
      await this.client.heartbeat(target.addr).catch(() => 0);
      const version = this.client.brokerVersions.get(target.addr) ?? 0;
      if (version < V4_1_0_SNAPSHOT) throw new MQClientError(`broker ${target.addr} (version ${version}) does not support filtering by ${sub.expressionType}`);
    }
    const commitOffset = this.messageModel === 'CLUSTERING' && !target.slave ? Math.max(0, this.offsetStore.readMemory(mq)) : 0;
    this.stats.pulls++;
    const result: PullResult = await pullMessage(
      this.client,
      target.addr,
      {
        group: this.group,
        mq,
        subscription: sub,
        offset: pq.nextOffset,
        maxNums: this.options.pullBatchSize ?? 32,
        commitOffset,
        suspendMs: this.options.brokerSuspendMaxTimeMillis ?? 15_000,
        postSubscription: this.options.postSubscriptionWhenPull ?? false,
      },
      this.options.consumerTimeoutMillisWhenSuspend ?? 30_000,
    );
    if (pq.dropped) return 0;
    pq.pullFromBrokerId = result.suggestWhichBrokerId;
    switch (result.status) {
      case 'FOUND':
        pq.nextOffset = result.nextBeginOffset;
        this.stats.pulledMessages += result.messages.length;
        if (result.messages.length === 0) {
          if (pq.count === 0) this.offsetStore.update(mq, result.nextBeginOffset, true);
          return 0;
        }
        pq.put(result.messages);
        this.dispatch(pq, result.messages);
        return this.options.pullInterval ?? 0;
      case 'NO_NEW_MSG':
        pq.nextOffset = result.nextBeginOffset;
        if (pq.count === 0) this.offsetStore.update(mq, result.nextBeginOffset, true);
        return 0;
      case 'NO_MATCHED_MSG': {
        // A slave asked for an offset it does not have yet (behind a master that is away) says
        // "retry immediately" without moving on: wait rather than spin against it.
        const stuck = result.nextBeginOffset === pq.nextOffset;
        pq.nextOffset = result.nextBeginOffset;
        if (pq.count === 0) this.offsetStore.update(mq, result.nextBeginOffset, true);
        return stuck ? this.options.pullTimeDelayMillsWhenException ?? 3000 : 0;
      }
      case 'OFFSET_ILLEGAL':
        pq.nextOffset = result.nextBeginOffset;
        pq.dropped = true;
        this.offsetStore.update(mq, result.nextBeginOffset, false);
        await this.offsetStore.persist(mq, false).catch(() => undefined);
        this.pqs.delete(mqKey(mq));
        this.client.diagnostic({ type: 'pull-error', group: this.group, queue: mqString(mq), error: new MQClientError(`offset moved to ${result.nextBeginOffset}`) });
        this.client.later(1000, () => void this.rebalance());
        return 0;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Consuming

  private dispatch(pq: ProcessQueue, msgs: MessageExt[]): void {
    if (this.orderly) {
      if (!pq.busy) this.track(this.consumeOrderly(pq));
      return;
    }
    const batch = Math.max(1, this.options.consumeMessageBatchMaxSize ?? 1);
    for (let i = 0; i < msgs.length; i += batch) {
      const part = msgs.slice(i, i + batch);
      this.consumeQueue.push(() => this.consumeConcurrently(pq, part));
    }
    this.drainConsumeQueue();
  }

  private track(p: Promise<void>): void {
    this.tasksRunning++;
    void p.finally(() => {
      if (--this.tasksRunning > 0) return;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    });
  }

  private tasksDone(): Promise<void> {
    if (this.tasksRunning === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private drainConsumeQueue(): void {
    const max = this.options.consumeThreadMax ?? 20;
    while (this.activeConsumers < max && this.consumeQueue.length > 0) {
      const task = this.consumeQueue.shift()!;
      let running: Promise<void> | undefined;
      try {
        running = task();
      } catch (error) {
        this.client.diagnostic({ type: 'error', where: 'consume task', error: asError(error) });
      }
      // Most tasks (a listener that returns its status) finish right here, with no promise at all.
      if (running === undefined) continue;
      this.activeConsumers++;
      this.track(
        running
          .catch((error: unknown) => this.client.diagnostic({ type: 'error', where: 'consume task', error: asError(error) }))
          .finally(() => {
            this.activeConsumers--;
            this.drainConsumeQueue();
          }),
      );
    }
  }

  /** Restores the original topic of messages pulled from the retry topic. */
  private resetRetryTopic(msgs: MessageExt[]): void {
    const retry = retryTopic(this.group);
    for (const m of msgs) {
      const original = m.properties.RETRY_TOPIC;
      if (original && m.topic === retry) m.topic = original;
    }
  }

  /**
   * Runs the listener on one batch. Returns a promise only while something is still running (a
   * listener that returned a promise, failed messages being handed back); otherwise the batch is
   * done, offsets included, when this returns.
   */
  private consumeConcurrently(pq: ProcessQueue, msgs: MessageExt[]): Promise<void> | undefined {
    if (pq.dropped) return undefined;
    this.resetRetryTopic(msgs);
    const now = String(Date.now());
    for (const m of msgs) m.properties.CONSUME_START_TIME = now;
    const ctx: ConsumeConcurrentlyContext = { mq: pq.mq, delayLevelWhenNextConsume: 0, ackIndex: msgs.length - 1 };
    const failedListener = (error: unknown): ConsumeConcurrentlyStatus => {
      this.client.diagnostic({ type: 'consume-error', group: this.group, msgId: msgs[0]!.msgId, error: asError(error) });
      return 'RECONSUME_LATER';
    };
    let status: ConsumeConcurrentlyStatus;
    try {
      const answer = this.concurrentListener!(msgs, ctx);
      if (isThenable(answer)) {
        return Promise.resolve(answer).then(
          (s) => this.finishConsume(pq, msgs, ctx, s ?? 'CONSUME_SUCCESS'),
          (error: unknown) => this.finishConsume(pq, msgs, ctx, failedListener(error)),
        );
      }
      status = answer ?? 'CONSUME_SUCCESS';
    } catch (error) {
      status = failedListener(error);
    }
    return this.finishConsume(pq, msgs, ctx, status);
  }

  /** Acks what the listener consumed and hands failed messages back (the only part that waits). */
  private finishConsume(pq: ProcessQueue, msgs: MessageExt[], ctx: ConsumeConcurrentlyContext, status: ConsumeConcurrentlyStatus): Promise<void> | undefined {
    if (pq.dropped) return undefined;
    const ackIndex = status === 'CONSUME_SUCCESS' ? Math.min(ctx.ackIndex, msgs.length - 1) : -1;
    this.stats.consumed += ackIndex + 1;
    if (ackIndex + 1 >= msgs.length || this.messageModel !== 'CLUSTERING') {
      this.stats.failed += msgs.length - (ackIndex + 1);
      this.ack(pq, msgs);
      return undefined;
    }
    return this.handBack(pq, msgs, ctx, msgs.slice(ackIndex + 1));
  }

  /** The messages are done with: out of the process queue, and the commit offset moves up. */
  private ack(pq: ProcessQueue, done: readonly MessageExt[]): void {
    const offset = pq.remove(done);
    if (!pq.dropped) this.offsetStore.update(pq.mq, offset, true);
  }

  private async handBack(pq: ProcessQueue, msgs: MessageExt[], ctx: ConsumeConcurrentlyContext, failed: MessageExt[]): Promise<void> {
    this.stats.failed += failed.length;
    const keep: MessageExt[] = [];
    for (const m of failed) {
      if (!(await this.sendMessageBack(m, ctx.delayLevelWhenNextConsume))) keep.push(m);
    }
    this.ack(pq, keep.length === 0 ? msgs : msgs.filter((m) => !keep.includes(m)));
    if (keep.length > 0) {
      // Could not hand them back to the broker: consume them again here later.
      for (const m of keep) m.reconsumeTimes++;
      this.client.later(5000, () => {
        if (pq.dropped) return;
        this.consumeQueue.push(() => this.consumeConcurrently(pq, keep));
        this.drainConsumeQueue();
      });
    }
  }

  /**
   * Hands a failed message back: CONSUMER_SEND_MSG_BACK, or if that fails a copy sent to the
   * retry topic (with RECONSUME_TIME / MAX_RECONSUME_TIMES so the broker can move it to the DLQ).
   */
  private async sendMessageBack(msg: MessageExt, delayLevel: number): Promise<boolean> {
    const max = this.options.maxReconsumeTimes ?? 16;
    try {
      await consumerSendMessageBack(this.client, this.group, msg, delayLevel, max);
      this.stats.sentBack++;
      this.client.diagnostic({ type: 'send-back', group: this.group, msgId: msg.msgId, fallback: false });
      return true;
    } catch (error) {
      try {
        await this.sendRetryCopy(msg, delayLevel, max);
        this.stats.sentBack++;
        this.client.diagnostic({ type: 'send-back', group: this.group, msgId: msg.msgId, fallback: true, error: asError(error) });
        return true;
      } catch (error2) {
        this.client.diagnostic({ type: 'send-back', group: this.group, msgId: msg.msgId, fallback: true, error: asError(error2) });
        return false;
      }
    }
  }

  private async sendRetryCopy(msg: MessageExt, delayLevel: number, max: number): Promise<void> {
    const user: Record<string, string> = {};
    for (const [k, v] of Object.entries(msg.properties)) if (!RESERVED_PROPERTIES.has(k)) user[k] = v;
    const reconsume = delayLevel < 0 ? max : msg.reconsumeTimes + 1;
    const extra: Record<string, string> = {
      RETRY_TOPIC: msg.topic,
      ORIGIN_MESSAGE_ID: msg.properties.ORIGIN_MESSAGE_ID ?? msg.msgId,
      RECONSUME_TIME: String(reconsume),
      MAX_RECONSUME_TIMES: String(max),
    };
    if (msg.tags) extra.TAGS = msg.tags;
    if (msg.keys.length > 0) extra.KEYS = msg.keys.join(' ');
    await (this.innerProducer as unknown as InnerSend).sendImpl(
      { topic: retryTopic(this.group), body: msg.body, flag: msg.flag, properties: user, delayLevel: delayLevel < 0 ? undefined : 3 + msg.reconsumeTimes },
      {},
      'sync',
      0,
      extra,
    );
  }

  private async consumeOrderly(pq: ProcessQueue): Promise<void> {
    pq.busy = true;
    try {
      const batch = Math.max(1, this.options.consumeMessageBatchMaxSize ?? 1);
      const max = this.options.maxReconsumeTimes ?? Number.MAX_SAFE_INTEGER;
      while (this.running && !pq.dropped) {
        if (this.messageModel === 'CLUSTERING' && (!pq.locked || pq.lockExpired(this.options.lockMaxLiveMs ?? 30_000))) {
          if (!(await this.lockOne(pq))) {
            await this.sleep(100);
            continue;
          }
        }
        const msgs = pq.take(batch);
        if (msgs.length === 0) break;
        this.resetRetryTopic(msgs);
        const ctx: ConsumeOrderlyContext = { mq: pq.mq, suspendCurrentQueueTimeMillis: this.options.suspendCurrentQueueTimeMillis ?? 1000 };
        let status: ConsumeOrderlyStatus;
        try {
          status = (await this.orderlyListener!(msgs, ctx)) ?? 'SUCCESS';
        } catch (error) {
          status = 'SUSPEND_CURRENT_QUEUE_A_MOMENT';
          this.client.diagnostic({ type: 'consume-error', group: this.group, msgId: msgs[0]!.msgId, error: asError(error) });
        }
        if (pq.dropped) break;
        if (status === 'SUCCESS') {
          this.stats.consumed += msgs.length;
          const offset = pq.commit();
          if (offset >= 0) this.offsetStore.update(pq.mq, offset, false);
          continue;
        }
        this.stats.failed += msgs.length;
        // Messages that exhausted their retries go to the DLQ; the rest are consumed again here.
        let suspend = false;
        for (const m of msgs) {
          if (m.reconsumeTimes >= max && this.messageModel === 'CLUSTERING') {
            if (!(await this.sendMessageBack(m, -1))) {
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
          if (offset >= 0) this.offsetStore.update(pq.mq, offset, false);
          continue;
        }
        pq.rollback(msgs);
        await this.sleep(ctx.suspendCurrentQueueTimeMillis);
      }
    } finally {
      pq.busy = false;
    }
  }

  // -------------------------------------------------------------------------------------------
  // Offsets

  async persistOffsets(sync: boolean): Promise<void> {
    const mqs = [...this.pqs.values()].map((pq) => pq.mq);
    try {
      await this.offsetStore.persistAll(mqs, sync);
    } catch (error) {
      this.client.diagnostic({ type: 'offset-persist-error', group: this.group, error: asError(error) });
    }
  }
}

interface InnerSend {
  sendImpl(msg: import('./message.js').Message, options: object, mode: 'sync', sysFlag: number, extra: Record<string, string>): Promise<unknown>;
}

function isThenable(x: unknown): x is PromiseLike<ConsumeConcurrentlyStatus | void> {
  return typeof x === 'object' && x !== null && typeof (x as { then?: unknown }).then === 'function';
}
