/**
 * Reading the packaging under deploy/ the way the servers read it: property files through the
 * project's own loader (the CLIs' takeProperties over the broker/store/NameServer specs, so a typo'd
 * key or a bad value throws), the broker's longest graceful stop, and small parsers for the
 * formats the deploy files use (Compose durations, free ports).
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { BrokerConfigSpec, brokerDefaults, type BrokerConfig } from '../../src/broker/config.js';
import { longestStopMs } from '../../src/broker/stop-budget.js';
import { NamesrvConfigSpec, namesrvDefaults, type NamesrvConfig } from '../../src/namesrv/config.js';
import { applyStoreProperties, defaultStoreConfig, StoreConfigSpec } from '../../src/store/index.js';
import type { StoreConfig } from '../../src/store/config.js';
import { ignoredApacheKeys } from '../../src/common/apache-keys.js';
import { ConfigError } from '../../src/common/config.js';
import { parseProperties } from '../../src/common/properties.js';
import { projectRoot } from '../../src/common/paths.js';
import { takeProperties } from '../../src/cli/options.js';

export const deployDir = (...parts: string[]): string => join(projectRoot(), 'deploy', ...parts);

export interface LoadedBroker {
  config: BrokerConfig;
  store: StoreConfig;
  /** Every key the file sets, as written. */
  props: Map<string, string>;
}

/**
 * A broker property file as mqbroker loads it; throws ConfigError on an unknown key, a bad value,
 * or a key Apogee ignores (a deployment file has no business carrying one).
 */
export function loadBrokerProperties(text: string, where: string): LoadedBroker {
  const props = parseProperties(text);
  const config = brokerDefaults();
  const out = { extra: {} as Record<string, string>, ignored: [] as string[] };
  takeProperties(BrokerConfigSpec, config, [...props], { extra: new Set(Object.keys(StoreConfigSpec)), ignored: ignoredApacheKeys('broker') }, `in ${where}`, out);
  if (out.ignored.length > 0) throw new ConfigError(`${where} sets ${out.ignored.join(', ')}, which Apogee ignores`);
  const store = defaultStoreConfig(out.extra.storePathRootDir ?? '/store');
  const unknown = applyStoreProperties(store, out.extra);
  if (unknown.length > 0) throw new ConfigError(`unknown store property ${unknown[0]} in ${where}`);
  return { config, store, props };
}

export function loadBrokerFile(path: string): LoadedBroker {
  return loadBrokerProperties(readFileSync(path, 'utf8'), path);
}

export function loadNamesrvProperties(text: string, where: string): NamesrvConfig {
  const config = namesrvDefaults();
  const out = { extra: {} as Record<string, string>, ignored: [] as string[] };
  takeProperties(NamesrvConfigSpec, config, [...parseProperties(text)], { ignored: ignoredApacheKeys('namesrv') }, `in ${where}`, out);
  if (out.ignored.length > 0) throw new ConfigError(`${where} sets ${out.ignored.join(', ')}, which Apogee ignores`);
  return config;
}

/** The longest a broker with this file can take to stop gracefully (src/broker/stop-budget.ts). */
export function brokerStopMs(b: LoadedBroker): number {
  return longestStopMs(b.config);
}

/** A Compose duration ("60s", "1m30s", "500ms", "1h") in milliseconds; undefined if it is not one. */
export function composeDurationMs(value: unknown): number | undefined {
  if (typeof value !== 'string' || !/^(\d+(\.\d+)?(h|m|s|ms|us)){1,}$/.test(value)) return undefined;
  const unit: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 0.001 };
  let ms = 0;
  for (const m of value.matchAll(/(\d+(?:\.\d+)?)(ms|us|h|m|s)/g)) ms += Number(m[1]) * unit[m[2]!]!;
  return ms;
}

/** A TCP port free on the loopback interface right now. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => s.once('error', reject).listen(0, '127.0.0.1', resolve));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
