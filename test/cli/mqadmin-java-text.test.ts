/**
 * The text Apache's mqadmin prints, rebuilt from recorded Java bytes: the VIEW_MESSAGE_BY_ID
 * response a real 4.3.2 broker sent to a real 4.3.2 `mqadmin queryMsgById` (admin-queries.jsonl)
 * must print, through our formatting, the very lines that tool printed (logs/driver-output.txt).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fixturesDir, frameBody, readFrames } from '../helpers/fixtures.js';
import { decodeMessages } from '../../src/client/message.js';
import { humanTime2, javaHashMapString, messageBlock } from '../../src/cli/mqadmin/java-text.js';
import { commandHelp } from '../../src/cli/mqadmin/command.js';

const driverOutput = (): string[] => readFileSync(join(fixturesDir(), 'rocketmq-4.3.2', 'wire', 'logs', 'driver-output.txt'), 'utf8').split('\n');

test("queryMsgById's block, from the recorded broker answer, is line for line what Java's mqadmin printed", () => {
  const previousTz = process.env.TZ;
  process.env.TZ = 'UTC'; // the recording machine's zone (its Born Timestamp is the record's, in UTC)
  try {
    const answer = readFrames('rocketmq-4.3.2/wire/admin-queries.jsonl').find((f) => f.requestCode === 33 && f.isResponse);
    assert.ok(answer, 'the recorded VIEW_MESSAGE_BY_ID response');
    const [msg] = decodeMessages(frameBody(answer));
    assert.ok(msg);
    const lines = driverOutput();
    const start = lines.findIndex((l) => l.startsWith('Topic:'));
    const recorded = lines.slice(start, lines.findIndex((l) => l.startsWith('Message Body Path:')) + 1);
    const ours = messageBlock(msg, '/tmp/rocketmq/msgbodys/C000020234A05FFD2B277F5524CA0000');
    // 4.3.2 printed OffsetID twice (fixed in 4.9); the rest is the same.
    assert.equal(lines[start - 1], ours[0]);
    assert.deepEqual(ours.slice(1), recorded);
  } finally {
    if (previousTz === undefined) delete process.env.TZ;
    else process.env.TZ = previousTz;
  }
});

test("message properties print in java.util.HashMap's order whatever order they were stored in", () => {
  const javaPrinted = '{color=red, KEYS=KEY-1 KEY-2, UNIQ_KEY=C000020234A05FFD2B277F5524CA0000, WAIT=true, TAGS=TagA, n=1}';
  assert.ok(driverOutput().some((l) => l.endsWith(javaPrinted)), 'the recorded Properties line');
  const entries: Array<[string, string]> = [['color', 'red'], ['KEYS', 'KEY-1 KEY-2'], ['UNIQ_KEY', 'C000020234A05FFD2B277F5524CA0000'], ['WAIT', 'true'], ['TAGS', 'TagA'], ['n', '1']];
  // Stored in another order, the map still iterates by bucket: TAGS and n share one, kept in insertion order.
  const [color, keys, uniq, wait, tags, n] = entries as [[string, string], [string, string], [string, string], [string, string], [string, string], [string, string]];
  assert.equal(javaHashMapString([tags, wait, uniq, keys, color, n]), javaPrinted);
  assert.match(javaHashMapString([n, tags]), /^\{n=1, TAGS=TagA\}$/);
  assert.equal(javaHashMapString([]), '{}');
});

test('humanTime2 is UtilAll.timeMillisToHumanString2', () => {
  const previousTz = process.env.TZ;
  process.env.TZ = 'UTC';
  try {
    assert.equal(humanTime2(Date.UTC(2026, 0, 2, 3, 4, 5, 6)), '2026-01-02 03:04:05,006');
  } finally {
    if (previousTz === undefined) delete process.env.TZ;
    else process.env.TZ = previousTz;
  }
});

test("-h usage is commons-cli's HelpFormatter layout: options sorted by letter, required ones unbracketed", () => {
  const help = commandHelp('queryMsgByKey', {
    usage: '',
    options: { topic: { type: 'string', short: 't', desc: 'topic name', required: true }, msgKey: { type: 'string', short: 'k', desc: 'Message Key', required: true } },
    run: async () => undefined,
  });
  const lines = help.split('\n');
  assert.deepEqual(lines.filter((l) => !l.startsWith(' -n,')), [
    'usage: mqadmin queryMsgByKey [-h] -k <arg> [-n <arg>] -t <arg>',
    ' -h,--help                Print help',
    ' -k,--msgKey <arg>        Message Key',
    ' -t,--topic <arg>         topic name',
  ]);
  // 4.9 quotes the example addresses, 4.3.2 does not.
  assert.match(lines.find((l) => l.startsWith(' -n,'))!, /^ -n,--namesrvAddr <arg> {3}Name server address list, eg: '?192\.168\.0\.1:9876;192\.168\.0\.2:9876'?$/);
});
