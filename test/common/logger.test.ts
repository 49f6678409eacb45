/**
 * The logger on real files: each format gives one line per event that a real parser reads back
 * (JSON.parse, the npm `logfmt` parser), per-component levels filter, the size-rotated file keeps
 * at most N rolled files and loses no line it keeps, and the apogeeLog* values are checked.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging, logger, type LogSettings } from '../../src/common/logger.js';
import { RotatingFile } from '../../src/common/log-file.js';
import { applyLogConfig, LogConfigSpec, parseByteSize, parseComponentLevels } from '../../src/common/log-config.js';
import { applyProperties, defaults } from '../../src/common/config.js';

const logfmt = createRequire(import.meta.url)('logfmt') as { parse(line: string): Record<string, string | boolean> };

const QUIET: LogSettings = { level: 'warn', levels: new Map(), format: 'text', stderr: true };

/** Runs fn with the process logging into a fresh file only; returns that file's lines. */
function logInto(settings: Omit<LogSettings, 'file' | 'stderr'>, fn: () => void): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-logger-'));
  const path = join(dir, 'node.log');
  try {
    configureLogging({ ...settings, stderr: false, file: { path, maxSize: 1024 * 1024, maxFiles: 2 } });
    fn();
    configureLogging(QUIET);
    return readFileSync(path, 'utf8').split('\n').slice(0, -1);
  } finally {
    configureLogging(QUIET);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Events with the awkward bits: quotes, `=`, spaces, a newline, fields, an Error. */
function someEvents(): void {
  logger('broker', 'broker-a').info('topic T1 created/updated: 8/8 queues, perm 6');
  logger('store').warn('a "quoted" path=/tmp/x has\ntwo lines', { offset: 42, file: 'commit log/0001' });
  logger('remoting', 'broker broker-a vip').error('request code 10 failed', new Error('boom'));
}

test('json: one object per line with time, level, component, name, msg and the fields', () => {
  const lines = logInto({ level: 'info', levels: new Map(), format: 'json' }, someEvents);
  assert.equal(lines.length, 3, lines.join('\n'));
  const [a, b, c] = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(Object.keys(a!), ['time', 'level', 'component', 'name', 'msg']);
  assert.equal(new Date(a!.time as string).toISOString(), a!.time);
  assert.deepEqual([a!.level, a!.component, a!.name, a!.msg], ['info', 'broker', 'broker-a', 'topic T1 created/updated: 8/8 queues, perm 6']);
  assert.deepEqual([b!.level, b!.component, b!.msg, b!.offset, b!.file], ['warn', 'store', 'a "quoted" path=/tmp/x has\ntwo lines', 42, 'commit log/0001']);
  assert.equal('name' in b!, false);
  assert.deepEqual([c!.level, c!.component, c!.name], ['error', 'remoting', 'broker broker-a vip']);
  assert.match(c!.err as string, /^Error: boom\n\s+at /);
});

test('logfmt: the npm logfmt parser reads every line back, quotes, = and newlines included', () => {
  const lines = logInto({ level: 'info', levels: new Map(), format: 'logfmt' }, someEvents);
  assert.equal(lines.length, 3, lines.join('\n'));
  const [a, b, c] = lines.map((l) => logfmt.parse(l));
  assert.deepEqual({ ...a, time: 'T' }, { time: 'T', level: 'info', component: 'broker', name: 'broker-a', msg: 'topic T1 created/updated: 8/8 queues, perm 6' });
  assert.equal(new Date(a!.time as string).toISOString(), a!.time);
  // Quotes and `=` come back as written; this parser reads the escaped newline `\n` as a plain `n`.
  assert.equal(b!.msg, 'a "quoted" path=/tmp/x hasntwo lines');
  assert.equal(b!.offset, '42');
  assert.equal(b!.file, 'commit log/0001');
  assert.deepEqual([c!.level, c!.component, c!.name], ['error', 'remoting', 'broker broker-a vip']);
  assert.match(c!.err as string, /^Error: boomn\s+at /);
});

test('text: the familiar `<time> <LEVEL> [component name] message` line, one per event', () => {
  const lines = logInto({ level: 'info', levels: new Map(), format: 'text' }, someEvents);
  assert.equal(lines.length, 3, lines.join('\n'));
  assert.match(lines[0]!, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z INFO  \[broker broker-a\] topic T1 created\/updated: 8\/8 queues, perm 6$/);
  assert.match(lines[1]!, /^\S+ WARN  \[store\] a "quoted" path=\/tmp\/x has\\ntwo lines offset=42 file="commit log\/0001"$/);
  assert.match(lines[2]!, /^\S+ ERROR \[remoting broker broker-a vip\] request code 10 failed Error: boom\\n\s+at /);
});

test('a value JSON cannot hold as it is (bigint, circular) still gives one parsable line in every format', () => {
  const circular: Record<string, unknown> = { a: 1 };
  circular.self = circular;
  const emit = (): void => logger('store').info('odd values', { offset: 10n ** 20n, circular }, 7n);
  const [j] = logInto({ level: 'info', levels: new Map(), format: 'json' }, emit).map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual([j!.msg, j!.offset, j!.circular], ['odd values 7', '100000000000000000000', '[object Object]']);
  const [f] = logInto({ level: 'info', levels: new Map(), format: 'logfmt' }, emit).map((l) => logfmt.parse(l));
  assert.equal(f!.offset, '100000000000000000000');
  const t = logInto({ level: 'info', levels: new Map(), format: 'text' }, emit);
  assert.equal(t.length, 1);
});

test('per-component levels: each component is filtered at its own level, the rest at the global one', () => {
  const emitAll = (): void => {
    for (const c of ['broker', 'store', 'ha'] as const) {
      const log = logger(c);
      log.debug(`${c} debug`);
      log.info(`${c} info`);
      log.warn(`${c} warn`);
    }
  };
  const lines = logInto({ level: 'info', levels: parseComponentLevels('store=debug, ha=warn'), format: 'json' }, emitAll);
  assert.deepEqual(lines.map((l) => (JSON.parse(l) as { msg: string }).msg), ['broker info', 'broker warn', 'store debug', 'store info', 'store warn', 'ha warn']);
  const silentStore = logInto({ level: 'debug', levels: parseComponentLevels('store=silent'), format: 'json' }, emitAll);
  assert.equal(silentStore.filter((l) => l.includes('"store"')).length, 0);
  assert.equal(silentStore.length, 6);
  assert.equal(logger('store').enabled('debug'), false, 'after the run: the quiet settings again');
});

test('rotation by size: the file rolls over before it passes maxSize, keeps N rolled files, newest first, no kept line lost', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-rotate-'));
  const path = join(dir, 'broker.log');
  try {
    writeFileSync(join(dir, 'broker.log.9'), 'left by an earlier, larger maxFiles\n');
    const f = new RotatingFile(path, 1024, 3);
    const line = (i: number): string => `line ${String(i).padStart(4, '0')} ${'x'.repeat(90)}\n`; // 101 bytes
    for (let i = 0; i < 100; i++) f.write(line(i));
    f.close();
    assert.deepEqual(readdirSync(dir).sort(), ['broker.log', 'broker.log.1', 'broker.log.2', 'broker.log.3']);
    for (const name of readdirSync(dir)) assert.ok(statSync(join(dir, name)).size <= 1024, `${name} is within maxSize`);
    // Oldest to newest, the kept files hold one unbroken run of lines ending with the last one.
    const kept = ['broker.log.3', 'broker.log.2', 'broker.log.1', 'broker.log'].map((n) => readFileSync(join(dir, n), 'utf8')).join('');
    const numbers = kept.split('\n').slice(0, -1).map((l) => Number(/^line (\d+) /.exec(l)![1]));
    assert.equal(numbers.at(-1), 99);
    assert.deepEqual(numbers, numbers.map((_, i) => numbers[0]! + i));
    assert.equal(numbers.length, 40, '10 lines of 101 bytes fit in 1024, four files');

    // Reopened, it goes on from the existing file's size.
    const again = new RotatingFile(path, 1024, 3);
    again.write(line(100));
    again.close();
    assert.match(readFileSync(join(dir, 'broker.log.1'), 'utf8'), /^line 0090 /);
    assert.equal(readFileSync(path, 'utf8'), line(100));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('apogeeLog* values: levels, formats, per-component pairs and sizes are checked, one line each', () => {
  const spec = LogConfigSpec;
  const bad: Array<[string, string, RegExp]> = [
    ['apogeeLogLevel', 'verbose', /allowed values are debug, info, warn, error, silent$/],
    ['apogeeLogLevel', 'INFO', /allowed values are debug/],
    ['apogeeLogFormat', 'xml', /allowed values are text, json, logfmt$/],
    ['apogeeLogLevels', 'store=loud', /component=level pairs separated by commas, components broker, store, .*levels debug, info/],
    ['apogeeLogLevels', 'disk=debug', /components broker, store/],
    ['apogeeLogLevels', 'store', /component=level pairs/],
    ['apogeeLogFileMaxSize', '10', /at least 1024 bytes/],
    ['apogeeLogFileMaxSize', '64XB', /at least 1024 bytes/],
    ['apogeeLogFileMaxFiles', '0', /integers from 1 to 1000/],
    ['apogeeLogStderr', 'no', /true, false/],
  ];
  for (const [key, value, allowed] of bad) {
    assert.throws(
      () => applyProperties(spec, defaults(spec), [[key, value]]),
      (err: Error) => err.name === 'ConfigError' && !err.message.includes('\n') && err.message.startsWith(`invalid value "${value}" for ${key}: allowed `) && allowed.test(err.message),
      `${key}=${value}`,
    );
  }
  const c = defaults(spec);
  applyProperties(spec, c, [['apogeeLogLevels', 'store=debug,ha=warn'], ['apogeeLogFileMaxSize', '64MB'], ['apogeeLogFormat', 'logfmt']]);
  assert.deepEqual([...parseComponentLevels(c.apogeeLogLevels)], [['store', 'debug'], ['ha', 'warn']]);
  assert.equal(parseByteSize(c.apogeeLogFileMaxSize), 64 * 1024 * 1024);
  assert.deepEqual(['65536', '512kb', '1GiB', '2 MB'].map(parseByteSize), [65536, 512 * 1024, 1024 ** 3, 2 * 1024 ** 2]);
});

test('a log file that cannot be opened is a one-line configuration error, and logging stays as it was', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-logopen-'));
  try {
    writeFileSync(join(dir, 'not-a-dir'), '');
    const c = { ...defaults(LogConfigSpec), apogeeLogFile: join(dir, 'not-a-dir', 'broker.log') };
    assert.throws(() => applyLogConfig(c), /^ConfigError: cannot open log file .*not-a-dir\/broker\.log \(apogeeLogFile\): ENOTDIR$/);
    assert.equal(existsSync(join(dir, 'not-a-dir', 'broker.log')), false);
  } finally {
    configureLogging(QUIET);
    rmSync(dir, { recursive: true, force: true });
  }
});
