/** The operator commands as an operator runs them: Apache's shipped broker configs, -p/-m, mqshutdown. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { projectRoot } from '../helpers/fixtures.js';
import { startNamesrv } from '../helpers/namesrv.js';
import { spawnServer, type ServerProcess } from '../../src/testing/launcher.js';

const LICENSE = `# Licensed to the Apache Software Foundation (ASF) under one or more
# contributor license agreements.  See the NOTICE file distributed with
#  http://www.apache.org/licenses/LICENSE-2.0
`;

/** The seven keys every shipped example sets (store-ha-config §8.6); broker.conf uses spaces around `=`. */
function exampleConfig(name: string, id: number, role: string, spaced: boolean): string {
  const eq = spaced ? ' = ' : '=';
  return LICENSE + ['brokerClusterName', 'DefaultCluster', 'brokerName', name, 'brokerId', String(id), 'deleteWhen', '04', 'fileReservedTime', '48', 'brokerRole', role, 'flushDiskType', 'ASYNC_FLUSH']
    .reduce<string[]>((lines, v, i, a) => (i % 2 === 0 ? [...lines, `${v}${eq}${a[i + 1]}`] : lines), [])
    .join('\n') + '\n';
}

const EXAMPLES: Array<[string, string, number, string, boolean]> = [
  ['broker.conf', 'broker-a', 0, 'ASYNC_MASTER', true],
  ['2m-2s-async/broker-a.properties', 'broker-a', 0, 'ASYNC_MASTER', false],
  ['2m-2s-async/broker-a-s.properties', 'broker-a', 1, 'SLAVE', false],
  ['2m-2s-async/broker-b.properties', 'broker-b', 0, 'ASYNC_MASTER', false],
  ['2m-2s-async/broker-b-s.properties', 'broker-b', 1, 'SLAVE', false],
  ['2m-2s-sync/broker-a.properties', 'broker-a', 0, 'SYNC_MASTER', false],
  ['2m-2s-sync/broker-a-s.properties', 'broker-a', 1, 'SLAVE', false],
  ['2m-2s-sync/broker-b.properties', 'broker-b', 0, 'SYNC_MASTER', false],
  ['2m-2s-sync/broker-b-s.properties', 'broker-b', 1, 'SLAVE', false],
  ['2m-noslave/broker-a.properties', 'broker-a', 0, 'ASYNC_MASTER', false],
  ['2m-noslave/broker-b.properties', 'broker-b', 0, 'ASYNC_MASTER', false],
];

const cli = (name: string): string => join(projectRoot(), 'dist', 'src', 'cli', `${name}.js`);

test('mqbroker reads every Apache example config as it is (-p prints all items, -m the important ones)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-conf-'));
  try {
    for (const [file, name, id, role, spaced] of EXAMPLES) {
      const path = join(dir, file.replaceAll('/', '_'));
      writeFileSync(path, exampleConfig(name, id, role, spaced));
      const all = spawnSync(process.execPath, [cli('mqbroker'), '-c', path, '-n', '127.0.0.1:9876;127.0.0.1:9877', '-p'], { encoding: 'utf8', env: { ...process.env, APOGEE_HOME: dir } });
      assert.equal(all.status, 0, `${file}: ${all.stderr}`);
      for (const line of [`brokerName=${name}`, `brokerId=${id}`, `brokerRole=${role}`, 'fileReservedTime=48', 'deleteWhen=04', 'flushDiskType=ASYNC_FLUSH', 'namesrvAddr=127.0.0.1:9876;127.0.0.1:9877', 'listenPort=10911', 'mapedFileSizeCommitLog=1073741824']) {
        assert.ok(all.stdout.split('\n').includes(line), `${file}: -p prints ${line}`);
      }
      const important = spawnSync(process.execPath, [cli('mqbroker'), '-c', path, '-m'], { encoding: 'utf8', env: { ...process.env, APOGEE_HOME: dir } });
      assert.equal(important.status, 0);
      assert.match(important.stdout, new RegExp(`^brokerRole=${role}$`, 'm'));
      assert.doesNotMatch(important.stdout, /^fileReservedTime=/m);
    }
    const bad = spawnSync(process.execPath, [cli('mqbroker'), '-n', 'not-an-address'], { encoding: 'utf8' });
    assert.equal(bad.status, 3);
    assert.match(bad.stderr, /not host:port/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mqbroker -n … -c broker-a.properties runs, registers, and mqshutdown broker stops it gracefully', async () => {
  const home = mkdtempSync(join(tmpdir(), 'apogee-mqbroker-'));
  const ns = await startNamesrv();
  let broker: ServerProcess | undefined;
  try {
    const conf = join(home, 'broker-a.properties');
    writeFileSync(conf, exampleConfig('broker-a', 0, 'ASYNC_MASTER', false) + 'listenPort=0\nbrokerIP1=127.0.0.1\n');
    broker = spawnServer('mqbroker', ['-n', ns.addr, '-c', conf], { env: { APOGEE_HOME: home, APOGEE_LOG_LEVEL: 'warn' } });
    await broker.waitFor(/boot success/);
    assert.match(broker.stdout(), /The broker\[broker-a, 127\.0\.0\.1:\d+\] boot success/);
    assert.equal(ns.namesrv.routes.clusterInfo().brokerAddrTable.get('broker-a')?.brokerAddrs.size, 1);
    // Async, so this process can reap the broker child while mqshutdown waits for it to exit. `-c`
    // selects this broker only: without a selector mqshutdown stops every broker on the host.
    const stopper = spawn(process.execPath, [cli('mqshutdown'), 'broker', '-c', conf], { env: { ...process.env, APOGEE_HOME: home }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stopOut = '';
    stopper.stdout!.on('data', (c: Buffer) => (stopOut += c.toString()));
    const [stopCode] = (await once(stopper, 'exit')) as [number];
    assert.equal(stopCode, 0);
    assert.match(stopOut, /Send shutdown request to mqbroker\(\d+\) OK/);
    assert.equal((await broker.exited).code, 0);
    assert.equal(ns.namesrv.routes.clusterInfo().brokerAddrTable.size, 0, 'unregistered on the way out');
  } finally {
    await broker?.kill();
    await ns.stop();
    rmSync(home, { recursive: true, force: true });
  }
});

/** The shipped conf/ directory, file by file (relative paths). */
function shippedConfigs(): string[] {
  const root = join(projectRoot(), 'conf');
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, `${rel}${name}/`);
      else out.push(`${rel}${name}`);
    }
  };
  walk(root, '');
  return out;
}

