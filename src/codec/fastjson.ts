/**
 * The fastjson dialect of JSON that Java RocketMQ peers write and read: fastjson 1.2.x writes every
 * JSON body of the protocol (the headers are plain JSON), so every body passes through here.
 *
 * Reading: standard JSON plus *any JSON value as an object key* — bare numbers (`{0:"a",-1:"b"}`,
 * `HashMap<Long,…>`), and whole objects (`{{"brokerName":"b","queueId":0,"topic":"T"}:{…}}`,
 * `Map<MessageQueue,…>`). Objects come back as plain records whose keys are strings:
 *   - a string key is itself;
 *   - a number key is its decimal text (`0` → `"0"`, so `{0:"x"}` and `{"0":"x"}` read the same);
 *   - an object (or array) key is its canonical JSON: keys sorted, no spaces
 *     (`{"brokerName":"b","queueId":0,"topic":"T"}`); {@link parseObjectKey} turns it back into a value;
 *   - `true` / `false` / `null` keys are `"true"` / `"false"` / `"null"`.
 * Integers outside the safe range (|n| > 2^53 − 1) become `bigint`; other numbers are `number`.
 *
 * Writing ({@link toFastJson}): plain objects are Java beans (properties sorted, null/undefined
 * omitted); `Map`s are Java maps (insertion order, null values omitted) whose keys are written by
 * type — numbers bare (`{0:"x"}`), strings quoted, objects inline — or all quoted in standard mode.
 *
 * Pure module: no I/O.
 */
import { CodecError } from './errors.js';

/** Nesting limit of both reader and writer: deeper input is rejected instead of overflowing the stack. */
export const DEFAULT_MAX_DEPTH = 512;

/** Malformed JSON text. `position` is the UTF-16 offset in the text where reading failed. */
export class JsonSyntaxError extends CodecError {
  constructor(
    readonly detail: string,
    readonly position: number,
  ) {
    super(`invalid JSON: ${detail} at position ${position}`, false);
    this.name = 'JsonSyntaxError';
  }
}

export interface FastJsonParseOptions {
  /** Maximum nesting of objects/arrays (default {@link DEFAULT_MAX_DEPTH}). */
  maxDepth?: number;
}

const CH_TAB = 0x09;
const CH_LF = 0x0a;
const CH_CR = 0x0d;
const CH_SPACE = 0x20;
const CH_QUOTE = 0x22;
const CH_PLUS = 0x2b;
const CH_COMMA = 0x2c;
const CH_MINUS = 0x2d;
const CH_DOT = 0x2e;
const CH_0 = 0x30;
const CH_1 = 0x31;
const CH_9 = 0x39;
const CH_COLON = 0x3a;
const CH_E_UPPER = 0x45;
const CH_LBRACKET = 0x5b;
const CH_BACKSLASH = 0x5c;
const CH_RBRACKET = 0x5d;
const CH_E_LOWER = 0x65;
const CH_F = 0x66;
const CH_N = 0x6e;
const CH_T = 0x74;
const CH_LBRACE = 0x7b;
const CH_RBRACE = 0x7d;
const CH_BOM = 0xfeff;
const EOF = -1;

const utf8 = new TextDecoder('utf-8');

/**
 * Parses a fastjson-dialect document. Accepts a string or UTF-8 bytes (a frame body).
 * Throws {@link JsonSyntaxError} on malformed input, trailing garbage, or nesting deeper than `maxDepth`.
 */
export function parseFastJson(input: string | Uint8Array, options?: FastJsonParseOptions): unknown {
  const text = typeof input === 'string' ? input : utf8.decode(input);
  const reader = new Reader(text, options?.maxDepth ?? DEFAULT_MAX_DEPTH);
  if (text.charCodeAt(0) === CH_BOM) reader.pos = 1;
  const value = reader.value();
  if (reader.skipWs() !== EOF) reader.fail('unexpected data after the JSON value');
  return value;
}

