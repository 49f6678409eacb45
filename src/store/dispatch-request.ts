/**
 * What a CommitLog record contributes to the consume queues and the index (Java's
 * DispatchRequest): its queue entry (physical offset, size, tags code) and the hashes of its
 * index keys (`topic#key` for the UNIQ_KEY and each KEYS element).
 *
 * Tag codes and key hashes are Java `String.hashCode` values. A message the broker sent has had its
 * properties read once, into a {@link PropertiesView}: its values are hashed straight from the view.
 * Other records (recovery, replication, the store's own callers) are hashed from the record bytes
 * in one pass without building strings (for ASCII text `String.hashCode` is computed byte by
 * byte); non-ASCII text in TAGS, KEYS or UNIQ_KEY sends them to the string path, a view of the text.
 */
import { readLong } from '../codec/big-endian.js';
import { javaHashCode, javaHashCodeOf } from '../codec/hashes.js';
import { SysFlag } from '../codec/sys-flag.js';
import { storeTimestampPosition, bodyLengthPosition } from '../codec/message-record.js';
import { getProperty, Prop } from '../codec/message-properties.js';
import { PropertiesView } from '../codec/properties-view.js';

import { SCHEDULE_TOPIC } from '../protocol/system-topics.js';

export { SCHEDULE_TOPIC };

/**
 * The consume-queue tags code: `String.hashCode(TAGS)` (0 without tags); in the schedule topic
 * the delivery time, storeTimestamp + delay of the (clamped) DELAY level.
 */
export function tagsCodeOf(topic: string, properties: string, storeTimestamp: number, delayLevels: readonly number[]): number {
  if (topic === SCHEDULE_TOPIC) {
    const level = getProperty(properties, Prop.DELAY);
    if (level !== undefined) {
      const code = delayTagsCode(Number.parseInt(level, 10), storeTimestamp, delayLevels);
      if (code !== undefined) return code;
    }
  }
  const tags = getProperty(properties, Prop.TAGS);
  return tags ? javaHashCode(tags) : 0;
}

/** The delivery time of a DELAY level (parseInt semantics; clamped to the highest), if it is one. */
function delayTagsCode(level: number, storeTimestamp: number, delayLevels: readonly number[]): number | undefined {
  let n = level;
  if (n > delayLevels.length) n = delayLevels.length;
  return n > 0 ? storeTimestamp + delayLevels[n - 1]! : undefined;
}

/** True for records that get a consume-queue entry (not PREPARED, not ROLLBACK). */
export function goesToConsumeQueue(sysFlag: number): boolean {
  const t = sysFlag & SysFlag.TRANSACTION_MASK;
  return t === SysFlag.TRANSACTION_NOT || t === SysFlag.TRANSACTION_COMMIT;
}

/** True for records that get index entries (all but ROLLBACK). */
export function goesToIndex(sysFlag: number): boolean {
  return (sysFlag & SysFlag.TRANSACTION_MASK) !== SysFlag.TRANSACTION_ROLLBACK;
}

/** Per-topic constants of the append and dispatch paths. */
export class TopicInfo {
  /** The topic's UTF-8 bytes (TOPIC field of a record). */
  readonly utf8: Buffer;
  /** `String.hashCode(topic + '#')`: index keys are `topic#key`, hashed on from here. */
  readonly keySeed: number;
  readonly schedule: boolean;

  constructor(readonly name: string) {
    this.utf8 = Buffer.from(name, 'utf8');
    this.keySeed = javaHashCode(name + '#');
    this.schedule = name === SCHEDULE_TOPIC;
  }
}

/** TopicInfo by name; a cache (bounded), so identity only says "same topic" while it lasts. */
export class TopicTable {
  private readonly byName = new Map<string, TopicInfo>();

  get(name: string): TopicInfo {
    let t = this.byName.get(name);
    if (!t) {
      if (this.byName.size >= 8192) this.byName.clear();
      t = new TopicInfo(name);
      this.byName.set(name, t);
    }
    return t;
  }

