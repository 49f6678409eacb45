/** Shared command-line handling: RocketMQ's short flags plus `--property=value` for any config key. */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { applyProperties, configEntries, type ConfigOf, type ConfigSpec } from '../common/config.js';
import { parseProperties } from '../common/properties.js';

export interface ServerCliResult<S extends ConfigSpec> {
  config: ConfigOf<S>;
  printConfig: boolean;
  printImportant: boolean;
  help: boolean;
  namesrvAddr?: string;
  unknownProperties: string[];
  /** Properties for keys outside `spec` that the caller accepts (e.g. store settings), file then flags. */
  extra: Record<string, string>;
}

/**
 * Parses `-c file`, `-p`, `-m`, `-n addr`, `-h` and `--key=value` overrides. Config file values are
 * applied first, then command-line overrides, as RocketMQ does.
 */
export function parseServerArgs<S extends ConfigSpec>(
  spec: S,
  base: ConfigOf<S>,
  argv: string[],
  extraKeys: ReadonlySet<string> = new Set(),
): ServerCliResult<S> {
  const { values, tokens } = parseArgs({
    args: argv,
    options: {
      configFile: { type: 'string', short: 'c' },
      printConfigItem: { type: 'boolean', short: 'p' },
      printImportantConfig: { type: 'boolean', short: 'm' },
      namesrvAddr: { type: 'string', short: 'n' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: false,
    allowPositionals: false,
    tokens: true,
  });
  const overrides: Array<[string, string]> = [];
  for (const t of tokens ?? []) {
    if (t.kind !== 'option' || ['configFile', 'printConfigItem', 'printImportantConfig', 'namesrvAddr', 'help'].includes(t.name)) continue;
    if (t.value === undefined) throw new Error(`option --${t.name} needs a value (--${t.name}=VALUE)`);
    if (!(t.name in spec) && !extraKeys.has(t.name)) throw new Error(`unknown option --${t.name}; run with -p to list the config keys`);
    overrides.push([t.name, t.value]);
  }
  const unknownProperties: string[] = [];
  const extra: Record<string, string> = {};
  const take = (props: Iterable<[string, string]>): void => {
    for (const key of applyProperties(spec, base, props).unknown) {
      const value = new Map(props).get(key)!;
      if (extraKeys.has(key)) extra[key] = value;
      else {
        unknownProperties.push(key);
        extra[key] = value;
      }
    }
  };
  if (typeof values.configFile === 'string') take([...parseProperties(readFileSync(values.configFile, 'utf8'))]);
  take(overrides);
  if (typeof values.namesrvAddr === 'string' && 'namesrvAddr' in spec) {
    applyProperties(spec, base, [['namesrvAddr', values.namesrvAddr]]);
  }
  return {
    config: base,
    printConfig: values.printConfigItem === true,
    printImportant: values.printImportantConfig === true,
    help: values.help === true,
    namesrvAddr: typeof values.namesrvAddr === 'string' ? values.namesrvAddr : undefined,
    unknownProperties,
    extra,
  };
}

export function printConfig<S extends ConfigSpec>(spec: S, config: ConfigOf<S>, keys?: readonly string[]): void {
  let text = '';
  for (const [k, v] of configEntries(spec, config)) if (!keys || keys.includes(k)) text += `${k}=${String(v)}\n`;
  process.stdout.write(text);
}
