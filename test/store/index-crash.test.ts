import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageStore } from '../../src/store/index.js';

test('a crash while a new index file was being created (0-byte file left) does not stop the store from opening', async () => {
  const root = mkdtempSync(join(tmpdir(), 'apogee-idx-crash-'));
  const config = { storePathRootDir: root, mapedFileSizeCommitLog: 1024 * 1024, maxHashSlotNum: 100, maxIndexNum: 400 };
  try {
    let store = MessageStore.open(config);
    for (let i = 0; i < 20; i++) {
      await store.put({ topic: 'T', queueId: 0, body: Buffer.from(`m${i}`), properties: `KEYS\u0001k${i}\u0002`, bornTimestamp: Date.now(), bornHost: { ip: '127.0.0.1', port: 1 } });
    }
    await store.close();
    // What kill -9 can leave: the abort marker, and the newest index file created but not yet sized.
    writeFileSync(join(root, 'abort'), '');
    writeFileSync(join(root, 'index', '29991231235959999'), '');
    store = MessageStore.open(config);
    try {
      assert.equal(store.queryMessage('T', 'k7', 32, 0, Number.MAX_SAFE_INTEGER).messages.length, 1);
      assert.ok(!readdirSync(join(root, 'index')).includes('29991231235959999'), 'the unfinished file was dropped');
      await store.put({ topic: 'T', queueId: 0, body: Buffer.from('after'), properties: 'KEYS\u0001after\u0002', bornTimestamp: Date.now(), bornHost: { ip: '127.0.0.1', port: 1 } });
      assert.equal(store.queryMessage('T', 'after', 32, 0, Number.MAX_SAFE_INTEGER).messages.length, 1);
    } finally {
      await store.close();
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
