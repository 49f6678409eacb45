/**
 * The producer (Java DefaultMQProducer): route lookup with the TBW102 fallback, round-robin queue
 * selection with latency fault avoidance, retries on another broker within one overall timeout,
 * compression, batches, oneway sends, selectors / sharding keys for ordered messages.
 * Sends never wait for one another: any number may be in flight on one connection.
 */
import { deflateSync } from 'node:zlib';
import { decodeHeader } from '../protocol/header.js';
import { RequestCode } from '../protocol/request-code.js';
import { ResponseCode } from '../protocol/response-code.js';
import { isWriteable } from '../protocol/perm.js';
import type { TopicRouteData } from '../protocol/route.js';
import { javaHashCode } from '../codec/hashes.js';
import { SysFlag } from '../codec/sys-flag.js';
import { NAME_VALUE_SEPARATOR as NV, PROPERTY_SEPARATOR as PS } from '../codec/message-properties.js';
import { encodeBatchBody } from '../codec/batch-body.js';
import { CLIENT_INNER_PRODUCER_GROUP, isRetryTopic } from '../protocol/system-topics.js';
import type { ExtFields, RemotingCommand } from '../codec/command.js';
import { TransportError } from '../transport/errors.js';
import { SendMessageResponse } from './headers.js';
import { ClientInstance, asError, type ClientOptions, type ProducerHook } from './instance.js';
import { ClientStateError, ClientTimeoutError, MessageError, MQBrokerError, MQClientError, NoRouteError } from './errors.js';
import { LatencyFaultTolerance } from './fault.js';
import { resolveProducerOptions, type ProducerOptions, type ResolvedProducerOptions } from './options/producer.js';

export type { ProducerOptions };
import { bodyBuffer, RESERVED_PROPERTIES, uniqueIds, type Message, type MessageQueue } from './message.js';

export type SendStatus = 'SEND_OK' | 'FLUSH_DISK_TIMEOUT' | 'FLUSH_SLAVE_TIMEOUT' | 'SLAVE_NOT_AVAILABLE';

export interface SendResult {
  sendStatus: SendStatus;
  /** The client id (UNIQ_KEY); comma-joined for a batch. */
  msgId: string;
  /** The broker's offset id (store host + commit-log offset); comma-joined for a batch. */
  offsetMsgId: string;
  messageQueue: MessageQueue;
  /** Queue offset (of the first message of a batch). */
  queueOffset: number;
  transactionId?: string;
  regionId?: string;
  traceOn?: boolean;
  /** Batch sends: one entry per message. */
  msgIds?: string[];
  offsetMsgIds?: string[];
}

export type QueueSelector = (queues: readonly MessageQueue[], msg: Message, arg: unknown) => MessageQueue;

export interface SendOptions {
  /** Overrides `sendMsgTimeout` for this send. */
  timeoutMs?: number;
  /** Send to exactly this queue (no retry elsewhere). */
  queue?: MessageQueue;
  /** Pick the queue (ordered messages); called with the topic's writable queues. */
  selector?: QueueSelector;
  arg?: unknown;
  /** Ordered messages: the same key always lands on the same queue (Java SelectMessageQueueByHash). */
  shardingKey?: string;
}

interface PublishInfo {
  queues: MessageQueue[];
  /** True when the route is TBW102's (topic to be auto-created). */
  viaDefaultTopic: boolean;
  index: number;
}

const STORED_CODES = new Map<number, SendStatus>([
  [ResponseCode.SUCCESS, 'SEND_OK'],
  [ResponseCode.FLUSH_DISK_TIMEOUT, 'FLUSH_DISK_TIMEOUT'],
  [ResponseCode.FLUSH_SLAVE_TIMEOUT, 'FLUSH_SLAVE_TIMEOUT'],
  [ResponseCode.SLAVE_NOT_AVAILABLE, 'SLAVE_NOT_AVAILABLE'],
]);

