/**
 * CommitLog image memory is reused from segment to segment, but never while a reader may still
 * hold a zero-copy view of it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { join } from 'node:path';
import { decodeRecord } from '../../src/codec/message-record.js';
import { ImagePool } from '../../src/store/image-pool.js';
import { MessageStore } from '../../src/store/index.js';
import { makeTempDir } from './helpers.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Collects garbage and lets FinalizationRegistry callbacks run. */
async function collect(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('image pool: memory nobody viewed is reused at once, through a new handle', () => {
  const pool = new ImagePool(4096);
  const a = pool.take();
  a.buffer[7] = 42;
  pool.give(a, false);
  const b = pool.take();
  assert.ok(b.memory === a.memory);
  assert.ok(b.buffer.buffer !== a.buffer.buffer, 'a new handle');
  assert.equal(b.buffer[7], 42, 'same memory');
  assert.ok(pool.take().memory !== a.memory, 'one spare only');
  pool.close();
});

test('image pool: viewed memory comes back only after its views are collected', async () => {
  const pool = new ImagePool(4096);
  // The segment's image: only the memory (never the handle) is kept here, as the pool does.
  let image: ReturnType<ImagePool['take']> | undefined = pool.take();
  const memory = image.memory;
  let view: Buffer | undefined = image.buffer.subarray(100, 200);
  view[0] = 9;
  pool.give(image, true);
  image = undefined;
  assert.ok(pool.take().memory !== memory, 'not while a view may be alive');
  await collect();
  assert.equal(view[0], 9);
  assert.ok(pool.take().memory !== memory, 'the view is still alive');
  view = undefined;
  await collect();
  assert.ok(pool.take().memory === memory, 'reused once the view is gone');
  pool.close();
});

test('zero-copy records read from the store stay intact while later segments reuse image memory', async () => {
  const root = join(makeTempDir('apogee-images-'), 'store');
  const store = MessageStore.open({ storePathRootDir: root, mapedFileSizeCommitLog: 64 * 1024, commitLogCachedFiles: 1 }, { log: () => {} });
  try {
    const body = (i: number) => Buffer.alloc(1000, i & 0xff);
    const put = (i: number) => store.put({ topic: 'ImageTopic', queueId: 0, body: body(i), properties: `KEYS\u0001k${i}\u0002`, bornTimestamp: i, bornHost: { ip: '10.0.0.1', port: 1 } });
    for (let i = 0; i < 50; i++) await put(i);
    const held = store.getMessage('ImageTopic', 0, 0, 32).messages;
    assert.equal(held.length, 32);
    const copies = held.map((b) => Buffer.from(b));
    // Twenty more segments: images are let go and their memory taken over by new segments.
    for (let i = 50; i < 1400; i++) await put(i);
    for (let k = 0; k < held.length; k++) assert.ok(held[k]!.equals(copies[k]!), `view ${k} changed`);
    assert.ok(decodeRecord(held[31]!).body.equals(body(31)));
    // Unviewed images were reused: new segments still read back right.
    const last = store.getMessage('ImageTopic', 0, 1399, 1).messages[0]!;
    assert.ok(decodeRecord(last).body.equals(body(1399)));
  } finally {
    await store.close();
    fs.rmSync(join(root, '..'), { recursive: true, force: true });
  }
});
