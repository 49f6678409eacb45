/**
 * The per-client core shared by producers, consumers and the admin client (Java's MQClientInstance,
 * without the singleton): NameServer calls with failover, the route table, broker addresses and
 * versions, heartbeats, reconnect back-off, handlers for requests the broker sends us, periodic
 * tasks, and diagnostics. Everything it starts, `shutdown()` stops.
 */
import { EventEmitter } from 'node:events';
import { channel } from 'node:diagnostics_channel';
import { command, responseTo, type ExtFields, type RemotingCommand } from '../codec/command.js';
import { RequestCode } from '../protocol/request-code.js';
import { CLIENT_INNER_PRODUCER_GROUP } from '../protocol/system-topics.js';
import { ResponseCode } from '../protocol/response-code.js';
import { decodeTopicRouteData, type TopicRouteData } from '../protocol/route.js';
import { RemotingClient } from '../transport/client.js';
import type { Connection } from '../transport/connection.js';
import { TransportError } from '../transport/errors.js';
import { decodeResetOffsetBody } from '../protocol/bodies/consume-stats.js';
import { encodeHeartbeat, type ConsumerData, type HeartbeatData } from '../protocol/bodies/heartbeat.js';
import { ClientStateError, MQBrokerError, MQClientError, NoRouteError } from './errors.js';
import { decodeMessages, localIPv4 } from './message.js';
import { RouteRequest, UnregisterClientRequest } from './headers.js';
import { encodeHeader } from '../protocol/header.js';
import { signRequest } from './acl.js';
import { resolveClientOptions, type ClientOptions, type ResolvedClientOptions } from './options/client.js';

export type { ClientOptions };
import type { DiagnosticEvent } from './diagnostics.js';


export type { DiagnosticEvent };

/** What a producer registers with its client (for heartbeats, route refresh and transaction checks). */
export interface ProducerHook {
  readonly group: string;
  topics(): Iterable<string>;
  onRouteChanged?(topic: string, route: TopicRouteData): void;
  checkTransactionState?(addr: string, request: RemotingCommand): void;
}

/** What a consumer registers with its client. */
export interface ConsumerHook {
  readonly group: string;
  topics(): Iterable<string>;
  consumerData(): ConsumerData | undefined;
  onRouteChanged?(topic: string, route: TopicRouteData): void;
  rebalanceNow?(): void;
  resetOffset?(topic: string, offsets: Array<{ mq: import('./message.js').MessageQueue; offset: number }>): Promise<void>;
  runningInfo?(): Buffer;
  /** CONSUME_MESSAGE_DIRECTLY: runs the listener on one message, returns ConsumeMessageDirectlyResult JSON. */
  consumeDirectly?(msg: import('./message.js').MessageExt): Promise<Buffer>;
}

let instanceSeq = 0;

/** Every client's diagnostics events, with its `clientId`, for tools that subscribe by name. */
export const DIAGNOSTICS_CHANNEL = 'apogee:rocketmq-client';
const diagnosticsChannel = channel(DIAGNOSTICS_CHANNEL);

export function parseNamesrvAddr(addr: string | readonly string[]): string[] {
  const list = typeof addr === 'string' ? addr.split(';') : [...addr];
  const out = list.map((s) => s.trim()).filter((s) => s !== '');
  if (out.length === 0) throw new ClientStateError('namesrvAddr is empty: give "host:port" or "host:port;host:port"');
  return out;
}

/** `host:port` → `host:(port-2)`, the broker's VIP channel. */
export function vipAddress(addr: string): string {
  const i = addr.lastIndexOf(':');
  return `${addr.slice(0, i)}:${Number(addr.slice(i + 1)) - 2}`;
}