/** Turns a canonical object key produced by {@link parseFastJson} (e.g. a MessageQueue) back into a value. */
export function parseObjectKey(key: string): unknown {
  return parseFastJson(key);
}

/** Canonical text of an object key: JSON with every object's keys sorted and no whitespace. */
export function canonicalKey(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return JSON.stringify(value);
    case 'number':
      return Number.isFinite(value) ? String(value) : 'null';
    case 'bigint':
      return value.toString();
    case 'boolean':
      return value ? 'true' : 'false';
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) return '[' + value.map(canonicalKey).join(',') + ']';
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let s = '{';
      for (let i = 0; i < keys.length; i++) {
        const k = keys[i]!;
        s += (i === 0 ? '' : ',') + JSON.stringify(k) + ':' + canonicalKey(record[k]);
      }
      return s + '}';
    }
    default:
      return 'null';
  }
}

/** Sets `obj[key] = value` without ever invoking the `__proto__` setter (no prototype pollution). */
function setMember(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') {
    Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
  } else {
    obj[key] = value;
  }
}

function describeChar(c: number): string {
  if (c === EOF) return 'end of input';
  if (c < 0x20 || c === 0x7f) return `control character U+${c.toString(16).padStart(4, '0').toUpperCase()}`;
  return `'${String.fromCharCode(c)}'`;
}

class Reader {
  pos = 0;
  private depth = 0;
  private readonly end: number;

  constructor(
    private readonly s: string,
    private readonly maxDepth: number,
  ) {
    this.end = s.length;
  }

  fail(detail: string, at: number = this.pos): never {
    throw new JsonSyntaxError(detail, at);
  }

  /** Skips whitespace; returns the char code at the new position, or EOF. */
  skipWs(): number {
    const s = this.s;
    let p = this.pos;
    while (p < this.end) {
      const c = s.charCodeAt(p);
      if (c === CH_SPACE || c === CH_LF || c === CH_CR || c === CH_TAB) {
        p++;
      } else {
        this.pos = p;
        return c;
      }
    }
    this.pos = p;
    return EOF;
  }

  value(): unknown {
    const c = this.skipWs();
    switch (c) {
      case CH_LBRACE:
        return this.object();
      case CH_LBRACKET:
        return this.array();
      case CH_QUOTE:
        return this.string();
      case CH_T:
        return this.literal('true', true);
      case CH_F:
        return this.literal('false', false);
      case CH_N:
        return this.literal('null', null);
      default:
        if (c === CH_MINUS || (c >= CH_0 && c <= CH_9)) return this.number();
        return this.fail(`unexpected ${describeChar(c)}, expected a value`);
    }
  }

  private enter(): void {
    if (++this.depth > this.maxDepth) this.fail(`nesting deeper than ${this.maxDepth} levels`);
  }

  private object(): Record<string, unknown> {
    this.enter();
    this.pos++; // '{'
    const out: Record<string, unknown> = {};
    let c = this.skipWs();
    if (c === CH_RBRACE) {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      const key = c === CH_QUOTE ? this.string() : this.key(c);
      if (this.skipWs() !== CH_COLON) this.fail(`unexpected ${describeChar(this.skipWs())}, expected ':'`);
      this.pos++;
      setMember(out, key, this.value());
      c = this.skipWs();
      if (c === CH_COMMA) {
        this.pos++;
        c = this.skipWs();
        continue;
      }
      if (c === CH_RBRACE) {
        this.pos++;
        this.depth--;
        return out;
      }
      this.fail(`unexpected ${describeChar(c)}, expected ',' or '}'`);
    }
  }

  /** A non-string object key (fastjson writes map keys as JSON values): returns its canonical string. */
  private key(c: number): string {
    if (c === CH_MINUS || (c >= CH_0 && c <= CH_9)) return String(this.number());
    if (c === CH_LBRACE || c === CH_LBRACKET || c === CH_T || c === CH_F || c === CH_N) {
      return canonicalKey(this.value());
    }
    return this.fail(`unexpected ${describeChar(c)}, expected an object key`);
  }

