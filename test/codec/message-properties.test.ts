/** The properties string: encoding, Java-compatible parsing, single-key lookup. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeProperties, getProperty, parseProperties } from '../../src/codec/message-properties.js';

test('properties: encode, parse like Java (empty values dropped), single-key lookup', () => {
  const s = encodeProperties(new Map([['KEYS', 'A-0 GRP-0'], ['TAGS', 'TagA'], ['note', 'héllo-世界-0']]));
  assert.equal(s, 'KEYS\u0001A-0 GRP-0\u0002TAGS\u0001TagA\u0002note\u0001héllo-世界-0\u0002');
  assert.deepEqual([...parseProperties(s)], [['KEYS', 'A-0 GRP-0'], ['TAGS', 'TagA'], ['note', 'héllo-世界-0']]);
  assert.deepEqual([...parseProperties('a\u0001\u0002b\u00012\u0002c\u0002')], [['b', '2']]);
  assert.equal(getProperty(s, 'TAGS'), 'TagA');
  assert.equal(getProperty(s, 'TAG'), undefined);
  assert.equal(getProperty(s, 'KEYS'), 'A-0 GRP-0');
  assert.equal(getProperty('XTAGS\u0001no\u0002TAGS\u0001yes\u0002', 'TAGS'), 'yes');
});