export class ClientInstance extends EventEmitter {
  readonly clientId: string;
  readonly version: number;
  readonly requestTimeoutMs: number;
  readonly remoting: RemotingClient;
  private readonly namesrvs: string[];
  private namesrvIndex = 0;
  /** topic → last route seen. */
  readonly routes = new Map<string, TopicRouteData>();
  /** brokerName → brokerId → address, merged from all routes. */
  readonly brokerAddrs = new Map<string, Map<number, string>>();
  /** broker address → MQVersion from its heartbeat response. */
  readonly brokerVersions = new Map<string, number>();
  readonly producers = new Map<string, ProducerHook>();
  readonly consumers = new Map<string, ConsumerHook>();
  private readonly backoff = new Map<string, { failures: number; until: number }>();
  /** Connections known to be open, for the synchronous fast path of invoke(). */
  private readonly open = new Map<string, Connection>();
  private readonly timers: NodeJS.Timeout[] = [];
  private state: 'created' | 'running' | 'stopped' = 'created';
  private readonly options: ResolvedClientOptions;

  constructor(options: ClientOptions) {
    super();
    this.options = resolveClientOptions(options);
    this.namesrvs = parseNamesrvAddr(options.namesrvAddr);
    const instance = options.instanceName ?? `${process.pid}#${++instanceSeq}`;
    this.clientId = `${options.clientIP ?? localIPv4()}@${instance}${options.unitName ? '@' + options.unitName : ''}`;
    this.version = this.options.version;
    this.requestTimeoutMs = this.options.requestTimeoutMs;
    this.remoting = new RemotingClient({ version: this.version, idleTimeoutMs: 120_000 });
    this.remoting.on('disconnect', (address: string) => this.diagnostic({ type: 'disconnect', address }));
    this.remoting.on('unhandledRequest', (req: RemotingCommand) => this.diagnostic({ type: 'server-request', code: req.code, address: '?' }));
    this.remoting.onRequest(RequestCode.NOTIFY_CONSUMER_IDS_CHANGED, (req) => this.onIdsChanged(req));
    this.remoting.onRequest(RequestCode.CHECK_TRANSACTION_STATE, (req, conn) => this.onCheckTransaction(req, conn));
    this.remoting.onRequest(RequestCode.RESET_CONSUMER_CLIENT_OFFSET, (req) => this.onResetOffset(req));
    this.remoting.onRequest(RequestCode.GET_CONSUMER_RUNNING_INFO, (req) => this.onRunningInfo(req));
    this.remoting.onRequest(RequestCode.CONSUME_MESSAGE_DIRECTLY, (req) => this.onConsumeDirectly(req));
  }

  get namesrvAddrs(): readonly string[] {
    return this.namesrvs;
  }

  get running(): boolean {
    return this.state === 'running';
  }

  diagnostic(event: DiagnosticEvent): void {
    if (diagnosticsChannel.hasSubscribers) diagnosticsChannel.publish({ clientId: this.clientId, ...event });
    this.options.onDiagnostic?.(event);
    if (this.listenerCount('diagnostic') > 0) this.emit('diagnostic', event);
  }

  /** Starts periodic route refresh and heartbeats. Idempotent. */
  start(): void {
    if (this.state === 'running') return;
    if (this.state === 'stopped') throw new ClientStateError('client instance was shut down; create a new client');
    this.state = 'running';
    this.every(this.options.pollNameServerInterval, () => this.refreshAllRoutes());
    this.every(this.options.heartbeatBrokerInterval, () => this.heartbeatAll());
  }

  /** Runs `task` every `ms` while running; errors become diagnostics. */
  every(ms: number, task: () => Promise<unknown> | unknown): void {
    const t = setInterval(() => {
      if (this.state !== 'running') return;
      Promise.resolve()
        .then(task)
        .catch((error: unknown) => this.diagnostic({ type: 'error', where: 'periodic task', error: asError(error) }));
    }, ms);
    this.timers.push(t);
  }

  /** A one-shot timer that shutdown() cancels. */
  later(ms: number, task: () => void): void {
    const t = setTimeout(() => {
      const i = this.timers.indexOf(t);
      if (i >= 0) this.timers.splice(i, 1);
      if (this.state === 'running') task();
    }, ms);
    this.timers.push(t);
  }

