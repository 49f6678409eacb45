/**
 * Bad configuration and failed starts, as an operator meets them: every CLI (mqbroker, mqnamesrv,
 * apogee start) stops with one line on stderr naming the problem, a non-zero exit and no stack
 * trace; a value means the same in a properties file and on the command line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../helpers/fixtures.js';
import { startCluster } from '../helpers/cluster.js';
import { BrokerConfigSpec } from '../../src/broker/config.js';
import { StoreConfigSpec } from '../../src/store/index.js';
import { NamesrvConfigSpec } from '../../src/namesrv/config.js';
import { IGNORED_APACHE_KEYS, ignoredApacheKeys } from '../../src/common/apache-keys.js';
import type { ConfigSpec } from '../../src/common/config.js';

const cli = (name: string): string => join(projectRoot(), 'dist', 'src', 'cli', `${name}.js`);

/** Runs a CLI to completion. A CLI that starts instead of failing is killed by the timeout (status null). */
function run(name: string, args: string[], home: string, extraEnv: Record<string, string> = {}): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, [cli(name), ...args], {
    encoding: 'utf8',
    timeout: 15_000,
    env: { ...process.env, APOGEE_HOME: home, APOGEE_LOG_LEVEL: 'warn', ...extraEnv },
  });
}

/** One line on stderr, no stack, a non-zero exit; returns that line. */
function oneLineFailure(r: SpawnSyncReturns<string>, what: string): string {
  assert.notEqual(r.status, null, `${what}: the process must stop by itself (it ran until killed; stderr: ${r.stderr})`);
  assert.notEqual(r.status, 0, `${what}: non-zero exit`);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  assert.equal(lines.length, 1, `${what}: exactly one line on stderr, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /^\s+at /m, `${what}: no stack trace`);
  return lines[0]!;
}

function withHome(fn: (home: string) => Promise<void> | void): () => Promise<void> {
  return async () => {
    const home = mkdtempSync(join(tmpdir(), 'apogee-cfgerr-'));
    try {
      await fn(home);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  };
}

function keysOfKind(spec: ConfigSpec, kind: string): string[] {
  return Object.keys(spec).filter((k) => spec[k]!.kind === kind);
}

test('mqbroker: invalid enum values, booleans, ports and malformed values stop it with one line naming key, value and allowed values, from a file and the command line alike', withHome((home) => {
  const cases: Array<[string, string, RegExp]> = [
    ['brokerRole', 'SLAVEE', /ASYNC_MASTER, SYNC_MASTER, SLAVE/],
    ['flushDiskType', 'SYNC', /ASYNC_FLUSH, SYNC_FLUSH/],
    ['autoCreateTopicEnable', 'yes', /true, false/],
    ['listenPort', '99999', /0 to 65534/],
    ['listenPort', '-5', /0 to 65534/],
    ['listenPort', 'abc', /0 to 65534/],
    ['haListenPort', '70000', /1 to 65535/],
    ['messageDelayLevel', '1s 5x 10s', /units ms, s, m, h, d/],
    ['diskSpaceCleanForciblyRatio', '1.5', /0 to 1/],
    ['mapedFileSizeCommitLog', '1g', /integers/],
    ['deleteWhen', 'four', /hours of the day/],
    ['brokerIP1', 'broker-host.example', /an IPv4 or IPv6 address/],
  ];
  for (const [key, value, allowed] of cases) {
    const file = join(home, 'bad.properties');
    writeFileSync(file, `brokerName=broker-x\n${key}=${value}\n`);
    const fromFile = oneLineFailure(run('mqbroker', ['-c', file], home), `${key}=${value} in a file`);
    const fromFlag = oneLineFailure(run('mqbroker', [`--${key}=${value}`], home), `--${key}=${value}`);
    for (const line of [fromFile, fromFlag]) {
      assert.ok(line.startsWith('mqbroker: '), line);
      assert.ok(line.includes(key) && line.includes(`"${value}"`), `names key and value: ${line}`);
      assert.match(line, allowed);
    }
    assert.equal(fromFile, fromFlag, 'the same message from a file and from a flag');
  }
  // Every enum-like property (enums and booleans) of both specs, whatever gets added later.
  const enumLike = [BrokerConfigSpec, StoreConfigSpec].flatMap((s) => [...keysOfKind(s as ConfigSpec, 'enum'), ...keysOfKind(s as ConfigSpec, 'boolean')]);
  assert.ok(enumLike.includes('brokerRole') && enumLike.includes('flushDiskType'));
  for (const key of enumLike) {
    const line = oneLineFailure(run('mqbroker', [`--${key}=NOT_A_VALUE`], home), key);
    assert.match(line, new RegExp(`invalid value "NOT_A_VALUE" for ${key}: allowed values are `));
  }
}));

test('mqnamesrv and apogee start: invalid values stop them with one line, file and command line alike', withHome((home) => {
  const file = join(home, 'ns.properties');
  for (const [key, value, allowed] of [['listenPort', 'abc', /0 to 65535/], ['listenPort', '99999', /0 to 65535/], ['orderMessageEnable', 'maybe', /true, false/]] as const) {
    writeFileSync(file, `${key}=${value}\n`);
    const a = oneLineFailure(run('mqnamesrv', ['-c', file], home), `mqnamesrv ${key} in a file`);
    const b = oneLineFailure(run('mqnamesrv', [`--${key}=${value}`], home), `mqnamesrv --${key}`);
    assert.equal(a, b);
    assert.match(a, new RegExp(`^mqnamesrv: invalid value "${value}" for ${key}: allowed `));
    assert.match(a, allowed);
  }
  const data = join(home, 'data');
  for (const [args, expected] of [
    [['--namesrv-port=abc'], /^apogee: invalid value "abc" for --namesrv-port: allowed integers from 0 to 65535$/],
    [['--broker-port=99999'], /^apogee: invalid value "99999" for --broker-port/],
    [['--broker-port=-5'], /^apogee: invalid value "-5" for --broker-port/],
    [['--broker.brokerRole=SLAVEE'], /^apogee: invalid value "SLAVEE" for brokerRole: allowed values are ASYNC_MASTER, SYNC_MASTER, SLAVE$/],
    [['--broker.flushDiskType=SYNC'], /^apogee: invalid value "SYNC" for flushDiskType: allowed values are ASYNC_FLUSH, SYNC_FLUSH$/],
    [['--broker.messageDelayLevel=1s,5s'], /^apogee: invalid value "1s,5s" for messageDelayLevel/],
    [['--broker.noSuchProperty=1'], /^apogee: unknown property noSuchProperty/],
  ] as const) {
    const line = oneLineFailure(run('apogee', ['start', '--namesrv-port=0', '--broker-port=0', `--data=${data}`, ...args], home), `apogee start ${args.join(' ')}`);
    assert.match(line, expected);
  }
}));

test('unknown keys: an error in a file and on the command line alike; keys Apache knows and Apogee ignores: a warning, listed in the README', withHome((home) => {
  const file = join(home, 'unknown.properties');
  for (const [name, spec] of [['mqbroker', BrokerConfigSpec], ['mqnamesrv', NamesrvConfigSpec]] as const) {
    writeFileSync(file, 'brokerRoel=SLAVE\n');
    const a = oneLineFailure(run(name, ['-c', file], home), `${name}: unknown key in a file`);
    const b = oneLineFailure(run(name, ['--brokerRoel=SLAVE'], home), `${name}: unknown key on the command line`);
    assert.equal(a, `${name}: unknown property brokerRoel in ${file}; run with -p to list the keys Apogee uses`);
    assert.equal(b, `${name}: unknown property brokerRoel on the command line; run with -p to list the keys Apogee uses`);
    assert.ok(!('brokerRoel' in spec));
  }
  // Every ignored key is accepted with a warning, from a file and from flags, and -p shows it.
  for (const component of ['broker', 'namesrv'] as const) {
    const name = component === 'broker' ? 'mqbroker' : 'mqnamesrv';
    const keys = [...ignoredApacheKeys(component)];
    writeFileSync(file, keys.map((k) => `${k}=8`).join('\n') + '\n');
    const fromFile = run(name, ['-c', file, '-p'], home);
    assert.equal(fromFile.status, 0, fromFile.stderr);
    const fromFlags = run(name, [...keys.map((k) => `--${k}=8`), '-p'], home);
    assert.equal(fromFlags.status, 0, fromFlags.stderr);
    for (const r of [fromFile, fromFlags]) {
      for (const k of keys) assert.match(r.stderr, new RegExp(`property ${k} is an Apache RocketMQ setting Apogee does not use: ignored`));
      assert.doesNotMatch(r.stderr, /^\s+at /m);
    }
    if (component === 'broker') for (const k of keys) assert.match(fromFile.stdout, new RegExp(`^${k}=8$`, 'm'), `${k} kept for getBrokerConfig`);
  }
  const readme = readFileSync(join(projectRoot(), 'README.md'), 'utf8');
  for (const group of IGNORED_APACHE_KEYS) for (const k of group.keys) assert.ok(readme.includes(`\`${k}\``), `README lists the ignored key ${k}`);
}));

