/**
 * How long a broker's graceful stop (SIGTERM, `mqshutdown broker`) may take at most, so packaging
 * can give it enough time before a supervisor's SIGKILL: Docker's stop_grace_period, Kubernetes'
 * terminationGracePeriodSeconds, systemd's TimeoutStopSec. `Broker.shutdown` spends it as:
 * re-register without write permission (one NameServer round trip, all in parallel), wait for the
 * sends in flight (drainTimeoutMs), unregister (another round trip), close the sockets, then
 * persist the config files and close the store.
 */

/** How long `Broker.shutdown` lets its servers close their connections. */
export const SOCKET_CLOSE_MS = 2000;

/** Room for the final flush of the store and config files (a page cache's worth of dirty data). */
export const STORE_CLOSE_ALLOWANCE_MS = 5000;

export interface StopTimeouts {
  drainTimeoutMs: number;
  registerBrokerTimeoutMills: number;
}

/** The longest a broker's graceful stop can take with these settings. */
export function longestStopMs(c: StopTimeouts): number {
  return c.drainTimeoutMs + 2 * c.registerBrokerTimeoutMills + SOCKET_CLOSE_MS + STORE_CLOSE_ALLOWANCE_MS;
}