test('conf/ ships the Apache example configs, and a broker boots with each as it is (ports overridden)', async () => {
  assert.deepEqual(shippedConfigs(), EXAMPLES.map(([file]) => file).sort());
  const ns = await startNamesrv();
  try {
    for (const [file, name, id, role] of EXAMPLES) {
      const path = join(projectRoot(), 'conf', file);
      const home = mkdtempSync(join(tmpdir(), 'apogee-conf-boot-'));
      try {
        const printed = spawnSync(process.execPath, [cli('mqbroker'), '-c', path, '-p'], { encoding: 'utf8', env: { ...process.env, APOGEE_HOME: home } });
        assert.equal(printed.status, 0, `${file}: ${printed.stderr}`);
        for (const line of [`brokerName=${name}`, `brokerId=${id}`, `brokerRole=${role}`, 'fileReservedTime=48', 'deleteWhen=04', 'flushDiskType=ASYNC_FLUSH']) {
          assert.ok(printed.stdout.split('\n').includes(line), `${file}: -p prints ${line}`);
        }
        const broker = spawnServer('mqbroker', ['-c', path, '-n', ns.addr, '--listenPort=0', '--bindAddress=127.0.0.1'], { env: { APOGEE_HOME: home, APOGEE_LOG_LEVEL: 'warn' } });
        try {
          await broker.waitFor(/boot success/).catch(() => undefined); // the assertion below says what was printed instead
          assert.match(broker.stdout(), new RegExp(`The broker\\[${name}, 127\\.0\\.0\\.1:\\d+\\] boot success`), `${file}: ${broker.stderr()}`);
          const stopped = await broker.stop();
          assert.equal(stopped.code, 0, `${file}: stops cleanly`);
        } finally {
          await broker.kill();
        }
      } finally {
        rmSync(home, { recursive: true, force: true });
      }
    }
  } finally {
    await ns.stop();
  }
});

test('mqbroker -p and -m print each key once; brokerIP1 defaults to the host address (Java rule), or to bindAddress when that is one address', () => {
  const home = mkdtempSync(join(tmpdir(), 'apogee-print-'));
  try {
    const print = (...args: string[]): Map<string, string> => {
      const r = spawnSync(process.execPath, [cli('mqbroker'), ...args], { encoding: 'utf8', env: { ...process.env, APOGEE_HOME: home } });
      assert.equal(r.status, 0, r.stderr);
      const lines = r.stdout.split('\n').filter(Boolean);
      const keys = lines.map((l) => l.slice(0, l.indexOf('=')));
      assert.deepEqual(keys.filter((k, i) => keys.indexOf(k) !== i), [], `${args.join(' ')}: no key printed twice`);
      return new Map(lines.map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    };
    const all = print('-p');
    const important = print('-m');
    assert.equal(important.get('listenPort'), '10911');
    assert.equal(all.get('haListenPort'), '10912', 'the HA port follows listenPort unless set');
    // Java's RemotingUtil.getLocalAddress: the first IPv4 starting with neither 127.0 nor 192.168, else the last IPv4.
    const ipv4 = Object.values(networkInterfaces()).flatMap((l) => l ?? []).filter((a) => a.family === 'IPv4').map((a) => a.address);
    const expected = ipv4.find((ip) => !ip.startsWith('127.0') && !ip.startsWith('192.168')) ?? ipv4[ipv4.length - 1] ?? '127.0.0.1';
    assert.equal(important.get('brokerIP1'), expected);
    assert.equal(all.get('brokerIP1'), expected);
    assert.equal(print('-m', '--bindAddress=127.0.0.1').get('brokerIP1'), '127.0.0.1', 'a broker bound to loopback registers loopback');
    assert.equal(print('-m', '--bindAddress=127.0.0.1', '--brokerIP1=10.1.2.3').get('brokerIP1'), '10.1.2.3', 'an explicit brokerIP1 wins');
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});
