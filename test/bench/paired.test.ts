/** The before/after summary of bench:peers --ab: what it calls within, outside, or undecided at 5 %. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { median, pairedFigure } from '../../bench/paired.js';

test('identical pairs: ratio 1, a zero-width interval, within 5 %', () => {
  const f = pairedFigure([10, 12, 9, 11], [10, 12, 9, 11])!;
  assert.equal(f.pairs, 4);
  assert.equal(f.ratio, 1);
  assert.deepEqual([f.low, f.high], [1, 1]);
  assert.equal(f.verdict, 'within');
});

test('every pair 20 % slower: outside 5 %, whatever the level of each pair', () => {
  const before = [100, 50, 80, 120, 90, 70];
  const f = pairedFigure(before, before.map((x) => x * 1.2))!;
  assert.ok(Math.abs(f.ratio - 1.2) < 1e-9, String(f.ratio));
  assert.equal(f.verdict, 'outside');
  assert.equal(f.beforeMedian, median(before));
});

test('pairs that disagree widely: undecided, the interval straddling the 5 % bounds', () => {
  const f = pairedFigure([1, 1, 1, 1, 1, 1], [1.3, 0.75, 1.25, 0.8, 1.2, 0.85])!;
  assert.equal(f.verdict, 'undecided');
  assert.ok(f.low < 1 / 1.05 || f.high > 1.05, `${f.low}–${f.high}`);
});

test('small steady differences are within 5 %; a pair with a missing or zero figure is left out', () => {
  const f = pairedFigure([100, 100, 100, 100, NaN, 100], [101, 99, 102, 100, 100, 0])!;
  assert.equal(f.pairs, 4);
  assert.equal(f.verdict, 'within');
  assert.equal(pairedFigure([NaN], [1]), undefined);
});

test('the interval is the same each time for the same pairs (seeded resampling)', () => {
  const b = [3, 4, 5, 6, 7];
  const a = [3.3, 3.9, 5.6, 6.1, 7.4];
  assert.deepEqual(pairedFigure(b, a), pairedFigure(b, a));
});
