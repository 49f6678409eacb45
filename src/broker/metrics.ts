/**
 * What a broker's `/metrics` shows, all read at scrape time from state the broker keeps anyway
 * (stats counters, rate windows, offsets tables, the store, clients, HA): three naming schemes so
 * the dashboards operators already have work unchanged —
 *  - rocketmq-exporter's (`rocketmq_broker_tps`, `rocketmq_group_diff`, `rocketmq_brokeruntime_*` …),
 *    the per-broker share of what the exporter computes for a whole cluster;
 *  - RocketMQ 5.x's broker metrics (`rocketmq_messages_in_total`, `rocketmq_consumer_lag_messages` …),
 *    labelled cluster, node_type, node_id as 5.x does;
 *  - Apogee's own (`apogee_*`): write state, sends in flight, replication, registration, release;
 * plus prom-client's process metrics (event-loop lag, GC pauses, memory, CPU).
 */
import { statfsSync } from 'node:fs';
import { Registry } from 'prom-client';
import { PRODUCT_RELEASE, RELEASE } from '../common/release.js';
import { PERM_WRITE } from '../protocol/perm.js';
import { dlqTopic, isBrokerSystemTopic, isDlqTopic, isRetryTopic, retryTopic } from '../protocol/system-topics.js';
import { SERVER_VERSION, versionName } from '../protocol/version.js';
import type { RequestTimings } from '../transport/request-timings.js';
import type { StoreConfig } from '../store/index.js';
import { exposition, processMetrics, registerRequestMetrics, scrapedCounter, scrapedGauge, scrapedHistogram, withLabels, type HistogramSeries, type Labels } from '../metrics/collect.js';
import { Slices } from '../metrics/slices.js';
import type { BrokerConfig } from './config.js';
import type { BrokerContext } from './context.js';
import type { ClientChannel } from './clients.js';
import type { BrokerRuntimeState, RateKey } from './processors/admin.js';
import type { RateWindow } from './rate-window.js';
import { KeyedRates, MESSAGE_SIZE_BUCKETS, MESSAGE_TYPES, TrafficCounters, type MessageTypeIndex, type TopicIn } from './traffic.js';

/** What the metrics read from a running broker; `running` is undefined until the store is open. */
export interface BrokerMetricsSource {
  config: BrokerConfig;
  storeConfig: StoreConfig;
  timings: RequestTimings;
  running(): RunningBroker | undefined;
  /** Why the broker is not ready, or undefined (the same text /readyz answers). */
  notReadyReason(): string | undefined;
}

export interface RunningBroker {
  ctx: BrokerContext;
  rates: RateWindow<RateKey>;
  state: BrokerRuntimeState;
  registrations: Array<{ namesrv: string; registered: boolean; failure?: string }>;
  /** On a master: the slaves' acknowledged offset; on a slave: when the master last sent a frame. */
  ha: { role: 'master'; slaves: number; ackedOffset: number } | { role: 'slave'; connected: boolean; lastFrameAt: number };
}

const WRITE_STATES = ['serving', 'draining', 'read-only'] as const;

/** Keys of the per-topic and per-group rates (exporter's *_tps gauges). */
const key = (...parts: string[]): string => parts.join('\u0000');
const unkey = (k: string): string[] => k.split('\u0000');

/** The per-queue offsets of one group on one topic of this broker. */
interface GroupTopicOffsets {
  brokerOffset: number;
  consumerOffset: number;
  pulledTo: number;
  /** Store time of the oldest message not yet committed, per queue with a lag; 0 when none. */
  oldestUnconsumedAt: number;
}

interface GroupRow {
  group: string;
  topic: string;
  online: number;
  broadcasting: boolean;
  offsets: GroupTopicOffsets;
}

export class BrokerMetrics {
  readonly registry = new Registry();
  /** The group offsets of the scrape under way. */
  private rows: GroupRow[] | undefined;
  private readonly inRates: KeyedRates;
  private readonly outRates: KeyedRates;

