/**
 * What users send and receive. A {@link Message} is a plain object; received messages are
 * {@link MessageExt}s decoded from the stored-message layout (the commit-log record, which pull and
 * query answers carry as is) with the body inflated and the properties parsed.
 */
import { inflateSync } from 'node:zlib';
import { networkInterfaces } from 'node:os';
import { getInt, readLong, writeLong } from '../codec/big-endian.js';
import type { HostAddress } from '../codec/host-address.js';
import { SysFlag } from '../codec/sys-flag.js';
import { decodeRecord, MESSAGE_MAGIC, RECORD_FIXED_SIZE, type StoredMessage } from '../codec/message-record.js';
import { parseProperties, Prop } from '../codec/message-properties.js';
import { encodeOffsetMsgId } from '../codec/message-id.js';
import { CodecError } from '../codec/errors.js';
import { MessageError } from './errors.js';

export interface Message {
  topic: string;
  body: Buffer | Uint8Array | string;
  /** One tag (Java `TAGS`). */
  tags?: string;
  /** Business keys (indexed by the broker for QUERY_MESSAGE); an array is joined with spaces. */
  keys?: string | readonly string[];
  /** Delay level 1..18 of the broker's `messageDelayLevel` (1s 5s 10s 30s 1m …). */
  delayLevel?: number;
  /** User flag (an int stored with the message). */
  flag?: number;
  /** User properties. Names reserved by RocketMQ (KEYS, TAGS, UNIQ_KEY, …) are rejected. */
  properties?: Readonly<Record<string, string>>;
  /** Wait for the store (Java `WAIT`, default true). */
  waitStoreMsgOK?: boolean;
}

export { compareMq, mqKey, mqString, type MessageQueue } from '../protocol/bodies/message-queue.js';

/** A received (or looked-up) message. */
export interface MessageExt {
  topic: string;
  body: Buffer;
  tags?: string;
  keys: string[];
  /** All properties, system ones included. */
  properties: Record<string, string>;
  /** The client id (UNIQ_KEY) when the producer set one, else the offset id — what Java's getMsgId() returns. */
  msgId: string;
  /** Store host + commit-log offset id. */
  offsetMsgId: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  sysFlag: number;
  flag: number;
  bornTimestamp: number;
  bornHost: string;
  storeTimestamp: number;
  storeHost: string;
  reconsumeTimes: number;
  preparedTransactionOffset: number;
  bodyCrc: number;
  storeSize: number;
  /** Set by consumers: the broker the message was pulled from. */
  brokerName?: string;
  delayLevel: number;
  transactionId?: string;
}

export const RESERVED_PROPERTIES = new Set([
  'KEYS', 'TAGS', 'WAIT', 'DELAY', 'RETRY_TOPIC', 'REAL_TOPIC', 'REAL_QID', 'TRAN_MSG', 'PGROUP', 'MIN_OFFSET',
  'MAX_OFFSET', 'BUYER_ID', 'ORIGIN_MESSAGE_ID', 'TRANSFER_FLAG', 'CORRECTION_FLAG', 'MQ2_FLAG', 'RECONSUME_TIME',
  'MSG_REGION', 'TRACE_ON', 'UNIQ_KEY', 'MAX_RECONSUME_TIMES', 'CONSUME_START_TIME', 'TRAN_PREPARED_QUEUE_OFFSET',
  'TRANSACTION_CHECK_TIMES', 'CHECK_IMMUNITY_TIME_IN_SECONDS',
]);

function hostText(h: HostAddress): string {
  return h.ip.includes(':') ? `[${h.ip}]:${h.port}` : `${h.ip}:${h.port}`;
}

/** Inflates a zlib body when the sysFlag says compressed (compression type 0 or 3 = zlib). */
export function uncompressBody(body: Buffer, sysFlag: number): Buffer {
  if ((sysFlag & SysFlag.COMPRESSED) === 0) return body;
  const type = (sysFlag >> 8) & 0x7;
  if (type !== 0 && type !== 3) throw new MessageError(`unsupported compression type ${type} (only zlib)`);
  return inflateSync(body);
}

/**
 * Parses `name\u0001value\u0002…` into a plain object. Ordinary items take a fast path; anything
 * unusual (empty key or value, extra separators, `__proto__`) goes through the codec's Java-exact
 * parser instead.
 */
