import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeFrame, encodeFrame, FrameDecoder, type FrameEvent } from '../../src/codec/frame.js';
import { CodecError, FrameTooLargeError } from '../../src/codec/errors.js';
import { SerializeType, type RemotingCommand } from '../../src/codec/command.js';
import { binaryRequest, frameOf, lengthPrefix, request } from '../helpers/frames.js';
import { fixturesDir, readFrames, WIRE_FILES } from '../helpers/fixtures.js';

function decodeAll(chunks: Buffer[], decoder = new FrameDecoder()): { events: FrameEvent[]; error?: CodecError } {
  const events: FrameEvent[] = [];
  for (const c of chunks) {
    const error = decoder.push(c, (e) => {
      events.push(e);
    });
    if (error) return { events, error };
  }
  return { events };
}

function commands(events: FrameEvent[]): RemotingCommand[] {
  return events.map((e) => {
    assert.equal(e.kind, 'command');
    return (e as { command: RemotingCommand }).command;
  });
}

test('a JSON request frame has Java’s layout: length, header word, fastjson-ordered header, body', () => {
  const frame = frameOf(request(105, { topic: 'TBW102' }, undefined, { opaque: 1, version: 277 }));
  const header = '{"code":105,"extFields":{"topic":"TBW102"},"flag":0,"language":"JAVA","opaque":1,"serializeTypeCurrentRPC":"JSON","version":277}';
  assert.equal(frame.readInt32BE(0), 4 + header.length);
  assert.equal(frame.readUInt32BE(4), header.length); // serialize type 0 in the top byte
  assert.equal(frame.subarray(8).toString('utf8'), header);
});

test('every recorded Java frame decodes, and re-encodes to the identical bytes', () => {
  let count = 0;
  for (const file of WIRE_FILES) {
    for (const f of readFrames(file)) {
      const bytes = Buffer.from(f.frameHex, 'hex');
      const cmd = decodeFrame(bytes);
      assert.equal(cmd.code, f.code, `${file} ${f.conn}#${f.seq}`);
      assert.equal(cmd.opaque, f.opaque);
      assert.equal(cmd.flag, f.flag);
      assert.equal(cmd.version, f.version);
      assert.equal(cmd.language, f.language);
      assert.deepEqual(cmd.extFields ?? null, f.extFields ?? null);
      assert.equal(cmd.remark ?? null, f.remark ?? null);
      assert.equal(cmd.body?.toString('hex') ?? null, f.bodyHex ?? null);
      assert.equal(encodeFrame(cmd).toString('hex'), f.frameHex, `re-encoding ${file} ${f.conn}#${f.seq}`);
      count++;
    }
  }
  assert.ok(count > 500, `expected hundreds of recorded frames, got ${count}`);
});

