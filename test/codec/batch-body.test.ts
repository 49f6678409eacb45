/** SEND_BATCH_MESSAGE bodies as a 4.x producer writes them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeBatchBody, encodeBatchBody } from '../../src/codec/batch-body.js';

test('batch body: a 4.3.2 producer entry (TOTALSIZE 108) round-trips', () => {
  const props = 'KEYS\u0001k\u0002UNIQ_KEY\u0001' + 'C'.repeat(32) + '\u0002WAIT\u0001true\u0002TAGS\u0001TagA\u0002abcdefg\u0001d\u0002';
  assert.equal(Buffer.byteLength(props), 79);
  const body = encodeBatchBody([{ flag: 0, body: Buffer.from('batch 0'), properties: props }, { flag: 3, body: Buffer.from('b1'), properties: '' }]);
  assert.equal(body.readInt32BE(0), 108);
  const entries = decodeBatchBody(body);
  assert.equal(entries.length, 2);
  assert.equal(entries[0]!.body.toString(), 'batch 0');
  assert.equal(entries[0]!.properties, props);
  assert.equal(entries[1]!.flag, 3);
  assert.throws(() => decodeBatchBody(body.subarray(0, 50)));
});
