/**
 * Typed request/response headers ↔ `extFields`, the string map Java fills by reflection from a
 * header class (key = field name, value = its toString(), null fields left out). A header is
 * described once as a schema of Java field names and kinds; decoding validates, encoding writes
 * strings.
 */
import type { ExtFields } from '../codec/command.js';

type Kind = 'string' | 'int' | 'long' | 'boolean';
/** One header field's kind and whether Java marks it @CFNotNull. Exported so schemas have nameable types. */
export interface HeaderField<K extends Kind, R extends boolean> {
  kind: K;
  required: R;
}
type Field<K extends Kind, R extends boolean> = HeaderField<K, R>;
type AnyField = Field<Kind, boolean>;
export type HeaderSchema = Record<string, AnyField>;

type ValueOf<K extends Kind> = K extends 'string' ? string : K extends 'boolean' ? boolean : number;
type RequiredKeys<S extends HeaderSchema> = { [K in keyof S]: S[K]['required'] extends true ? K : never }[keyof S];
type OptionalKeys<S extends HeaderSchema> = Exclude<keyof S, RequiredKeys<S>>;

export type HeaderOf<S extends HeaderSchema> = { [K in RequiredKeys<S>]: ValueOf<S[K]['kind']> } & {
  [K in OptionalKeys<S>]?: ValueOf<S[K]['kind']>;
};

export const str = (): Field<'string', true> => ({ kind: 'string', required: true });
export const optStr = (): Field<'string', false> => ({ kind: 'string', required: false });
export const int = (): Field<'int', true> => ({ kind: 'int', required: true });
export const optInt = (): Field<'int', false> => ({ kind: 'int', required: false });
export const long = (): Field<'long', true> => ({ kind: 'long', required: true });
export const optLong = (): Field<'long', false> => ({ kind: 'long', required: false });
export const bool = (): Field<'boolean', true> => ({ kind: 'boolean', required: true });
export const optBool = (): Field<'boolean', false> => ({ kind: 'boolean', required: false });

/** A request the peer got wrong (header or body); answered with SYSTEM_ERROR and the message, not logged as our failure. */
export class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadRequestError';
  }
}

/** A header that cannot be decoded. */
export class HeaderError extends BadRequestError {
  constructor(message: string) {
    super(message);
    this.name = 'HeaderError';
  }
}

const LONG_MAX = 9223372036854775807n;
const LONG_MIN = -9223372036854775808n;

/** Plain decimal digits, optionally signed, up to `maxDigits`: the number, else undefined (slow path decides). */
function plainInteger(raw: string, maxDigits: number): number | undefined {
  const len = raw.length;
  let i = 0;
  let negative = false;
  const first = raw.charCodeAt(0);
  if (first === 0x2d || first === 0x2b) {
    negative = first === 0x2d;
    i = 1;
  }
  if (len === i || len - i > maxDigits) return undefined;
  let n = 0;
  for (; i < len; i++) {
    const c = raw.charCodeAt(i) - 0x30;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return negative ? -n : n;
}

function parseValue(kind: Kind, name: string, raw: string): string | number | boolean {
  switch (kind) {
    case 'string':
      return raw;
    case 'boolean':
      if (raw === 'false') return false;
      if (raw === 'true') return true;
      // Java's Boolean.parseBoolean: only a case-insensitive "true" is true.
      return raw.trim().toLowerCase() === 'true';
    case 'int': {
      const quick = plainInteger(raw, 9);
      if (quick !== undefined) return quick;
      const t = raw.trim();
      if (!/^[+-]?\d{1,10}$/.test(t)) throw new HeaderError(`the custom field ${name} is not an integer: ${raw}`);
      const n = Number(t);
      if (n < -2147483648 || n > 2147483647) throw new HeaderError(`the custom field ${name} is out of int range: ${raw}`);
      return n;
    }
    case 'long': {
      const quick = plainInteger(raw, 15);
      if (quick !== undefined) return quick;
      const t = raw.trim();
      if (!/^[+-]?\d{1,19}$/.test(t)) throw new HeaderError(`the custom field ${name} is not a long: ${raw}`);
      // Offsets and timestamps (≤ 15 digits) are exact as doubles: skip the BigInt on the hot path.
      if (t.length <= 15) return Number(t);
      const b = BigInt(t);
      if (b > LONG_MAX || b < LONG_MIN) throw new HeaderError(`the custom field ${name} is out of long range: ${raw}`);
      // Offsets and timestamps fit in a double exactly; Long.MAX_VALUE style sentinels stay "huge".
      return Number(b);
    }
  }
}

export function decodeHeader<S extends HeaderSchema>(schema: S, ext: ExtFields | undefined): HeaderOf<S> {
  const out: Record<string, unknown> = {};
  for (const name in schema) {
    const spec = schema[name]!;
    const raw = ext?.[name];
    if (raw === undefined) {
      if (spec.required) throw new HeaderError(`the custom field ${name} is null`);
      continue;
    }
    out[name] = parseValue(spec.kind, name, raw);
  }
  return out as HeaderOf<S>;
}

function formatValue(kind: Kind, value: unknown): string {
  if (kind === 'long' && typeof value === 'number' && !Number.isSafeInteger(value)) {
    // Keep Java's Long.MAX_VALUE sentinel exact instead of printing 9223372036854776000.
    if (value >= 9223372036854775807) return LONG_MAX.toString();
    if (value <= -9223372036854775808) return LONG_MIN.toString();
    return BigInt(Math.trunc(value)).toString();
  }
  return String(value);
}

export function encodeHeader<S extends HeaderSchema>(schema: S, header: HeaderOf<S>): ExtFields {
  const out: ExtFields = {};
  const values = header as Record<string, unknown>;
  for (const name in schema) {
    const value = values[name];
    if (value === undefined || value === null) continue;
    out[name] = formatValue(schema[name]!.kind, value);
  }
  return out;
}
