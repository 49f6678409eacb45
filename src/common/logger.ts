/**
 * A small leveled logger writing one line per event to stderr; enough for servers and CLIs.
 * Line format: `<ISO-8601 UTC time> <LEVEL padded to 5> [<component>] <message>`. The threshold
 * comes from $APOGEE_LOG_LEVEL (debug, info, warn, error, silent; default info). Files, rotation
 * and per-component levels are not here yet: redirect stderr to keep logs.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

function levelFromEnv(): LogLevel {
  const raw = process.env.APOGEE_LOG_LEVEL;
  if (raw === undefined || raw === '') return 'info';
  const level = raw.toLowerCase();
  if (Object.hasOwn(ORDER, level)) return level as LogLevel;
  // A typo must not silently leave an operator without the logs they asked for.
  process.stderr.write(`${new Date().toISOString()} WARN  [logger] APOGEE_LOG_LEVEL=${raw} is not one of ${Object.keys(ORDER).join(', ')}; using info\n`);
  return 'info';
}

let threshold: LogLevel = levelFromEnv();

export function setLogLevel(level: LogLevel): void {
  threshold = level;
}

export interface Logger {
  debug(msg: string, ...rest: unknown[]): void;
  info(msg: string, ...rest: unknown[]): void;
  warn(msg: string, ...rest: unknown[]): void;
  error(msg: string, ...rest: unknown[]): void;
}

function format(rest: unknown[]): string {
  return rest
    .map((r) => (r instanceof Error ? r.stack ?? r.message : typeof r === 'string' ? r : JSON.stringify(r)))
    .join(' ');
}

export function logger(component: string): Logger {
  const emit = (level: LogLevel, msg: string, rest: unknown[]): void => {
    if (ORDER[level] < ORDER[threshold]) return;
    const extra = rest.length ? ' ' + format(rest) : '';
    process.stderr.write(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} [${component}] ${msg}${extra}\n`);
  };
  return {
    debug: (m, ...r) => emit('debug', m, r),
    info: (m, ...r) => emit('info', m, r),
    warn: (m, ...r) => emit('warn', m, r),
    error: (m, ...r) => emit('error', m, r),
  };
}
