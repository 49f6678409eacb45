/**
 * mqadmin's message commands, spawned as real processes against one real NameServer + broker
 * with a known load: six messages with keys and tags in a two-queue topic, consumed by a live
 * push consumer. Output shapes are checked against the lines a real Java 4.3.2 mqadmin printed
 * (fixtures/rocketmq-4.3.2/wire/logs/driver-output.txt) where it recorded the command, else
 * against the format strings of Apache 4.9's command classes named in each test.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fixturesDir } from '../helpers/fixtures.js';
import { startCluster, type TestCluster } from '../helpers/cluster.js';
import { fails, linesOf, mqadmin, ok } from '../helpers/mqadmin-cli.js';
import { until } from '../helpers/wait.js';
import { Admin } from '../../src/client/admin.js';
import { Producer, type SendResult } from '../../src/client/producer.js';
import { PushConsumer } from '../../src/client/push-consumer.js';
import { setLogLevel } from '../../src/common/logger.js';

if (!process.env.APOGEE_LOG_LEVEL) setLogLevel('warn');

const TOPIC = 'MsgTopic';
const GROUP = 'MsgGroup';
const N = 6;

let cluster: TestCluster;
let ns: string;
let producer: Producer;
let consumer: PushConsumer;
let bodyDir: string;
const sent: SendResult[] = [];
/** Every body the live consumer's listener saw, in order (consumeMessage directly adds one). */
const delivered: string[] = [];

const recordedLines = (): string[] => readFileSync(join(fixturesDir(), 'rocketmq-4.3.2', 'wire', 'logs', 'driver-output.txt'), 'utf8').split('\n');
const run = (...args: string[]): Promise<string> => ok([...args, '-n', ns], { APOGEE_MSG_BODY_DIR: bodyDir });

