import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BROKER_REGISTER_VERSION,
  HIGHER_VERSION,
  SERVER_VERSION,
  V3_0_11,
  V3_0_7_SNAPSHOT,
  V3_1_8_SNAPSHOT,
  V3_4_9,
  V3_5_8,
  V3_9_9,
  V4_0_0_SNAPSHOT,
  V4_1_0_SNAPSHOT,
  V4_3_2,
  V4_9_4,
  V4_9_8,
  V5_0_0,
  VERSION_COUNT,
  VERSION_NAMES,
  releaseOrdinal,
  versionName,
  versionOrdinal,
} from '../../src/protocol/version.js';
import { parseFastJson } from '../../src/codec/fastjson.js';
import { WIRE_FILES, frameBody, readFrames } from '../helpers/fixtures.js';

test('the table has the 613 constants of the 4.1+ enum, 212 of them 3.x', () => {
  assert.equal(VERSION_COUNT, 613);
  assert.equal(new Set(VERSION_NAMES).size, 613, 'names are unique');
  assert.equal(VERSION_NAMES[0], 'V3_0_0_SNAPSHOT');
  assert.equal(VERSION_NAMES[15], 'V3_0_0_FINAL');
  assert.equal(VERSION_NAMES[16], 'V3_0_1_SNAPSHOT');
  assert.equal(VERSION_NAMES.findIndex((n) => n.startsWith('V4_')), 212);
  assert.equal(VERSION_NAMES[612], 'HIGHER_VERSION');
  // Irregular spots of the 3.x list.
  assert.equal(versionName(45), 'V3_0_15');
  assert.equal(versionName(46), 'V3_1_0_SNAPSHOT');
  assert.equal(versionName(85), 'V3_2_9');
  assert.equal(versionName(86), 'V3_3_1_SNAPSHOT');
  assert.equal(versionName(122), 'V3_5_1_SNAPSHOT', 'V3_4_9 is followed by V3_5_1_SNAPSHOT');
});

test('ordinals the protocol relies on', () => {
  const expected: Array<[string, number]> = [
    ['V3_0_6_SNAPSHOT', 26], ['V3_0_7_SNAPSHOT', 28], ['V3_0_11', 37], ['V3_1_8_SNAPSHOT', 62], ['V3_2_6', 79],
    ['V3_4_9', 121], ['V3_5_8', 137], ['V3_9_9', 211], ['V4_0_0_SNAPSHOT', 212], ['V4_0_0', 213],
    ['V4_1_0_SNAPSHOT', 232], ['V4_2_0_SNAPSHOT', 252], ['V4_3_0', 273], ['V4_3_1', 275], ['V4_3_2', 277],
    ['V4_4_0', 293], ['V4_5_1', 315], ['V4_6_0', 333], ['V4_7_0', 353], ['V4_8_0', 373], ['V4_9_0', 393],
    ['V4_9_4', 401], ['V4_9_8', 409], ['V5_0_0', 413], ['V5_9_9', 611], ['HIGHER_VERSION', 612],
  ];
  for (const [name, ordinal] of expected) {
    assert.equal(versionOrdinal(name), ordinal, name);
    assert.equal(versionName(ordinal), name, String(ordinal));
  }
});

test('named constants agree with the table', () => {
  const constants: Record<string, number> = {
    V3_0_7_SNAPSHOT, V3_0_11, V3_1_8_SNAPSHOT, V3_4_9, V3_5_8, V3_9_9, V4_0_0_SNAPSHOT, V4_1_0_SNAPSHOT, V4_3_2,
    V4_9_4, V4_9_8, V5_0_0, HIGHER_VERSION,
  };
  for (const [name, value] of Object.entries(constants)) assert.equal(versionName(value), name);
  assert.equal(V4_3_2, 277);
  assert.equal(V4_9_4, 401);
  assert.equal(SERVER_VERSION, 409);
  assert.ok(SERVER_VERSION >= V4_1_0_SNAPSHOT, 'responses let 4.x clients use SQL92');
  assert.equal(BROKER_REGISTER_VERSION, 137);
  assert.ok(BROKER_REGISTER_VERSION <= V3_9_9 && BROKER_REGISTER_VERSION >= V3_0_11, 'accepted by 3.5.x and 4.x namesrvs');
});

test('every name round-trips, and the 4.x/5.x part follows the ordinal rule', () => {
  VERSION_NAMES.forEach((name, ordinal) => {
    assert.equal(versionOrdinal(name), ordinal);
    assert.equal(versionName(ordinal), name);
    const m = /^V([45])_(\d)_(\d)(_SNAPSHOT)?$/.exec(name);
    if (m) assert.equal(releaseOrdinal(Number(m[1]), Number(m[2]), Number(m[3]), m[4] !== undefined), ordinal, name);
  });
  assert.equal(releaseOrdinal(4, 3, 2), 277);
  assert.equal(releaseOrdinal(4, 1, 0, true), 232);
  assert.equal(releaseOrdinal(3, 5, 8), undefined);
  assert.equal(releaseOrdinal(6, 0, 0), undefined);
  assert.equal(releaseOrdinal(4, 10, 0), undefined);
});

test('out-of-range versions never throw', () => {
  assert.equal(versionName(613), 'HigherVersion');
  assert.equal(versionName(32767), 'HigherVersion');
  assert.equal(versionName(-3), 'Unknown(-3)');
  assert.equal(versionName(1.5), 'Unknown(1.5)');
  assert.equal(versionName(NaN), 'Unknown(NaN)');
  assert.equal(versionOrdinal('V6_0_0'), undefined);
  assert.equal(versionOrdinal('HigherVersion'), undefined);
  assert.equal(versionOrdinal('v4_3_2'), undefined, 'names are case-sensitive');
});

test('every version seen in the fixtures maps to its release name', () => {
  const seen = new Map<number, string>();
  for (const file of WIRE_FILES) for (const frame of readFrames(file)) seen.set(frame.version, versionName(frame.version));
  assert.deepEqual([...seen].sort((a, b) => a[0] - b[0]), [[137, 'V3_5_8'], [277, 'V4_3_2']]);

  // A 4.3.2 broker reports its version in GET_BROKER_RUNTIME_INFO both ways; they must agree with the table.
  const runtime = readFrames('rocketmq-4.3.2/wire/route-and-cluster.jsonl').find((f) => f.isResponse && f.requestCode === 28);
  assert.ok(runtime);
  const table = (parseFastJson(frameBody(runtime)!) as { table: Record<string, string> }).table;
  assert.equal(versionName(Number(table.brokerVersion)), table.brokerVersionDesc);
  assert.equal(table.brokerVersionDesc, 'V4_3_2');

  // The 3.5.8 namesrv's rejection of a 4.3.2 broker names the 212 constants it knows (ordinals 0..V3_9_9).
  const rejection = readFrames('rocketmq-3.5.8/wire/broker-register.jsonl').find((f) => f.isResponse && f.code === 1);
  assert.ok(rejection?.remark?.includes(`Index ${V4_3_2} out of bounds for length ${V3_9_9 + 1}`));
});
