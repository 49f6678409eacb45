/**
 * The push consumer (Java DefaultMQPushConsumer): subscriptions, one long-polling pull loop per
 * owned queue with flow control by count and bytes, and the parts RocketMQ splits out: rebalance
 * (consumer/rebalance.ts), concurrent or orderly consumption (consumer/consume-*.ts), send-back of
 * failed messages (consumer/send-back.ts). Offsets are committed periodically and at shutdown.
 */
import { RequestCode } from '../protocol/request-code.js';
import { toFastJson } from '../codec/fastjson.js';
import { ResponseCode } from '../protocol/response-code.js';
import { V4_1_0_SNAPSHOT, versionName } from '../protocol/version.js';
import type { TopicRouteData } from '../protocol/route.js';
import { buildSubscription, type ExpressionType, type SubscriptionData } from '../protocol/bodies/subscription.js';
import type { ConsumerData, MessageModel } from '../protocol/bodies/heartbeat.js';
import { encodeConsumerRunningInfo, processQueueInfo, RunningInfoProp } from '../protocol/bodies/running-info.js';
import { CLIENT_INNER_PRODUCER_GROUP, retryTopic } from '../protocol/system-topics.js';
import { subscriptionFor } from './subscription.js';
import { pullMessage, type PullResult } from './consumer-api.js';
import { ClientStateError, MQBrokerError, MQClientError } from './errors.js';
import { TransportError } from '../transport/errors.js';
import { ClientInstance, asError, type ConsumerHook } from './instance.js';
import { compareMq, mqKey, mqString, type MessageExt, type MessageQueue } from './message.js';
import { LocalFileOffsetStore, RemoteOffsetStore, type OffsetStore } from './offset-store.js';
import { ProcessQueue } from './process-queue.js';
import { InnerProducer } from './producer.js';
import { resolvePushConsumerOptions, type PushConsumerOptions, type ResolvedPushConsumerOptions } from './options/push-consumer.js';
import type { PushConsumerContext, PushConsumerStats } from './consumer/context.js';
import { ConsumeConcurrentlyService } from './consumer/consume-concurrently.js';
import { ConsumeOrderlyService } from './consumer/consume-orderly.js';
import type { ConcurrentListener, OrderlyListener } from './consumer/listener.js';
import { RebalancePush } from './consumer/rebalance.js';
import { restoreRetryTopic, SendBack } from './consumer/send-back.js';
import type { TaskCounter } from './consumer/task-counter.js';

export type { PushConsumerOptions };
export { parseConsumeTimestamp } from './options/push-consumer.js';
export type {
  ConcurrentListener,
  OrderlyListener,
  ConsumeConcurrentlyStatus,
  ConsumeOrderlyStatus,
  ConsumeConcurrentlyContext,
  ConsumeOrderlyContext,
} from './consumer/listener.js';

/** Where pulled messages go: the concurrent or the orderly consume service. */
interface ConsumeService {
  readonly tasks: TaskCounter;
  dispatch(pq: ProcessQueue, msgs: MessageExt[]): void;
}

export class PushConsumer implements ConsumerHook {
  readonly group: string;
  readonly client: ClientInstance;
  readonly messageModel: MessageModel;
  private readonly options: ResolvedPushConsumerOptions;
  private readonly ownsClient: boolean;
  private readonly subscriptions = new Map<string, SubscriptionData>();
  private readonly pqs = new Map<string, ProcessQueue>();
  private offsetStore!: OffsetStore;
  private concurrentListener?: ConcurrentListener;
  private orderlyListener?: OrderlyListener;
  private state: 'created' | 'running' | 'stopping' | 'stopped' = 'created';
  /** Built at start(), when the listener kind is known. */
  private rebalancer?: RebalancePush;
  private consume?: ConsumeService;
  private concurrently?: ConsumeConcurrentlyService;
  private sendBack?: SendBack;
  /** topic → when its route was last re-read after a pull failed on the transport. */
  private readonly routeRefreshedAt = new Map<string, number>();
  private readonly sleepers = new Set<() => void>();
  /** When start() ran (Java's PROP_CONSUMER_START_TIMESTAMP; its tools judge a group by it). */
  private startedAt = 0;
  /** Counters for tests and diagnostics. */
  readonly stats: PushConsumerStats = { pulls: 0, pulledMessages: 0, consumed: 0, failed: 0, sentBack: 0, flowControlled: 0 };