function propertiesObject(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  let start = 0;
  while (start < s.length) {
    let end = s.indexOf('\u0002', start);
    if (end < 0) end = s.length;
    const sep = s.indexOf('\u0001', start);
    if (sep < 0 || sep >= end) {
      start = end + 1;
      continue;
    }
    const next = s.indexOf('\u0001', sep + 1);
    if (sep === start || sep === end - 1 || (next >= 0 && next < end)) return slowProperties(s);
    const key = knownName(s, start, sep) ?? s.slice(start, sep);
    if (key === '__proto__') return slowProperties(s);
    out[key] = s.slice(sep + 1, end);
    start = end + 1;
  }
  return out;
}

/** RocketMQ's own property names by length: reusing the constant beats a fresh key per message. */
const KNOWN_NAMES = new Map<number, string[]>();
for (const name of RESERVED_PROPERTIES) KNOWN_NAMES.set(name.length, [...(KNOWN_NAMES.get(name.length) ?? []), name]);

function knownName(s: string, start: number, end: number): string | undefined {
  const candidates = KNOWN_NAMES.get(end - start);
  if (candidates === undefined) return undefined;
  for (const name of candidates) if (s.startsWith(name, start)) return name;
  return undefined;
}

function slowProperties(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of parseProperties(s)) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => i.toString(16).toUpperCase().padStart(2, '0'));

/** A non-negative offset (< 2^53) as 16 upper-case hex digits. */
function offsetHex(n: number): string {
  if (n < 0 || !Number.isSafeInteger(n)) {
    const b = Buffer.allocUnsafe(8);
    writeLong(b, 0, n);
    return b.toString('hex').toUpperCase();
  }
  const hi = Math.floor(n / 0x100000000);
  const lo = (n - hi * 0x100000000) >>> 0;
  const h = HEX_PAIRS;
  return h[hi >>> 24]! + h[(hi >>> 16) & 255]! + h[(hi >>> 8) & 255]! + h[hi & 255]! + h[lo >>> 24]! + h[(lo >>> 16) & 255]! + h[(lo >>> 8) & 255]! + h[lo & 255]!;
}

/** Turns a decoded record into a MessageExt. `raw` keeps the compressed body (admin views). */
export function toMessageExt(rec: StoredMessage, options: { raw?: boolean; brokerName?: string; offsetMsgId?: string } = {}): MessageExt {
  return messageExtOf(rec, options.raw === true, options.brokerName, options.offsetMsgId);
}

/** The general path (one record, any host kind); pull bodies go through {@link messageAt}. */
function messageExtOf(rec: StoredMessage, raw: boolean, brokerName: string | undefined, offsetMsgIdGiven?: string): MessageExt {
  const props = propertiesObject(rec.properties);
  const offsetMsgId = offsetMsgIdGiven ?? encodeOffsetMsgId(rec.storeHost, rec.physicalOffset);
  const keys = props[Prop.KEYS];
  const uniqKey = props[Prop.UNIQ_KEY];
  const delay = props[Prop.DELAY];
  return {
    topic: rec.topic,
    body: raw ? rec.body : uncompressBody(rec.body, rec.sysFlag),
    tags: props[Prop.TAGS],
    keys: keys ? splitKeys(keys) : [],
    properties: props,
    msgId: uniqKey ?? offsetMsgId,
    offsetMsgId,
    queueId: rec.queueId,
    queueOffset: rec.queueOffset,
    commitLogOffset: rec.physicalOffset,
    sysFlag: rec.sysFlag,
    flag: rec.flag,
    bornTimestamp: rec.bornTimestamp,
    bornHost: hostText(rec.bornHost),
    storeTimestamp: rec.storeTimestamp,
    storeHost: hostText(rec.storeHost),
    reconsumeTimes: rec.reconsumeTimes,
    preparedTransactionOffset: rec.preparedTransactionOffset,
    bodyCrc: rec.bodyCrc,
    storeSize: rec.totalSize,
    brokerName,
    delayLevel: delay ? Number(delay) : 0,
    transactionId: uniqKey,
  };
}

function splitKeys(keys: string): string[] {
  if (keys.indexOf(' ') < 0) return [keys];
  return keys.split(' ').filter((k) => k !== '');
}

