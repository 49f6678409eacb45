import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_MAX_DEPTH,
  JsonSyntaxError,
  canonicalKey,
  formatJavaDouble,
  javaDouble,
  parseFastJson,
  parseObjectKey,
  toFastJson,
} from '../../src/codec/fastjson.js';
import { CodecError } from '../../src/codec/errors.js';
import { RequestCode } from '../../src/protocol/request-code.js';
import { WIRE_FILES, frameBody, readFrames, type FixtureFrame } from '../helpers/fixtures.js';

type Rec = Record<string, unknown>;

// ---------------------------------------------------------------------------------------------
// Fixture bodies

/** Request codes whose request body is fastjson JSON. */
const JSON_REQUESTS = new Set<number>([
  RequestCode.REGISTER_BROKER,
  RequestCode.QUERY_DATA_VERSION,
  RequestCode.HEART_BEAT,
  RequestCode.LOCK_BATCH_MQ,
  RequestCode.UNLOCK_BATCH_MQ,
  RequestCode.RESET_CONSUMER_CLIENT_OFFSET,
]);
/** Request codes whose *response* body is fastjson JSON. */
const JSON_RESPONSES = new Set<number>([
  RequestCode.GET_ALL_TOPIC_CONFIG,
  RequestCode.GET_BROKER_RUNTIME_INFO,
  RequestCode.GET_CONSUMER_LIST_BY_GROUP,
  RequestCode.LOCK_BATCH_MQ,
  RequestCode.GET_ALL_CONSUMER_OFFSET,
  RequestCode.GET_ALL_DELAY_OFFSET,
  RequestCode.GET_ROUTEINFO_BY_TOPIC,
  RequestCode.GET_BROKER_CLUSTER_INFO,
  RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG,
  RequestCode.GET_TOPIC_STATS_INFO,
  RequestCode.GET_CONSUMER_CONNECTION_LIST,
  RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER,
  RequestCode.GET_CONSUME_STATS,
  RequestCode.INVOKE_BROKER_TO_RESET_OFFSET,
  RequestCode.QUERY_TOPIC_CONSUME_BY_WHO,
  RequestCode.QUERY_DATA_VERSION,
]);
/** Bodies that are not JSON: message bodies (send) and stored-message records (pull/query/view). */
const BINARY_REQUESTS = new Set<number>([RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_BATCH_MESSAGE]);
const BINARY_RESPONSES = new Set<number>([RequestCode.PULL_MESSAGE, RequestCode.QUERY_MESSAGE, RequestCode.VIEW_MESSAGE_BY_ID]);

interface JsonBody {
  file: string;
  frame: FixtureFrame;
  bytes: Buffer;
  text: string;
}

function loadJsonBodies(): JsonBody[] {
  const out: JsonBody[] = [];
  for (const file of WIRE_FILES) {
    for (const frame of readFrames(file)) {
      const bytes = frameBody(frame);
      if (bytes === undefined) continue;
      const where = `${file} ${frame.conn} seq ${frame.seq} code ${frame.code}`;
      if (frame.isResponse) {
        const rc = frame.requestCode ?? -1;
        if (JSON_RESPONSES.has(rc)) out.push({ file, frame, bytes, text: bytes.toString('utf8') });
        else assert.ok(BINARY_RESPONSES.has(rc), `unclassified response body to ${rc}: ${where}`);
      } else if (JSON_REQUESTS.has(frame.code)) {
        out.push({ file, frame, bytes, text: bytes.toString('utf8') });
      } else {
        assert.ok(BINARY_REQUESTS.has(frame.code), `unclassified request body: ${where}`);
      }
    }
  }
  return out;
}

const bodies = loadJsonBodies();

function bodiesOf(opts: { request?: number; responseTo?: number; file?: string; version?: number }): JsonBody[] {
  return bodies.filter(
    (b) =>
      (opts.request === undefined || (!b.frame.isResponse && b.frame.code === opts.request)) &&
      (opts.responseTo === undefined || (b.frame.isResponse && b.frame.requestCode === opts.responseTo)) &&
      (opts.file === undefined || b.file === opts.file) &&
      (opts.version === undefined || b.frame.version === opts.version),
  );
}

