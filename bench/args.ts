/** `--name=value` flags of the bench commands. */

export function stringArg(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

/** A positive integer flag, or `fallback` when absent; anything else is an error naming the flag. */
export function positiveIntArg(name: string, fallback: number): number {
  const a = stringArg(name);
  const v = a === undefined ? fallback : Number(a);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} takes a positive integer`);
  return v;
}
