/** Config tables in the fastjson dialect: real 4.3.2 / 3.5.8 files read, re-written byte-for-byte, `.bak` fallback. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import {
  ConfigFileError,
  StoreConfigFiles,
  formatConsumerOffsets,
  formatDelayOffsets,
  formatSubscriptionGroups,
  formatTopics,
} from '../../../src/broker/metadata/config-files.js';
import { copyFixtureStore, fixture, makeTempDir, readJson, removeTemp } from '../../store/helpers.js';

const plain = (m: Map<unknown, unknown>): Record<string, unknown> =>
  Object.fromEntries([...m].map(([k, v]) => [String(k), v instanceof Map ? plain(v) : v]));

test('4.3.2 config files load to the broker-reported tables and re-format byte-for-byte', () => {
  const root = copyFixtureStore('rocketmq-4.3.2', 'store-clean');
  try {
    const manifest = readJson('rocketmq-4.3.2', 'store-clean', 'manifest.json');
    const files = new StoreConfigFiles(root);
    const offsets = files.loadConsumerOffsets()!;
    assert.deepEqual(plain(offsets), manifest.consumerOffsets.offsetTable);
    const delays = files.loadDelayOffsets()!;
    assert.deepEqual(plain(delays), manifest.delayOffsets.offsetTable);
    const topics = files.loadTopics()!;
    const topicsFile = fs.readFileSync(files.path('topics.json'), 'utf8');
    assert.equal(topics.topicConfigTable.get('FixtureA')!.writeQueueNums, 4);
    assert.ok(topics.dataVersion.counter >= manifest.topicConfigs.dataVersion.counter);
    const groups = files.loadSubscriptionGroups()!;
    assert.deepEqual(plain(new Map([...groups.subscriptionGroupTable].map(([k, v]) => [k, { ...v }]))), manifest.subscriptionGroups.subscriptionGroupTable);
    // Byte-for-byte: what we would write is what fastjson wrote.
    assert.equal(formatConsumerOffsets(offsets), fs.readFileSync(files.path('consumerOffset.json'), 'utf8'));
    assert.equal(formatDelayOffsets(delays), '{\n\t"offsetTable":{1:3,3:1,18:0\n\t}\n}');
    assert.equal(formatDelayOffsets(delays), fs.readFileSync(files.path('delayOffset.json'), 'utf8'));
    assert.equal(formatTopics(topics), topicsFile);
    assert.equal(formatSubscriptionGroups(groups), fs.readFileSync(files.path('subscriptionGroup.json'), 'utf8'));
  } finally {
    removeTemp(root);
  }
});

test('3.5.8: topics/subscriptions from ${user.home}/store/config, `timestatmp` accepted', () => {
  const root = copyFixtureStore('rocketmq-3.5.8', 'store-clean');
  try {
    const manifest = readJson('rocketmq-3.5.8', 'store-clean', 'manifest.json');
    const files = new StoreConfigFiles(root, fixture('rocketmq-3.5.8', 'user-home', 'store', 'config'));
    const topics = files.loadTopics()!;
    assert.equal(topics.dataVersion.timestamp, manifest.topicConfigs.dataVersion.timestatmp);
    assert.equal(topics.dataVersion.counter, manifest.topicConfigs.dataVersion.counter);
    assert.deepEqual(plain(new Map([...topics.topicConfigTable].map(([k, v]) => [k, { ...v }]))), manifest.topicConfigs.topicConfigTable);
    const groups = files.loadSubscriptionGroups()!;
    assert.equal(groups.subscriptionGroupTable.get('GroupA')!.notifyConsumerIdsChangedEnable, true, '4.x default for the field 3.5.8 lacks');
    assert.deepEqual(plain(files.loadConsumerOffsets()!), manifest.consumerOffsets.offsetTable);
    assert.deepEqual(plain(files.loadDelayOffsets()!), manifest.delayOffsets.offsetTable);
    // Without the legacy directory there is no topics table under the root.
    assert.equal(new StoreConfigFiles(root).loadTopics(), undefined);
  } finally {
    removeTemp(root);
  }
});

test('3.5.8: topic and group changes are written to ${user.home}/store/config too, so a broker downgraded back to 3.5.8 keeps them', () => {
  const root = copyFixtureStore('rocketmq-3.5.8', 'store-clean');
  const home = makeTempDir();
  try {
    const legacy = join(home, 'store', 'config');
    fs.cpSync(fixture('rocketmq-3.5.8', 'user-home', 'store', 'config'), legacy, { recursive: true });
    const files = new StoreConfigFiles(root, legacy);
    const topics = files.loadTopics()!;
    topics.topicConfigTable.set('AddedAfterUpgrade', { ...topics.topicConfigTable.get('FixtureA')!, topicName: 'AddedAfterUpgrade' });
    files.saveTopics(topics);
    const groups = files.loadSubscriptionGroups()!;
    groups.subscriptionGroupTable.set('GroupAddedAfterUpgrade', { ...groups.subscriptionGroupTable.get('GroupA')!, groupName: 'GroupAddedAfterUpgrade' });
    files.saveSubscriptionGroups(groups);
    for (const [name, key] of [['topics.json', 'AddedAfterUpgrade'], ['subscriptionGroup.json', 'GroupAddedAfterUpgrade']] as const) {
      assert.ok(fs.readFileSync(files.path(name), 'utf8').includes(`"${key}"`), `${name} under the store root`);
      assert.ok(fs.readFileSync(join(legacy, name), 'utf8').includes(`"${key}"`), `${name} where 3.5.8 reads it`);
    }
    // Without a legacy directory on disk nothing is created there.
    const elsewhere = join(home, 'absent');
    new StoreConfigFiles(root, elsewhere).saveTopics(topics);
    assert.ok(!fs.existsSync(elsewhere));
  } finally {
    removeTemp(root);
    fs.rmSync(home, { recursive: true, force: true }); // removeTemp takes a store dir and removes its parent
  }
});

test('atomic replace keeps the previous content in .bak; reads fall back to .bak', () => {
  const root = join(makeTempDir(), 'store');
  try {
    const files = new StoreConfigFiles(root);
    assert.equal(files.loadConsumerOffsets(), undefined);
    files.saveConsumerOffsets(new Map([['T@G', new Map([[0, 5], [1, 7]])]]));
    files.saveConsumerOffsets(new Map([['T@G', new Map([[0, 6], [1, 7]])]]));
    const path = files.path('consumerOffset.json');
    assert.equal(fs.readFileSync(path, 'utf8'), '{\n\t"offsetTable":{\n\t\t"T@G":{0:6,1:7\n\t\t}\n\t}\n}');
    assert.equal(fs.readFileSync(path + '.bak', 'utf8'), '{\n\t"offsetTable":{\n\t\t"T@G":{0:5,1:7\n\t\t}\n\t}\n}');
    assert.ok(!fs.existsSync(path + '.tmp'));
    // Torn main file → .bak.
    fs.writeFileSync(path, '{\n\t"offsetTable":{\n\t\t"T@G":{0:6,');
    assert.equal(files.loadConsumerOffsets()!.get('T@G')!.get(0), 5);
    fs.writeFileSync(path, '');
    assert.equal(files.loadConsumerOffsets()!.get('T@G')!.get(0), 5);
    fs.rmSync(path);
    assert.equal(files.loadConsumerOffsets()!.get('T@G')!.get(0), 5);
    // Only a broken .bak left: a clear error.
    fs.writeFileSync(path + '.bak', '{oops');
    assert.throws(() => files.loadConsumerOffsets(), ConfigFileError);
    files.saveDelayOffsets(new Map([[1, 3], [3, 1], [18, 0]]));
    assert.equal(fs.readFileSync(files.path('delayOffset.json'), 'utf8').length, 35);
  } finally {
    fs.rmSync(join(root, '..'), { recursive: true, force: true });
  }
});
