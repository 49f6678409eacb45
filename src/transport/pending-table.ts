/**
 * Requests awaiting their response, by opaque: an open-addressing table over plain arrays.
 *
 * Why not a Map: with a thousand requests in flight a Map churns (one insert and one delete per
 * request) and keeps rebuilding its table, and pipelined sends spent markedly more time in
 * scavenges and full GCs with it than with this table (figures in bench/README.md). The likely cause:
 * an outgrown table stays in V8's old space until a full GC, and its stale slots keep finished
 * requests (promise, response, message) alive through scavenges. Here a removed entry's slot is
 * cleared at once, and an outgrown array is cleared before it is dropped.
 */
export class PendingTable<V> {
  private keys: Int32Array;
  private values: (V | undefined)[];
  private mask: number;
  private count = 0;

  constructor(capacity = 64) {
    let cap = 16;
    while (cap < capacity) cap *= 2;
    this.keys = new Int32Array(cap);
    this.values = new Array<V | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** `key` is a positive int32 (an opaque); a key already present is replaced. */
  set(key: number, value: V): void {
    if ((this.count + 1) * 2 > this.keys.length) this.grow();
    let i = key & this.mask;
    while (this.keys[i] !== 0) {
      if (this.keys[i] === key) {
        this.values[i] = value;
        return;
      }
      i = (i + 1) & this.mask;
    }
    this.keys[i] = key;
    this.values[i] = value;
    this.count++;
  }

  get(key: number): V | undefined {
    const i = this.slotOf(key);
    return i < 0 ? undefined : this.values[i];
  }

  /** Removes and returns the entry of `key`. */
  take(key: number): V | undefined {
    const i = this.slotOf(key);
    if (i < 0) return undefined;
    const value = this.values[i];
    this.removeAt(i);
    return value;
  }

  /** Removes and returns the entries `drop` selects (timeouts, a closed connection). */
  takeWhere(drop: (value: V) => boolean): V[] {
    const out: V[] = [];
    for (let i = 0; i < this.keys.length; ) {
      const v = this.values[i];
      if (this.keys[i] !== 0 && drop(v as V)) {
        out.push(v as V);
        // The backward shift may move a later entry into slot i: look at it again.
        this.removeAt(i);
        continue;
      }
      i++;
    }
    return out;
  }

  private slotOf(key: number): number {
    if (key <= 0) return -1;
    let i = key & this.mask;
    for (;;) {
      const k = this.keys[i]!;
      if (k === key) return i;
      if (k === 0) return -1;
      i = (i + 1) & this.mask;
    }
  }

  /** Linear probing with backward-shift deletion: no tombstones, lookups stay short. */
  private removeAt(slot: number): void {
    const keys = this.keys;
    const values = this.values;
    const mask = this.mask;
    let hole = slot;
    let i = (slot + 1) & mask;
    while (keys[i] !== 0) {
      const home = keys[i]! & mask;
      // Move entry i into the hole unless its home lies cyclically in (hole, i].
      const stays = hole <= i ? hole < home && home <= i : hole < home || home <= i;
      if (!stays) {
        keys[hole] = keys[i]!;
        values[hole] = values[i];
        hole = i;
      }
      i = (i + 1) & mask;
    }
    keys[hole] = 0;
    values[hole] = undefined;
    this.count--;
  }

  private grow(): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    const cap = oldKeys.length * 2;
    this.keys = new Int32Array(cap);
    this.values = new Array<V | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
    this.count = 0;
    for (let i = 0; i < oldKeys.length; i++) if (oldKeys[i] !== 0) this.set(oldKeys[i]!, oldValues[i] as V);
    oldValues.fill(undefined);
  }
}