  constructor(options: PushConsumerOptions) {
    if (!options.consumerGroup) throw new ClientStateError('consumerGroup is required');
    this.options = resolvePushConsumerOptions(options);
    this.group = options.consumerGroup;
    this.messageModel = this.options.messageModel;
    this.ownsClient = !options.client;
    this.client = options.client ?? new ClientInstance(options);
  }

  get clientId(): string {
    return this.client.clientId;
  }

  private get orderly(): boolean {
    return this.orderlyListener !== undefined;
  }

  /** Orderly consumption in CLUSTERING mode holds a broker lock per queue. */
  private get locksQueues(): boolean {
    return this.orderly && this.messageModel === 'CLUSTERING';
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
    this.startedAt = Date.now();
    if (this.messageModel === 'CLUSTERING') this.subscriptions.set(retryTopic(this.group), buildSubscription(retryTopic(this.group), '*'));
    this.offsetStore =
      this.messageModel === 'BROADCASTING'
        ? new LocalFileOffsetStore(this.options.offsetStoreDir, this.client.clientId, this.group)
        : new RemoteOffsetStore(this.client, this.group);
    this.offsetStore.load();
    this.buildParts();
    this.client.registerConsumer(this);
    this.client.start();
    this.state = 'running';
    try {
      for (const topic of this.subscriptions.keys()) await this.client.updateRoute(topic).catch(() => undefined);
      await this.checkClientConfig();
      await this.client.heartbeatAll();
    } catch (err) {
      await this.shutdown();
      throw err;
    }
    this.client.every(this.options.persistConsumerOffsetInterval, () => this.persistOffsets(false));
    this.client.every(this.options.rebalanceInterval, () => this.rebalance());
    if (this.locksQueues) this.client.every(this.options.lockInterval, () => this.lockAll());
    await this.rebalance();
  }

