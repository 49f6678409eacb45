/**
 * The compatibility contract (docs/compatibility.md) checked against the bytes real Java 3.5.8 and 4.3.2
 * peers recorded (test/fixtures) and against the code. Each `<!-- contract:NAME -->` table of the
 * document is parsed here; if a row and the recorded frames, stores, HA streams or the running servers
 * disagree, a test names the row and what the bytes or the code say instead.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fixturesDir, projectRoot, readFrames, WIRE_FILES, type FixtureFrame } from '../helpers/fixtures.js';
import { startCluster } from '../helpers/cluster.js';
import { recordedResponse, replay } from '../helpers/replay.js';
import { parseFastJson } from '../../src/codec/fastjson.js';
import { command } from '../../src/codec/command.js';
import { BLANK_MAGIC, MESSAGE_MAGIC, decodeRecords } from '../../src/codec/message-record.js';
import { decodeBatchBody } from '../../src/codec/batch-body.js';
import { javaHashCode } from '../../src/codec/hashes.js';
import { RequestCode, requestCodeName } from '../../src/protocol/request-code.js';
import { ResponseCode } from '../../src/protocol/response-code.js';
import { BROKER_REGISTER_VERSION, SERVER_VERSION, versionName } from '../../src/protocol/version.js';
import * as brokerHeaders from '../../src/protocol/broker-headers.js';
import * as namesrvHeaders from '../../src/protocol/namesrv-headers.js';
import type { HeaderSchema } from '../../src/protocol/header.js';
import { RemotingClient } from '../../src/transport/client.js';
import { BrokerConfigSpec, brokerDefaults } from '../../src/broker/config.js';
import { StoreConfigSpec } from '../../src/store/index.js';
import { NamesrvConfigSpec } from '../../src/namesrv/config.js';
import { IGNORED_APACHE_KEYS } from '../../src/common/apache-keys.js';
import { formatConsumerOffsets } from '../../src/broker/metadata/config-files.js';

// ---------------------------------------------------------------------------------------------
// The document

type Row = Record<string, string>;

const DOC_PATH = join(projectRoot(), 'docs', 'compatibility.md');
const DOC = readFileSync(DOC_PATH, 'utf8');

/** The rows of the table right after `<!-- contract:name -->`, keyed by the header cells. */
function table(name: string): Row[] {
  const marker = `<!-- contract:${name} -->`;
  const at = DOC.indexOf(marker);
  assert.ok(at >= 0, `docs/compatibility.md has no ${marker} table`);
  const lines = DOC.slice(at + marker.length).split('\n').map((l) => l.trim());
  let i = 0;
  while (i < lines.length && lines[i] === '') i++;
  const rows: string[][] = [];
  for (; i < lines.length && lines[i]!.startsWith('|'); i++) rows.push(splitRow(lines[i]!));
  assert.ok(rows.length >= 3, `${marker}: expected a header, a separator and rows`);
  const header = rows[0]!;
  return rows.slice(2).map((cells, n) => {
    assert.equal(cells.length, header.length, `${marker} row ${n + 1} has ${cells.length} cells, the header ${header.length}`);
    return Object.fromEntries(header.map((h, k) => [h, cells[k]!]));
  });
}

function splitRow(line: string): string[] {
  return line.replace(/^\|/, '').replace(/\|$/, '').split('|').map((c) => c.trim());
}