test('the recorded TCP reads, re-chunked at every size from 1 byte up, decode to the same frames', () => {
  const lines = readFileSync(join(fixturesDir(), 'rocketmq-4.3.2/wire/chunks/produce.chunks.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as { conn: string; dir: string; hex?: string });
  const streams = new Map<string, Buffer[]>();
  for (const l of lines) {
    if (!l.hex) continue;
    const key = `${l.conn} ${l.dir}`;
    streams.set(key, [...(streams.get(key) ?? []), Buffer.from(l.hex, 'hex')]);
  }
  assert.ok(streams.size > 4);
  for (const [key, chunks] of streams) {
    const whole = Buffer.concat(chunks);
    const reference = commands(decodeAll(chunks).events);
    assert.ok(reference.length > 0, key);
    for (const size of [1, 2, 3, 7, 64, 1000]) {
      const pieces: Buffer[] = [];
      for (let i = 0; i < whole.length; i += size) pieces.push(whole.subarray(i, i + size));
      const got = commands(decodeAll(pieces).events);
      assert.equal(got.length, reference.length, `${key} chunk ${size}`);
      got.forEach((c, i) => assert.equal(encodeFrame(c).toString('hex'), encodeFrame(reference[i]!).toString('hex')));
    }
  }
});

test('binary (ROCKETMQ) headers round-trip with remark and ext fields, and decode known bytes', () => {
  const cmd = binaryRequest(310, { a: 'G', b: 'T', e: '2' }, Buffer.from('hi'));
  cmd.remark = 'é';
  const frame = encodeFrame(cmd);
  assert.equal(frame.readUInt8(4), SerializeType.ROCKETMQ);
  const back = decodeFrame(frame);
  assert.deepEqual(back.extFields, { a: 'G', b: 'T', e: '2' });
  assert.equal(back.remark, 'é');
  assert.equal(back.body?.toString(), 'hi');
  // code 34, JAVA, version 137, opaque 5, flag 1, no remark, one ext entry k=v — written by hand.
  const header = Buffer.from('0022' + '00' + '0089' + '00000005' + '00000001' + '00000000' + '00000008' + '0001' + '6b' + '00000001' + '76', 'hex');
  const known = Buffer.concat([lengthPrefix(4 + header.length), Buffer.from([1, 0, 0, header.length]), header]);
  const decoded = decodeFrame(known);
  assert.equal(decoded.code, 34);
  assert.equal(decoded.version, 137);
  assert.equal(decoded.opaque, 5);
  assert.equal(decoded.flag, 1);
  assert.deepEqual(decoded.extFields, { k: 'v' });
});

test('ali-ons style numeric and boolean ext field values are read as strings', () => {
  const header = Buffer.from('{"code":11,"language":"JAVA","opaque":3,"flag":0,"version":121,"extFields":{"queueId":0,"unitMode":false,"x":null}}');
  const frame = Buffer.concat([lengthPrefix(4 + header.length), Buffer.from([0, 0, 0, header.length]), header]);
  const cmd = decodeFrame(frame);
  assert.deepEqual(cmd.extFields, { queueId: '0', unitMode: 'false' });
});

test('an oversized length is a typed fatal error and the decoder refuses further input', () => {
  const decoder = new FrameDecoder();
  const { error } = decodeAll([lengthPrefix(100 * 1024 * 1024)], decoder);
  assert.ok(error instanceof FrameTooLargeError);
  assert.equal(error.fatal, true);
  assert.ok(decoder.push(frameOf(request(105, { topic: 'T' })), () => assert.fail('no frame after a fatal error')));
});

test('negative and too-small lengths are fatal errors, not exceptions', () => {
  for (const len of [-1, 0, 3]) {
    const { error } = decodeAll([lengthPrefix(len)]);
    assert.ok(error instanceof CodecError && error.fatal, `length ${len}`);
  }
});

test('a well-delimited frame with an unreadable header is reported, and the next frame still decodes', () => {
  const junk = Buffer.from('{not json');
  const bad = Buffer.concat([lengthPrefix(4 + junk.length), Buffer.from([0, 0, 0, junk.length]), junk]);
  const overlong = Buffer.concat([lengthPrefix(8), Buffer.from([0, 0, 0, 200]), Buffer.from('abcd')]);
  const unknownType = Buffer.concat([lengthPrefix(6), Buffer.from([7, 0, 0, 2]), Buffer.from('{}')]);
  const good = frameOf(request(106));
  const { events, error } = decodeAll([Buffer.concat([bad, overlong, unknownType, good])]);
  assert.equal(error, undefined);
  assert.deepEqual(events.map((e) => e.kind), ['bad-frame', 'bad-frame', 'bad-frame', 'command']);
});

test('a truncated frame waits for more bytes and completes when they come', () => {
  const frame = frameOf(request(105, { topic: 'T' }, Buffer.alloc(5000, 1)));
  const decoder = new FrameDecoder();
  const first = decodeAll([frame.subarray(0, 100)], decoder);
  assert.equal(first.events.length, 0);
  assert.equal(decoder.pendingBytes, 100);
  const rest = decodeAll([frame.subarray(100)], decoder);
  assert.equal(commands(rest.events)[0]!.body?.length, 5000);
  assert.equal(decoder.pendingBytes, 0);
});