  async shutdown(): Promise<void> {
    if (this.state === 'stopped') return;
    this.state = 'stopped';
    for (const t of this.timers) clearTimeout(t);
    this.timers.length = 0;
    this.open.clear();
    await this.remoting.close();
  }

  // -------------------------------------------------------------------------------------------
  // Invocation

  request(code: number, extFields?: ExtFields, body?: Buffer): RemotingCommand {
    const cmd = command({ code, extFields, body, version: this.version });
    return this.options.credentials ? signRequest(cmd, this.options.credentials) : cmd;
  }

  /** Re-signs a request after its ext fields were changed (no-op without credentials). */
  resign(request: RemotingCommand): RemotingCommand {
    return this.options.credentials ? signRequest(request, this.options.credentials) : request;
  }

  private async connection(address: string): Promise<Connection> {
    if (this.state === 'stopped') throw new ClientStateError('client is shut down');
    const open = this.open.get(address);
    if (open && !open.isClosed) return open;
    const b = this.backoff.get(address);
    const now = Date.now();
    if (b && now < b.until) {
      throw new TransportError(`not reconnecting to ${address} for another ${b.until - now} ms after ${b.failures} failed attempt(s)`, address);
    }
    try {
      const conn = await this.remoting.connection(address);
      this.backoff.delete(address);
      if (!conn.isClosed && this.open.get(address) !== conn) {
        this.open.set(address, conn);
        conn.once('close', () => {
          if (this.open.get(address) === conn) this.open.delete(address);
        });
      }
      return conn;
    } catch (err) {
      const failures = (b?.failures ?? 0) + 1;
      const wait = Math.min(this.options.maxReconnectBackoffMs, this.options.reconnectBackoffMs * 2 ** (failures - 1));
      this.backoff.set(address, { failures, until: Date.now() + wait });
      this.diagnostic({ type: 'connect-failed', address, retryInMs: wait, error: asError(err) });
      throw err;
    }
  }

  /** Sends a request and waits for the response (any code). */
  invoke(address: string, request: RemotingCommand, timeoutMs = this.requestTimeoutMs): Promise<RemotingCommand> {
    // Hot path (pipelined sends): an open connection is used without an extra await.
    const open = this.state === 'running' ? this.open.get(address) : undefined;
    if (open && !open.isClosed) return open.request(request, timeoutMs);
    return this.connection(address).then((conn) => conn.request(request, timeoutMs));
  }

  /** Sends a request and returns the response, throwing {@link MQBrokerError} unless its code is in `ok`. */
  async call(address: string, request: RemotingCommand, timeoutMs = this.requestTimeoutMs, ok: readonly number[] = [ResponseCode.SUCCESS]): Promise<RemotingCommand> {
    const response = await this.invoke(address, request, timeoutMs);
    if (!ok.includes(response.code)) throw new MQBrokerError(response.code, response.remark, address, request.code);
    return response;
  }

  async oneway(address: string, request: RemotingCommand): Promise<void> {
    const conn = await this.connection(address);
    conn.oneway(request);
  }

  /** Calls the current NameServer, moving to the next one on transport failures. */
  async callNamesrv(request: RemotingCommand, timeoutMs = this.requestTimeoutMs, ok: readonly number[] = [ResponseCode.SUCCESS]): Promise<RemotingCommand> {
    let lastError: unknown;
    for (let i = 0; i < this.namesrvs.length; i++) {
      const index = (this.namesrvIndex + i) % this.namesrvs.length;
      const addr = this.namesrvs[index]!;
      try {
        const response = await this.invoke(addr, request, timeoutMs);
        if (index !== this.namesrvIndex) this.namesrvIndex = index;
        if (!ok.includes(response.code)) throw new MQBrokerError(response.code, response.remark, addr, request.code);
        return response;
      } catch (err) {
        if (err instanceof MQBrokerError || err instanceof ClientStateError) throw err;
        lastError = err;
        const next = this.namesrvs[(index + 1) % this.namesrvs.length]!;
        if (this.namesrvs.length > 1) this.diagnostic({ type: 'namesrv-failover', from: addr, to: next, error: asError(err) });
      }
    }
    throw new MQClientError(`no NameServer answered (${this.namesrvs.join(';')}): ${asError(lastError).message}`, { cause: lastError });
  }

