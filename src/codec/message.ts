/**
 * Stored-message records (store-ha-config §2, remoting-protocol §6.5–6.7): the CommitLog record
 * layout, which is also the layout of PULL / QUERY / VIEW bodies; the properties string; offset
 * message ids; batch bodies; Java `String.hashCode`; the masked body CRC.
 *
 * Layout (big-endian; `H` = 8 bytes for an IPv4 host, 20 for IPv6 per SYSFLAG bits 0x10/0x20):
 *   TOTALSIZE i32 · MAGIC i32 · BODYCRC i32 · QUEUEID i32 · FLAG i32 · QUEUEOFFSET i64 ·
 *   PHYSICALOFFSET i64 · SYSFLAG i32 · BORNTIMESTAMP i64 · BORNHOST H · STORETIMESTAMP i64 ·
 *   STOREHOST H · RECONSUMETIMES i32 · PREPAREDTXOFFSET i64 · BODYLEN i32 · BODY ·
 *   TOPICLEN i8 · TOPIC · PROPSLEN i16 · PROPS
 *
 * Pure module: no I/O. Longs are JS numbers (exact up to 2^53; offsets and epoch-ms timestamps
 * never get near that). Decoding never copies the body: it is a subarray of the input.
 */
import { Buffer } from 'node:buffer';
import { crc32 as zlibCrc32 } from 'node:zlib';
import { CodecError } from './errors.js';

/** MAGICCODE of a message record (0xDAA320A7 as a signed int). */
export const MESSAGE_MAGIC = 0xdaa320a7 | 0;
/** MAGICCODE of the end-of-file blank record (0xCBD43194 as a signed int). */
export const BLANK_MAGIC = 0xcbd43194 | 0;
/** Bytes a record needs besides body, topic and properties (IPv4 hosts). */
export const RECORD_FIXED_SIZE = 91;
/** A blank record is only its TOTALSIZE and MAGICCODE; the rest of the file is padding. */
export const BLANK_HEADER_SIZE = 8;

export const SysFlag = {
  COMPRESSED: 0x1,
  MULTI_TAGS: 0x2,
  TRANSACTION_MASK: 0xc,
  TRANSACTION_NOT: 0x0,
  TRANSACTION_PREPARED: 0x4,
  TRANSACTION_COMMIT: 0x8,
  TRANSACTION_ROLLBACK: 0xc,
  BORNHOST_V6: 0x10,
  STOREHOST_V6: 0x20,
} as const;

/** Well-known property names (`MessageConst`). */
export const Prop = {
  KEYS: 'KEYS',
  TAGS: 'TAGS',
  WAIT: 'WAIT',
  DELAY: 'DELAY',
  RETRY_TOPIC: 'RETRY_TOPIC',
  REAL_TOPIC: 'REAL_TOPIC',
  REAL_QID: 'REAL_QID',
  TRAN_MSG: 'TRAN_MSG',
  PGROUP: 'PGROUP',
  UNIQ_KEY: 'UNIQ_KEY',
  ORIGIN_MESSAGE_ID: 'ORIGIN_MESSAGE_ID',
  RECONSUME_TIME: 'RECONSUME_TIME',
  MAX_RECONSUME_TIMES: 'MAX_RECONSUME_TIMES',
  MIN_OFFSET: 'MIN_OFFSET',
  MAX_OFFSET: 'MAX_OFFSET',
} as const;

export const NAME_VALUE_SEPARATOR = '\u0001';
export const PROPERTY_SEPARATOR = '\u0002';

/** A socket address as stored in a record. `ip` is dotted IPv4 or (4.6+ layout) IPv6 text. */
export interface HostAddress {
  readonly ip: string;
  readonly port: number;
}

/** Fields needed to encode a record. */
export interface MessageRecordFields {
  queueId: number;
  flag: number;
  queueOffset: number;
  physicalOffset: number;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: HostAddress;
  storeTimestamp: number;
  storeHost: HostAddress;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  body: Uint8Array;
  topic: string;
  properties: string;
  /** Precomputed BODYCRC; computed from `body` when absent. */
  bodyCrc?: number;
}