/** The backticked names of a cell (`—` or plain prose yields none). */
function names(cell: string): string[] {
  return [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
}

/** The leading integer of a cell such as `310 SEND_MESSAGE_V2`. */
function leadingInt(cell: string): number {
  const m = /^-?\d+/.exec(cell);
  assert.ok(m, `expected a number at the start of "${cell}"`);
  return Number(m[0]);
}

function yesNo(cell: string): boolean {
  if (/^yes\b/.test(cell)) return true;
  if (/^no\b/.test(cell)) return false;
  assert.fail(`expected yes or no, got "${cell}"`);
}

const sorted = (xs: Iterable<string | number>): Array<string | number> => [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

// ---------------------------------------------------------------------------------------------
// The recordings

const frames: FixtureFrame[] = WIRE_FILES.flatMap((f) => readFrames(f));
const requests = frames.filter((f) => !f.isResponse);
const responses = frames.filter((f) => f.isResponse && f.requestCode !== undefined);

/** Who serves a recorded request: the NameServer, a broker, or (a broker → client request) the client. */
function sideOf(f: FixtureFrame): string {
  if (f.dir === 's2c') return 'client';
  if (f.peer.startsWith('namesrv')) return 'namesrv';
  if (f.peer.startsWith('broker')) return 'broker';
  throw new Error(`unknown recorded peer ${f.peer}`);
}

function groupBy<T, K>(xs: readonly T[], key: (x: T) => K): Map<K, T[]> {
  const m = new Map<K, T[]>();
  for (const x of xs) {
    const k = key(x);
    const list = m.get(k);
    if (list) list.push(x);
    else m.set(k, [x]);
  }
  return m;
}

const fieldsOf = (f: FixtureFrame): string[] => Object.keys(f.extFields ?? {});

// ---------------------------------------------------------------------------------------------
// §2, §3: versions and frame headers

test('§2 versions: the recorded Java peers send the versions the contract names, and Apogee sends its stated ones', () => {
  const rows = table('versions');
  for (const row of rows) assert.equal(versionName(Number(row['sends version'])), row['name'], `version ${row['sends version']} is ${versionName(Number(row['sends version']))}`);
  const stated = (who: RegExp): number => Number(rows.find((r) => who.test(r['who']!))!['sends version']);
  const v432 = new Set(WIRE_FILES.filter((f) => f.startsWith('rocketmq-4.3.2')).flatMap((f) => readFrames(f).map((x) => x.version)));
  assert.deepEqual([...v432], [stated(/Java 4\.3\.2/)], 'every frame between 4.3.2 peers');
  // The 3.5.8 recording has 3.5.8 peers and a 4.3.2 broker/NameServer: each frame is one of the two.
  const v358 = new Set(readFrames('rocketmq-3.5.8/wire/broker-register.jsonl').map((x) => x.version));
  assert.deepEqual(sorted(v358), sorted([stated(/Java 3\.5\.8/), stated(/Java 4\.3\.2/)]));
  assert.equal(BROKER_REGISTER_VERSION, stated(/Apogee broker/));
  assert.equal(brokerDefaults().registerVersion, stated(/Apogee broker/), 'registerVersion default');
  assert.equal(SERVER_VERSION, stated(/Apogee NameServer and broker responses/));
});

test('§3 header keys: every recorded JSON header uses only the listed keys and always the required ones', () => {
  const rows = table('header-keys');
  const known = new Set(rows.flatMap((r) => names(r['key']!)));
  const required = rows.filter((r) => yesNo(r['required']!)).flatMap((r) => names(r['key']!));
  for (const f of frames) {
    assert.equal(f.serializeType, 0, 'every recorded frame has a JSON header');
    const keys = Object.keys(JSON.parse(f.headerJson) as object);
    for (const k of keys) assert.ok(known.has(k), `${f.conn} #${f.seq}: header key ${k} is not in §3`);
    for (const k of required) assert.ok(keys.includes(k), `${f.conn} #${f.seq}: required header key ${k} missing`);
  }
});

// ---------------------------------------------------------------------------------------------
// §4, §5, §6: request codes, response fields, bodies against the recorded frames

const codeRows = table('request-codes');
const codeRow = new Map(codeRows.map((r) => [Number(r['code']), r]));

test('§4 request codes: names are the protocol table\'s and no code is listed twice', () => {
  assert.equal(codeRow.size, codeRows.length, 'a code appears twice');
  for (const [code, row] of codeRow) assert.equal(row['name'], requestCodeName(code), `code ${code}`);
  for (const row of codeRows) assert.match(row['served by']!, /^(namesrv|broker|client)$/, `code ${row['code']}: served by`);
});

test('§4 request codes: every recorded Java request is listed with the side that serves it, its fields, body and versions', () => {
  const byCode = groupBy(requests, (f) => f.code);
  for (const [code, recorded] of byCode) {
    const row = codeRow.get(code);
    assert.ok(row, `recorded request code ${code} (${requestCodeName(code)}) is not in §4`);
    const what = `§4 ${code} ${row['name']}`;
    assert.deepEqual(sorted(recorded.map(sideOf)), [row['served by']], `${what}: served by`);
    const required = names(row['required fields'] ?? '');
    const optional = names(row['optional fields'] ?? '');
    const always = fieldsOf(recorded[0]!).filter((k) => recorded.every((f) => fieldsOf(f).includes(k)));
    assert.deepEqual(sorted(required), sorted(always), `${what}: required fields = the fields every recorded request carries`);
    for (const f of recorded) {
      for (const k of fieldsOf(f)) assert.ok(required.includes(k) || optional.includes(k), `${what}: recorded field ${k} (${f.conn} #${f.seq}) is not listed`);
    }
    assert.deepEqual(sorted(recorded.map((f) => (f.bodyHex ? 'yes' : 'no'))), [row['body']], `${what}: body`);
    assert.deepEqual(sorted(recorded.map((f) => f.version)).join(', '), row['recorded versions'], `${what}: recorded versions`);
  }
  for (const row of codeRows) {
    if (!byCode.has(Number(row['code']))) assert.equal(row['recorded versions'], '—', `§4 ${row['code']}: not in the recordings, so recorded versions must be —`);
  }
});

test('§4 request codes: every field an Apogee header schema requires is a field Java always sends', () => {
  const schemas = { ...brokerHeaders, ...namesrvHeaders } as unknown as Record<string, HeaderSchema>;
  for (const row of codeRows) {
    const [name] = names(row['Apogee schema']!);
    if (name === undefined) continue;
    const schema = schemas[name];
    assert.ok(schema, `§4 ${row['code']}: no header schema ${name} in src/protocol`);
    const required = names(row['required fields']!);
    const listed = new Set([...required, ...names(row['optional fields']!)]);
    for (const [field, spec] of Object.entries(schema)) {
      if (spec.required) assert.ok(required.includes(field), `§4 ${row['code']} ${row['name']}: ${name} requires ${field}, which Java does not always send`);
      else assert.ok(listed.has(field), `§4 ${row['code']} ${row['name']}: ${name} reads ${field}, not listed`);
    }
  }
});

test('§5 response fields: every recorded Java response is listed with exactly the fields and body it had', () => {
  const rows = table('response-fields');
  const byKey = new Map(rows.map((r) => [`${leadingInt(r['request code']!)}/${leadingInt(r['response code']!)}`, r]));
  const recorded = groupBy(responses, (f) => `${f.requestCode}/${f.code}`);
  for (const [key, list] of recorded) {
    const row = byKey.get(key);
    assert.ok(row, `recorded response ${key} (request ${requestCodeName(list[0]!.requestCode!)}) is not in §5`);
    const fields = names(row['fields']!);
    const seen = new Set(list.flatMap(fieldsOf));
    assert.deepEqual(sorted(seen), sorted(fields), `§5 ${key}: fields`);
    assert.deepEqual(sorted(list.map((f) => (f.bodyHex ? 'yes' : 'no'))), [row['body']], `§5 ${key}: body`);
  }
  for (const key of byKey.keys()) assert.ok(recorded.has(key), `§5 lists ${key}, which the recordings do not have`);
});

test('§6 bodies: every recorded body has the listed shape; JSON bodies have exactly the listed top-level keys', () => {
  const rows = table('bodies');
  const withBody = frames.filter((f) => f.bodyHex && (!f.isResponse || f.requestCode !== undefined));
  const byKey = groupBy(withBody, (f) => (f.isResponse ? `response ${f.requestCode}` : `request ${f.code}`));
  const rowByKey = new Map(rows.map((r) => [/^(request|response) \d+/.exec(r['carried by']!)![0], r]));
  for (const [key, list] of byKey) {
    const row = rowByKey.get(key);
    assert.ok(row, `recorded ${key} body is not in §6`);
    if (row['encoding']!.startsWith('JSON')) {
      const keys = new Set<string>();
      for (const f of list) {
        const parsed = parseFastJson(Buffer.from(f.bodyHex!, 'hex'));
        assert.ok(parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed), `${key}: a JSON object`);
        for (const k of Object.keys(parsed as object)) keys.add(k);
      }
      assert.deepEqual(sorted(keys), sorted(names(row['keys']!)), `§6 ${key}: top-level keys`);
    } else if (row['encoding']!.startsWith('batch entries')) {
      for (const f of list) assert.ok(decodeBatchBody(Buffer.from(f.bodyHex!, 'hex')).length > 0, `${key}: batch entries`);
    } else if (/stored message record/.test(row['encoding']!)) {
      for (const f of list) {
        const body = Buffer.from(f.bodyHex!, 'hex');
        const records = decodeRecords(body);
        assert.ok(records.length > 0, `${key}: records`);
        assert.equal(body.readInt32BE(4), MESSAGE_MAGIC, `${key}: record magic`);
      }
    }
  }
  for (const key of rowByKey.keys()) assert.ok(byKey.has(key), `§6 lists ${key}, which the recordings do not have`);
});

test('§5–§7 what Apogee emits: recorded Java requests replayed against Apogee get the §5 fields and §6 body keys, extras only from §7', async () => {
  const extras = new Set(table('extras').flatMap((r) => names(r['extra']!)));
  const responseRows = new Map(table('response-fields').map((r) => [`${leadingInt(r['request code']!)}/${leadingInt(r['response code']!)}`, r]));
  const bodyRows = new Map(table('bodies').map((r) => [/^(request|response) \d+/.exec(r['carried by']!)![0], r]));
  const problems: string[] = [];
  const compared = new Set<string>();
  const check = (request: FixtureFrame, java: FixtureFrame, ours: { code: number; extFields?: Record<string, string> | null; body?: Buffer | null }): void => {
    const key = `${request.code}/${java.code}`;
    const what = `${request.conn}#${request.seq} ${key}`;
    if (ours.code !== java.code) return; // state-dependent answers (races, slave sync) are the replay tests' business
    const row = responseRows.get(key);
    if (!row) return void problems.push(`${what}: not in §5`);
    const mine = Object.keys(ours.extFields ?? {});
    for (const f of fieldsOf(java)) if (!mine.includes(f)) problems.push(`${what}: Apogee omits ${f}, which Java sent`);
    for (const f of mine) if (!names(row['fields']!).includes(f) && !extras.has(f)) problems.push(`${what}: Apogee emits ${f}, neither in §5 nor a §7 extra`);
    const bodyRow = bodyRows.get(`response ${request.code}`);
    if (bodyRow && bodyRow['encoding']!.startsWith('JSON') && ours.body && ours.body.length > 0) {
      const keys = Object.keys(parseFastJson(ours.body) as object);
      const allowed = new Set([...names(bodyRow['keys']!), ...extras]);
      for (const k of keys) if (!allowed.has(k)) problems.push(`${what}: Apogee's body has key ${k}, neither in §6 nor a §7 extra`);
    }
    compared.add(key);
  };

  // Both recordings: 4.3.2 traffic, and 3.5.8 brokers registering (their frames to either NameServer).
  const namesrvFrames = frames.filter((f) => f.peer.startsWith('namesrv'));
  const cluster = await startCluster(
    { autoCreateTopicEnable: false, brokerIP1: '127.0.0.2', longPollingMaxMs: 1500, pullCheckIntervalMs: 50 },
    { messageDelayLevel: '100ms 500ms 1s 3s 6s 12s 18s 24s 30s 36s 42s 48s 54s 60s 120s 180s 360s 720s' },
  );
  try {
    const ns = await replay(cluster.namesrvAddr, namesrvFrames, 5000);
    try {
      for (const request of namesrvFrames.filter((f) => f.dir === 'c2s' && !f.isResponse && !f.oneway)) {
        const java = recordedResponse(namesrvFrames, request);
        const ours = ns.responses.get(`${request.conn}/${request.opaque}`);
        if (java && ours) check(request, java, ours);
      }
    } finally {
      await ns.close();
    }
    // The broker advertises 127.0.0.2 as the recorded one did, and listens on loopback.
    const main = `127.0.0.1:${cluster.broker.config.listenPort}`;
    const vip = `127.0.0.1:${cluster.broker.config.listenPort - 2}`;
    // In recorded order (the topics are created first), each scenario on its own clock so the idle
    // minutes between the recording runs are not replayed.
    for (const scenario of ['route-and-cluster', 'produce', 'admin-queries']) {
      const brokerFrames = readFrames(`rocketmq-4.3.2/wire/${scenario}.jsonl`).filter((f) => f.peer === 'broker-master' || f.peer === 'broker-master-vip');
      const run = await replay(main, brokerFrames, { pipelined: new Set([RequestCode.PULL_MESSAGE]), timeoutMs: 8000, timeScale: 0.1, addressOf: (peer) => (peer === 'broker-master-vip' ? vip : main) });
      try {
        for (const request of brokerFrames.filter((f) => f.dir === 'c2s' && !f.isResponse && !f.oneway)) {
          const java = recordedResponse(brokerFrames, request);
          const ours = run.responses.get(`${request.conn}/${request.opaque}`);
          if (java && ours) check(request, java, ours);
        }
      } finally {
        await run.close();
      }
    }
  } finally {
    await cluster.stop();
  }
  assert.deepEqual(problems, []);
  for (const key of ['103/0', '105/0', '105/17', '106/0', '206/0', '310/0', '310/17', '320/0', '17/0', '28/0', '208/0', '12/0', '33/0', '14/0']) {
    assert.ok(compared.has(key), `compared an Apogee answer for ${key}`);
  }
});

// ---------------------------------------------------------------------------------------------
// §9: stores

interface ManifestMessage {
  topic: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  storeSize: number;
  tags?: string;
  [field: string]: unknown;
}

interface StoreUnderTest {
  label: string;
  version: '4.3.2' | '3.5.8';
  root: string;
  crashed: boolean;
  configDirs: string[];
  messages: ManifestMessage[];
  blankRecords: Array<{ commitLogOffset: number; totalSize: number }>;
  commitLogFileSize: number;
  cqFileSize: number;
  maxHashSlotNum: number;
  maxIndexNum: number;
}

function loadStore(label: string, version: '4.3.2' | '3.5.8', dir: string, crashed: boolean): StoreUnderTest {
  const root = join(fixturesDir(), dir);
  const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  const config = manifest.brokerConfig as Record<string, string>;
  const messages = (crashed ? manifest.messagesAfterCleanState : manifest.messages) as ManifestMessage[];
  const commitLog = manifest.commitLog as { blankRecords: StoreUnderTest['blankRecords'] } | undefined;
  const configDirs = [join(root, 'config')];
  if (version === '3.5.8') configDirs.push(join(fixturesDir(), 'rocketmq-3.5.8', 'user-home', 'store', 'config'));
  return {
    label,
    version,
    root,
    crashed,
    configDirs,
    messages,
    blankRecords: commitLog?.blankRecords ?? [],
    commitLogFileSize: Number(config.mapedFileSizeCommitLog),
    cqFileSize: Number(config.mapedFileSizeConsumeQueue),
    maxHashSlotNum: Number(config.maxHashSlotNum),
    maxIndexNum: Number(config.maxIndexNum),
  };
}

const stores: StoreUnderTest[] = [
  loadStore('4.3.2 store-clean', '4.3.2', 'rocketmq-4.3.2/store-clean', false),
  loadStore('4.3.2 store-crashed', '4.3.2', 'rocketmq-4.3.2/store-crashed', true),
  loadStore('3.5.8 store-clean', '3.5.8', 'rocketmq-3.5.8/store-clean', false),
];

/** Files under `dir`, relative, `/`-separated. */
function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else out.push(relative(dir, p).split('\\').join('/'));
    }
  };
  walk(dir);
  return out;
}

