/** Shared command-line handling: RocketMQ's short flags plus `--property=value` for any config key. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { applyProperties, configEntries, ConfigError, type ConfigOf, type ConfigSpec } from '../common/config.js';
import { parseProperties } from '../common/properties.js';
import { RENAMED_KEYS } from '../common/apache-keys.js';
import { UsageError } from './run.js';

export interface ServerCliResult<S extends ConfigSpec> {
  config: ConfigOf<S>;
  printConfig: boolean;
  printImportant: boolean;
  help: boolean;
  namesrvAddr?: string;
  /** Keys Apache RocketMQ knows and Apogee ignores (see src/common/apache-keys.ts): warn about them. */
  ignoredProperties: string[];
  /** Properties for keys outside `spec`: the caller's extra keys (e.g. store settings) and ignored ones. */
  extra: Record<string, string>;
}

export interface PropertyKeys {
  /** Keys outside `spec` that the caller applies itself (e.g. store settings). */
  extra?: ReadonlySet<string>;
  /** Apache keys Apogee ignores: a warning, not an error. */
  ignored?: ReadonlySet<string>;
  /** Where the valid keys are listed, for the unknown-key error. */
  hint?: string;
}

/**
 * Sorts properties by key: spec keys are applied (values checked), extra and ignored keys are
 * collected, and any other key is an error. Used for files and command-line flags alike, so a
 * key means the same wherever it is written.
 */
export function takeProperties<S extends ConfigSpec>(
  spec: S,
  config: ConfigOf<S>,
  props: Array<[string, string]>,
  keys: PropertyKeys,
  where: string,
  out: { extra: Record<string, string>; ignored: string[] },
): void {
  props = withOneSpelling(props, where);
  const values = new Map(props);
  for (const key of applyProperties(spec, config, props).unknown) {
    const value = values.get(key)!;
    if (keys.extra?.has(key)) out.extra[key] = value;
    else if (keys.ignored?.has(key)) {
      out.extra[key] = value;
      if (!out.ignored.includes(key)) out.ignored.push(key);
    } else {
      throw new ConfigError(`unknown property ${key} ${where}; ${keys.hint ?? 'run with -p to list the keys Apogee uses'}`);
    }
  }
}

/** Renamed keys under the name Apogee uses; both spellings with different values is an error. */
function withOneSpelling(props: Array<[string, string]>, where: string): Array<[string, string]> {
  const given = new Map(props);
  return props.map(([key, value]) => {
    const ours = RENAMED_KEYS[key];
    if (ours === undefined) return [key, value];
    const other = given.get(ours);
    if (other !== undefined && other.trim() !== value.trim()) {
      throw new ConfigError(`${key}=${value} and ${ours}=${other} ${where} name the same setting (Java 4.6 renamed it); keep one`);
    }
    return [ours, value];
  });
}

/**
 * Parses `-c file`, `-p`, `-m`, `-n addr`, `-h`, `--verbose` and `--key=value` overrides. Config
 * file values are applied first, then command-line overrides, as RocketMQ does.
 */
export function parseServerArgs<S extends ConfigSpec>(spec: S, base: ConfigOf<S>, argv: string[], keys: PropertyKeys = {}): ServerCliResult<S> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        configFile: { type: 'string', short: 'c' },
        printConfigItem: { type: 'boolean', short: 'p' },
        printImportantConfig: { type: 'boolean', short: 'm' },
        namesrvAddr: { type: 'string', short: 'n' },
        help: { type: 'boolean', short: 'h' },
        verbose: { type: 'boolean' },
      },
      strict: false,
      allowPositionals: false,
      tokens: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, tokens } = parsed;
  const overrides: Array<[string, string]> = [];
  for (const t of tokens ?? []) {
    if (t.kind !== 'option' || ['configFile', 'printConfigItem', 'printImportantConfig', 'namesrvAddr', 'help', 'verbose'].includes(t.name)) continue;
    if (t.value === undefined) throw new UsageError(`option --${t.name} needs a value (--${t.name}=VALUE)`);
    overrides.push([t.name, t.value]);
  }
  const out = { extra: {} as Record<string, string>, ignored: [] as string[] };
  if (typeof values.configFile === 'string') {
    let text;
    try {
      text = readFileSync(values.configFile, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read config file ${values.configFile}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
    takeProperties(spec, base, [...parseProperties(text)], keys, `in ${values.configFile}`, out);
  }
  takeProperties(spec, base, overrides, keys, 'on the command line', out);
  if (typeof values.namesrvAddr === 'string' && 'namesrvAddr' in spec) {
    applyProperties(spec, base, [['namesrvAddr', values.namesrvAddr]]);
  }
  return {
    config: base,
    printConfig: values.printConfigItem === true,
    printImportant: values.printImportantConfig === true,
    help: values.help === true,
    namesrvAddr: typeof values.namesrvAddr === 'string' ? values.namesrvAddr : undefined,
    ignoredProperties: out.ignored,
    extra: out.extra,
  };
}

export function printConfig<S extends ConfigSpec>(spec: S, config: ConfigOf<S>, keys?: readonly string[]): void {
  let text = '';
  for (const [k, v] of configEntries(spec, config)) if (!keys || keys.includes(k)) text += `${k}=${String(v)}\n`;
  process.stdout.write(text);
}