/** Everything a record carries, decoded. `body` aliases the input buffer. */
export interface StoredMessage extends Omit<MessageRecordFields, 'body' | 'bodyCrc'> {
  totalSize: number;
  bodyCrc: number;
  body: Buffer;
}

// ---------------------------------------------------------------------------------------------
// Longs

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
// (plain byte stores are several times cheaper than Buffer's checked writeInt32BE).

function putInt(buf: Uint8Array, pos: number, value: number): void {
  buf[pos] = value >>> 24;
  buf[pos + 1] = value >>> 16;
  buf[pos + 2] = value >>> 8;
  buf[pos + 3] = value;
}

/** Copies a few bytes (host IPs, topics): cheaper by hand than TypedArray#set. Returns the end. */
function putBytes(buf: Uint8Array, pos: number, bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) buf[pos + i] = bytes[i]!;
  return pos + bytes.length;
}

function putLong(buf: Uint8Array, pos: number, value: number): void {
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

// ---------------------------------------------------------------------------------------------
// Hashes and checksums

/** Java `String.hashCode` over UTF-16 code units, 32-bit wrapping. Tag codes and index keys use it. */
export function javaHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
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

// ---------------------------------------------------------------------------------------------
// Hosts

function ipv4Bytes(ip: string): number[] | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    const n = Number(p);
    if (p.length === 0 || !Number.isInteger(n) || n < 0 || n > 255) return undefined;
    out.push(n);
  }
  return out;
}

function ipv6Bytes(ip: string): number[] | undefined {
  let text = ip.startsWith('[') && ip.endsWith(']') ? ip.slice(1, -1) : ip;
  const zone = text.indexOf('%');
  if (zone >= 0) text = text.slice(0, zone);
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.', lastColon)) {
    const v4 = ipv4Bytes(text.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    text = text.slice(0, lastColon + 1) + '0:0';
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = groups(halves[0]!);
  const rest = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 0) return undefined;
  const all = [...head, ...new Array<number>(missing).fill(0), ...rest];
  const bytes: number[] = [];
  for (const g of all) bytes.push(g >> 8, g & 0xff);
  if (tail.length === 4) bytes.splice(12, 4, ...tail);
  return bytes;
}

/** True when the host needs the 4.6+ IPv6 layout. */
export function isIpv6Host(host: HostAddress): boolean {
  return host.ip.includes(':');
}

// Producers come from few addresses: parse each IP text once.
const ipCache = new Map<string, Buffer>();
let lastIp: string | undefined;
let lastIpBytes: Buffer | undefined;

/** The IP bytes of a host (4 or 16; shared, do not modify). Throws on text that is neither IPv4 nor IPv6. */
export function hostIpBytes(host: HostAddress): Buffer {
  // Consecutive records mostly share their hosts: a one-entry cache in front of the map.
  if (host.ip === lastIp) return lastIpBytes!;
  let cached = ipCache.get(host.ip);
  if (cached) {
    lastIp = host.ip;
    lastIpBytes = cached;
    return cached;
  }
  const bytes = isIpv6Host(host) ? ipv6Bytes(host.ip) : ipv4Bytes(host.ip);
  if (!bytes) throw new CodecError(`not an IP address: ${host.ip}`, false);
  cached = Buffer.from(bytes);
  if (ipCache.size >= 4096) ipCache.clear();
  ipCache.set(host.ip, cached);
  return cached;
}

function formatIp(buf: Uint8Array, pos: number, v6: boolean): string {
  if (!v6) return `${buf[pos]}.${buf[pos + 1]}.${buf[pos + 2]}.${buf[pos + 3]}`;
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((buf[pos + i]! << 8) | buf[pos + i + 1]!).toString(16));
  return groups.join(':');
}

