/**
 * Prometheus text format (0.0.4) lines for the families a node fills at scrape time. prom-client's
 * writer runs three regular expressions over every label value of every series; a broker with a
 * thousand groups has families of thousands of series, and prom-client took 8–28 ms to write one
 * of 5,000 series, in one block of the event loop. This writer escapes only values that need it
 * and renders a family in slices, with turns of the event loop between them. Its output is
 * prom-client's, byte for byte (test/metrics/text-format.test.ts holds it to that), except that NaN
 * is written `NaN` as the format says, where prom-client writes `Nan`.
 */
import { Slices } from './slices.js';

/** A series' labels, name to value, in the order they are written. */
export type Labels = Record<string, string>;

const NEEDS_ESCAPE = /[\\\n"]/;

function escapeLabelValue(value: string): string {
  return NEEDS_ESCAPE.test(value) ? value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"') : value;
}

/** HELP text escapes backslashes and newlines only. */
function escapeHelp(help: string): string {
  return /[\\\n]/.test(help) ? help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : help;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value < 0 ? '-Inf' : '+Inf';
  return `${value}`;
}

function seriesLine(name: string, labels: Labels, value: number): string {
  let inner = '';
  for (const k in labels) {
    const v = labels[k];
    if (v === undefined) continue;
    inner += `${inner ? ',' : ''}${k}="${escapeLabelValue(String(v))}"`;
  }
  return inner ? `${name}{${inner}} ${formatValue(value)}` : `${name} ${formatValue(value)}`;
}

/** A whole family: HELP, TYPE and one line per series, in slices of the event loop. */
export async function renderFamily(
  name: string,
  help: string,
  type: string,
  series: ReadonlyArray<{ labels: Labels; value: number }>,
): Promise<string> {
  const lines = [`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`];
  const slices = new Slices();
  for (let i = 0; i < series.length; i++) {
    lines.push(seriesLine(name, series[i]!.labels, series[i]!.value));
    // The clock is read every 128 series: a series takes about a microsecond.
    if ((i & 127) === 127 && slices.due()) await slices.next();
  }
  return lines.join('\n');
}
