/** Topology files and the built-in shapes: names, roles, ports, properties, and one-line errors. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopology, namesrvAddrs, portsOf, TopologyError } from '../../src/cluster/topology.js';
import { nodeFiles, nodeProperties, readState, writeState } from '../../src/cluster/layout.js';

test('2ns-3m-3s: two NameServers, three groups of an ASYNC_MASTER and a SLAVE, Apache conf/ ports', () => {
  const t = loadTopology('2ns-3m-3s');
  assert.equal(t.cluster, 'DefaultCluster');
  assert.deepEqual(t.nodes.map((n) => [n.name, n.role, n.group, n.brokerId, n.port]), [
    ['ns1', 'NAMESRV', '', -1, 9876],
    ['ns2', 'NAMESRV', '', -1, 9877],
    ['broker-a', 'ASYNC_MASTER', 'broker-a', 0, 10911],
    ['broker-a-s', 'SLAVE', 'broker-a', 1, 11011],
    ['broker-b', 'ASYNC_MASTER', 'broker-b', 0, 10921],
    ['broker-b-s', 'SLAVE', 'broker-b', 1, 11021],
    ['broker-c', 'ASYNC_MASTER', 'broker-c', 0, 10931],
    ['broker-c-s', 'SLAVE', 'broker-c', 1, 11031],
  ]);
  assert.equal(namesrvAddrs(t), '127.0.0.1:9876;127.0.0.1:9877');
  // Main, VIP, HA and the metrics endpoint (listenPort + 3).
  assert.deepEqual(portsOf(t.nodes[2]!), [10911, 10909, 10912, 10914]);
  assert.deepEqual(portsOf(t.nodes[0]!), [9876, 9879]);
  assert.equal(loadTopology('1ns-1m').nodes.length, 2);
  assert.equal(loadTopology('2ns-2m-2s', { portOffset: 10000 }).nodes[2]!.port, 20911);
});

test('a YAML file: roles, slave counts, per-group and per-node properties reach the property files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-topo-'));
  try {
    const file = join(dir, 'topo.yaml');
    writeFileSync(file, [
      'cluster: Prod',
      'namesrvs: [{ port: 19876 }]',
      'brokerProperties: { flushDiskType: SYNC_FLUSH }',
      'groups:',
      '  - name: g1',
      '    role: SYNC_MASTER',
      '    slaves: 2',
      '    master: { port: 20911, properties: { sendMessageThreadPoolNums: 4 } }',
      '    slave: { port: 21011 }',
      '    properties: { deleteWhen: "03" }',
    ].join('\n'));
    const t = loadTopology(file);
    assert.deepEqual(t.nodes.map((n) => [n.name, n.role, n.port]), [['ns1', 'NAMESRV', 19876], ['g1', 'SYNC_MASTER', 20911], ['g1-s1', 'SLAVE', 21011], ['g1-s2', 'SLAVE', 21111]]);
    const props = new Map(nodeProperties('/data', t, t.nodes[1]!));
    assert.equal(props.get('brokerClusterName'), 'Prod');
    assert.equal(props.get('brokerRole'), 'SYNC_MASTER');
    assert.equal(props.get('flushDiskType'), 'SYNC_FLUSH');
    assert.equal(props.get('deleteWhen'), '03');
    assert.equal(props.get('sendMessageThreadPoolNums'), '4');
    assert.equal(props.get('namesrvAddr'), '127.0.0.1:19876');
    assert.equal(props.get('storePathRootDir'), join('/data', 'g1', 'store'));
    const slave = new Map(nodeProperties('/data', t, t.nodes[3]!));
    assert.equal(slave.get('brokerId'), '2');
    assert.equal(slave.get('brokerRole'), 'SLAVE');
    assert.equal(slave.get('sendMessageThreadPoolNums'), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bad topologies are refused with one line naming the problem', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-topo-'));
  try {
    const cases: Array<[string, RegExp]> = [
      ['groups: [{ name: a, role: MASTER }]', /role "MASTER" must be ASYNC_MASTER or SYNC_MASTER/],
      ['groups: [{ name: a, role: SYNC_MASTER, slaves: 0 }]', /SYNC_MASTER needs a slave/],
      ['groups: [{ name: "a b" }]', /may hold only letters/],
      ['namesrvs: 1\ngroups: []', /at least one broker group/],
      ['groups: [{ name: a, master: { port: 70000 } }]', /port 70000 is outside/],
      ['groups: [{ name: a, master: { port: 9878 } }]', /a and ns1 both need 127\.0\.0\.1:9876/],
      ['groups: [{ name: a }, { name: a }]', /two nodes are named a/],
      ['namesrvs: 4\ngroups: [{ name: a }]', /ns4 and ns1 both need 127\.0\.0\.1:9879/],
      ['groups: [{ name: a, master: { properties: { metricsPromExporterPort: 9876 } } }]', /a and ns1 both need 127\.0\.0\.1:9876/],
      ['groups: [{ name: a, properties: [1] }]', /properties must be a mapping/],
      ['[1, 2', /topology .*:/],
      ['just text', /expected a mapping/],
    ];
    for (const [text, expected] of cases) {
      const file = join(dir, 'bad.yaml');
      writeFileSync(file, text);
      assert.throws(() => loadTopology(file), (err: Error) => err instanceof TopologyError && expected.test(err.message) && !err.message.includes('\n'), text);
    }
    // With ns1's metrics off, a fourth NameServer may have 9879.
    writeFileSync(join(dir, 'ok.yaml'), 'namesrvs: [{ properties: { metricsExporterType: DISABLE } }, {}, {}, {}]\ngroups: [{ name: a }]');
    const four = loadTopology(join(dir, 'ok.yaml'));
    assert.deepEqual(portsOf(four.nodes[0]!), [9876]);
    assert.deepEqual(portsOf(four.nodes[3]!), [9879, 9882]);
    assert.throws(() => loadTopology(join(dir, 'missing.yaml')), /not a built-in \(1ns-1m, 2ns-2m-2s, 2ns-3m-3s\) and not a readable file \(ENOENT\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a node\'s pid lives in its own pid file: a stale copy of the cluster state written back loses no other node\'s pid', () => {
  // `apogee cluster kill broker-b` and `apogee upgrade` restarting broker-b-s run at the same moment in
  // two processes; when both rewrote one shared file, the slower writer put back the slave's old pid and
  // the upgrade's --resume later waited forever for a node it believed stopped.
  const data = mkdtempSync(join(tmpdir(), 'apogee-layout-'));
  try {
    const topology = loadTopology('2ns-2m-2s');
    for (const node of topology.nodes) mkdirSync(nodeFiles(data, node).dir, { recursive: true });
    writeState({ format: 1, data, mode: 'loopback', topology, pids: {} });
    const [master, slave] = topology.nodes.filter((n) => n.group === 'broker-b');
    writeFileSync(nodeFiles(data, master!).pid, '1001\n');
    writeFileSync(nodeFiles(data, slave!).pid, '1002\n');
    const killer = readState(data)!; // read before the slave restarts
    writeFileSync(nodeFiles(data, slave!).pid, '2002\n'); // the upgrade restarted the slave
    rmSync(nodeFiles(data, master!).pid); // the killer removed the master's pid file
    delete killer.pids[master!.name];
    writeState(killer); // ... and wrote its (stale) copy back
    assert.deepEqual(readState(data)!.pids, { [slave!.name]: 2002 });
  } finally {
    rmSync(data, { recursive: true, force: true });
  }
});