/** Parses `ip:port` / `[v6]:port` text into a host. */
export function parseHostAddress(text: string): HostAddress {
  const colon = text.lastIndexOf(':');
  if (colon <= 0) throw new CodecError(`not a host:port address: ${text}`, false);
  let ip = text.slice(0, colon);
  if (ip.startsWith('[') && ip.endsWith(']')) ip = ip.slice(1, -1);
  const port = Number(text.slice(colon + 1));
  if (!Number.isInteger(port) || port < 0 || port > 0xffff) throw new CodecError(`bad port in ${text}`, false);
  return { ip, port };
}

export function formatHostAddress(host: HostAddress): string {
  return isIpv6Host(host) ? `[${host.ip}]:${host.port}` : `${host.ip}:${host.port}`;
}

// ---------------------------------------------------------------------------------------------
// Record layout helpers

/** Byte length of a host field for the given sysFlag bit. */
function hostFieldSize(sysFlag: number, v6Bit: number): number {
  return sysFlag & v6Bit ? 20 : 8;
}

/** TOTALSIZE of a record (§2.2: +12 per IPv6 host). Lengths are byte lengths. */
export function recordLength(sysFlag: number, bodyLength: number, topicLength: number, propertiesLength: number): number {
  return (
    RECORD_FIXED_SIZE +
    (sysFlag & SysFlag.BORNHOST_V6 ? 12 : 0) +
    (sysFlag & SysFlag.STOREHOST_V6 ? 12 : 0) +
    bodyLength +
    topicLength +
    propertiesLength
  );
}

/** Offset of STORETIMESTAMP within a record with this sysFlag. */
export function storeTimestampPosition(sysFlag: number): number {
  return 48 + hostFieldSize(sysFlag, SysFlag.BORNHOST_V6);
}

/** Offset of BODY length within a record with this sysFlag. */
export function bodyLengthPosition(sysFlag: number): number {
  return 84 + (sysFlag & SysFlag.BORNHOST_V6 ? 12 : 0) + (sysFlag & SysFlag.STOREHOST_V6 ? 12 : 0);
}

/** sysFlag with the host-layout bits set from the actual hosts. */
export function withHostFlags(sysFlag: number, bornHost: HostAddress, storeHost: HostAddress): number {
  let f = sysFlag & ~(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6);
  if (hostIpBytes(bornHost).length === 16) f |= SysFlag.BORNHOST_V6;
  if (hostIpBytes(storeHost).length === 16) f |= SysFlag.STOREHOST_V6;
  return f;
}

/**
 * Sizes, flags and checksum of a record, worked out before it is written (prepareRecord), plus
 * pre-encoded pieces a writer may already hold. The store reuses one instance per append.
 */
export interface PreparedRecord {
  totalSize: number;
  sysFlag: number;
  topicBytes: number;
  propertiesBytes: number;
  bodyCrc: number;
  /** The topic's UTF-8 bytes when the caller has them (else `fields.topic` is encoded). */
  topicUtf8: Uint8Array | undefined;
  bornHostIp: Uint8Array;
  storeHostIp: Uint8Array;
}

function isInt32(n: number): boolean {
  return (n | 0) === n;
}

/**
 * Computes sizes, flags and CRC for a record into `into` (a new object by default); throws
 * {@link CodecError} if a field is too long or not a 32-bit integer where the layout has one.
 * `topicUtf8` may pass the topic's bytes, saving their encoding.
 */
