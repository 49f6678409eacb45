/**
 * Typed configuration defined once per component: RocketMQ property names, their kinds and
 * defaults. Values come from `.properties` files, request bodies and command-line flags alike.
 */
export type ConfigKind = 'string' | 'int' | 'long' | 'boolean';
export type ConfigSpec = Record<string, { kind: ConfigKind; default: string | number | boolean; doc?: string }>;
export type ConfigOf<S extends ConfigSpec> = {
  -readonly [K in keyof S]: S[K]['kind'] extends 'string' ? string : S[K]['kind'] extends 'boolean' ? boolean : number;
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export function defaults<S extends ConfigSpec>(spec: S): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const key in spec) out[key] = spec[key]!.default;
  return out as ConfigOf<S>;
}

export function parseConfigValue(kind: ConfigKind, key: string, raw: string): string | number | boolean {
  const t = raw.trim();
  switch (kind) {
    case 'string':
      return t;
    case 'boolean':
      if (!/^(true|false)$/i.test(t)) throw new ConfigError(`${key} must be true or false, got "${raw}"`);
      return t.toLowerCase() === 'true';
    case 'int':
    case 'long': {
      if (!/^[+-]?\d+$/.test(t)) throw new ConfigError(`${key} must be an integer, got "${raw}"`);
      return Number(t);
    }
  }
}

/**
 * Applies properties to a config. Unknown keys are returned rather than rejected: RocketMQ's own
 * files carry keys for features a component may not have, and operators must be able to reuse them.
 */
export function applyProperties<S extends ConfigSpec>(
  spec: S,
  config: ConfigOf<S>,
  props: Iterable<[string, string]>,
  options: { readOnly?: ReadonlySet<string> } = {},
): { unknown: string[]; changed: string[] } {
  const unknown: string[] = [];
  const changed: string[] = [];
  const target = config as Record<string, unknown>;
  for (const [key, raw] of props) {
    const field = spec[key];
    if (!field) {
      unknown.push(key);
      continue;
    }
    if (options.readOnly?.has(key)) throw new ConfigError(`${key} cannot be changed at runtime`);
    const value = parseConfigValue(field.kind, key, raw);
    if (target[key] !== value) changed.push(key);
    target[key] = value;
  }
  return { unknown, changed };
}

export function configEntries<S extends ConfigSpec>(spec: S, config: ConfigOf<S>): Array<[string, unknown]> {
  return Object.keys(spec).map((k) => [k, (config as Record<string, unknown>)[k]]);
}
