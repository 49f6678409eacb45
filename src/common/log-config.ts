/**
 * The `apogeeLog*` properties, shared by the broker's and the NameServer's config specs: a node's
 * logging is set in its properties file or by `--key=value` flags like any other key, with the
 * same one-line errors for bad values. $APOGEE_LOG_LEVEL seeds `apogeeLogLevel` (as NAMESRV_ADDR
 * seeds namesrvAddr); a file or flag value wins over it.
 */
import { homedir } from 'node:os';
import { type ConfigOf, type ConfigSpec } from './config.js';
import { configureLogging, isLogLevel, setLogLevels, LEVEL_FROM_ENV, LOG_COMPONENTS, LOG_FORMATS, LOG_LEVELS, type LogFormat, type LogLevel } from './logger.js';

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };
const MIN_FILE_SIZE = 1024;

/** `65536`, `64KB`, `64MB`, `1GB` (units of 1024, any case) → bytes; undefined when not a size. */
export function parseByteSize(raw: string): number | undefined {
  const m = /^\s*(\d+)\s*([a-zA-Z]*)\s*$/.exec(raw);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  if (!m || unit === undefined) return undefined;
  const bytes = Number(m[1]) * unit;
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

/** `store=debug,ha=warn` → component → level; throws a message naming what is allowed. */
export function parseComponentLevels(raw: string): Map<string, LogLevel> {
  const out = new Map<string, LogLevel>();
  for (const item of raw.split(',')) {
    if (item.trim() === '') continue;
    const [component = '', lv = '', ...more] = item.split('=').map((s) => s.trim());
    if (more.length > 0 || !(LOG_COMPONENTS as readonly string[]).includes(component) || !isLogLevel(lv)) {
      throw new Error(`component=level pairs separated by commas, components ${LOG_COMPONENTS.join(', ')}, levels ${LOG_LEVELS.join(', ')}`);
    }
    out.set(component, lv);
  }
  return out;
}

const problemOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
};

export const LogConfigSpec = {
  apogeeLogLevel: { kind: 'enum', default: 'info', values: LOG_LEVELS, doc: 'Apogee: level of every component without its own; $APOGEE_LOG_LEVEL sets the default' },
  apogeeLogLevels: {
    kind: 'string',
    default: '',
    doc: 'Apogee: per-component levels, e.g. store=debug,ha=warn',
    check: (v) => problemOf(() => parseComponentLevels(String(v))),
  },
  apogeeLogFormat: { kind: 'enum', default: 'text', values: LOG_FORMATS, doc: 'Apogee: text (time LEVEL [component] message), json (one object per line) or logfmt' },
  apogeeLogFile: { kind: 'string', default: '', doc: 'Apogee: log file path (~/ = home), rotated by size; empty = stderr only' },
  apogeeLogFileMaxSize: {
    kind: 'string',
    default: '64MB',
    doc: 'Apogee: size at which the log file rolls over, bytes or with KB/MB/GB',
    check: (v) => ((parseByteSize(String(v)) ?? 0) >= MIN_FILE_SIZE ? undefined : `a size of at least ${MIN_FILE_SIZE} bytes, e.g. 65536, 512KB, 64MB, 1GB`),
  },
  apogeeLogFileMaxFiles: { kind: 'int', default: 7, min: 1, max: 1000, doc: 'Apogee: rolled log files kept (file.1 … file.N) besides the current one' },
  apogeeLogStderr: { kind: 'boolean', default: true, doc: 'Apogee: with apogeeLogFile, also log to stderr (without a file, stderr always)' },
} satisfies ConfigSpec;

export type LogConfig = ConfigOf<typeof LogConfigSpec>;

/** The levels may change while a node runs (updateBrokerConfig / updateNamesrvConfig)... */
export const LOG_LEVEL_KEYS: readonly string[] = ['apogeeLogLevel', 'apogeeLogLevels'];
/** ...the destination and format only at start: a node does not reopen or reformat its log. */
export const LOG_START_ONLY_KEYS: readonly string[] = Object.keys(LogConfigSpec).filter((k) => !LOG_LEVEL_KEYS.includes(k));

/**
 * After a running node's config update: when its levels changed, they become the process's (one
 * process may hold a NameServer and a broker, as `apogee start` does; the last update wins).
 */
export function applyChangedLogLevels(c: LogConfig, changed: readonly string[]): void {
  if (changed.some((k) => LOG_LEVEL_KEYS.includes(k))) setLogLevels(c.apogeeLogLevel as LogLevel, parseComponentLevels(c.apogeeLogLevels));
}

/** Seeds a config's level from $APOGEE_LOG_LEVEL, before its file and flags are applied. */
export function withLogLevelFromEnv<C extends LogConfig>(config: C): C {
  config.apogeeLogLevel = LEVEL_FROM_ENV;
  return config;
}

const expandHome = (p: string): string => (p === '~' || p.startsWith('~/') ? homedir() + p.slice(1) : p);

/**
 * Applies a node's logging properties to the process. `file: false` keeps the file closed, for
 * runs that only print their configuration.
 */
export function applyLogConfig(c: LogConfig, options: { file?: boolean } = {}): void {
  const path = expandHome(c.apogeeLogFile.trim());
  configureLogging({
    level: c.apogeeLogLevel as LogLevel,
    levels: parseComponentLevels(c.apogeeLogLevels),
    format: c.apogeeLogFormat as LogFormat,
    stderr: c.apogeeLogStderr,
    file: path !== '' && options.file !== false ? { path, maxSize: parseByteSize(c.apogeeLogFileMaxSize)!, maxFiles: c.apogeeLogFileMaxFiles } : undefined,
  });
}
