/**
 * The stored-message record: the CommitLog entry layout, which is also the layout of PULL, QUERY
 * and VIEW bodies. Sizes, encoding and decoding.
 *
 * Layout (big-endian; `H` = 8 bytes for an IPv4 host, 20 for IPv6 per SYSFLAG bits 0x10/0x20):
 *   TOTALSIZE i32 · MAGIC i32 · BODYCRC i32 · QUEUEID i32 · FLAG i32 · QUEUEOFFSET i64 ·
 *   PHYSICALOFFSET i64 · SYSFLAG i32 · BORNTIMESTAMP i64 · BORNHOST H · STORETIMESTAMP i64 ·
 *   STOREHOST H · RECONSUMETIMES i32 · PREPAREDTXOFFSET i64 · BODYLEN i32 · BODY ·
 *   TOPICLEN i8 · TOPIC · PROPSLEN i16 · PROPS
 *
 * Pure module: no I/O. Decoding never copies the body: it is a subarray of the input.
 */
import { Buffer } from 'node:buffer';
import { putBytes, putInt, putLong, readLong } from './big-endian.js';
import { CodecError } from './errors.js';
import { bodyCrc } from './hashes.js';
import { formatIp, hostIpBytes, type HostAddress } from './host-address.js';
import { SysFlag } from './sys-flag.js';

/** MAGICCODE of a message record (0xDAA320A7 as a signed int). */
export const MESSAGE_MAGIC = 0xdaa320a7 | 0;
/** MAGICCODE of the end-of-file blank record (0xCBD43194 as a signed int). */
export const BLANK_MAGIC = 0xcbd43194 | 0;
/** Bytes a record needs besides body, topic and properties (IPv4 hosts). */
export const RECORD_FIXED_SIZE = 91;
/** A blank record is only its TOTALSIZE and MAGICCODE; the rest of the file is padding. */
export const BLANK_HEADER_SIZE = 8;

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
// Sizes and positions

/** Byte length of a host field for the given sysFlag bit. */
function hostFieldSize(sysFlag: number, v6Bit: number): number {
  return sysFlag & v6Bit ? 20 : 8;
}

/** TOTALSIZE of a record: each IPv6 host adds 12 bytes. Lengths are byte lengths. */
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

// ---------------------------------------------------------------------------------------------
// Encoding

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