function pathPattern(path: string): RegExp {
  const escaped = path.replace(/[.*+?^${}()[\]\\]/g, '\\$&');
  const withDigits = escaped.replace(/<20-digit [^>]*>/g, '\\d{20}').replace(/<yyyyMMddHHmmssSSS>/g, '\\d{17}').replace(/<queueId>/g, '\\d+');
  return new RegExp(`^${withDigits.replace(/<[^>]+>/g, '[^/]+')}$`);
}

/** The (field, offset, size) of a layout table; a size naming an earlier field is that field's value. */
interface LayoutField {
  field: string;
  size: number | string;
  manifest?: string;
}

function layout(name: string): LayoutField[] {
  return table(name).map((r) => {
    const bytes = r['bytes']!;
    const manifest = r['manifest'] !== undefined ? names(r['manifest'])[0] : undefined;
    return { field: r['field']!.split(' ')[0]!, size: /^\d+$/.test(bytes) ? Number(bytes) : bytes, manifest };
  });
}

function fixedOffsets(fields: LayoutField[]): Map<string, { offset: number; size: number }> {
  const m = new Map<string, { offset: number; size: number }>();
  let at = 0;
  for (const f of fields) {
    assert.equal(typeof f.size, 'number', `${f.field}: a fixed-size layout`);
    m.set(f.field, { offset: at, size: f.size as number });
    at += f.size as number;
  }
  return m;
}

