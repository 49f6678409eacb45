import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PendingTable } from '../../src/transport/pending-table.js';

test('pending table: agrees with a Map through growth, wrap-around, out-of-order takes and sweeps', () => {
  const table = new PendingTable<{ id: number; deadline: number }>(16);
  const ref = new Map<number, { id: number; deadline: number }>();
  let seed = 11;
  const rand = (n: number): number => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  // Opaques near the int32 top exercise keys whose home slots wrap; then ordinary ones.
  let next = 0x7fffffff - 3000;
  const alloc = (): number => {
    const o = next;
    next = next >= 0x7fffffff ? 1 : next + 1;
    return o;
  };
  for (let step = 0; step < 60_000; step++) {
    const r = rand(100);
    if (r < 52 || ref.size === 0) {
      const key = alloc();
      const v = { id: key, deadline: rand(1000) };
      table.set(key, v);
      ref.set(key, v);
    } else if (r < 98) {
      // Responses come back in any order.
      const keys = [...ref.keys()];
      const key = keys[rand(keys.length)]!;
      assert.equal(table.take(key), ref.get(key));
      ref.delete(key);
      assert.equal(table.take(key), undefined, 'taken twice');
    } else {
      const cut = rand(1000);
      const swept = table.takeWhere((v) => v.deadline < cut).map((v) => v.id).sort((a, b) => a - b);
      const expected = [...ref.values()].filter((v) => v.deadline < cut).map((v) => v.id).sort((a, b) => a - b);
      assert.deepEqual(swept, expected);
      for (const id of expected) ref.delete(id);
    }
    assert.equal(table.size, ref.size);
    if (step % 997 === 0) for (const [k, v] of ref) assert.equal(table.get(k), v);
  }
  assert.equal(table.get(0), undefined);
  assert.equal(table.get(-5), undefined);
  assert.equal(table.get(123456789), undefined);
  const rest = table.takeWhere(() => true);
  assert.equal(rest.length, ref.size);
  assert.equal(table.size, 0);
});
