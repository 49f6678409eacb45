/**
 * The console's HTTP plumbing: JSON replies, request bodies with a size cap, and the one error type
 * a handler throws for bad input (a 400 with a one-line JSON error). Anything else a handler throws
 * is the cluster's doing (a NameServer down, a broker unreachable) and becomes a 502 with the cause.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Bad input from the browser (or any HTTP client): answered 400 with `message`. */
export class BadRequest extends Error {
  override name = 'BadRequest';
}

/** Something asked for that does not exist (a topic, a message): answered 404. */
export class NotFound extends Error {
  override name = 'NotFound';
}

const MAX_BODY = 64 * 1024;

export function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** One line: what the page shows, without a stack. */
export function errorLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return msg.split('\n')[0]!.slice(0, 500);
}

export function statusOf(err: unknown): number {
  if (err instanceof BadRequest) return 400;
  if (err instanceof NotFound) return 404;
  return 502;
}

/** The request's JSON object body (at most 64 KiB). */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY) throw new BadRequest(`request body larger than ${MAX_BODY} bytes`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new BadRequest('request body is not JSON');
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new BadRequest('request body must be a JSON object');
  return value as Record<string, unknown>;
}

/** A required non-empty string field (of a body or a query). */
export function requireString(source: Record<string, unknown> | URLSearchParams, name: string): string {
  const v = source instanceof URLSearchParams ? source.get(name) : source[name];
  if (typeof v !== 'string' || v.trim() === '') throw new BadRequest(`${name} is required`);
  return v.trim();
}

export function optionalString(source: Record<string, unknown> | URLSearchParams, name: string): string | undefined {
  const v = source instanceof URLSearchParams ? source.get(name) ?? undefined : source[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new BadRequest(`${name} must be a string`);
  return v.trim();
}

/** An integer field in [min, max]; numbers or numeric strings. */
export function integerField(source: Record<string, unknown>, name: string, min: number, max: number, fallback?: number): number {
  const raw = source[name];
  if ((raw === undefined || raw === '') && fallback !== undefined) return fallback;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^-?\d+$/.test(raw.trim()) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new BadRequest(`${name} must be an integer from ${min} to ${max}`);
  return n;
}

/**
 * A point in time: epoch milliseconds, or a date the browser's datetime-local input or ISO 8601
 * gives ("2026-12-07T06:30", "2026-12-07T06:30:00Z"; without a zone it is the server's local time).
 */
export function timeField(value: unknown, name: string): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return value;
  if (typeof value === 'string') {
    const s = value.trim();
    if (/^\d+$/.test(s)) return Number(s);
    if (/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.test(s)) {
      const t = Date.parse(s);
      if (Number.isFinite(t)) return t;
    }
  }
  throw new BadRequest(`${name} must be epoch milliseconds or a date like 2026-12-07T06:30:00`);
}
