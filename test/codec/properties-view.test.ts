/**
 * The properties view must read exactly what the one-name lookups read, and its single rewrite must
 * produce exactly the text that setting the properties one at a time produces: the stored bytes of
 * a delayed or transactional message depend on it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getProperty, withProperty, Prop } from '../../src/codec/message-properties.js';
import { PropertiesView, type PropertyEdit } from '../../src/codec/properties-view.js';

/** Shapes a producer can send, well-formed or not. */
const TEXTS = [
  '',
  'KEYS\u0001k1\u0002UNIQ_KEY\u000100000000000000000000000000000001\u0002TAGS\u0001TagA\u0002WAIT\u0001true\u0002',
  'KEYS\u0001a b\u0002UNIQ_KEY\u0001U1\u0002TAGS\u0001TagA\u0002DELAY\u00013\u0002WAIT\u0001false',
  'DELAY\u000199\u0002TRAN_MSG\u0001true\u0002PGROUP\u0001pg\u0002',
  'DELAY\u0001x\u0002TRAN_MSG\u0001TRUE\u0002WAIT\u0001False\u0002',
  'DELAY\u0001\u0002DELAY\u00012\u0002WAIT\u0001\u0002WAIT\u0001false\u0002PGROUP\u0001\u0002',
  'DELAY\u00011\u00012\u0002DELAY\u00014\u0002WAIT\u0001a\u0001b\u0002WAIT\u0001false\u0002TRAN_MSG\u0001t\u0001\u0002TRAN_MSG\u0001true\u0002PGROUP\u0001a\u0001b\u0002PGROUP\u0001g\u0002',
  'DELAY\u0001+3\u0002',
  'DELAY\u0001 7x\u0002',
  'DELAY\u000112345678901\u0002',
  'REAL_TOPIC\u0001old\u0002REAL_QID\u00019\u0002DELAY\u00012\u0002',
  'XREAL_TOPIC\u0001no\u0002DELAY\u00012',
  'TAGS\u0001a\u0001REAL_QID\u0001b\u0002DELAY\u00012\u0002',
  '\u0002\u0002DELAY\u00015\u0002\u0002a\u0001b',
  'UNIQ_KEY\u0001héllo\u0002KEYS\u0001k世界 z\u0002TAGS\u0001Tägs\u0002DELAY\u0001٣\u0002',
  'PGROUPX\u0001no\u0002XPGROUP\u0001no\u0002TRAN_MSGX\u0001true\u0002',
  'noseparator\u0002DELAY\u00012\u0002',
];

test('the view reads DELAY, WAIT, TRAN_MSG and PGROUP exactly as getProperty does', () => {
  for (const text of TEXTS) {
    const view = PropertiesView.of(text);
    const delay = getProperty(text, Prop.DELAY);
    const level = delay === undefined ? 0 : Number.parseInt(delay, 10);
    assert.ok(Object.is(view.delayLevel(), level), `DELAY of ${JSON.stringify(text)}: ${view.delayLevel()} vs ${level}`);
    assert.equal(view.waitStoreMsgOK(), getProperty(text, Prop.WAIT) !== 'false', `WAIT of ${JSON.stringify(text)}`);
    assert.equal(view.isTransactional(), getProperty(text, Prop.TRAN_MSG) === 'true', `TRAN_MSG of ${JSON.stringify(text)}`);
    assert.equal(view.hasProducerGroup(), getProperty(text, Prop.PGROUP) !== undefined, `PGROUP of ${JSON.stringify(text)}`);
  }
});

test('the view finds the first well-formed TAGS, KEYS, UNIQ_KEY and DELAY, as the store indexes them', () => {
  const view = PropertiesView.of('TAGS\u0001\u0002TAGS\u0001a\u0001b\u0002TAGS\u0001good\u0002KEYS\u0001k1 k2\u0002KEYS\u0001later\u0002UNIQ_KEY\u0001U\u0002DELAY\u00011\u00012\u0002DELAY\u00016\u0002');
  const range = (from: number, to: number) => (from < 0 ? undefined : view.text.slice(from, to));
  assert.equal(range(view.tagsFrom, view.tagsTo), 'good');
  assert.equal(range(view.keysFrom, view.keysTo), 'k1 k2');
  assert.equal(range(view.uniqKeyFrom, view.uniqKeyTo), 'U');
  // The broker reads this DELAY as absent (its first item is malformed); the schedule's tags code reads 6.
  assert.equal(view.delayLevel(), 0);
  assert.equal(view.scheduleDelayLevel(), 6);
  const none = PropertiesView.of('a\u0001b\u0002');
  assert.equal(none.tagsFrom, -1);
  assert.equal(none.keysFrom, -1);
  assert.equal(none.uniqKeyFrom, -1);
  assert.equal(none.scheduleDelayLevel(), undefined);
});

/** The edits the broker makes: PGROUP of a transaction, a delayed message's destination, a send-back's retry bookkeeping. */
const EDITS: PropertyEdit[][] = [
  [[Prop.PGROUP, 'ProducerGroup']],
  [[Prop.REAL_TOPIC, 'TopicTest'], [Prop.REAL_QID, '3']],
  [[Prop.PGROUP, 'pg'], [Prop.REAL_TOPIC, 'TopicTest'], [Prop.REAL_QID, '0']],
  [[Prop.DELAY, '18'], [Prop.REAL_TOPIC, 'TopicTest'], [Prop.REAL_QID, '1']],
  [[Prop.RETRY_TOPIC, 'TopicTest'], [Prop.WAIT, 'false'], [Prop.DELAY, '3'], [Prop.ORIGIN_MESSAGE_ID, '7F00000100002A9F0000000000000000']],
  // Not independent: the view falls back to setting them one by one.
  [[Prop.TAGS, 'a\u0001b'], [Prop.REAL_QID, '1']],
  [[Prop.REAL_QID, '1'], [Prop.REAL_QID, '2']],
];

test('one rewrite gives the text of setting each property in turn, and the view reads that text', () => {
  for (const text of TEXTS) {
    for (const edits of EDITS) {
      let expected = text;
      for (const [name, value] of edits) expected = withProperty(expected, name, value);
      const view = PropertiesView.of(text);
      view.set(edits);
      const what = `${JSON.stringify(text)} + ${JSON.stringify(edits)}`;
      assert.equal(view.text, expected, what);
      // Reading only the appended items must leave the view as a fresh reading of the whole text.
      assert.deepEqual({ ...view }, { ...PropertiesView.of(expected) }, what);
    }
  }
});

test('a view can be re-read for another message', () => {
  const view = PropertiesView.of('TAGS\u0001a\u0002DELAY\u00012\u0002WAIT\u0001false\u0002');
  view.parse('KEYS\u0001k\u0002');
  assert.deepEqual({ ...view }, { ...PropertiesView.of('KEYS\u0001k\u0002') });
  assert.equal(view.waitStoreMsgOK(), true);
  assert.equal(view.delayLevel(), 0);
});
