/**
 * The metrics endpoint scrapes itself right after its bind, so the first scrape by Prometheus does
 * not meet a send path compiled for remoting sockets alone (bench/README.md, "Session 11"). The
 * warm-up must really run, must never hold a node's start for long, and must not break the endpoint
 * when the node cannot answer yet.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MetricsEndpoint, type EndpointSource } from '../../src/metrics/http-endpoint.js';
import { logger, setLogLevel } from '../../src/common/logger.js';
import { httpGet } from './scrape.js';

function countingSource(metrics: () => Promise<{ contentType: string; text: string }>): EndpointSource & { calls: { metrics: number; ready: number } } {
  const calls = { metrics: 0, ready: 0 };
  return {
    calls,
    metrics: () => {
      calls.metrics++;
      return metrics();
    },
    notReadyReason: () => {
      calls.ready++;
      return undefined;
    },
  };
}

const options = (warmUp?: boolean) => ({ host: '127.0.0.1', port: 0, what: 'test metrics', log: logger('broker', 'warm-up-test'), ...(warmUp === undefined ? {} : { warmUp }) });
const text = async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', text: 'apogee_up 1\n' });

test('metrics endpoint: serves /metrics and /readyz to itself twice before listen() returns, then answers others', async () => {
  const source = countingSource(text);
  const endpoint = new MetricsEndpoint(options(), source);
  await endpoint.listen();
  try {
    assert.equal(source.calls.metrics, 2, 'two self-scrapes of /metrics');
    assert.equal(source.calls.ready, 2, 'two self-requests of /readyz');
    const m = await httpGet(endpoint.address, '/metrics');
    assert.equal(m.status, 200);
    assert.equal(m.body, 'apogee_up 1\n');
    assert.equal(source.calls.metrics, 3);
  } finally {
    await endpoint.close();
  }
});

test('metrics endpoint: warmUp false serves nothing to itself', async () => {
  const source = countingSource(text);
  const endpoint = new MetricsEndpoint(options(false), source);
  await endpoint.listen();
  try {
    assert.deepEqual(source.calls, { metrics: 0, ready: 0 });
  } finally {
    await endpoint.close();
  }
});

// Without the warm-up's deadline the hanging case never returns from listen(): the test's own
// timeout fails it, so no wall-clock figure is asserted here.
test('metrics endpoint: a node whose metrics fail or never come still starts, within the warm-up deadline', { timeout: 15_000 }, async () => {
  setLogLevel('silent');
  const failing = new MetricsEndpoint(options(), countingSource(async () => Promise.reject(new Error('store not open'))));
  await failing.listen();
  try {
    assert.equal((await httpGet(failing.address, '/metrics')).status, 500);
  } finally {
    await failing.close();
  }
  const hanging = new MetricsEndpoint(options(), countingSource(() => new Promise(() => {})));
  await hanging.listen();
  try {
    assert.equal((await httpGet(hanging.address, '/healthz')).status, 200, 'still answers');
  } finally {
    await hanging.close();
  }
});