/** Codes Java producers retry on another broker. */
export const RETRYABLE_SEND_CODES: ReadonlySet<number> = new Set<number>([
  ResponseCode.TOPIC_NOT_EXIST,
  ResponseCode.SERVICE_NOT_AVAILABLE,
  ResponseCode.SYSTEM_ERROR,
  ResponseCode.SYSTEM_BUSY,
  ResponseCode.NO_PERMISSION,
  ResponseCode.NO_BUYER_ID,
  ResponseCode.NOT_IN_CURRENT_UNIT,
]);

/** Java `SelectMessageQueueByHash`: |hashCode(key)| mod n. */
export function selectByHash(queues: readonly MessageQueue[], key: string): MessageQueue {
  if (queues.length === 0) throw new NoRouteError('?', 'no writable queue');
  return queues[Math.abs(javaHashCode(key) % queues.length)]!;
}

/** Writable queues of a route, sorted by broker then queue id (Java topicRouteData2TopicPublishInfo). */
export function publishQueues(topic: string, route: TopicRouteData): MessageQueue[] {
  const out: MessageQueue[] = [];
  if (route.orderTopicConf) {
    for (const item of route.orderTopicConf.split(';')) {
      const [brokerName, nums] = item.split(':');
      if (!brokerName || !nums) continue;
      for (let i = 0; i < Number(nums); i++) out.push({ topic, brokerName, queueId: i });
    }
    return out;
  }
  const qds = [...route.queueDatas].sort((a, b) => (a.brokerName < b.brokerName ? -1 : a.brokerName > b.brokerName ? 1 : 0));
  for (const qd of qds) {
    if (!isWriteable(qd.perm)) continue;
    const bd = route.brokerDatas.find((b) => b.brokerName === qd.brokerName);
    if (!bd || !bd.brokerAddrs.has(0)) continue;
    for (let i = 0; i < qd.writeQueueNums; i++) out.push({ topic, brokerName: qd.brokerName, queueId: i });
  }
  return out;
}

export class Producer implements ProducerHook {
  readonly group: string;
  readonly client: ClientInstance;
  protected readonly options: ResolvedProducerOptions;
  private readonly ownsClient: boolean;
  private readonly publish = new Map<string, PublishInfo>();
  private readonly routeLookups = new Map<string, Promise<PublishInfo>>();
  /** Route re-reads after a broker refused a send for want of write permission: one at a time per topic. */
  private readonly refusalRefreshes = new Map<string, Promise<void>>();
  readonly fault: LatencyFaultTolerance;
  protected state: 'created' | 'running' | 'stopped' = 'created';

  constructor(options: ProducerOptions) {
    this.options = resolveProducerOptions(options);
    this.group = this.options.producerGroup;
    this.ownsClient = !options.client;
    this.client = options.client ?? new ClientInstance(options);
    this.fault = new LatencyFaultTolerance(options.faultStrategy);
  }

  get clientId(): string {
    return this.client.clientId;
  }

  async start(): Promise<void> {
    if (this.state === 'running') return;
    if (this.state === 'stopped') throw new ClientStateError('producer was shut down; create a new one');
    this.client.registerProducer(this);
    this.client.start();
    this.state = 'running';
  }

  /** Unregisters from every broker and closes the client (when owned). Idempotent. */
  async shutdown(): Promise<void> {
    if (this.state !== 'running') {
      this.state = 'stopped';
      return;
    }
    this.state = 'stopped';
    this.client.producers.delete(this.group);
    await this.client.unregister({ producerGroup: this.group });
    if (this.client.producers.size === 0 && this.client.consumers.size === 0) await this.client.unregister({ producerGroup: CLIENT_INNER_PRODUCER_GROUP });
    if (this.ownsClient) await this.client.shutdown();
  }

  // ProducerHook
  topics(): Iterable<string> {
    return this.publish.keys();
  }

