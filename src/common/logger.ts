/**
 * The leveled logger of every server and CLI: one line per event, per-component loggers (RocketMQ
 * has RocketmqBroker, RocketmqStore, RocketmqRemoting, …; ours are `broker`, `store`, `remoting`, …)
 * with a level each, three line formats, and stderr and/or a size-rotated file as destinations.
 *
 * Every line is written synchronously (stderr is synchronous for files and pipes on Linux; the log
 * file is written with writeSync), so the lines before a crash or process.exit are never lost: a
 * broker that fails at start leaves its reason behind, and `apogee cluster` and tests read the boot
 * line from the log as soon as it is printed. Nothing logs per message at info, so the cost of a
 * synchronous write is paid per event an operator wants to see, never on the send/pull paths.
 *
 * The process starts at $APOGEE_LOG_LEVEL (default info), text format, stderr only; servers then
 * apply their `apogeeLog*` properties with configureLogging (see log-config.ts).
 */
import { RotatingFile } from './log-file.js';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

export const LOG_FORMATS = ['text', 'json', 'logfmt'] as const;
export type LogFormat = (typeof LOG_FORMATS)[number];

/**
 * The components a line can come from, the names `apogeeLogLevels` takes. A logger may add a
 * sub-name (the broker's name, `broker-a vip` for a remoting server) that tells instances apart
 * when several live in one process; levels apply per component.
 */
export const LOG_COMPONENTS = ['broker', 'store', 'ha', 'remoting', 'namesrv', 'client', 'admin', 'cluster', 'upgrade', 'metrics', 'console'] as const;
export type LogComponent = (typeof LOG_COMPONENTS)[number];

export function isLogLevel(s: string): s is LogLevel {
  return (LOG_LEVELS as readonly string[]).includes(s);
}

export interface LogFileOptions {
  path: string;
  maxSize: number;
  maxFiles: number;
}

export interface LogSettings {
  level: LogLevel;
  levels: ReadonlyMap<string, LogLevel>;
  format: LogFormat;
  /** Also write to stderr when a file is set (without a file, stderr is always written). */
  stderr: boolean;
  file?: LogFileOptions;
}

function envLevel(): LogLevel {
  const raw = process.env.APOGEE_LOG_LEVEL;
  if (raw === undefined || raw === '') return 'info';
  const level = raw.toLowerCase();
  if (isLogLevel(level)) return level;
  // A typo must not silently leave an operator without the logs they asked for.
  process.stderr.write(`${new Date().toISOString()} WARN  [logger] APOGEE_LOG_LEVEL=${raw} is not one of ${LOG_LEVELS.join(', ')}; using info\n`);
  return 'info';
}

/** The level $APOGEE_LOG_LEVEL asked for when the process started (info when unset or invalid). */
export const LEVEL_FROM_ENV: LogLevel = envLevel();

let level: LogLevel = LEVEL_FROM_ENV;
let levels: ReadonlyMap<string, LogLevel> = new Map();
let format: LogFormat = 'text';
let toStderr = true;
let file: RotatingFile | undefined;

/**
 * Replaces the process's logging settings. Opening the file is the only step that can fail; it
 * throws before anything changes, so a bad path leaves logging as it was.
 */
export function configureLogging(settings: LogSettings): void {
  const next = settings.file ? new RotatingFile(settings.file.path, settings.file.maxSize, settings.file.maxFiles) : undefined;
  file?.close();
  file = next;
  level = settings.level;
  levels = settings.levels;
  format = settings.format;
  toStderr = settings.stderr || !next;
}

/** Changes the levels only (a running node's updateBrokerConfig / updateNamesrvConfig). */
export function setLogLevels(l: LogLevel, perComponent: ReadonlyMap<string, LogLevel>): void {
  level = l;
  levels = perComponent;
}

/** Sets the level of every component without its own (CLIs that print tables quiet the SDK so). */
export function setLogLevel(l: LogLevel): void {
  level = l;
}

export interface Logger {
  debug(msg: string, ...rest: unknown[]): void;
  info(msg: string, ...rest: unknown[]): void;
  warn(msg: string, ...rest: unknown[]): void;
  error(msg: string, ...rest: unknown[]): void;
  /** Whether a level is written, for callers that would build an expensive message. */
  enabled(level: LogLevel): boolean;
}

/**
 * What a call passes after the message: plain objects are fields (keys and values of their own in
 * json and logfmt), an Error is the `err` field (message and stack), anything else is appended to
 * the message as today.
 */
interface Event {
  time: string;
  level: Exclude<LogLevel, 'silent'>;
  component: string;
  name: string | undefined;
  msg: string;
  fields: Array<[string, unknown]>;
}