export function prepareRecord(
  fields: Omit<MessageRecordFields, 'queueOffset' | 'physicalOffset' | 'storeTimestamp'>,
  into?: PreparedRecord,
  topicUtf8?: Uint8Array,
): PreparedRecord {
  const topicBytes = topicUtf8 ? topicUtf8.length : Buffer.byteLength(fields.topic, 'utf8');
  if (topicBytes > 127) throw new CodecError(`topic of ${topicBytes} bytes exceeds 127`, false);
  const properties = fields.properties;
  const propertiesBytes = properties.length === 0 ? 0 : Buffer.byteLength(properties, 'utf8');
  if (propertiesBytes > 32767) throw new CodecError(`properties of ${propertiesBytes} bytes exceed 32767`, false);
  if (!isInt32(fields.queueId) || !isInt32(fields.flag) || !isInt32(fields.sysFlag) || !isInt32(fields.reconsumeTimes)) {
    throw new CodecError('queueId, flag, sysFlag and reconsumeTimes must be 32-bit integers', false);
  }
  if (!isInt32(fields.bornHost.port) || !isInt32(fields.storeHost.port)) throw new CodecError('host ports must be 32-bit integers', false);
  const bornHostIp = hostIpBytes(fields.bornHost);
  const storeHostIp = hostIpBytes(fields.storeHost);
  let sysFlag = fields.sysFlag & ~(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6);
  if (bornHostIp.length === 16) sysFlag |= SysFlag.BORNHOST_V6;
  if (storeHostIp.length === 16) sysFlag |= SysFlag.STOREHOST_V6;
  const p: PreparedRecord = into ?? {
    totalSize: 0,
    sysFlag: 0,
    topicBytes: 0,
    propertiesBytes: 0,
    bodyCrc: 0,
    topicUtf8: undefined,
    bornHostIp,
    storeHostIp,
  };
  p.totalSize = recordLength(sysFlag, fields.body.length, topicBytes, propertiesBytes);
  p.sysFlag = sysFlag;
  p.topicBytes = topicBytes;
  p.propertiesBytes = propertiesBytes;
  p.bodyCrc = fields.bodyCrc ?? bodyCrc(fields.body);
  p.topicUtf8 = topicUtf8;
  p.bornHostIp = bornHostIp;
  p.storeHostIp = storeHostIp;
  return p;
}

/**
 * Writes one record at `pos` of `out` and returns the position after it; throws
 * {@link CodecError} when `out` has fewer than `prepared.totalSize` bytes there.
 */
export function encodeRecordInto(out: Buffer, pos: number, fields: MessageRecordFields, prepared: PreparedRecord = prepareRecord(fields)): number {
  const start = pos;
  const totalSize = prepared.totalSize;
  if (pos < 0 || pos + totalSize > out.length) throw new CodecError(`record of ${totalSize} bytes does not fit at ${pos} of ${out.length}`, false);
  putInt(out, pos, totalSize);
  putInt(out, pos + 4, MESSAGE_MAGIC);
  putInt(out, pos + 8, prepared.bodyCrc);
  putInt(out, pos + 12, fields.queueId);
  putInt(out, pos + 16, fields.flag);
  putLong(out, pos + 20, fields.queueOffset);
  putLong(out, pos + 28, fields.physicalOffset);
  putInt(out, pos + 36, prepared.sysFlag);
  putLong(out, pos + 40, fields.bornTimestamp);
  pos = putBytes(out, pos + 48, prepared.bornHostIp);
  putInt(out, pos, fields.bornHost.port);
  putLong(out, pos + 4, fields.storeTimestamp);
  pos = putBytes(out, pos + 12, prepared.storeHostIp);
  putInt(out, pos, fields.storeHost.port);
  putInt(out, pos + 4, fields.reconsumeTimes);
  putLong(out, pos + 8, fields.preparedTransactionOffset);
  const body = fields.body;
  putInt(out, pos + 16, body.length);
  out.set(body, pos + 20);
  pos += 20 + body.length;
  const topicBytes = prepared.topicBytes;
  out[pos] = topicBytes;
  if (prepared.topicUtf8) putBytes(out, pos + 1, prepared.topicUtf8);
  else out.write(fields.topic, pos + 1, topicBytes, 'utf8');
  pos += 1 + topicBytes;
  const propertiesBytes = prepared.propertiesBytes;
  out[pos] = propertiesBytes >>> 8;
  out[pos + 1] = propertiesBytes;
  if (propertiesBytes > 0) {
    // Byte length equal to the string length means ASCII, which latin1 writes faster.
    out.write(fields.properties, pos + 2, propertiesBytes, propertiesBytes === fields.properties.length ? 'latin1' : 'utf8');
  }
  pos += 2 + propertiesBytes;
  if (pos - start !== totalSize) throw new CodecError(`record encoded to ${pos - start} bytes, expected ${totalSize}`, false);
  return pos;
}

