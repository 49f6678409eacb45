/**
 * The broker: store, metadata, request processors on the main and VIP ports, NameServer
 * registration, delay delivery, transactions, and a drain-then-stop shutdown.
 */
import { join } from 'node:path';
import { RemotingServer } from '../transport/server.js';
import { RemotingClient } from '../transport/client.js';
import { logger, type Logger } from '../common/logger.js';
import { applyChangedLogLevels, LOG_START_ONLY_KEYS } from '../common/log-config.js';
import { PRODUCT_RELEASE } from '../common/release.js';
import { applyProperties, configEntries, ConfigError, validateConfig } from '../common/config.js';
import { formatProperties, parseProperties } from '../common/properties.js';
import { writeFileAtomic } from '../common/json-file.js';
import { defaultDataDir, makeDirectory } from '../common/paths.js';
import { toFastJson } from '../codec/fastjson.js';
import { RequestCode } from '../protocol/request-code.js';
import { PERM_READ, PERM_WRITE, PERM_INHERIT, PERM_PRIORITY } from '../protocol/perm.js';
import { SERVER_VERSION } from '../protocol/version.js';
import { dataVersionJson } from '../protocol/data-version.js';
import { MessageStore, applyStoreProperties, defaultStoreConfig, parseDelayLevels, type StoreConfig } from '../store/index.js';
import { StoreConfigFiles } from './metadata/config-files.js';
import { BrokerConfigSpec, defaultBrokerIP, type BrokerConfig } from './config.js';
import type { BrokerContext, BrokerStats } from './context.js';
import type { RunningBroker } from './metrics.js';
import { ClientRegistry } from './clients.js';
import { PullHold } from './pull-hold.js';
import { OrderLocks } from './order-locks.js';
import { TopicTable } from './metadata/topics.js';
import { SubscriptionGroups } from './metadata/subscription-groups.js';
import { ConsumerOffsets, DelayOffsets } from './metadata/offset-tables.js';
import { NamesrvRegistration } from './namesrv-registration.js';
import { ScheduleService } from './schedule.js';
import { Transactions } from './transactions.js';
import { sendProcessors } from './processors/send.js';
import { pullProcessors } from './processors/pull.js';
import { consumerProcessors } from './processors/consumer.js';
import { adminProcessors, type BrokerRuntimeState, type RateKey } from './processors/admin.js';
import { consumerRelayProcessors } from './processors/consumer-relay.js';
import { storeMaintenanceProcessors } from './processors/store-maintenance.js';
import { queryProcessors } from './processors/query.js';
import type { Processor } from '../transport/server.js';
import { ResponseCode } from '../protocol/response-code.js';
import { HAMaster } from './ha/ha-master.js';
import { HASlave } from './ha/ha-slave.js';
import { SlaveSync } from './ha/slave-sync.js';
import { RateWindow } from './rate-window.js';
import { SOCKET_CLOSE_MS } from './stop-budget.js';
import { TrafficCounters } from './traffic.js';
import { BrokerMetrics } from './metrics.js';
import { RequestTimings } from '../transport/request-timings.js';
import { MetricsEndpoint } from '../metrics/http-endpoint.js';
import { METRICS_PORT_DEFAULT, metricsPortFor } from '../common/config.js';
import { freePortGroup } from '../common/free-port-group.js';
import { BrokerStatsTable } from './stats-table.js';
import { inspectProcessors } from './processors/inspect.js';

export interface BrokerOptions {
  /** Store settings by MessageStoreConfig property name (strings, as in a properties file). */
  storeProperties?: Record<string, string>;
  /** Properties that belong to no component, kept for GET_BROKER_CONFIG as Java does. */
  extraProperties?: Record<string, string>;
  /** Where UPDATE_BROKER_CONFIG persists (the -c file, or <store>/config/broker.properties). */
  configFile?: string;
}

/** Store settings updateBrokerConfig applies to the running store (retention, size and transfer limits). */
const LIVE_STORE_KEYS: ReadonlySet<string> = new Set([
  'fileReservedTime', 'deleteWhen', 'diskMaxUsedSpaceRatio', 'cleanFileForciblyEnable', 'diskSpaceCleanForciblyRatio', 'diskSpaceWarningLevelRatio',
  'maxMessageSize', 'maxTransferBytesOnMessageInMemory', 'maxTransferCountOnMessageInMemory', 'maxTransferBytesOnMessageInDisk',
  'maxTransferCountOnMessageInDisk', 'accessMessageInMemoryMaxRatio',
]);