  /** The TopicInfo of the topic whose UTF-8 bytes are `buf[from, to)`. */
  fromBytes(buf: Buffer, from: number, to: number, last: TopicInfo | undefined): TopicInfo {
    if (last && last.utf8.length === to - from) {
      const u = last.utf8;
      let k = 0;
      while (k < u.length && u[k] === buf[from + k]) k++;
      if (k === u.length) return last;
    }
    return this.get(buf.toString('utf8', from, to));
  }
}

const INITIAL = 1024;

/**
 * Dispatch requests in parallel arrays, reused from tick to tick: entry i is one record's queue
 * entry and its index key hashes `keyHashes[keyEnds[i-1] .. keyEnds[i])` (uniq key first, then
 * KEYS in order). Avoids an object per message on the append path.
 */
export class DispatchLog {
  length = 0;
  topics: TopicInfo[] = [];
  queueIds = new Int32Array(INITIAL);
  sysFlags = new Int32Array(INITIAL);
  sizes = new Int32Array(INITIAL);
  queueOffsets = new Float64Array(INITIAL);
  physicalOffsets = new Float64Array(INITIAL);
  tagsCodes = new Float64Array(INITIAL);
  storeTimestamps = new Float64Array(INITIAL);
  keyEnds = new Int32Array(INITIAL);
  keyHashes = new Int32Array(INITIAL * 2);
  keyCount = 0;
  /** Topic of the previous record added by addRecord, kept across clear() (replay adds one at a time). */
  private lastTopic: TopicInfo | undefined = undefined;

  clear(): void {
    this.length = 0;
    this.keyCount = 0;
    this.topics.length = 0;
  }

  /** Start of entry i's key hashes. */
  keyStart(i: number): number {
    return i === 0 ? 0 : this.keyEnds[i - 1]!;
  }

  /** Drops entries from `length` on (an append that failed half way). */
  truncate(length: number): void {
    this.length = length;
    this.keyCount = length === 0 ? 0 : this.keyEnds[length - 1]!;
    this.topics.length = length;
  }

  /**
   * Adds the record at `pos` of `buf` whose properties are `buf[propsFrom, propsTo)`. `properties`
   * is what the append path holds of that text: with the broker's view, its values are hashed from
   * the view; otherwise the bytes are scanned, and the text (given, or decoded from the bytes) is
   * read only when the scan meets non-ASCII text it must hash. `withKeys`: compute index key hashes.
   */
  add(
    buf: Buffer,
    topic: TopicInfo,
    queueId: number,
    queueOffset: number,
    physicalOffset: number,
    size: number,
    storeTimestamp: number,
    sysFlag: number,
    propsFrom: number,
    propsTo: number,
    properties: PropertiesView | string | undefined,
    delayLevels: readonly number[],
    withKeys: boolean,
  ): void {
    const i = this.length;
    if (i === this.sizes.length) this.grow();
    this.topics.push(topic);
    this.queueIds[i] = queueId;
    this.sysFlags[i] = sysFlag;
    this.sizes[i] = size;
    this.queueOffsets[i] = queueOffset;
    this.physicalOffsets[i] = physicalOffset;
    this.storeTimestamps[i] = storeTimestamp;
    this.length = i + 1;
    const keys = withKeys && goesToIndex(sysFlag);
    if (properties instanceof PropertiesView) this.addFromView(properties, topic, storeTimestamp, delayLevels, keys);
    else if (!this.scanProps(buf, propsFrom, propsTo, topic, storeTimestamp, delayLevels, keys)) {
      // Non-ASCII text in a field that is hashed: Java hashes UTF-16 code units.
      this.addFromView(this.decoded.parse(properties ?? buf.toString('utf8', propsFrom, propsTo)), topic, storeTimestamp, delayLevels, keys);
    }
    this.keyEnds[i] = this.keyCount;
  }

