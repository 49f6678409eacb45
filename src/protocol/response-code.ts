/**
 * Response codes. 0–4 are the remoting framework's own codes
 * (`RemotingSysResponseCode`), the rest are RocketMQ's. Values are identical in 3.5.8, 4.3.2 and 4.9.8.
 * Java clients decide by `code` only (remarks may be stale), so pick codes carefully.
 */
export const ResponseCode = {
  SUCCESS: 0,
  /** Any server exception, a missing required header field, explicit failures. */
  SYSTEM_ERROR: 1,
  /** Thread pool full / flow control. */
  SYSTEM_BUSY: 2,
  REQUEST_CODE_NOT_SUPPORTED: 3,
  TRANSACTION_FAILED: 4,

  /** Send stored, but the sync flush timed out. */
  FLUSH_DISK_TIMEOUT: 10,
  /** Send stored, but the sync master has no slave (also END_TRANSACTION on a slave). */
  SLAVE_NOT_AVAILABLE: 11,
  /** Send stored, but the slave sync timed out. */
  FLUSH_SLAVE_TIMEOUT: 12,
  MESSAGE_ILLEGAL: 13,
  SERVICE_NOT_AVAILABLE: 14,
  /** Defined but unused in 4.x. */
  VERSION_NOT_SUPPORTED: 15,
  NO_PERMISSION: 16,
  TOPIC_NOT_EXIST: 17,
  TOPIC_EXIST_ALREADY: 18,
  PULL_NOT_FOUND: 19,
  PULL_RETRY_IMMEDIATELY: 20,
  PULL_OFFSET_MOVED: 21,
  QUERY_NOT_FOUND: 22,
  SUBSCRIPTION_PARSE_FAILED: 23,
  SUBSCRIPTION_NOT_EXIST: 24,
  SUBSCRIPTION_NOT_LATEST: 25,
  SUBSCRIPTION_GROUP_NOT_EXIST: 26,
  /** 4.x. */
  FILTER_DATA_NOT_EXIST: 27,
  /** 4.x. */
  FILTER_DATA_NOT_LATEST: 28,

  TRANSACTION_SHOULD_COMMIT: 200,
  TRANSACTION_SHOULD_ROLLBACK: 201,
  /** Sic: Java spells it UNKNOW. */
  TRANSACTION_STATE_UNKNOW: 202,
  TRANSACTION_STATE_GROUP_WRONG: 203,
  NO_BUYER_ID: 204,
  NOT_IN_CURRENT_UNIT: 205,
  CONSUMER_NOT_ONLINE: 206,
  CONSUME_MSG_TIMEOUT: 207,
  NO_MESSAGE: 208,
  /** 4.6+ ACL administration. */
  UPDATE_AND_CREATE_ACL_CONFIG_FAILED: 209,
  DELETE_ACL_CONFIG_FAILED: 210,
  UPDATE_GLOBAL_WHITE_ADDRS_CONFIG_FAILED: 211,
  /** 4.9.x. */
  FLOW_CONTROL: 215,
} as const;

export type ResponseCodeName = keyof typeof ResponseCode;
export type ResponseCodeValue = (typeof ResponseCode)[ResponseCodeName];

const NAMES = new Map<number, string>(Object.entries(ResponseCode).map(([name, code]) => [code, name]));

/** The name of a response code for logs, e.g. `17` → `"TOPIC_NOT_EXIST"`; unknown → `"UNKNOWN(99)"`. */
export function responseCodeName(code: number): string {
  return NAMES.get(code) ?? `UNKNOWN(${code})`;
}

/** True if `code` is a response code some Java RocketMQ 3.5–4.9 version defines. */
export function isKnownResponseCode(code: number): boolean {
  return NAMES.has(code);
}
