/** Offset message ids: store host and commit-log offset as hex. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeOffsetMsgId, encodeOffsetMsgId } from '../../src/codec/message-id.js';

test('offset message ids: a known id and round trip', () => {
  assert.equal(encodeOffsetMsgId({ ip: '192.168.1.10', port: 10911 }, 1073742080), 'C0A8010A00002A9F0000000040000100');
  assert.deepEqual(decodeOffsetMsgId('7F00000200002A9F00000000000000CC'), { storeHost: { ip: '127.0.0.2', port: 10911 }, physicalOffset: 204 });
  assert.throws(() => decodeOffsetMsgId('XYZ'));
  const big = 2 ** 40 + 17;
  assert.equal(decodeOffsetMsgId(encodeOffsetMsgId({ ip: '10.0.0.1', port: 1 }, big)).physicalOffset, big);
});