function readNumber(buf: Buffer, pos: number, size: number): number {
  if (size === 8) return Number(buf.readBigInt64BE(pos));
  if (size === 4) return buf.readInt32BE(pos);
  if (size === 2) return buf.readUInt16BE(pos);
  if (size === 1) return buf.readUInt8(pos);
  throw new Error(`no number of ${size} bytes`);
}

function readSegment(dir: string, offset: number, fileSize: number, cache: Map<string, Buffer>): { buf: Buffer; pos: number } {
  const start = offset - (offset % fileSize);
  const path = join(dir, String(start).padStart(20, '0'));
  let buf = cache.get(path);
  if (!buf) {
    buf = readFileSync(path);
    cache.set(path, buf);
  }
  return { buf, pos: offset - start };
}

test('§9.1 store files: each listed file exists in the Java stores as stated, and every file Java wrote is listed', () => {
  const rows = table('store-files');
  for (const store of stores) {
    const column = store.version;
    const files = filesUnder(store.root).filter((f) => f !== 'manifest.json' && f !== 'producer-results.jsonl' && !f.endsWith('.bak'));
    for (const row of rows) {
      const [path] = names(row['path']!);
      const pattern = pathPattern(path!);
      const stated = row[column]!;
      const expected = stated.startsWith('yes') || (stated === 'crashed only' && store.crashed);
      const present = files.some((f) => pattern.test(f));
      assert.equal(present, expected, `${store.label}: ${path} is ${present ? '' : 'not '}there, §9.1 says "${stated}"`);
    }
    for (const f of files) assert.ok(rows.some((r) => pathPattern(names(r['path']!)[0]!).test(f)), `${store.label}: ${f} is not in §9.1`);
  }
  // 3.5.8's topic and group tables live under the user's home, as §9.1 says.
  for (const name of ['topics.json', 'subscriptionGroup.json']) assert.ok(existsSync(join(stores[2]!.configDirs[1]!, name)), `3.5.8 user-home ${name}`);
});

