/**
 * Big-endian integer reads and writes over plain byte arrays, for the record layouts. Longs are JS
 * numbers: exact up to 2^53, which offsets and epoch-ms timestamps never get near.
 */

const TWO_32 = 4294967296;

/** Reads a signed 64-bit big-endian integer as a number (exact within ±2^53). */
export function readLong(buf: Uint8Array, pos: number): number {
  if (pos < 0 || pos + 8 > buf.length) throw new RangeError(`readLong at ${pos} outside ${buf.length} bytes`);
  return getInt(buf, pos) * TWO_32 + (getInt(buf, pos + 4) >>> 0);
}

/** Unchecked big-endian int32 read, for readers that checked the bounds first. */
export function getInt(buf: Uint8Array, pos: number): number {
  return (buf[pos]! << 24) | (buf[pos + 1]! << 16) | (buf[pos + 2]! << 8) | buf[pos + 3]!;
}

/** Writes a number (integral, within ±2^53) as a signed 64-bit big-endian integer. */
export function writeLong(buf: Uint8Array, pos: number, value: number): void {
  if (pos < 0 || pos + 8 > buf.length) throw new RangeError(`writeLong at ${pos} outside ${buf.length} bytes`);
  putLong(buf, pos, value);
}

// Unchecked big-endian stores for encoders that checked the bounds of the whole record first
// (plain byte stores are much cheaper than Buffer's checked writeInt32BE).

export function putInt(buf: Uint8Array, pos: number, value: number): void {
  buf[pos] = value >>> 24;
  buf[pos + 1] = value >>> 16;
  buf[pos + 2] = value >>> 8;
  buf[pos + 3] = value;
}

/** Copies a few bytes (host IPs, topics): cheaper by hand than TypedArray#set. Returns the end. */
export function putBytes(buf: Uint8Array, pos: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buf[pos + i] = bytes[i]!;
  return pos + bytes.length;
}

export function putLong(buf: Uint8Array, pos: number, value: number): void {
  const hi = Math.floor(value / TWO_32);
  const lo = value - hi * TWO_32;
  buf[pos] = hi >>> 24;
  buf[pos + 1] = hi >>> 16;
  buf[pos + 2] = hi >>> 8;
  buf[pos + 3] = hi;
  buf[pos + 4] = lo >>> 24;
  buf[pos + 5] = lo >>> 16;
  buf[pos + 6] = lo >>> 8;
  buf[pos + 7] = lo;
}
