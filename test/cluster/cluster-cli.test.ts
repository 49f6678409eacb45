/**
 * `apogee cluster` as an operator runs it: a 2-NameServer, 2-master/2-slave cluster of real processes
 * brought up, written to, watched, hurt (kill -9 of a master), healed and brought down again.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer } from '../../src/client/producer.js';
import { Admin } from '../../src/client/admin.js';
import { setLogLevel } from '../../src/common/logger.js';
import type { ClusterStatus } from '../../src/cluster/status.js';
import { nodeFiles, readState } from '../../src/cluster/layout.js';
import { projectRoot } from '../helpers/fixtures.js';
import { untilValue } from '../helpers/wait.js';

const APOGEE = join(projectRoot(), 'dist', 'src', 'cli', 'apogee.js');

function apogee(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [APOGEE, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Brings a cluster up on a random base port, retrying when a port happens to be taken. */
function upOnFreePorts(data: string, topology: string): { base: number; namesrvAddr: string } {
  for (let attempt = 0; attempt < 6; attempt++) {
    const base = 20000 + Math.floor(Math.random() * 10500);
    const r = apogee('cluster', 'up', '--topology', topology, '--data', data, '--base-port', String(base), '--json');
    if (r.code === 0) {
      const ready = JSON.parse(r.stdout.trim().split('\n').pop()!) as { ready: boolean; namesrvAddr: string };
      assert.equal(ready.ready, true);
      return { base, namesrvAddr: ready.namesrvAddr };
    }
    assert.match(r.stderr, /port.* in use/, `up failed for another reason: ${r.stderr}`);
  }
  throw new Error('no free base port found in 6 attempts');
}

function status(data: string): { code: number; s: ClusterStatus } {
  const r = apogee('cluster', 'status', '--data', data, '--json');
  assert.equal(r.stderr, '');
  return { code: r.code, s: JSON.parse(r.stdout) as ClusterStatus };
}

/** Stops whatever the state file still names (a failed assertion must not leave processes behind). */
function forceDown(data: string): void {
  const path = join(data, 'cluster.json');
  if (!existsSync(path)) return;
  apogee('cluster', 'down', '--data', data);
  for (const pid of Object.values(readState(data)?.pids ?? {})) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
}

