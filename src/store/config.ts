/**
 * Store settings under RocketMQ 4.3.2's `MessageStoreConfig` property names and defaults
 * (the names operators' property files use), plus the few broker settings the store needs (store host).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseConfigValue, type ConfigField } from '../common/config.js';

export type FlushDiskType = 'ASYNC_FLUSH' | 'SYNC_FLUSH';
export type BrokerRole = 'ASYNC_MASTER' | 'SYNC_MASTER' | 'SLAVE';

export interface StoreConfig {
  storePathRootDir: string;
  /** Defaults to `<storePathRootDir>/commitlog` (4.9.4+ rule; 4.3.2 used `~/store/commitlog`). */
  storePathCommitLog: string;
  mapedFileSizeCommitLog: number;
  mapedFileSizeConsumeQueue: number;
  flushDiskType: FlushDiskType;
  brokerRole: BrokerRole;
  flushIntervalCommitLog: number;
  flushCommitLogLeastPages: number;
  flushCommitLogThoroughInterval: number;
  flushIntervalConsumeQueue: number;
  flushConsumeQueueLeastPages: number;
  flushConsumeQueueThoroughInterval: number;
  syncFlushTimeout: number;
  cleanResourceInterval: number;
  deleteWhen: string;
  fileReservedTime: number;
  diskMaxUsedSpaceRatio: number;
  cleanFileForciblyEnable: boolean;
  /** JVM property `rocketmq.broker.diskSpaceCleanForciblyRatio` in Java; a ratio 0..1. */
  diskSpaceCleanForciblyRatio: number;
  /** JVM property `rocketmq.broker.diskSpaceWarningLevelRatio` in Java: above it, puts are refused. */
  diskSpaceWarningLevelRatio: number;
  maxMessageSize: number;
  checkCRCOnRecover: boolean;
  messageIndexEnable: boolean;
  maxHashSlotNum: number;
  maxIndexNum: number;
  maxMsgsNumBatch: number;
  messageIndexSafe: boolean;
  maxTransferBytesOnMessageInMemory: number;
  maxTransferCountOnMessageInMemory: number;
  maxTransferBytesOnMessageInDisk: number;
  maxTransferCountOnMessageInDisk: number;
  accessMessageInMemoryMaxRatio: number;
  messageDelayLevel: string;
  haTransferBatchSize: number;
  /** The HA port a master listens on for its slaves; the broker uses listenPort + 1 unless it is set. */
  haListenPort: number;
  /** `brokerIP1` (broker setting): written as STOREHOST of every record. */
  brokerIP1: string;
  /** `listenPort` (broker setting): the STOREHOST port. */
  listenPort: number;
  /**
   * Apogee: how many of the newest CommitLog files keep an in-memory image for reads without a pread
   * (Node has no mmap; older files are read with positional reads). One more image, the last one
   * let go, is kept for the next segment to reuse.
   */
  commitLogCachedFiles: number;
}

export function defaultStoreConfig(root = join(homedir(), 'store')): StoreConfig {
  return {
    storePathRootDir: root,
    storePathCommitLog: join(root, 'commitlog'),
    mapedFileSizeCommitLog: 1024 * 1024 * 1024,
    mapedFileSizeConsumeQueue: 300000 * 20,
    flushDiskType: 'ASYNC_FLUSH',
    brokerRole: 'ASYNC_MASTER',
    flushIntervalCommitLog: 500,
    flushCommitLogLeastPages: 4,
    flushCommitLogThoroughInterval: 10000,
    flushIntervalConsumeQueue: 1000,
    flushConsumeQueueLeastPages: 2,
    flushConsumeQueueThoroughInterval: 60000,
    syncFlushTimeout: 5000,
    cleanResourceInterval: 10000,
    deleteWhen: '04',
    fileReservedTime: 72,
    diskMaxUsedSpaceRatio: 75,
    cleanFileForciblyEnable: true,
    diskSpaceCleanForciblyRatio: 0.85,
    diskSpaceWarningLevelRatio: 0.9,
    maxMessageSize: 1024 * 1024 * 4,
    checkCRCOnRecover: true,
    messageIndexEnable: true,
    maxHashSlotNum: 5000000,
    maxIndexNum: 5000000 * 4,
    maxMsgsNumBatch: 64,
    messageIndexSafe: false,
    maxTransferBytesOnMessageInMemory: 1024 * 256,
    maxTransferCountOnMessageInMemory: 32,
    maxTransferBytesOnMessageInDisk: 1024 * 64,
    maxTransferCountOnMessageInDisk: 8,
    accessMessageInMemoryMaxRatio: 40,
    messageDelayLevel: '1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h',
    haTransferBatchSize: 1024 * 32,
    haListenPort: 10912,
    brokerIP1: '127.0.0.1',
    listenPort: 10911,
    commitLogCachedFiles: 2,
  };
}

/**
 * Builds a config from defaults and overrides. `storePathCommitLog` follows the root unless given.
 * The ConsumeQueue file size is rounded up to whole 20-byte entries, as Java's getter does.
 */