  onRouteChanged(topic: string, route: TopicRouteData): void {
    const info = this.publish.get(topic);
    if (!info) return;
    const queues = publishQueues(topic, route);
    if (info.viaDefaultTopic && queues.length === 0) return;
    // A broker that comes back as writable (restarted, write permission restored) gets a clean
    // slate: its earlier failures must not keep it quarantined for the rest of the period.
    const before = new Set(info.viaDefaultTopic ? [] : info.queues.map((q) => q.brokerName));
    for (const q of queues) if (!before.has(q.brokerName)) this.fault.remove(q.brokerName);
    info.queues = queues;
    info.viaDefaultTopic = false;
  }

  private ensureRunning(): void {
    if (this.state !== 'running') throw new ClientStateError(`producer ${this.group} is ${this.state === 'created' ? 'not started: call start()' : 'shut down'}`);
  }

  /** Writable queues of a topic (fetching its route). */
  async fetchPublishQueues(topic: string): Promise<MessageQueue[]> {
    return (await this.publishInfo(topic)).queues;
  }

  private publishInfo(topic: string): Promise<PublishInfo> {
    const info = this.publish.get(topic);
    if (info && info.queues.length > 0) return Promise.resolve(info);
    let lookup = this.routeLookups.get(topic);
    if (!lookup) {
      lookup = this.lookupPublishInfo(topic).finally(() => this.routeLookups.delete(topic));
      this.routeLookups.set(topic, lookup);
    }
    return lookup;
  }

  private async lookupPublishInfo(topic: string): Promise<PublishInfo> {
    const route = await this.client.updateRoute(topic);
    let info: PublishInfo | undefined;
    if (route) {
      info = { queues: publishQueues(topic, route), viaDefaultTopic: false, index: Math.floor(Math.random() * 1024) };
    } else {
      const key = this.options.createTopicKey;
      const def = await this.client.updateRoute(key).catch(() => undefined);
      if (def) {
        const nums = this.options.defaultTopicQueueNums;
        const queues: MessageQueue[] = [];
        for (const mq of publishQueues(topic, def)) if (mq.queueId < nums) queues.push(mq);
        info = { queues, viaDefaultTopic: true, index: 0 };
      }
    }
    if (!info || info.queues.length === 0) throw new NoRouteError(topic, info ? 'no writable queue' : undefined);
    this.publish.set(topic, info);
    return info;
  }

  /** Round-robin over queues, skipping the last failed broker and quarantined brokers when possible. */
  selectQueue(info: PublishInfo, lastBrokerName?: string): MessageQueue {
    const n = info.queues.length;
    const faultOn = this.options.sendLatencyFaultEnable;
    const pick = (ok: (mq: MessageQueue) => boolean): MessageQueue | undefined => {
      for (let i = 0; i < n; i++) {
        const mq = info.queues[(info.index++ & 0x7fffffff) % n]!;
        if (ok(mq)) return mq;
      }
      return undefined;
    };
    const now = Date.now();
    let mq: MessageQueue | undefined;
    if (faultOn) {
      mq = pick((q) => q.brokerName !== lastBrokerName && this.fault.isAvailable(q.brokerName, now)) ?? pick((q) => this.fault.isAvailable(q.brokerName, now));
      if (!mq) {
        const broker = this.fault.pickOneAtLeast(new Set(info.queues.map((q) => q.brokerName)));
        mq = pick((q) => q.brokerName === broker);
      }
    }
    return mq ?? pick((q) => q.brokerName !== lastBrokerName) ?? info.queues[(info.index++ & 0x7fffffff) % n]!;
  }

  // -------------------------------------------------------------------------------------------
  // Sending

  /** Sends one message and resolves when the broker stored it. */
  send(msg: Message, options: SendOptions = {}): Promise<SendResult> {
    // Not async: sendImpl already returns a promise (and rejects rather than throws); another
    // async layer costs a promise, a thenable job and two microtask turns per message.
    return this.sendImpl(msg, options, 'sync', 0) as Promise<SendResult>;
  }

