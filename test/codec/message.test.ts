/** Stored-message codec: spec vectors (store-ha-config §2, remoting-protocol §6.5–6.7) and real fixture bytes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import {
  bodyCrc,
  checkRecord,
  crc32,
  decodeBatchBody,
  decodeOffsetMsgId,
  decodeRecord,
  decodeRecords,
  encodeBatchBody,
  encodeOffsetMsgId,
  encodeProperties,
  encodeRecord,
  getProperty,
  javaHashCode,
  offsetMsgIdOfRecord,
  parseHostAddress,
  parseProperties,
  recordLength,
  BLANK_MAGIC,
  MESSAGE_MAGIC,
  SysFlag,
  type MessageRecordFields,
} from '../../src/codec/message.js';
import { indexKeyHash } from '../../src/store/index-file.js';
import { fixture } from '../store/helpers.js';

/** A record built by field name, like the §2.10 worked example. */
function exampleFields(over: Partial<MessageRecordFields> = {}): MessageRecordFields {
  return {
    queueId: 2,
    flag: 0,
    queueOffset: 0,
    physicalOffset: 0,
    sysFlag: 0,
    bornTimestamp: 0x1a213bd0ccb,
    bornHost: { ip: '127.0.0.1', port: 60368 },
    storeTimestamp: 0x1a213bd0ce6,
    storeHost: { ip: '127.0.0.2', port: 10911 },
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
    body: Buffer.from('Hello'),
    topic: 'TopicTest',
    properties: 'TAGS\u0001TagA\u0002WAIT\u0001true\u0002',
    ...over,
  };
}

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

test('worked example §2.10: TopicTest/Hello record is 125 bytes with exact field bytes', () => {
  const rec = encodeRecord(exampleFields());
  assert.equal(rec.length, 125);
  assert.equal(recordLength(0, 5, 9, 20), 125);
  const expectedHex =
    '0000007d' + 'daa320a7' + '77d18982' + '00000002' + '00000000' +
    '0000000000000000' + '0000000000000000' + '00000000' +
    '000001a213bd0ccb' + '7f000001' + '0000ebd0' +
    '000001a213bd0ce6' + '7f000002' + '00002a9f' +
    '00000000' + '0000000000000000' +
    '00000005' + Buffer.from('Hello').toString('hex') +
    '09' + Buffer.from('TopicTest').toString('hex') +
    '0014' + Buffer.from('TAGS\u0001TagA\u0002WAIT\u0001true\u0002').toString('hex');
  assert.equal(rec.toString('hex'), expectedHex);
  const m = decodeRecord(rec);
  assert.equal(m.topic, 'TopicTest');
  assert.equal(m.body.toString(), 'Hello');
  assert.equal(m.bornHost.port, 60368);
  assert.equal(m.storeHost.ip, '127.0.0.2');
  assert.equal(m.bodyCrc, 2010220930);
  assert.equal(checkRecord(rec, 0, rec.length, true).kind, 'message');
});

test('decoded body aliases the input buffer (no copy)', () => {
  const rec = encodeRecord(exampleFields());
  const m = decodeRecord(rec);
  assert.equal(m.body.buffer, rec.buffer);
  rec[88] = 0x68; // 'h'
  assert.equal(m.body.toString(), 'hello');
});

test('IPv6 hosts set sysFlag bits 0x10/0x20 and grow the record by 12 bytes each', () => {
  const f = exampleFields({ bornHost: { ip: '2001:db8::1', port: 1234 }, storeHost: { ip: '::ffff:10.0.0.1', port: 10911 } });
  const rec = encodeRecord(f);
  assert.equal(rec.length, 125 + 24);
  const m = decodeRecord(rec);
  assert.equal(m.sysFlag & (SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6), 0x30);
  assert.equal(m.bornHost.ip, '2001:db8:0:0:0:0:0:1');
  assert.equal(m.bornHost.port, 1234);
  assert.equal(m.storeHost.ip, '0:0:0:0:0:ffff:a00:1');
  assert.equal(m.storeTimestamp, f.storeTimestamp);
  assert.equal(m.body.toString(), 'Hello');
  assert.equal(checkRecord(rec, 0, rec.length, true).kind, 'message');
  const id = offsetMsgIdOfRecord(rec);
  assert.equal(id.length, 56);
  const back = decodeOffsetMsgId(id);
  assert.equal(back.physicalOffset, 0);
  assert.equal(back.storeHost.port, 10911);
});