  private grow(): void {
    const n = this.sizes.length * 2;
    const i32 = (a: Int32Array) => {
      const b = new Int32Array(n);
      b.set(a);
      return b;
    };
    const f64 = (a: Float64Array) => {
      const b = new Float64Array(n);
      b.set(a);
      return b;
    };
    this.queueIds = i32(this.queueIds);
    this.sysFlags = i32(this.sysFlags);
    this.sizes = i32(this.sizes);
    this.keyEnds = i32(this.keyEnds);
    this.queueOffsets = f64(this.queueOffsets);
    this.physicalOffsets = f64(this.physicalOffsets);
    this.tagsCodes = f64(this.tagsCodes);
    this.storeTimestamps = f64(this.storeTimestamps);
  }

  private pushKey(hash: number): void {
    if (this.keyCount === this.keyHashes.length) {
      const b = new Int32Array(this.keyHashes.length * 2);
      b.set(this.keyHashes);
      this.keyHashes = b;
    }
    this.keyHashes[this.keyCount++] = hash;
  }

  /**
   * One pass over the properties bytes (items `name\u0001value`, separated by \u0002; an item
   * with an empty name or value, or a second \u0001, is skipped; the first valid TAGS, KEYS,
   * UNIQ_KEY, DELAY count), hashing values as it goes. Sets the tags code and pushes key hashes;
   * returns false, having done neither, when a field to hash holds non-ASCII bytes.
   */
  private scanProps(b: Buffer, from: number, to: number, topic: TopicInfo, storeTimestamp: number, delayLevels: readonly number[], withKeys: boolean): boolean {
    const seed = topic.keySeed;
    let tags = 0;
    let haveTags = false;
    let uniq = 0;
    let haveUniq = false;
    let haveKeys = false;
    let keyCount = 0;
    let delayFrom = -1;
    let delayTo = -1;
    let i = from;
    while (i < to) {
      // Name: up to the first \u0001 (or the item's end).
      let k = i;
      let c = 0;
      while (k < to) {
        c = b[k]!;
        if (c === 1 || c === 2) break;
        k++;
      }
      if (k === to || c === 2) {
        i = k + 1;
        continue;
      }
      const n = k - i;
      const c0 = b[i];
      let field = 0;
      if (n === 4) {
        if (c0 === 84 && b[i + 1] === 65 && b[i + 2] === 71 && b[i + 3] === 83) field = haveTags ? 0 : 1; // TAGS
        else if (c0 === 75 && b[i + 1] === 69 && b[i + 2] === 89 && b[i + 3] === 83) field = haveKeys || !withKeys ? 0 : 2; // KEYS
      } else if (n === 8) {
        if (c0 === 85 && b[i + 1] === 78 && b[i + 2] === 73 && b[i + 3] === 81 && b[i + 4] === 95 && b[i + 5] === 75 && b[i + 6] === 69 && b[i + 7] === 89) {
          field = haveUniq || !withKeys ? 0 : 3; // UNIQ_KEY
        }
      } else if (n === 5) {
        if (c0 === 68 && b[i + 1] === 69 && b[i + 2] === 76 && b[i + 3] === 65 && b[i + 4] === 89) field = delayFrom >= 0 ? 0 : 4; // DELAY
      }
      const start = ++k;
      if (field === 0) {
        while (k < to && b[k] !== 2) k++;
        i = k + 1;
        continue;
      }
      // Value: hashed while looking for its end; invalid with a second \u0001 or when empty.
      let bad = false;
      let high = 0;
      let h = 0;
      if (field === 2) {
        // KEYS: one hash per space-separated key, kept aside (the unique key is indexed first).
        let len = 0;
        h = seed;
        for (; k < to; k++) {
          c = b[k]!;
          if (c === 2) break;
          high |= c;
          if (c === 32) {
            if (len > 0) this.keepKey(keyCount++, h);
            h = seed;
            len = 0;
          } else {
            if (c === 1) bad = true;
            h = (Math.imul(31, h) + c) | 0;
            len++;
          }
        }
        if (len > 0) this.keepKey(keyCount++, h);
        if (bad || k === start) keyCount = 0;
        else haveKeys = true;
      } else {
        h = field === 3 ? seed : 0;
        for (; k < to; k++) {
          c = b[k]!;
          if (c === 2) break;
          if (c === 1) bad = true;
          high |= c;
          h = (Math.imul(31, h) + c) | 0;
        }
        if (!bad && k > start) {
          if (field === 1) {
            tags = h;
            haveTags = true;
          } else if (field === 3) {
            uniq = h;
            haveUniq = true;
          } else {
            delayFrom = start;
            delayTo = k;
            high = 0;
          }
        }
      }
      if (high >= 0x80 && !bad && k > start) return false;
      i = k + 1;
    }
    let tagsCode = haveTags ? tags : 0;
    if (topic.schedule && delayFrom >= 0) tagsCode = delayTagsCode(Number.parseInt(b.toString('utf8', delayFrom, delayTo), 10), storeTimestamp, delayLevels) ?? tagsCode;
    this.tagsCodes[this.length - 1] = tagsCode;
    if (haveUniq) this.pushKey(uniq);
    for (let j = 0; j < keyCount; j++) this.pushKey(this.keysAside[j]!);
    return true;
  }