  /** Fire and forget (flag ONEWAY); resolves once the frame is written. */
  async sendOneway(msg: Message, options: SendOptions = {}): Promise<void> {
    await this.sendImpl(msg, options, 'oneway', 0);
  }

  /** Several messages of one topic in one SEND_BATCH_MESSAGE, stored at consecutive offsets. */
  async sendBatch(msgs: readonly Message[], options: SendOptions = {}): Promise<SendResult> {
    if (msgs.length === 0) throw new MessageError('a batch needs at least one message');
    const topic = msgs[0]!.topic;
    for (const m of msgs) {
      if (m.topic !== topic) throw new MessageError('all messages of a batch must have the same topic');
      if (m.delayLevel) throw new MessageError('batch messages cannot be delayed');
    }
    if (isRetryTopic(topic)) throw new MessageError('batches cannot be sent to retry topics');
    return this.sendImpl(msgs, options, 'sync', 0) as Promise<SendResult>;
  }

  protected sendImpl(
    msgOrBatch: Message | readonly Message[],
    options: SendOptions,
    mode: 'sync' | 'oneway',
    extraSysFlag: number,
    extraProps?: Record<string, string>,
  ): Promise<SendResult | undefined> {
    // The common case (running, route known, queue chosen round-robin) makes its first attempt
    // without an async frame: this runs for every message, and the frame and its promises were
    // garbage on every send (figures in bench/README.md). Anything else, and every retry, takes the
    // general path.
    const first = Array.isArray(msgOrBatch) ? (msgOrBatch as readonly Message[])[0] : (msgOrBatch as Message);
    const info = first && this.state === 'running' ? this.publish.get(first.topic) : undefined;
    if (info === undefined || info.queues.length === 0 || options.queue || options.selector || options.shardingKey !== undefined) {
      return this.sendGeneral(msgOrBatch, options, mode, extraSysFlag, extraProps);
    }
    let prepared: PreparedSend;
    try {
      prepared = this.prepare(msgOrBatch, extraSysFlag, extraProps);
    } catch (err) {
      return Promise.reject(err);
    }
    const begin = Date.now();
    const plan: SendPlan = {
      prepared,
      info,
      mode,
      topic: first!.topic,
      begin,
      deadline: begin + (options.timeoutMs ?? this.options.sendMsgTimeout),
      attempts: mode === 'oneway' ? 1 : 1 + (this.options.retryTimesWhenSendFailed),
    };
    if (plan.deadline <= begin) return this.sendAttempts(plan, 0, undefined, undefined);
    const mq = this.selectQueue(info);
    let sent: Promise<SendResult | undefined>;
    try {
      sent = this.sendKernel(prepared, mq, info.viaDefaultTopic, mode, plan.deadline - begin);
    } catch (err) {
      sent = Promise.reject(err);
    }
    return sent.then(
      (result) => {
        const retry = this.afterAttempt(plan, mq, begin, 0, result);
        return retry === undefined ? result : this.sendAttempts(plan, 1, mq.brokerName, retry);
      },
      (err: unknown) => this.sendAttempts(plan, 1, mq.brokerName, this.attemptFailed(plan, mq, begin, 0, err)),
    );
  }

