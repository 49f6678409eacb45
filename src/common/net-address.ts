/** The host's own address, chosen the way Apache RocketMQ's RemotingUtil.getLocalAddress does. */
import { networkInterfaces } from 'node:os';

/**
 * The first IPv4 address that starts with neither 127.0 nor 192.168; failing that the last IPv4
 * address found (Java's order: interfaces as the OS lists them). Java would fall back to an IPv6
 * address next, but a store host (STOREHOST in every record) is IPv4 only here, so Apogee falls
 * back to 127.0.0.1.
 */
export function localIPv4Address(interfaces = networkInterfaces()): string {
  const all: string[] = [];
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) if (a.family === 'IPv4' || (a.family as unknown) === 4) all.push(a.address);
  }
  const preferred = all.find((ip) => !ip.startsWith('127.0') && !ip.startsWith('192.168'));
  return preferred ?? all[all.length - 1] ?? '127.0.0.1';
}

/** True for addresses that mean "every interface" (where listening says nothing about reachability). */
export function isWildcardAddress(host: string): boolean {
  return host === '' || host === '0.0.0.0' || host === '::' || host === '[::]';
}
