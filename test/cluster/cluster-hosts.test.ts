/**
 * `apogee cluster up --hosts`: every node on a host of its own (a network namespace with its own
 * address), a partition between a master and its slave, healed again, and nothing left behind.
 * Needs root on Linux with iproute2 (CI runs as root); elsewhere it is skipped, saying why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Producer } from '../../src/client/producer.js';
import { Admin } from '../../src/client/admin.js';
import { setLogLevel } from '../../src/common/logger.js';
import { hostNet, hostsUnavailable } from '../../src/cluster/hosts.js';
import type { ClusterStatus } from '../../src/cluster/status.js';
import { projectRoot } from '../helpers/fixtures.js';
import { untilValue } from '../helpers/wait.js';

const APOGEE = join(projectRoot(), 'dist', 'src', 'cli', 'apogee.js');
const unavailable = hostsUnavailable();
if (unavailable) process.stdout.write(`# cluster --hosts tests skipped: ${unavailable}\n`);

function apogee(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [APOGEE, ...args], { encoding: 'utf8', timeout: 120_000 });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const status = (data: string): ClusterStatus => JSON.parse(apogee('cluster', 'status', '--data', data, '--json').stdout) as ClusterStatus;

const until = <T>(what: string, fn: () => T | undefined, ms = 30_000): Promise<T> => untilValue(fn, what, ms, 300);

const namespaces = (): string[] => execFileSync('ip', ['netns', 'list'], { encoding: 'utf8' }).split('\n').map((l) => l.split(' ')[0]!).filter(Boolean);

test('cluster up --hosts: one host per node, a master/slave partition shows as lag and heals', { skip: unavailable }, async () => {
  setLogLevel('silent');
  const data = mkdtempSync(join(tmpdir(), 'apogee-clh-'));
  const net = hostNet(data);
  try {
    const up = apogee('cluster', 'up', '--topology', '2ns-2m-2s', '--data', data, '--hosts', '--json');
    assert.equal(up.code, 0, up.stderr);
    const ready = JSON.parse(up.stdout.trim().split('\n').pop()!) as { namesrvAddr: string };
    assert.equal(ready.namesrvAddr, `${net.subnet}.1:9876;${net.subnet}.2:9876`);
    const ours = namespaces().filter((n) => n.startsWith(`apogee-${net.id}-`)).sort();
    assert.deepEqual(ours, ['broker-a', 'broker-a-s', 'broker-b', 'broker-b-s', 'ns1', 'ns2'].map((n) => `apogee-${net.id}-${n}`));
    // Each broker registered its own host's address, on the same port as on a machine of its own.
    const s0 = status(data);
    assert.deepEqual(s0.nodes.map((n) => n.addr), [1, 2, 3, 4, 5, 6].map((i) => `${net.subnet}.${i}:${i <= 2 ? 9876 : 10911}`));
    assert.ok(s0.nodes.every((n) => n.state === 'serving'));
    const brokerProps = readFileSync(join(data, 'broker-a', 'broker-a.properties'), 'utf8');
    assert.match(brokerProps, new RegExp(`^brokerIP1=${net.subnet.replace(/\./g, '\\.')}\\.3$`, 'm'));

    const cut = apogee('cluster', 'partition', 'broker-a-s', '--from', 'broker-a', '--data', data);
    assert.equal(cut.code, 0, cut.stderr);
    const admin = new Admin({ namesrvAddr: ready.namesrvAddr });
    const producer = new Producer({ namesrvAddr: ready.namesrvAddr, producerGroup: 'hosts-pg' });
    try {
      await admin.start();
      await admin.createTopic('HostsTopic', { clusterName: 'DefaultCluster', readQueueNums: 2, writeQueueNums: 2 });
      await producer.start();
      for (let i = 0; i < 100; i++) await producer.send({ topic: 'HostsTopic', body: Buffer.from(`h${i}`) });
    } finally {
      await producer.shutdown();
      await admin.shutdown();
    }
    const lagging = await until('broker-a-s to fall behind while cut off', () => {
      const row = status(data).nodes.find((n) => n.name === 'broker-a-s')!;
      return (row.lagBytes ?? 0) > 0 ? row : undefined;
    });
    assert.equal(lagging.state, 'serving', 'the slave itself is up; only its link to the master is cut');
    assert.equal(status(data).nodes.find((n) => n.name === 'broker-b-s')!.lagBytes, 0, 'the other group is untouched');

    assert.equal(apogee('cluster', 'heal', '--data', data).code, 0);
    await until('broker-a-s to catch up after heal', () => (status(data).nodes.find((n) => n.name === 'broker-a-s')!.lagBytes === 0 ? true : undefined), 60_000);

    const down = apogee('cluster', 'down', '--data', data);
    assert.equal(down.code, 0, down.stderr);
    assert.deepEqual(namespaces().filter((n) => n.startsWith(`apogee-${net.id}-`)), [], 'namespaces removed');
    assert.equal(spawnSync('ip', ['link', 'show', net.bridge]).status !== 0, true, 'bridge removed');
  } finally {
    if (existsSync(join(data, 'cluster.json'))) apogee('cluster', 'down', '--data', data);
    for (const ns of namespaces().filter((n) => n.startsWith(`apogee-${net.id}-`))) spawnSync('ip', ['netns', 'del', ns]);
    spawnSync('ip', ['link', 'del', net.bridge]);
    rmSync(data, { recursive: true, force: true });
  }
});

test('partition on a loopback cluster is refused in one line', { skip: unavailable }, () => {
  const data = mkdtempSync(join(tmpdir(), 'apogee-clh-'));
  try {
    // A state file of a loopback cluster is enough: partition must refuse before touching anything.
    const state = { format: 1, data, mode: 'loopback', topology: { source: 'x', cluster: 'C', nodes: [{ name: 'ns1', kind: 'namesrv', role: 'NAMESRV', group: '', brokerId: -1, host: '127.0.0.1', port: 9876, properties: {} }] }, pids: {} };
    writeFileSync(join(data, 'cluster.json'), JSON.stringify(state));
    const r = apogee('cluster', 'partition', 'ns1', '--data', data);
    assert.equal(r.code, 1);
    assert.equal(r.stderr, 'apogee cluster: partition needs a cluster started with --hosts (nodes on loopback share one network)\n');
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});
