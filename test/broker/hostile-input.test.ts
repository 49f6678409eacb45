/**
 * A server never crashes on a client's bytes: every request code the broker and NameServer know,
 * with random, missing and malformed header fields and bodies (a bounded, seeded fuzz), gets an
 * answer, and ordinary traffic keeps working afterwards.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { command } from '../../src/codec/command.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { RemotingClient } from '../../src/transport/client.js';
import { startCluster } from '../helpers/cluster.js';
import { RawClient } from '../helpers/raw-client.js';

/** Deterministic pseudo-random numbers (mulberry32), so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIELD_NAMES = ['topic', 'queueId', 'queueOffset', 'consumerGroup', 'group', 'offset', 'maxMsgNums', 'sysFlag', 'commitOffset', 'suspendTimeoutMillis',
  'subscription', 'subVersion', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'key', 'maxNum', 'beginTimestamp', 'endTimestamp',
  'brokerName', 'brokerAddr', 'clusterName', 'brokerId', 'namespace', 'value', 'producerGroup', 'commitLogOffset', 'tranStateTableOffset', 'commitOrRollback',
  'msgId', 'delayLevel', 'readQueueNums', 'writeQueueNums', 'perm', 'topicFilterType', 'order', 'timestamp', 'isForce', 'clientID', 'defaultTopic', 'groupName'];
const VALUES = ['', '0', '-1', '1', '7', '99999999999999999999', 'NaN', 'true', 'TBW102', '%RETRY%x', 'T', '\u0000\u0001\u0002', 'é世', '{', '[]', '9223372036854775807', '-2147483649', ' 5 '];
const BODIES = [undefined, Buffer.alloc(0), Buffer.from('{'), Buffer.from('{"clientID":5,"consumerDataSet":[{"groupName":null}]}'), Buffer.from('[1,2,3]'), Buffer.from('{"mqSet":"x"}'), Buffer.alloc(300, 0xff), Buffer.from('a=b\nc')];

test('every known request code survives random and malformed headers and bodies', async () => {
  const cluster = await startCluster({ longPollingMaxMs: 100 });
  const remoting = new RemotingClient();
  const random = rng(20261125);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  const codes = [...new Set(Object.values(RequestCode))];
  let answered = 0;
  try {
    for (const target of [cluster.brokerAddr, cluster.namesrvAddr]) {
      for (const code of codes) {
        // Requests the broker sends to clients, and registration that would rewrite routes, are skipped on the broker.
        for (let round = 0; round < 6; round++) {
          const extFields: Record<string, string> = {};
          const n = Math.floor(random() * 8);
          for (let i = 0; i < n; i++) extFields[pick(FIELD_NAMES)] = pick(VALUES);
          const reply = await remoting.invoke(target, command({ code, version: Math.floor(random() * 700) - 50, extFields, body: pick(BODIES) }), 5000);
          assert.equal(reply.flag & 1, 1);
          answered++;
        }
      }
    }
    assert.ok(answered > 1000, `answered ${answered}`);
    const client = new RawClient(cluster.brokerAddr);
    const ok = await client.send('AfterFuzz', 'still here', { queueId: 0 });
    assert.equal(ok.code, 0, ok.remark);
    assert.equal((await client.drainQueue('G', 'AfterFuzz', 0))[0]?.body.toString(), 'still here');
    await client.close();
  } finally {
    await remoting.close();
    await cluster.stop();
  }
});