export class Broker {
  readonly config: BrokerConfig;
  readonly storeConfig: StoreConfig;
  private store!: MessageStore;
  private ctx!: BrokerContext;
  private main!: RemotingServer;
  private vip!: RemotingServer;
  private readonly outbound = new RemotingClient({ connectTimeoutMs: 3000 });
  private registration!: NamesrvRegistration;
  private schedule!: ScheduleService;
  private transactions!: Transactions;
  private readonly log: Logger;
  private readonly timers: NodeJS.Timeout[] = [];
  /** The config tables' files (topics, groups, offsets), written in the background while running. */
  private files!: StoreConfigFiles;
  private draining = false;
  private wiped = false;
  /** Whether the last registration the NameServers accepted carried WRITE. */
  private registeredWritable = false;
  private stopped = false;
  private sendsInFlight = 0;
  private configVersion = { timestamp: Date.now(), counter: 0 };
  private haMaster: HAMaster | undefined;
  private haSlave: HASlave | undefined;
  private slaveSync: SlaveSync | undefined;
  private rates!: RateWindow<RateKey>;
  /** Whether haListenPort was configured; else the HA port is listenPort + 1, as Java's default. */
  private readonly haPortSet: boolean;
  /** Requests of both remoting ports, by code (rocketmq_rpc_latency). */
  private readonly timings = new RequestTimings();
  private metrics: BrokerMetrics | undefined;
  private endpoint: MetricsEndpoint | undefined;
  /** Set once start() has finished (registered, serving). */
  private started = false;

  constructor(config: BrokerConfig, private readonly options: BrokerOptions = {}) {
    this.config = { ...config };
    if (!this.config.rocketmqHome) this.config.rocketmqHome = defaultDataDir();
    if (!this.config.brokerIP1) this.config.brokerIP1 = defaultBrokerIP(this.config.bindAddress);
    // Numbers set in code (not parsed from text) get the same checks as a properties file's.
    validateConfig(BrokerConfigSpec, this.config, ['listenPort', 'brokerId', 'brokerPermission', 'brokerIP1', 'brokerIP2', 'metricsExporterType', 'metricsPromExporterPort']);
    this.log = logger('broker', this.config.brokerName);
    const root = options.storeProperties?.storePathRootDir ?? join(this.config.rocketmqHome, 'store');
    this.storeConfig = defaultStoreConfig(root);
    this.storeConfig.storePathCommitLog = join(root, 'commitlog');
    const unknown = applyStoreProperties(this.storeConfig, options.storeProperties ?? {});
    if (unknown.length > 0) throw new ConfigError(`unknown store property ${unknown[0]}`);
    this.haPortSet = options.storeProperties?.haListenPort !== undefined;
    if (this.storeConfig.brokerRole !== 'SLAVE') this.config.brokerId = 0;
  }

  get brokerAddr(): string {
    return `${this.config.brokerIP1}:${this.config.listenPort}`;
  }

  /** host:port of the metrics and health endpoint, if it is on. */
  get metricsAddress(): string | undefined {
    return this.endpoint?.address;
  }

  get isDraining(): boolean {
    return this.draining;
  }

  /** The port a master serves its slaves on. */
  get haListenPort(): number {
    return this.haPortSet ? this.storeConfig.haListenPort : this.config.listenPort + 1;
  }

  /**
   * Checks the store directories and binds every port BEFORE the store is opened: a port clash or
   * an unusable directory then fails fast and leaves the store untouched (an opened store leaves
   * `abort` behind when the process dies, and the next start runs crash recovery). A failure at
   * any step closes whatever was opened already.
   */
  async start(): Promise<void> {
    try {
      await this.startInOrder();
    } catch (err) {
      await this.undoStart();
      throw err;
    }
  }

