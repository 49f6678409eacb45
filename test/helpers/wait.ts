/** Polls a condition until it holds, failing with a clear message after a bound. */
export async function until(cond: () => boolean | Promise<boolean>, what: string, ms = 10_000, intervalMs = 10): Promise<void> {
  await untilValue(async () => ((await cond()) ? true : undefined), what, ms, intervalMs);
}

/** Polls until `fn` gives a value (not undefined) and returns it; fails with a clear message after a bound. */
export async function untilValue<T>(fn: () => T | undefined | Promise<T | undefined>, what: string, ms = 10_000, intervalMs = 10): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
