/**
 * `mqadmin <command> -h` and `mqadmin help <command>`: the usage block Apache's mqadmin prints
 * through commons-cli's HelpFormatter (width 110): a `usage:` line with every option sorted by its
 * letter (required ones without brackets), then one line per option, `-t,--topic <arg>` padded to
 * a common width, then its description.
 */
import type { Command, OptionSpec } from './command.js';

const WIDTH = 110;
const DESC_PAD = 3;

/** The options every command takes, as Apache's ServerUtil adds them. */
const COMMON: Record<string, OptionSpec> = {
  help: { type: 'boolean', short: 'h', desc: 'Print help' },
  namesrvAddr: { type: 'string', short: 'n', desc: "Name server address list, eg: '192.168.0.1:9876;192.168.0.2:9876'" },
};

export function commandHelp(name: string, cmd: Command): string {
  const opts = Object.entries({ ...COMMON, ...cmd.options }).sort(([, a], [, b]) => a.short.toLowerCase().localeCompare(b.short.toLowerCase()) || a.short.localeCompare(b.short));
  const usage = `usage: mqadmin ${name} ${opts.map(([, o]) => {
    const text = `-${o.short}${o.type === 'string' ? ' <arg>' : ''}`;
    return o.required ? text : `[${text}]`;
  }).join(' ')}`;
  const lines = wrap(usage, WIDTH, 'usage: '.length);
  const heads = opts.map(([long, o]) => ` -${o.short},--${long}${o.type === 'string' ? ' <arg>' : ''}`);
  const width = Math.max(...heads.map((h) => h.length));
  opts.forEach(([, o], i) => lines.push(...wrap(`${heads[i]!.padEnd(width)}${' '.repeat(DESC_PAD)}${o.desc ?? ''}`.trimEnd(), WIDTH, width + DESC_PAD)));
  return lines.join('\n');
}

/** Breaks a line at spaces to `width`, continuation lines indented by `indent` (HelpFormatter's renderWrappedText). */
function wrap(text: string, width: number, indent: number): string[] {
  const out: string[] = [];
  let rest = text;
  let first = true;
  while (rest.length > width) {
    let cut = rest.lastIndexOf(' ', width);
    if (cut <= (first ? 0 : indent)) cut = width;
    out.push(rest.slice(0, cut).trimEnd());
    rest = ' '.repeat(indent) + rest.slice(cut).trimStart();
    first = false;
  }
  out.push(rest);
  return out;
}