  private async undoStart(): Promise<void> {
    this.stopped = true;
    for (const t of this.timers) clearInterval(t);
    this.ctx?.pullHold.releaseAll();
    this.slaveSync?.stop();
    this.haSlave?.stop();
    await this.haMaster?.stop().catch(() => undefined);
    await Promise.all([this.main?.close(0), this.vip?.close(0), this.endpoint?.close()].map((p) => p?.catch(() => undefined)));
    await this.outbound.close().catch(() => undefined);
    if (this.store) {
      await this.files.idle().catch(() => undefined);
      await this.store.close().catch(() => undefined);
    }
  }

  private async startInOrder(): Promise<void> {
    const c = this.config;
    if (c.listenPort === 0) {
      const metricsBesideListen = c.metricsExporterType === 'PROM' && c.metricsPromExporterPort === METRICS_PORT_DEFAULT;
      c.listenPort = await freePortGroup(c.bindAddress, [-2, ...(this.haPortSet ? [] : [1]), ...(metricsBesideListen ? [3] : [])]);
    }
    this.storeConfig.brokerIP1 = c.brokerIP1;
    this.storeConfig.listenPort = c.listenPort;
    makeDirectory(join(this.storeConfig.storePathRootDir, 'config'));
    makeDirectory(this.storeConfig.storePathCommitLog);

    const serverOptions = {
      host: c.bindAddress,
      version: SERVER_VERSION,
      idleTimeoutMs: c.serverChannelMaxIdleTimeSeconds * 1000,
      timings: c.metricsExporterType === 'DISABLE' ? undefined : this.timings,
      startingRemark: `broker ${c.brokerName} is starting: try again shortly`,
    };
    this.main = new RemotingServer({ ...serverOptions, port: c.listenPort, name: `broker ${c.brokerName}` });
    this.vip = new RemotingServer({ ...serverOptions, port: c.listenPort - 2, name: `broker ${c.brokerName} vip` });
    await this.main.listen();
    await this.vip.listen();
    const ha = { heartbeatIntervalMs: c.haSendHeartbeatInterval, housekeepingIntervalMs: c.haHousekeepingInterval };
    if (this.storeConfig.brokerRole !== 'SLAVE') {
      this.haMaster = new HAMaster({ ...ha, host: c.bindAddress, port: this.haListenPort, transferBatchSize: this.storeConfig.haTransferBatchSize }, logger('ha', c.brokerName));
      await this.haMaster.start();
    }
    if (c.metricsExporterType === 'PROM') {
      this.metrics = new BrokerMetrics({
        config: c,
        storeConfig: this.storeConfig,
        timings: this.timings,
        running: () => this.running(),
        notReadyReason: () => this.notReadyReason(),
      });
      const metrics = this.metrics;
      this.endpoint = new MetricsEndpoint(
        { host: c.metricsPromExporterHost || c.bindAddress, port: metricsPortFor(c.listenPort, c.metricsPromExporterPort), what: `broker ${c.brokerName} metrics`, log: this.log },
        { metrics: () => metrics.text(), notReadyReason: () => this.notReadyReason() },
      );
      await this.endpoint.listen();
    }

    // 3.5.8 kept topics and groups under the user's home; an operator points legacyConfigDir there.
    const files = new StoreConfigFiles(this.storeConfig.storePathRootDir, c.legacyConfigDir || undefined);
    const storeLog = logger('store', c.brokerName);
    files.onBackgroundError = (path, err) => storeLog.warn(`could not write ${path}: ${(err as Error).message ?? String(err)}`);
    this.files = files;

    const clients = new ClientRegistry();
    const topics = new TopicTable({
      files,
      clusterName: c.brokerClusterName,
      brokerName: c.brokerName,
      autoCreateTopicEnable: c.autoCreateTopicEnable,
      clusterTopicEnable: c.clusterTopicEnable,
      brokerTopicEnable: c.brokerTopicEnable,
      defaultTopicQueueNums: c.defaultTopicQueueNums,
    });
    topics.load();
    const groups = new SubscriptionGroups(files, c.autoCreateSubscriptionGroup, c.maxReconsumeTimesDefault);
    groups.load();
    const offsets = new ConsumerOffsets(files);
    offsets.load();
    const delayOffsets = new DelayOffsets(files);
    delayOffsets.load();

    let pullHold: PullHold | undefined;
    this.store = MessageStore.open({ ...this.storeConfig }, {
      log: (level, message) => (level === 'warn' ? storeLog.warn(message) : storeLog.info(message)),
      onMessageArrived: (topic, queueId, next) => {
        pullHold?.onMessageArrived(topic, queueId, next);
        this.haMaster?.notifyNewData();
      },
    });
    const report = this.store.recovery;
    storeLog.info(
      `store opened at ${this.storeConfig.storePathRootDir}: ${report.normal ? 'normal' : 'abnormal (crash)'} recovery, ` +
        `commit log up to ${report.commitLogMaxOffset}${report.truncatedAt !== undefined ? `, torn tail truncated at ${report.truncatedAt}` : ''}`,
    );
    pullHold = new PullHold((t, q) => this.store.getMaxOffsetInQueue(t, q), c.pullCheckIntervalMs);
    const stats: BrokerStats = { bootTimestamp: Date.now(), putMessages: 0, putBytes: 0, getFound: 0, getMiss: 0, getTransferred: 0, traffic: new TrafficCounters() };

    this.registration = new NamesrvRegistration(
      this.outbound,
      () => this.namesrvAddrs(),
      {
        clusterName: c.brokerClusterName,
        brokerName: c.brokerName,
        brokerId: c.brokerId,
        brokerAddr: this.brokerAddr,
        haServerAddr: `${c.brokerIP2 || c.brokerIP1}:${this.haListenPort}`,
      },
      topics,
      () => this.permMask(),
      c.registerVersion,
      c.registerBrokerTimeoutMills,
      this.log,
    );

    this.ctx = {
      config: c,
      store: this.store,
      topics,
      groups,
      offsets,
      delayOffsets,
      clients,
      pullHold,
      locks: new OrderLocks(c.lockMaxLiveTime),
      log: this.log,
      version: SERVER_VERSION,
      brokerAddr: this.brokerAddr,
      delayLevels: parseDelayLevels(this.storeConfig.messageDelayLevel),
      isWritable: () => (this.permMask() & PERM_WRITE) !== 0 && this.storeConfig.brokerRole !== 'SLAVE',
      isReadable: () => (c.brokerPermission & PERM_READ) !== 0,
      isMaster: () => this.storeConfig.brokerRole !== 'SLAVE',
      registerBroker: (oneway, only) => void this.registration.registerAll({ oneway, only }),
      notifyConsumerIdsChanged: (group) => this.notifyConsumerIdsChanged(group),
      awaitReplication: (end) => this.awaitReplication(end),
      stats,
      statsTable: new BrokerStatsTable(c.brokerClusterName),
    };

    this.schedule = new ScheduleService(this.ctx);
    this.transactions = new Transactions(this.ctx);

    const processors = new Map<number, Processor>();
    this.rates = new RateWindow(['put', 'getFound', 'getMiss', 'getTransferred'], () => ({ put: stats.putMessages, getFound: stats.getFound, getMiss: stats.getMiss, getTransferred: stats.getTransferred }));
    const admin = adminProcessors(this.ctx, {
      configText: () => this.configText(),
      updateConfig: (text) => this.updateConfig(text),
      configVersion: () => toFastJson(dataVersionJson(this.configVersion)),
      rates: this.rates,
      state: () => this.runtimeState(),
    });
    for (const table of [sendProcessors(this.ctx), pullProcessors(this.ctx), consumerProcessors(this.ctx), admin, queryProcessors(this.ctx), inspectProcessors(this.ctx), this.transactions.processors(), consumerRelayProcessors(this.ctx), storeMaintenanceProcessors(this.ctx)]) {
      for (const [code, p] of table) processors.set(code, p);
    }
    // Sends are counted so a drain knows when none is left in flight.
    for (const code of [RequestCode.SEND_MESSAGE, RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_BATCH_MESSAGE, RequestCode.CONSUMER_SEND_MSG_BACK, RequestCode.END_TRANSACTION]) {
      const inner = processors.get(code)!;
      processors.set(code, (req, conn) => {
        this.sendsInFlight++;
        let result;
        try {
          result = inner(req, conn);
        } catch (err) {
          this.sendsInFlight--;
          throw err;
        }
        if (!(result instanceof Promise)) {
          this.sendsInFlight--;
          return result;
        }
        return result.finally(() => this.sendsInFlight--);
      });
    }
    for (const [code, p] of processors) {
      this.main.register(code, p);
      // Java serves everything but PULL_MESSAGE on the VIP port.
      if (code !== RequestCode.PULL_MESSAGE) this.vip.register(code, p);
    }
    for (const server of [this.main, this.vip]) {
      server.on('disconnect', (conn) => {
        const left = clients.onConnectionClosed(conn);
        for (const group of left) this.notifyConsumerIdsChanged(group);
      });
    }
    pullHold.start();
    if (this.haMaster) {
      this.haMaster.attach(this.store);
      this.schedule.start();
      this.transactions.start();
    } else {
      this.haSlave = new HASlave(this.store, { ...ha, reconnectIntervalMs: 5000 }, logger('ha', c.brokerName));
      if (c.haMasterAddress.length >= 6) this.haSlave.setMaster(c.haMasterAddress);
      this.haSlave.start();
      this.slaveSync = new SlaveSync(this.ctx, this.outbound, c.slaveSyncIntervalMs);
    }
    // Bound since the top of the start; requests are served only now that everything they use is in place.
    this.main.open();
    this.vip.open();
    const every = (ms: number, fn: () => void | Promise<void>): void => {
      const t = setInterval(() => void Promise.resolve().then(fn).catch((err: Error) => this.log.warn(err.message)), ms);
      t.unref();
      this.timers.push(t);
    };
    every(1000, () => this.rates.sample());
    if (this.metrics) {
      const metrics = this.metrics;
      metrics.sample();
      every(10_000, () => metrics.sample());
    }
    every(1000, () => this.ctx.statsTable.sample());
    every(c.flushConsumerOffsetInterval, () => {
      offsets.persist();
      delayOffsets.persist();
    });
    every(10_000, () => {
      for (const group of clients.expire(c.channelExpiredTimeout)) this.notifyConsumerIdsChanged(group);
    });
    every(Math.min(60_000, Math.max(1_000, c.registerNameServerPeriod)), () => this.periodicRegistration());
    await this.registerNow();
    this.slaveSync?.start();
    this.started = true;
    const metricsAt = this.endpoint ? `, metrics http://${this.endpoint.address}/metrics` : '';
    this.log.info(`broker ${c.brokerClusterName}/${c.brokerName} id ${c.brokerId} (${PRODUCT_RELEASE}) listening on ${this.brokerAddr} (VIP ${c.listenPort - 2}${metricsAt}), NameServers: ${this.namesrvAddrs().join(';') || 'none'}`);
  }

