'use strict';
// F1: a broker started on a copy of the RocketMQ 4.3.2 store fixture (store-clean) serves what Java wrote.
// Three consumers run side by side, each in its own group and client instance, all CONSUME_FROM_FIRST_OFFSET
// (so a lost or unreadable stored offset would show up as a redelivery from offset 0):
//   fresh — a new group subscribed to FixtureA, FixtureB and FixtureDelay: must get every stored message of
//           those topics once;
//   gB    — GroupB on FixtureB: must resume at the recorded offsets (queue 0 from 60, queue 1 from 40);
//   gA    — GroupA on FixtureA: fully consumed (625 on every queue), must get nothing.
// Env: GROUP (the fresh group), EXPECT_FRESH and EXPECT_B (how many messages to wait for), IDLE_MS (how long
// GroupA is watched after it owns its queues).
const { env, emit, run, consumer, ownedQueues, sha, waitFor, sleep } = require('../../lib/ons.cjs');

const expectFresh = Number(process.env.EXPECT_FRESH);
const expectB = Number(process.env.EXPECT_B);
const idleMs = Number(process.env.IDLE_MS || 5000);

/** A compact receipt: everything the harness compares against the fixture's manifest. */
function receipt(who, msg) {
  const props = { ...msg.properties };
  delete props.MIN_OFFSET; // added by ali-ons from the pull response header
  delete props.MAX_OFFSET;
  if (props[''] === '') delete props['']; // ali-ons' parser turns the stored trailing separator into an empty pair
  return {
    who,
    topic: msg.topic,
    queueId: Number(msg.queueId),
    queueOffset: msg.queueOffset,
    commitLogOffset: msg.commitLogOffset,
    msgId: msg.msgId,
    keys: msg.properties.KEYS,
    tags: msg.properties.TAGS,
    props,
    sysFlag: msg.sysFlag,
    reconsumeTimes: msg.reconsumeTimes,
    storeHost: msg.storeHost,
    bornTimestamp: msg.bornTimestamp,
    storeTimestamp: msg.storeTimestamp,
    bodyLen: msg.body ? msg.body.length : 0,
    bodySha: sha(msg.body),
  };
}

run(async () => {
  const count = { fresh: 0, gB: 0, gA: 0 };
  const handler = (who) => async (msg) => {
    count[who]++;
    emit('recv', receipt(who, msg));
  };

  const fresh = consumer({ consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, 'fresh');
  for (const topic of ['FixtureA', 'FixtureB', 'FixtureDelay']) fresh.subscribe(topic, '*', handler('fresh'));
  const gB = consumer({ consumerGroup: 'GroupB', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, 'gB');
  gB.subscribe('FixtureB', '*', handler('gB'));
  const gA = consumer({ consumerGroup: 'GroupA', consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' }, 'gA');
  gA.subscribe('FixtureA', '*', handler('gA'));
  await Promise.all([fresh.ready(), gB.ready(), gA.ready()]);
  emit('ready', {});

  const watchA = (async () => {
    const owned = await waitFor(() => ownedQueues(gA, 'FixtureA').length === 4, 15000);
    emit('owned', { who: 'gA', topic: 'FixtureA', queues: ownedQueues(gA, 'FixtureA'), complete: owned });
    await sleep(idleMs); // pulls of all 4 queues have been answered by now; any message would have arrived
    emit('idle-done', { who: 'gA', received: count.gA, watchedMs: idleMs });
  })();
  const watchB = (async () => {
    const owned = await waitFor(() => ownedQueues(gB, 'FixtureB').length === 2, 15000);
    emit('owned', { who: 'gB', topic: 'FixtureB', queues: ownedQueues(gB, 'FixtureB'), complete: owned });
    await waitFor(() => count.gB >= expectB, 20000);
  })();
  const watchFresh = (async () => {
    for (const [topic, n] of [['FixtureA', 4], ['FixtureB', 2], ['FixtureDelay', 1]]) {
      const owned = await waitFor(() => ownedQueues(fresh, topic).length === n, 15000);
      emit('owned', { who: 'fresh', topic, queues: ownedQueues(fresh, topic), complete: owned });
    }
    await waitFor(() => count.fresh >= expectFresh, 30000);
  })();
  await Promise.all([watchA, watchB, watchFresh]);
  await sleep(2000); // duplicates and extra messages would show up here
  emit('counts', { ...count });
  await Promise.all([fresh.close(), gB.close(), gA.close()]);
  emit('closed', {});
});
