/**
 * Child process for the kill -9 test: appends deterministic messages with SYNC_FLUSH from several
 * concurrent writers and prints `ack <id> <physicalOffset> <queueId> <queueOffset>` once a put
 * resolves PUT_OK (i.e. after an fdatasync covered it). Runs until killed.
 * Usage: node crash-writer.js <storeDir> <firstId>
 */
import { writeSync } from 'node:fs';
import { MessageStore } from '../../src/store/index.js';
import { crashMessage, CRASH_STORE_CONFIG } from './crash-messages.js';

const [dir, firstIdText] = process.argv.slice(2) as [string, string];
let nextId = Number(firstIdText);
const store = MessageStore.open({ storePathRootDir: dir, ...CRASH_STORE_CONFIG }, { log: () => {} });
writeSync(1, 'ready\n');

async function writer(): Promise<void> {
  for (;;) {
    const batch = nextId % 7 === 0 ? 3 : 1;
    const ids = Array.from({ length: batch }, () => nextId++);
    // A batch must share one queue (SEND_BATCH_MESSAGE).
    const msgs = ids.map((id) => ({ ...crashMessage(id), queueId: crashMessage(ids[0]!).queueId }));
    const r = batch === 1 ? await store.put(msgs[0]!) : await store.putBatch(msgs);
    if (r.status !== 'PUT_OK') continue;
    let line = '';
    r.records.forEach((rec, i) => (line += `ack ${ids[i]} ${rec.physicalOffset} ${msgs[i]!.queueId} ${rec.queueOffset}\n`));
    writeSync(1, line);
  }
}

for (let i = 0; i < 8; i++) void writer();