  private namesrvAddrs(): string[] {
    return this.config.namesrvAddr.split(';').map((s) => s.trim()).filter(Boolean);
  }

  /** The permission bits topics are registered with: no WRITE while draining or after a wipe. */
  private permMask(): number {
    const base = this.config.brokerPermission | PERM_INHERIT | PERM_PRIORITY;
    return this.draining || this.wiped ? base & ~PERM_WRITE : base;
  }

  private async periodicRegistration(): Promise<void> {
    const own = this.ctx.topics.get(this.config.brokerName);
    // A route without WRITE is a wipe only if we registered with WRITE (or were wiped already and
    // look for its end): a broker whose own brokerPermission forbids writes sees its own doing.
    if ((this.config.brokerPermission & PERM_WRITE) === 0) this.setWiped(false);
    else if (!this.draining && own && (own.perm & PERM_WRITE) !== 0 && (this.wiped || this.registeredWritable)) {
      this.setWiped(await this.registration.writeWipedEverywhere());
    }
    await this.registerNow();
  }

  private setWiped(wiped: boolean): void {
    if (wiped === this.wiped) return;
    this.wiped = wiped;
    this.ctx.topics.nextVersion();
    this.log.warn(wiped ? 'write permission wiped on the NameServers: refusing sends (draining)' : 'write permission restored');
  }

