/** The two hashes the store format fixes: Java `String.hashCode` and the CRC-32 of BODYCRC. */
import { crc32 as zlibCrc32 } from 'node:zlib';

/** Java `String.hashCode` over UTF-16 code units, 32-bit wrapping. Tag codes and index keys use it. */
export function javaHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/**
 * Java `String.hashCode` of `s[from, to)` continued from `seed`, the hash of what precedes it: index
 * keys hash as `topic#key`, so a topic's `topic#` hash seeds every key of the topic.
 */
export function javaHashCodeOf(seed: number, s: string, from: number, to: number): number {
  let h = seed;
  for (let i = from; i < to; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

let crcTable: Int32Array | undefined;

function tableCrc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Int32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c;
    }
  }
  let c = -1;
  for (let i = 0; i < data.length; i++) c = crcTable[(c ^ data[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** IEEE CRC-32 (java.util.zip.CRC32). `zlib.crc32` exists from Node 20.15; older 20.x use a table. */
export const crc32: (data: Uint8Array) => number =
  typeof zlibCrc32 === 'function' ? (data) => zlibCrc32(data) >>> 0 : tableCrc32;

/** BODYCRC as stored: CRC-32 of the stored body bytes masked to a non-negative int. */
export function bodyCrc(body: Uint8Array): number {
  return body.length === 0 ? 0 : crc32(body) & 0x7fffffff;
}
