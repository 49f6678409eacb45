/**
 * Dispatch requests read from record bytes: tag codes and index key hashes computed byte by byte
 * must equal Java's String.hashCode of the property text (the string path), for every shape of
 * properties a producer can send, including non-ASCII text, duplicates and malformed items.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { javaHashCode } from '../../src/codec/hashes.js';
import { PropertiesView } from '../../src/codec/properties-view.js';
import { DispatchLog, SCHEDULE_TOPIC, TopicInfo, TopicTable } from '../../src/store/dispatch-request.js';

const DELAY_LEVELS = [1000, 5000, 10000];

/** The properties the dispatch reads, found by splitting the text: the first valid occurrence of each wins. */
interface DispatchProps {
  tags: string | undefined;
  keys: string | undefined;
  uniqKey: string | undefined;
  delay: string | undefined;
}

function readDispatchProps(s: string): DispatchProps {
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

/** What the dispatch must produce, from the properties text (Java semantics). */
function expected(topic: string, properties: string, storeTimestamp: number): { tagsCode: number; keys: number[] } {
  const p = readDispatchProps(properties);
  let tagsCode: number | undefined;
  if (topic === SCHEDULE_TOPIC && p.delay !== undefined) {
    let n = Number.parseInt(p.delay, 10);
    if (n > DELAY_LEVELS.length) n = DELAY_LEVELS.length;
    if (n > 0) tagsCode = storeTimestamp + DELAY_LEVELS[n - 1]!;
  }
  tagsCode ??= p.tags ? javaHashCode(p.tags) : 0;
  const keys: number[] = [];
  if (p.uniqKey) keys.push(javaHashCode(`${topic}#${p.uniqKey}`));
  for (const k of p.keys?.split(' ') ?? []) if (k.length > 0) keys.push(javaHashCode(`${topic}#${k}`));
  return { tagsCode, keys };
}

const CASES = [
  'KEYS\u0001k1\u0002UNIQ_KEY\u000100000000000000000000000000000001\u0002TAGS\u0001TagA\u0002WAIT\u0001true\u0002',
  'KEYS\u0001a b  c \u0002UNIQ_KEY\u0001U1\u0002TAGS\u0001TagA',
  'TAGS\u0001\u0002TAGS\u0001second\u0002KEYS\u0001\u0002KEYS\u0001x\u0001y\u0002KEYS\u0001real\u0002',
  'UNIQ_KEY\u0001héllo\u0002KEYS\u0001k世界 z\u0002TAGS\u0001Tägs\u0002',
  'XTAGS\u0001no\u0002TAGS\u0001yes',
  'TAGSX\u0001no\u0002KEYSKEYS\u0001no\u0002UNIQ_KEYS\u0001no\u0002',
  '',
  '\u0002\u0002',
  'DELAY\u00012\u0002TAGS\u0001t\u0002',
  'DELAY\u000199\u0002',
  'DELAY\u0001x\u0002TAGS\u0001t\u0002',
  'a\u0001b\u0002\u0002\u0001x\u0002KEYS\u0001 \u0002UNIQ_KEY\u0001FFFF\u0002',
  'KEYS\u0001\ud83d\ude00 plain\u0002TAGS\u0001\u00e9\u0002',
  'TAGS\u0001a\u0001b\u0002TAGS\u0001c\u0002',
];

for (const topic of ['TopicA', 'Tópico', SCHEDULE_TOPIC]) {
  test(`dispatch log: tag codes and key hashes of ${topic} equal String.hashCode of the text`, () => {
    const info = new TopicInfo(topic);
    const log = new DispatchLog();
    const ts = 1_700_000_000_000;
    CASES.forEach((props, i) => {
      const bytes = Buffer.from(`..${props}..`, 'utf8');
      const from = 2;
      const to = bytes.length - 2;
      const want = expected(topic, props, ts);
      // Append path (the broker's view, or the text at hand) and replay path (bytes only).
      for (const text of [PropertiesView.of(props), props, undefined]) {
        log.clear();
        log.add(bytes, info, 1, i, 1000 * i, 100, ts, 0, from, to, text, DELAY_LEVELS, true);
        assert.equal(log.tagsCodes[0], want.tagsCode, `tags code of case ${i}`);
        assert.deepEqual([...log.keyHashes.subarray(log.keyStart(0), log.keyEnds[0])], want.keys, `keys of case ${i}`);
      }
      // Rollback records are not indexed; without the index no hashes are computed.
      log.clear();
      log.add(bytes, info, 1, i, 1000 * i, 100, ts, 0xc, from, to, props, DELAY_LEVELS, true);
      log.add(bytes, info, 1, i, 1000 * i, 100, ts, 0, from, to, props, DELAY_LEVELS, false);
      log.add(bytes, info, 1, i, 1000 * i, 100, ts, 0xc, from, to, PropertiesView.of(props), DELAY_LEVELS, true);
      log.add(bytes, info, 1, i, 1000 * i, 100, ts, 0, from, to, PropertiesView.of(props), DELAY_LEVELS, false);
      assert.equal(log.keyEnds[1], 0);
      assert.equal(log.tagsCodes[1], want.tagsCode);
      assert.equal(log.keyEnds[3], 0);
      assert.equal(log.tagsCodes[3], want.tagsCode);
    });
  });
}

test('dispatch log: grows past its initial capacity and truncates back', () => {
  const log = new DispatchLog();
  const info = new TopicInfo('T');
  const bytes = Buffer.from('KEYS\u0001a b c\u0002');
  for (let i = 0; i < 5000; i++) log.add(bytes, info, i % 7, i, i * 10, 10, 1, 0, 0, bytes.length, undefined, DELAY_LEVELS, true);
  assert.equal(log.length, 5000);
  assert.equal(log.keyEnds[4999], 15000);
  assert.equal(log.queueOffsets[4321], 4321);
  assert.equal(log.queueIds[4321], 4321 % 7);
  log.truncate(10);
  assert.equal(log.keyCount, 30);
  assert.equal(log.topics.length, 10);
});

test('topic table: the same topic read back from bytes is the same TopicInfo', () => {
  const table = new TopicTable();
  const a = table.get('Tópico');
  const bytes = Buffer.from('xxTópicoyy');
  assert.equal(table.fromBytes(bytes, 2, 2 + a.utf8.length, a), a);
  assert.equal(table.fromBytes(bytes, 2, 2 + a.utf8.length, undefined), a);
  assert.notEqual(table.fromBytes(Buffer.from('TópicX'), 0, a.utf8.length, a), a);
  assert.equal(a.keySeed, javaHashCode('Tópico#'));
});
