/**
 * The metrics endpoint serves HTTP from a worker thread and asks the node's thread only for answers,
 * so no scrape runs Node's HTTP code on the thread that sends messages (why: http-endpoint.ts).
 * These tests hold that split, and what it must not cost: a bind failure is still one line from
 * listen(), a node that cannot answer still leaves the endpoint answering, and close() leaves nothing
 * running.
 */
import { test } from 'node:test';
import type { Worker } from 'node:worker_threads';
import assert from 'node:assert/strict';
import { connect, createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { MetricsEndpoint, type EndpointSource } from '../../src/metrics/http-endpoint.js';
import { logger, setLogLevel } from '../../src/common/logger.js';
import { httpGet } from './scrape.js';

interface Calls {
  metrics: number;
  ready: number;
}

function source(metrics: () => Promise<{ contentType: string; text: string }>, notReady: () => string | undefined = () => undefined): EndpointSource & { calls: Calls } {
  const calls = { metrics: 0, ready: 0 };
  return {
    calls,
    metrics: () => {
      calls.metrics++;
      return metrics();
    },
    notReadyReason: () => {
      calls.ready++;
      return notReady();
    },
  };
}

const options = (extra: { port?: number; answerTimeoutMs?: number; warmUp?: boolean } = {}) => ({ host: '127.0.0.1', port: 0, what: 'test metrics', log: logger('broker', 'endpoint-thread-test'), ...extra });
const text = async () => ({ contentType: 'text/plain; version=0.0.4; charset=utf-8', text: 'apogee_up 1\n' });
const servers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;

test('metrics endpoint: the HTTP server runs off the node thread, and every answer comes from the node', async () => {
  const before = servers();
  let ready: string | undefined = 'store not recovered';
  const src = source(text, () => ready);
  const endpoint = new MetricsEndpoint(options(), src);
  await endpoint.listen();
  try {
    assert.notEqual(endpoint.port, 0, 'the bound port is known after listen()');
    assert.equal(servers(), before, 'no listening socket on the node thread');
    assert.deepEqual(src.calls, { metrics: 1, ready: 0 }, 'the warm-up rendered the metrics once, in this thread');
    const m = await httpGet(endpoint.address, '/metrics');
    assert.deepEqual([m.status, m.contentType, m.body], [200, 'text/plain; version=0.0.4; charset=utf-8', 'apogee_up 1\n']);
    assert.deepEqual((await httpGet(endpoint.address, '/readyz')).body, 'not ready: store not recovered\n');
    ready = undefined;
    assert.deepEqual(await httpGet(endpoint.address, '/readyz').then((r) => [r.status, r.body]), [200, 'ready\n']);
    assert.deepEqual(src.calls, { metrics: 2, ready: 2 });
    assert.equal((await httpGet(endpoint.address, '/metrics', 'HEAD')).body, '');
    assert.equal((await httpGet(endpoint.address, '/other')).status, 404);
    assert.equal((await httpGet(endpoint.address, '/metrics', 'POST')).status, 405);
    assert.equal(src.calls.metrics, 3, 'HEAD asked, 404 and 405 did not');
  } finally {
    await endpoint.close();
  }
  const refused = await new Promise<string>((resolve) => {
    const s = connect(endpoint.port, '127.0.0.1', () => {
      s.destroy();
      resolve('connected');
    });
    s.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
  assert.equal(refused, 'ECONNREFUSED', 'closed means closed');
  await endpoint.close(); // twice is harmless
});

test('metrics endpoint: warmUp false renders nothing before the first scrape', async () => {
  const src = source(text);
  const endpoint = new MetricsEndpoint(options({ warmUp: false }), src);
  await endpoint.listen();
  try {
    assert.deepEqual(src.calls, { metrics: 0, ready: 0 });
  } finally {
    await endpoint.close();
  }
});

// Without the warm-up's deadline the hanging endpoint's listen() never returns: the test's own
// timeout fails it, so no wall-clock figure is asserted here.
test('metrics endpoint: failing or never-coming metrics neither hold up the start nor take /healthz down', { timeout: 15_000 }, async () => {
  setLogLevel('silent');
  const failing = new MetricsEndpoint(options(), source(async () => Promise.reject(new Error('store not open'))));
  await failing.listen();
  try {
    assert.deepEqual(await httpGet(failing.address, '/metrics').then((r) => [r.status, r.body]), [500, 'metrics collection failed: store not open\n']);
  } finally {
    await failing.close();
  }
  const hanging = new MetricsEndpoint(options({ answerTimeoutMs: 200 }), source(() => new Promise(() => {})));
  await hanging.listen();
  try {
    assert.equal((await httpGet(hanging.address, '/healthz')).status, 200, 'still answers');
    assert.equal((await httpGet(hanging.address, '/metrics')).status, 503, 'an unanswered scrape ends');
  } finally {
    await hanging.close();
  }
});

test('metrics endpoint: a node thread that stops answering gets 503 instead of a hung scrape', async () => {
  // notReadyReason() blocks the node's thread for longer than the answer timeout, as a stuck event
  // loop would: the worker answers 503 without it, and the late answer is dropped.
  const stuck = () => {
    const until = Date.now() + 600;
    while (Date.now() < until);
    return undefined;
  };
  const endpoint = new MetricsEndpoint(options({ answerTimeoutMs: 100 }), source(text, stuck));
  await endpoint.listen();
  try {
    const r = await httpGet(endpoint.address, '/readyz');
    assert.equal(r.status, 503);
    assert.match(r.body, /^not answering: the node gave no answer within 100 ms\n$/);
    assert.equal((await httpGet(endpoint.address, '/metrics')).status, 200, 'answers again once the node does');
  } finally {
    await endpoint.close();
  }
});

test('metrics endpoint: a node outlives its endpoint thread, which comes back on the same port', { timeout: 30_000 }, async () => {
  setLogLevel('silent');
  const endpoint = new MetricsEndpoint(options(), source(text));
  await endpoint.listen();
  try {
    const port = endpoint.port;
    // The thread is private: reach it as a crash would, from outside the endpoint's API.
    const thread = (endpoint as unknown as { worker: Worker }).worker;
    await thread.terminate();
    let answer: number | string = 'never tried';
    for (let i = 0; i < 100 && answer !== 200; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      answer = await httpGet(endpoint.address, '/metrics').then((r) => r.status, (err: Error) => err.message);
    }
    assert.equal(answer, 200, 'serves again');
    assert.equal(endpoint.port, port, 'on the same port');
    assert.notEqual((endpoint as unknown as { worker: Worker }).worker, thread, 'from a new thread');
  } finally {
    await endpoint.close();
  }
});

test('metrics endpoint: a taken port is one clear error from listen(), and no thread is left behind', async () => {
  const taken: Server = createServer();
  await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
  const port = (taken.address() as AddressInfo).port;
  try {
    const endpoint = new MetricsEndpoint(options({ port }), source(text));
    await assert.rejects(endpoint.listen(), (err: Error & { code?: string }) => {
      assert.equal(err.message, `test metrics cannot listen on 127.0.0.1:${port}: address already in use (another process has this port)`);
      assert.equal(err.code, 'EADDRINUSE');
      return true;
    });
    await endpoint.close();
  } finally {
    await new Promise<void>((resolve) => taken.close(() => resolve()));
  }
});