export function resolveStoreConfig(overrides: Partial<StoreConfig> & { storePathRootDir: string }): StoreConfig {
  const config = { ...defaultStoreConfig(overrides.storePathRootDir), ...overrides };
  if (overrides.storePathCommitLog === undefined) config.storePathCommitLog = join(config.storePathRootDir, 'commitlog');
  config.mapedFileSizeConsumeQueue = Math.ceil(config.mapedFileSizeConsumeQueue / 20) * 20;
  config.diskMaxUsedSpaceRatio = Math.min(95, Math.max(10, config.diskMaxUsedSpaceRatio));
  return config;
}

/**
 * What each store property accepts. Defaults live in defaultStoreConfig (some depend on the root);
 * brokerIP1 and listenPort are broker settings copied in, so they are not listed here.
 */
const int = (min?: number, max?: number): ConfigField => ({ kind: 'int', default: 0, min, max });
const bool: ConfigField = { kind: 'boolean', default: false };
const text: ConfigField = { kind: 'string', default: '' };
export const StoreConfigSpec = {
  storePathRootDir: { ...text, check: (v) => (v === '' ? 'a directory path' : undefined) },
  storePathCommitLog: { ...text, check: (v) => (v === '' ? 'a directory path' : undefined) },
  mapedFileSizeCommitLog: int(4096, 2 ** 31 - 1),
  mapedFileSizeConsumeQueue: int(20, 2 ** 31 - 1),
  flushDiskType: { kind: 'enum', default: 'ASYNC_FLUSH', values: ['ASYNC_FLUSH', 'SYNC_FLUSH'] },
  brokerRole: { kind: 'enum', default: 'ASYNC_MASTER', values: ['ASYNC_MASTER', 'SYNC_MASTER', 'SLAVE'] },
  flushIntervalCommitLog: int(1),
  flushCommitLogLeastPages: int(0),
  flushCommitLogThoroughInterval: int(0),
  flushIntervalConsumeQueue: int(1),
  flushConsumeQueueLeastPages: int(0),
  flushConsumeQueueThoroughInterval: int(0),
  syncFlushTimeout: int(1),
  cleanResourceInterval: int(1),
  deleteWhen: { ...text, check: (v) => (/^\d{1,2}(;\d{1,2})*$/.test(String(v)) ? undefined : 'hours of the day separated by ;, e.g. 04 or 04;16') },
  fileReservedTime: int(0),
  diskMaxUsedSpaceRatio: int(0, 100),
  cleanFileForciblyEnable: bool,
  diskSpaceCleanForciblyRatio: { kind: 'double', default: 0, min: 0, max: 1 },
  diskSpaceWarningLevelRatio: { kind: 'double', default: 0, min: 0, max: 1 },
  maxMessageSize: int(1),
  checkCRCOnRecover: bool,
  messageIndexEnable: bool,
  maxHashSlotNum: int(1),
  maxIndexNum: int(1),
  maxMsgsNumBatch: int(1),
  messageIndexSafe: bool,
  maxTransferBytesOnMessageInMemory: int(1),
  maxTransferCountOnMessageInMemory: int(1),
  maxTransferBytesOnMessageInDisk: int(1),
  maxTransferCountOnMessageInDisk: int(1),
  accessMessageInMemoryMaxRatio: int(0, 100),
  messageDelayLevel: { ...text, check: (v) => delayLevelProblem(String(v)) },
  haTransferBatchSize: int(1),
  haListenPort: int(1, 65535),
  commitLogCachedFiles: int(0),
} satisfies Record<Exclude<keyof StoreConfig, 'brokerIP1' | 'listenPort'>, ConfigField>;

/**
 * Applies `key=value` settings (e.g. from a broker `.properties` file). Every value is checked
 * against StoreConfigSpec; the first bad one throws a ConfigError naming key, value and what is
 * allowed. Keys the spec does not know are returned for the caller to judge.
 */
export function applyStoreProperties(config: StoreConfig, props: Readonly<Record<string, string>>): string[] {
  const unknown: string[] = [];
  const target = config as unknown as Record<string, unknown>;
  for (const [key, raw] of Object.entries(props)) {
    const field = (StoreConfigSpec as Record<string, ConfigField>)[key];
    if (!field) unknown.push(key);
    else target[key] = parseConfigValue(field, key, raw);
  }
  return unknown;
}

function delayLevelProblem(text: string): string | undefined {
  try {
    parseDelayLevels(text);
    return undefined;
  } catch {
    return 'space-separated delays such as "1s 5s 10s 30s 1m 2h" (units ms, s, m, h, d; at least one)';
  }
}

/** Parses `messageDelayLevel` into milliseconds per level (index 0 = level 1). */
export function parseDelayLevels(text: string): number[] {
  // s/m/h/d as in Java; `ms` is Apogee's addition so tests can run delay levels in milliseconds.
  const units: Record<string, number> = { ms: 1, s: 1000, m: 60000, h: 3600000, d: 86400000 };
  const out: number[] = [];
  for (const token of text.split(' ')) {
    if (token === '') continue;
    const m = /^(\d+)(ms|s|m|h|d)$/.exec(token);
    if (!m) throw new Error(`bad messageDelayLevel token "${token}"`);
    out.push(Number(m[1]) * units[m[2]!]!);
  }
  if (out.length === 0) throw new Error('messageDelayLevel has no levels');
  return out;
}
