/**
 * BrokerStatsTable (VIEW_BROKER_STATS_DATA's figures) on a clock the test moves: each window
 * counts what arrived within it, young items count everything since they appeared, and a
 * deleted topic's items go.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BrokerStatsTable } from '../../src/broker/stats-table.js';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number, table: BrokerStatsTable) => void } {
  let t = start;
  return {
    now: () => t,
    // Samples once a second of the advanced time, as the broker's timer does.
    advance: (ms, table) => {
      for (let i = 0; i < ms / 1000; i++) {
        t += 1000;
        table.sample();
      }
    },
  };
}

test('a young item counts everything since it appeared, in every window', () => {
  const c = clock();
  const table = new BrokerStatsTable('DefaultCluster', c.now);
  table.countPut('T', 3, 300);
  c.advance(5_000, table);
  table.countPut('T', 2, 200);
  const nums = table.get('TOPIC_PUT_NUMS', 'T')!;
  assert.deepEqual([nums.statsMinute.sum, nums.statsHour.sum, nums.statsDay.sum], [5, 5, 5]);
  assert.equal(nums.statsMinute.tps, 1, '5 messages over the 5 s the item lived');
  assert.equal(nums.statsMinute.avgpt, 2.5, 'two calls');
  assert.equal(table.get('TOPIC_PUT_SIZE', 'T')!.statsDay.sum, 500);
  assert.equal(table.get('BROKER_PUT_NUMS', 'DefaultCluster')!.statsDay.sum, 5);
  assert.equal(table.get('TOPIC_PUT_NUMS', 'Other'), undefined);
});

test('the minute window forgets what is older than a minute; the hour and day keep it', () => {
  const c = clock();
  const table = new BrokerStatsTable('DefaultCluster', c.now);
  table.countGet('T', 'G', 10, 1000);
  c.advance(120_000, table);
  table.countGet('T', 'G', 4, 400);
  const d = table.get('GROUP_GET_NUMS', 'T@G')!;
  assert.equal(d.statsMinute.sum, 4);
  assert.equal(d.statsHour.sum, 14);
  assert.equal(d.statsDay.sum, 14);
  assert.ok(table.tps('GROUP_GET_NUMS', 'T@G') > 0);
  assert.equal(table.tps('GROUP_GET_NUMS', 'T@Nobody'), 0);
});

test('deleting a topic drops its puts and every group\'s gets of it, and nothing else', () => {
  const table = new BrokerStatsTable('DefaultCluster');
  table.countPut('T', 1, 10);
  table.countGet('T', 'G', 1, 10);
  table.countPut('T2', 1, 10);
  table.countGet('T2', 'G', 1, 10);
  table.deleteTopic('T');
  assert.equal(table.get('TOPIC_PUT_NUMS', 'T'), undefined);
  assert.equal(table.get('GROUP_GET_NUMS', 'T@G'), undefined);
  assert.equal(table.get('TOPIC_PUT_NUMS', 'T2')!.statsDay.sum, 1);
  assert.equal(table.get('GROUP_GET_NUMS', 'T2@G')!.statsDay.sum, 1);
  // A topic created again under the same name counts from zero, and is seen by get() again.
  table.countPut('T', 2, 20);
  table.countGet('T', 'G', 3, 30);
  assert.equal(table.get('TOPIC_PUT_NUMS', 'T')!.statsDay.sum, 2);
  assert.equal(table.get('TOPIC_PUT_SIZE', 'T')!.statsDay.sum, 20);
  assert.equal(table.get('GROUP_GET_SIZE', 'T@G')!.statsDay.sum, 30);
  assert.equal(table.get('BROKER_PUT_NUMS', 'DefaultCluster')!.statsDay.sum, 4);
  assert.equal(table.get('BROKER_GET_NUMS', 'DefaultCluster')!.statsDay.sum, 5);
});