  constructor(private readonly source: BrokerMetricsSource) {
    const c = source.config;
    const exp: Labels = { cluster: c.brokerClusterName, broker: c.brokerName };
    const otel: Labels = { cluster: c.brokerClusterName, node_type: 'broker', node_id: c.brokerName };
    const traffic = (): TrafficCounters | undefined => source.running()?.ctx.stats.traffic;
    this.inRates = new KeyedRates(() => {
      const m = new Map<string, number>();
      for (const [topic, t] of traffic()?.in ?? []) {
        m.set(key('msgs', topic), sum(t.messages));
        m.set(key('bytes', topic), sum(t.bytes));
      }
      return m;
    });
    this.outRates = new KeyedRates(() => {
      const m = new Map<string, number>();
      for (const [group, byTopic] of traffic()?.out ?? []) {
        for (const [topic, o] of byTopic) {
          m.set(key('msgs', topic, group), o.messages);
          m.set(key('bytes', topic, group), o.bytes);
        }
      }
      return m;
    });

    processMetrics(); // GC pauses are observed from now on, not from the first scrape
    registerRequestMetrics(this.registry, source.timings, otel);
    this.registerApogee(otel);
    this.registerExporter(exp);
    this.registerRocketMQ5(otel);
  }

  /** Takes the snapshots the per-topic and per-group rates are computed from (every 10 s). */
  sample(now = Date.now()): void {
    this.inRates.sample(now);
    this.outRates.sample(now);
  }

  /** One scrape: the group offsets (a pass over every queue) are read once for all the gauges using them. */
  async text(): Promise<{ contentType: string; text: string }> {
    // In slices with turns of the event loop between them: with a thousand groups the pass takes
    // tens of milliseconds, which sends and pulls should not wait for.
    const rows: GroupRow[] = [];
    const slices = new Slices();
    for (const row of this.groupOffsets()) {
      rows.push(row);
      if (slices.due()) await slices.next();
    }
    this.rows = rows;
    try {
      return await exposition(this.registry);
    } finally {
      this.rows = undefined;
    }
  }

  private groupRows(): Iterable<GroupRow> {
    return this.rows ?? this.groupOffsets();
  }

  // ---------------------------------------------------------------------------------------------

  private registerApogee(otel: Labels): void {
    const r = this.registry;
    const s = this.source;
    scrapedGauge(r, 'apogee_build_info', 'The Apogee release this node runs and the RocketMQ version it answers as (always 1)', ['version', 'release', 'wire_version', ...Object.keys(otel)], (emit) =>
      emit({ version: RELEASE, release: PRODUCT_RELEASE, wire_version: versionName(SERVER_VERSION), ...otel }, 1),
    );
    scrapedGauge(r, 'apogee_ready', '1 when /readyz answers 200 (registered everywhere, store recovered, serving or draining)', [], (emit) =>
      emit({}, s.notReadyReason() === undefined ? 1 : 0),
    );
    scrapedGauge(r, 'apogee_store_recovered', '1 once the store is open and recovered', [], (emit) => emit({}, s.running() ? 1 : 0));
    scrapedGauge(r, 'apogee_write_state', 'The write state: serving, draining (stopping or write permission wiped) or read-only (brokerPermission); 1 for the current one', ['state'], (emit) => {
      const now = s.running()?.state.writeState;
      for (const state of WRITE_STATES) emit({ state }, state === now ? 1 : 0);
    });
    scrapedGauge(r, 'apogee_sends_in_flight', 'Sends being processed now (a drain waits for 0)', [], (emit) => emit({}, s.running()?.state.sendsInFlight ?? 0));
    scrapedGauge(r, 'apogee_namesrv_registered', '1 when the last registration with this NameServer succeeded', ['namesrv'], (emit) => {
      for (const reg of s.running()?.registrations ?? []) emit({ namesrv: reg.namesrv }, reg.registered ? 1 : 0);
    });
    scrapedGauge(r, 'apogee_broker_role', "The broker's role (1 for the current one)", ['role'], (emit) => {
      for (const role of ['ASYNC_MASTER', 'SYNC_MASTER', 'SLAVE']) emit({ role }, role === s.storeConfig.brokerRole ? 1 : 0);
    });
    scrapedGauge(r, 'apogee_replication_slaves', 'Master: slaves connected for replication', [], (emit) => {
      const ha = s.running()?.ha;
      if (ha?.role === 'master') emit({}, ha.slaves);
    });
    scrapedGauge(r, 'apogee_replication_slave_acked_offset', 'Master: the highest commit-log offset a slave has acknowledged', [], (emit) => {
      const ha = s.running()?.ha;
      if (ha?.role === 'master') emit({}, ha.ackedOffset);
    });
    scrapedGauge(r, 'apogee_replication_lag_bytes', 'Master with slaves: commit-log bytes its slaves have not acknowledged yet', [], (emit) => {
      const run = s.running();
      if (run?.ha.role === 'master' && run.ha.slaves > 0) emit({}, Math.max(0, run.ctx.store.maxPhyOffset() - run.ha.ackedOffset));
    });
    scrapedGauge(r, 'apogee_replication_lag_seconds', 'Master with slaves: age of the oldest message its slaves have not acknowledged (0 when caught up)', [], (emit) => {
      const run = s.running();
      if (run?.ha.role !== 'master' || run.ha.slaves === 0) return;
      const behind = run.ctx.store.maxPhyOffset() > run.ha.ackedOffset;
      const first = behind ? run.ctx.store.lookMessageByOffset(run.ha.ackedOffset) : undefined;
      emit({}, first ? Math.max(0, (Date.now() - first.storeTimestamp) / 1000) : 0);
    });
    scrapedGauge(r, 'apogee_replication_connected', 'Slave: 1 while connected to its master for replication', [], (emit) => {
      const ha = s.running()?.ha;
      if (ha?.role === 'slave') emit({}, ha.connected ? 1 : 0);
    });
    scrapedGauge(r, 'apogee_replication_slave_offset', "Slave: its commit-log max offset (the master's rocketmq_brokeruntime_commitlog_maxoffset minus this is its lag in bytes)", [], (emit) => {
      const run = s.running();
      if (run?.ha.role === 'slave') emit({}, run.ctx.store.maxPhyOffset());
    });
    scrapedGauge(r, 'apogee_replication_last_frame_age_seconds', 'Slave: seconds since its master last sent data or a heartbeat (heartbeats come every haSendHeartbeatInterval when idle)', [], (emit) => {
      const ha = s.running()?.ha;
      if (ha?.role === 'slave' && ha.lastFrameAt > 0) emit({}, (Date.now() - ha.lastFrameAt) / 1000);
    });
  }

