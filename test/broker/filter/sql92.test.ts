import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileSql92, SqlFilterError } from '../../../src/broker/filter/sql92.js';
import { startCluster } from '../../helpers/cluster.js';
import { RawClient } from '../../helpers/raw-client.js';

const props = (o: Record<string, string>): Map<string, string> => new Map(Object.entries(o));

test('SQL92 expressions evaluate as RocketMQ filters do', () => {
  const m = props({ a: '7', color: 'red', TAGS: 'TagA', flag: 'true', neg: '-3', f: '2.5' });
  const cases: Array<[string, boolean]> = [
    ['a > 5', true], ['a >= 7 AND a <= 7', true], ['a < 5', false], ['a = 7', true], ['a <> 7', false],
    ["color = 'red'", true], ["color <> 'red'", false], ["color = 'blue' OR a BETWEEN 6 AND 8", true],
    ['a NOT BETWEEN 6 AND 8', false], ["TAGS IN ('TagA', 'TagB')", true], ["TAGS NOT IN ('TagA')", false],
    ['missing IS NULL', true], ['a IS NOT NULL', true], ['missing > 1', false], ['NOT (missing > 1)', true],
    ["color > 'a'", false], ['flag = TRUE', true], ['neg < -2', true], ['f > 2.4 AND f < 2.6', true],
    ["(a > 100 OR color = 'red') AND NOT TAGS = 'TagB'", true], ["name = 'it''s'", false], ['color > 3', false],
  ];
  for (const [expr, expected] of cases) assert.equal(compileSql92(expr).matches(m), expected, expr);
  for (const bad of ['', 'a >', "a = 'open", 'a BETWEEN 1', 'AND a = 1', 'a = 1 b', 'a # 1', 'a IN (1)']) {
    assert.throws(() => compileSql92(bad), SqlFilterError, bad);
  }
});

test('a broker with enablePropertyFilter serves SQL92 pulls; without it, or with a bad expression, it refuses clearly', async () => {
  const cluster = await startCluster({ enablePropertyFilter: true });
  const client = new RawClient(cluster.brokerAddr);
  try {
    for (let i = 0; i < 10; i++) {
      assert.equal((await client.send('SqlTopic', `m${i}`, { queueId: 0, tags: i % 2 ? 'odd' : 'even', props: { n: String(i), color: i < 5 ? 'red' : 'blue' } })).code, 0);
    }
    const pull = (subscription: string) => client.remoting.invoke(cluster.brokerAddr, {
      code: 11, language: 'JAVA', version: 409, opaque: 0, flag: 0, serializeType: 0,
      extFields: { consumerGroup: 'SqlGroup', topic: 'SqlTopic', queueId: '0', queueOffset: '0', maxMsgNums: '32', sysFlag: '4', commitOffset: '0', suspendTimeoutMillis: '0', subscription, subVersion: '1', expressionType: 'SQL92' },
    }, 5000);
    const r = await pull("n >= 3 AND color = 'red' AND TAGS = 'odd'");
    assert.equal(r.code, 0);
    const { decodeRecords } = await import('../../../src/codec/message-record.js');
    assert.deepEqual(decodeRecords(r.body!).map((m) => m.body.toString()), ['m3']);
    assert.equal(r.extFields?.nextBeginOffset, '10');
    const none = await pull('n > 100');
    assert.equal(none.code, 20, 'nothing matched: retry from the next offset');
    const bad = await pull('n >');
    assert.equal(bad.code, 23);
    assert.match(bad.remark!, /parse the consumer's subscription/);
  } finally {
    await client.close();
    await cluster.stop();
  }
  const plain = await startCluster();
  const c2 = new RawClient(plain.brokerAddr);
  try {
    await c2.send('SqlTopic', 'x', { queueId: 0 });
    const refused = await c2.remoting.invoke(plain.brokerAddr, {
      code: 11, language: 'JAVA', version: 409, opaque: 0, flag: 0, serializeType: 0,
      extFields: { consumerGroup: 'G', topic: 'SqlTopic', queueId: '0', queueOffset: '0', maxMsgNums: '32', sysFlag: '4', commitOffset: '0', suspendTimeoutMillis: '0', subscription: 'a > 1', subVersion: '1', expressionType: 'SQL92' },
    }, 5000);
    assert.equal(refused.code, 1);
    assert.match(refused.remark!, /does not support consumer to filter message by SQL92/);
  } finally {
    await c2.close();
    await plain.stop();
  }
});