/** Decodes every stored message of a pull/query body (stops quietly at trailing padding). */
export function decodeMessages(body: Buffer | undefined, options: { raw?: boolean; brokerName?: string } = {}): MessageExt[] {
  const out: MessageExt[] = [];
  if (!body) return out;
  const raw = options.raw === true;
  let pos = 0;
  while (body.length - pos >= 8) {
    const size = body.readInt32BE(pos);
    if (size <= 0) break;
    out.push(messageAt(body, pos, raw, options.brokerName));
    pos += size;
  }
  return out;
}

/** Texts of the last IPv4 host seen, by its 8 raw bytes (a pull's messages share their hosts). */
class HostBytesText {
  private seen = false;
  private ip = 0;
  private port = 0;
  private text = '';
  private idPrefix = '';

  private see(buf: Buffer, pos: number): void {
    const ip = getInt(buf, pos);
    const port = getInt(buf, pos + 4);
    if (ip === this.ip && port === this.port && this.seen) return;
    this.seen = true;
    this.ip = ip;
    this.port = port;
    this.text = `${buf[pos]}.${buf[pos + 1]}.${buf[pos + 2]}.${buf[pos + 3]}:${port}`;
    const h = HEX_PAIRS;
    this.idPrefix = h[buf[pos]!]! + h[buf[pos + 1]!]! + h[buf[pos + 2]!]! + h[buf[pos + 3]!]! + h[port >>> 24]! + h[(port >>> 16) & 255]! + h[(port >>> 8) & 255]! + h[port & 255]!;
  }

  textAt(buf: Buffer, pos: number): string {
    this.see(buf, pos);
    return this.text;
  }

  /** Java's offset message id: the host's 8 bytes then the commit-log offset, upper-case hex. */
  offsetMsgIdAt(buf: Buffer, pos: number, physicalOffset: number): string {
    this.see(buf, pos);
    return this.idPrefix + offsetHex(physicalOffset);
  }
}

const bornHosts = new HostBytesText();
const storeHosts = new HostBytesText();
/** The last topic decoded, by its bytes: every message of a pull has the same one. */
let lastTopic = '';
let lastTopicBytes: Buffer = Buffer.alloc(0);

function topicAt(buf: Buffer, pos: number, length: number): string {
  const known = lastTopicBytes;
  if (known.length === length) {
    let i = 0;
    while (i < length && known[i] === buf[pos + i]) i++;
    if (i === length) return lastTopic;
  }
  lastTopic = buf.toString('utf8', pos, pos + length);
  lastTopicBytes = Buffer.from(buf.subarray(pos, pos + length));
  return lastTopic;
}

/**
 * One record of a pull body as a MessageExt, read in one pass (no intermediate StoredMessage, host
 * texts and topic reused while they repeat). Checks what {@link decodeRecord} checks; records with
 * IPv6 hosts take that general path.
 */
function messageAt(buf: Buffer, pos: number, raw: boolean, brokerName: string | undefined): MessageExt {
  if (buf.length - pos < RECORD_FIXED_SIZE) throw new CodecError(`record at ${pos} is truncated`, false);
  const totalSize = getInt(buf, pos);
  const magic = getInt(buf, pos + 4);
  const sysFlag = getInt(buf, pos + 36);
  if (magic !== MESSAGE_MAGIC || totalSize < RECORD_FIXED_SIZE || pos + totalSize > buf.length || (sysFlag & (SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6)) !== 0) {
    return messageExtOf(decodeRecord(buf, pos), raw, brokerName);
  }
  const end = pos + totalSize;
  const hosts = pos + 48;
  const bodyLength = getInt(buf, hosts + 36);
  let p = hosts + 40;
  if (bodyLength < 0 || p + bodyLength + 3 > end) throw new CodecError(`record at ${pos} has body length ${bodyLength}`, false);
  const body = buf.subarray(p, p + bodyLength);
  p += bodyLength;
  const topicLength = (buf[p]! << 24) >> 24;
  if (topicLength < 0 || p + 1 + topicLength + 2 > end) throw new CodecError(`record at ${pos} has topic length ${topicLength}`, false);
  const topic = topicAt(buf, p + 1, topicLength);
  p += 1 + topicLength;
  const propsLength = (((buf[p]! << 8) | buf[p + 1]!) << 16) >> 16;
  if (propsLength < 0 || p + 2 + propsLength !== end) {
    throw new CodecError(`record at ${pos}: TOTALSIZE ${totalSize} disagrees with its field lengths`, false);
  }
  const props = propertiesObject(propsLength > 0 ? buf.toString('utf8', p + 2, p + 2 + propsLength) : '');
  const physicalOffset = readLong(buf, pos + 28);
  const offsetMsgId = storeHosts.offsetMsgIdAt(buf, hosts + 16, physicalOffset);
  const keys = props[Prop.KEYS];
  const uniqKey = props[Prop.UNIQ_KEY];
  const delay = props[Prop.DELAY];
  return {
    topic,
    body: raw ? body : uncompressBody(body, sysFlag),
    tags: props[Prop.TAGS],
    keys: keys ? splitKeys(keys) : [],
    properties: props,
    msgId: uniqKey ?? offsetMsgId,
    offsetMsgId,
    queueId: getInt(buf, pos + 12),
    queueOffset: readLong(buf, pos + 20),
    commitLogOffset: physicalOffset,
    sysFlag,
    flag: getInt(buf, pos + 16),
    bornTimestamp: readLong(buf, pos + 40),
    bornHost: bornHosts.textAt(buf, hosts),
    storeTimestamp: readLong(buf, hosts + 8),
    storeHost: storeHosts.textAt(buf, hosts + 16),
    reconsumeTimes: getInt(buf, hosts + 24),
    preparedTransactionOffset: readLong(buf, hosts + 28),
    bodyCrc: getInt(buf, pos + 8),
    storeSize: totalSize,
    brokerName,
    delayLevel: delay ? Number(delay) : 0,
    transactionId: uniqKey,
  };
}