test('4.6+ spellings mappedFileSizeCommitLog / mappedFileSizeConsumeQueue set the segment sizes (a 4.6+ file is not silently given the defaults); both spellings disagreeing is one line', withHome((home) => {
  const file = join(home, 'renamed.properties');
  writeFileSync(file, 'mappedFileSizeCommitLog=1048576\nmappedFileSizeConsumeQueue=60000\n');
  for (const args of [['-c', file, '-p'], ['--mappedFileSizeCommitLog=1048576', '--mappedFileSizeConsumeQueue=60000', '-p']]) {
    const r = run('mqbroker', args, home);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^mapedFileSizeCommitLog=1048576$/m);
    assert.match(r.stdout, /^mapedFileSizeConsumeQueue=60000$/m);
    assert.doesNotMatch(r.stderr, /mappedFileSize/, 'no "ignored" warning');
  }
  writeFileSync(file, 'mapedFileSizeCommitLog=1048576\nmappedFileSizeCommitLog=2097152\n');
  const line = oneLineFailure(run('mqbroker', ['-c', file], home), 'both spellings, different values');
  assert.equal(line, `mqbroker: mappedFileSizeCommitLog=2097152 and mapedFileSizeCommitLog=1048576 in ${file} name the same setting (Java 4.6 renamed it); keep one`);
}));

