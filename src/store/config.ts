/**
 * Store settings under RocketMQ 4.3.2's `MessageStoreConfig` property names and defaults
 * (store-ha-config §8.3), plus the few broker settings the store needs (store host).
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

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
 * Applies `key=value` settings (e.g. from a broker `.properties` file) with Java's parse rules:
 * no trimming, booleans true only for "true" in any case, unparsable values keep the default.
 * Returns the keys that were present but could not be applied, so callers can warn.
 */
export function applyStoreProperties(config: StoreConfig, props: Readonly<Record<string, string>>): string[] {
  const rejected: string[] = [];
  const target = config as unknown as Record<string, unknown>;
  for (const [key, raw] of Object.entries(props)) {
    if (!(key in target)) continue;
    const current = target[key];
    if (typeof current === 'number') {
      const n = /^[+-]?\d+$/.test(raw) ? Number(raw) : NaN;
      if (Number.isFinite(n)) target[key] = n;
      else rejected.push(key);
    } else if (typeof current === 'boolean') {
      target[key] = raw.toLowerCase() === 'true';
    } else if (key === 'flushDiskType') {
      if (raw === 'ASYNC_FLUSH' || raw === 'SYNC_FLUSH') target[key] = raw;
      else rejected.push(key);
    } else if (key === 'brokerRole') {
      if (raw === 'ASYNC_MASTER' || raw === 'SYNC_MASTER' || raw === 'SLAVE') target[key] = raw;
      else rejected.push(key);
    } else {
      target[key] = raw;
    }
  }
  return rejected;
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
  return out;
}
