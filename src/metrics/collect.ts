/**
 * prom-client metrics whose values are read when a scrape comes, from the plain counters and state
 * a node keeps anyway: nothing on the send/pull path ever calls prom-client.
 */
import { Registry, collectDefaultMetrics } from 'prom-client';
import { isKnownRequestCode, requestCodeName } from '../protocol/request-code.js';
import { isKnownResponseCode, responseCodeName } from '../protocol/response-code.js';
import { renderFamily, type Labels } from './text-format.js';
import { nextTurn } from './slices.js';
import { NO_RESPONSE, RPC_LATENCY_BUCKETS_MS, type RequestTiming, type RequestTimings } from '../transport/request-timings.js';

export type { Labels };

/** A metric that renders its own text (a family of series filled at scrape time). */
const RENDER_TEXT = Symbol('renderText');
interface ScrapedMetric {
  name: string;
  help: string;
  type: string;
  aggregator: 'sum';
  get(): Promise<{ name: string; help: string; type: string; aggregator: 'sum'; values: Array<{ labels: Labels; value: number }> }>;
  [RENDER_TEXT](): Promise<string>;
}
export type Emit = (labels: Labels, value: number) => void;

/**
 * `base` with `extra` after it, in that key order. An object spread followed by more keys
 * (`{ ...base, topic }`) took V8's slow path here, ~3 µs a series: 15–25 ms for a family of
 * 5,000 series, in one block of the event loop.
 */
export function withLabels(base: Labels, extra: Labels): Labels {
  return Object.assign({}, base, extra);
}

/** The registry's text exposition, then the process metrics. */
export async function exposition(registry: Registry): Promise<{ contentType: string; text: string }> {
  const own = await renderInTurns(registry);
  return { contentType: registry.contentType, text: `${own}\n\n${await processMetricsText()}\n` };
}

/**
 * A registry's families in prom-client's layout (apart by a blank line), one family per turn of the
 * event loop: a whole scrape at once (1–3 ms) held up every send and pull that arrived meanwhile,
 * enough to raise the broker's p99 latency by 40 % when it was scraped every second.
 */
export async function renderInTurns(registry: Registry): Promise<string> {
  const families: string[] = [];
  for (const metric of registry.getMetricsAsArray()) {
    await nextTurn();
    const own = (metric as unknown as Partial<ScrapedMetric>)[RENDER_TEXT];
    const family = own ? await own() : await registry.getSingleMetricAsString(metric.name);
    // prom-client writes a NaN (an event-loop percentile before its first sample) as `Nan`;
    // Prometheus reads any case, stricter parsers only the format's `NaN`.
    families.push(family.includes(' Nan') ? family.replace(/ Nan$/gm, ' NaN') : family);
  }
  return families.join('\n\n');
}

/** How old the process metrics a scrape shows may be (ms). */
const PROCESS_METRICS_MAX_AGE_MS = 1000;
let processText: { at: number; text: Promise<string> } | undefined;

/**
 * The process metrics, rendered at most once a second and shared by every endpoint of the process:
 * they are half of a scrape's work (event-loop percentiles, heap spaces, file descriptors), and
 * `apogee start` serves a NameServer and a broker endpoint from one process, scraped back to back.
 */
function processMetricsText(): Promise<string> {
  const now = performance.now();
  if (!processText || now - processText.at > PROCESS_METRICS_MAX_AGE_MS) processText = { at: now, text: renderInTurns(processMetrics()) };
  return processText.text;
}

let processRegistry: Registry | undefined;

/**
 * prom-client's process metrics (event-loop lag, GC pauses, memory, CPU), collected once per process
 * and shown by every endpoint of it: `apogee start` runs a NameServer and a broker in one process, and
 * each set of collectors adds its own GC observer and event-loop timer.
 */
export function processMetrics(): Registry {
  if (!processRegistry) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}

/**
 * A gauge filled at scrape time: `fill` emits every series it has now; one it does not emit is
 * absent (stale series disappear, a master shows no slave-only gauge).
 */
export function scrapedGauge(registry: Registry, name: string, help: string, labelNames: readonly string[], fill: (emit: Emit) => void): void {
  scraped(registry, 'gauge', name, help, labelNames, fill, (_was, value) => value);
}

/** A counter filled at scrape time from totals the node keeps (they only grow while it runs). */
export function scrapedCounter(registry: Registry, name: string, help: string, labelNames: readonly string[], fill: (emit: Emit) => void): void {
  scraped(registry, 'counter', name, help, labelNames, fill, (was, value) => was + value);
}

/**
 * A metric that hands its series straight to the registry's text writer. prom-client's own Gauge
 * and Counter would validate and hash every label set on each scrape, to keep values nobody reads
 * between scrapes; a scrape here builds its series afresh, so that bookkeeping is only its cost.
 * A series emitted twice is one series (a gauge keeps the last value, a counter the sum), as
 * prom-client's set() and inc() would have it.
 */