const RESERVED = new Set(['time', 'level', 'component', 'name', 'msg']);

function toEvent(lv: Event['level'], component: string, name: string | undefined, msg: string, rest: unknown[]): Event {
  const fields: Array<[string, unknown]> = [];
  const extra: string[] = [];
  for (const r of rest) {
    if (r instanceof Error) fields.push(['err', r.stack ?? `${r.name}: ${r.message}`]);
    else if (r !== null && typeof r === 'object' && Object.getPrototypeOf(r) === Object.prototype) {
      for (const [k, v] of Object.entries(r)) fields.push([RESERVED.has(k) ? `field.${k}` : k, v]);
    } else extra.push(valueText(r));
  }
  return { time: new Date().toISOString(), level: lv, component, name, msg: extra.length ? `${msg} ${extra.join(' ')}` : msg, fields };
}

/** JSON that never throws: a log call must not fail on a bigint or a circular value. */
function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)) ?? String(v);
  } catch {
    return String(v);
  }
}

/** A field as JSON can hold it: as it is, else (bigint, circular) as text. */
function jsonField(v: unknown): unknown {
  if (typeof v === 'bigint') return v.toString();
  try {
    JSON.stringify(v);
    return v;
  } catch {
    return safeJson(v);
  }
}

function valueText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'bigint') return v.toString();
  if (v instanceof Date) return v.toISOString();
  return safeJson(v);
}

// A newline inside a message or field would split one event over lines: escape it.
const oneLine = (s: string): string => s.replace(/\r?\n/g, '\\n');

function logfmtValue(v: unknown): string {
  const s = valueText(v);
  if (s !== '' && !/[\s="\\]/.test(s) && !/[\u0000-\u001f]/.test(s)) return s;
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\t/g, '\\t')}"`;
}

export function formatEvent(e: Event, fmt: LogFormat): string {
  switch (fmt) {
    case 'text': {
      const who = e.name === undefined ? e.component : `${e.component} ${e.name}`;
      let line = `${e.time} ${e.level.toUpperCase().padEnd(5)} [${who}] ${e.msg}`;
      for (const [k, v] of e.fields) line += k === 'err' ? ` ${valueText(v)}` : ` ${k}=${logfmtValue(v)}`;
      return oneLine(line) + '\n';
    }
    case 'json': {
      const o: Record<string, unknown> = { time: e.time, level: e.level, component: e.component };
      if (e.name !== undefined) o.name = e.name;
      o.msg = e.msg;
      for (const [k, v] of e.fields) o[k] = jsonField(v);
      return JSON.stringify(o) + '\n';
    }
    case 'logfmt': {
      let line = `time=${e.time} level=${e.level} component=${e.component}`;
      if (e.name !== undefined) line += ` name=${logfmtValue(e.name)}`;
      line += ` msg=${logfmtValue(e.msg)}`;
      for (const [k, v] of e.fields) line += ` ${k}=${logfmtValue(v)}`;
      return line + '\n';
    }
  }
}

let fileErrorReported: string | undefined;

function write(line: string): void {
  if (toStderr) process.stderr.write(line);
  if (!file) return;
  try {
    file.write(line);
  } catch (err) {
    // A full disk or a removed directory must not take the broker down; say so once per cause.
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    if (fileErrorReported !== why) {
      fileErrorReported = why;
      process.stderr.write(`${new Date().toISOString()} ERROR [logger] cannot write log file ${file.path}: ${why}\n`);
    }
  }
}

/**
 * Puts a line the caller has already printed on stderr (a CLI's one-line reason for failing) into
 * the log file too, so a node logging to a file only still shows there why it stopped.
 */
export function recordInLogFile(component: LogComponent, msg: string): void {
  if (!file) return;
  const saved = toStderr;
  toStderr = false;
  try {
    write(formatEvent(toEvent('error', component, undefined, msg, []), format));
  } finally {
    toStderr = saved;
  }
}

export function logger(component: LogComponent, name?: string): Logger {
  const threshold = (): LogLevel => levels.get(component) ?? level;
  const enabled = (l: LogLevel): boolean => l !== 'silent' && ORDER[l] >= ORDER[threshold()];
  const emit = (l: Event['level'], msg: string, rest: unknown[]): void => {
    if (ORDER[l] < ORDER[threshold()]) return;
    write(formatEvent(toEvent(l, component, name, msg, rest), format));
  };
  return {
    debug: (m, ...r) => emit('debug', m, r),
    info: (m, ...r) => emit('info', m, r),
    warn: (m, ...r) => emit('warn', m, r),
    error: (m, ...r) => emit('error', m, r),
    enabled,
  };
}
