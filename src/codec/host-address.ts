/**
 * Socket addresses as RocketMQ stores them (BORNHOST, STOREHOST, offset message ids): 4 IP bytes
 * for IPv4, 16 for IPv6 (the 4.6+ layout), then a 32-bit port.
 */
import { Buffer } from 'node:buffer';
import { CodecError } from './errors.js';

/** A socket address as stored in a record. `ip` is dotted IPv4 or (4.6+ layout) IPv6 text. */
export interface HostAddress {
  readonly ip: string;
  readonly port: number;
}

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

/** IP text of the 4 (or, when `v6`, 16) bytes at `pos`; IPv6 groups unabbreviated, as Java prints them. */
export function formatIp(buf: Uint8Array, pos: number, v6: boolean): string {
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