export function bodyBuffer(body: Message['body']): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

// ---------------------------------------------------------------------------------------------
// Unique client message ids (UNIQ_KEY): what Java consumers show as the message id when present

/** The first non-internal IPv4 address of this machine, else 127.0.0.1. */
export function localIPv4(): string {
  const ifaces = networkInterfaces();
  for (const list of Object.values(ifaces)) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '127.0.0.1';
}

/**
 * Generates ids laid out like Java's `MessageClientIDSetter`: IPv4 (4) · pid low 16 bits (2) ·
 * a per-process random int in place of the class-loader hash (4) · ms since the start of the
 * current month (4) · counter (2) → 32 upper-case hex chars.
 */
export class UniqueIdGenerator {
  private readonly prefix: string;
  private counter = 0;
  private monthStart = 0;
  private nextMonthStart = 0;

  constructor(ip = localIPv4(), pid = process.pid) {
    const head = Buffer.alloc(10);
    const parts = ip.split('.').map(Number);
    if (parts.length === 4 && parts.every((n) => Number.isInteger(n) && n >= 0 && n < 256)) head.set(parts, 0);
    head.writeUInt16BE(pid & 0xffff, 4);
    head.writeInt32BE((Math.random() * 0x7fffffff) | 0, 6);
    this.prefix = head.toString('hex').toUpperCase();
  }

  private setMonth(now: number): void {
    const d = new Date(now);
    this.monthStart = new Date(d.getFullYear(), d.getMonth(), 1).getTime();
    this.nextMonthStart = new Date(d.getFullYear(), d.getMonth() + 1, 1).getTime();
  }

  next(now = Date.now()): string {
    if (now >= this.nextMonthStart || now < this.monthStart) this.setMonth(now);
    const time = ((now - this.monthStart) | 0) >>> 0;
    const counter = this.counter;
    this.counter = (counter + 1) & 0xffff;
    return this.prefix + hex(time, 8) + hex(counter, 4);
  }
}

/** `n` (unsigned) as `digits` (8 or 4) upper-case hex digits. */
function hex(n: number, digits: 8 | 4): string {
  const h = HEX_PAIRS;
  const low = h[(n >>> 8) & 255]! + h[n & 255]!;
  return digits === 4 ? low : h[n >>> 24]! + h[(n >>> 16) & 255]! + low;
}

/** Shared process-wide generator (ids must be unique per process). */
export const uniqueIds = new UniqueIdGenerator();

/** Java `MessageClientIDSetter.getIPStrFromID`-like helper: decodes the parts of a client id. */
export function decodeUniqueId(id: string): { ip: string; pid: number; timeSinceMonthStart: number; counter: number } | undefined {
  if (!/^[0-9A-Fa-f]{32}$/.test(id)) return undefined;
  const b = Buffer.from(id, 'hex');
  return { ip: `${b[0]}.${b[1]}.${b[2]}.${b[3]}`, pid: b.readUInt16BE(4), timeSinceMonthStart: b.readInt32BE(10), counter: b.readUInt16BE(14) };
}