test('§9.2 commit-log records: every manifest message is at its offset with the listed layout and values; blank records', () => {
  const fields = layout('record-layout');
  for (const store of stores) {
    const cache = new Map<string, Buffer>();
    const dir = join(store.root, 'commitlog');
    for (const msg of store.messages) {
      const { buf, pos } = readSegment(dir, msg.commitLogOffset, store.commitLogFileSize, cache);
      const values = new Map<string, number>();
      let at = pos;
      for (const f of fields) {
        const size = typeof f.size === 'number' ? f.size : values.get(f.size);
        assert.ok(size !== undefined, `§9.2 ${f.field}: size ${f.size} names no earlier field`);
        const where = `${store.label} message at ${msg.commitLogOffset}, field ${f.field}`;
        if (typeof f.size === 'number' && f.field !== 'bornHost' && f.field !== 'storeHost') values.set(f.field, readNumber(buf, at, size));
        if (f.field === 'magic') assert.equal(values.get('magic'), MESSAGE_MAGIC, where);
        if (f.manifest !== undefined) {
          const expected = msg[f.manifest];
          let actual: unknown;
          if (f.field === 'bornHost' || f.field === 'storeHost') actual = `${[...buf.subarray(at, at + 4)].join('.')}:${buf.readInt32BE(at + 4)}`;
          else if (f.field === 'topic') actual = buf.toString('utf8', at, at + size);
          else actual = values.get(f.field);
          if (f.field === 'bodyCRC') actual = (actual as number) >>> 0 === expected ? expected : actual;
          assert.equal(actual, expected, where);
        }
        at += size;
      }
      assert.equal(at - pos, msg.storeSize, `${store.label} message at ${msg.commitLogOffset}: the listed fields add up to totalSize`);
    }
    for (const blank of store.blankRecords) {
      const { buf, pos } = readSegment(dir, blank.commitLogOffset, store.commitLogFileSize, cache);
      assert.equal(buf.readInt32BE(pos), blank.totalSize, `${store.label} blank at ${blank.commitLogOffset}`);
      assert.equal(buf.readInt32BE(pos + 4), BLANK_MAGIC, `${store.label} blank magic at ${blank.commitLogOffset}`);
    }
  }
});

