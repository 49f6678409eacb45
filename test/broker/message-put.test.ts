/**
 * Routing a message for the store (delay levels, transaction half messages, a transaction's PGROUP)
 * rewrites its properties once, to exactly the text the stored records have always carried: the
 * expectation below sets each property in turn, one lookup and one rewrite at a time.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getProperty, withProperty, Prop } from '../../src/codec/message-properties.js';
import { PropertiesView } from '../../src/codec/properties-view.js';
import { SysFlag } from '../../src/codec/sys-flag.js';
import { routeForStore } from '../../src/broker/message-put.js';
import { SCHEDULE_TOPIC, TRANS_HALF_TOPIC } from '../../src/broker/metadata/topics.js';

const MAX_LEVEL = 18;

/** Where a message goes and what it carries, worked out one property at a time. */
function expected(topic: string, queueId: number, sysFlag: number, text: string, producerGroup: string | undefined) {
  let properties = text;
  if (producerGroup !== undefined) properties = withProperty(properties, Prop.PGROUP, producerGroup);
  const tranType = sysFlag & SysFlag.TRANSACTION_MASK;
  if (tranType === SysFlag.TRANSACTION_PREPARED) {
    properties = withProperty(properties, Prop.REAL_TOPIC, topic);
    properties = withProperty(properties, Prop.REAL_QID, String(queueId));
    return { topic: TRANS_HALF_TOPIC, queueId: 0, sysFlag: sysFlag & ~SysFlag.TRANSACTION_MASK, properties };
  }
  if (tranType === SysFlag.TRANSACTION_NOT || tranType === SysFlag.TRANSACTION_COMMIT) {
    const delay = getProperty(properties, Prop.DELAY);
    const level = delay === undefined ? 0 : Number.parseInt(delay, 10);
    if (level > 0) {
      if (level > MAX_LEVEL) properties = withProperty(properties, Prop.DELAY, String(MAX_LEVEL));
      properties = withProperty(properties, Prop.REAL_TOPIC, topic);
      properties = withProperty(properties, Prop.REAL_QID, String(queueId));
      return { topic: SCHEDULE_TOPIC, queueId: Math.min(level, MAX_LEVEL) - 1, sysFlag, properties };
    }
  }
  return { topic, queueId, sysFlag, properties };
}

const TEXTS = [
  '',
  'KEYS\u0001k1\u0002UNIQ_KEY\u0001AC1100010000000000000000000000\u0002TAGS\u0001TagA\u0002WAIT\u0001true\u0002',
  'TAGS\u0001TagA\u0002DELAY\u00013\u0002WAIT\u0001true\u0002',
  'TAGS\u0001TagA\u0002DELAY\u000199\u0002',
  'DELAY\u00012',
  'DELAY\u0001x\u0002TAGS\u0001t\u0002',
  'TRAN_MSG\u0001true\u0002PGROUP\u0001\u0002DELAY\u00011\u0002',
  'REAL_TOPIC\u0001stale\u0002\u0002DELAY\u00014\u0002REAL_QID\u00017\u0002',
  'DELAY\u0001a\u0001b\u0002DELAY\u00012\u0002',
];
const FLAGS = [SysFlag.TRANSACTION_NOT, SysFlag.TRANSACTION_PREPARED, SysFlag.TRANSACTION_COMMIT, SysFlag.TRANSACTION_ROLLBACK, SysFlag.COMPRESSED | SysFlag.TRANSACTION_PREPARED];

test('routing for the store rewrites properties once, to the text set one property at a time', () => {
  for (const text of TEXTS) {
    for (const sysFlag of FLAGS) {
      for (const group of [undefined, 'TxGroup']) {
        const msg = { topic: 'TopicTest', queueId: 5, body: Buffer.from('x'), properties: PropertiesView.of(text), sysFlag, bornTimestamp: 1, bornHost: { ip: '127.0.0.1', port: 1 } };
        const routed = routeForStore(msg, MAX_LEVEL, group);
        const want = expected('TopicTest', 5, sysFlag, text, group);
        const what = `${JSON.stringify(text)} sysFlag ${sysFlag} group ${group}`;
        assert.deepEqual({ topic: routed.topic, queueId: routed.queueId, sysFlag: routed.sysFlag, properties: routed.properties.text }, want, what);
        // What the store then reads is the rewritten text.
        assert.deepEqual({ ...routed.properties }, { ...PropertiesView.of(want.properties) }, what);
      }
    }
  }
});
