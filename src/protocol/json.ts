/**
 * Lenient coercion of parsed fastjson-dialect bodies and files. Peers of every version write
 * numbers as numbers, bigints or strings and booleans as booleans or strings; these helpers read
 * all of them the way fastjson would bind them to a Java field, falling back when a field is absent.
 */
import { parseFastJson } from '../codec/fastjson.js';
import { BadRequestError } from './header.js';

export type Obj = Record<string, unknown>;

/** A body (or file) that is not the JSON shape its request promises. */
export class BodyError extends BadRequestError {
  constructor(message: string) {
    super(message);
    this.name = 'BodyError';
  }
}

/** The value as an object, or a BodyError naming `what` (for shapes whose absence is an error). */
export function asObject(v: unknown, what: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new BodyError(`${what} is not an object`);
  return v as Obj;
}

/** The value as an object, or an empty one (for nested members a peer may leave out). */
export function obj(v: unknown): Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {};
}

export function num(v: unknown, fallback = 0): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v))) return Number(v);
  return fallback;
}

export function str(v: unknown, fallback = ''): string {
  return typeof v === 'string' ? v : v === undefined || v === null ? fallback : String(v);
}

export function bool(v: unknown, fallback = false): boolean {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') return v.toLowerCase() === 'true';
  return fallback;
}

export function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function strList(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Parses a request or response body that must be a JSON object. */
export function parseJsonBody(body: Buffer | undefined, what: string): Obj {
  if (!body || body.length === 0) throw new BodyError(`${what} has no body`);
  let value: unknown;
  try {
    value = parseFastJson(body.toString('utf8'));
  } catch (err) {
    throw new BodyError(`${what} body is not valid JSON: ${(err as Error).message}`);
  }
  return asObject(value, `${what} body`);
}