  /** Every NameServer (admin calls like WIPE_WRITE_PERM go to all of them). */
  async callAllNamesrvs(request: RemotingCommand, timeoutMs = this.requestTimeoutMs): Promise<Array<{ addr: string; response?: RemotingCommand; error?: Error }>> {
    return Promise.all(
      this.namesrvs.map(async (addr) => {
        try {
          return { addr, response: await this.call(addr, request, timeoutMs) };
        } catch (err) {
          return { addr, error: asError(err) };
        }
      }),
    );
  }

  // -------------------------------------------------------------------------------------------
  // Routes

  /** Fetches a route from the NameServer and records it; undefined when the topic does not exist. */
  async updateRoute(topic: string): Promise<TopicRouteData | undefined> {
    let response: RemotingCommand;
    try {
      response = await this.callNamesrv(this.request(RequestCode.GET_ROUTEINFO_BY_TOPIC, encodeHeader(RouteRequest, { topic })), this.requestTimeoutMs, [
        ResponseCode.SUCCESS,
        ResponseCode.TOPIC_NOT_EXIST,
      ]);
    } catch (err) {
      this.diagnostic({ type: 'route', topic, error: asError(err) });
      throw err;
    }
    if (response.code === ResponseCode.TOPIC_NOT_EXIST) {
      this.diagnostic({ type: 'route', topic });
      return undefined;
    }
    const route = decodeTopicRouteData(response.body);
    this.routes.set(topic, route);
    for (const bd of route.brokerDatas) {
      const known = this.brokerAddrs.get(bd.brokerName) ?? new Map<number, string>();
      known.clear();
      for (const [id, addr] of bd.brokerAddrs) known.set(id, addr);
      this.brokerAddrs.set(bd.brokerName, known);
    }
    this.diagnostic({ type: 'route', topic, route });
    for (const p of this.producers.values()) p.onRouteChanged?.(topic, route);
    for (const c of this.consumers.values()) c.onRouteChanged?.(topic, route);
    return route;
  }

  /** The cached route, fetched when missing; throws NoRouteError when the topic is unknown. */
  async route(topic: string): Promise<TopicRouteData> {
    const cached = this.routes.get(topic);
    if (cached) return cached;
    const route = await this.updateRoute(topic);
    if (!route) throw new NoRouteError(topic);
    return route;
  }

  async refreshAllRoutes(): Promise<void> {
    const topics = new Set<string>();
    for (const p of this.producers.values()) for (const t of p.topics()) topics.add(t);
    for (const c of this.consumers.values()) for (const t of c.topics()) topics.add(t);
    await Promise.all(
      [...topics].map((t) => this.updateRoute(t).catch(() => undefined)),
    );
  }

  masterAddr(brokerName: string): string | undefined {
    return this.brokerAddrs.get(brokerName)?.get(0);
  }

  /** Address for broker calls other than pull/heartbeat: the VIP port when enabled. */
  brokerCallAddr(addr: string): string {
    return this.options.vipChannelEnabled ? vipAddress(addr) : addr;
  }

  /** The master of a broker (refreshing `topic`'s route once if unknown), or a NoRouteError. */
  async findMaster(brokerName: string, topic?: string): Promise<string> {
    let addr = this.masterAddr(brokerName);
    if (!addr && topic) {
      await this.updateRoute(topic);
      addr = this.masterAddr(brokerName);
    }
    if (!addr) throw new NoRouteError(topic ?? brokerName, `no master address for broker ${brokerName}`);
    return addr;
  }

