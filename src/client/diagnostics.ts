/** What a client reports about itself (route changes, failovers, retries, rebalances, errors) to onDiagnostic. */
import type { TopicRouteData } from '../protocol/route.js';

export type DiagnosticEvent =
  | { type: 'route'; topic: string; route?: TopicRouteData; error?: Error }
  | { type: 'namesrv-failover'; from: string; to: string; error: Error }
  | { type: 'heartbeat'; brokerAddr: string; version?: number; error?: Error }
  | { type: 'connect-failed'; address: string; retryInMs: number; error: Error }
  | { type: 'disconnect'; address: string }
  | { type: 'send-retry'; topic: string; brokerName: string; attempt: number; error: Error }
  | { type: 'broker-fault'; brokerName: string; latencyMs: number; unavailableForMs: number }
  /** `failed`: queues allocated to us that could not start (each also reported as `queue-start-failed`); retried soon. */
  | { type: 'rebalance'; group: string; topic: string; assigned: string[]; added: string[]; removed: string[]; failed: string[] }
  | { type: 'queue-start-failed'; group: string; queue: string; error: Error }
  | { type: 'pull-error'; group: string; queue: string; error: Error }
  | { type: 'flow-control'; group: string; queue: string; cachedCount: number; cachedBytes: number }
  | { type: 'consume-error'; group: string; msgId: string; error: Error }
  | { type: 'send-back'; group: string; msgId: string; fallback: boolean; error?: Error }
  | { type: 'offset-persist-error'; group: string; error: Error }
  | { type: 'transaction-check'; group: string; msgId: string; state: string; error?: Error }
  | { type: 'server-request'; code: number; address: string }
  | { type: 'error'; where: string; error: Error };
