/** Compiled SQL92 subscriptions, shared by the pull path and heartbeat validation. */
import { compileSql92, type SqlFilter } from './sql92.js';

const sqlCache = new Map<string, SqlFilter>();

/** A compiled SQL92 subscription (cached: consumers pull with the same expression all the time). */
export function sqlFilterOf(expression: string): SqlFilter {
  let f = sqlCache.get(expression);
  if (!f) {
    f = compileSql92(expression);
    if (sqlCache.size > 10_000) sqlCache.clear();
    sqlCache.set(expression, f);
  }
  return f;
}