  private async sendGeneral(
    msgOrBatch: Message | readonly Message[],
    options: SendOptions,
    mode: 'sync' | 'oneway',
    extraSysFlag: number,
    extraProps?: Record<string, string>,
  ): Promise<SendResult | undefined> {
    this.ensureRunning();
    const begin = Date.now();
    const timeout = options.timeoutMs ?? this.options.sendMsgTimeout;
    const deadline = begin + timeout;
    const batch = Array.isArray(msgOrBatch) ? (msgOrBatch as readonly Message[]) : undefined;
    const first = batch ? batch[0]! : (msgOrBatch as Message);
    const prepared = this.prepare(msgOrBatch, extraSysFlag, extraProps);
    const known = this.publish.get(first.topic);
    let info: PublishInfo;
    if (known && known.queues.length > 0) info = known;
    else if (options.queue) {
      // A pinned queue goes straight to its broker even when the NameServer has no route for the
      // topic, as Java's send(msg, mq) does (the broker then answers, e.g. TOPIC_NOT_EXIST).
      info = await this.publishInfo(first.topic).catch((err: unknown) => {
        if (!(err instanceof NoRouteError) || !this.client.masterAddr(options.queue!.brokerName)) throw err;
        return { queues: [options.queue!], viaDefaultTopic: false, index: 0 };
      });
    } else info = await this.publishInfo(first.topic);
    let pinned: MessageQueue | undefined = options.queue;
    if (!pinned && options.selector) pinned = options.selector(info.queues, first, options.arg);
    if (!pinned && options.shardingKey !== undefined) pinned = selectByHash(info.queues, options.shardingKey);
    const attempts = pinned || mode === 'oneway' ? 1 : 1 + (this.options.retryTimesWhenSendFailed);
    return this.sendAttempts({ prepared, info, pinned, mode, topic: first.topic, begin, deadline, attempts }, 0, undefined, undefined);
  }

  /** Attempts `from` onwards, each on another broker when possible, until one succeeds or time is up. */
  private async sendAttempts(plan: SendPlan, from: number, lastBroker: string | undefined, lastError: Error | undefined): Promise<SendResult | undefined> {
    for (let attempt = from; attempt < plan.attempts; attempt++) {
      let remaining = plan.deadline - Date.now();
      if (remaining <= 0) break;
      if (!plan.pinned && lastError instanceof MQBrokerError && lastError.code === ResponseCode.NO_PERMISSION) {
        await this.refreshAfterRefusal(plan.topic, remaining);
        remaining = plan.deadline - Date.now();
        if (remaining <= 0) break;
      }
      // A route re-read (this one or the periodic one) may have left no writable queue.
      if (!plan.pinned && plan.info.queues.length === 0) break;
      const mq = plan.pinned ?? this.selectQueue(plan.info, lastBroker);
      lastBroker = mq.brokerName;
      const started = Date.now();
      let result: SendResult | undefined;
      try {
        result = await this.sendKernel(plan.prepared, mq, plan.info.viaDefaultTopic, plan.mode, remaining);
      } catch (err) {
        lastError = this.attemptFailed(plan, mq, started, attempt, err);
        continue;
      }
      const retry = this.afterAttempt(plan, mq, started, attempt, result);
      if (retry === undefined) return result;
      lastError = retry;
    }
    if (!lastError || plan.deadline - Date.now() <= 0) {
      throw new ClientTimeoutError(`send to ${plan.topic} timed out after ${Date.now() - plan.begin} ms${lastError ? `: ${lastError.message}` : ''}`, { cause: lastError });
    }
    if (plan.attempts === 1) throw lastError;
    throw new MQClientError(`send to ${plan.topic} failed after ${plan.attempts} attempts: ${lastError.message}`, { cause: lastError });
  }

  /**
   * A broker refused a send for want of write permission although our route said it takes writes, so
   * the route is stale: the broker is being drained, upgraded or had its write permission wiped, and
   * the NameServers know it. The next attempt goes where they now say writes go, rather than waiting up
   * to pollNameServerInterval (30 s) for the periodic refresh, in which another broker may have become
   * the only writable one. Java's client does not re-read here. Concurrent refusals share one re-read,
   * and a send waits for it no longer than its own time left.
   */
  private refreshAfterRefusal(topic: string, budgetMs: number): Promise<void> {
    let refresh = this.refusalRefreshes.get(topic);
    if (!refresh) {
      refresh = this.client
        .updateRoute(topic)
        .then(
          () => undefined,
          () => undefined, // the NameServers cannot be asked: retry on the route we have
        )
        .finally(() => this.refusalRefreshes.delete(topic));
      this.refusalRefreshes.set(topic, refresh);
    }
    let timer: NodeJS.Timeout | undefined;
    const budget = new Promise<void>((resolve) => (timer = setTimeout(resolve, budgetMs)));
    return Promise.race([refresh, budget]).finally(() => clearTimeout(timer));
  }