  /**
   * Where calls about a broker group's stored state go (consumer offsets, queue offsets, stats):
   * its master, else a slave, refreshing `topic`'s route once if the group is unknown (Java's
   * findBrokerAddressInAdmin). A slave holds the same queues, so offsets are read from it and
   * committed to it while the master is away; NoRouteError when no member is known.
   */
  async findAdminAddr(brokerName: string, topic?: string): Promise<{ addr: string; slave: boolean }> {
    let found = this.findBrokerAddr(brokerName);
    if (!found && topic) {
      await this.updateRoute(topic);
      found = this.findBrokerAddr(brokerName);
    }
    if (!found) throw new NoRouteError(topic ?? brokerName, `no address (master or slave) for broker ${brokerName}`);
    return found;
  }

  /** A slave of `brokerName` (the lowest id), for when its master does not answer. */
  slaveAddr(brokerName: string): string | undefined {
    let best: [number, string] | undefined;
    for (const entry of this.brokerAddrs.get(brokerName) ?? []) if (entry[0] !== 0 && (!best || entry[0] < best[0])) best = entry;
    return best?.[1];
  }

  /** The address to use for `brokerName`, preferring `brokerId` and falling back to any. */
  findBrokerAddr(brokerName: string, brokerId = 0, onlyThisBroker = false): { addr: string; slave: boolean } | undefined {
    const addrs = this.brokerAddrs.get(brokerName);
    if (!addrs || addrs.size === 0) return undefined;
    const exact = addrs.get(brokerId);
    if (exact) return { addr: exact, slave: brokerId !== 0 };
    if (onlyThisBroker) return undefined;
    const [id, addr] = [...addrs.entries()].sort((a, b) => a[0] - b[0])[0]!;
    return { addr, slave: id !== 0 };
  }

