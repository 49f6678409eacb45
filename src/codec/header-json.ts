/** JSON header (serialize type 0): what every Java peer sends by default, in both directions. */
import { CodecError } from './errors.js';
import { quoteJson } from './json-string.js';
import { LANGUAGES, SerializeType, extFieldsSize, type ExtFields, type RemotingCommand } from './command.js';

/** Quoted ext-field keys: the same few dozen names go out on every frame. */
const quotedKeys = new Map<string, string>();
function quoteKey(key: string): string {
  let q = quotedKeys.get(key);
  if (q === undefined) {
    q = quoteJson(key);
    if (quotedKeys.size < 4096) quotedKeys.set(key, q);
  }
  return q;
}

/**
 * The header as fastjson writes the Java bean: members in alphabetical order, nulls omitted,
 * `serializeTypeCurrentRPC` included so our bytes match Java's.
 */
export function jsonHeaderText(cmd: RemotingCommand): string {
  let s = '{"code":' + (cmd.code | 0);
  if (cmd.extFields !== undefined) {
    s += ',"extFields":{';
    let first = true;
    const ext = cmd.extFields;
    for (const key in ext) {
      const value = ext[key];
      if (value === undefined || value === null) continue;
      s += (first ? '' : ',') + quoteKey(key) + ':' + quoteJson(typeof value === 'string' ? value : String(value));
      first = false;
    }
    s += '}';
  }
  s += ',"flag":' + (cmd.flag | 0);
  s += cmd.language === 'JAVA' || !cmd.language ? ',"language":"JAVA"' : ',"language":' + quoteJson(cmd.language);
  s += ',"opaque":' + (cmd.opaque | 0);
  if (cmd.remark !== undefined && cmd.remark !== null) s += ',"remark":' + quoteJson(cmd.remark);
  s += ',"serializeTypeCurrentRPC":"JSON","version":' + (cmd.version | 0) + '}';
  return s;
}

const HEX = '0123456789abcdef';

/**
 * Writes `s` as a JSON string literal at `p` if it is pure ASCII, escaping as JSON.stringify does;
 * returns the end, or -1 at the first non-ASCII character (the caller then takes the text path).
 * A JS loop beats a native write for the short strings headers are made of.
 */
function writeAsciiLiteral(s: string, out: Buffer, p: number): number {
  out[p++] = 0x22;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) {
      if (c === 0x22 || c === 0x5c) {
        out[p++] = 0x5c;
      }
      out[p++] = c;
    } else if (c < 0x20) {
      out[p++] = 0x5c;
      const short = c === 8 ? 0x62 : c === 9 ? 0x74 : c === 10 ? 0x6e : c === 12 ? 0x66 : c === 13 ? 0x72 : 0;
      if (short !== 0) {
        out[p++] = short;
      } else {
        out[p++] = 0x75;
        out[p++] = 0x30;
        out[p++] = 0x30;
        out[p++] = HEX.charCodeAt(c >> 4);
        out[p++] = HEX.charCodeAt(c & 15);
      }
    } else if (c === 0x7f) {
      out[p++] = c;
    } else {
      return -1;
    }
  }
  out[p++] = 0x22;
  return p;
}

function writeAscii(s: string, out: Buffer, p: number): number {
  for (let i = 0; i < s.length; i++) out[p++] = s.charCodeAt(i);
  return p;
}

/** An upper bound of the bytes {@link writeJsonHeader} may need (6 per character when escaped). */
export function jsonHeaderMaxBytes(cmd: RemotingCommand): number {
  const ext = extFieldsSize(cmd.extFields);
  return 160 + 6 * ((cmd.remark?.length ?? 0) + (cmd.language?.length ?? 0)) + 6 * ext.entries + 6 * ext.chars;
}

/**
 * Writes the same bytes as {@link jsonHeaderText} straight into `out` at `pos` (room for
 * {@link jsonHeaderMaxBytes} assumed). Returns the end, or -1 when some text is not ASCII.
 */