  private array(): unknown[] {
    this.enter();
    this.pos++; // '['
    const out: unknown[] = [];
    let c = this.skipWs();
    if (c === CH_RBRACKET) {
      this.pos++;
      this.depth--;
      return out;
    }
    for (;;) {
      out.push(this.value());
      c = this.skipWs();
      if (c === CH_COMMA) {
        this.pos++;
        continue;
      }
      if (c === CH_RBRACKET) {
        this.pos++;
        this.depth--;
        return out;
      }
      this.fail(`unexpected ${describeChar(c)}, expected ',' or ']'`);
    }
  }

  private literal<T>(word: string, value: T): T {
    if (!this.s.startsWith(word, this.pos)) this.fail(`invalid literal, expected '${word}'`);
    this.pos += word.length;
    return value;
  }

  private number(): number | bigint {
    const s = this.s;
    const start = this.pos;
    let p = start;
    let integral = true;
    if (s.charCodeAt(p) === CH_MINUS) p++;
    let c = s.charCodeAt(p);
    if (c === CH_0) {
      p++;
    } else if (c >= CH_1 && c <= CH_9) {
      p++;
      while ((c = s.charCodeAt(p)) >= CH_0 && c <= CH_9) p++;
    } else {
      this.fail('invalid number: expected a digit', p);
    }
    if (s.charCodeAt(p) === CH_DOT) {
      integral = false;
      p++;
      const digits = p;
      while ((c = s.charCodeAt(p)) >= CH_0 && c <= CH_9) p++;
      if (p === digits) this.fail('invalid number: expected a digit after the decimal point', p);
    }
    c = s.charCodeAt(p);
    if (c === CH_E_LOWER || c === CH_E_UPPER) {
      integral = false;
      p++;
      c = s.charCodeAt(p);
      if (c === CH_PLUS || c === CH_MINUS) p++;
      const digits = p;
      while ((c = s.charCodeAt(p)) >= CH_0 && c <= CH_9) p++;
      if (p === digits) this.fail('invalid number: expected a digit in the exponent', p);
    }
    this.pos = p;
    const text = s.slice(start, p);
    const n = Number(text);
    // 15 characters cannot exceed 2^53 - 1 (16 digits), so only long texts need the check.
    if (integral && p - start > 15 && !Number.isSafeInteger(n)) return BigInt(text);
    return n;
  }

