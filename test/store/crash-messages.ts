/** Deterministic messages shared by the crash writer (child) and the crash test (parent). */
import type { MessageInput } from '../../src/store/index.js';

export const CRASH_STORE_CONFIG = {
  mapedFileSizeCommitLog: 32 * 1024,
  mapedFileSizeConsumeQueue: 20 * 64,
  maxHashSlotNum: 64,
  maxIndexNum: 256,
  flushDiskType: 'SYNC_FLUSH' as const,
  flushIntervalConsumeQueue: 20,
  flushConsumeQueueThoroughInterval: 100,
};

function rand(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

export function crashMessage(id: number): MessageInput {
  const r = rand(id * 2654435761);
  const length = Math.floor(r() * 700);
  const body = Buffer.alloc(length);
  for (let i = 0; i < length; i++) body[i] = Math.floor(r() * 256);
  return {
    topic: id % 5 === 0 ? 'CrashOther' : 'CrashTopic',
    queueId: id % 3,
    body,
    properties: `KEYS\u0001C-${id}\u0002UNIQ_KEY\u0001${id.toString(16).toUpperCase().padStart(32, '0')}\u0002TAGS\u0001T${id % 4}\u0002id\u0001${id}\u0002`,
    bornTimestamp: 1_700_000_000_000 + id,
    bornHost: { ip: '10.0.0.9', port: 40000 + (id % 1000) },
    flag: id % 11,
  };
}