/** Encodes one record into a new buffer. */
export function encodeRecord(fields: MessageRecordFields): Buffer {
  const prepared = prepareRecord(fields);
  const out = Buffer.allocUnsafe(prepared.totalSize);
  encodeRecordInto(out, 0, fields, prepared);
  return out;
}

/** Writes the 8-byte header of an end-of-file blank record covering `remaining` bytes. */
export function encodeBlankInto(out: Buffer, pos: number, remaining: number): void {
  out.writeInt32BE(remaining, pos);
  out.writeInt32BE(BLANK_MAGIC, pos + 4);
}

// ---------------------------------------------------------------------------------------------
// Decoding

/** Why {@link checkRecord} refused a record. */
export type RecordProblem = 'truncated' | 'bad-magic' | 'bad-length' | 'bad-crc' | 'bad-field';

export type RecordCheck =
  | { kind: 'message'; size: number }
  | { kind: 'blank'; size: number }
  | { kind: 'invalid'; problem: RecordProblem; detail: string };

/**
 * Validates the record at `pos`: magic, TOTALSIZE against the field lengths, field bounds and, if
 * `checkCrc`, the body CRC. `end` bounds the readable bytes.
 */
export function checkRecord(buf: Buffer, pos: number, end: number, checkCrc: boolean): RecordCheck {
  const size = messageRecordSize(buf, pos, end, checkCrc);
  return size >= 0 ? { kind: 'message', size } : lastCheck!;
}

/** What the last {@link messageRecordSize} that returned -1 found. */
let lastCheck: RecordCheck | undefined;

function refuse(problem: RecordProblem, detail: string): number {
  lastCheck = { kind: 'invalid', problem, detail };
  return -1;
}

/**
 * {@link checkRecord} without allocating, for scans: TOTALSIZE of the valid message record at
 * `pos`, or -1 for anything else (a blank record, or an invalid one); checkRecord on the same
 * bytes then says which.
 */
export function messageRecordSize(buf: Buffer, pos: number, end: number, checkCrc: boolean): number {
  if (end > buf.length) end = buf.length;
  if (end - pos < 8) return refuse('truncated', 'fewer than 8 bytes');
  const totalSize = getInt(buf, pos);
  const magic = getInt(buf, pos + 4);
  if (magic === BLANK_MAGIC) {
    lastCheck = { kind: 'blank', size: totalSize };
    return -1;
  }
  if (magic !== MESSAGE_MAGIC) return refuse('bad-magic', `magic ${(magic >>> 0).toString(16)}`);
  if (totalSize < RECORD_FIXED_SIZE) return refuse('bad-length', `TOTALSIZE ${totalSize}`);
  if (end - pos < totalSize) return refuse('truncated', `TOTALSIZE ${totalSize} past end`);
  const sysFlag = getInt(buf, pos + 36);
  const bodyLenPos = pos + bodyLengthPosition(sysFlag);
  if (bodyLenPos + 4 > pos + totalSize) return refuse('bad-length', 'header longer than record');
  const bodyLength = getInt(buf, bodyLenPos);
  if (bodyLength < 0 || bodyLenPos + 4 + bodyLength + 1 > pos + totalSize) return refuse('bad-length', `body length ${bodyLength}`);
  const topicPos = bodyLenPos + 4 + bodyLength;
  const topicLength = (buf[topicPos]! << 24) >> 24;
  if (topicLength <= 0 || topicPos + 1 + topicLength + 2 > pos + totalSize) return refuse('bad-length', `topic length ${topicLength}`);
  const propsPos = topicPos + 1 + topicLength;
  const propsLength = (((buf[propsPos]! << 8) | buf[propsPos + 1]!) << 16) >> 16;
  if (propsLength < 0) return refuse('bad-length', `properties length ${propsLength}`);
  const computed = recordLength(sysFlag, bodyLength, topicLength, propsLength);
  if (computed !== totalSize) return refuse('bad-length', `TOTALSIZE ${totalSize} but fields add up to ${computed}`);
  if (checkCrc) {
    // BODYCRC covers only the body. A write torn inside TOPIC or PROPERTIES shows as NUL bytes
    // (zero-filled tail), malformed UTF-8, or a property item without its \u0001 separator.
    // (A trailing \u0002 is not required: 4.9.3+ producers omit it.)
    if (hasZero(buf, topicPos + 1, propsPos)) return refuse('bad-field', 'NUL byte in topic');
    if (propsLength > 0 && !plausibleProperties(buf, propsPos + 2, propsPos + 2 + propsLength)) return refuse('bad-field', 'malformed properties');
    const stored = getInt(buf, pos + 8);
    const actual = bodyCrc(buf.subarray(bodyLenPos + 4, bodyLenPos + 4 + bodyLength));
    if (stored !== actual) return refuse('bad-crc', `body CRC ${stored} != ${actual}`);
  }
  return totalSize;
}