  private string(): string {
    const s = this.s;
    const open = this.pos;
    let p = open + 1;
    let chunk = p;
    let out = '';
    for (;;) {
      let c = 0;
      while (p < this.end && (c = s.charCodeAt(p)) !== CH_QUOTE && c !== CH_BACKSLASH) p++;
      if (p >= this.end) this.fail('unterminated string', open);
      if (c === CH_QUOTE) {
        this.pos = p + 1;
        return chunk === open + 1 ? s.slice(chunk, p) : out + s.slice(chunk, p);
      }
      // Backslash escape. (Raw control characters are accepted, as fastjson does.)
      out += s.slice(chunk, p);
      const e = s.charCodeAt(p + 1);
      switch (e) {
        case CH_QUOTE:
          out += '"';
          break;
        case CH_BACKSLASH:
          out += '\\';
          break;
        case 0x2f:
          out += '/';
          break;
        case 0x62:
          out += '\b';
          break;
        case CH_F:
          out += '\f';
          break;
        case CH_N:
          out += '\n';
          break;
        case 0x72:
          out += '\r';
          break;
        case CH_T:
          out += '\t';
          break;
        case 0x75: {
          const hex = s.slice(p + 2, p + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('invalid \\u escape: expected 4 hex digits', p);
          out += String.fromCharCode(parseInt(hex, 16));
          p += 4;
          break;
        }
        default:
          this.fail(`invalid escape ${e === EOF || Number.isNaN(e) ? 'at end of input' : `'\\${String.fromCharCode(e)}'`}`, p);
      }
      p += 2;
      chunk = p;
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Writer

/**
 * A number that fastjson writes as a Java `double` (`0.0`, `1.5`, `1.0E10`): always with a decimal
 * point or exponent, as `Double.toString` prints it. Wrap double-typed bean properties
 * (e.g. `ConsumeStats.consumeTps`) so `0` is written as `0.0`.
 */
export class JavaDouble {
  constructor(readonly value: number) {}
  toString(): string {
    return formatJavaDouble(this.value);
  }
}

export function javaDouble(value: number): JavaDouble {
  return new JavaDouble(value);
}

/**
 * Java's `Double.toString` for finite values: plain decimal with at least one fractional digit for
 * 10^-3 ≤ |v| < 10^7, otherwise computerized scientific notation (`1.0E7`, `1.5E-4`). Digits are
 * the shortest that round-trip (as JDK 19+ prints them; older JDKs occasionally print more digits).
 */
export function formatJavaDouble(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(v);
    return s.includes('.') ? s : s + '.0';
  }
  const [mantissa, exponent] = v.toExponential().split('e') as [string, string];
  return (mantissa.includes('.') ? mantissa : mantissa + '.0') + 'E' + (exponent.startsWith('+') ? exponent.slice(1) : exponent);
}

export interface FastJsonWriteOptions {
  /**
   * Standard JSON: numeric map keys quoted (`{"0":"x"}`), object map keys written as quoted JSON
   * strings. What 4.9.4+ namesrvs send for GET_ROUTEINFO_BY_TOPIC to a client of version ≥ 401 or
   * one that asks with `acceptStandardJsonOnly=true`.
   */
  standard?: boolean;
  /** Sort map entries by key (numbers numerically, strings by UTF-16 code units): fastjson `MapSortField`. */
  sortMapKeys?: boolean;
  /**
   * fastjson `BrowserCompatible`: non-ASCII characters escaped as `\uXXXX`, and integers outside
   * ±(2^53 − 1) written as strings. 4.9.4+ namesrvs use it (with `standard` and `sortMapKeys`) for routes.
   */
  browserCompatible?: boolean;
  /** Maximum nesting (default {@link DEFAULT_MAX_DEPTH}); deeper (or circular) values throw a TypeError. */
  maxDepth?: number;
}

/**
 * Writes `value` the way fastjson's `JSON.toJSONString` writes the corresponding Java object:
 * - plain objects and class instances → beans: own enumerable properties sorted by name, members
 *   whose value is null/undefined (or a function/symbol) omitted;
 * - `Map` → map in insertion order, null/undefined values omitted; keys by type: `number`/`bigint`/
 *   `boolean` bare, `string` quoted, objects inline (`{{"brokerName":…}:…}`); in `standard` mode all
 *   keys quoted (object keys as JSON text in a string);
 * - arrays and `Set`s → arrays (null/undefined elements written as `null`);
 * - `bigint` → digits; integral numbers → digits; other numbers and {@link JavaDouble} → Java double
 *   text; NaN/±Infinity → `null`; `Date` → epoch milliseconds;
 * - strings → JSON-escaped, non-ASCII left raw (UTF-8 once encoded), like fastjson.
 * A top-level undefined is written as `null`.
 */
export function toFastJson(value: unknown, options?: FastJsonWriteOptions): string {
  const w = new Writer(options ?? {});
  return w.value(value, 0) ?? 'null';
}

const NON_ASCII = /[\u007f-\uffff]/g;
/** Characters JSON.stringify would escape: quote, backslash, control characters, surrogates. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function escapeUnicode(ch: string): string {
  return '\\u' + ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0');
}

function compareMapKeys(a: unknown, b: unknown): number {
  const an = typeof a === 'number' || typeof a === 'bigint';
  const bn = typeof b === 'number' || typeof b === 'bigint';
  if (an && bn) return a < b ? -1 : a > b ? 1 : 0;
  if (an !== bn) return an ? -1 : 1;
  const as = typeof a === 'string' ? a : canonicalKey(a);
  const bs = typeof b === 'string' ? b : canonicalKey(b);
  return as < bs ? -1 : as > bs ? 1 : 0;
}

class Writer {
  private readonly standard: boolean;
  private readonly sortMapKeys: boolean;
  private readonly browser: boolean;
  private readonly maxDepth: number;

  constructor(options: FastJsonWriteOptions) {
    this.standard = options.standard === true;
    this.sortMapKeys = options.sortMapKeys === true;
    this.browser = options.browserCompatible === true;
    this.maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
  }

  /** Returns the JSON text of `v`, or undefined when `v` is not writable (undefined, function, symbol). */
  value(v: unknown, depth: number): string | undefined {
    switch (typeof v) {
      case 'string':
        return this.str(v);
      case 'number':
        return this.num(v);
      case 'bigint':
        return this.big(v);
      case 'boolean':
        return v ? 'true' : 'false';
      case 'object':
        if (v === null) return 'null';
        if (v instanceof JavaDouble) return Number.isFinite(v.value) ? formatJavaDouble(v.value) : 'null';
        if (depth >= this.maxDepth) {
          throw new TypeError(`toFastJson: nesting deeper than ${this.maxDepth} levels (circular structure?)`);
        }
        if (Array.isArray(v)) return this.list(v, depth + 1);
        if (v instanceof Map) return this.map(v, depth + 1);
        if (v instanceof Set) return this.list(v, depth + 1);
        if (v instanceof Date) return String(v.getTime());
        return this.bean(v as Record<string, unknown>, depth + 1);
      default:
        return undefined;
    }
  }

  private str(s: string): string {
    // Most strings need no escaping: skip the native call for them.
    const quoted = NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : '"' + s + '"';
    return this.browser ? quoted.replace(NON_ASCII, escapeUnicode) : quoted;
  }

  private num(n: number): string {
    if (Number.isInteger(n)) {
      if (Number.isSafeInteger(n)) return n === 0 ? '0' : String(n);
      return this.big(BigInt(n));
    }
    return Number.isFinite(n) ? formatJavaDouble(n) : 'null';
  }

  private big(n: bigint): string {
    const s = n.toString();
    if (this.browser && (n > 9007199254740991n || n < -9007199254740991n)) return '"' + s + '"';
    return s;
  }

  private list(items: Iterable<unknown>, depth: number): string {
    let s = '[';
    let first = true;
    for (const item of items) {
      s += (first ? '' : ',') + (this.value(item, depth) ?? 'null');
      first = false;
    }
    return s + ']';
  }

  private bean(obj: Record<string, unknown>, depth: number): string {
    const keys = Object.keys(obj).sort();
    let s = '{';
    let first = true;
    for (const key of keys) {
      const v = obj[key];
      if (v === null || v === undefined) continue;
      const text = this.value(v, depth);
      if (text === undefined) continue;
      s += (first ? '' : ',') + this.str(key) + ':' + text;
      first = false;
    }
    return s + '}';
  }

  private map(m: Map<unknown, unknown>, depth: number): string {
    let entries: Iterable<[unknown, unknown]> = m;
    if (this.sortMapKeys) entries = [...m].sort((a, b) => compareMapKeys(a[0], b[0]));
    let s = '{';
    let first = true;
    for (const [k, v] of entries) {
      if (v === null || v === undefined) continue;
      const text = this.value(v, depth);
      if (text === undefined) continue;
      s += (first ? '' : ',') + this.mapKey(k, depth) + ':' + text;
      first = false;
    }
    return s + '}';
  }

  private mapKey(k: unknown, depth: number): string {
    if (typeof k === 'string') return this.str(k);
    if (typeof k === 'object' && k !== null && !(k instanceof JavaDouble)) {
      const inline = this.value(k, depth) ?? 'null';
      return this.standard ? this.str(inline) : inline;
    }
    const bare = k === undefined || typeof k === 'function' || typeof k === 'symbol' ? 'null' : this.value(k, depth)!;
    if (!this.standard) return bare;
    return bare.charCodeAt(0) === CH_QUOTE ? bare : '"' + bare + '"';
  }
}
