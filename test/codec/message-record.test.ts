/** Stored-message records: the worked example byte for byte, IPv6 hosts, and real fixture bytes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { decodeRecord, decodeRecords, encodeRecord, recordLength, BLANK_MAGIC, MESSAGE_MAGIC } from '../../src/codec/message-record.js';
import { checkRecord } from '../../src/codec/record-check.js';
import { decodeOffsetMsgId, offsetMsgIdOfRecord } from '../../src/codec/message-id.js';
import { SysFlag } from '../../src/codec/sys-flag.js';
import { fixture } from '../store/helpers.js';
import { exampleFields } from './record-fields.js';

test('worked example: TopicTest/Hello record is 125 bytes with exact field bytes', () => {
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
