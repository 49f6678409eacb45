/**
 * RocketMQ versions on the wire: every frame's `version` is the ordinal of a
 * constant of Java's `MQVersion.Version` enum. This module holds the 4.1+ enum (613 names) as data,
 * for display and for the few version gates a server applies. Never index anything by a peer's
 * version without a bounds check: that is exactly how 3.5.x NameServers reject 4.x brokers (their
 * enum lookup overflows on an ordinal ≥ 212, and the registration fails with SYSTEM_ERROR).
 */

/** 3.0.0's pre-releases, ordinals 0–15. */
const V3_0_0_PRERELEASES = [
  'V3_0_0_SNAPSHOT', 'V3_0_0_ALPHA1',
  'V3_0_0_BETA1', 'V3_0_0_BETA2', 'V3_0_0_BETA3', 'V3_0_0_BETA4', 'V3_0_0_BETA5',
  'V3_0_0_BETA6_SNAPSHOT', 'V3_0_0_BETA6', 'V3_0_0_BETA7_SNAPSHOT', 'V3_0_0_BETA7',
  'V3_0_0_BETA8_SNAPSHOT', 'V3_0_0_BETA8', 'V3_0_0_BETA9_SNAPSHOT', 'V3_0_0_BETA9',
  'V3_0_0_FINAL',
] as const;

/**
 * The remaining 3.x releases as [minor, first patch, last patch]; each release contributes
 * `V3_minor_patch_SNAPSHOT` then `V3_minor_patch` (16–211). Irregular on purpose: 3.0 runs to patch
 * 15, 3.1 and 3.2 start at patch 0, 3.3–3.9 start at patch 1.
 */
const V3_RELEASES: ReadonlyArray<readonly [minor: number, first: number, last: number]> = [
  [0, 1, 15], [1, 0, 9], [2, 0, 9], [3, 1, 9], [4, 1, 9], [5, 1, 9], [6, 1, 9], [7, 1, 9], [8, 1, 9], [9, 1, 9],
];

function buildNames(): readonly string[] {
  const names: string[] = [...V3_0_0_PRERELEASES];
  for (const [minor, first, last] of V3_RELEASES) {
    for (let patch = first; patch <= last; patch++) names.push(`V3_${minor}_${patch}_SNAPSHOT`, `V3_${minor}_${patch}`);
  }
  for (let major = 4; major <= 5; major++) {
    for (let minor = 0; minor <= 9; minor++) {
      for (let patch = 0; patch <= 9; patch++) names.push(`V${major}_${minor}_${patch}_SNAPSHOT`, `V${major}_${minor}_${patch}`);
    }
  }
  names.push('HIGHER_VERSION');
  return Object.freeze(names);
}

/** `MQVersion.Version` of Java 4.1.0+ in ordinal order: index = wire value. 613 names. */
export const VERSION_NAMES: readonly string[] = buildNames();

/** Number of constants of the 4.1+ enum (613). A 3.5.8 enum has 212 (ordinals 0–211). */
export const VERSION_COUNT = VERSION_NAMES.length;

const ORDINALS = new Map<string, number>(VERSION_NAMES.map((name, ordinal) => [name, ordinal]));

// Constants the code refers to (checked against the table by the tests).
/** Namesrv REGISTER_BROKER body switch: below it the body is a bare TopicConfigSerializeWrapper. */
export const V3_0_11 = 37;
/** Reset-offset / consumer-status features need a client ≥ this. */
export const V3_0_7_SNAPSHOT = 28;
/** GET_CONSUMER_RUNNING_INFO / CONSUME_MESSAGE_DIRECTLY need a client ≥ this. */
export const V3_1_8_SNAPSHOT = 62;
/** `maxReconsumeTimes` is honoured from this client version; ali-ons always sends 121. */
export const V3_4_9 = 121;
/** What Alibaba RocketMQ 3.5.8 sends. */
export const V3_5_8 = 137;
/** The last constant a 3.5.x peer knows: larger versions crash its `value2Version`. */
export const V3_9_9 = 211;
export const V4_0_0_SNAPSHOT = 212;
/** SQL92 filtering needs a broker ≥ this (Java clients check the broker's heartbeat-response version). */
export const V4_1_0_SNAPSHOT = 232;
export const V4_3_2 = 277;
/** From this client version a namesrv answers GET_ROUTEINFO_BY_TOPIC in standard JSON. */
export const V4_9_4 = 401;
export const V4_9_8 = 409;
export const V5_0_0 = 413;
/** Last constant of the 4.1+ enum; Java clamps anything larger to it. */
export const HIGHER_VERSION = 612;

/**
 * The version our servers put in every response: ≥ V4_1_0_SNAPSHOT, since 4.x clients refuse SQL92
 * subscriptions on a broker that reports an older version.
 */
export const SERVER_VERSION = V4_9_8;
/**
 * The version our broker sends in REGISTER_BROKER: ≤ V3_9_9 so 3.5.x NameServers accept it, ≥ V3_0_11
 * so every NameServer reads the RegisterBrokerBody format.
 */
export const BROKER_REGISTER_VERSION = V3_5_8;

/**
 * Display name of a wire version, e.g. `277` → `"V4_3_2"`. Never throws: versions beyond the table
 * (≥ 613) read `"HigherVersion"` (3.5.8's `getVersionDesc` text; Java 4.1+ would print `HIGHER_VERSION`),
 * negative or non-integer values read `"Unknown(-3)"`.
 */
export function versionName(ordinal: number): string {
  if (!Number.isInteger(ordinal) || ordinal < 0) return `Unknown(${ordinal})`;
  return VERSION_NAMES[ordinal] ?? 'HigherVersion';
}

/** Wire value of a version name, e.g. `"V3_5_8"` → 137; undefined for names not in the table. */
export function versionOrdinal(name: string): number | undefined {
  return ORDINALS.get(name);
}

/**
 * Wire value of a 4.x/5.x release (`snapshot` for its `_SNAPSHOT` constant), by the 4.1+ rule
 * `213 + 2·(100·(major−4) + 10·minor + patch)`, e.g. (4, 3, 2) → 277. Undefined outside 4.0.0–5.9.9.
 */
export function releaseOrdinal(major: number, minor: number, patch: number, snapshot = false): number | undefined {
  const ok = (n: number, lo: number, hi: number): boolean => Number.isInteger(n) && n >= lo && n <= hi;
  if (!ok(major, 4, 5) || !ok(minor, 0, 9) || !ok(patch, 0, 9)) return undefined;
  return 213 + 2 * (100 * (major - 4) + 10 * minor + patch) - (snapshot ? 1 : 0);
}