  // ---------------------------------------------------------------------------------------------

  private registerExporter(exp: Labels): void {
    const r = this.registry;
    const s = this.source;
    const brokerIP = (): string => `${s.config.brokerIP1}:${s.config.listenPort}`;
    const brokerNums: Labels = { cluster: exp.cluster!, broker: exp.broker! };

    scrapedGauge(r, 'rocketmq_broker_tps', 'Messages stored per second, over the last minute', ['cluster', 'brokerIP', 'broker'], (emit) => {
      const run = s.running();
      if (run) emit(withLabels(brokerNums, { brokerIP: brokerIP() }), run.rates.rate('put', 60));
    });
    scrapedGauge(r, 'rocketmq_broker_qps', 'Messages handed to consumers per second, over the last minute', ['cluster', 'brokerIP', 'broker'], (emit) => {
      const run = s.running();
      if (run) emit(withLabels(brokerNums, { brokerIP: brokerIP() }), run.rates.rate('getTransferred', 60));
    });

    const topicRates = (what: 'msgs' | 'bytes') => (emit: (l: Labels, v: number) => void): void => {
      for (const [k, v] of this.inRates.rates()) {
        const [kind, topic] = unkey(k);
        if (kind === what) emit(withLabels(exp, { topic: topic! }), v);
      }
    };
    const topicLabels = ['cluster', 'broker', 'topic'];
    scrapedGauge(r, 'rocketmq_producer_tps', 'Messages stored per second in a topic, over the last minute', topicLabels, topicRates('msgs'));
    scrapedGauge(r, 'rocketmq_producer_message_size', 'Bytes stored per second in a topic, over the last minute', topicLabels, topicRates('bytes'));
    scrapedGauge(r, 'rocketmq_producer_put_size', 'Bytes stored per second in a topic (the exporter\'s older name of rocketmq_producer_message_size)', topicLabels, topicRates('bytes'));

    const topicOffsets = (pick: (topic: string) => boolean, label: (topic: string) => Labels) => (emit: (l: Labels, v: number) => void): void => {
      const run = s.running();
      if (!run) return;
      for (const [topic, tc] of run.ctx.topics.all()) {
        if (!pick(topic)) continue;
        let total = 0;
        for (let q = 0; q < tc.writeQueueNums; q++) total += Math.max(0, run.ctx.store.getMaxOffsetInQueue(topic, q));
        emit(label(topic), total);
      }
    };
    const plain = (t: string): boolean => !isRetryTopic(t) && !isDlqTopic(t);
    scrapedGauge(r, 'rocketmq_producer_offset', 'Sum of the max offsets of a topic\'s queues on this broker', topicLabels, topicOffsets(plain, (topic) => withLabels(exp, { topic })));
    scrapedGauge(r, 'rocketmq_topic_offset', 'Sum of the max offsets of a topic\'s queues (the exporter\'s older name of rocketmq_producer_offset)', topicLabels, topicOffsets(plain, (topic) => withLabels(exp, { topic })));
    scrapedGauge(r, 'rocketmq_topic_retry_offset', 'Sum of the max offsets of a retry topic\'s queues', topicLabels, topicOffsets(isRetryTopic, (topic) => withLabels(exp, { topic })));
    scrapedGauge(r, 'rocketmq_topic_dlq_offset', 'Sum of the max offsets of a group\'s dead-letter queue', ['cluster', 'broker', 'group'], topicOffsets(isDlqTopic, (topic) => withLabels(exp, { group: topic.slice('%DLQ%'.length) })));

    const groupRates = (what: 'msgs' | 'bytes') => (emit: (l: Labels, v: number) => void): void => {
      for (const [k, v] of this.outRates.rates()) {
        const [kind, topic, group] = unkey(k);
        if (kind === what) emit(withLabels(exp, { topic: topic!, group: group! }), v);
      }
    };
    const groupLabels = ['cluster', 'broker', 'topic', 'group'];
    scrapedGauge(r, 'rocketmq_consumer_tps', 'Messages handed to a group per second from a topic, over the last minute', groupLabels, groupRates('msgs'));
    scrapedGauge(r, 'rocketmq_consumer_message_size', 'Bytes handed to a group per second from a topic, over the last minute', groupLabels, groupRates('bytes'));
    scrapedGauge(r, 'rocketmq_consumer_get_size', 'Bytes handed to a group per second (the exporter\'s older name of rocketmq_consumer_message_size)', groupLabels, groupRates('bytes'));

    scrapedGauge(r, 'rocketmq_consumer_offset', 'Sum of a group\'s committed offsets over a topic\'s queues on this broker', groupLabels, (emit) => {
      for (const g of this.groupRows()) emit(withLabels(exp, { topic: g.topic, group: g.group }), g.offsets.consumerOffset);
    });
    scrapedGauge(r, 'rocketmq_group_get_latency_by_storetime', 'Milliseconds since the oldest message a group has not consumed yet was stored (0 when caught up)', groupLabels, (emit) => {
      const now = Date.now();
      for (const g of this.groupRows()) {
        if (g.broadcasting) continue;
        emit(withLabels(exp, { topic: g.topic, group: g.group }), g.offsets.oldestUnconsumedAt > 0 ? Math.max(0, now - g.offsets.oldestUnconsumedAt) : 0);
      }
    });

    const diffLabels = ['group', 'topic', 'countOfOnlineConsumers', 'msgModel'];
    const diffOf = (which: 'plain' | 'retry' | 'dlq') => (emit: (l: Labels, v: number) => void): void => {
      for (const g of this.groupRows()) {
        if (g.broadcasting) continue;
        const kind = isRetryTopic(g.topic) ? 'retry' : isDlqTopic(g.topic) ? 'dlq' : 'plain';
        if (kind !== which) continue;
        // msgModel is MessageModel's ordinal, as the exporter writes it: 1 = CLUSTERING.
        emit({ group: g.group, topic: g.topic, countOfOnlineConsumers: String(g.online), msgModel: '1' }, Math.max(0, g.offsets.brokerOffset - g.offsets.consumerOffset));
      }
    };
    scrapedGauge(r, 'rocketmq_group_diff', 'Messages of a topic a clustering group has not consumed (broker offsets minus committed offsets)', diffLabels, diffOf('plain'));
    scrapedGauge(r, 'rocketmq_group_retrydiff', "Messages of the group's retry topic it has not consumed", diffLabels, diffOf('retry'));
    scrapedGauge(r, 'rocketmq_group_dlqdiff', "Messages in the group's dead-letter queue not consumed from it", diffLabels, diffOf('dlq'));
    scrapedGauge(r, 'rocketmq_group_count', 'Consumers of a group online on this broker', ['caddr', 'localaddr', 'group'], (emit) => {
      const run = s.running();
      if (!run) return;
      for (const [group, g] of run.ctx.clients.consumerGroups()) {
        const channels = [...g.channels.values()];
        emit({ caddr: channels.map((ch) => ch.conn.remoteAddress).join(','), localaddr: channels.map((ch) => ch.clientId).join(','), group }, channels.length);
      }
    });

    this.registerBrokerRuntime(exp);
  }

