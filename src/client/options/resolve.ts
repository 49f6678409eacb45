/**
 * Options are resolved once, when a client object is built: every default sits in its type's
 * table, and code reads the resolved value instead of repeating `options.x ?? N`.
 */

/** `options` over `defaults`; a member given as undefined or null keeps its default, as `??` did. */
export function withDefaults<D extends object, O extends object>(defaults: D, options: O): Omit<O, keyof D> & Required<D> {
  const out: Record<string, unknown> = { ...(defaults as Record<string, unknown>) };
  for (const [k, v] of Object.entries(options)) if (v !== undefined && v !== null) out[k] = v;
  return out as Omit<O, keyof D> & Required<D>;
}