  /** Registers with every NameServer, remembering whether what they now hold has WRITE. */
  private async registerNow(): Promise<void> {
    const mask = this.permMask();
    const replies = await this.registration.registerAll();
    if (replies.length > 0) this.registeredWritable = (mask & PERM_WRITE) !== 0;
    this.learnMaster(replies);
  }

  /** A slave learns its master's addresses from the NameServers' registration replies. */
  private learnMaster(replies: Array<{ masterAddr?: string; haServerAddr?: string }>): void {
    if (!this.haSlave) return;
    const reply = replies.find((r) => r.masterAddr);
    if (!reply) return;
    if (this.config.haMasterAddress.length < 6) this.haSlave.setMaster(reply.haServerAddr);
    this.slaveSync?.setMaster(reply.masterAddr);
  }

  /** undefined right away unless a SYNC_MASTER must wait for its slave (no promise per send). */
  private awaitReplication(endOffset: number): Promise<number | undefined> | undefined {
    if (this.storeConfig.brokerRole !== 'SYNC_MASTER' || !this.haMaster) return undefined;
    if (!this.haMaster.slaveOk(endOffset, this.config.haSlaveFallbehindMax)) return Promise.resolve(ResponseCode.SLAVE_NOT_AVAILABLE);
    return this.haMaster.waitForAck(endOffset, this.storeConfig.syncFlushTimeout).then((ok) => (ok ? undefined : ResponseCode.FLUSH_SLAVE_TIMEOUT));
  }