  /** rocketmq_brokeruntime_*: GET_BROKER_RUNTIME_INFO's fields, labelled as the exporter does. */
  private registerBrokerRuntime(exp: Labels): void {
    const s = this.source;
    const labelNames = ['cluster', 'brokerIP', 'brokerHost', 'des', 'boottime', 'broker_version'];
    const field = (name: string, help: string, value: (run: RunningBroker) => number): void => {
      scrapedGauge(this.registry, `rocketmq_brokeruntime_${name}`, help, labelNames, (emit) => {
        const run = s.running();
        if (!run) return;
        emit(
          {
            cluster: exp.cluster!,
            brokerIP: `${s.config.brokerIP1}:${s.config.listenPort}`,
            brokerHost: '',
            des: versionName(run.ctx.version),
            boottime: String(run.ctx.stats.bootTimestamp),
            broker_version: String(run.ctx.version),
          },
          value(run),
        );
      });
    };
    const info = (run: RunningBroker, k: string): number => Number(run.ctx.store.runtimeInfo()[k] ?? 0);
    field('msg_put_total_today_now', 'Messages stored since the broker started (it keeps no midnight snapshots)', (run) => run.ctx.stats.putMessages);
    field('msg_gettotal_today_now', 'Messages handed to consumers since the broker started', (run) => run.ctx.stats.getTransferred);
    field('msg_puttotal_todaymorning', 'Always 0: no midnight snapshots are kept', () => 0);
    field('msg_gettotal_todaymorning', 'Always 0: no midnight snapshots are kept', () => 0);
    field('msg_puttotal_yesterdaymorning', 'Always 0: no midnight snapshots are kept', () => 0);
    field('msg_gettotal_yesterdaymorning', 'Always 0: no midnight snapshots are kept', () => 0);
    field('put_message_size_total', 'Bytes stored since the broker started', (run) => run.ctx.stats.putBytes);
    field('putmessage_times_total', 'Messages stored since the broker started', (run) => run.ctx.stats.putMessages);
    field('put_message_average_size', 'Average stored message size in bytes', (run) => (run.ctx.stats.putMessages ? run.ctx.stats.putBytes / run.ctx.stats.putMessages : 0));
    field('dispatch_behind_bytes', 'Commit-log bytes not yet dispatched to consume queues', (run) => run.ctx.store.dispatchBehindBytes());
    field('remain_howmanydata_toflush', 'Commit-log bytes not yet flushed to disk', (run) => run.ctx.store.flushBehindBytes());
    field('commitlog_disk_ratio', 'Used fraction of the commit log\'s disk', (run) => info(run, 'commitLogDiskRatio'));
    field('consumequeue_disk_ratio', 'Used fraction of the consume queues\' disk', (run) => info(run, 'consumeQueueDiskRatio'));
    field('earliest_message_timestamp', 'Store time of the earliest message kept', (run) => run.ctx.store.getEarliestMessageTime());
    field('commitlog_maxoffset', 'Commit-log max offset', (run) => run.ctx.store.maxPhyOffset());
    field('commitlog_minoffset', 'Commit-log min offset', (run) => run.ctx.store.minPhyOffset());
    for (const span of [10, 60, 600]) {
      field(`put_tps${span}`, `Messages stored per second over ${span} s`, (run) => run.rates.rate('put', span));
      field(`getfound_tps${span}`, `Pulls that found messages per second over ${span} s`, (run) => run.rates.rate('getFound', span));
      field(`getmiss_tps${span}`, `Pulls that found none per second over ${span} s`, (run) => run.rates.rate('getMiss', span));
      field(`gettotal_tps${span}`, `Pulls per second over ${span} s`, (run) => run.rates.rate('getFound', span) + run.rates.rate('getMiss', span));
      field(`gettransfered_tps${span}`, `Messages handed to consumers per second over ${span} s`, (run) => run.rates.rate('getTransferred', span));
    }
    field('send_threadpool_queue_size', 'Always 0: sends are not queued behind a thread pool', () => 0);
    field('send_threadpoolqueue_capacity', 'The capacity Java reports (10000)', () => 10000);
    field('pull_threadpoolqueue_size', 'Pulls held (long polling)', (run) => run.ctx.pullHold.size);
    field('pull_threadpoolqueue_capacity', 'The capacity Java reports (100000)', () => 100000);
    field('query_threadpoolqueue_size', 'Always 0', () => 0);
    field('query_threadpool_queue_capacity', 'The capacity Java reports (20000)', () => 20000);
    field('send_threadpoolqueue_headwait_timemills', 'Always 0', () => 0);
    field('pull_threadpoolqueue_headwait_timemills', 'Always 0', () => 0);
    field('query_threadpoolqueue_headwait_timemills', 'Always 0', () => 0);
    field('pagecache_lock_time_mills', 'Always 0', () => 0);
    field('start_accept_sendrequest_time', 'Always 0 (sends are accepted from the start)', () => 0);
    field('remain_transientstore_buffer_numbs', 'The value Java reports without a transient store pool', () => 2147483647);
    const capacity = (run: RunningBroker, which: 'total' | 'free'): number => {
      try {
        const st = statfsSync(run.ctx.store.config.storePathCommitLog);
        return (which === 'total' ? st.blocks : st.bavail) * st.bsize;
      } catch {
        return 0;
      }
    };
    field('commitlogdir_capacity_total', 'Bytes of the commit log\'s file system', (run) => capacity(run, 'total'));
    field('commitlogdir_capacity_free', 'Free bytes of the commit log\'s file system', (run) => capacity(run, 'free'));
  }

