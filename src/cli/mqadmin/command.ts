/** What every mqadmin subcommand is made of, and the small helpers they share for reading flags and printing. */
import type { Admin } from '../../client/admin.js';
import type { MessageExt } from '../../client/message.js';

export interface OptionSpec {
  type: 'string' | 'boolean';
  short: string;
  /** The option's line in `-h`, as Apache's tool words it. */
  desc?: string;
  /** Checked before anything is sent: a missing one is a usage error (Apache's `opt.setRequired(true)`). */
  required?: boolean;
}

export interface Command {
  /** One line for `mqadmin help` (Apache's commandDesc). */
  desc?: string;
  /** Free-form usage line; when absent it is built from the options. */
  usage?: string;
  /** Options keyed by their long name (Apache's), so `--topic` and `-t` both work. */
  options: Record<string, OptionSpec>;
  /** Long names of which at least one must be given (Apache's required OptionGroup, e.g. -b | -c). */
  oneOf?: string[];
  run(admin: Admin, o: Record<string, string | boolean | undefined>): Promise<void>;
}

/** Added to every command, as Apache's ServerUtil.buildCommandlineOptions does. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', desc: 'Print help' },
  namesrvAddr: { type: 'string', short: 'n', desc: 'Name server address list, eg: 192.168.0.1:9876;192.168.0.2:9876' },
};

/** A wrong command line: reported in one line, exit code 2 instead of 1. */
export class UsageError extends Error {}

const HELP_WIDTH = 110; // Apache's ServerUtil.printCommandLineHelp: HelpFormatter width 110

/**
 * `mqadmin <cmd> -h`, laid out as commons-cli's HelpFormatter prints Apache's (ServerUtil.printCommandLineHelp):
 * a `usage:` line listing every option sorted by letter (optional ones in brackets), then one line per
 * option ` -x,--long <arg>   description`.
 */
export function commandHelp(name: string, cmd: Command): string {
  const all = Object.entries({ ...cmd.options, ...COMMON_OPTIONS }).sort(([, a], [, b]) => a.short.toLowerCase().localeCompare(b.short.toLowerCase()) || a.short.localeCompare(b.short));
  const syntax = all.map(([, o]) => {
    const s = `-${o.short}${o.type === 'string' ? ' <arg>' : ''}`;
    return o.required ? s : `[${s}]`;
  });
  const lines = [...wrap(`usage: mqadmin ${name}`, syntax, HELP_WIDTH)];
  const left = all.map(([long, o]) => ` -${o.short},--${long}${o.type === 'string' ? ' <arg>' : ''}`);
  const width = Math.max(...left.map((l) => l.length)) + 3;
  all.forEach(([, o], i) => lines.push(`${left[i]!.padEnd(width)}${o.desc ?? ''}`.trimEnd()));
  return lines.join('\n');
}

function wrap(head: string, words: string[], width: number): string[] {
  const lines: string[] = [];
  let line = head;
  for (const w of words) {
    if (line.length + 1 + w.length > width && line.trim() !== '') {
      lines.push(line);
      line = ' '.repeat(head.length) + ' ' + w;
    } else line += ' ' + w;
  }
  lines.push(line);
  return lines;
}

/** Required options and option groups, checked before connecting (Apache's commons-cli does it while parsing). */
export function checkRequired(name: string, cmd: Command, o: Record<string, unknown>): void {
  for (const [long, spec] of Object.entries(cmd.options)) {
    if (spec.required && (o[long] === undefined || o[long] === '')) throw new UsageError(`${name}: missing required option -${spec.short} (--${long}); see mqadmin ${name} -h`);
  }
  if (cmd.oneOf && !cmd.oneOf.some((k) => o[k] !== undefined && o[k] !== '')) {
    const flags = cmd.oneOf.map((k) => `-${cmd.options[k]?.short} (--${k})`).join(' or ');
    throw new UsageError(`${name}: give ${flags}; see mqadmin ${name} -h`);
  }
}

export const out = (line = ''): void => void process.stdout.write(line + '\n');
/** Without the newline, for Apache's printf calls that leave it out. */
export const print = (text: string): void => void process.stdout.write(text);
export const pad = (s: unknown, n: number): string => String(s).padEnd(n);
/** Java's `%-Ns` of UtilAll.frontStringAtLeast(s, N): cut to N, then padded to N. */
export const col = (s: unknown, n: number): string => pad(String(s ?? '').slice(0, n), n);

export const need = (o: Record<string, unknown>, key: string, flag: string): string => {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '') throw new UsageError(`missing option -${flag} (${key})`);
  return v.trim();
};

/** An optional string option, trimmed as Apache does; undefined when not given. */
export const opt = (o: Record<string, unknown>, key: string): string | undefined => (typeof o[key] === 'string' && o[key].trim() !== '' ? o[key].trim() : undefined);

/** For commands that take `-b <brokerAddr>` or `-c <cluster>`. */
export const needCluster = (o: Record<string, unknown>): string => {
  if (typeof o.clusterName !== 'string' || o.clusterName === '') throw new UsageError('give -b <brokerAddr> or -c <cluster>');
  return o.clusterName;
};

export function positiveInt(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`${what} must be a positive integer, got '${text}'`);
  return n;
}

/** An integer option (Java's Integer/Long.parseLong: optional sign, digits only). */
export function intOpt(o: Record<string, unknown>, key: string, flag: string, fallback: number): number {
  const text = opt(o, key);
  if (text === undefined) return fallback;
  if (!/^[-+]?\d+$/.test(text) || !Number.isSafeInteger(Number(text))) throw new UsageError(`-${flag} (${key}) must be an integer, got '${text}'`);
  return Number(text);
}

/** A boolean option given as a value (`-o true`): Java's Boolean.parseBoolean, so anything but "true" is false. */
export function boolOpt(o: Record<string, unknown>, key: string, fallback: boolean): boolean {
  const text = opt(o, key);
  return text === undefined ? fallback : text.toLowerCase() === 'true';
}

/** Java's UtilAll.formatDate(…, "yyyy-MM-dd HH:mm:ss") in local time. */
export function formatDateTime(ms: number, millis = false): string {
  const d = new Date(ms);
  const p = (n: number, w = 2): string => String(n).padStart(w, '0');
  const base = `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
  return millis ? `${base},${p(d.getMilliseconds(), 3)}` : base;
}

export function printMessage(m: MessageExt): void {
  out(JSON.stringify({ ...m, body: m.body.toString('utf8') }, (_k, v: unknown) => (v instanceof Map ? Object.fromEntries(v) : v), 2));
}