  private runtimeState(): BrokerRuntimeState {
    const writeState = this.draining || this.wiped ? 'draining' : (this.config.brokerPermission & PERM_WRITE) === 0 && this.storeConfig.brokerRole !== 'SLAVE' ? 'read-only' : 'serving';
    const sendsInFlight = this.sendsInFlight;
    if (this.haMaster) return { writeState, sendsInFlight, haSlaves: this.haMaster.slaveCount, haAckedOffset: this.haMaster.ackedOffset };
    if (this.haSlave) return { writeState, sendsInFlight, haMasterAddr: this.haSlave.masterAddr ?? '', haConnected: this.haSlave.connected };
    return { writeState, sendsInFlight };
  }

  /** What the metrics read; undefined until the store is open and the broker's tables exist. */
  private running(): RunningBroker | undefined {
    if (!this.ctx || !this.rates) return undefined;
    return {
      ctx: this.ctx,
      rates: this.rates,
      state: this.runtimeState(),
      registrations: this.registration.states(),
      ha: this.haMaster
        ? { role: 'master', slaves: this.haMaster.slaveCount, ackedOffset: this.haMaster.ackedOffset }
        : { role: 'slave', connected: this.haSlave?.connected ?? false, lastFrameAt: this.haSlave?.lastFrameAt ?? 0 },
    };
  }

  /**
   * Why /readyz answers 503, or undefined when ready: the store recovered, registered with every
   * NameServer, and serving — or draining, which an upgrade or a stop does on purpose.
   */
  notReadyReason(): string | undefined {
    if (!this.ctx) return 'store not open yet (recovering)';
    if (!this.started) return this.stopped ? 'stopped' : 'starting (registering with the NameServers)';
    const missing = this.registration.states().filter((r) => !r.registered);
    if (missing.length > 0) return `not registered with NameServer ${missing.map((m) => `${m.namesrv} (${m.failure ?? 'unknown'})`).join(', ')}`;
    if (this.runtimeState().writeState === 'read-only') return `read-only: brokerPermission ${this.config.brokerPermission} has no write permission`;
    return undefined;
  }

  /** For tests and tools: HA state. */
  get replication(): { slaves: number; ackedOffset: number; slaveConnected: boolean } {
    return { slaves: this.haMaster?.slaveCount ?? 0, ackedOffset: this.haMaster?.ackedOffset ?? 0, slaveConnected: this.haSlave?.connected ?? false };
  }

  private notifyConsumerIdsChanged(group: string): void {
    if (!this.config.notifyConsumerIdsChangedEnable) return;
    const g = this.ctx.clients.consumerGroup(group);
    if (!g) return;
    for (const ch of g.channels.values()) {
      ch.conn.oneway({
        code: RequestCode.NOTIFY_CONSUMER_IDS_CHANGED,
        language: 'JAVA',
        version: SERVER_VERSION,
        opaque: 0,
        flag: 0,
        serializeType: 0,
        extFields: { consumerGroup: group },
      });
    }
  }

