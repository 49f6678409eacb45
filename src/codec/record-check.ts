/**
 * Validation of stored records for recovery and scans: is the record at a position a whole,
 * untorn message, the end-of-file blank, or neither (and why)?
 */
import type { Buffer } from 'node:buffer';
import { getInt } from './big-endian.js';
import { bodyCrc } from './hashes.js';
import { BLANK_MAGIC, MESSAGE_MAGIC, RECORD_FIXED_SIZE, bodyLengthPosition, recordLength } from './message-record.js';

/** Why {@link checkRecord} refused a record. */
export type RecordProblem = 'truncated' | 'bad-magic' | 'bad-length' | 'bad-crc' | 'bad-field';

export type RecordCheck =
  | { kind: 'message'; size: number }
  | { kind: 'blank'; size: number }
  | { kind: 'invalid'; problem: RecordProblem; detail: string };

/**
 * Validates the record at `pos`: magic, TOTALSIZE against the field lengths, field bounds and, if
 * `checkCrc`, the body CRC. `end` bounds the readable bytes.
 */
export function checkRecord(buf: Buffer, pos: number, end: number, checkCrc: boolean): RecordCheck {
  const size = messageRecordSize(buf, pos, end, checkCrc);
  return size >= 0 ? { kind: 'message', size } : lastCheck!;
}

/** What the last {@link messageRecordSize} that returned -1 found. */
let lastCheck: RecordCheck | undefined;

function refuse(problem: RecordProblem, detail: string): number {
  lastCheck = { kind: 'invalid', problem, detail };
  return -1;
}

/**
 * {@link checkRecord} without allocating, for scans: TOTALSIZE of the valid message record at
 * `pos`, or -1 for anything else (a blank record, or an invalid one); checkRecord on the same
 * bytes then says which.
 */
export function messageRecordSize(buf: Buffer, pos: number, end: number, checkCrc: boolean): number {
  if (end > buf.length) end = buf.length;
  if (end - pos < 8) return refuse('truncated', 'fewer than 8 bytes');
  const totalSize = getInt(buf, pos);
  const magic = getInt(buf, pos + 4);
  if (magic === BLANK_MAGIC) {
    lastCheck = { kind: 'blank', size: totalSize };
    return -1;
  }
  if (magic !== MESSAGE_MAGIC) return refuse('bad-magic', `magic ${(magic >>> 0).toString(16)}`);
  if (totalSize < RECORD_FIXED_SIZE) return refuse('bad-length', `TOTALSIZE ${totalSize}`);
  if (end - pos < totalSize) return refuse('truncated', `TOTALSIZE ${totalSize} past end`);
  const sysFlag = getInt(buf, pos + 36);
  const bodyLenPos = pos + bodyLengthPosition(sysFlag);
  if (bodyLenPos + 4 > pos + totalSize) return refuse('bad-length', 'header longer than record');
  const bodyLength = getInt(buf, bodyLenPos);
  if (bodyLength < 0 || bodyLenPos + 4 + bodyLength + 1 > pos + totalSize) return refuse('bad-length', `body length ${bodyLength}`);
  const topicPos = bodyLenPos + 4 + bodyLength;
  const topicLength = (buf[topicPos]! << 24) >> 24;
  if (topicLength <= 0 || topicPos + 1 + topicLength + 2 > pos + totalSize) return refuse('bad-length', `topic length ${topicLength}`);
  const propsPos = topicPos + 1 + topicLength;
  const propsLength = (((buf[propsPos]! << 8) | buf[propsPos + 1]!) << 16) >> 16;
  if (propsLength < 0) return refuse('bad-length', `properties length ${propsLength}`);
  const computed = recordLength(sysFlag, bodyLength, topicLength, propsLength);
  if (computed !== totalSize) return refuse('bad-length', `TOTALSIZE ${totalSize} but fields add up to ${computed}`);
  if (checkCrc) {
    // BODYCRC covers only the body. A write torn inside TOPIC or PROPERTIES shows as NUL bytes
    // (zero-filled tail), malformed UTF-8, or a property item without its \u0001 separator.
    // (A trailing \u0002 is not required: 4.9.3+ producers omit it.)
    if (hasZero(buf, topicPos + 1, propsPos)) return refuse('bad-field', 'NUL byte in topic');
    if (propsLength > 0 && !plausibleProperties(buf, propsPos + 2, propsPos + 2 + propsLength)) return refuse('bad-field', 'malformed properties');
    const stored = getInt(buf, pos + 8);
    const actual = bodyCrc(buf.subarray(bodyLenPos + 4, bodyLenPos + 4 + bodyLength));
    if (stored !== actual) return refuse('bad-crc', `body CRC ${stored} != ${actual}`);
  }
  return totalSize;
}

/** No NUL, valid UTF-8, and every non-empty \u0002-separated item holds a \u0001. */
function plausibleProperties(buf: Buffer, from: number, to: number): boolean {
  let itemHasSeparator = false;
  let itemEmpty = true;
  for (let i = from; i < to; ) {
    const b = buf[i]!;
    if (b > 2 && b < 0x80) {
      // The common byte: printable ASCII.
      itemEmpty = false;
      i++;
      continue;
    }
    if (b < 0x80) {
      if (b === 0) return false;
      if (b === 2) {
        if (!itemEmpty && !itemHasSeparator) return false;
        itemHasSeparator = false;
        itemEmpty = true;
      } else {
        if (b === 1) itemHasSeparator = true;
        itemEmpty = false;
      }
      i++;
      continue;
    }
    const n = b >= 0xf0 && b <= 0xf4 ? 3 : b >= 0xe0 ? 2 : b >= 0xc2 && b <= 0xdf ? 1 : -1;
    if (n < 0 || i + n >= to) return false;
    for (let k = 1; k <= n; k++) if ((buf[i + k]! & 0xc0) !== 0x80) return false;
    itemEmpty = false;
    i += n + 1;
  }
  return itemEmpty || itemHasSeparator;
}

function hasZero(buf: Buffer, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (buf[i] === 0) return true;
  return false;
}
