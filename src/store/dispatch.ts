/**
 * What a CommitLog record contributes to the consume queues and the index (store-ha-config
 * §2.6, §4.3), read either from a put in progress or from the record bytes (recovery, HA).
 */
import { getProperty, javaHashCode, readLong, storeTimestampPosition, bodyLengthPosition, SysFlag, Prop } from '../codec/message.js';

export const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';

export interface DispatchRequest {
  topic: string;
  queueId: number;
  queueOffset: number;
  physicalOffset: number;
  size: number;
  tagsCode: number;
  storeTimestamp: number;
  sysFlag: number;
  keys: string | undefined;
  uniqKey: string | undefined;
}

/**
 * The consume-queue tags code: `String.hashCode(TAGS)` (0 without tags); in the schedule topic
 * the delivery time, storeTimestamp + delay of the (clamped) DELAY level.
 */
export function tagsCodeOf(topic: string, properties: string, storeTimestamp: number, delayLevels: readonly number[]): number {
  if (topic === SCHEDULE_TOPIC) {
    const level = getProperty(properties, Prop.DELAY);
    if (level !== undefined) {
      let n = Number.parseInt(level, 10);
      if (n > delayLevels.length) n = delayLevels.length;
      if (n > 0) return storeTimestamp + delayLevels[n - 1]!;
    }
  }
  const tags = getProperty(properties, Prop.TAGS);
  return tags ? javaHashCode(tags) : 0;
}

/** The properties the dispatch needs, read in one pass over the properties string. */
export interface DispatchProps {
  tags: string | undefined;
  keys: string | undefined;
  uniqKey: string | undefined;
  delay: string | undefined;
}

export function readDispatchProps(s: string): DispatchProps {
  const out: DispatchProps = { tags: undefined, keys: undefined, uniqKey: undefined, delay: undefined };
  let start = 0;
  while (start < s.length) {
    let end = s.indexOf('\u0002', start);
    if (end < 0) end = s.length;
    const sep = s.indexOf('\u0001', start);
    if (sep > start && sep < end - 1) {
      const n = sep - start;
      // Cheap length + first-char screen before comparing names.
      const c = s.charCodeAt(start);
      let field: keyof DispatchProps | undefined;
      if (n === 4 && c === 84 && s.startsWith('TAGS', start)) field = 'tags';
      else if (n === 4 && c === 75 && s.startsWith('KEYS', start)) field = 'keys';
      else if (n === 8 && c === 85 && s.startsWith('UNIQ_KEY', start)) field = 'uniqKey';
      else if (n === 5 && c === 68 && s.startsWith('DELAY', start)) field = 'delay';
      if (field && out[field] === undefined) {
        const value = s.slice(sep + 1, end);
        if (!value.includes('\u0001')) out[field] = value;
      }
    }
    start = end + 1;
  }
  return out;
}

/** Tags code from already extracted properties (see {@link tagsCodeOf}). */
export function tagsCodeFromProps(topic: string, p: DispatchProps, storeTimestamp: number, delayLevels: readonly number[]): number {
  if (topic === SCHEDULE_TOPIC && p.delay !== undefined) {
    let n = Number.parseInt(p.delay, 10);
    if (n > delayLevels.length) n = delayLevels.length;
    if (n > 0) return storeTimestamp + delayLevels[n - 1]!;
  }
  return p.tags ? javaHashCode(p.tags) : 0;
}

/** True for records that get a consume-queue entry (not PREPARED, not ROLLBACK). */
export function goesToConsumeQueue(sysFlag: number): boolean {
  const t = sysFlag & SysFlag.TRANSACTION_MASK;
  return t === SysFlag.TRANSACTION_NOT || t === SysFlag.TRANSACTION_COMMIT;
}

/** Builds a dispatch request from a validated record at `pos` (body not read). */
export function dispatchFromRecord(buf: Buffer, pos: number, delayLevels: readonly number[]): DispatchRequest {
  const sysFlag = buf.readInt32BE(pos + 36);
  const storeTimestamp = readLong(buf, pos + storeTimestampPosition(sysFlag));
  const bodyLenPos = pos + bodyLengthPosition(sysFlag);
  const topicPos = bodyLenPos + 4 + buf.readInt32BE(bodyLenPos);
  const topicLength = buf.readInt8(topicPos);
  const topic = buf.toString('utf8', topicPos + 1, topicPos + 1 + topicLength);
  const propsPos = topicPos + 1 + topicLength;
  const propsLength = buf.readInt16BE(propsPos);
  const properties = propsLength > 0 ? buf.toString('utf8', propsPos + 2, propsPos + 2 + propsLength) : '';
  const dp = readDispatchProps(properties);
  return {
    topic,
    queueId: buf.readInt32BE(pos + 12),
    queueOffset: readLong(buf, pos + 20),
    physicalOffset: readLong(buf, pos + 28),
    size: buf.readInt32BE(pos),
    tagsCode: tagsCodeFromProps(topic, dp, storeTimestamp, delayLevels),
    storeTimestamp,
    sysFlag,
    keys: dp.keys,
    uniqKey: dp.uniqKey,
  };
}