/** No NUL, valid UTF-8, and every non-empty \u0002-separated item holds a \u0001. */
function plausibleProperties(buf: Buffer, from: number, to: number): boolean {
  let itemHasSeparator = false;
  let itemEmpty = true;
  for (let i = from; i < to; ) {
    const b = buf[i]!;
    if (b > 2 && b < 0x80) {
      // The common byte: printable ASCII.
      itemEmpty = false;
      i++;
      continue;
    }
    if (b < 0x80) {
      if (b === 0) return false;
      if (b === 2) {
        if (!itemEmpty && !itemHasSeparator) return false;
        itemHasSeparator = false;
        itemEmpty = true;
      } else {
        if (b === 1) itemHasSeparator = true;
        itemEmpty = false;
      }
      i++;
      continue;
    }
    const n = b >= 0xf0 && b <= 0xf4 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 && b <= 0xdf ? 1 : -1;
    if (n < 0 || i + n >= to) return false;
    for (let k = 1; k <= n; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return false;
    itemEmpty = false;
    i += n + 1;
  }
  return itemEmpty || itemHasSeparator;
}

function hasZero(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] === 0) return true;
  return false;
}

/**
 * Decodes the message record at `pos`. The record must be complete within `buf`; throws
 * {@link CodecError} otherwise or on a non-message magic. `body` is a subarray (no copy).
 */
export function decodeRecord(buf: Buffer, pos = 0): StoredMessage {
  if (buf.length - pos < RECORD_FIXED_SIZE) throw new CodecError(`record at ${pos} is truncated`, false);
  const totalSize = buf.readInt32BE(pos);
  const magic = buf.readInt32BE(pos + 4);
  if (magic !== MESSAGE_MAGIC) throw new CodecError(`record at ${pos} has magic ${(magic >>> 0).toString(16)}`, false);
  if (totalSize < RECORD_FIXED_SIZE || pos + totalSize > buf.length) {
    throw new CodecError(`record at ${pos} has TOTALSIZE ${totalSize} beyond ${buf.length - pos} bytes`, false);
  }
  const sysFlag = buf.readInt32BE(pos + 36);
  const bornV6 = (sysFlag & SysFlag.BORNHOST_V6) !== 0;
  const storeV6 = (sysFlag & SysFlag.STOREHOST_V6) !== 0;
  let p = pos + 48;
  const bornHost = { ip: formatIp(buf, p, bornV6), port: buf.readInt32BE(p + (bornV6 ? 16 : 4)) };
  p += bornV6 ? 20 : 8;
  const storeTimestamp = readLong(buf, p);
  p += 8;
  const storeHost = { ip: formatIp(buf, p, storeV6), port: buf.readInt32BE(p + (storeV6 ? 16 : 4)) };
  p += storeV6 ? 20 : 8;
  const reconsumeTimes = buf.readInt32BE(p);
  const preparedTransactionOffset = readLong(buf, p + 4);
  const bodyLength = buf.readInt32BE(p + 12);
  p += 16;
  const end = pos + totalSize;
  if (bodyLength < 0 || p + bodyLength + 3 > end) throw new CodecError(`record at ${pos} has body length ${bodyLength}`, false);
  const body = buf.subarray(p, p + bodyLength);
  p += bodyLength;
  const topicLength = buf.readInt8(p);
  if (topicLength < 0 || p + 1 + topicLength + 2 > end) throw new CodecError(`record at ${pos} has topic length ${topicLength}`, false);
  const topic = buf.toString('utf8', p + 1, p + 1 + topicLength);
  p += 1 + topicLength;
  const propsLength = buf.readInt16BE(p);
  if (propsLength < 0 || p + 2 + propsLength !== end) {
    throw new CodecError(`record at ${pos}: TOTALSIZE ${totalSize} disagrees with its field lengths`, false);
  }
  const properties = propsLength > 0 ? buf.toString('utf8', p + 2, p + 2 + propsLength) : '';
  return {
    totalSize,
    bodyCrc: buf.readInt32BE(pos + 8),
    queueId: buf.readInt32BE(pos + 12),
    flag: buf.readInt32BE(pos + 16),
    queueOffset: readLong(buf, pos + 20),
    physicalOffset: readLong(buf, pos + 28),
    sysFlag,
    bornTimestamp: readLong(buf, pos + 40),
    bornHost,
    storeTimestamp,
    storeHost,
    reconsumeTimes,
    preparedTransactionOffset,
    body,
    topic,
    properties,
  };
}