  allBrokerAddrs(mastersOnly: boolean): string[] {
    const out: string[] = [];
    for (const addrs of this.brokerAddrs.values()) {
      for (const [id, addr] of addrs) if (!mastersOnly || id === 0) out.push(addr);
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Heartbeats and registration

  heartbeatData(): HeartbeatData {
    const consumerDataSet: ConsumerData[] = [];
    for (const c of this.consumers.values()) {
      const d = c.consumerData();
      if (d) consumerDataSet.push(d);
    }
    const producerDataSet = [...this.producers.keys()].map((groupName) => ({ groupName }));
    // Like Java's MQClientInstance, every client also announces its internal producer group.
    if ((consumerDataSet.length > 0 || producerDataSet.length > 0) && !this.producers.has(CLIENT_INNER_PRODUCER_GROUP)) {
      producerDataSet.push({ groupName: CLIENT_INNER_PRODUCER_GROUP });
    }
    return { clientID: this.clientId, producerDataSet, consumerDataSet };
  }

  /** Heartbeats every known broker (masters only when there is no consumer). */
  async heartbeatAll(): Promise<void> {
    const data = this.heartbeatData();
    if (data.producerDataSet.length === 0 && data.consumerDataSet.length === 0) return;
    const body = encodeHeartbeat(data);
    const addrs = this.allBrokerAddrs(data.consumerDataSet.length === 0);
    await Promise.all(addrs.map((addr) => this.heartbeat(addr, body).catch(() => undefined)));
  }

  async heartbeat(addr: string, body = encodeHeartbeat(this.heartbeatData())): Promise<number> {
    try {
      const response = await this.call(addr, this.request(RequestCode.HEART_BEAT, undefined, body), this.requestTimeoutMs);
      this.brokerVersions.set(addr, response.version);
      this.diagnostic({ type: 'heartbeat', brokerAddr: addr, version: response.version });
      return response.version;
    } catch (error) {
      this.diagnostic({ type: 'heartbeat', brokerAddr: addr, error: asError(error) });
      throw error;
    }
  }

  /** UNREGISTER_CLIENT for one group, to every known broker (masters and slaves). */
  async unregister(group: { producerGroup?: string; consumerGroup?: string }): Promise<void> {
    const ext = encodeHeader(UnregisterClientRequest, { clientID: this.clientId, producerGroup: group.producerGroup, consumerGroup: group.consumerGroup });
    await Promise.all(
      this.allBrokerAddrs(false).map((addr) =>
        this.call(addr, this.request(RequestCode.UNREGISTER_CLIENT, ext), this.requestTimeoutMs).catch(() => undefined),
      ),
    );
  }

  registerProducer(hook: ProducerHook): void {
    if (this.producers.has(hook.group)) throw new ClientStateError(`producer group ${hook.group} is already registered on client ${this.clientId}`);
    this.producers.set(hook.group, hook);
  }

  registerConsumer(hook: ConsumerHook): void {
    if (this.consumers.has(hook.group)) throw new ClientStateError(`consumer group ${hook.group} is already registered on client ${this.clientId}`);
    this.consumers.set(hook.group, hook);
  }

  // -------------------------------------------------------------------------------------------
  // Requests from brokers

  private onIdsChanged(req: RemotingCommand): null {
    const group = req.extFields?.consumerGroup;
    this.diagnostic({ type: 'server-request', code: req.code, address: group ?? '' });
    const c = group ? this.consumers.get(group) : undefined;
    c?.rebalanceNow?.();
    return null;
  }

  private onCheckTransaction(req: RemotingCommand, conn: Connection): null {
    this.diagnostic({ type: 'server-request', code: req.code, address: conn.remoteAddress });
    const group = pgroupOf(req.body);
    const producer = (group && this.producers.get(group)) || [...this.producers.values()].find((p) => p.checkTransactionState);
    producer?.checkTransactionState?.(conn.remoteAddress, req);
    return null;
  }

  private async onResetOffset(req: RemotingCommand): Promise<null> {
    const group = req.extFields?.group;
    const topic = req.extFields?.topic;
    const c = group ? this.consumers.get(group) : undefined;
    if (c?.resetOffset && topic) await c.resetOffset(topic, decodeResetOffsetBody(req.body));
    return null;
  }

  private async onConsumeDirectly(req: RemotingCommand): Promise<RemotingCommand> {
    const group = req.extFields?.consumerGroup;
    const c = group ? this.consumers.get(group) : undefined;
    if (!c?.consumeDirectly || !req.body) {
      return responseTo(req, ResponseCode.SYSTEM_ERROR, this.version, { remark: `consumer group ${group} cannot consume directly in ${this.clientId}` });
    }
    const [msg] = decodeMessages(req.body, { brokerName: req.extFields?.brokerName });
    if (!msg) return responseTo(req, ResponseCode.SYSTEM_ERROR, this.version, { remark: 'no message in the request body' });
    return responseTo(req, ResponseCode.SUCCESS, this.version, { body: await c.consumeDirectly(msg) });
  }

  private onRunningInfo(req: RemotingCommand): RemotingCommand {
    const group = req.extFields?.consumerGroup;
    const c = group ? this.consumers.get(group) : undefined;
    const body = c?.runningInfo?.();
    if (!body) return responseTo(req, ResponseCode.SYSTEM_ERROR, this.version, { remark: `consumer group ${group} is not running in ${this.clientId}` });
    return responseTo(req, ResponseCode.SUCCESS, this.version, { body });
  }
}

/** Reads PGROUP from a stored-message body without a full decode failure surfacing. */
function pgroupOf(body: Buffer | undefined): string | undefined {
  if (!body) return undefined;
  const text = body.toString('latin1');
  const i = text.indexOf('PGROUP\u0001');
  if (i < 0) return undefined;
  const end = text.indexOf('\u0002', i);
  return Buffer.from(text.slice(i + 7, end < 0 ? undefined : end), 'latin1').toString('utf8');
}

export function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
