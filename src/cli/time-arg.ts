/** Time arguments as Apache's mqadmin reads them. */

const APACHE_TIME = /^(\d{4})-(\d{2})-(\d{2})#(\d{2}):(\d{2}):(\d{2}):(\d{3})$/;

/**
 * A `-s` timestamp as Apache's resetOffsetByTime reads it: `now`, epoch milliseconds, or
 * `yyyy-MM-dd#HH:mm:ss:SSS` in this machine's time zone (Java's SimpleDateFormat default).
 */
export function parseTimestamp(text: string): number {
  if (text === 'now') return Date.now();
  if (/^\d+$/.test(text) && Number.isSafeInteger(Number(text))) return Number(text);
  const m = APACHE_TIME.exec(text);
  if (m) {
    const [y, mo, d, h, mi, s, ms] = m.slice(1).map(Number) as [number, number, number, number, number, number, number];
    const date = new Date(y, mo - 1, d, h, mi, s, ms);
    // Reject what Date would roll over (2026-02-30 → March 2) instead of resetting to a surprise.
    if (date.getFullYear() === y && date.getMonth() === mo - 1 && date.getDate() === d && date.getHours() === h && date.getMinutes() === mi && date.getSeconds() === s) return date.getTime();
  }
  throw new Error(`-s: cannot read '${text}' as a time; give yyyy-MM-dd#HH:mm:ss:SSS (e.g. 2026-12-07#01:00:00:000), epoch milliseconds, or now`);
}