  /** KEYS hashes of the record being scanned, until the unique key has been pushed. */
  private keysAside = new Int32Array(64);

  private keepKey(j: number, hash: number): void {
    if (j === this.keysAside.length) {
      const b = new Int32Array(j * 2);
      b.set(this.keysAside);
      this.keysAside = b;
    }
    this.keysAside[j] = hash;
  }

  /** Reads the text of the few records the byte scan leaves to the string path. */
  private readonly decoded = new PropertiesView();

  private addFromView(p: PropertiesView, topic: TopicInfo, storeTimestamp: number, delayLevels: readonly number[], withKeys: boolean): void {
    const s = p.text;
    let tagsCode: number | undefined;
    if (topic.schedule) {
      const level = p.scheduleDelayLevel();
      if (level !== undefined) tagsCode = delayTagsCode(level, storeTimestamp, delayLevels);
    }
    this.tagsCodes[this.length - 1] = tagsCode ?? (p.tagsFrom >= 0 ? javaHashCodeOf(0, s, p.tagsFrom, p.tagsTo) : 0);
    if (!withKeys) return;
    const seed = topic.keySeed;
    if (p.uniqKeyFrom >= 0) this.pushKey(javaHashCodeOf(seed, s, p.uniqKeyFrom, p.uniqKeyTo));
    // KEYS: each space-separated element.
    let from = p.keysFrom;
    const to = p.keysTo;
    while (from >= 0 && from < to) {
      let end = s.indexOf(' ', from);
      if (end < 0 || end > to) end = to;
      if (end > from) this.pushKey(javaHashCodeOf(seed, s, from, end));
      from = end + 1;
    }
  }

  /**
   * Adds a validated record read back from the CommitLog (recovery, replication), reading its
   * header fields from the bytes. Returns the entry's index.
   */
  addRecord(buf: Buffer, pos: number, topics: TopicTable, delayLevels: readonly number[], withKeys: boolean): number {
    const sysFlag = buf.readInt32BE(pos + 36);
    const storeTimestamp = readLong(buf, pos + storeTimestampPosition(sysFlag));
    const bodyLenPos = pos + bodyLengthPosition(sysFlag);
    const topicPos = bodyLenPos + 4 + buf.readInt32BE(bodyLenPos);
    const topicLength = buf.readInt8(topicPos);
    const topic = topics.fromBytes(buf, topicPos + 1, topicPos + 1 + topicLength, this.lastTopic);
    this.lastTopic = topic;
    const propsPos = topicPos + 1 + topicLength;
    const propsLength = buf.readInt16BE(propsPos);
    this.add(
      buf,
      topic,
      buf.readInt32BE(pos + 12),
      readLong(buf, pos + 20),
      readLong(buf, pos + 28),
      buf.readInt32BE(pos),
      storeTimestamp,
      sysFlag,
      propsPos + 2,
      propsPos + 2 + Math.max(0, propsLength),
      undefined,
      delayLevels,
      withKeys,
    );
    return this.length - 1;
  }
}