before(async () => {
  bodyDir = mkdtempSync(join(tmpdir(), 'apogee-msgbodys-'));
  cluster = await startCluster();
  ns = cluster.namesrvAddr;
  const admin = new Admin({ namesrvAddr: ns });
  await admin.start();
  await admin.createTopic(TOPIC, { clusterName: 'DefaultCluster', readQueueNums: 2, writeQueueNums: 2 });
  await admin.shutdown();
  producer = new Producer({ namesrvAddr: ns, producerGroup: 'MsgProducer' });
  await producer.start();
  for (let i = 0; i < N; i++) {
    sent.push(await producer.send({ topic: TOPIC, body: `body-${i}`, keys: [`key-${i}`, 'batch-key'], tags: i % 2 === 0 ? 'TagA' : 'TagB' }, { queue: { topic: TOPIC, brokerName: 'broker-a', queueId: i % 2 } }));
  }
  consumer = new PushConsumer({ namesrvAddr: ns, consumerGroup: GROUP, consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET' });
  consumer.subscribe(TOPIC, '*');
  consumer.registerMessageListener(async (msgs) => {
    for (const m of msgs) delivered.push(m.body.toString());
    return 'CONSUME_SUCCESS' as const;
  });
  await consumer.start();
  await until(() => delivered.length >= N, 'the live consumer consumed the load', 20_000);
  // Its offsets reach the broker with the next commit: the consume track reads them there.
  const reader = new Admin({ namesrvAddr: ns });
  await reader.start();
  try {
    await until(async () => (await reader.consumeStats(GROUP, TOPIC)).diffTotal === 0, 'offsets committed', 20_000, 200);
  } finally {
    await reader.shutdown();
  }
});

after(async () => {
  await consumer?.shutdown();
  await producer?.shutdown();
  await cluster?.stop();
  rmSync(bodyDir, { recursive: true, force: true });
});

test('queryMsgByKey prints Java\'s header and one row per message with the key (QueryMsgByKeySubCommand: "%-50s %4d %40d")', async () => {
  // Java printed the track without a line end, so the header follows it on the recorded line.
  const recordedHeader = recordedLines().find((l) => l.includes('#Message ID'))!;
  const javaHeader = recordedHeader.slice(recordedHeader.indexOf('#Message ID'));
  const lines = linesOf(await run('queryMsgByKey', '-t', TOPIC, '-k', 'batch-key'));
  assert.equal(lines[0], javaHeader);
  const row = (r: SendResult): string => `${r.msgId.padEnd(50)} ${String(r.messageQueue.queueId).padStart(4)} ${String(r.queueOffset).padStart(40)}`;
  assert.deepEqual(lines.slice(1).sort(), sent.map(row).sort());
  const javaRow = recordedLines().find((l) => l.startsWith('C000020234A05FFD2B277F5524CA0000 '))!;
  const one = linesOf(await run('queryMsgByKey', '-t', TOPIC, '-k', 'key-3'));
  assert.equal(one.length, 2);
  assert.equal(one[1]!.length, javaRow.length, 'same column widths as the recorded row');
  assert.equal(one[1], `${sent[3]!.msgId.padEnd(50)} ${'1'.padStart(4)} ${'1'.padStart(40)}`);
});

test("queryMsgById prints Apache's message block, the body file and the consume track, by offset id or client id", async () => {
  const javaLabels = (lines: string[]): string[] => lines.map((l) => l.slice(0, 21));
  const recorded = recordedLines();
  const javaBlock = recorded.slice(recorded.findIndex((l) => l.startsWith('Topic:')) - 1, recorded.findIndex((l) => l.startsWith('Message Body Path:')) + 1);
  for (const args of [['-i', sent[2]!.offsetMsgId], ['-i', sent[2]!.msgId, '-t', TOPIC]]) {
    const lines = linesOf(await run('queryMsgById', ...args));
    const block = lines.slice(0, javaBlock.length);
    assert.deepEqual(javaLabels(block), javaLabels(javaBlock), 'labels and their column, in order');
    const value = (label: string): string => block.find((l) => l.startsWith(label))!.slice(21);
    assert.equal(value('OffsetID:'), sent[2]!.offsetMsgId);
    assert.equal(value('Topic:'), TOPIC);
    assert.equal(value('Tags:'), '[TagA]');
    assert.equal(value('Keys:'), '[key-2 batch-key]');
    assert.equal(value('Queue ID:'), '0');
    assert.equal(value('Queue Offset:'), '1');
    assert.match(value('Born Timestamp:'), /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}$/);
    assert.match(value('Properties:'), new RegExp(`^\\{.*UNIQ_KEY=${sent[2]!.msgId}.*\\}$`));
    assert.equal(readFileSync(value('Message Body Path:'), 'utf8'), 'body-2');
    assert.deepEqual(lines.slice(javaBlock.length), ['', '', `MessageTrack [consumerGroup=${GROUP}, trackType=CONSUMED, exceptionDesc=null]`]);
  }
  await fails(/^mqadmin: message 0{32} not found/, ['queryMsgById', '-n', ns, '-i', '0'.repeat(32)]);
});

test('queryMsgByUniqueKey prints the block without OffsetID (QueryMsgByUniqueKeySubCommand); queryMsgByOffset the full one', async () => {
  const unique = linesOf(await run('queryMsgByUniqueKey', '-i', sent[4]!.msgId, '-t', TOPIC, '-a'));
  assert.match(unique[0]!, /^Topic: {15}MsgTopic$/);
  assert.ok(unique.includes(`Keys:                [key-4 batch-key]`));
  await fails(/^mqadmin: no message with client id 0{32} in topic MsgTopic$/, ['queryMsgByUniqueKey', '-n', ns, '-i', '0'.repeat(32), '-t', TOPIC]);

  const byOffset = linesOf(await run('queryMsgByOffset', '-t', TOPIC, '-b', 'broker-a', '-i', '1', '-o', '2'));
  assert.equal(byOffset[0], `OffsetID:            ${sent[5]!.offsetMsgId}`);
  assert.ok(byOffset.includes('Queue Offset:        2'));
  await fails(/^mqadmin: no message at offset 99 of MsgTopic@broker-a:1/, ['queryMsgByOffset', '-n', ns, '-t', TOPIC, '-b', 'broker-a', '-i', '1', '-o', '99']);
});

test("printMsg prints every message of every queue as MSGID lines (PrintMessageSubCommand), filtered by -s and -b/-e", async () => {
  const all = linesOf(await run('printMsg', '-t', TOPIC));
  const msgLines = all.filter((l) => l.startsWith('MSGID: '));
  assert.equal(msgLines.length, N);
  assert.deepEqual(all.filter((l) => l.startsWith('minOffset=')), [
    `minOffset=0, maxOffset=3, MessageQueue [topic=${TOPIC}, brokerName=broker-a, queueId=0]`,
    `minOffset=0, maxOffset=3, MessageQueue [topic=${TOPIC}, brokerName=broker-a, queueId=1]`,
  ]);
  assert.equal(all.filter((l) => l === '--------------------------------------------------------').length, 2);
  // MSGID: <getMsgId(): the client id> MessageExt [... msgId=<the offset id, MessageExt's field> ...] BODY: <body>
  assert.match(msgLines[0]!, new RegExp(`^MSGID: ${sent[0]!.msgId} MessageExt \\[brokerName=broker-a, queueId=0, storeSize=\\d+, queueOffset=0, .*msgId=${sent[0]!.offsetMsgId}, .*toString\\(\\)=Message\\{topic='${TOPIC}', flag=0, properties=\\{.*\\}, body=\\[98, 111, 100, 121, 45, 48\\], transactionId='null'\\}\\] BODY: body-0$`));
  const tagA = linesOf(await run('printMsg', '-t', TOPIC, '-s', 'TagA', '-d', 'false')).filter((l) => l.startsWith('MSGID: '));
  assert.equal(tagA.length, N / 2);
  assert.ok(tagA.every((l) => l.endsWith(' BODY: NOT PRINT BODY')));
  const future = linesOf(await run('printMsg', '-t', TOPIC, '-b', String(Date.now() + 3_600_000)));
  assert.equal(future.filter((l) => l.startsWith('MSGID: ')).length, 0);
  await fails(/^mqadmin: -b \(beginTimestamp\): cannot read 'yesterday'/, ['printMsg', '-n', ns, '-t', TOPIC, '-b', 'yesterday']);
});

test('printMsgByQueue prints one queue, and counts its tags with -f true (PrintMessageByQueueCommand)', async () => {
  const lines = linesOf(await run('printMsgByQueue', '-t', TOPIC, '-a', 'broker-a', '-i', '0', '-p', 'true', '-d', 'true', '-f', 'true'));
  assert.deepEqual(lines.filter((l) => l.startsWith('MSGID: ')).map((l) => l.split(' BODY: ')[1]), ['body-0', 'body-2', 'body-4']);
  assert.deepEqual(lines.filter((l) => l.startsWith('Tag: ')), [`Tag: ${'TagA'.padEnd(30)} Count: 3`]);
  assert.equal(await run('printMsgByQueue', '-t', TOPIC, '-a', 'broker-a', '-i', '1'), '', 'nothing printed without -p or -f');
});

test('sendMessage sends one message where -b/-i say and prints the row (SendMessageCommand); queryMsgByKey finds it', async () => {
  const lines = linesOf(await run('sendMessage', '-t', TOPIC, '-p', 'from the cli', '-k', 'cli-key', '-c', 'TagC', '-b', 'broker-a', '-i', '1'));
  assert.equal(lines[0], `${'#Broker Name'.padEnd(32)}  ${'#QID'.padEnd(4)}  ${'#Send Result'.padEnd(20)}    #MsgId`);
  const m = /^broker-a {24}  1 {3}  SEND_OK {13}    ([0-9A-F]{32})$/.exec(lines[1]!);
  assert.ok(m, lines[1]);
  const found = linesOf(await run('queryMsgByKey', '-t', TOPIC, '-k', 'cli-key'));
  assert.equal(found.length, 2);
  assert.equal(found[1]!.split(/\s+/)[0], m[1]);
  await fails(/^mqadmin: Broker name must be set if the queue is chosen!$/, ['sendMessage', '-n', ns, '-t', TOPIC, '-p', 'x', '-i', '1']);
});

test('consumeMessage pulls at most -c messages and prints them (ConsumeMessageCommand)', async () => {
  const lines = linesOf(await run('consumeMessage', '-t', TOPIC, '-c', '2'));
  assert.equal(lines[0], 'The older 2 message of the 0 queue will be provided');
  assert.equal(lines[1], 'Consume ok');
  assert.deepEqual(lines.filter((l) => l.startsWith('MSGID: ')).map((l) => l.split(' BODY: ')[1]), ['body-0', 'body-2']);
  const byOffset = linesOf(await run('consumeMessage', '-t', TOPIC, '-b', 'broker-a', '-i', '0', '-o', '2'));
  assert.deepEqual(byOffset.filter((l) => l.startsWith('MSGID: ')).map((l) => l.split(' BODY: ')[1]), ['body-4']);
  await fails(/^mqadmin: Please set the brokerName before queueId!$/, ['consumeMessage', '-n', ns, '-t', TOPIC, '-i', '0']);
});

test('queryCq prints the raw consume-queue entries from -i (QueryConsumeQueueCommand), and a group\'s subscription with -g', async () => {
  const lines = linesOf(await run('queryCq', '-t', TOPIC, '-q', '0', '-i', '1', '-c', '100'));
  assert.deepEqual(lines.slice(0, 3), ['Queue data: ', 'max: 3, min: 0', '======================================']);
  assert.deepEqual(lines.filter((l) => l.startsWith('idx: ')), ['idx: 1', 'idx: 2']);
  for (const l of lines.filter((x) => x.startsWith('ConsumeQueueData{'))) {
    assert.match(l, /^ConsumeQueueData\{physicOffset=\d+, physicSize=\d+, tagsCode=\d+, extendDataJson='null', bitMap='null', eval=false, msg='null'\}$/);
  }
  // The entries point at the very records queryMsgById shows.
  const physic = lines.filter((x) => x.startsWith('ConsumeQueueData{')).map((l) => Number(/physicOffset=(\d+)/.exec(l)![1]));
  const offsets = [sent[2]!, sent[4]!].map((s) => Number(BigInt(`0x${s.offsetMsgId.slice(16)}`)));
  assert.deepEqual(physic, offsets);
  const withGroup = await run('queryCq', '-t', TOPIC, '-q', '0', '-i', '0', '-c', '1', '-g', GROUP);
  assert.match(withGroup, /^Subscription data: \n\{\n\t"classFilterMode":false,\n[\s\S]*\t"subString":"\*",[\s\S]*\t"topic":"MsgTopic"\n\}\n======================================\nFilter data: \n/);
  await fails(/^mqadmin: SYSTEM_ERROR .*7@MsgTopic is not exist!/, ['queryCq', '-n', ns, '-t', TOPIC, '-q', '7', '-i', '0']);
});

test('checkMsgSendRT sends -a messages round the queues and prints each RT and the average (CheckMsgSendRTCommand)', async () => {
  const lines = linesOf(await run('checkMsgSendRT', '-t', TOPIC, '-a', '4', '-s', '16'));
  assert.equal(lines[0], `${'#Broker Name'.padEnd(32)}  ${'#QID'.padEnd(4)}  ${'#Send Result'.padEnd(20)}    #RT`);
  assert.equal(lines.length, 6);
  lines.slice(1, 5).forEach((l, i) => assert.match(l, new RegExp(`^broker-a {24}  ${i % 2} {3}  true {16}    \\d+$`)));
  assert.match(lines[5]!, /^Avg RT: \d+\.\d\d$/);
});

test("queryMsgById -g -d has the broker hand the message to that live consumer, whose listener runs on it (CONSUME_MESSAGE_DIRECTLY)", async () => {
  const before = delivered.filter((b) => b === 'body-1').length;
  const out = await run('queryMsgById', '-i', sent[1]!.offsetMsgId, '-g', GROUP, '-d', consumer.clientId);
  assert.match(out, /^ConsumeMessageDirectlyResult \[order=false, autoCommit=true, consumeResult=CR_SUCCESS, remark=null, spentTimeMills=\d+\]\n$/);
  assert.equal(delivered.filter((b) => b === 'body-1').length, before + 1, 'the listener got the message once more');
  const byUnique = await run('queryMsgByUniqueKey', '-i', sent[3]!.msgId, '-t', TOPIC, '-g', GROUP, '-d', consumer.clientId);
  assert.match(byUnique, /consumeResult=CR_SUCCESS/);
  assert.ok(delivered.includes('body-3'));
  await fails(/^mqadmin: SYSTEM_ERROR .*The Consumer <MsgGroup> <nobody@0> not online$/, ['queryMsgById', '-n', ns, '-i', sent[1]!.offsetMsgId, '-g', GROUP, '-d', 'nobody@0']);
});

test('every message command prints its usage on -h and help <command>; wrong flags are one line, exit 2', async () => {
  const commands = ['queryMsgById', 'queryMsgByUniqueKey', 'queryMsgByKey', 'queryMsgByOffset', 'printMsg', 'printMsgByQueue', 'sendMessage', 'consumeMessage', 'queryCq', 'checkMsgSendRT'];
  for (const name of commands) {
    const r = await mqadmin([name, '-h']);
    assert.equal(r.code, 0, name);
    assert.match(r.stdout, new RegExp(`^usage: mqadmin ${name} [\\s\\S]*\\[-h\\][\\s\\S]*\\[-n <arg>\\]`), name);
    assert.match(r.stdout, /\n -h,--help {2,}Print help\n/, name);
    assert.equal((await mqadmin(['help', name])).stdout, r.stdout);
  }
  assert.match((await mqadmin(['queryMsgByOffset', '-h'])).stdout, /^usage: mqadmin queryMsgByOffset -b <arg> \[-h\] -i <arg> \[-n <arg>\] -o <arg> -t <arg>\n/);
  assert.equal((await fails(/^mqadmin: printMsg: Unknown option '-z'/, ['printMsg', '-n', ns, '-t', TOPIC, '-z'])).code, 2);
  assert.equal((await fails(/^mqadmin: queryMsgByKey: Option '-k, --msgKey <value>' argument missing/, ['queryMsgByKey', '-n', ns, '-t', TOPIC, '-k'])).code, 2);
  await fails(/^mqadmin: (queryMsgByKey: )?missing (required )?option -k \((--)?msgKey\)/, ['queryMsgByKey', '-n', ns, '-t', TOPIC]);
  await fails(/^mqadmin: -i \(queueId\) must be a whole number >= 0, got 'x'$/, ['queryMsgByOffset', '-n', ns, '-t', TOPIC, '-b', 'broker-a', '-i', 'x', '-o', '0']);
});

test('queryMsgById -s true sends the message again (QueryMsgByIdSubCommand.sendMsg): its key then finds two', async () => {
  const out = linesOf(await run('queryMsgById', '-i', sent[5]!.offsetMsgId, '-s', 'true'));
  assert.equal(out[0], `prepare resend msg. originalMsgId=${sent[5]!.offsetMsgId}`);
  assert.match(out[1]!, new RegExp(`^SendResult \\[sendStatus=SEND_OK, msgId=[0-9A-F]{32}, offsetMsgId=[0-9A-F]{32}, messageQueue=MessageQueue \\[topic=${TOPIC}, brokerName=broker-a, queueId=\\d\\], queueOffset=\\d+\\]$`));
  const rows = linesOf(await run('queryMsgByKey', '-t', TOPIC, '-k', 'key-5')).slice(1);
  assert.equal(rows.length, 2);
  assert.equal(await run('queryMsgById', '-i', sent[5]!.offsetMsgId, '-s', 'false'), '', '-s false does nothing, as in Apache');
});
