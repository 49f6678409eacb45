import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackgroundFileWriter } from '../../src/common/json-file.js';

function tempDir(t: { after: (fn: () => void) => void }): string {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-json-file-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

test('background writes: the newest text wins, the previous version is kept as .bak, idle waits for all', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'config', 'topics.json');
  const w = new BackgroundFileWriter();
  w.write(path, 'v1');
  for (let i = 2; i <= 50; i++) w.write(path, `v${i}`);
  await w.idle();
  assert.equal(readFileSync(path, 'utf8'), 'v50');
  // v1 was written first; later texts were coalesced, so the backup is v1 (or another earlier one).
  assert.match(readFileSync(`${path}.bak`, 'utf8'), /^v\d+$/);
  assert.notEqual(readFileSync(`${path}.bak`, 'utf8'), 'v50');
  assert.equal(existsSync(`${path}.tmp`), false);
});

test('background writes of different files proceed independently', async (t) => {
  const dir = tempDir(t);
  const w = new BackgroundFileWriter();
  for (let i = 0; i < 10; i++) w.write(join(dir, `f${i}.json`), `text ${i}`);
  await w.idle();
  for (let i = 0; i < 10; i++) assert.equal(readFileSync(join(dir, `f${i}.json`), 'utf8'), `text ${i}`);
});

test('a failed background write is reported and does not stop later writes', async (t) => {
  const dir = tempDir(t);
  // A directory where the temp file should go makes the open fail.
  const path = join(dir, 'x.json');
  mkdirSync(`${path}.tmp`);
  const errors: string[] = [];
  const w = new BackgroundFileWriter((p) => errors.push(p));
  w.write(path, 'lost');
  await w.idle();
  assert.deepEqual(errors, [path]);
  rmSync(`${path}.tmp`, { recursive: true });
  writeFileSync(path, 'old');
  w.write(path, 'new');
  await w.idle();
  assert.equal(readFileSync(path, 'utf8'), 'new');
  assert.equal(readFileSync(`${path}.bak`, 'utf8'), 'old');
});