  /** Records an answered attempt; returns why to try another broker, or undefined to accept it. */
  private afterAttempt(plan: SendPlan, mq: MessageQueue, started: number, attempt: number, result: SendResult | undefined): Error | undefined {
    this.recordLatency(mq.brokerName, Date.now() - started, false);
    if (result && result.sendStatus !== 'SEND_OK' && this.options.retryAnotherBrokerWhenNotStoreOK && attempt + 1 < plan.attempts) {
      return new MQClientError(`broker ${mq.brokerName} answered ${result.sendStatus}`);
    }
    return undefined;
  }

  /** Records a failed attempt; throws what is not worth retrying, returns what is. */
  private attemptFailed(plan: SendPlan, mq: MessageQueue, started: number, attempt: number, err: unknown): Error {
    const error = asError(err);
    const retryable = error instanceof TransportError || (error instanceof MQBrokerError && RETRYABLE_SEND_CODES.has(error.code));
    this.recordLatency(mq.brokerName, Date.now() - started, retryable);
    if (!retryable) throw error;
    if (attempt + 1 < plan.attempts) {
      this.client.diagnostic({ type: 'send-retry', topic: plan.topic, brokerName: mq.brokerName, attempt: attempt + 1, error });
    }
    return error;
  }

  private recordLatency(brokerName: string, latency: number, isolation: boolean): void {
    if (!(this.options.sendLatencyFaultEnable)) return;
    const duration = this.fault.update(brokerName, latency, isolation);
    if (duration > 0) this.client.diagnostic({ type: 'broker-fault', brokerName, latencyMs: isolation ? 30000 : latency, unavailableForMs: duration });
  }

  private prepare(msgOrBatch: Message | readonly Message[], extraSysFlag: number, extraProps?: Record<string, string>): PreparedSend {
    const maxSize = this.options.maxMessageSize;
    if (Array.isArray(msgOrBatch)) {
      const msgs = msgOrBatch as readonly Message[];
      const uniqIds: string[] = [];
      const body = encodeBatchBody(
        msgs.map((m) => {
          const id = uniqueIds.next();
          uniqIds.push(id);
          return { flag: m.flag ?? 0, body: bodyBuffer(m.body), properties: propertiesOf(m, id) };
        }),
      );
      if (body.length > maxSize) throw new MessageError(`batch of ${body.length} bytes exceeds maxMessageSize ${maxSize}`);
      return { topic: msgs[0]!.topic, body, sysFlag: 0, flag: 0, properties: `WAIT${NV}true${PS}`, uniqIds, batch: true };
    }
    const msg = msgOrBatch as Message;
    checkMessage(msg);
    let body = bodyBuffer(msg.body);
    if (body.length > maxSize) throw new MessageError(`message body of ${body.length} bytes exceeds maxMessageSize ${maxSize}`);
    let sysFlag = extraSysFlag;
    if (body.length >= (this.options.compressMsgBodyOverHowmuch)) {
      body = deflateSync(body, { level: this.options.compressLevel });
      sysFlag |= SysFlag.COMPRESSED;
    }
    const id = uniqueIds.next();
    let reconsumeTimes: number | undefined;
    let maxReconsumeTimes: number | undefined;
    const props = { ...extraProps };
    if (isRetryTopic(msg.topic)) {
      // Java moves these two properties into header fields j and l for retry-topic sends.
      const src: Record<string, string | undefined> = { ...msg.properties, ...props };
      if (src.RECONSUME_TIME !== undefined) reconsumeTimes = Number(src.RECONSUME_TIME);
      if (src.MAX_RECONSUME_TIMES !== undefined) maxReconsumeTimes = Number(src.MAX_RECONSUME_TIMES);
      delete props.RECONSUME_TIME;
      delete props.MAX_RECONSUME_TIMES;
    }
    return {
      topic: msg.topic,
      body,
      sysFlag,
      flag: msg.flag ?? 0,
      properties: propertiesOf(msg, id, props),
      uniqIds: [id],
      batch: false,
      reconsumeTimes,
      maxReconsumeTimes,
    };
  }

