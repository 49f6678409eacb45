/** Options every client object shares (its ClientInstance's), and their defaults (Java ClientConfig's). */
import { V4_9_8 } from '../../protocol/version.js';
import type { AclCredentials } from '../acl.js';
import type { DiagnosticEvent } from '../diagnostics.js';
import { withDefaults } from './resolve.js';

export interface ClientOptions {
  /** NameServer addresses: `"host:port;host:port"` or an array. */
  namesrvAddr: string | readonly string[];
  /** The IP part of the client id (default: first non-internal IPv4). */
  clientIP?: string;
  /** The instance part of the client id (default: `<pid>#<n>`, unique per client in the process). */
  instanceName?: string;
  unitName?: string;
  /** Timeout of NameServer and other short calls (Java 3000). */
  requestTimeoutMs?: number;
  /** Route refresh period (Java `pollNameServerInterval` 30000). */
  pollNameServerInterval?: number;
  /** Heartbeat period (Java `heartbeatBrokerInterval` 30000). */
  heartbeatBrokerInterval?: number;
  /** Send broker calls other than pull/heartbeat to the VIP port (listenPort − 2), as 4.0–4.4 Java clients do. */
  vipChannelEnabled?: boolean;
  /** MQVersion ordinal put in every request (default V4_9_8 = 409). */
  version?: number;
  /** First reconnect back-off after a failed connect (default 100 ms, doubling up to `maxReconnectBackoffMs`). */
  reconnectBackoffMs?: number;
  maxReconnectBackoffMs?: number;
  /** ACL credentials (Apache 4.4+ brokers with aclEnable): every request is signed. */
  credentials?: AclCredentials;
  /** Called for every diagnostics event (also emitted as `'diagnostic'` on the client object). */
  onDiagnostic?: (event: DiagnosticEvent) => void;
}
export const CLIENT_DEFAULTS = {
  requestTimeoutMs: 3000,
  pollNameServerInterval: 30_000,
  heartbeatBrokerInterval: 30_000,
  vipChannelEnabled: false,
  version: V4_9_8,
  reconnectBackoffMs: 100,
  maxReconnectBackoffMs: 10_000,
};

export type ResolvedClientOptions = Omit<ClientOptions, keyof typeof CLIENT_DEFAULTS> & Required<typeof CLIENT_DEFAULTS>;

export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  return withDefaults(CLIENT_DEFAULTS, options);
}
