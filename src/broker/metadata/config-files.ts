/**
 * The broker's persisted JSON tables under `<storePathRootDir>/config/` as Java brokers keep them:
 * topics.json, subscriptionGroup.json, consumerOffset.json, delayOffset.json.
 *
 * Written like fastjson's PrettyFormat (tab indentation, bean properties sorted, integer map
 * keys unquoted, no final newline), so files round-trip byte-for-byte; read with the lenient
 * fastjson-dialect parser. Write protocol: `<file>.tmp` (fsynced), previous content to
 * `<file>.bak`, rename over `<file>`. Read protocol: `<file>`, else `<file>.bak` when the main
 * file is missing, empty or unparsable; nothing usable means "defaults".
 */
import * as fs from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseFastJson } from '../../codec/fastjson.js';
import { StoreError } from '../../store/index.js';

import type { DataVersion } from '../../protocol/data-version.js';
import { decodeTopicConfigWrapper, type TopicConfig } from '../../protocol/bodies/topic-config.js';
import { decodeSubscriptionGroupWrapper, type SubscriptionGroupConfig } from '../../protocol/bodies/subscription-group.js';
import { asObject, num } from '../../protocol/json.js';
import { BackgroundFileWriter, writeFileAtomic } from '../../common/json-file.js';

export type { DataVersion, TopicConfig, SubscriptionGroupConfig };


export interface TopicsFile {
  dataVersion: DataVersion;
  topicConfigTable: Map<string, TopicConfig>;
}

export interface SubscriptionGroupsFile {
  dataVersion: DataVersion;
  subscriptionGroupTable: Map<string, SubscriptionGroupConfig>;
}

/** `"<topic>@<group>"` → queue id → next offset to consume. */
export type ConsumerOffsetTable = Map<string, Map<number, number>>;
/** Delay level (1-based) → next consume-queue offset of that level's schedule queue. */
export type DelayOffsetTable = Map<number, number>;

export class ConfigFileError extends StoreError {
  constructor(readonly path: string, detail: string) {
    super(`${path}: ${detail}; fix or remove it (the previous content is kept in ${path}.bak when there is one)`);
    this.name = 'ConfigFileError';
  }
}

// ---------------------------------------------------------------------------------------------
// Files

export function configDir(storePathRootDir: string): string {
  return join(storePathRootDir, 'config');
}

/** Where a 3.5.8 broker kept topics.json / subscriptionGroup.json: `${user.home}/store/config`. */
export function legacyConfigDir(home = homedir()): string {
  return join(home, 'store', 'config');
}