/** Exited: no such process, or a zombie waiting for a reaper that is not us. */
function gone(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^\d+ \(.*\) Z/s.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

const until = <T>(what: string, fn: () => T | undefined, ms = 30_000): Promise<T> => untilValue(fn, what, ms, 300);

test('cluster up 2ns-2m-2s, traffic, status, kill -9 of a master, start, down', async () => {
  setLogLevel('silent');
  const data = mkdtempSync(join(tmpdir(), 'apogee-cl-'));
  try {
    const { namesrvAddr } = upOnFreePorts(data, '2ns-2m-2s');
    for (const node of ['ns1', 'ns2', 'broker-a', 'broker-a-s', 'broker-b', 'broker-b-s']) {
      assert.ok(existsSync(join(data, node, `${node}.properties`)), `${node} has a property file`);
      assert.ok(existsSync(join(data, node, `${node}.log`)), `${node} has a log`);
      assert.ok(existsSync(join(data, node, `${node}.pid`)), `${node} has a pid file`);
    }

    const admin = new Admin({ namesrvAddr });
    await admin.start();
    const producer = new Producer({ namesrvAddr, producerGroup: 'cluster-cli-pg' });
    try {
      await admin.createTopic('ClusterCli', { clusterName: 'DefaultCluster', readQueueNums: 4, writeQueueNums: 4 });
      await producer.start();
      const brokersUsed = new Set<string>();
      for (let i = 0; i < 200; i++) brokersUsed.add((await producer.send({ topic: 'ClusterCli', body: Buffer.from(`m${i}`) })).messageQueue.brokerName);
      assert.deepEqual([...brokersUsed].sort(), ['broker-a', 'broker-b']);
    } finally {
      await producer.shutdown();
      await admin.shutdown();
    }

    // Live status: every node serving, registered on both NameServers, slaves caught up.
    const caughtUp = await until('slaves to catch up', () => {
      const { code, s } = status(data);
      const slaves = s.nodes.filter((n) => n.role === 'SLAVE');
      return code === 0 && slaves.every((n) => n.lagBytes === 0) ? s : undefined;
    });
    assert.deepEqual(caughtUp.nodes.map((n) => [n.name, n.state]), [['ns1', 'serving'], ['ns2', 'serving'], ['broker-a', 'serving'], ['broker-a-s', 'serving'], ['broker-b', 'serving'], ['broker-b-s', 'serving']]);
    for (const b of caughtUp.nodes.filter((n) => n.kind === 'broker')) {
      assert.equal(b.registeredOn, 2, `${b.name} registered on both NameServers`);
      assert.ok((b.commitLogMaxOffset ?? 0) > 0, `${b.name} holds data`);
      assert.ok(b.version, `${b.name} reports its version`);
    }
    const text = apogee('cluster', 'status', '--data', data);
    assert.equal(text.code, 0);
    assert.match(text.stdout, /#Node\s+#Role\s+#Addr\s+#State/);
    assert.match(text.stdout, /broker-a-s\s+SLAVE\s+127\.0\.0\.1:\d+\s+serving/);

    // kill -9 of a master: status says so (and exits 3, for scripts); its slave still serves.
    const kill = apogee('cluster', 'kill', 'broker-a', '--data', data);
    assert.equal(kill.code, 0, kill.stderr);
    assert.match(kill.stdout, /broker-a\s+killed/);
    const afterKill = status(data);
    assert.equal(afterKill.code, 3);
    const byName = new Map(afterKill.s.nodes.map((n) => [n.name, n]));
    assert.equal(byName.get('broker-a')!.state, 'down');
    assert.equal(byName.get('broker-a')!.process, false);
    assert.equal(byName.get('broker-a-s')!.state, 'serving');
    assert.ok(existsSync(join(data, 'broker-a', 'store', 'abort')), 'the killed master left its abort file (crash recovery on restart)');

    const start = apogee('cluster', 'start', 'broker-a', '--data', data);
    assert.equal(start.code, 0, start.stderr);
    assert.match(start.stdout, /broker-a\s+registered on 2 NameServers/);
    assert.equal(status(data).code, 0);

    // A second cluster on the same ports is refused before anything starts, in one line.
    const other = mkdtempSync(join(tmpdir(), 'apogee-cl-'));
    try {
      const state = JSON.parse(readFileSync(join(data, 'cluster.json'), 'utf8')) as { topology: { nodes: Array<{ port: number }> } };
      const clash = apogee('cluster', 'up', '--topology', '2ns-2m-2s', '--data', other, '--base-port', String(state.topology.nodes[0]!.port));
      assert.equal(clash.code, 1);
      assert.match(clash.stderr, /^apogee cluster: ports in use: 127\.0\.0\.1:\d+ \(ns1\), .*\n$/);
      assert.equal(clash.stderr.split('\n').length, 2, 'one line');
    } finally {
      rmSync(other, { recursive: true, force: true });
    }

    const state6 = readState(data)!;
    const pids = Object.values(state6.pids);
    assert.equal(pids.length, 6);
    // A lost pid file does not leave its node behind: the node is found by its command line.
    rmSync(nodeFiles(data, state6.topology.nodes.find((n) => n.name === 'broker-a-s')!).pid);
    const downed = apogee('cluster', 'down', '--data', data);
    assert.equal(downed.code, 0, downed.stderr);
    assert.match(downed.stdout, /is down \(stores kept\)/);
    for (const pid of pids) assert.ok(gone(pid), `pid ${pid} is gone`);
    assert.equal(status(data).code, 3);
  } finally {
    forceDown(data);
    rmSync(data, { recursive: true, force: true });
  }
});

test('cluster commands fail in one line: no cluster, unknown node, unknown command, bad topology', () => {
  const data = mkdtempSync(join(tmpdir(), 'apogee-cl-'));
  try {
    const cases: Array<[string[], number, RegExp]> = [
      [['cluster', 'status', '--data', data], 1, /^apogee cluster: no cluster in .* \(start one with: apogee cluster up --data .*\)\n$/],
      [['cluster', 'up', '--topology', 'nope', '--data', data], 1, /^apogee cluster: topology nope: not a built-in .* and not a readable file \(ENOENT\)\n$/],
      [['cluster', 'up', '--base-port', 'abc', '--data', data], 2, /^apogee cluster: --base-port must be an integer 1024\.\.60000, got "abc"\n/],
      [['cluster', 'frobnicate', '--data', data], 2, /^apogee cluster: unknown cluster command 'frobnicate'/],
      [['cluster', 'up', '--bogus'], 2, /^apogee cluster: Unknown option '--bogus'/],
    ];
    for (const [args, code, stderr] of cases) {
      const r = apogee(...args);
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, stderr);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    }
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});