function scraped(
  registry: Registry,
  type: 'gauge' | 'counter',
  name: string,
  help: string,
  labelNames: readonly string[],
  fill: (emit: Emit) => void,
  merge: (was: number, value: number) => number,
): void {
  const series = (): Array<{ labels: Labels; value: number }> => {
    const values: Array<{ labels: Labels; value: number }> = [];
    const index = new Map<string, number>();
    fill((labels, value) => {
      const k = labelNames.length === 0 ? '' : labelNames.map((n) => labels[n] ?? '').join('\u0000');
      const at = index.get(k);
      if (at === undefined) {
        index.set(k, values.length);
        values.push({ labels, value });
      } else {
        values[at]!.value = merge(values[at]!.value, value);
      }
    });
    return values;
  };
  const metric: ScrapedMetric = {
    name,
    help,
    type,
    aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: series() }),
    [RENDER_TEXT]: () => renderFamily(name, help, type, series()),
  };
  registry.registerMetric(metric as unknown as Parameters<Registry['registerMetric']>[0]);
}

export interface HistogramSeries {
  labels: Labels;
  /** Observations per bucket of `bounds`, plus one overflow bucket at the end (not cumulative). */
  buckets: ArrayLike<number>;
  sum: number;
  count: number;
}

/**
 * A histogram whose buckets are counted elsewhere (in plain arrays on the hot path) and only
 * rendered here. prom-client's registry takes any metric object with a name and `get()`.
 */
export function scrapedHistogram(
  registry: Registry,
  name: string,
  help: string,
  bounds: readonly number[],
  series: () => Iterable<HistogramSeries>,
): void {
  registry.registerMetric({
    name,
    help,
    type: 'histogram',
    aggregator: 'sum',
    get: async () => {
      const values: Array<{ metricName: string; labels: Record<string, string | number>; value: number }> = [];
      for (const s of series()) {
        let cumulative = 0;
        bounds.forEach((le, i) => {
          cumulative += s.buckets[i] ?? 0;
          values.push({ metricName: `${name}_bucket`, labels: withLabels(s.labels, { le: String(le) }), value: cumulative });
        });
        values.push({ metricName: `${name}_bucket`, labels: withLabels(s.labels, { le: '+Inf' }), value: s.count });
        values.push({ metricName: `${name}_sum`, labels: s.labels, value: s.sum });
        values.push({ metricName: `${name}_count`, labels: s.labels, value: s.count });
      }
      return { name, help, type: 'histogram', aggregator: 'sum', values };
    },
  } as unknown as Parameters<Registry['registerMetric']>[0]);
}

/** RocketMQ's label value for a request code: its name in lower case (`send_message_v2`), else the number. */
export function requestCodeLabel(code: number): string {
  return isKnownRequestCode(code) ? requestCodeName(code).toLowerCase() : String(code);
}

export function responseCodeLabel(code: number): string {
  if (code === NO_RESPONSE) return 'none';
  return isKnownResponseCode(code) ? responseCodeName(code).toLowerCase() : String(code);
}

/**
 * `rocketmq_rpc_latency` (RocketMQ 5.x, milliseconds, by request and response code, held pulls
 * apart as is_long_polling="true") and
 * `apogee_requests_total`, both from the remoting servers' timings.
 */
export function registerRequestMetrics(registry: Registry, timings: RequestTimings, base: Labels): void {
  const all = (): IterableIterator<RequestTiming> => timings.all();
  scrapedHistogram(registry, 'rocketmq_rpc_latency', 'Remoting request latency in milliseconds, by request and response code', RPC_LATENCY_BUCKETS_MS, function* () {
    for (const t of all()) {
      yield {
        labels: withLabels(base, { protocol_type: 'remoting', request_code: requestCodeLabel(t.requestCode), response_code: responseCodeLabel(t.responseCode), is_long_polling: String(t.longPolling) }),
        buckets: t.buckets,
        sum: t.sumMs,
        count: t.count,
      };
    }
  });
  scrapedCounter(registry, 'apogee_requests_total', 'Remoting requests answered, by request code and response code', ['request_code', 'response_code'], (emit) => {
    // Held and immediate pulls with the same answer are one series here.
    const totals = new Map<string, number>();
    for (const t of all()) {
      const k = `${requestCodeLabel(t.requestCode)}\u0000${responseCodeLabel(t.responseCode)}`;
      totals.set(k, (totals.get(k) ?? 0) + t.count);
    }
    for (const [k, n] of totals) {
      const [request_code, response_code] = k.split('\u0000');
      emit({ request_code: request_code!, response_code: response_code! }, n);
    }
  });
}