/**
 * Iterates the records of a concatenation (a pull/query body, or a CommitLog span). Stops at a
 * blank record or at zero padding; throws on a malformed or truncated record.
 */
export function* iterateRecords(buf: Buffer, start = 0, end = buf.length): Generator<StoredMessage> {
  let pos = start;
  while (end - pos >= 8) {
    const size = buf.readInt32BE(pos);
    const magic = buf.readInt32BE(pos + 4);
    if (magic === BLANK_MAGIC || (size === 0 && magic === 0)) return;
    const msg = decodeRecord(buf.subarray(0, end), pos);
    yield msg;
    pos += msg.totalSize;
  }
}

/** Decodes every record of a pull/query body. */
export function decodeRecords(buf: Buffer): StoredMessage[] {
  return [...iterateRecords(buf)];
}

// ---------------------------------------------------------------------------------------------
// Properties

/** Encodes properties as `name\u0001value\u0002…` in the map's (insertion) order. */
export function encodeProperties(props: ReadonlyMap<string, string> | Readonly<Record<string, string>>): string {
  let s = '';
  const entries = props instanceof Map ? props.entries() : Object.entries(props);
  for (const [k, v] of entries) s += k + NAME_VALUE_SEPARATOR + v + PROPERTY_SEPARATOR;
  return s;
}

/**
 * Parses a properties string like Java's `string2messageProperties`: split on \u0002, then each
 * item on \u0001; items without exactly one separator (e.g. an empty value) are dropped.
 */
export function parseProperties(s: string): Map<string, string> {
  const map = new Map<string, string>();
  let start = 0;
  while (start < s.length) {
    let end = s.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = s.length;
    const parts = s.slice(start, end).split(NAME_VALUE_SEPARATOR);
    // Java's String.split drops trailing empty strings.
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    if (parts.length === 2) map.set(parts[0]!, parts[1]!);
    start = end + 1;
  }
  return map;
}

/**
 * Reads one property without building a map (the append and dispatch paths need only TAGS,
 * KEYS, UNIQ_KEY and DELAY). Returns undefined when absent or empty.
 */