function readText(path: string): string | undefined {
  try {
    const text = fs.readFileSync(path, 'utf8');
    return text.length > 0 ? text : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Reads and decodes a config file with Java's fallback rules. Undefined when neither the file
 * nor its `.bak` has content; throws {@link ConfigFileError} when only a broken `.bak` is left.
 */
export function readConfigFile<T>(path: string, decode: (parsed: unknown) => T): T | undefined {
  const main = readText(path);
  if (main !== undefined) {
    try {
      return decode(parseFastJson(main));
    } catch {
      // fall through to the backup, as ConfigManager.load does
    }
  }
  const bak = readText(path + '.bak');
  if (bak === undefined) return undefined;
  try {
    return decode(parseFastJson(bak));
  } catch (err) {
    throw new ConfigFileError(path + '.bak', `unreadable (${(err as Error).message})`);
  }
}

/** Atomically replaces a config file, keeping its previous content in `.bak`. */
export function writeConfigFile(path: string, text: string): void {
  writeFileAtomic(path, text);
}

// ---------------------------------------------------------------------------------------------
// fastjson PrettyFormat writer

/**
 * Formats like fastjson `PrettyFormat`: objects are beans (non-null properties, sorted); Maps
 * keep insertion order, string keys start a new indented line, number keys stay on the line.
 */
export function formatPrettyFastJson(value: unknown, depth = 0): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : 'null';
  if (typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return '[' + value.map((v) => formatPrettyFastJson(v, depth + 1)).join(',') + ']';
  const entries: [string | number, unknown][] = value instanceof Map
    ? [...value.entries()].filter(([, v]) => v !== undefined && v !== null)
    : Object.keys(value as object).sort().map((k) => [k, (value as Record<string, unknown>)[k]] as [string, unknown]).filter(([, v]) => v !== undefined && v !== null);
  if (entries.length === 0) return '{}';
  const indent = '\t'.repeat(depth + 1);
  let out = '{';
  entries.forEach(([k, v], i) => {
    if (i > 0) out += ',';
    out += typeof k === 'number' ? String(k) : '\n' + indent + JSON.stringify(k);
    out += ':' + formatPrettyFastJson(v, depth + 1);
  });
  return out + '\n' + '\t'.repeat(depth) + '}';
}

// ---------------------------------------------------------------------------------------------
// Decoding helpers

function intKeyedMap(v: unknown, what: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const [k, val] of Object.entries(asObject(v, what))) out.set(Number(k), num(val, 0));
  return out;
}

// ---------------------------------------------------------------------------------------------
// The four tables

export function decodeTopics(parsed: unknown): TopicsFile {
  return decodeTopicConfigWrapper(asObject(parsed, 'topics.json'));
}

export function decodeSubscriptionGroups(parsed: unknown): SubscriptionGroupsFile {
  return decodeSubscriptionGroupWrapper(asObject(parsed, 'subscriptionGroup.json'));
}

export function decodeConsumerOffsets(parsed: unknown): ConsumerOffsetTable {
  const o = asObject(parsed, 'consumerOffset.json');
  const out: ConsumerOffsetTable = new Map();
  for (const [key, v] of Object.entries(asObject(o.offsetTable ?? {}, 'offsetTable'))) out.set(key, intKeyedMap(v, key));
  return out;
}

export function decodeDelayOffsets(parsed: unknown): DelayOffsetTable {
  return intKeyedMap(asObject(parsed, 'delayOffset.json').offsetTable ?? {}, 'offsetTable');
}

export function formatTopics(f: TopicsFile): string {
  return formatPrettyFastJson({ dataVersion: { ...f.dataVersion }, topicConfigTable: new Map([...f.topicConfigTable].map(([k, t]) => [k, { ...t }])) });
}

export function formatSubscriptionGroups(f: SubscriptionGroupsFile): string {
  return formatPrettyFastJson({ dataVersion: { ...f.dataVersion }, subscriptionGroupTable: new Map([...f.subscriptionGroupTable].map(([k, g]) => [k, { ...g }])) });
}

export function formatConsumerOffsets(table: ConsumerOffsetTable): string {
  return formatPrettyFastJson({ offsetTable: table });
}

export function formatDelayOffsets(table: DelayOffsetTable): string {
  return formatPrettyFastJson({ offsetTable: table });
}

/** Paths and load/save of the four tables of one store root. */
export class StoreConfigFiles {
  constructor(
    readonly storePathRootDir: string,
    /** 3.5.8 kept topics/subscriptions under `${user.home}/store/config`: read when the root has none, kept current on every save. */
    readonly legacyDir: string | undefined = undefined,
  ) {}

  path(name: 'topics.json' | 'subscriptionGroup.json' | 'consumerOffset.json' | 'consumerOffsetHeld.json' | 'delayOffset.json'): string {
    return join(configDir(this.storePathRootDir), name);
  }

  private withLegacy<T>(name: 'topics.json' | 'subscriptionGroup.json', decode: (p: unknown) => T): T | undefined {
    const own = readConfigFile(this.path(name), decode);
    if (own !== undefined || !this.legacyDir) return own;
    return readConfigFile(join(this.legacyDir, name), decode);
  }

  loadTopics(): TopicsFile | undefined {
    return this.withLegacy('topics.json', decodeTopics);
  }

  loadSubscriptionGroups(): SubscriptionGroupsFile | undefined {
    return this.withLegacy('subscriptionGroup.json', decodeSubscriptionGroups);
  }

  loadConsumerOffsets(): ConsumerOffsetTable | undefined {
    return readConfigFile(this.path('consumerOffset.json'), decodeConsumerOffsets);
  }

  /** A slave's client commits not yet confirmed by its master (Apogee's own file; Java has none). */
  loadHeldConsumerOffsets(): ConsumerOffsetTable | undefined {
    return readConfigFile(this.path('consumerOffsetHeld.json'), decodeConsumerOffsets);
  }

  saveHeldConsumerOffsets(t: ConsumerOffsetTable, background = false): void {
    this.save(this.path('consumerOffsetHeld.json'), formatConsumerOffsets(t), background);
  }

  loadDelayOffsets(): DelayOffsetTable | undefined {
    return readConfigFile(this.path('delayOffset.json'), decodeDelayOffsets);
  }

  /**
   * Table writes. `background`: formatted now, written and fsynced off the event loop (the
   * broker's periodic and on-change persists); otherwise written before returning (shutdown,
   * tools), which must come after {@link idle}.
   */
  saveTopics(f: TopicsFile, background = false): void {
    const text = formatTopics(f);
    this.save(this.path('topics.json'), text, background);
    this.mirrorToLegacy('topics.json', text, background);
  }

  saveSubscriptionGroups(f: SubscriptionGroupsFile, background = false): void {
    const text = formatSubscriptionGroups(f);
    this.save(this.path('subscriptionGroup.json'), text, background);
    this.mirrorToLegacy('subscriptionGroup.json', text, background);
  }

  /**
   * A store taken over from 3.5.8 keeps its legacy copies current too: a broker downgraded back to
   * 3.5.8 reads topics and groups only from there, and would otherwise lose every change made since.
   */
  private mirrorToLegacy(name: 'topics.json' | 'subscriptionGroup.json', text: string, background: boolean): void {
    if (this.legacyDir && fs.existsSync(this.legacyDir)) this.save(join(this.legacyDir, name), text, background);
  }

  saveConsumerOffsets(t: ConsumerOffsetTable, background = false): void {
    this.save(this.path('consumerOffset.json'), formatConsumerOffsets(t), background);
  }

  saveDelayOffsets(t: DelayOffsetTable, background = false): void {
    this.save(this.path('delayOffset.json'), formatDelayOffsets(t), background);
  }

  /** Where background write failures are reported (the broker logs them). */
  onBackgroundError: (path: string, err: unknown) => void = () => {};
  private readonly background = new BackgroundFileWriter((path, err) => this.onBackgroundError(path, err));

  private save(path: string, text: string, background: boolean): void {
    if (background) this.background.write(path, text);
    else writeConfigFile(path, text);
  }

  /** Resolves once no background write is pending. */
  idle(): Promise<void> {
    return this.background.idle();
  }
}
