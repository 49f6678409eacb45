/**
 * Typed configuration defined once per component: RocketMQ property names, their kinds, defaults
 * and allowed values. Values come from `.properties` files, request bodies and command-line flags
 * alike, and every one of them goes through the same checks: a bad value is an error naming the
 * key, the value and what is allowed (Java silently keeps the default, which turned a mistyped
 * `flushDiskType=SYNC` into an unnoticed durability downgrade).
 */
export type ConfigKind = 'string' | 'int' | 'long' | 'double' | 'boolean' | 'enum';

export interface ConfigField {
  kind: ConfigKind;
  default: string | number | boolean;
  doc?: string;
  /** kind 'enum': the exact (case-sensitive, as in Java) constants accepted. */
  values?: readonly string[];
  /** Numeric kinds: inclusive bounds. */
  min?: number;
  max?: number;
  /** Extra rule for a value that passed its kind: returns what is allowed when it does not hold. */
  check?: (value: string | number | boolean) => string | undefined;
}

export type ConfigSpec = Record<string, ConfigField>;
export type ConfigOf<S extends ConfigSpec> = {
  -readonly [K in keyof S]: S[K]['kind'] extends 'string' | 'enum' ? string : S[K]['kind'] extends 'boolean' ? boolean : number;
};

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** The one wording every invalid value gets, so operators see key, value and what is allowed. */
export function invalidValue(key: string, raw: string, allowed: string): ConfigError {
  return new ConfigError(`invalid value "${raw}" for ${key}: allowed ${allowed}`);
}

export function defaults<S extends ConfigSpec>(spec: S): ConfigOf<S> {
  const out: Record<string, unknown> = {};
  for (const key in spec) out[key] = spec[key]!.default;
  return out as ConfigOf<S>;
}

function range(field: ConfigField, what: string): string {
  if (field.min !== undefined && field.max !== undefined) return `${what} from ${field.min} to ${field.max}`;
  if (field.min !== undefined) return `${what} >= ${field.min}`;
  if (field.max !== undefined) return `${what} <= ${field.max}`;
  return what;
}

/** What a field accepts, in words (error messages and the README's reference use it). */
export function allowedValues(field: ConfigField): string {
  switch (field.kind) {
    case 'string':
      return 'any text';
    case 'boolean':
      return 'values are true, false';
    case 'enum':
      return `values are ${field.values!.join(', ')}`;
    case 'double':
      return range(field, 'numbers');
    case 'int':
    case 'long':
      return range(field, 'integers');
  }
}

export function parseConfigValue(f: ConfigField, key: string, raw: string): string | number | boolean {
  const t = raw.trim();
  let value: string | number | boolean;
  switch (f.kind) {
    case 'string':
      value = t;
      break;
    case 'enum':
      if (!f.values!.includes(t)) throw invalidValue(key, raw, allowedValues(f));
      value = t;
      break;
    case 'boolean':
      if (!/^(true|false)$/i.test(t)) throw invalidValue(key, raw, allowedValues(f));
      value = t.toLowerCase() === 'true';
      break;
    case 'double':
      value = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t) ? Number(t) : NaN;
      break;
    case 'int':
    case 'long':
      value = /^[+-]?\d+$/.test(t) ? Number(t) : NaN;
      if (!Number.isSafeInteger(value)) value = NaN;
      break;
  }
  if (typeof value === 'number') {
    if (Number.isNaN(value) || (f.min !== undefined && value < f.min) || (f.max !== undefined && value > f.max)) {
      throw invalidValue(key, raw, allowedValues(f));
    }
  }
  const problem = f.check?.(value);
  if (problem !== undefined) throw invalidValue(key, raw, problem);
  return value;
}

/**
 * Applies properties to a config. Keys outside `spec` are returned rather than rejected: one
 * properties file feeds several components, and the caller decides what an unknown key means.
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
    const value = parseConfigValue(field, key, raw);
    if (target[key] !== value) changed.push(key);
    target[key] = value;
  }
  return { unknown, changed };
}

export function configEntries<S extends ConfigSpec>(spec: S, config: ConfigOf<S>): Array<[string, unknown]> {
  return Object.keys(spec).map((k) => [k, (config as Record<string, unknown>)[k]]);
}

/** Checks a config object built in code (not parsed) against its spec, e.g. a port given as a number. */
export function validateConfig<S extends ConfigSpec>(spec: S, config: ConfigOf<S>, keys: readonly string[] = Object.keys(spec)): void {
  for (const key of keys) {
    const field = spec[key];
    if (!field) continue;
    const value = (config as Record<string, unknown>)[key];
    parseConfigValue(field, key, String(value));
  }
}

/**
 * The HTTP endpoint (metrics and health) every NameServer and broker serves, under RocketMQ 5.x's
 * property names. Its port defaults to the node's listenPort + 3 (broker 10911 -> 10914, NameServer
 * 9876 -> 9879), clear of the ports a node already uses (VIP listenPort - 2, HA listenPort + 1).
 */
export const METRICS_PORT_DEFAULT = -1;
export const MetricsConfigSpec = {
  metricsExporterType: {
    kind: 'enum',
    default: 'PROM',
    values: ['PROM', 'DISABLE'],
    doc: 'PROM serves /metrics, /healthz and /readyz over HTTP; DISABLE opens no port (Java also has OTLP_GRPC and LOG, not supported)',
  },
  metricsPromExporterHost: { kind: 'string', default: '', doc: 'address the HTTP endpoint listens on; empty = the node\'s bindAddress' },
  metricsPromExporterPort: {
    kind: 'int',
    default: METRICS_PORT_DEFAULT,
    min: -1,
    max: 65535,
    doc: 'port of the HTTP endpoint; -1 = listenPort + 3 (a broker on listenPort 0 picks a port whose + 3 is free too; a NameServer on listenPort 0 gets a free one), 0 = a free port',
  },
} satisfies ConfigSpec;

/** The metrics port a node with this config listens on (0 = let the system pick). */
export function metricsPortFor(listenPort: number, configured: number): number {
  if (configured !== METRICS_PORT_DEFAULT) return configured;
  if (listenPort === 0) return 0;
  if (listenPort + 3 > 65535) throw new ConfigError(`metricsPromExporterPort defaults to listenPort + 3 = ${listenPort + 3}, which is no port: set metricsPromExporterPort, or metricsExporterType=DISABLE`);
  return listenPort + 3;
}
