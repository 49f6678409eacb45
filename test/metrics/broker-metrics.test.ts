/**
 * A broker's and a NameServer's /metrics under a known load, scraped over HTTP and read with an
 * independent Prometheus text parser: N messages of known sizes sent with the SDK, the first M of
 * them consumed by a push consumer, then every naming scheme (rocketmq-exporter's, RocketMQ 5.x's,
 * apogee_*) checked against that load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../helpers/fixtures.js';
import { startCluster } from '../helpers/cluster.js';
import { Producer } from '../../src/client/producer.js';
import { PushConsumer } from '../../src/client/push-consumer.js';
import { setLogLevel } from '../../src/common/logger.js';
import { fastOptions, unique, until } from '../client/helpers/e2e.js';
import { httpGet, scrape, type Scrape } from './scrape.js';

const SMALL = 20; // bodies of 100 bytes: records under 1 KiB
const BIG = 7; // bodies of 5000 bytes: records between 4 KiB and 512 KiB

test('broker and NameServer /metrics count a known load in every naming scheme', async () => {
  setLogLevel('warn');
  const cluster = await startCluster({ brokerName: 'broker-m' });
  const producer = new Producer({ ...fastOptions(cluster.namesrvAddr), producerGroup: unique('pg') });
  const topic = unique('MetricsTopic');
  const group = unique('MetricsGroup');
  const consumer = new PushConsumer({ ...fastOptions(cluster.namesrvAddr), consumerGroup: group, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  try {
    const broker = cluster.broker;
    const at = broker.metricsAddress!;
    assert.ok(at, 'the broker serves metrics by default');
    assert.equal((await httpGet(at, '/healthz')).body, 'ok\n');
    assert.equal((await httpGet(at, '/readyz')).status, 200);

    await producer.start();
    const store = broker.context.store;
    // The commit-log bytes the sends add are exactly what the broker stored for the topic.
    let stored = 0;
    const sendAll = async (n: number, size: number): Promise<void> => {
      const before = store.maxPhyOffset();
      // Random bodies: the SDK compresses bodies over 4 KiB, and random bytes stay their size.
      for (let i = 0; i < n; i++) await producer.send({ topic, body: randomBytes(size) });
      stored += store.maxPhyOffset() - before;
    };
    await sendAll(SMALL, 100);

    // The consumer takes the first SMALL messages and commits them; then BIG more arrive unconsumed.
    let consumed = 0;
    consumer.subscribe(topic, '*').registerMessageListener((msgs) => void (consumed += msgs.length));
    await consumer.start();
    await until(() => consumed === SMALL, `${SMALL} messages consumed`);
    await until(async () => (await scrape(at)).samples('rocketmq_consumer_offset', { topic, group }).some((s) => s.value === SMALL), 'the consumer to commit its offsets');
    // Caught up, the consumer's pulls are held (long polling): their latency is a series of its own.
    await until(async () => (await scrape(at)).histogram('rocketmq_rpc_latency', { request_code: 'pull_message', is_long_polling: 'true' }).length > 0, 'a held pull to be answered');
    const online = await scrape(at);
    assert.equal(online.value('rocketmq_consumer_connections', { node_id: 'broker-m', consumer_group: group, consume_mode: 'push' }), 1);
    assert.equal(online.value('rocketmq_group_count', { group }), 1);
    assert.ok(online.sum('rocketmq_producer_connections', { node_id: 'broker-m' }) >= 1);
    await consumer.shutdown();
    await sendAll(BIG, 5000);
    const total = SMALL + BIG;

    const m = await scrape(at);
    const otel = { cluster: 'DefaultCluster', node_type: 'broker', node_id: 'broker-m' };

    // RocketMQ 5.x's scheme.
    assert.equal(m.value('rocketmq_messages_in_total', { ...otel, topic, message_type: 'Normal' }), total);
    assert.equal(m.value('rocketmq_throughput_in_total', { ...otel, topic }), stored);
    const size = m.histogram('rocketmq_message_size', { ...otel, topic, message_type: 'Normal' });
    assert.equal(size.length, 1);
    assert.equal(size[0]!.count, total);
    assert.equal(size[0]!.sum, stored);
    assert.equal(size[0]!.buckets['1024'], SMALL, 'the small records fall under 1 KiB');
    assert.equal(size[0]!.buckets['4096'], SMALL, 'the big ones above 4 KiB');
    assert.equal(size[0]!.buckets['524288'], total);
    assert.equal(size[0]!.buckets['+Inf'], total);
    assert.equal(m.value('rocketmq_messages_out_total', { ...otel, topic, consumer_group: group }), SMALL);
    assert.ok(m.value('rocketmq_throughput_out_total', { topic, consumer_group: group }) > SMALL * 100);
    assert.equal(m.value('rocketmq_consumer_lag_messages', { topic, consumer_group: group, is_retry: 'false' }), BIG);
    assert.equal(m.value('rocketmq_consumer_inflight_messages', { topic, consumer_group: group, is_retry: 'false' }), 0);
    assert.ok(m.value('rocketmq_consumer_lag_latency', { topic, consumer_group: group, is_retry: 'false' }) >= 0);
    assert.equal(m.value('rocketmq_topic_number', otel), broker.context.topics.all().size);
    assert.equal(m.value('rocketmq_consumer_group_number', otel), broker.context.groups.all().size);
    assert.ok(m.value('rocketmq_storage_size', otel) > stored, 'the store on disk holds at least what was stored');
    assert.equal(m.value('rocketmq_storage_dispatch_behind_bytes', otel), store.dispatchBehindBytes());
    assert.ok(m.has('rocketmq_storage_flush_behind_bytes'));
    const sendCodes = m.histogram('rocketmq_rpc_latency', { ...otel, request_code: 'send_message_v2', response_code: 'success' });
    assert.equal(sendCodes.length, 1, 'the SDK sends with SEND_MESSAGE_V2');
    assert.equal(sendCodes[0]!.count, total);
    assert.equal(m.value('apogee_requests_total', { request_code: 'send_message_v2', response_code: 'success' }), total);

    // rocketmq-exporter's scheme.
    const exp = { cluster: 'DefaultCluster', broker: 'broker-m' };
    assert.equal(m.value('rocketmq_producer_offset', { ...exp, topic }), total);
    assert.equal(m.value('rocketmq_topic_offset', { ...exp, topic }), total);
    assert.equal(m.value('rocketmq_consumer_offset', { ...exp, topic, group }), SMALL);
    assert.equal(m.value('rocketmq_group_diff', { group, topic, msgModel: '1' }), BIG);
    assert.equal(m.value('rocketmq_group_diff', { group, topic }), BIG);
    assert.ok(m.samples('rocketmq_group_retrydiff', { group }).every((s) => s.value === 0), 'nothing was sent back for retry');
    assert.ok(m.value('rocketmq_group_get_latency_by_storetime', { ...exp, topic, group }) >= 0);
    assert.ok(m.value('rocketmq_producer_tps', { ...exp, topic }) >= 0);
    assert.ok(m.value('rocketmq_consumer_tps', { ...exp, topic, group }) >= 0);
    assert.ok(m.has('rocketmq_producer_put_size') && m.has('rocketmq_consumer_get_size') && m.has('rocketmq_group_count') && m.has('rocketmq_group_dlqdiff'));
    assert.ok(m.samples('rocketmq_broker_tps', { ...exp, brokerIP: broker.brokerAddr }).length === 1);
    assert.ok(m.samples('rocketmq_broker_qps', { ...exp, brokerIP: broker.brokerAddr }).length === 1);
    const rt = { cluster: 'DefaultCluster', brokerIP: broker.brokerAddr };
    assert.equal(m.value('rocketmq_brokeruntime_msg_put_total_today_now', rt), broker.context.stats.putMessages);
    assert.ok(broker.context.stats.putMessages >= total);
    assert.equal(m.value('rocketmq_brokeruntime_msg_gettotal_today_now', rt), broker.context.stats.getTransferred);
    assert.equal(m.value('rocketmq_brokeruntime_commitlog_maxoffset', rt), store.maxPhyOffset());
    assert.ok(m.value('rocketmq_brokeruntime_put_message_average_size', rt) > 0);
    const ratio = m.value('rocketmq_brokeruntime_commitlog_disk_ratio', rt);
    assert.ok(ratio > 0 && ratio < 1, `disk ratio ${ratio}`);
    assert.ok(m.has('rocketmq_brokeruntime_dispatch_behind_bytes'));

    // Apogee's own, and prom-client's process metrics.
    assert.equal(m.value('apogee_write_state', { state: 'serving' }), 1);
    assert.equal(m.value('apogee_write_state', { state: 'draining' }), 0);
    assert.equal(m.value('apogee_sends_in_flight'), 0);
    assert.equal(m.value('apogee_namesrv_registered', { namesrv: cluster.namesrvAddr }), 1);
    assert.equal(m.value('apogee_ready'), 1);
    assert.equal(m.samples('apogee_build_info', { node_id: 'broker-m' }).length, 1);
    assert.equal(m.value('apogee_replication_slaves'), 0);
    assert.ok(m.has('nodejs_eventloop_lag_seconds'), 'event-loop delay');
    assert.ok(m.has('nodejs_gc_duration_seconds'), 'GC pauses');
    assert.ok(m.has('process_resident_memory_bytes'));

    // The NameServer: the broker registered, the topic routed, requests by code.
    const nsAt = cluster.namesrv.metricsAddress!;
    assert.equal((await httpGet(nsAt, '/readyz')).status, 200);
    const ns = await scrape(nsAt);
    assert.equal(ns.value('apogee_namesrv_brokers', { cluster: 'DefaultCluster', role: 'master' }), 1);
    assert.equal(ns.value('apogee_namesrv_broker_info', { broker: 'broker-m', addr: broker.brokerAddr }), 1);
    assert.equal(ns.value('apogee_namesrv_topics'), cluster.namesrv.routes.allTopics().length);
    assert.ok(cluster.namesrv.routes.allTopics().includes(topic));
    assert.ok(ns.value('apogee_requests_total', { request_code: 'register_broker', response_code: 'success' }) >= 1);
    assert.ok(ns.sum('apogee_requests_total', { request_code: 'get_routeinfo_by_topic' }) >= 1);
    assert.ok(ns.has('nodejs_eventloop_lag_seconds'));

    // The Grafana dashboard we ship queries only metrics the nodes expose.
    const dashboard = readFileSync(join(projectRoot(), 'docs', 'grafana', 'apogee-dashboard.json'), 'utf8');
    const used = new Set(dashboard.match(/\b(rocketmq|apogee|nodejs|process)_[a-z0-9_]+/g));
    assert.ok(used.size > 15);
    const exposed = (name: string): boolean => [m, ns].some((s) => s.has(name));
    for (const name of used) assert.ok(exposed(name) || exposed(name.replace(/_(bucket|sum|count)$/, '')), `the dashboard's ${name} is exposed`);
  } finally {
    await consumer.shutdown();
    await producer.shutdown();
    await cluster.stop();
  }
});

test('rocketmq_rpc_latency as a parser reads it back: cumulative buckets ending at the count, by request code', async () => {
  setLogLevel('warn');
  const cluster = await startCluster({ brokerName: 'broker-h' });
  const producer = new Producer({ ...fastOptions(cluster.namesrvAddr), producerGroup: unique('pg') });
  try {
    await producer.start();
    for (let i = 0; i < 5; i++) await producer.send({ topic: unique('H'), body: 'x' });
    const m: Scrape = await scrape(cluster.broker.metricsAddress!);
    const series = m.histogram('rocketmq_rpc_latency');
    assert.ok(series.length >= 1);
    for (const s of series) {
      const counts = Object.entries(s.buckets).map(([le, n]) => [le === '+Inf' ? Infinity : Number(le), n] as const).sort((a, b) => a[0] - b[0]);
      assert.deepEqual(counts.map(([le]) => le), [1, 3, 5, 10, 100, 1000, 3000, 5000, Infinity]);
      for (let i = 1; i < counts.length; i++) assert.ok(counts[i]![1] >= counts[i - 1]![1], 'cumulative');
      assert.equal(counts.at(-1)![1], s.count);
      assert.ok(s.sum! >= 0);
    }
    assert.equal(m.histogram('rocketmq_rpc_latency', { request_code: 'send_message_v2' })[0]!.count, 5);
  } finally {
    await producer.shutdown();
    await cluster.stop();
  }
});