  private sendKernel(p: PreparedSend, mq: MessageQueue, viaDefaultTopic: boolean, mode: 'sync' | 'oneway', timeoutMs: number): Promise<SendResult | undefined> {
    const known = this.client.masterAddr(mq.brokerName);
    if (known === undefined) {
      return this.client
        .findMaster(mq.brokerName, viaDefaultTopic ? this.options.createTopicKey : mq.topic)
        .then((master) => this.sendTo(master, p, mq, mode, timeoutMs));
    }
    return this.sendTo(known, p, mq, mode, timeoutMs);
  }

  private sendTo(master: string, p: PreparedSend, mq: MessageQueue, mode: 'sync' | 'oneway', timeoutMs: number): Promise<SendResult | undefined> {
    const addr = this.client.brokerCallAddr(master);
    // SendMessageRequestV2's one-letter fields, written directly (this runs for every message).
    const ext: ExtFields = {
      a: this.group,
      b: p.topic,
      c: this.options.createTopicKey,
      d: String(this.options.defaultTopicQueueNums),
      e: String(mq.queueId),
      f: String(p.sysFlag),
      g: String(Date.now()),
      h: String(p.flag),
      i: p.properties,
      j: String(p.reconsumeTimes ?? 0),
      k: 'false',
    };
    if (p.maxReconsumeTimes !== undefined) ext.l = String(p.maxReconsumeTimes);
    ext.m = p.batch ? 'true' : 'false';
    const request = this.client.request(p.batch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2, ext, p.body);
    if (mode === 'oneway') return this.client.oneway(addr, request).then(() => undefined);
    return this.client.invoke(addr, request, timeoutMs).then((response) => toSendResult(response, mq, p.uniqIds, addr));
  }
}

/** One send's fixed inputs, shared by its attempts. */
interface SendPlan {
  prepared: PreparedSend;
  info: PublishInfo;
  pinned?: MessageQueue;
  mode: 'sync' | 'oneway';
  topic: string;
  begin: number;
  deadline: number;
  attempts: number;
}

interface PreparedSend {
  topic: string;
  body: Buffer;
  sysFlag: number;
  flag: number;
  properties: string;
  uniqIds: string[];
  batch: boolean;
  reconsumeTimes?: number;
  maxReconsumeTimes?: number;
}

/** Maps a SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE response to a SendResult (or throws MQBrokerError). */
export function toSendResult(response: RemotingCommand, mq: MessageQueue, uniqIds: readonly string[], addr?: string): SendResult {
  const status = STORED_CODES.get(response.code);
  if (!status) throw new MQBrokerError(response.code, response.remark, addr, RequestCode.SEND_MESSAGE_V2);
  const h = readSendResponse(response, addr);
  const offsetIds = h.msgId.split(',');
  const result: SendResult = {
    sendStatus: status,
    msgId: uniqIds.join(','),
    offsetMsgId: h.msgId,
    messageQueue: { topic: mq.topic, brokerName: mq.brokerName, queueId: h.queueId },
    queueOffset: h.queueOffset,
    transactionId: h.transactionId,
    regionId: response.extFields?.MSG_REGION,
    traceOn: response.extFields?.TRACE_ON !== undefined ? response.extFields.TRACE_ON === 'true' : undefined,
  };
  if (uniqIds.length > 1 || offsetIds.length > 1) {
    result.msgIds = [...uniqIds];
    result.offsetMsgIds = offsetIds;
  }
  return result;
}

/**
 * The send response header, read directly (the hot path of every send; the generic schema decoder
 * parses longs through BigInt). Missing or malformed fields fall back to the strict decoder.
 */
