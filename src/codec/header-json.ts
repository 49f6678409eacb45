/** JSON header (serialize type 0), remoting-protocol §1.4. */
import { CodecError } from './errors.js';
import { quoteJson } from './json-string.js';
import { LANGUAGES, SerializeType, type ExtFields, type RemotingCommand } from './command.js';

/**
 * Writes the header as fastjson writes the Java bean: members in alphabetical order, nulls omitted,
 * `serializeTypeCurrentRPC` included so our bytes match Java's.
 */
export function encodeJsonHeader(cmd: RemotingCommand): Buffer {
  let s = '{"code":' + (cmd.code | 0);
  if (cmd.extFields !== undefined) {
    s += ',"extFields":{';
    let first = true;
    for (const key in cmd.extFields) {
      const value = cmd.extFields[key];
      if (value === undefined || value === null) continue;
      s += (first ? '' : ',') + quoteJson(key) + ':' + quoteJson(String(value));
      first = false;
    }
    s += '}';
  }
  s += ',"flag":' + (cmd.flag | 0);
  s += ',"language":' + quoteJson(cmd.language || 'JAVA');
  s += ',"opaque":' + (cmd.opaque | 0);
  if (cmd.remark !== undefined && cmd.remark !== null) s += ',"remark":' + quoteJson(cmd.remark);
  s += ',"serializeTypeCurrentRPC":"JSON","version":' + (cmd.version | 0) + '}';
  return Buffer.from(s, 'utf8');
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
