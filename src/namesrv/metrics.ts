/**
 * What a NameServer's `/metrics` shows, read at scrape time: the brokers registered and the topics
 * routed, requests by code (rocketmq_rpc_latency, apogee_requests_total), its release, and
 * prom-client's process metrics (event-loop lag, GC pauses, memory, CPU).
 */
import { Registry } from 'prom-client';
import { PRODUCT_RELEASE, RELEASE } from '../common/release.js';
import { SERVER_VERSION, versionName } from '../protocol/version.js';
import type { RequestTimings } from '../transport/request-timings.js';
import { processMetrics, registerRequestMetrics, scrapedGauge, type Labels } from '../metrics/collect.js';
import type { RouteInfo } from './route-info.js';

export interface NamesrvMetricsSource {
  routes: RouteInfo;
  timings: RequestTimings;
  /** `host:port` the NameServer listens on (its node_id). */
  nodeId: string;
  ready(): boolean;
}

export function namesrvMetrics(source: NamesrvMetricsSource): Registry {
  const r = new Registry();
  processMetrics(); // GC pauses are observed from now on, not from the first scrape
  const node: Labels = { node_type: 'nameserver', node_id: source.nodeId };
  registerRequestMetrics(r, source.timings, node);
  scrapedGauge(r, 'apogee_build_info', 'The Apogee release this node runs and the RocketMQ version it answers as (always 1)', ['version', 'release', 'wire_version', 'node_type', 'node_id'], (emit) =>
    emit({ version: RELEASE, release: PRODUCT_RELEASE, wire_version: versionName(SERVER_VERSION), ...node }, 1),
  );
  scrapedGauge(r, 'apogee_ready', '1 when /readyz answers 200 (listening)', [], (emit) => emit({}, source.ready() ? 1 : 0));
  scrapedGauge(r, 'apogee_namesrv_brokers', 'Brokers registered and alive, by cluster and role', ['cluster', 'role'], (emit) => {
    const counts = new Map<string, number>();
    for (const b of source.routes.liveBrokers()) {
      const k = `${b.clusterName}\u0000${b.brokerId === 0 ? 'master' : 'slave'}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    for (const [k, n] of counts) {
      const [cluster, role] = k.split('\u0000');
      emit({ cluster: cluster!, role: role! }, n);
    }
  });
  scrapedGauge(r, 'apogee_namesrv_broker_info', 'One series per registered broker (always 1): its cluster, name, id, address and wire version', ['cluster', 'broker', 'broker_id', 'addr', 'version'], (emit) => {
    for (const b of source.routes.liveBrokers()) emit({ cluster: b.clusterName, broker: b.brokerName, broker_id: String(b.brokerId), addr: b.brokerAddr, version: versionName(b.version) }, 1);
  });
  scrapedGauge(r, 'apogee_namesrv_broker_last_update_seconds', 'Seconds since each broker last registered (brokers are dropped after brokerChannelExpiredTime)', ['broker', 'broker_id', 'addr'], (emit) => {
    const now = Date.now();
    for (const b of source.routes.liveBrokers()) emit({ broker: b.brokerName, broker_id: String(b.brokerId), addr: b.brokerAddr }, Math.max(0, (now - b.lastUpdate) / 1000));
  });
  scrapedGauge(r, 'apogee_namesrv_topics', 'Topics with routes on this NameServer', [], (emit) => emit({}, source.routes.allTopics().length));
  scrapedGauge(r, 'apogee_namesrv_clusters', 'Clusters with brokers on this NameServer', [], (emit) => emit({}, source.routes.clusterInfo().clusterAddrTable.size));
  return r;
}
