/**
 * DataVersion: the `{timestamp, counter}` pair a broker bumps whenever its
 * topic or subscription-group table changes, so NameServers and slaves can tell "changed" from
 * "same again". Read from registration bodies, QUERY_DATA_VERSION, slave syncs and the store's
 * config files alike.
 */
import { asObject, num, type Obj } from './json.js';

export interface DataVersion {
  timestamp: number;
  counter: number;
}

/**
 * Reads a DataVersion written by 4.1+ (`timestamp`) or by 3.5.8 / 4.0.0 (`timestatmp`). A missing
 * version or timestamp reads as Java's `new DataVersion()` does: now, counter 0.
 */
export function decodeDataVersion(v: unknown): DataVersion {
  if (v === undefined || v === null) return { timestamp: Date.now(), counter: 0 };
  const o = asObject(v, 'dataVersion');
  return { timestamp: num(o.timestamp ?? o.timestatmp, Date.now()), counter: num(o.counter) };
}

/** Both spellings, so 3.5.8 and 4.x peers each find the one they know. */
export function dataVersionJson(dv: DataVersion): Obj {
  return { counter: dv.counter, timestamp: dv.timestamp, timestatmp: dv.timestamp };
}

export function dataVersionEquals(a: DataVersion | undefined, b: DataVersion | undefined): boolean {
  return !!a && !!b && a.timestamp === b.timestamp && a.counter === b.counter;
}
