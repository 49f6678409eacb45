/** Record validation for recovery: corrupted and torn records are refused, whole ones accepted. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeRecord, encodeRecord } from '../../src/codec/message-record.js';
import { checkRecord } from '../../src/codec/record-check.js';
import { exampleFields } from './record-fields.js';

test('checkRecord: corrupted length, magic and body CRC are refused', () => {
  const rec = encodeRecord(exampleFields());
  const badCrc = Buffer.from(rec);
  badCrc[90]! ^= 1;
  assert.equal(checkRecord(badCrc, 0, badCrc.length, true).kind, 'invalid');
  assert.equal(checkRecord(badCrc, 0, badCrc.length, false).kind, 'message');
  const badLen = Buffer.from(rec);
  badLen.writeInt32BE(124, 0);
  assert.deepEqual((checkRecord(badLen, 0, badLen.length, true) as { problem: string }).problem, 'bad-length');
  const badMagic = Buffer.from(rec);
  badMagic[5]! ^= 0x40;
  assert.deepEqual((checkRecord(badMagic, 0, badMagic.length, true) as { problem: string }).problem, 'bad-magic');
  assert.deepEqual((checkRecord(rec, 0, 100, true) as { problem: string }).problem, 'truncated');
  assert.throws(() => decodeRecord(rec.subarray(0, 100)));
});

test('recovery checks: properties may omit the trailing \\u0002 (4.9.3+), but NUL, bad UTF-8 and separator-less items are torn', () => {
  const ok = (props: string) => checkRecord(encodeRecord(exampleFields({ properties: props })), 0, 1000, true).kind;
  assert.equal(ok('TAGS\u0001TagA\u0002WAIT\u0001true'), 'message');
  assert.equal(ok('note\u0001héllo-世界\u0002'), 'message');
  assert.equal(ok('a\u0001\u0002'), 'message');
  const torn = (mutate: (rec: Buffer, propsAt: number) => void) => {
    const rec = encodeRecord(exampleFields({ properties: 'TAGS\u0001TagA\u0002note\u0001héllo\u0002' }));
    mutate(rec, rec.length - Buffer.byteLength('TAGS\u0001TagA\u0002note\u0001héllo\u0002'));
    return checkRecord(rec, 0, rec.length, true).kind;
  };
  assert.equal(torn((r, p) => r.fill(0, p + 5)), 'invalid');
  assert.equal(torn((r, p) => (r[p + 13] = 0xc3)), 'invalid');
  assert.equal(torn((r, p) => (r[p + 4] = 0x41)), 'invalid');
});
