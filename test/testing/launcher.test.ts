/**
 * The launcher's promise: one call starts real servers (in this process, as one `apogee start` process,
 * or as a whole topology of processes), and stop() always stops them — ports closed, processes gone,
 * temp dirs removed — also when the code between fails.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { launch, withServers } from '../../src/testing/launcher.js';
import { until } from '../helpers/wait.js';
import { Admin } from '../../src/client/admin.js';
import { setLogLevel } from '../../src/common/logger.js';

setLogLevel('warn');

function connectable(addr: string): Promise<boolean> {
  const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))];
  return new Promise((resolve) => {
    const s = connect({ host, port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Running, not merely a zombie no parent has reaped yet (orphans may wait for it in a container). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** Pids of live processes whose command line mentions `text` (Linux /proc). */
function processesNaming(text: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((d) => {
      try {
        return readFileSync(`/proc/${d}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

async function brokersOn(namesrvAddr: string): Promise<string[]> {
  const admin = new Admin({ namesrvAddr });
  try {
    await admin.start();
    const info = await admin.clusterInfo();
    return [...info.brokerAddrTable.values()].flatMap((b) => [...b.brokerAddrs.values()]);
  } finally {
    await admin.shutdown();
  }
}

test('in-process: one call starts a NameServer and a broker registered on it; stop() closes both, removes the temp dir, and may be called twice', async () => {
  const servers = await launch({ mode: 'in-process' });
  try {
    assert.deepEqual(await brokersOn(servers.namesrvAddr), [servers.brokerAddr]);
  } finally {
    await servers.stop();
    await servers.stop();
  }
  assert.equal(await connectable(servers.namesrvAddr), false, 'NameServer port closed');
  assert.equal(await connectable(servers.brokerAddr), false, 'broker port closed');
  assert.equal(existsSync(servers.home), false, 'temp dir removed');
});

test('withServers stops the servers when the code using them throws, and passes the error on', async () => {
  let addr = '';
  await assert.rejects(
    withServers({ mode: 'in-process-namesrv' }, async (ns) => {
      addr = ns.namesrvAddr;
      assert.equal(await connectable(addr), true);
      throw new Error('the test failed half-way');
    }),
    /the test failed half-way/,
  );
  assert.equal(await connectable(addr), false, 'NameServer stopped all the same');
});

test('node: `apogee start` as a process; restart() comes back on the same ports; stop() ends it (exit 0) and removes its temp dir', async () => {
  const node = await launch({ mode: 'node', env: { APOGEE_LOG_LEVEL: 'warn' } });
  try {
    const first = { ns: node.namesrvAddr, broker: node.brokerAddr, pid: node.process!.pid };
    assert.deepEqual(await brokersOn(node.namesrvAddr), [node.brokerAddr]);
    const stopped = await node.restart();
    assert.deepEqual({ code: stopped.code, killed: stopped.killed }, { code: 0, killed: false }, node.tailText());
    assert.equal(alive(first.pid), false, 'the first process is gone');
    assert.deepEqual({ ns: node.namesrvAddr, broker: node.brokerAddr, starts: node.starts }, { ns: first.ns, broker: first.broker, starts: 2 });
    assert.equal(await connectable(node.brokerAddr), true);
  } finally {
    const stopped = await node.stop();
    assert.equal(stopped.code, 0, `stopped ${JSON.stringify(stopped)}\n${node.tailText()}`);
  }
  assert.equal(alive(node.process!.pid), false);
  assert.equal(existsSync(node.dir), false, 'temp dir removed');
});

test('node: a start that fails rejects with the server’s own error line', async () => {
  const err = await launch({ mode: 'node', brokerProps: { flushDiskType: 'SYNC' } }).then(
    () => assert.fail('started with an invalid flushDiskType'),
    (e: Error) => e,
  );
  assert.match(err.message, /exited .*before printing/);
  assert.match(err.message, /invalid value "SYNC" for flushDiskType/);
});

test('node: a start that does not become ready in time is killed, not left running', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-launcher-'));
  try {
    await assert.rejects(launch({ mode: 'node', dir, readyTimeoutMs: 1 }), /did not print .* within 1 ms/);
    assert.deepEqual(processesNaming(dir), [], 'no process of that start still runs');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('cluster: a 1ns-1m topology as OS processes with one call; stop() takes every node down and removes its data', async () => {
  const cluster = await launch({ mode: 'cluster', topology: '1ns-1m' });
  const pids = Object.values(cluster.state.pids);
  try {
    assert.equal(pids.length, 2, 'a NameServer and a broker process');
    assert.ok(pids.every(alive));
    assert.deepEqual(await brokersOn(cluster.namesrvAddr), [cluster.brokerAddr]);
  } finally {
    await cluster.stop();
  }
  assert.deepEqual(pids.filter(alive), [], 'every node process ended');
  assert.equal(existsSync(cluster.data), false, 'data removed');
});

test('a process that exits without stopping its servers takes them along: the `apogee start` child and every cluster node are killed', async () => {
  const launcher = fileURLToPath(new URL('../../src/testing/launcher.js', import.meta.url));
  // A script that launches a node and a cluster, prints their pids and exits without stop().
  const script = `
    const { launch } = await import(${JSON.stringify(launcher)});
    const node = await launch({ mode: 'node' });
    const cluster = await launch({ mode: 'cluster', topology: '1ns-1m' });
    console.log(JSON.stringify({ pids: [node.process.pid, ...Object.values(cluster.state.pids)], dirs: [node.dir, cluster.data] }));
    process.exit(0);
  `;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 90_000 });
  assert.equal(r.status, 0, r.stderr);
  const { pids, dirs } = JSON.parse(r.stdout.trim().split('\n').pop()!) as { pids: number[]; dirs: string[] };
  try {
    assert.equal(pids.length, 3, 'apogee start, a NameServer and a broker');
    await until(() => pids.every((p) => !alive(p)), 'every server process to be gone', 5_000);
  } finally {
    for (const p of pids.filter(alive)) process.kill(p, 'SIGKILL');
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
});
