/**
 * Scrapes a node's metrics endpoint over real HTTP and reads the text with an independent parser
 * (the npm package prom2javascript, not prom-client), so a test sees what Prometheus
 * would.
 */
import { request } from 'node:http';
import assert from 'node:assert/strict';
import { getMetricsFromIterator, type PromData, type PromHistogramData, type PromMetrics } from 'prom2javascript';

export interface HttpAnswer {
  status: number;
  contentType: string;
  body: string;
}

export function httpGet(address: string, path: string, method = 'GET'): Promise<HttpAnswer> {
  const [host, port] = splitAddress(address);
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method, timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} timed out`)));
    req.on('error', reject);
    req.end();
  });
}

function splitAddress(address: string): [string, number] {
  const i = address.lastIndexOf(':');
  return [address.slice(0, i), Number(address.slice(i + 1))];
}

const matches = (have: Record<string, string>, want: Record<string, string>): boolean => Object.entries(want).every(([k, v]) => have[k] === v);

export class Scrape {
  constructor(readonly text: string, private readonly metrics: PromMetrics) {}

  /** Whether the family is exposed (its TYPE line is there, samples or not). */
  has(name: string): boolean {
    return this.metrics[name] !== undefined;
  }

  private family(name: string, type?: string): PromMetrics[string] {
    const f = this.metrics[name];
    assert.ok(f, `metric ${name} is in the scrape`);
    if (type) assert.equal(f.type, type, `${name} is a ${type}`);
    return f;
  }

  /** Samples of a counter or gauge whose labels include every one of `labels`. */
  samples(name: string, labels: Record<string, string> = {}): PromData[] {
    const f = this.family(name);
    assert.ok(f.type === 'counter' || f.type === 'gauge', `${name} is a counter or gauge, not a ${f.type}`);
    return (f.data as PromData[]).filter((d) => matches(d.labels, labels));
  }

  /** Series of a histogram whose labels include every one of `labels`. */
  histogram(name: string, labels: Record<string, string> = {}): PromHistogramData[] {
    return (this.family(name, 'histogram').data as PromHistogramData[]).filter((d) => matches(d.labels, labels));
  }

  /** The value of the one sample of `name` matching `labels` (fails if there is none or several). */
  value(name: string, labels: Record<string, string> = {}): number {
    const found = this.samples(name, labels);
    assert.equal(found.length, 1, `exactly one ${name}${JSON.stringify(labels)}; found ${JSON.stringify(found)}`);
    return found[0]!.value;
  }

  /** The sum of the values of every sample of `name` matching `labels`. */
  sum(name: string, labels: Record<string, string> = {}): number {
    return this.samples(name, labels).reduce((n, m) => n + m.value, 0);
  }
}

export async function scrape(address: string): Promise<Scrape> {
  const r = await httpGet(address, '/metrics');
  assert.equal(r.status, 200, r.body);
  assert.match(r.contentType, /^text\/plain; version=0\.0\.4/);
  // The format allows NaN (prom-client writes one for an event-loop percentile before its first
  // sample); prom2javascript does not read it, so such lines are checked here and left out.
  const lines = r.body.split('\n');
  const nan = lines.filter((l) => / NaN$/.test(l));
  for (const l of nan) assert.match(l, /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? NaN$/);
  return new Scrape(r.body, await getMetricsFromIterator(lines.filter((l) => !/ NaN$/.test(l))[Symbol.iterator]()));
}