export function getProperty(s: string, name: string): string | undefined {
  let start = 0;
  while (start < s.length) {
    let end = s.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = s.length;
    if (
      end - start > name.length + 1 &&
      s.charCodeAt(start + name.length) === 1 &&
      s.startsWith(name, start)
    ) {
      const value = s.slice(start + name.length + 1, end);
      return value.includes(NAME_VALUE_SEPARATOR) ? undefined : value;
    }
    start = end + 1;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// Message ids

/** Offset message id (§2.7): store IP + port + commit-log offset as upper-case hex (32 or 56 chars). */
export function encodeOffsetMsgId(storeHost: HostAddress, physicalOffset: number): string {
  const ip = hostIpBytes(storeHost);
  const out = Buffer.allocUnsafe(ip.length + 12);
  out.set(ip, 0);
  out.writeInt32BE(storeHost.port, ip.length);
  writeLong(out, ip.length + 4, physicalOffset);
  return out.toString('hex').toUpperCase();
}

/** Offset message id of an encoded record, read straight from its STOREHOST and PHYSICALOFFSET. */
export function offsetMsgIdOfRecord(buf: Buffer, pos = 0): string {
  const sysFlag = buf.readInt32BE(pos + 36);
  const hostPos = pos + storeTimestampPosition(sysFlag) + 8;
  const ipLength = sysFlag & SysFlag.STOREHOST_V6 ? 16 : 4;
  return (
    buf.toString('hex', hostPos, hostPos + ipLength + 4) + buf.toString('hex', pos + 28, pos + 36)
  ).toUpperCase();
}

export interface OffsetMsgId {
  storeHost: HostAddress;
  physicalOffset: number;
}

/** Decodes an offset message id; throws {@link CodecError} on anything but 32 or 56 hex chars. */
export function decodeOffsetMsgId(id: string): OffsetMsgId {
  if ((id.length !== 32 && id.length !== 56) || !/^[0-9a-fA-F]+$/.test(id)) {
    throw new CodecError(`not an offset message id: ${id}`, false);
  }
  const bytes = Buffer.from(id, 'hex');
  const v6 = bytes.length === 28;
  const ipLength = v6 ? 16 : 4;
  return {
    storeHost: { ip: formatIp(bytes, 0, v6), port: bytes.readInt32BE(ipLength) },
    physicalOffset: readLong(bytes, ipLength + 4),
  };
}

// ---------------------------------------------------------------------------------------------
// Batch bodies (SEND_BATCH_MESSAGE, remoting-protocol §6.5)

export interface BatchEntry {
  flag: number;
  /** Aliases the batch body. */
  body: Buffer;
  properties: string;
}

/** Splits a batch body into its entries; throws {@link CodecError} on inconsistent lengths. */
export function decodeBatchBody(buf: Buffer): BatchEntry[] {
  const out: BatchEntry[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < 22) throw new CodecError(`batch entry at ${pos} is truncated`, false);
    const totalSize = buf.readInt32BE(pos);
    const flag = buf.readInt32BE(pos + 12);
    const bodyLength = buf.readInt32BE(pos + 16);
    if (bodyLength < 0 || pos + 20 + bodyLength + 2 > buf.length) {
      throw new CodecError(`batch entry at ${pos} has body length ${bodyLength}`, false);
    }
    const body = buf.subarray(pos + 20, pos + 20 + bodyLength);
    const propsPos = pos + 20 + bodyLength;
    const propsLength = buf.readInt16BE(propsPos);
    if (propsLength < 0 || propsPos + 2 + propsLength > buf.length) {
      throw new CodecError(`batch entry at ${pos} has properties length ${propsLength}`, false);
    }
    if (totalSize !== 22 + bodyLength + propsLength) {
      throw new CodecError(`batch entry at ${pos}: TOTALSIZE ${totalSize} disagrees with its lengths`, false);
    }
    out.push({ flag, body, properties: buf.toString('utf8', propsPos + 2, propsPos + 2 + propsLength) });
    pos += totalSize;
  }
  return out;
}

/** Encodes batch entries the way a 4.x producer does (MAGICCODE and BODYCRC left 0). */
export function encodeBatchBody(entries: readonly { flag: number; body: Uint8Array; properties: string }[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const props = Buffer.from(e.properties, 'utf8');
    const b = Buffer.alloc(22 + e.body.length + props.length);
    b.writeInt32BE(b.length, 0);
    b.writeInt32BE(e.flag, 12);
    b.writeInt32BE(e.body.length, 16);
    b.set(e.body, 20);
    b.writeInt16BE(props.length, 20 + e.body.length);
    props.copy(b, 22 + e.body.length);
    parts.push(b);
  }
  return Buffer.concat(parts);
}
