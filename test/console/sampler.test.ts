/**
 * The console's sample window: bounded (the oldest sample drops out), one sample per interval even
 * when pages ask for snapshots more often, down brokers left out of the plot, and ticks that stop.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Sampler, sampleOf } from '../../src/console/sampler.js';
import type { BrokerRow, ClusterSnapshot } from '../../src/console/cluster-view.js';

const broker = (brokerId: number, state: BrokerRow['state'], inTps?: number): BrokerRow => ({ cluster: 'c', brokerName: 'broker-a', brokerId, addr: `127.0.0.1:${10911 + brokerId}`, role: brokerId ? 'SLAVE' : 'ASYNC_MASTER', state, registeredOn: 1, inTps });
const snapshot = (at: number, brokers: BrokerRow[] = [broker(0, 'serving', at)]): ClusterSnapshot => ({ at, namesrvs: [], brokers });

test('the window keeps the last `capacity` samples, at most one per half interval', () => {
  const s = new Sampler(async () => snapshot(0), 1000, 3);
  for (const at of [0, 100, 1000, 2000, 3000, 3400, 4000]) s.record(snapshot(at));
  assert.deepEqual(s.samples().map((x) => x.at), [2000, 3000, 4000]);
  assert.equal(s.samples()[2]!.brokers['broker-a/0']!.inTps, 4000);
});

test('a broker that is down has no point in the sample (a gap in its line)', () => {
  const sample = sampleOf(snapshot(5, [broker(0, 'serving', 3), broker(1, 'down')]));
  assert.deepEqual(Object.keys(sample.brokers), ['broker-a/0']);
});

test('ticks take snapshots until stopped; a failing snapshot only leaves a gap', async () => {
  let calls = 0;
  const s = new Sampler(async () => {
    calls++;
    if (calls === 2) throw new Error('NameServer down');
    return snapshot(calls * 1000);
  }, 5, 100);
  s.start();
  const end = Date.now() + 5000;
  while (calls < 4 && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  s.stop();
  const after = calls;
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(calls, after, 'no tick after stop()');
  assert.ok(s.samples().length >= 2 && !s.samples().some((x) => x.at === 2000));
});
