/** The properties string: encoding, Java-compatible parsing, single-key lookup. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeProperties, getProperty, parseProperties, withoutProperties, withoutProperty } from '../../src/codec/message-properties.js';

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

/** Removal as the broker always did it: split on \u0002, drop empty items and the name's items. */
function splitWithout(properties: string, name: string): string {
  return properties
    .split('\u0002')
    .filter((item) => item !== '' && !item.startsWith(name + '\u0001'))
    .map((item) => item + '\u0002')
    .join('');
}

test('removing properties in one pass gives the text of removing them one by one', () => {
  const texts = [
    '',
    'REAL_TOPIC\u0001T\u0002REAL_QID\u00013\u0002TAGS\u0001a\u0002',
    'TAGS\u0001a\u0002\u0002REAL_QID\u00013\u0002TRAN_MSG\u0001true\u0002PGROUP\u0001g',
    'XREAL_TOPIC\u0001keep\u0002REAL_TOPIC\u0002REAL_TOPIC\u0001\u0002TRAN_MSGX\u0001keep\u0002a\u0001TRAN_MSG\u0001b',
    'REAL_QID',
    '\u0002\u0002',
  ];
  for (const t of texts) {
    assert.equal(withoutProperty(t, 'REAL_QID'), splitWithout(t, 'REAL_QID'), JSON.stringify(t));
    assert.equal(withoutProperties(t, ['REAL_TOPIC', 'REAL_QID']), splitWithout(splitWithout(t, 'REAL_TOPIC'), 'REAL_QID'), JSON.stringify(t));
    // A committed half message's properties: REAL_TOPIC and REAL_QID removed, then TRAN_MSG=true set.
    let stepwise = splitWithout(splitWithout(t, 'REAL_TOPIC'), 'REAL_QID');
    if (stepwise.includes('TRAN_MSG\u0001')) stepwise = splitWithout(stepwise, 'TRAN_MSG');
    assert.equal(withoutProperties(t, ['REAL_TOPIC', 'REAL_QID', 'TRAN_MSG']) + 'TRAN_MSG\u0001true\u0002', stepwise + 'TRAN_MSG\u0001true\u0002', JSON.stringify(t));
  }
});
