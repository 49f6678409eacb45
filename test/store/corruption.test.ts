/**
 * Torn and damaged tails: the CommitLog tail is zeroed or overwritten with junk from some point
 * inside a record onwards (a torn write), or has a bit
 * flipped in a field the record format can check (length fields, magic, body + BODYCRC, queue
 * offset, physical offset); after abnormal recovery every record served — by scan, by consume
 * queue or by index — must be byte-identical to what was written, and everything before the
 * damage must still be there.
 *
 * What the 4.x format cannot check: BODYCRC covers only the body, so a flip inside FLAG,
 * BORNTIMESTAMP, BORNHOST, RECONSUMETIMES or a property *value* is undetectable by any reader of
 * this format (Java included); those fields are not flipped here.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { decodeRecord } from '../../src/codec/message-record.js';
import { getProperty } from '../../src/codec/message-properties.js';
import { MessageStore, type MessageInput } from '../../src/store/index.js';
import { makeTempDir } from './helpers.js';

const CONFIG = { mapedFileSizeCommitLog: 16 * 1024, mapedFileSizeConsumeQueue: 20 * 32, maxHashSlotNum: 64, maxIndexNum: 512 };

function message(i: number): MessageInput {
  return {
    topic: i % 4 === 0 ? 'Other' : 'Main',
    queueId: i % 2,
    body: Buffer.from(`m${i}:` + 'abcdefghij'.repeat(1 + (i % 13))),
    properties: `KEYS\u0001k${i}\u0002TAGS\u0001t${i % 3}\u0002UNIQ_KEY\u0001${String(i).padStart(32, '0')}\u0002`,
    bornTimestamp: 1_700_000_000_000 + i,
    bornHost: { ip: '192.0.2.1', port: 5555 },
  };
}

/** Field offsets (IPv4 layout) that recovery can validate. */
const CHECKED_FIELDS: { name: string; at: (size: number, bodyLen: number) => [number, number] }[] = [
  { name: 'TOTALSIZE', at: () => [0, 4] },
  { name: 'MAGICCODE', at: () => [4, 8] },
  { name: 'BODYCRC', at: () => [8, 12] },
  { name: 'QUEUEOFFSET', at: () => [20, 28] },
  { name: 'PHYSICALOFFSET', at: () => [28, 36] },
  { name: 'BODY length', at: () => [84, 88] },
  { name: 'BODY', at: (_s, b) => [88, 88 + b] },
  { name: 'TOPIC length', at: (_s, b) => [88 + b, 89 + b] },
  { name: 'PROPERTIES length', at: (_s, b) => [89 + b + 4, 89 + b + 6] },
];

test('torn tails, garbage and bit flips in the tail never yield a served corrupt record', async () => {
  const base = makeTempDir('apogee-corrupt-');
  const pristine = join(base, 'pristine');
  const written = new Map<number, Buffer>();
  const order: number[] = [];
  const store = MessageStore.open({ storePathRootDir: pristine, ...CONFIG });
  for (let i = 0; i < 400; i++) {
    const r = await store.put(message(i));
    written.set(r.physicalOffset, Buffer.from(store.getRecord(r.physicalOffset)!));
    order.push(r.physicalOffset);
  }
  await store.close();
  const files = fs.readdirSync(join(pristine, 'commitlog')).sort();
  const lastFile = files[files.length - 1]!;
  const lastStart = Number(lastFile);
  const tail = order.filter((o) => o >= lastStart);
  assert.ok(tail.length > 10);

  let seed = 99;
  const random = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
  const kinds = ['zero-tail', 'garbage', ...CHECKED_FIELDS.map((f) => f.name)];
  let trial = 0;
  try {
    for (const kind of kinds) {
      for (let rep = 0; rep < 5; rep++, trial++) {
        const dir = join(base, `t${trial}`);
        fs.cpSync(pristine, dir, { recursive: true });
        fs.writeFileSync(join(dir, 'abort'), '');
        const path = join(dir, 'commitlog', lastFile);
        const data = fs.readFileSync(path);
        // Damage one of the last 8 records of the newest segment.
        const victim = tail[tail.length - 1 - random(Math.min(8, tail.length))]!;
        const record = written.get(victim)!;
        const pos = victim - lastStart;
        const bodyLen = record.readInt32BE(84);
        if (kind === 'zero-tail') {
          data.fill(0, pos + random(record.length));
        } else if (kind === 'garbage') {
          // A torn write: a prefix of the record landed, the rest of the write is junk. (Junk that
          // starts inside PROPERTIES is caught only probabilistically — UTF-8 and separator checks —
          // so here it starts at or before the end of the CRC-covered body.)
          const from = pos + random(88 + bodyLen);
          for (let i = from; i < Math.min(data.length, pos + record.length + random(600)); i++) data[i] = random(256);
        } else {
          const field = CHECKED_FIELDS.find((f) => f.name === kind)!;
          const [a, b] = field.at(record.length, bodyLen);
          if (b <= a) continue;
          const byte = pos + a + random(b - a);
          data[byte]! ^= 1 << random(8);
        }
        fs.writeFileSync(path, data);

        const s = MessageStore.open({ storePathRootDir: dir, ...CONFIG }, { log: () => {} });
        try {
          const label = `${kind} #${rep} at record ${victim}`;
          // Every record before the damaged one survives.
          for (const o of order) {
            if (o >= victim) break;
            assert.ok(s.getRecord(o)?.equals(written.get(o)!), `${label}: record ${o} lost`);
          }
          assert.ok(s.maxPhyOffset() >= victim, label);
          // Whatever is served equals what was written at that offset.
          let served = 0;
          for (const [topic, queues] of s.topics()) {
            for (const q of queues) {
              for (let off = s.getMinOffsetInQueue(topic, q); off < s.getMaxOffsetInQueue(topic, q); off += 32) {
                const r = s.getMessage(topic, q, off, 32);
                for (const b of r.messages) {
                  const m = decodeRecord(b);
                  assert.ok(written.get(m.physicalOffset)?.equals(b), `${label}: served a corrupt record at ${m.physicalOffset}`);
                  served++;
                }
              }
            }
          }
          let o = s.minPhyOffset();
          while (o < s.maxPhyOffset()) {
            const b = s.getRecord(o);
            if (!b) {
              o = o - (o % CONFIG.mapedFileSizeCommitLog) + CONFIG.mapedFileSizeCommitLog;
              continue;
            }
            assert.ok(written.get(o)?.equals(b), `${label}: scan served a corrupt record at ${o}`);
            o += b.length;
          }
          const m = decodeRecord(written.get(victim)!);
          for (const b of s.queryMessage(m.topic, getProperty(m.properties, 'KEYS')!, 8, 0, Number.MAX_SAFE_INTEGER).messages) {
            assert.ok(written.get(decodeRecord(b).physicalOffset)?.equals(b), `${label}: index served a corrupt record`);
          }
          assert.ok(served > 0);
          // The store keeps working after the cut.
          const again = await s.put(message(1000 + trial));
          assert.equal(again.physicalOffset >= victim, true);
        } finally {
          await s.close();
        }
      }
    }
    assert.ok(trial >= 50);
  } finally {
    fs.rmSync(base, { recursive: true, force: true });
  }
});