  /**
   * Every setting once (what `mqbroker -p` prints and GET_BROKER_CONFIG returns): broker keys, then
   * store keys (brokerIP1 and listenPort, copied into the store config, are broker keys), then the
   * ignored Apache keys the operator gave.
   */
  configProperties(): Array<[string, unknown]> {
    const store = Object.entries(this.storeConfig).filter(([k]) => !(k in BrokerConfigSpec));
    const ha: Array<[string, unknown]> = store.map(([k, v]) => [k, k === 'haListenPort' ? this.haListenPort : v]);
    return [...configEntries(BrokerConfigSpec, this.config), ...ha, ...Object.entries(this.options.extraProperties ?? {})];
  }

  private configText(): string {
    return formatProperties(this.configProperties());
  }

  private updateConfig(text: string): void {
    const props = parseProperties(text);
    const brokerProps = [...props].filter(([k]) => k in BrokerConfigSpec);
    const READ_ONLY = new Set(['listenPort', 'brokerName', 'brokerClusterName', 'brokerId', 'brokerIP1', 'rocketmqHome', 'bindAddress', 'metricsExporterType', 'metricsPromExporterHost', 'metricsPromExporterPort', ...LOG_START_ONLY_KEYS]);
    const before = this.config.brokerPermission;
    const { changed } = applyProperties(BrokerConfigSpec, this.config, brokerProps, { readOnly: READ_ONLY });
    applyChangedLogLevels(this.config, changed);
    const storeProps = Object.fromEntries([...props].filter(([k]) => !(k in BrokerConfigSpec)));
    applyStoreProperties(this.storeConfig, storeProps);
    // The running store holds its own copy of the settings: those it reads on every pass change now
    // (as Java's live MessageStoreConfig does), the file layout and roles at the next start.
    if (this.store) applyStoreProperties(this.store.config, Object.fromEntries(Object.entries(storeProps).filter(([k]) => LIVE_STORE_KEYS.has(k))));
    this.configVersion = { timestamp: Date.now(), counter: this.configVersion.counter + 1 };
    writeFileAtomic(this.options.configFile ?? join(this.storeConfig.storePathRootDir, 'config', 'broker.properties'), this.configText());
    if (this.config.brokerPermission !== before) {
      this.ctx.topics.nextVersion();
      void this.registerNow();
    }
  }

  /**
   * Stops taking sends (NO_PERMISSION, so producers move to other brokers), tells the NameServers,
   * keeps serving pulls, and resolves once no send is in flight (bounded by drainTimeoutMs).
   */
  async drain(): Promise<void> {
    if (!this.draining) {
      this.draining = true;
      this.log.info('draining: sends are refused from now on, pulls are still served');
      this.ctx.topics.nextVersion();
      await this.registration.registerAll();
    }
    const deadline = Date.now() + this.config.drainTimeoutMs;
    while (this.sendsInFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    if (this.sendsInFlight > 0) this.log.warn(`drain timed out with ${this.sendsInFlight} sends in flight`);
  }

  /**
   * Graceful stop: drain, unregister, answer held pulls, close servers, persist, close the store.
   * Its longest duration is longestStopMs (stop-budget.ts), which packaging's grace periods exceed.
   */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await this.drain();
    for (const t of this.timers) clearInterval(t);
    await this.registration.unregisterAll();
    await this.schedule.stop();
    this.transactions.stop();
    this.slaveSync?.stop();
    this.haSlave?.stop();
    await this.haMaster?.stop();
    this.ctx.pullHold.releaseAll();
    await Promise.all([this.main.close(SOCKET_CLOSE_MS), this.vip.close(SOCKET_CLOSE_MS)]);
    await this.outbound.close();
    // Background writes first, so none can land after (and over) the final ones.
    await this.files.idle();
    this.ctx.offsets.persist(true, true);
    this.ctx.delayOffsets.persist(true);
    this.ctx.topics.persist(true);
    this.ctx.groups.persist(true);
    await this.store.close();
    // Last: health checks and scrapes see the drain and the stop through to the end.
    await this.endpoint?.close();
    this.log.info('broker stopped');
  }

  /** For tests and tools: the broker's live state. */
  get context(): BrokerContext {
    return this.ctx;
  }
}