  /** The rebalance, consume and send-back parts, sharing one context. */
  private buildParts(): void {
    const self = this;
    const ctx: PushConsumerContext = {
      group: this.group,
      client: this.client,
      options: this.options,
      stats: this.stats,
      subscriptions: this.subscriptions,
      pqs: this.pqs,
      offsetStore: this.offsetStore,
      orderly: this.orderly,
      locksQueues: this.locksQueues,
      get running() {
        return self.running;
      },
      sleep: (ms) => this.sleep(ms),
    };
    const producer = new InnerProducer(this.client, this.options);
    void producer.start();
    this.sendBack = new SendBack(ctx, producer);
    const rebalancer = new RebalancePush(ctx, (pq) => {
      pq.loop = this.pullLoop(pq);
    });
    this.rebalancer = rebalancer;
    if (this.orderlyListener) {
      this.consume = new ConsumeOrderlyService(ctx, this.orderlyListener, this.sendBack, (pq) => rebalancer.lock(pq));
    } else {
      this.concurrently = new ConsumeConcurrentlyService(ctx, this.concurrentListener!, this.sendBack);
      this.consume = this.concurrently;
    }
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
    this.concurrently?.clear();
    if (wasRunning) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.consume!.tasks.idle(), new Promise((r) => (timer = setTimeout(r, this.options.awaitTerminationMillisWhenShutdown)))]);
      clearTimeout(timer);
      await this.rebalancer!.settled();
      const mqs = [...this.pqs.values()].map((pq) => pq.mq);
      await this.offsetStore.persistAll(mqs, true).catch((error: unknown) => this.client.diagnostic({ type: 'offset-persist-error', group: this.group, error: asError(error) }));
      if (this.locksQueues) await this.rebalancer!.unlock(mqs.filter((mq) => this.pqs.get(mqKey(mq))?.locked)).catch(() => undefined);
      this.client.consumers.delete(this.group);
      await this.client.unregister({ consumerGroup: this.group });
      if (this.client.consumers.size === 0) await this.client.unregister({ producerGroup: CLIENT_INNER_PRODUCER_GROUP });
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
      consumeFromWhere: this.options.consumeFromWhere,
      subscriptionDataSet: [...this.subscriptions.values()],
      unitMode: false,
    };
  }

  onRouteChanged(_topic: string, _route: TopicRouteData): void {}

  rebalanceNow(): void {
    if (this.running) void this.rebalance();
  }

  async resetOffset(topic: string, offsets: Array<{ mq: MessageQueue; offset: number }>): Promise<void> {
    if (!this.rebalancer) return;
    await this.rebalancer.serial(async () => {
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

  /**
   * GET_CONSUMER_RUNNING_INFO: the properties Java's mqadmin consumerStatus reads (PROP_CONSUME_TYPE,
   * PROP_CONSUMEORDERLY, PROP_CONSUMER_START_TIMESTAMP: it fails on a report without them) and
   * each queue's cache.
   */
  runningInfo(): Buffer {
    return encodeConsumerRunningInfo({
      properties: {
        consumerGroup: this.group,
        messageModel: this.messageModel,
        consumeFromWhere: this.options.consumeFromWhere,
        consumeThreadMax: String(this.options.consumeThreadMax),
        consumeMessageBatchMaxSize: String(this.options.consumeMessageBatchMaxSize),
        [RunningInfoProp.CONSUME_TYPE]: 'CONSUME_PASSIVELY',
        [RunningInfoProp.CONSUME_ORDERLY]: String(this.orderly),
        [RunningInfoProp.CONSUMER_START_TIMESTAMP]: String(this.startedAt),
        [RunningInfoProp.NAMESERVER_ADDR]: this.client.namesrvAddrs.join(';'),
        [RunningInfoProp.THREADPOOL_CORE_SIZE]: String(this.options.consumeThreadMax),
        [RunningInfoProp.CLIENT_VERSION]: versionName(this.client.version),
      },
      subscriptionSet: [...this.subscriptions.values()],
      mqTable: [...this.pqs.values()].map((pq) => ({
        mq: pq.mq,
        info: processQueueInfo({
          commitOffset: this.offsetStore.readMemory(pq.mq),
          cachedMsgMinOffset: pq.cachedMinOffset,
          cachedMsgMaxOffset: pq.cachedMaxOffset,
          cachedMsgCount: pq.count,
          cachedMsgSizeInMiB: Math.floor(pq.bytes / (1024 * 1024)),
          locked: pq.locked,
          lastLockTimestamp: pq.lastLockTimestamp,
          droped: pq.dropped,
          lastPullTimestamp: pq.lastPullTimestamp,
          lastConsumeTimestamp: pq.lastConsumeTimestamp,
        }),
      })),
      statusTable: new Map(),
    });
  }

  /** CONSUME_MESSAGE_DIRECTLY (mqadmin consumeMessage): the listener runs once on this message. */
  async consumeDirectly(msg: MessageExt): Promise<Buffer> {
    restoreRetryTopic([msg], this.group);
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

  /** Runs a rebalance; requests made while one is waiting to start share it. */
  rebalance(): Promise<void> {
    return this.rebalancer?.rebalance() ?? Promise.resolve();
  }

  /** Orderly: renews the locks of all owned queues, per broker. */
  async lockAll(): Promise<void> {
    await this.rebalancer?.lockAll();
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
        delay = this.options.pullTimeDelayMillsWhenException;
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
    const o = this.options;
    const flowDelay = o.pullTimeDelayMillsWhenFlowControl;
    if (pq.count > o.pullThresholdForQueue || pq.bytes > o.pullThresholdBytesForQueue) {
      if (this.stats.flowControlled++ % 1000 === 0) {
        this.client.diagnostic({ type: 'flow-control', group: this.group, queue: mqString(mq), cachedCount: pq.count, cachedBytes: pq.bytes });
      }
      return flowDelay;
    }
    if (!this.orderly && pq.maxSpan() > o.consumeConcurrentlyMaxSpan) {
      this.stats.flowControlled++;
      return flowDelay;
    }
    if (this.locksQueues && (!pq.locked || pq.lockExpired(o.lockMaxLiveMs))) {
      if (!(await this.rebalancer!.lock(pq))) return 1000;
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
        maxNums: o.pullBatchSize,
        commitOffset,
        suspendMs: o.brokerSuspendMaxTimeMillis,
        postSubscription: o.postSubscriptionWhenPull,
      },
      o.consumerTimeoutMillisWhenSuspend,
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
        this.consume!.dispatch(pq, result.messages);
        return o.pullInterval;
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
        return stuck ? o.pullTimeDelayMillsWhenException : 0;
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
