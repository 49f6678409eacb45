/**
 * A message's properties: `name\u0001value\u0002` items in one string, stored as-is in the record's
 * PROPS field and sent as-is in the send header's `properties`.
 */

/** Well-known property names (`MessageConst`). */
export const Prop = {
  KEYS: 'KEYS',
  TAGS: 'TAGS',
  WAIT: 'WAIT',
  DELAY: 'DELAY',
  RETRY_TOPIC: 'RETRY_TOPIC',
  REAL_TOPIC: 'REAL_TOPIC',
  REAL_QID: 'REAL_QID',
  TRAN_MSG: 'TRAN_MSG',
  PGROUP: 'PGROUP',
  UNIQ_KEY: 'UNIQ_KEY',
  ORIGIN_MESSAGE_ID: 'ORIGIN_MESSAGE_ID',
  RECONSUME_TIME: 'RECONSUME_TIME',
  MAX_RECONSUME_TIMES: 'MAX_RECONSUME_TIMES',
  MIN_OFFSET: 'MIN_OFFSET',
  MAX_OFFSET: 'MAX_OFFSET',
} as const;

export const NAME_VALUE_SEPARATOR = '\u0001';
export const PROPERTY_SEPARATOR = '\u0002';

/** Encodes properties as `name\u0001value\u0002…` in the map's (insertion) order. */
export function encodeProperties(props: ReadonlyMap<string, string> | Readonly<Record<string, string>>): string {
  let s = '';
  const entries = props instanceof Map ? props.entries() : Object.entries(props);
  for (const [k, v] of entries) s += k + NAME_VALUE_SEPARATOR + v + PROPERTY_SEPARATOR;
  return s;
}

/**
 * Parses a properties string like Java's `string2messageProperties`: split on \u0002, then each
 * item on \u0001; items without exactly one separator (e.g. an empty value) are dropped.
 */
export function parseProperties(s: string): Map<string, string> {
  const map = new Map<string, string>();
  let start = 0;
  while (start < s.length) {
    let end = s.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = s.length;
    const parts = s.slice(start, end).split(NAME_VALUE_SEPARATOR);
    // Java's String.split drops trailing empty strings.
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop();
    if (parts.length === 2) map.set(parts[0]!, parts[1]!);
    start = end + 1;
  }
  return map;
}

/**
 * Reads one property without building a map (the append and dispatch paths need only TAGS,
 * KEYS, UNIQ_KEY and DELAY). Returns undefined when absent or empty.
 */
export function getProperty(s: string, name: string): string | undefined {
  let start = 0;
  while (start < s.length) {
    let end = s.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = s.length;
    if (
      end - start > name.length + 1 &&
      s.charCodeAt(start + name.length) === 1 &&
      s.startsWith(name, start)
    ) {
      const value = s.slice(start + name.length + 1, end);
      return value.includes(NAME_VALUE_SEPARATOR) ? undefined : value;
    }
    start = end + 1;
  }
  return undefined;
}

/**
 * Sets a property as the last item. A text that mentions `name\u0001` anywhere is first cleaned as by
 * {@link withoutProperty}; any other text is kept as it was, only given its closing \u0002.
 */
export function withProperty(properties: string, name: string, value: string): string {
  const rest = properties.includes(name + NAME_VALUE_SEPARATOR) ? withoutProperty(properties, name) : properties;
  const sep = rest === '' || rest.endsWith(PROPERTY_SEPARATOR) ? '' : PROPERTY_SEPARATOR;
  return rest + sep + name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
}

/** Removes every item of a property, and empty items; the others keep their order, each closing with \u0002. */
export function withoutProperty(properties: string, name: string): string {
  return withoutProperties(properties, [name]);
}

/** {@link withoutProperty} for several names in one pass. */
export function withoutProperties(properties: string, names: readonly string[]): string {
  let out = '';
  let start = 0;
  while (start < properties.length) {
    let end = properties.indexOf(PROPERTY_SEPARATOR, start);
    if (end < 0) end = properties.length;
    if (end > start && !names.some((name) => properties.startsWith(name, start) && properties.charCodeAt(start + name.length) === 1)) {
      out += properties.slice(start, end) + PROPERTY_SEPARATOR;
    }
    start = end + 1;
  }
  return out;
}