test('offset message ids: §2.7 example and round trip', () => {
  assert.equal(encodeOffsetMsgId({ ip: '192.168.1.10', port: 10911 }, 1073742080), 'C0A8010A00002A9F0000000040000100');
  assert.deepEqual(decodeOffsetMsgId('7F00000200002A9F00000000000000CC'), { storeHost: { ip: '127.0.0.2', port: 10911 }, physicalOffset: 204 });
  assert.throws(() => decodeOffsetMsgId('XYZ'));
  const big = 2 ** 40 + 17;
  assert.equal(decodeOffsetMsgId(encodeOffsetMsgId({ ip: '10.0.0.1', port: 1 }, big)).physicalOffset, big);
});

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

test('batch body §6.5: a 4.3.2 producer entry (TOTALSIZE 108) round-trips', () => {
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

test('real fixture bytes: first records of the 4.3.2 CommitLog decode and check; blank at 1,048,201', () => {
  const data = fs.readFileSync(fixture('rocketmq-4.3.2', 'store-clean', 'commitlog', '00000000000000000000'));
  const first = decodeRecord(data, 0);
  assert.equal(first.totalSize, 1100);
  assert.equal(first.topic, 'FixtureA');
  assert.equal(first.sysFlag, 1);
  assert.equal(offsetMsgIdOfRecord(data, 0), '7F00000100002AA90000000000000000');
  assert.equal(checkRecord(data, 0, data.length, true).kind, 'message');
  const blank = checkRecord(data, 1048201, data.length, true);
  assert.deepEqual(blank, { kind: 'blank', size: 375 });
  assert.equal(data.readInt32BE(1048201 + 4), BLANK_MAGIC);
  // A pull body is a concatenation of records.
  const two = Buffer.concat([data.subarray(0, 1100), data.subarray(1100, 1100 + data.readInt32BE(1100))]);
  const ms = decodeRecords(two);
  assert.equal(ms.length, 2);
  assert.equal(ms[1]!.physicalOffset, 1100);
  assert.equal(MESSAGE_MAGIC, -626843481);
});

test('checkRecord: corrupted length, magic and body CRC are refused', () => {
  const rec = encodeRecord(exampleFields());
  const badCrc = Buffer.from(rec);
  badCrc[90] ^= 1;
  assert.equal(checkRecord(badCrc, 0, badCrc.length, true).kind, 'invalid');
  assert.equal(checkRecord(badCrc, 0, badCrc.length, false).kind, 'message');
  const badLen = Buffer.from(rec);
  badLen.writeInt32BE(124, 0);
  assert.deepEqual((checkRecord(badLen, 0, badLen.length, true) as { problem: string }).problem, 'bad-length');
  const badMagic = Buffer.from(rec);
  badMagic[5] ^= 0x40;
  assert.deepEqual((checkRecord(badMagic, 0, badMagic.length, true) as { problem: string }).problem, 'bad-magic');
  assert.deepEqual((checkRecord(rec, 0, 100, true) as { problem: string }).problem, 'truncated');
  assert.throws(() => decodeRecord(rec.subarray(0, 100)));
});

test('host parsing', () => {
  assert.deepEqual(parseHostAddress('127.0.0.1:10911'), { ip: '127.0.0.1', port: 10911 });
  assert.deepEqual(parseHostAddress('[::1]:80'), { ip: '::1', port: 80 });
  assert.throws(() => encodeRecord(exampleFields({ bornHost: { ip: 'not-an-ip', port: 1 } })));
  assert.throws(() => encodeRecord(exampleFields({ topic: 'x'.repeat(128) })));
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