test('§9.3 consume queues: every manifest message has its entry at queueOffset × entry size, with offset, size and tags hash', () => {
  const entry = fixedOffsets(layout('consume-queue-entry'));
  const unit = [...entry.values()].reduce((n, f) => n + f.size, 0);
  for (const store of stores.filter((s) => !s.crashed)) {
    const cache = new Map<string, Buffer>();
    for (const msg of store.messages) {
      const dir = join(store.root, 'consumequeue', msg.topic, String(msg.queueId));
      const { buf, pos } = readSegment(dir, msg.queueOffset * unit, store.cqFileSize, cache);
      const get = (name: string): number => readNumber(buf, pos + entry.get(name)!.offset, entry.get(name)!.size);
      const where = `${store.label} ${msg.topic}/${msg.queueId}@${msg.queueOffset}`;
      assert.equal(get('commitLogOffset'), msg.commitLogOffset, where);
      assert.equal(get('size'), msg.storeSize, where);
      if (msg.topic !== 'SCHEDULE_TOPIC_XXXX') assert.equal(get('tagsCode'), msg.tags ? javaHashCode(msg.tags) : 0, `${where} tagsCode`);
    }
  }
});

test('§9.4 index files: size from the header and entry layouts; header and entries point at stored messages', () => {
  const header = fixedOffsets(layout('index-header'));
  const entry = fixedOffsets(layout('index-entry'));
  const headerSize = [...header.values()].reduce((n, f) => n + f.size, 0);
  const entrySize = [...entry.values()].reduce((n, f) => n + f.size, 0);
  for (const store of stores.filter((s) => !s.crashed)) {
    const offsets = new Set(store.messages.map((m) => m.commitLogOffset));
    const dir = join(store.root, 'index');
    for (const name of readdirSync(dir)) {
      const buf = readFileSync(join(dir, name));
      const where = `${store.label} index/${name}`;
      assert.equal(buf.length, headerSize + store.maxHashSlotNum * 4 + store.maxIndexNum * entrySize, `${where}: size`);
      const h = (field: string): number => readNumber(buf, header.get(field)!.offset, header.get(field)!.size);
      assert.ok(offsets.has(h('beginPhyOffset')) && offsets.has(h('endPhyOffset')), `${where}: begin/end offsets are messages`);
      assert.ok(h('beginTimestamp') <= h('endTimestamp') && h('beginPhyOffset') <= h('endPhyOffset'), `${where}: begin ≤ end`);
      const count = h('indexCount');
      assert.ok(count > 1 && count <= store.maxIndexNum, `${where}: indexCount ${count}`);
      // Java counts every put here, not the slots in use (§9.4).
      assert.equal(h('hashSlotCount'), count - 1, `${where}: hashSlotCount`);
      const entriesAt = headerSize + store.maxHashSlotNum * 4;
      for (let i = 1; i < count; i++) {
        const at = entriesAt + i * entrySize;
        const phy = readNumber(buf, at + entry.get('commitLogOffset')!.offset, 8);
        assert.ok(offsets.has(phy), `${where} entry ${i}: offset ${phy} is a message`);
        assert.ok(readNumber(buf, at + entry.get('timeDiff')!.offset, 4) >= 0, `${where} entry ${i}: timeDiff`);
        assert.ok(readNumber(buf, at + entry.get('prevIndex')!.offset, 4) < i, `${where} entry ${i}: prevIndex`);
      }
    }
  }
});

