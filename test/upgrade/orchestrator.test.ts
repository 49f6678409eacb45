/**
 * `apogee upgrade` beyond the happy path, each under live load from our SDK:
 * - the gates matter: skipped, the master is stopped while it is still taking writes;
 * - a master killed (-9) in the middle stops the run with a clear reason; --resume finishes it;
 * - the command-template driver rolls nodes it did not start (plain processes with their own scripts).
 * Release to release here is the working tree on both sides: what is under test is the orchestration
 * (rolling-upgrade.test.ts moves a cluster between real releases).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setLogLevel } from '../../src/common/logger.js';
import { Admin } from '../../src/client/admin.js';
import type { ClusterInfo } from '../../src/protocol/route.js';
import { projectRoot } from '../helpers/fixtures.js';
import { Load } from '../helpers/load.js';

const ROOT = projectRoot();
const CLI = join(ROOT, 'dist', 'src', 'cli', 'apogee.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function apogee(args: string[], onLine?: (line: string) => void, timeoutMs = 240_000): Promise<Run> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      pending += c.toString();
      let nl;
      while ((nl = pending.indexOf('\n')) >= 0) {
        onLine?.(pending.slice(0, nl));
        pending = pending.slice(nl + 1);
      }
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr });
    });
  });
}

const lastJson = <T>(out: string): T => JSON.parse(out.trim().split('\n').pop()!) as T;

/** Until OrchTopic's route lists both groups: a producer started earlier would know one group only. */
async function untilRoutedToBoth(admin: Admin, deadline: number): Promise<void> {
  while ((await admin.topicRoute('OrchTopic').catch(() => undefined))?.queueDatas.length !== 2) {
    if (Date.now() > deadline) assert.fail('OrchTopic is not routed to both groups');
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A cluster of `apogee cluster up` on free ports, with a topic for the load; always brought down. */
async function withCluster(topology: string, fn: (data: string, namesrvAddr: string) => Promise<void>): Promise<void> {
  setLogLevel('silent');
  const data = mkdtempSync(join(tmpdir(), 'apogee-orch-'));
  const file = join(data, 'topology.yaml');
  writeFileSync(file, topology);
  try {
    let namesrvAddr = '';
    for (let attempt = 0; ; attempt++) {
      const up = await apogee(['cluster', 'up', '--topology', file, '--data', join(data, 'cluster'), '--base-port', String(20000 + Math.floor(Math.random() * 10000)), '--json']);
      if (up.code === 0) {
        namesrvAddr = lastJson<{ namesrvAddr: string }>(up.stdout).namesrvAddr;
        break;
      }
      if (attempt >= 5 || !/in use/.test(up.stderr)) assert.fail(up.stderr);
    }
    const admin = new Admin({ namesrvAddr });
    try {
      await admin.start();
      await admin.createTopic('OrchTopic', { readQueueNums: 4, writeQueueNums: 4 });
      await untilRoutedToBoth(admin, Date.now() + 30_000);
    } finally {
      await admin.shutdown();
    }
    await fn(join(data, 'cluster'), namesrvAddr);
  } finally {
    if (existsSync(join(data, 'cluster', 'cluster.json'))) await apogee(['cluster', 'down', '--data', join(data, 'cluster')]);
    rmSync(data, { recursive: true, force: true });
  }
}

const TWO_GROUPS = `
namesrvs: 1
brokerProperties: { registerNameServerPeriod: 2000, slaveSyncIntervalMs: 2000 }
groups: [{ name: broker-a }, { name: broker-b }]
`;

async function underLoad(namesrvAddr: string, group: string, fn: (load: Load) => Promise<void>): Promise<ReturnType<Load['report']>> {
  const load = new Load(namesrvAddr, 'OrchTopic', group, 2, 10);
  try {
    await load.start();
    while (load.acknowledged < 100) await new Promise((r) => setTimeout(r, 50));
    await fn(load);
    await load.stopSending();
    await load.drain(60_000);
    return load.report();
  } finally {
    await load.close();
  }
}

/** The run's steps and gates with their times, to line up with the load's failures. */
function timeline(stdout: string): string {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{"event":"step"') || l.startsWith('{"event":"gate"'))
    .map((l) => {
      const e = JSON.parse(l) as { at?: number; id: string; status?: string; figure?: string };
      return `${e.at} ${e.id} ${e.status ?? e.figure}`;
    })
    .join('; ');
}

interface Report {
  atStop: Array<{ node: string; unreplicatedBytes?: number; sendsInFlight?: number; putsLastSecond?: number }>;
}

test('the gates matter: without them a master is stopped while still taking writes; with them it takes none and its slave has everything', async (t) => {
  await withCluster(TWO_GROUPS, async (data, namesrvAddr) => {
    const reports: Report[] = [];
    const seen = await underLoad(namesrvAddr, 'OrchGates', async () => {
      const unsafe = await apogee(['upgrade', '--cluster', data, '--to', 'current', '--yes', '--json', '--gate-timeout', '60', '--route-refresh', '1', '--unsafe-skip-gate', 'forbid-writes', '--unsafe-skip-gate', 'writes-stopped', '--unsafe-skip-gate', 'slave-caught-up']);
      assert.equal(unsafe.code, 0, unsafe.stderr);
      reports.push(lastJson<Report>(unsafe.stdout));
      // Clients said to re-read routes every 5 s: broker-b's writes are forbidden only 5 s (and a margin)
      // after broker-a is writable again on the NameServer, so no client sees both read-only at once.
      const safe = await apogee(['upgrade', '--cluster', data, '--to', 'current', '--yes', '--json', '--gate-timeout', '60', '--route-refresh', '5']);
      assert.equal(safe.code, 0, safe.stderr);
      reports.push(lastJson<Report>(safe.stdout));
      const events = safe.stdout.split('\n').filter((l) => l.startsWith('{"event":"gate"')).map((l) => JSON.parse(l) as { at: number; id: string; figure: string });
      const aWritable = events.find((e) => e.id === 'broker:broker-a/0' && /^brokerPermission 6, writable on 1 of 1 NameServers/.test(e.figure));
      const bForbidden = events.find((e) => e.id === 'broker:broker-b/0' && e.figure.startsWith('forbidding writes'));
      assert.ok(aWritable && bForbidden, timeline(safe.stdout));
      assert.ok(bForbidden.at - aWritable.at >= 5000, `broker-b forbidden ${bForbidden.at - aWritable.at} ms after broker-a was writable again: ${timeline(safe.stdout)}`);
      assert.ok(events.some((e) => e.id === 'broker:broker-b/0' && /for clients to re-read their routes \(every 5 s/.test(e.figure)) || bForbidden.at - aWritable.at >= 6000);
    });
    const [unsafe, safe] = reports as [Report, Report];
    t.diagnostic(`at stop without gates: ${JSON.stringify(unsafe.atStop)}; with gates: ${JSON.stringify(safe.atStop)}; application saw ${JSON.stringify({ ...seen, missing: seen.missing.length })}`);
    assert.ok(unsafe.atStop.some((s) => (s.putsLastSecond ?? 0) > 0), 'without the gates a master was stopped while messages were still being written to it');
    for (const s of safe.atStop) {
      assert.equal(s.putsLastSecond, 0, `${s.node}: no write in the second before the stop`);
      assert.equal(s.sendsInFlight, 0, `${s.node}: no send in flight at the stop`);
      assert.equal(s.unreplicatedBytes, 0, `${s.node}: its slave had every byte`);
    }
    assert.deepEqual(seen.missing, []);
    assert.deepEqual(seen.writable.filter((w) => w.brokers.length === 0), [], 'the producer always had a broker to write to');
  });
});

test('a master killed (-9) in the middle stops the run with a clear reason; --resume finishes it with nothing lost', async (t) => {
  await withCluster(TWO_GROUPS, async (data, namesrvAddr) => {
    let first: Run | undefined;
    let resumed: Run | undefined;
    // A broker that no NameServer lists is not silently left out of the plan (it would stay behind).
    assert.equal(spawnSync(process.execPath, [CLI, 'cluster', 'stop', 'broker-b-s', '--data', data]).status, 0);
    const partial = await apogee(['upgrade', '--cluster', data, '--to', 'current', '--plan', '--gate-timeout', '2']);
    assert.equal(partial.code, 1);
    assert.match(partial.stderr, /^apogee upgrade: broker-b-s \(127\.0\.0\.1:\d+\) is not registered on any NameServer: start it first/);
    assert.equal(spawnSync(process.execPath, [CLI, 'cluster', 'start', 'broker-b-s', '--data', data]).status, 0);
    const seen = await underLoad(namesrvAddr, 'OrchKill', async () => {
      let killed = false;
      first = await apogee(['upgrade', '--cluster', data, '--to', 'current', '--yes', '--json', '--gate-timeout', '8', '--route-refresh', '1'], (line) => {
        // When the orchestrator reaches broker-b's group, its master dies.
        if (!killed && line.includes('"id":"broker:broker-b/1"') && line.includes('"running"')) {
          killed = true;
          spawnSync(process.execPath, [CLI, 'cluster', 'kill', 'broker-b', '--data', data]);
        }
      });
      assert.ok(killed, 'the run reached broker-b');
      assert.equal(first.code, 1, 'the run stops');
      assert.match(first.stderr, /^apogee upgrade: upgrade stopped at broker-b (master|slave 1) \(broker-b(-s)?, [^)]+\): .+\. Fix the cause, then run again with --resume \(or --rollback\)\n$/);
      const state = JSON.parse(readFileSync(join(data, 'upgrade-state.json'), 'utf8')) as { done: string[]; aborted?: string; finishedAt?: string };
      assert.ok(state.aborted && !state.finishedAt, 'the state file says where and why it stopped');
      assert.ok(state.done.includes('broker:broker-a/0') && !state.done.includes('broker:broker-b/0'), 'broker-a was done, broker-b was not');
      const refused = await apogee(['upgrade', '--cluster', data, '--to', 'current', '--yes', '--json']);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /an upgrade is in progress .*: finish it with --resume or go back with --rollback/);
      assert.equal(spawnSync(process.execPath, [CLI, 'cluster', 'start', 'broker-b', '--data', data]).status, 0);
      resumed = await apogee(['upgrade', '--cluster', data, '--resume', '--yes', '--json', '--gate-timeout', '60', '--route-refresh', '1']);
      assert.equal(resumed.code, 0, resumed.stderr);
      const plan = JSON.parse(resumed.stdout.split('\n')[0]!) as { steps: Array<{ id: string }> };
      assert.ok(!plan.steps.some((s) => s.id === 'broker:broker-a/0'), 'the resumed run does not redo broker-a');
    });
    t.diagnostic(`first run: ${first?.stderr.trim()}; application saw ${JSON.stringify({ ...seen, missing: seen.missing.length })}`);
    assert.deepEqual(seen.missing, [], 'every acknowledged message was consumed');
  });
});

test('the command-template driver rolls nodes it did not start', async (t) => {
  setLogLevel('silent');
  const dir = mkdtempSync(join(tmpdir(), 'apogee-cmd-driver-'));
  const base = 20000 + Math.floor(Math.random() * 10000);
  const ns = `127.0.0.1:${base}`;
  const nodes = [
    { name: 'ns', kind: 'namesrv', props: `listenPort=${base}\nbindAddress=127.0.0.1\nrocketmqHome=${dir}/ns\n` },
    ...['a', 'b'].flatMap((g, i) => [
      { name: `broker-${g}`, kind: 'broker', props: `brokerName=broker-${g}\nbrokerId=0\nbrokerRole=ASYNC_MASTER\nnamesrvAddr=${ns}\nbrokerIP1=127.0.0.1\nbindAddress=127.0.0.1\nlistenPort=${base + 100 + i * 10}\nrocketmqHome=${dir}/broker-${g}\nregisterNameServerPeriod=2000\n` },
      { name: `broker-${g}-s`, kind: 'broker', props: `brokerName=broker-${g}\nbrokerId=1\nbrokerRole=SLAVE\nnamesrvAddr=${ns}\nbrokerIP1=127.0.0.1\nbindAddress=127.0.0.1\nlistenPort=${base + 200 + i * 10}\nrocketmqHome=${dir}/broker-${g}-s\nregisterNameServerPeriod=2000\n` },
    ]),
  ];
  // The operator's own start script: what the driver's templates call too.
  const startScript = join(dir, 'start-node.sh');
  writeFileSync(startScript, `#!/bin/sh\n# usage: start-node.sh NAME KIND INSTALL [extra flags]\nname=$1 kind=$2 install=$3; shift 3\ncd ${dir}\nnohup node "$install/dist/src/cli/mq$kind.js" -c "$name.properties" "$@" >> "$name.log" 2>&1 < /dev/null &\necho $! > "$name.pid"\necho "$install" > "$name.release"\n`, { mode: 0o755 });
  const names: Record<string, string> = { [ns]: 'ns' };
  for (const n of nodes) {
    writeFileSync(join(dir, `${n.name}.properties`), n.props);
    mkdirSync(join(dir, n.name), { recursive: true });
    const port = /listenPort=(\d+)/.exec(n.props)![1]!;
    names[`127.0.0.1:${port}`] = n.name;
  }
  const driverFile = join(dir, 'driver.yaml');
  writeFileSync(driverFile, [
    `stop: 'pid=$(cat ${dir}/{name}.pid); kill -TERM $pid; while kill -0 $pid 2>/dev/null && ! grep -q "^[^ ]* [^ ]* [^ ]* Z" /proc/$pid/stat 2>/dev/null; do sleep 0.1; done'`,
    `start: '${startScript} {name} {kind} {release} {extraArgs}'`,
    `release: 'cat ${dir}/{name}.release'`,
    `backup: 'mkdir -p ${dir}/backups/{label} && cp ${dir}/{name}.properties ${dir}/backups/{label}/ && echo ${dir}/backups/{label}'`,
    `names: ${JSON.stringify(names)}`,
    `state: upgrade-state.json`,
  ].join('\n'));
  const pidOf = (name: string): number => Number(readFileSync(join(dir, `${name}.pid`), 'utf8'));
  try {
    for (const n of nodes) spawnSync(startScript, [n.name, n.kind, ROOT]);
    const admin = new Admin({ namesrvAddr: ns });
    await admin.start();
    try {
      const deadline = Date.now() + 30_000;
      // Both groups, master and slave: a topic created before broker-a's master registered would live on broker-b only.
      const complete = (info: ClusterInfo | undefined): boolean => ['broker-a', 'broker-b'].every((g) => info?.brokerAddrTable.get(g)?.brokerAddrs.size === 2);
      while (!complete(await admin.clusterInfo().catch(() => undefined))) {
        if (Date.now() > deadline) assert.fail('the hand-started cluster did not come up');
        await new Promise((r) => setTimeout(r, 200));
      }
      await admin.createTopic('OrchTopic', { readQueueNums: 4, writeQueueNums: 4 });
      await untilRoutedToBoth(admin, deadline);
    } finally {
      await admin.shutdown();
    }
    const before = Object.fromEntries(nodes.map((n) => [n.name, pidOf(n.name)]));
    let run: Run | undefined;
    const seen = await underLoad(ns, 'OrchCmd', async () => {
      run = await apogee(['upgrade', '--cluster', ns, '--driver', driverFile, '--to', 'current', '--yes', '--json', '--gate-timeout', '60', '--route-refresh', '1']);
    });
    assert.equal(run!.code, 0, run!.stderr + run!.stdout.split('\n').slice(-4).join('\n'));
    t.diagnostic(`command driver: ${run!.stdout.trim().split('\n').pop()}; application saw ${JSON.stringify({ ...seen, missing: seen.missing.length })}`);
    for (const n of nodes) assert.notEqual(pidOf(n.name), before[n.name], `${n.name} was restarted by the driver`);
    assert.ok(existsSync(join(dir, 'backups')), 'the backup template ran');
    assert.equal(seen.failed, 0, `no send failed; the run: ${timeline(run!.stdout)}`);
    assert.deepEqual(seen.missing, []);
    assert.deepEqual(seen.writable.filter((w) => w.brokers.length === 0), [], 'the producer always had a broker to write to');
  } finally {
    for (const n of nodes) {
      try {
        process.kill(pidOf(n.name), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