  // ---------------------------------------------------------------------------------------------

  private registerRocketMQ5(otel: Labels): void {
    const r = this.registry;
    const s = this.source;
    const inLabels = [...Object.keys(otel), 'topic', 'message_type', 'is_system'];
    const eachIn = (emit: (labels: Labels, t: TopicIn, type: MessageTypeIndex) => void): void => {
      for (const [topic, t] of s.running()?.ctx.stats.traffic.in ?? []) {
        MESSAGE_TYPES.forEach((name, i) => {
          if (t.messages[i]! > 0) emit(withLabels(otel, { topic, message_type: name, is_system: String(isBrokerSystemTopic(topic)) }), t, i as MessageTypeIndex);
        });
      }
    };
    scrapedCounter(r, 'rocketmq_messages_in_total', 'Messages stored, by topic and message type', inLabels, (emit) => eachIn((l, t, i) => emit(l, t.messages[i]!)));
    scrapedCounter(r, 'rocketmq_throughput_in_total', 'Bytes stored, by topic and message type', inLabels, (emit) => eachIn((l, t, i) => emit(l, t.bytes[i]!)));
    scrapedHistogram(r, 'rocketmq_message_size', 'Sizes of stored messages in bytes (a batch: its average)', MESSAGE_SIZE_BUCKETS, () => {
      const out: HistogramSeries[] = [];
      eachIn((labels, t, i) => out.push({ labels, buckets: TrafficCounters.sizesOf(t, i), sum: t.bytes[i]!, count: t.messages[i]! }));
      return out;
    });

    const outLabels = [...Object.keys(otel), 'topic', 'consumer_group', 'is_retry', 'is_system'];
    const eachOut = (emit: (labels: Labels, o: { messages: number; bytes: number }) => void): void => {
      for (const [group, byTopic] of s.running()?.ctx.stats.traffic.out ?? []) {
        for (const [topic, o] of byTopic) emit(withLabels(otel, { topic, consumer_group: group, is_retry: String(isRetryTopic(topic)), is_system: String(isBrokerSystemTopic(topic)) }), o);
      }
    };
    scrapedCounter(r, 'rocketmq_messages_out_total', 'Messages handed to consumers, by topic and group', outLabels, (emit) => eachOut((l, o) => emit(l, o.messages)));
    scrapedCounter(r, 'rocketmq_throughput_out_total', 'Bytes handed to consumers, by topic and group', outLabels, (emit) => eachOut((l, o) => emit(l, o.bytes)));

    const lagLabels = [...Object.keys(otel), 'topic', 'consumer_group', 'is_retry', 'is_system'];
    const eachLag = (value: (g: GroupTopicOffsets, now: number) => number) => (emit: (l: Labels, v: number) => void): void => {
      const now = Date.now();
      for (const g of this.groupRows()) {
        if (g.broadcasting || isDlqTopic(g.topic)) continue;
        emit(withLabels(otel, { topic: g.topic, consumer_group: g.group, is_retry: String(isRetryTopic(g.topic)), is_system: String(isBrokerSystemTopic(g.topic)) }), value(g.offsets, now));
      }
    };
    scrapedGauge(r, 'rocketmq_consumer_lag_messages', 'Messages a group has not committed yet (max offsets minus committed offsets)', lagLabels, eachLag((o) => Math.max(0, o.brokerOffset - o.consumerOffset)));
    scrapedGauge(r, 'rocketmq_consumer_lag_latency', 'Milliseconds since the oldest message a group has not committed was stored (0 when caught up)', lagLabels, eachLag((o, now) => (o.oldestUnconsumedAt > 0 ? Math.max(0, now - o.oldestUnconsumedAt) : 0)));
    scrapedGauge(r, 'rocketmq_consumer_inflight_messages', 'Messages handed to a group but not committed yet', lagLabels, eachLag((o) => Math.max(0, o.pulledTo - o.consumerOffset)));
    scrapedGauge(r, 'rocketmq_consumer_ready_messages', 'Messages not yet handed to a group', lagLabels, eachLag((o) => Math.max(0, o.brokerOffset - Math.max(o.pulledTo, o.consumerOffset))));

    const nodeLabels = Object.keys(otel);
    // As RocketMQ 5.x measures it: the bytes used on the store's file system (one statfs, where a
    // walk of a store's thousands of queue files would hold up sends and pulls during every scrape).
    scrapedGauge(r, 'rocketmq_storage_size', 'Bytes used on the file system of the store directory (total minus free, as RocketMQ 5.x reports it)', nodeLabels, (emit) => {
      if (!s.running()) return;
      try {
        const st = statfsSync(s.storeConfig.storePathRootDir);
        emit(otel, (st.blocks - st.bfree) * st.bsize);
      } catch {
        // The directory is gone (a store being wiped): no value rather than a wrong one.
      }
    });
    scrapedGauge(r, 'rocketmq_storage_flush_behind_bytes', 'Commit-log bytes not yet flushed to disk', nodeLabels, (emit) => {
      const run = s.running();
      if (run) emit(otel, run.ctx.store.flushBehindBytes());
    });
    scrapedGauge(r, 'rocketmq_storage_dispatch_behind_bytes', 'Commit-log bytes not yet dispatched to consume queues', nodeLabels, (emit) => {
      const run = s.running();
      if (run) emit(otel, run.ctx.store.dispatchBehindBytes());
    });
    scrapedGauge(r, 'rocketmq_topic_number', 'Topics this broker has', nodeLabels, (emit) => {
      const run = s.running();
      if (run) emit(otel, run.ctx.topics.all().size);
    });
    scrapedGauge(r, 'rocketmq_consumer_group_number', 'Subscription groups this broker has', nodeLabels, (emit) => {
      const run = s.running();
      if (run) emit(otel, run.ctx.groups.all().size);
    });
    scrapedGauge(r, 'rocketmq_broker_permission', 'The broker\'s permission bits as registered (no write while draining)', nodeLabels, (emit) => {
      const run = s.running();
      if (run) emit(otel, run.state.writeState === 'draining' ? s.config.brokerPermission & ~PERM_WRITE : s.config.brokerPermission);
    });
    scrapedGauge(r, 'rocketmq_producer_connections', 'Producer connections, by client language and version', [...nodeLabels, 'language', 'version', 'protocol_type'], (emit) => {
      const channels = [...(s.running()?.ctx.clients.producerGroups().values() ?? [])].flatMap((byConn) => [...byConn.values()]);
      for (const k of byClientKind(channels)) emit(withLabels(otel, { language: k.language, version: k.version, protocol_type: 'remoting' }), k.count);
    });
    scrapedGauge(r, 'rocketmq_consumer_connections', 'Consumer connections, by group, client language and version', [...nodeLabels, 'consumer_group', 'language', 'version', 'protocol_type', 'consume_mode'], (emit) => {
      for (const [group, g] of s.running()?.ctx.clients.consumerGroups() ?? []) {
        const consume_mode = g.consumeType === 'CONSUME_ACTIVELY' ? 'pull' : 'push';
        for (const k of byClientKind(g.channels.values())) emit(withLabels(otel, { consumer_group: group, language: k.language, version: k.version, protocol_type: 'remoting', consume_mode }), k.count);
      }
    });
  }