function one(opts: Parameters<typeof bodiesOf>[0], pick?: (b: JsonBody) => boolean): JsonBody {
  const found = bodiesOf(opts).filter(pick ?? (() => true));
  assert.ok(found.length > 0, `no fixture body for ${JSON.stringify(opts)}`);
  return found[0]!;
}

const asRec = (v: unknown): Rec => {
  assert.equal(typeof v, 'object');
  assert.ok(v !== null && !Array.isArray(v));
  return v as Rec;
};

const MQ_KEY = /^\{"brokerName":"[^"]+","queueId":\d+,"topic":"[^"]+"\}$/;

test('every JSON body in the fixtures parses, and standard-JSON bodies read exactly as JSON.parse reads them', () => {
  assert.ok(bodies.length >= 150, `expected many JSON bodies, found ${bodies.length}`);
  let standard = 0;
  let dialect = 0;
  for (const b of bodies) {
    const parsed = parseFastJson(b.text);
    asRec(parsed);
    // Byte input reads the same as text input.
    assert.deepEqual(parseFastJson(b.bytes), parsed);
    let std: unknown;
    try {
      std = JSON.parse(b.text);
    } catch {
      dialect++;
      assert.match(b.text, /[{,](-?\d|\{)/, `non-standard body without dialect keys: ${b.text.slice(0, 80)}`);
      continue;
    }
    standard++;
    assert.deepEqual(parsed, std);
  }
  // Route data, cluster info, offsets and MessageQueue-keyed tables are not standard JSON.
  assert.ok(dialect >= 30, `dialect bodies: ${dialect}`);
  assert.ok(standard >= 50, `standard bodies: ${standard}`);
});

test('route data (105): numeric brokerAddrs keys read as "0"/"1"; 3.5.8 namesrv omits cluster', () => {
  const route = asRec(parseFastJson(one({ responseTo: 105, file: 'rocketmq-4.3.2/wire/route-and-cluster.jsonl' }).text));
  const brokerData = asRec((route.brokerDatas as unknown[])[0]);
  assert.deepEqual(brokerData.brokerAddrs, { '0': '127.0.0.2:10911', '1': '127.0.0.2:11011' });
  assert.equal(brokerData.brokerName, 'broker-a');
  assert.equal(brokerData.cluster, 'DefaultCluster');
  const queueData = asRec((route.queueDatas as unknown[])[0]);
  assert.equal(queueData.topicSynFlag, 0);
  assert.equal(queueData.perm, 6);
  assert.deepEqual(route.filterServerTable, {});

  const old = asRec(parseFastJson(one({ responseTo: 105, file: 'rocketmq-3.5.8/wire/broker-register.jsonl', version: 137 }).text));
  const oldBroker = asRec((old.brokerDatas as unknown[])[0]);
  assert.deepEqual(oldBroker, { brokerAddrs: { '0': '127.0.0.1:10931' }, brokerName: 'broker-old' });
  assert.equal('cluster' in oldBroker, false);
});

test('cluster info (106): brokerAddrTable by broker name with numeric-keyed brokerAddrs', () => {
  const info = asRec(parseFastJson(one({ responseTo: 106, file: 'rocketmq-4.3.2/wire/route-and-cluster.jsonl' }).text));
  assert.deepEqual(info, {
    brokerAddrTable: {
      'broker-a': {
        brokerAddrs: { '0': '127.0.0.2:10911', '1': '127.0.0.2:11011' },
        brokerName: 'broker-a',
        cluster: 'DefaultCluster',
      },
    },
    clusterAddrTable: { DefaultCluster: ['broker-a'] },
  });
});

test('MessageQueue object keys (202, 208, 222, 220) become canonical strings that parse back', () => {
  const stats = asRec(asRec(parseFastJson(one({ responseTo: 202 }).text)).offsetTable);
  const keys = Object.keys(stats);
  assert.equal(keys.length, 4);
  for (const key of keys) {
    assert.match(key, MQ_KEY);
    const mq = asRec(parseObjectKey(key));
    assert.equal(mq.topic, 'WireTopic');
    assert.equal(mq.brokerName, 'broker-a');
    assert.deepEqual(stats[key], { lastUpdateTimestamp: 0, maxOffset: 0, minOffset: 0 });
  }
  assert.deepEqual(keys.map((k) => asRec(parseObjectKey(k)).queueId).sort(), [0, 1, 2, 3]);

  const consumeStats = asRec(parseFastJson(one({ responseTo: 208 }).text));
  assert.equal(consumeStats.consumeTps, 0);
  const retryKey = '{"brokerName":"broker-a","queueId":0,"topic":"%RETRY%WireConsumerGroup"}';
  assert.ok(retryKey in asRec(consumeStats.offsetTable), 'ConsumeStats includes the %RETRY% queue');
  for (const key of Object.keys(asRec(consumeStats.offsetTable))) assert.match(key, MQ_KEY);

  const reset = one({ responseTo: 222 });
  const pushed = one({ request: 220 });
  assert.deepEqual(reset.bytes, pushed.bytes, 'the broker sends consumers the body it answers mqadmin with');
  const offsets = asRec(asRec(parseFastJson(reset.text)).offsetTable);
  assert.equal(offsets['{"brokerName":"broker-a","queueId":1,"topic":"WireTopic"}'], 3);
});

test('integer-keyed maps (43, 45) and registration bodies (103) of both generations', () => {
  const consumerOffsets = asRec(parseFastJson(one({ responseTo: 43, file: 'rocketmq-4.3.2/wire/admin-queries.jsonl' }).text));
  assert.deepEqual(asRec(consumerOffsets.offsetTable)['WireTopic@WireConsumerGroup'], { '0': 2, '1': 4, '2': 2, '3': 2 });
  const delayOffsets = asRec(parseFastJson(one({ responseTo: 45, file: 'rocketmq-4.3.2/wire/consume.jsonl' }).text));
  assert.deepEqual(delayOffsets.offsetTable, { '2': 1, '3': 0 });

  const reg432 = asRec(parseFastJson(one({ request: 103, version: 277 }).text));
  const wrapper432 = asRec(reg432.topicConfigSerializeWrapper);
  assert.deepEqual(reg432.filterServerList, []);
  assert.equal(typeof asRec(wrapper432.dataVersion).timestamp, 'number');
  assert.deepEqual(asRec(asRec(wrapper432.topicConfigTable).SELF_TEST_TOPIC), {
    order: false, perm: 6, readQueueNums: 1, topicFilterType: 'SINGLE_TAG', topicName: 'SELF_TEST_TOPIC', topicSysFlag: 0, writeQueueNums: 1,
  });
  const reg358 = asRec(parseFastJson(one({ request: 103, version: 137 }).text));
  const dataVersion358 = asRec(asRec(reg358.topicConfigSerializeWrapper).dataVersion);
  assert.equal(typeof dataVersion358.timestatmp, 'number', '3.5.8 spells it timestatmp');
  assert.equal('timestamp' in dataVersion358, false);
});

test('heartbeat (34) and lock bodies (41): sets as arrays, codeSet holds Java hashCodes of the tags', () => {
  const hb = asRec(parseFastJson(one({ request: 34 }, (b) => b.text.includes('TagA')).text));
  assert.match(String(hb.clientID), /@/);
  const consumer = asRec((hb.consumerDataSet as unknown[])[0]);
  assert.equal(consumer.consumeType, 'CONSUME_PASSIVELY');
  assert.equal(consumer.messageModel, 'CLUSTERING');
  const sub = (consumer.subscriptionDataSet as Rec[]).find((s) => s.topic === 'WireTopic');
  assert.ok(sub);
  const javaHash = (s: string): number => [...s].reduce((h, ch) => (Math.imul(h, 31) + ch.charCodeAt(0)) | 0, 0);
  assert.deepEqual(sub.tagsSet, ['TagA', 'TagB']);
  assert.deepEqual(sub.codeSet, ['TagA', 'TagB'].map(javaHash));
  assert.equal(typeof sub.subVersion, 'number');

  const lock = asRec(parseFastJson(one({ request: 41 }).text));
  assert.deepEqual(lock.mqSet, [{ brokerName: 'broker-a', queueId: 1, topic: 'WireOrderTopic' }]);
});

// ---------------------------------------------------------------------------------------------
// Byte-exact writing

test('route data re-encoded from typed Maps is byte-identical to the 4.3.2 and 3.5.8 namesrv bodies', () => {
  const recorded = one({ responseTo: 105, file: 'rocketmq-4.3.2/wire/route-and-cluster.jsonl' }, (b) =>
    b.text.includes('"readQueueNums":4'),
  );
  const route = {
    brokerDatas: [
      {
        cluster: 'DefaultCluster',
        brokerName: 'broker-a',
        brokerAddrs: new Map<number, string>([
          [0, '127.0.0.2:10911'],
          [1, '127.0.0.2:11011'],
        ]),
      },
    ],
    queueDatas: [{ brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSynFlag: 0 }],
    filterServerTable: new Map<string, string[]>(),
    orderTopicConf: undefined,
  };
  assert.deepEqual(Buffer.from(toFastJson(route)), recorded.bytes);

  const recorded358 = one({ responseTo: 105, file: 'rocketmq-3.5.8/wire/broker-register.jsonl', version: 137 });
  const route358 = {
    brokerDatas: [{ brokerName: 'broker-old', brokerAddrs: new Map([[0, '127.0.0.1:10931']]) }],
    queueDatas: [{ brokerName: 'broker-old', readQueueNums: 8, writeQueueNums: 8, perm: 7, topicSynFlag: 0 }],
    filterServerTable: new Map(),
  };
  assert.deepEqual(Buffer.from(toFastJson(route358)), recorded358.bytes);

  // The same data in standard mode (what a 4.9.4+ namesrv sends) reads back identically.
  assert.equal(
    toFastJson(route, { standard: true }),
    '{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.2:10911","1":"127.0.0.2:11011"},"brokerName":"broker-a","cluster":"DefaultCluster"}],' +
      '"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSynFlag":0,"writeQueueNums":4}]}',
  );
  assert.deepEqual(parseFastJson(toFastJson(route, { standard: true })), parseFastJson(recorded.text));
});

test('cluster info re-encoded from typed Maps is byte-identical to the 4.3.2 and 3.5.8 namesrv bodies', () => {
  const recorded = one({ responseTo: 106, file: 'rocketmq-4.3.2/wire/route-and-cluster.jsonl' });
  const info = {
    brokerAddrTable: new Map([
      [
        'broker-a',
        {
          brokerName: 'broker-a',
          cluster: 'DefaultCluster',
          brokerAddrs: new Map<bigint, string>([
            [0n, '127.0.0.2:10911'],
            [1n, '127.0.0.2:11011'],
          ]),
        },
      ],
    ]),
    clusterAddrTable: new Map([['DefaultCluster', new Set(['broker-a'])]]),
  };
  assert.deepEqual(Buffer.from(toFastJson(info)), recorded.bytes);

  const recorded358 = one({ responseTo: 106, file: 'rocketmq-3.5.8/wire/broker-register.jsonl', version: 137 });
  const info358 = {
    brokerAddrTable: new Map([['broker-old', { brokerName: 'broker-old', brokerAddrs: new Map([[0, '127.0.0.1:10931']]) }]]),
    clusterAddrTable: new Map([['OldCluster', new Set(['broker-old'])]]),
  };
  assert.deepEqual(Buffer.from(toFastJson(info358)), recorded358.bytes);
});

test('ConsumeStats (208) and ResetOffsetBody (222) re-encoded with MessageQueue object keys are byte-identical', () => {
  const recorded = one({ responseTo: 208 });
  const table = asRec(asRec(parseFastJson(recorded.text)).offsetTable);
  const stats = {
    consumeTps: javaDouble(0),
    offsetTable: new Map(Object.entries(table).map(([key, value]) => [parseObjectKey(key), value])),
  };
  assert.deepEqual(Buffer.from(toFastJson(stats)), recorded.bytes);

  const reset = one({ responseTo: 222 });
  const mq = (queueId: number) => ({ topic: 'WireTopic', brokerName: 'broker-a', queueId });
  const body = { offsetTable: new Map([[mq(3), 1], [mq(0), 1], [mq(1), 3], [mq(2), 1]]) };
  assert.deepEqual(Buffer.from(toFastJson(body)), reset.bytes);
});

/**
 * Rebuilds a parsed body as the Java object graph fastjson wrote: each object becomes a Map in the
 * recorded key order (beans are recorded sorted, so a Map reproduces them), integer keys become
 * numbers, MessageQueue keys become objects, and the known double property becomes a JavaDouble.
 */
function asJavaGraph(value: unknown, key?: string): unknown {
  if (Array.isArray(value)) return value.map((v) => asJavaGraph(v));
  if (typeof value === 'number' && key === 'consumeTps') return javaDouble(value);
  if (typeof value !== 'object' || value === null) return value;
  const map = new Map<unknown, unknown>();
  for (const [k, v] of Object.entries(value as Rec)) {
    const javaKey = /^-?\d+$/.test(k) ? Number(k) : k.startsWith('{') ? parseObjectKey(k) : k;
    map.set(javaKey, asJavaGraph(v, k));
  }
  return map;
}

test('every JSON body of the fixtures survives parse → Java object graph → toFastJson byte for byte', () => {
  let checked = 0;
  for (const b of bodies) {
    const written = toFastJson(asJavaGraph(parseFastJson(b.text)));
    assert.equal(written, b.text, `${b.file} ${b.frame.conn} seq ${b.frame.seq}`);
    assert.deepEqual(Buffer.from(written), b.bytes);
    checked++;
  }
  assert.equal(checked, bodies.length);
});

// ---------------------------------------------------------------------------------------------
// Writer rules

test('writer: beans sorted with nulls omitted, Maps in insertion order with typed keys', () => {
  assert.equal(toFastJson({ b: 1, a: 'x', c: null, d: undefined, e: () => 1 }), '{"a":"x","b":1}');
  assert.equal(toFastJson(new Map<unknown, unknown>([['z', 1], ['a', null], ['m', 2]])), '{"z":1,"m":2}');
  assert.equal(toFastJson(new Map([[0, 'x'], [-1, 'y']])), '{0:"x",-1:"y"}');
  assert.equal(toFastJson(new Map([[9223372036854775807n, 'x']])), '{9223372036854775807:"x"}');
  const mq = { topic: 'T', queueId: 0, brokerName: 'b' };
  assert.equal(toFastJson(new Map([[mq, 5]])), '{{"brokerName":"b","queueId":0,"topic":"T"}:5}');
  assert.equal(toFastJson([1, null, undefined, 'a']), '[1,null,null,"a"]');
  assert.equal(toFastJson(new Set(['a', 'b'])), '["a","b"]');
  assert.equal(toFastJson(12345678901234567890n), '12345678901234567890');
  assert.equal(toFastJson(undefined), 'null');
  assert.equal(toFastJson({ when: new Date(1700000000000) }), '{"when":1700000000000}');
  assert.equal(toFastJson({ nan: NaN, inf: Infinity }), '{"inf":null,"nan":null}');
  assert.equal(toFastJson({ half: 0.5, tiny: 1e-7 }), '{"half":0.5,"tiny":1.0E-7}');
});

test('writer: standard mode quotes numeric keys and writes object keys as JSON strings', () => {
  assert.equal(toFastJson(new Map([[0, 'x'], [1, 'y']]), { standard: true }), '{"0":"x","1":"y"}');
  const mq = { topic: 'T', queueId: 0, brokerName: 'b' };
  const text = toFastJson({ offsetTable: new Map([[mq, 5]]) }, { standard: true });
  assert.equal(text, '{"offsetTable":{"{\\"brokerName\\":\\"b\\",\\"queueId\\":0,\\"topic\\":\\"T\\"}":5}}');
  assert.deepEqual(JSON.parse(text), parseFastJson(toFastJson({ offsetTable: new Map([[mq, 5]]) })));
  assert.equal(
    toFastJson(new Map([[10, 'b'], [2, 'a']]), { standard: true, sortMapKeys: true }),
    '{"2":"a","10":"b"}',
  );
  assert.equal(toFastJson({ s: 'é☃', big: 2n ** 60n }, { standard: true, browserCompatible: true }), '{"big":"1152921504606846976","s":"\\u00E9\\u2603"}');
});

test('writer: strings escaped as standard JSON with raw UTF-8 for non-ASCII', () => {
  const s = 'a"b\\c\n\u0001\u0002 é 中 😀 /';
  const text = toFastJson({ s });
  assert.equal(text, '{"s":"a\\"b\\\\c\\n\\u0001\\u0002 é 中 😀 /"}');
  assert.deepEqual(parseFastJson(Buffer.from(text, 'utf8')), { s });
});

test('javaDouble writes what Double.toString prints', () => {
  const cases: Array<[number, string]> = [
    [0, '0.0'], [-0, '-0.0'], [1, '1.0'], [1.5, '1.5'], [100, '100.0'], [0.001, '0.001'], [9999999, '9999999.0'],
    [1e7, '1.0E7'], [1.5e-4, '1.5E-4'], [123456789.5, '1.234567895E8'], [-2.5e-10, '-2.5E-10'], [1e21, '1.0E21'],
  ];
  for (const [n, expected] of cases) {
    assert.equal(formatJavaDouble(n), expected, String(n));
    assert.equal(toFastJson(javaDouble(n)), expected);
  }
  assert.equal(toFastJson({ consumeTps: javaDouble(0), other: 0 }), '{"consumeTps":0.0,"other":0}');
  assert.equal(toFastJson(javaDouble(NaN)), 'null');
});

test('writer refuses circular and over-deep values with a TypeError', () => {
  const a: unknown[] = [];
  a.push(a);
  assert.throws(() => toFastJson(a), TypeError);
  let deep: unknown = 1;
  for (let i = 0; i < DEFAULT_MAX_DEPTH + 1; i++) deep = [deep];
  assert.throws(() => toFastJson(deep), /nesting deeper than 512/);
});

// ---------------------------------------------------------------------------------------------
// Reader edge cases

test('reader: any JSON value as a key', () => {
  assert.deepEqual(parseFastJson('{0:"a",1:"b"}'), { '0': 'a', '1': 'b' });
  assert.deepEqual(parseFastJson('{ -1 : "neg" , 2.5:"x", 1e2:"y" }'), { '-1': 'neg', '2.5': 'x', '100': 'y' });
  assert.deepEqual(parseFastJson('{"0":"a"}'), parseFastJson('{0:"a"}'));
  assert.deepEqual(parseFastJson('{9223372036854775807:"x"}'), { '9223372036854775807': 'x' });
  const unsorted = '{{"topic":"T","queueId":0,"brokerName":"b"}:1}';
  assert.deepEqual(parseFastJson(unsorted), { '{"brokerName":"b","queueId":0,"topic":"T"}': 1 });
  assert.deepEqual(parseObjectKey('{"brokerName":"b","queueId":0,"topic":"T"}'), { brokerName: 'b', queueId: 0, topic: 'T' });
  assert.deepEqual(parseFastJson('{[1,2]:"arr",true:1,null:2}'), { '[1,2]': 'arr', true: 1, null: 2 });
  assert.equal(canonicalKey({ b: [1, { d: 1, c: 2 }], a: 'x' }), '{"a":"x","b":[1,{"c":2,"d":1}]}');
  assert.deepEqual(parseFastJson('{{"a":{"z":1,"y":2}}:0}'), { '{"a":{"y":2,"z":1}}': 0 });
});

test('reader: big integers become bigint, others stay numbers', () => {
  assert.equal(parseFastJson('9223372036854775807'), 9223372036854775807n);
  assert.equal(parseFastJson('-9223372036854775808'), -9223372036854775808n);
  assert.equal(parseFastJson('9007199254740991'), 9007199254740991);
  assert.equal(parseFastJson('-9007199254740991'), -9007199254740991);
  assert.equal(parseFastJson('9007199254740992'), 9007199254740992n);
  assert.equal(parseFastJson('1795627425113'), 1795627425113);
  assert.equal(parseFastJson('12345678901234567890.5'), 12345678901234567890.5);
  assert.equal(parseFastJson('1.5e300'), 1.5e300);
  assert.equal(parseFastJson('-0.0'), -0);
  assert.equal(parseFastJson('0.0'), 0);
  assert.deepEqual(parseFastJson('{"endTimestamp":9223372036854775807}'), { endTimestamp: 9223372036854775807n });
  assert.equal(toFastJson(parseFastJson('{"endTimestamp":9223372036854775807}')), '{"endTimestamp":9223372036854775807}');
});

test('reader: strings, escapes and unicode', () => {
  assert.equal(parseFastJson('"\\u00e9\\uD83D\\uDE00\\n\\t\\"\\\\\\/\\b\\f\\r"'), 'é😀\n\t"\\/\b\f\r');
  assert.equal(parseFastJson('"plain"'), 'plain');
  assert.equal(parseFastJson('""'), '');
  assert.equal(parseFastJson('"a\\u0001b\\u0002"'), 'a\u0001b\u0002');
  assert.equal(parseFastJson(Buffer.from('"中文 é"', 'utf8')), '中文 é');
  assert.deepEqual(parseFastJson('\uFEFF {"a" : [ true , false , null ] } \n'), { a: [true, false, null] });
  assert.equal(parseFastJson('"raw\ttab"'), 'raw\ttab', 'raw control characters are tolerated, as fastjson does');
});

test('reader: __proto__ keys do not touch prototypes', () => {
  const parsed = asRec(parseFastJson('{"__proto__":{"polluted":true},"a":1}'));
  assert.equal(Object.getPrototypeOf(parsed), Object.prototype);
  assert.deepEqual(Object.keys(parsed), ['__proto__', 'a']);
  assert.deepEqual(Object.getOwnPropertyDescriptor(parsed, '__proto__')?.value, { polluted: true });
  assert.equal(({} as Rec).polluted, undefined);
  assert.equal((parsed as { polluted?: unknown }).polluted, undefined);
});

test('reader: syntax errors carry the position', () => {
  const cases: Array<[string, number, RegExp]> = [
    ['{"a":1,}', 7, /expected an object key/],
    ['{"a" 1}', 5, /expected ':'/],
    ['{"a":1 "b":2}', 7, /expected ',' or '}'/],
    ['[1 2]', 3, /expected ',' or ']'/],
    ['[1,]', 3, /expected a value/],
    ['"abc', 0, /unterminated string/],
    ['"a\\x"', 2, /invalid escape/],
    ['"\\u12G4"', 1, /invalid \\u escape/],
    ['01', 1, /unexpected data after the JSON value/],
    ['-', 1, /expected a digit/],
    ['1.', 2, /expected a digit after the decimal point/],
    ['1e', 2, /expected a digit in the exponent/],
    ['tru', 0, /expected 'true'/],
    ['{} x', 3, /unexpected data/],
    ['', 0, /end of input/],
    ['{"a":', 5, /end of input/],
    ['{a:1}', 1, /unexpected 'a', expected an object key/],
  ];
  for (const [text, position, message] of cases) {
    assert.throws(
      () => parseFastJson(text),
      (err: unknown) => {
        assert.ok(err instanceof JsonSyntaxError, `${text}: ${String(err)}`);
        assert.ok(err instanceof CodecError);
        assert.equal(err.fatal, false);
        assert.equal(err.position, position, `${text}: ${err.message}`);
        assert.match(err.message, message);
        assert.match(err.message, new RegExp(`at position ${position}$`));
        return true;
      },
    );
  }
});

test('reader: nesting is capped instead of overflowing the stack', () => {
  const ok = '['.repeat(DEFAULT_MAX_DEPTH) + ']'.repeat(DEFAULT_MAX_DEPTH);
  assert.doesNotThrow(() => parseFastJson(ok));
  for (const hostile of ['['.repeat(1_000_000), '{"a":'.repeat(100_000), '{{'.repeat(100_000)]) {
    assert.throws(
      () => parseFastJson(hostile),
      (err: unknown) => err instanceof JsonSyntaxError && /nesting deeper than 512 levels/.test(err.message),
    );
  }
  assert.throws(() => parseFastJson('[[[1]]]', { maxDepth: 2 }), /nesting deeper than 2 levels at position 2/);
});

test('reader: a registration-sized body parses quickly', () => {
  const body = one({ request: 103, version: 277 }).text;
  const start = performance.now();
  for (let i = 0; i < 2000; i++) parseFastJson(body);
  const perParseMs = (performance.now() - start) / 2000;
  assert.ok(perParseMs < 1, `~1 KB body took ${perParseMs.toFixed(3)} ms per parse`);
});
