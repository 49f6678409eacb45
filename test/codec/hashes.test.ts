/** The store format's hashes: CRC-32 / BODYCRC and Java String.hashCode (tag codes, index keys). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bodyCrc, crc32, javaHashCode } from '../../src/codec/hashes.js';
import { indexKeyHash } from '../../src/store/index.js';

test('CRC-32 and the masked BODYCRC match the spec vector for "Hello"', () => {
  assert.equal(crc32(Buffer.from('Hello')), 0xf7d18982);
  assert.equal(bodyCrc(Buffer.from('Hello')), 0x77d18982);
  assert.equal(bodyCrc(Buffer.alloc(0)), 0);
});

test('Java String.hashCode: tag codes and index key hashes', () => {
  assert.equal(javaHashCode('TagA'), 2598919);
  assert.equal(javaHashCode('TopicTest#key1'), -1655984460);
  assert.equal(indexKeyHash('TopicTest#key1'), 1655984460);
  assert.equal(indexKeyHash('TopicTest#key1') % 5000000, 984460);
  assert.equal(javaHashCode(''), 0);
  // UTF-16 code units, 32-bit wrap.
  assert.equal(javaHashCode('héllo-世界'), (() => {
    let h = 0;
    for (const c of 'héllo-世界') h = (h * 31 + c.charCodeAt(0)) | 0;
    return h;
  })());
});
