/**
 * The written mark (`apogee.written`): after a crash of the process alone, abnormal recovery
 * replays only from 3 s before the point up to which consume queues and index had been handed to
 * the kernel; a mark from another boot (OS crash, power loss) is ignored and recovery falls back
 * to the fsynced checkpoint.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { MessageStore, type MessageInput } from '../../src/store/index.js';
import { makeTempDir } from './helpers.js';

const CONFIG = { mapedFileSizeCommitLog: 64 * 1024, mapedFileSizeConsumeQueue: 20 * 64, maxHashSlotNum: 64, maxIndexNum: 512 };

function message(i: number): MessageInput {
  return {
    topic: 'MarkTopic',
    queueId: i % 2,
    body: Buffer.from(`body ${i}`),
    properties: `KEYS\u0001k${i}\u0002TAGS\u0001t\u0002`,
    bornTimestamp: 1_700_000_000_000 + i,
    bornHost: { ip: '192.0.2.7', port: 7000 },
  };
}

/** Leaves a store as kill -9 would: no close, abort and lock file stay, nothing more is written. */
function abandon(store: MessageStore): void {
  const s = store as unknown as { shut: boolean; timers: NodeJS.Timeout[]; lock: { release(): void }; commitLog: { closed: boolean } };
  s.shut = true;
  s.commitLog.closed = true;
  for (const t of s.timers) clearInterval(t);
  s.lock.release();
}

const NO_BOOT_ID = !fs.existsSync('/proc/sys/kernel/random/boot_id') && 'the OS has no boot id (Linux only)';

test('after a process crash the written mark bounds the replay; a mark from another boot is ignored', { skip: NO_BOOT_ID }, async () => {
  const root = join(makeTempDir('apogee-mark-'), 'store');
  let clock = 1_700_000_000_000;
  const now = () => clock;
  const store = MessageStore.open({ storePathRootDir: root, ...CONFIG }, { log: () => {}, now });
  // 40 messages one store-second apart; the checkpoint is written (fsynced) after the first 10 only.
  for (let i = 0; i < 40; i++) {
    await store.put(message(i));
    clock += 1000;
    if (i === 9) store.flush();
  }
  // A frequent consume-queue pass hands everything to the kernel and notes the mark.
  store.flushConsumeQueues(false);
  abandon(store);

  const reopened = MessageStore.open({ storePathRootDir: root, ...CONFIG }, { log: () => {}, now });
  try {
    assert.equal(reopened.recovery.normal, false);
    assert.equal(reopened.recovery.sameBoot, true);
    // Records stored within 3 s of the mark (the last 4) are replayed, not the 30 after the checkpoint.
    assert.ok(reopened.recovery.dispatched <= 4, `dispatched ${reopened.recovery.dispatched}`);
    assert.equal(reopened.getMaxOffsetInQueue('MarkTopic', 0) + reopened.getMaxOffsetInQueue('MarkTopic', 1), 40);
    assert.equal(reopened.queryMessage('MarkTopic', 'k39', 4, 0, Number.MAX_SAFE_INTEGER).messages.length, 1);
  } finally {
    abandon(reopened);
  }

  // The same files as seen after a reboot: the boot id in the mark is not the running kernel's.
  const markPath = join(root, 'apogee.written');
  const mark = fs.readFileSync(markPath);
  mark.fill(0xee, 8, 24);
  fs.writeFileSync(markPath, mark);
  const rebooted = MessageStore.open({ storePathRootDir: root, ...CONFIG }, { log: () => {}, now });
  try {
    assert.equal(rebooted.recovery.sameBoot, undefined);
    assert.ok(rebooted.recovery.dispatched >= 30, `dispatched ${rebooted.recovery.dispatched}`);
    assert.equal(rebooted.getMaxOffsetInQueue('MarkTopic', 0) + rebooted.getMaxOffsetInQueue('MarkTopic', 1), 40);
  } finally {
    await rebooted.close();
    fs.rmSync(join(root, '..'), { recursive: true, force: true });
  }
});