test('§9.5 checkpoint: 4096 bytes, the listed timestamps fall within the stored messages (index may be 0)', () => {
  const fields = fixedOffsets(layout('checkpoint'));
  for (const store of stores.filter((s) => !s.crashed)) {
    const buf = readFileSync(join(store.root, 'checkpoint'));
    assert.equal(buf.length, 4096, store.label);
    const times = store.messages.map((m) => m.storeTimestamp as number);
    const [min, max] = [Math.min(...times), Math.max(...times)];
    for (const [name, f] of fields) {
      const v = readNumber(buf, f.offset, f.size);
      const ok = (v >= min && v <= max) || (name === 'indexMsgTimestamp' && (v === 0 || (v >= min && v <= max)));
      assert.ok(ok, `${store.label}: ${name} ${v} outside the messages' store times ${min}..${max}`);
    }
    const used = [...fields.values()].reduce((n, f) => n + f.size, 0);
    assert.ok(buf.subarray(used).every((b) => b === 0), `${store.label}: zero after the listed fields`);
  }
});

test('§9.6 config JSON: each config file of the Java stores (and Apogee\'s own) has exactly the listed top-level keys', () => {
  const rows = table('config-json');
  const keysOf = (text: string): string[] => Object.keys(parseFastJson(text) as object);
  const checked = new Set<string>();
  for (const store of stores) {
    for (const dir of store.configDirs) {
      for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
        const row = rows.find((r) => names(r['file']!)[0] === file);
        assert.ok(row, `${store.label}: config file ${file} is not in §9.6`);
        assert.deepEqual(sorted(keysOf(readFileSync(join(dir, file), 'utf8'))), sorted(names(row['keys']!)), `${store.label} ${file}`);
        checked.add(file);
      }
    }
  }
  const held = rows.find((r) => names(r['file']!)[0] === 'consumerOffsetHeld.json');
  assert.ok(held, '§9.6 lists consumerOffsetHeld.json');
  assert.deepEqual(keysOf(formatConsumerOffsets(new Map())), names(held['keys']!), 'consumerOffsetHeld.json as Apogee writes it');
  checked.add('consumerOffsetHeld.json');
  for (const row of rows) assert.ok(checked.has(names(row['file']!)[0]!), `§9.6 lists ${row['file']}, found nowhere`);
});

// ---------------------------------------------------------------------------------------------
// §10: HA

interface HaChunk {
  conn: string;
  dir?: 'c2s' | 's2c';
  offsetInStream?: number;
  hex?: string;
  event?: string;
  totalBytes?: { c2s: number; s2c: number };
}

test('§10 HA: the recorded master↔slave streams split into the listed units, contiguous transfers, rising reports', () => {
  const rows = table('ha');
  const slave = rows.filter((r) => r['direction']!.startsWith('slave'));
  const master = rows.filter((r) => r['direction']!.startsWith('master'));
  assert.deepEqual(slave.map((r) => r['field']), ['maxOffset'], '§10 slave → master fields');
  assert.deepEqual(master.map((r) => r['field']), ['startOffset', 'size', 'data'], '§10 master → slave fields');
  assert.equal(master[2]!['bytes'], 'size', '§10: data is `size` bytes');
  const reportSize = Number(slave[0]!['bytes']);
  const [startSize, sizeSize] = [Number(master[0]!['bytes']), Number(master[1]!['bytes'])];
  const headerSize = startSize + sizeSize;
  for (const file of ['rocketmq-4.3.2/wire/ha.jsonl', 'rocketmq-4.3.2/wire/ha-bulk.jsonl']) {
    const lines = readFileSync(join(fixturesDir(), file), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as HaChunk);
    const close = lines.find((l) => l.event === 'close');
    const stream = (dir: 'c2s' | 's2c'): Buffer => {
      const chunks = lines.filter((l) => l.dir === dir && l.hex !== undefined).sort((a, b) => a.offsetInStream! - b.offsetInStream!);
      let expected = 0;
      for (const c of chunks) {
        assert.equal(c.offsetInStream, expected, `${file} ${dir}: recorded chunks are contiguous`);
        expected += c.hex!.length / 2;
      }
      return Buffer.concat(chunks.map((c) => Buffer.from(c.hex!, 'hex')));
    };
    const c2s = stream('c2s');
    const s2c = stream('s2c');
    const complete = (dir: 'c2s' | 's2c', buf: Buffer): boolean => close?.totalBytes?.[dir] === buf.length;
    if (complete('c2s', c2s)) assert.equal(c2s.length % reportSize, 0, `${file}: slave → master is whole reports`);
    let last = -1;
    for (let at = 0; at + reportSize <= c2s.length; at += reportSize) {
      const offset = readNumber(c2s, at, reportSize);
      assert.ok(offset >= last, `${file}: report ${offset} after ${last}`);
      last = offset;
    }
    let at = 0;
    let next: number | undefined;
    let transfers = 0;
    while (at + headerSize <= s2c.length) {
      const start = readNumber(s2c, at, startSize);
      const size = readNumber(s2c, at + startSize, sizeSize);
      assert.ok(size >= 0, `${file}: transfer size`);
      if (next !== undefined) assert.equal(start, next, `${file}: transfer at stream byte ${at} continues the previous one`);
      if (size > 0 && start === 0) assert.equal(s2c.readInt32BE(at + headerSize + 4), MESSAGE_MAGIC, `${file}: the data from offset 0 is commit-log records`);
      next = start + size;
      at += headerSize + size;
      transfers++;
    }
    assert.ok(transfers > 1, `${file}: transfers`);
    if (complete('s2c', s2c)) assert.equal(at, s2c.length, `${file}: master → slave is whole transfers`);
    else assert.ok(at >= s2c.length - 1024 * 1024, `${file}: only the capture's cut-off tail is left over`);
  }
});

