import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeFrame, FrameDecoder } from '../../src/codec/frame.js';
import { FrameWriter } from '../../src/codec/frame-writer.js';
import { SerializeType, type RemotingCommand } from '../../src/codec/command.js';
import { jsonHeaderText } from '../../src/codec/header-json.js';
import { readFrames, WIRE_FILES } from '../helpers/fixtures.js';
import { binaryRequest, request } from '../helpers/frames.js';

test('every recorded Java frame, written through the frame writer, comes out byte for byte', () => {
  const writer = new FrameWriter();
  let count = 0;
  for (const file of WIRE_FILES) {
    for (const f of readFrames(file)) {
      writer.append(decodeFrame(Buffer.from(f.frameHex, 'hex')));
      const out = writer.take();
      assert.equal(Buffer.concat(out).toString('hex'), f.frameHex, `${file} ${f.conn}#${f.seq}`);
      count++;
    }
  }
  assert.ok(count > 500, `expected hundreds of recorded frames, got ${count}`);
});

test('JSON headers with escapes and non-ASCII text match JSON.stringify and decode back', () => {
  const writer = new FrameWriter();
  const texts = ['plain', 'quote " backslash \\ tab \t newline \n', 'props\u0001a\u0002b\u001f\u007f', 'Grüße 東京 🚀', '\ud800 lone surrogate'];
  for (const t of texts) {
    const cmd: RemotingCommand = { ...request(10, { [t]: t, k: 'v' }), remark: t };
    writer.append(cmd);
    const frame = Buffer.concat(writer.take());
    const back = decodeFrame(frame);
    assert.deepEqual(back.extFields, { [t]: JSON.parse(JSON.stringify(t)) as string, k: 'v' }, JSON.stringify(t));
    assert.equal(back.remark, JSON.parse(JSON.stringify(t)));
    const header = frame.subarray(8, 8 + (frame.readUInt32BE(4) & 0xffffff)).toString('utf8');
    assert.ok(header.includes(`"remark":${JSON.stringify(t)}`), header);
  }
});

test('JSON header integers are written as String(n) writes them, extremes and negatives included', () => {
  const writer = new FrameWriter();
  const ints = [0, 1, 9, 10, 99, 100, 317, 65535, 1234567, 2147483647, -1, -10, -2147483648];
  for (let i = 0; i < ints.length; i++) {
    const n = ints[i]!;
    const cmd: RemotingCommand = { ...request(n, { a: 'x' }), flag: ints[(i + 3) % ints.length]!, opaque: ints[(i + 5) % ints.length]!, version: ints[(i + 7) % ints.length]! };
    writer.append(cmd);
    const frame = Buffer.concat(writer.take());
    const header = frame.subarray(8, 8 + (frame.readUInt32BE(4) & 0xffffff)).toString('utf8');
    assert.equal(header, jsonHeaderText(cmd));
    assert.deepEqual(JSON.parse(header), JSON.parse(JSON.stringify({ code: cmd.code, extFields: { a: 'x' }, flag: cmd.flag, language: cmd.language, opaque: cmd.opaque, serializeTypeCurrentRPC: 'JSON', version: cmd.version })));
  }
});

test('binary headers round-trip, UTF-8 lengths counted in bytes', () => {
  const writer = new FrameWriter();
  const cmd: RemotingCommand = { ...binaryRequest(310, { a: 'grp', b: 'Tópic', i: 'K\u0001v\u0002' }, Buffer.from('body')), remark: 'señal' };
  writer.append(cmd);
  const back = decodeFrame(Buffer.concat(writer.take()));
  assert.equal(back.serializeType, SerializeType.ROCKETMQ);
  assert.deepEqual(back.extFields, cmd.extFields);
  assert.equal(back.remark, 'señal');
  assert.equal(back.body?.toString(), 'body');
});

test('frames of one tick that outgrow a chunk come out complete and in order', () => {
  const writer = new FrameWriter();
  const body = Buffer.alloc(40_000, 'b');
  const sent: number[] = [];
  for (let i = 0; i < 30; i++) {
    writer.append({ ...request(10, { n: String(i) }, body), opaque: i });
    sent.push(i);
  }
  writer.append({ ...request(10, { n: 'huge' }, Buffer.alloc(600_000, 'h')), opaque: 30 });
  sent.push(30);
  const chunks = writer.take();
  assert.ok(chunks.length > 1, 'spans several chunks');
  const got: number[] = [];
  const decoder = new FrameDecoder();
  for (const c of chunks) {
    decoder.push(c, (e) => {
      assert.equal(e.kind, 'command');
      if (e.kind === 'command') got.push(e.command.opaque);
    });
  }
  assert.deepEqual(got, sent);
  assert.equal(decoder.pendingBytes, 0);
  assert.deepEqual(writer.take(), []);
});

test('large bodies and body parts leave uncopied, in frame order', () => {
  const writer = new FrameWriter();
  const large = Buffer.alloc(100_000, 'z');
  const parts = [Buffer.from('part-one|'), Buffer.alloc(0), Buffer.from('part-two')];
  writer.append(request(11, { x: '1' }, large));
  writer.append({ ...request(12, { y: '2' }), bodyParts: parts });
  writer.append(request(13, { z: '3' }, Buffer.from('small')));
  writer.append({ ...request(14, {}), bodyParts: [] });
  const out = writer.take();
  assert.ok(out.includes(large), 'the large body is handed out as it is');
  assert.ok(out.includes(parts[0]!) && out.includes(parts[2]!), 'so are the parts');
  const decoder = new FrameDecoder();
  const seen: RemotingCommand[] = [];
  decoder.push(Buffer.concat(out), (e) => {
    if (e.kind === 'command') seen.push(e.command);
  });
  assert.deepEqual(seen.map((c) => c.code), [11, 12, 13, 14]);
  assert.deepEqual(seen[0]!.body, large);
  assert.equal(seen[1]!.body?.toString(), 'part-one|part-two');
  assert.equal(seen[2]!.body?.toString(), 'small');
  assert.equal(seen[3]!.body, undefined);
  assert.equal(decoder.pendingBytes, 0);
});
