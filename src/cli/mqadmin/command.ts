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