// ---------------------------------------------------------------------------------------------
// §4 against the running servers, §11 against the property specs

test('§4 against the code: a real NameServer and broker serve exactly the listed codes; the unserved ones get REQUEST_CODE_NOT_SUPPORTED', async () => {
  const served = (side: string): number[] => codeRows.filter((r) => r['served by'] === side).map((r) => Number(r['code'])).sort((a, b) => a - b);
  const unserved = table('unserved-codes').map((r) => Number(r['code']));
  for (const r of table('unserved-codes')) assert.equal(r['name'], requestCodeName(Number(r['code'])));
  // Every code of the protocol table is accounted for: served, sent to clients, or not served.
  const accounted = new Set([...codeRow.keys(), ...unserved]);
  for (const code of new Set(Object.values(RequestCode))) assert.ok(accounted.has(code), `${code} ${requestCodeName(code)} is neither in §4 nor in the not-served table`);
  for (const code of unserved) assert.ok(!codeRow.has(code), `${code} is in both §4 tables`);

  const cluster = await startCluster();
  const client = new RemotingClient();
  try {
    const probe = async (addr: string): Promise<number[]> => {
      const handled: number[] = [];
      for (let code = 0; code < 1024; code++) {
        const answer = await client.invoke(addr, command({ code, version: 277 }), 5000);
        if (answer.code !== ResponseCode.REQUEST_CODE_NOT_SUPPORTED) handled.push(code);
      }
      return handled;
    };
    const [host, port] = cluster.brokerAddr.split(':');
    assert.deepEqual(await probe(cluster.namesrvAddr), served('namesrv'), 'the NameServer serves the §4 namesrv rows');
    assert.deepEqual(await probe(cluster.brokerAddr), served('broker'), 'the broker serves the §4 broker rows');
    const vip = `${host}:${Number(port) - 2}`;
    assert.deepEqual(await probe(vip), served('broker').filter((c) => c !== RequestCode.PULL_MESSAGE), 'the VIP port: the same but PULL_MESSAGE');
  } finally {
    await client.close();
    await cluster.stop();
  }
});

test('§11 properties: the listed keys are exactly the specs\' keys and the ignored Apache keys; Apogee-only keys are marked so', () => {
  const rows = table('properties');
  const specs: Record<string, Record<string, { doc?: string }>> = { BrokerConfigSpec, StoreConfigSpec, NamesrvConfigSpec } as unknown as Record<string, Record<string, { doc?: string }>>;
  for (const [name, spec] of Object.entries(specs)) {
    const mine = rows.filter((r) => r['spec'] === name);
    assert.ok(mine.length > 0, `§11 has no ${name} row`);
    const listed = mine.flatMap((r) => names(r['keys']!));
    assert.equal(listed.length, new Set(listed).size, `§11 ${name}: a key listed twice`);
    assert.deepEqual(sorted(listed), sorted(Object.keys(spec)), `§11 ${name}: keys`);
    const apogee = new Set(mine.filter((r) => r['origin'] === 'Apogee').flatMap((r) => names(r['keys']!)));
    for (const [key, field] of Object.entries(spec)) {
      if (/^Apogee\b|\(Apogee\b/.test(field.doc ?? '')) assert.ok(apogee.has(key), `§11 ${name}: ${key} is Apogee's own (its spec says so), not marked Apogee`);
    }
  }
  for (const group of IGNORED_APACHE_KEYS) {
    const row = rows.find((r) => r['spec']!.startsWith(`ignored ${group.source} `));
    assert.ok(row, `§11 has no row for the ignored ${group.source} keys`);
    assert.deepEqual(sorted(names(row['keys']!)), sorted(group.keys), `§11 ignored ${group.source}`);
    assert.equal(row['spec'], `ignored ${group.source} (${group.components.join(', ')})`, `§11 ignored ${group.source}: components`);
  }
  const known = new Set([...Object.keys(specs), ...IGNORED_APACHE_KEYS.map((g) => `ignored ${g.source} (${g.components.join(', ')})`)]);
  for (const row of rows) assert.ok(known.has(row['spec']!), `§11 row ${row['spec']} names no spec`);
});

test('the contract names only files of this repository', () => {
  assert.ok(!/\/work\/|shared\/reference/.test(DOC), 'docs/compatibility.md points outside the repository');
  assert.ok(statSync(DOC_PATH).size > 0);
});