function readSendResponse(response: RemotingCommand, addr?: string): { msgId: string; queueId: number; queueOffset: number; transactionId?: string } {
  const ext = response.extFields;
  const msgId = ext?.msgId;
  const queueId = Number(ext?.queueId);
  const queueOffset = Number(ext?.queueOffset);
  if (msgId !== undefined && Number.isSafeInteger(queueId) && Number.isSafeInteger(queueOffset) && ext!.queueId !== '' && ext!.queueOffset !== '') {
    return { msgId, queueId, queueOffset, transactionId: ext!.transactionId };
  }
  try {
    return decodeHeader(SendMessageResponse, ext);
  } catch (err) {
    throw new MQClientError(`malformed send response from ${addr ?? 'broker'}: ${asError(err).message}`);
  }
}

function checkMessage(msg: Message): void {
  if (!msg.topic || msg.topic.length === 0) throw new MessageError('message topic is empty');
  if (Buffer.byteLength(msg.topic) > 127) throw new MessageError(`topic ${msg.topic} is longer than 127 bytes`);
  if (!/^[%|a-zA-Z0-9_-]+$/.test(msg.topic)) throw new MessageError(`topic ${msg.topic} contains characters other than letters, digits, %, |, _ and -`);
  if (msg.delayLevel !== undefined && (!Number.isInteger(msg.delayLevel) || msg.delayLevel < 0)) throw new MessageError(`bad delay level ${msg.delayLevel}`);
}

/** The properties string of a message: user properties, KEYS, UNIQ_KEY, WAIT, TAGS, DELAY, extras. */
export function propertiesOf(msg: Message, uniqId: string, extra: Record<string, string> = {}): string {
  let s = '';
  const add = (k: string, v: string): void => {
    if (k.includes(NV) || k.includes(PS) || v.includes(NV) || v.includes(PS)) throw new MessageError(`property ${JSON.stringify(k)} contains a separator character`);
    s += k + NV + v + PS;
  };
  for (const [k, v] of Object.entries(msg.properties ?? {})) {
    if (RESERVED_PROPERTIES.has(k) && !(isRetryTopic(msg.topic) && (k === 'RETRY_TOPIC' || k === 'ORIGIN_MESSAGE_ID'))) {
      if (k === 'RECONSUME_TIME' || k === 'MAX_RECONSUME_TIMES') continue;
      throw new MessageError(`property name ${k} is reserved by RocketMQ`);
    }
    if (v === '' ) continue;
    add(k, String(v));
  }
  const keys = typeof msg.keys === 'string' ? msg.keys : msg.keys?.join(' ');
  if (keys) add('KEYS', keys);
  add('UNIQ_KEY', uniqId);
  add('WAIT', msg.waitStoreMsgOK === false ? 'false' : 'true');
  if (msg.tags) add('TAGS', msg.tags);
  if (msg.delayLevel) add('DELAY', String(msg.delayLevel));
  for (const [k, v] of Object.entries(extra)) add(k, v);
  return s;
}

/**
 * The producer a push consumer sends retry copies with when CONSUMER_SEND_MSG_BACK fails (Java's
 * CLIENT_INNER_PRODUCER). It runs on the consumer's client, whose heartbeats already announce its
 * group, so starting it registers nothing.
 */
export class InnerProducer extends Producer {
  constructor(client: ClientInstance, options: ClientOptions) {
    super({ ...options, producerGroup: CLIENT_INNER_PRODUCER_GROUP, client });
  }

  override async start(): Promise<void> {
    this.state = 'running';
  }

  /** Sends `msg` with properties only the SDK may set (RETRY_TOPIC, RECONSUME_TIME, MAX_RECONSUME_TIMES, …). */
  sendRetryCopy(msg: Message, sdkProperties: Record<string, string>): Promise<unknown> {
    return this.sendImpl(msg, {}, 'sync', 0, sdkProperties);
  }
}
