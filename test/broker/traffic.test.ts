/** The plain counters behind the broker's metrics: per-topic totals, size buckets, per-key rates. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DELAY, KeyedRates, NORMAL, TrafficCounters } from '../../src/broker/traffic.js';

test('TrafficCounters: messages and bytes by topic and type, sizes in RocketMQ 5.x buckets, pulls by group', () => {
  const t = new TrafficCounters();
  t.recordIn('A', NORMAL, 1, 500);
  t.recordIn('A', NORMAL, 4, 4 * 3000); // a batch: each counts as the average, 3000 bytes
  t.recordIn('A', DELAY, 1, 5 * 1024 * 1024);
  const a = t.in.get('A')!;
  assert.deepEqual([...a.messages], [5, 1, 0]);
  assert.deepEqual([...a.bytes], [500 + 12000, 5 * 1024 * 1024, 0]);
  // Buckets ≤1 KiB, ≤4 KiB, ≤512 KiB, ≤1 MiB, ≤2 MiB, ≤4 MiB, larger (not cumulative).
  assert.deepEqual([...TrafficCounters.sizesOf(a, NORMAL)], [1, 4, 0, 0, 0, 0, 0]);
  assert.deepEqual([...TrafficCounters.sizesOf(a, DELAY)], [0, 0, 0, 0, 0, 0, 1]);
  t.recordIn('B', NORMAL, 1, 1024); // the bound itself is in its bucket (le)
  assert.deepEqual([...TrafficCounters.sizesOf(t.in.get('B')!, NORMAL)], [1, 0, 0, 0, 0, 0, 0]);

  t.recordOut('g', 'A', 0, 10, 10, 1000);
  t.recordOut('g', 'A', 1, 3, 3, 300);
  t.recordOut('g', 'A', 0, 12, 2, 200);
  const o = t.out.get('g')!.get('A')!;
  assert.equal(o.messages, 15);
  assert.equal(o.bytes, 1500);
  assert.deepEqual([...o.pulledTo], [[0, 12], [1, 3]]);
});

test('KeyedRates: per-second rates over the snapshots of the last minute', () => {
  const totals = new Map<string, number>([['a', 0]]);
  const r = new KeyedRates(() => new Map(totals), 60_000, 10_000);
  assert.equal(r.rates(0).get('a'), 0, 'no snapshot yet');
  for (let s = 0; s <= 120; s += 10) {
    r.sample(s * 1000);
    totals.set('a', totals.get('a')! + (s < 60 ? 100 : 600)); // 10/s, then 60/s for the last minute
  }
  totals.set('b', 30); // a key first seen now counts from 0
  const rates = r.rates(130_000);
  // Seven snapshots are kept, the oldest from 60 s; since then the total grew 7 × 600 in 70 s.
  assert.equal(rates.get('a'), 60);
  assert.equal(rates.get('b'), 30 / 70);
});