async function holdPort(port = 0, host = '0.0.0.0'): Promise<Server> {
  const s = createServer();
  await new Promise<void>((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => resolve());
  });
  return s;
}

const portOf = (s: Server): number => (s.address() as { port: number }).port;

test('port already in use: mqnamesrv, mqbroker and apogee start say which address in one line; the broker leaves no abort behind', withHome(async (home) => {
  const held = await holdPort();
  const port = portOf(held);
  try {
    const ns = oneLineFailure(run('mqnamesrv', [`--listenPort=${port}`], home), 'mqnamesrv on a used port');
    assert.equal(ns, `mqnamesrv: namesrv cannot listen on 0.0.0.0:${port}: address already in use (another process has this port)`);
    const apogee = oneLineFailure(run('apogee', ['start', `--namesrv-port=${port}`, '--broker-port=0', `--data=${join(home, 'a')}`], home), 'apogee start on a used port');
    assert.match(apogee, new RegExp(`^apogee: namesrv cannot listen on 127\\.0\\.0\\.1:${port}: address already in use`));
    // The broker's main, VIP (listenPort − 2) and HA (listenPort + 1) ports: whichever is taken, the
    // store is not opened, so no `abort` marker is left for the next start to "recover" from.
    // The neighbouring ports are not ours: a concurrent test's client socket may hold one. A run that
    // trips over such a port instead of ours is repeated with another held port.
    for (const [offset, which] of [[0, 'broker broker-a'], [2, 'broker broker-a vip'], [-1, 'HA server']] as const) {
      let line = '';
      let taken = port;
      let holder: Server | undefined;
      for (let attempt = 0; attempt < 4; attempt++) {
        if (attempt > 0) {
          holder = await holdPort();
          taken = portOf(holder);
        }
        const listenPort = taken + offset;
        const store = join(home, `store-${listenPort}`);
        try {
          line = oneLineFailure(run('mqbroker', [`--listenPort=${listenPort}`, `--storePathRootDir=${store}`], home), `mqbroker with ${which} port taken`);
        } finally {
          if (holder) await new Promise<void>((r) => holder!.close(() => r()));
        }
        assert.equal(existsSync(join(store, 'abort')), false, `no abort left behind when the ${which} port is taken`);
        assert.equal(existsSync(join(store, 'apogee.lock')), false, 'no lock left behind');
        if (line.includes(`:${taken}:`)) break;
        assert.match(line, /^mqbroker: .* cannot listen on 0\.0\.0\.0:\d+: address already in use/, 'another port was busy: still one line naming it');
      }
      assert.equal(line, `mqbroker: ${which} cannot listen on 0.0.0.0:${taken}: address already in use (another process has this port)`);
    }
  } finally {
    await new Promise<void>((r) => held.close(() => r()));
  }
}));

