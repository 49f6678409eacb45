/** What every mqadmin subcommand is made of, and the small helpers they share for reading flags and printing. */
import type { Admin } from '../../client/admin.js';

export interface Command {
  usage: string;
  /** Apache's commandDesc, shown by `mqadmin <command> -h`. */
  desc?: string;
  /** Keyed by the long name (`--topic`); `desc` and `required` are shown by `-h` as Apache's HelpFormatter does. */
  options: Record<string, OptionSpec>;
  run(admin: Admin, o: Record<string, string | boolean | undefined>): Promise<void>;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short: string;
  desc?: string;
  required?: boolean;
}

export const out = (line = ''): void => void process.stdout.write(line + '\n');
export const pad = (s: unknown, n: number): string => String(s).padEnd(n);

export const need = (o: Record<string, unknown>, key: string, flag: string): string => {
  const v = o[key];
  if (typeof v !== 'string' || v === '') throw new Error(`missing option -${flag} (${key})`);
  return v;
};

/** For commands that take `-b <brokerAddr>` or `-c <cluster>`. */
export const needCluster = (o: Record<string, unknown>): string => {
  if (typeof o.clusterName !== 'string' || o.clusterName === '') throw new Error('give -b <brokerAddr> or -c <cluster>');
  return o.clusterName;
};

export function positiveInt(text: string, what: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(n) || n <= 0) throw new Error(`${what} must be a positive integer, got '${text}'`);
  return n;
}

const HELP_WIDTH = 110; // Apache's ServerUtil.printCommandLineHelp: HelpFormatter width 110
const DESC_PAD = 3;

/** The options every command takes, as Apache's ServerUtil adds them. */
const COMMON: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', desc: 'Print help' },
  namesrvAddr: { type: 'string', short: 'n', desc: "Name server address list, eg: '192.168.0.1:9876;192.168.0.2:9876'" },
};

/**
 * `mqadmin <command> -h` and `mqadmin help <command>`: the usage block Apache's mqadmin prints
 * through commons-cli's HelpFormatter: a `usage:` line with every option sorted by its letter
 * (required ones without brackets), then one line per option, `-t,--topic <arg>` padded to a
 * common width, then its description.
 */
export function commandHelp(name: string, cmd: Command): string {
  const opts = Object.entries({ ...COMMON, ...cmd.options }).sort(([, a], [, b]) => a.short.toLowerCase().localeCompare(b.short.toLowerCase()) || a.short.localeCompare(b.short));
  const usage = `usage: mqadmin ${name} ${opts.map(([, o]) => {
    const text = `-${o.short}${o.type === 'string' ? ' <arg>' : ''}`;
    return o.required ? text : `[${text}]`;
  }).join(' ')}`;
  const lines = wrap(usage, HELP_WIDTH, 'usage: '.length);
  const heads = opts.map(([long, o]) => ` -${o.short},--${long}${o.type === 'string' ? ' <arg>' : ''}`);
  const width = Math.max(...heads.map((h) => h.length));
  opts.forEach(([, o], i) => lines.push(...wrap(`${heads[i]!.padEnd(width)}${' '.repeat(DESC_PAD)}${o.desc ?? ''}`.trimEnd(), HELP_WIDTH, width + DESC_PAD)));
  return lines.join('\n');
}

/** Breaks a line at spaces to `width`, continuation lines indented by `indent` (HelpFormatter's renderWrappedText). */
function wrap(text: string, width: number, indent: number): string[] {
  const lines: string[] = [];
  let rest = text;
  let first = true;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= (first ? 0 : indent)) cut = width;
    lines.push(rest.slice(0, cut).trimEnd());
    rest = ' '.repeat(indent) + rest.slice(cut).trimStart();
    first = false;
  }
  lines.push(rest);
  return lines;
}