export function writeJsonHeader(cmd: RemotingCommand, out: Buffer, pos: number): number {
  // Literals and numbers go straight into the buffer: concatenating them first made several
  // short-lived strings per frame, on every request and response of both broker and clients.
  let p = writeAscii('{"code":', out, pos);
  p = writeInt32(cmd.code | 0, out, p);
  const ext = cmd.extFields;
  if (ext !== undefined) {
    p = writeAscii(',"extFields":{', out, p);
    let first = true;
    for (const key in ext) {
      const raw = ext[key];
      if (raw === undefined || raw === null) continue;
      if (!first) out[p++] = 0x2c;
      first = false;
      p = writeAsciiLiteral(key, out, p);
      if (p < 0) return -1;
      out[p++] = 0x3a;
      p = writeAsciiLiteral(typeof raw === 'string' ? raw : String(raw), out, p);
      if (p < 0) return -1;
    }
    out[p++] = 0x7d;
  }
  p = writeAscii(',"flag":', out, p);
  p = writeInt32(cmd.flag | 0, out, p);
  p = writeAscii(',"language":', out, p);
  p = writeAsciiLiteral(cmd.language || 'JAVA', out, p);
  if (p < 0) return -1;
  p = writeAscii(',"opaque":', out, p);
  p = writeInt32(cmd.opaque | 0, out, p);
  if (cmd.remark !== undefined && cmd.remark !== null) {
    p = writeAscii(',"remark":', out, p);
    p = writeAsciiLiteral(cmd.remark, out, p);
    if (p < 0) return -1;
  }
  p = writeAscii(',"serializeTypeCurrentRPC":"JSON","version":', out, p);
  p = writeInt32(cmd.version | 0, out, p);
  out[p++] = 0x7d;
  return p;
}

/** A 32-bit integer in decimal, as String(n) writes it. */
function writeInt32(n: number, out: Buffer, p: number): number {
  if (n < 0) {
    out[p++] = 0x2d;
    // -2^31 has no positive int32; its digits come from the unsigned view.
    n = -n >>> 0;
  }
  let digits = 1;
  for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
  let q = p + digits;
  const end = q;
  do {
    const d = n % 10;
    out[--q] = 0x30 + d;
    n = (n - d) / 10;
  } while (n > 0);
  return end;
}

export function encodeJsonHeader(cmd: RemotingCommand): Buffer {
  return Buffer.from(jsonHeaderText(cmd), 'utf8');
}

function toInt(value: unknown, field: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const n = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < -2147483648 || n > 2147483647) {
    throw new CodecError(`header field ${field} is not a 32-bit integer: ${JSON.stringify(value)}`, false);
  }
  return n;
}

/** Coerces extFields values to strings as fastjson does (ali-ons sends numbers and booleans). */
export function coerceExtFields(raw: unknown): ExtFields | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object' || Array.isArray(raw)) {
    throw new CodecError('header field extFields is not an object', false);
  }
  const fields = raw as Record<string, unknown>;
  // Java peers and our own clients send strings only: then the parsed object is used as it is.
  let allStrings = true;
  for (const key in fields) {
    if (typeof fields[key] !== 'string') {
      allStrings = false;
      break;
    }
  }
  if (allStrings && Object.getPrototypeOf(fields) === Object.prototype) return fields as ExtFields;
  const out: ExtFields = {};
  for (const [key, value] of Object.entries(fields)) {
    if (value === null || value === undefined) continue;
    out[key] = typeof value === 'object' ? JSON.stringify(value) : String(value);
  }
  return out;
}

export function decodeJsonHeader(bytes: Buffer, body: Buffer | undefined): RemotingCommand {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw new CodecError(`header is not valid JSON: ${(err as Error).message}`, false);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new CodecError('header JSON is not an object', false);
  }
  const h = parsed as Record<string, unknown>;
  if (h.code === undefined || h.code === null) throw new CodecError('header has no code', false);
  let language = 'JAVA';
  if (typeof h.language === 'string') language = h.language;
  else if (typeof h.language === 'number') language = LANGUAGES[h.language] ?? 'OTHER';
  return {
    code: toInt(h.code, 'code', 0),
    language,
    version: toInt(h.version, 'version', 0),
    opaque: toInt(h.opaque, 'opaque', 0),
    flag: toInt(h.flag, 'flag', 0),
    remark: typeof h.remark === 'string' ? h.remark : h.remark == null ? undefined : String(h.remark),
    extFields: coerceExtFields(h.extFields),
    body,
    serializeType: SerializeType.JSON,
  };
}