test('store problems end in one line: lock held by another broker, a path under a file (ENOTDIR), /proc (used to spin at full CPU), an unwritable directory', withHome(async (home) => {
  const cluster = await startCluster({}, {}, { home: join(home, 'running') });
  try {
    const locked = oneLineFailure(run('mqbroker', ['--listenPort=0', `--storePathRootDir=${join(home, 'running', 'store')}`], home), 'store locked');
    assert.match(locked, /^mqbroker: store is locked by pid \d+ /);
  } finally {
    await cluster.stop();
  }
  writeFileSync(join(home, 'a-file'), 'x');
  const notDir = oneLineFailure(run('mqbroker', ['--listenPort=0', `--storePathRootDir=${join(home, 'a-file', 'store')}`], home), 'ENOTDIR');
  assert.match(notDir, /^mqbroker: cannot create directory .*a-file\/store.* \(ENOTDIR: not a directory\)$/);
  if (existsSync('/proc/self')) {
    const proc = oneLineFailure(run('mqbroker', ['--listenPort=0', '--storePathRootDir=/proc/apogee-store'], home), '/proc');
    assert.equal(proc, 'mqbroker: cannot create directory /proc/apogee-store/config (this file system does not allow it)');
    const nsProc = oneLineFailure(run('mqnamesrv', ['--listenPort=0', '--rocketmqHome=/proc/apogee-home'], home), 'mqnamesrv /proc');
    assert.match(nsProc, /^mqnamesrv: cannot create directory \/proc\/apogee-home /);
  }
  // A directory the broker's user may not write to. Root ignores permission bits, so as root the
  // broker runs as nobody (65534) against a root-owned directory.
  const ro = join(home, 'read-only');
  mkdirSync(ro);
  const asRoot = process.getuid?.() === 0;
  chmodSync(home, 0o755);
  chmodSync(ro, asRoot ? 0o755 : 0o500);
  try {
    const r = spawnSync(process.execPath, [cli('mqbroker'), '--listenPort=0', `--storePathRootDir=${join(ro, 'store')}`], {
      encoding: 'utf8',
      timeout: 15_000,
      env: { ...process.env, APOGEE_HOME: home, APOGEE_LOG_LEVEL: 'warn' },
      ...(asRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    const denied = oneLineFailure(r, 'EACCES');
    assert.equal(denied, `mqbroker: cannot create directory ${join(ro, 'store', 'config')} (EACCES: permission denied)`);
  } finally {
    chmodSync(ro, 0o700);
  }
}));

test('a missing -c file and a bad flag are one line too; --verbose adds the stack', withHome((home) => {
  const missing = oneLineFailure(run('mqbroker', ['-c', join(home, 'nope.properties')], home), 'missing -c file');
  assert.equal(missing, `mqbroker: cannot read config file ${join(home, 'nope.properties')}: ENOENT`);
  const ns = oneLineFailure(run('mqnamesrv', ['--listenPort'], home), 'flag without a value');
  assert.equal(ns, 'mqnamesrv: option --listenPort needs a value (--listenPort=VALUE)');
  writeFileSync(join(home, 'x'), 'x');
  const verbose = run('mqbroker', ['--listenPort=0', `--storePathRootDir=${join(home, 'x', 'store')}`, '--verbose'], home);
  assert.notEqual(verbose.status, 0);
  assert.match(verbose.stderr, /^mqbroker: cannot create directory/);
  assert.match(verbose.stderr, /^\s+at /m, '--verbose shows where it failed');
}));