  // ---------------------------------------------------------------------------------------------

  /**
   * Every (group, topic) this broker knows a consumer of — committed offsets, online subscriptions
   * and, for each group, its retry and dead-letter topics — with the queue offsets summed. One pass
   * per scrape (the exporter does the same per topic with GET_CONSUME_STATS).
   */
  private *groupOffsets(): Generator<GroupRow> {
    const run = this.source.running();
    if (!run) return;
    const { ctx } = run;
    const pairs = new Map<string, Set<string>>();
    const add = (group: string, topic: string): void => {
      let topics = pairs.get(group);
      if (!topics) pairs.set(group, (topics = new Set()));
      topics.add(topic);
    };
    // The offsets table is keyed "topic@group".
    for (const k of ctx.offsets.entries().keys()) {
      const at = k.lastIndexOf('@');
      if (at > 0) add(k.slice(at + 1), k.slice(0, at));
    }
    for (const [group, g] of ctx.clients.consumerGroups()) for (const topic of g.subscriptions.keys()) add(group, topic);
    for (const group of [...pairs.keys()]) {
      for (const t of [retryTopic(group), dlqTopic(group)]) if (ctx.topics.get(t)) add(group, t);
    }
    const storeTimes = new Map<string, number>();
    for (const [group, topics] of pairs) {
      const g = ctx.clients.consumerGroup(group);
      const online = g?.channels.size ?? 0;
      const broadcasting = g?.messageModel === 'BROADCASTING';
      const pulled = ctx.stats.traffic.out.get(group);
      for (const topic of topics) {
        const tc = ctx.topics.get(topic);
        if (!tc) continue;
        const o: GroupTopicOffsets = { brokerOffset: 0, consumerOffset: 0, pulledTo: 0, oldestUnconsumedAt: 0 };
        const pulledTo = pulled?.get(topic)?.pulledTo;
        for (let q = 0; q < tc.readQueueNums; q++) {
          const max = Math.max(0, ctx.store.getMaxOffsetInQueue(topic, q));
          const committed = Math.max(0, ctx.offsets.query(group, topic, q));
          o.brokerOffset += max;
          o.consumerOffset += committed;
          o.pulledTo += Math.min(max, Math.max(committed, pulledTo?.get(q) ?? committed));
          if (committed < max) {
            // Groups at the same position share one read of the store (a read is two preads).
            const k = key(topic, String(q), String(committed));
            let at = storeTimes.get(k);
            if (at === undefined) storeTimes.set(k, (at = ctx.store.getMessageStoreTimeStamp(topic, q, committed)));
            if (at > 0 && (o.oldestUnconsumedAt === 0 || at < o.oldestUnconsumedAt)) o.oldestUnconsumedAt = at;
          }
        }
        yield { group, topic, online, broadcasting, offsets: o };
      }
    }
  }
}

/** Client connections counted by language and version, named as RocketMQ 5.x labels them (lower case). */
function byClientKind(channels: Iterable<ClientChannel>): Array<{ language: string; version: string; count: number }> {
  const counts = new Map<string, { language: string; version: string; count: number }>();
  for (const ch of channels) {
    const language = ch.language.toLowerCase();
    const version = versionName(ch.version).toLowerCase();
    const k = key(language, version);
    const c = counts.get(k);
    if (c) c.count++;
    else counts.set(k, { language, version, count: 1 });
  }
  return [...counts.values()];
}

function sum(a: Float64Array): number {
  let n = 0;
  for (const v of a) n += v;
  return n;
}

