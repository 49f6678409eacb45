/**
 * Per request code and response code: how many requests a server answered and how long each took,
 * kept as plain numbers in fixed latency buckets. The server records into it once per request (no
 * allocation once a code pair has been seen); a metrics endpoint reads it when scraped.
 */

/** Upper bounds in milliseconds (RocketMQ 5.x's rocketmq_rpc_latency buckets). */
export const RPC_LATENCY_BUCKETS_MS: readonly number[] = [1, 3, 5, 10, 100, 1000, 3000, 5000];

/** The answer recorded for a request the server never answered (oneway, or dropped). */
export const NO_RESPONSE = -1;

export interface RequestTiming {
  readonly requestCode: number;
  readonly responseCode: number;
  /** A pull the broker held until messages arrived or its time ran out (RocketMQ's is_long_polling). */
  readonly longPolling: boolean;
  /** Requests per bucket of RPC_LATENCY_BUCKETS_MS, plus one overflow bucket at the end (not cumulative). */
  readonly buckets: Float64Array;
  sumMs: number;
  count: number;
}

export class RequestTimings {
  private readonly byCode = new Map<number, Map<number, RequestTiming>>();

  record(requestCode: number, responseCode: number, ms: number, longPolling = false): void {
    let byResponse = this.byCode.get(requestCode);
    if (!byResponse) this.byCode.set(requestCode, (byResponse = new Map()));
    // Response codes are small non-negative numbers (or NO_RESPONSE): one key for both flags.
    const k = longPolling ? -2 - responseCode : responseCode;
    let t = byResponse.get(k);
    if (!t) {
      t = { requestCode, responseCode, longPolling, buckets: new Float64Array(RPC_LATENCY_BUCKETS_MS.length + 1), sumMs: 0, count: 0 };
      byResponse.set(k, t);
    }
    let i = 0;
    while (i < RPC_LATENCY_BUCKETS_MS.length && ms > RPC_LATENCY_BUCKETS_MS[i]!) i++;
    t.buckets[i]!++;
    t.sumMs += ms;
    t.count++;
  }

  *all(): IterableIterator<RequestTiming> {
    for (const byResponse of this.byCode.values()) yield* byResponse.values();
  }
}
