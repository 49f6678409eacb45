/**
 * The headline, proven on every commit: a 2ns-3m-3s cluster started on the previous release (built
 * from git history, as RELEASES.md names it) is upgraded to the working tree with `apogee upgrade
 * --yes`, then rolled back, while a live load runs: our SDK producer (acknowledged sends at a steady
 * rate) and push consumer, and a real ali-ons producer and push consumer. Asserted: no failed send
 * the application saw, every acknowledged message consumed, no committed consumer offset going back.
 * Printed: the longest send stall, duplicates, time per node and in total.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '../../src/client/admin.js';
import { setLogLevel } from '../../src/common/logger.js';
import { RELEASE } from '../../src/common/release.js';
import type { ClusterStatus } from '../../src/cluster/status.js';
import { projectRoot } from '../helpers/fixtures.js';
import { until as waitUntil } from '../helpers/wait.js';
import { Load } from '../helpers/load.js';
import { buildPreviousRelease, previousReleaseUnavailable } from '../helpers/previous-release.js';

const ROOT = projectRoot();
const CURRENT_CLI = join(ROOT, 'dist', 'src', 'cli', 'apogee.js');
const unavailable = previousReleaseUnavailable();
if (unavailable) process.stdout.write(`# rolling upgrade test skipped: ${unavailable}\n`);

const TOPOLOGY = `
cluster: UpgradeCluster
namesrvs: 2
brokerProperties: { registerNameServerPeriod: 2000, slaveSyncIntervalMs: 2000 }
groups: [{ name: broker-a }, { name: broker-b }, { name: broker-c }]
`;

function run(cli: string, args: string[], timeoutMs = 180_000): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('close', (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr });
    });
  });
}

/** An ali-ons scenario script in its own process, its JSON-line events collected. */
class OnsProcess {
  readonly events: Array<Record<string, unknown> & { ev: string }> = [];
  /** The tail of its stderr (ali-ons' warnings), for failure messages. */
  stderr = '';
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;

  constructor(script: string, env: Record<string, string>) {
    this.child = spawn(process.execPath, [join(ROOT, 'conformance', 'scenarios', 'ons', script)], { cwd: join(ROOT, 'conformance'), stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    this.child.stderr!.on('data', (c: Buffer) => (this.stderr = (this.stderr + c.toString()).slice(-2000)));
    let buf = '';
    this.child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      let nl;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        try {
          this.events.push(JSON.parse(line) as { ev: string });
        } catch {
          // not an event line
        }
      }
    });
    this.exited = new Promise((r) => this.child.once('close', () => r()));
  }

  count(ev: string): number {
    return this.events.filter((e) => e.ev === ev).length;
  }

  command(cmd: string): void {
    this.child.stdin!.write(JSON.stringify({ cmd }) + '\n');
  }

  async stop(timeoutMs: number): Promise<void> {
    this.command('stop');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }
}

function ensureAliOns(): void {
  if (existsSync(join(ROOT, 'conformance', 'node_modules', 'ali-ons'))) return;
  const r = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: join(ROOT, 'conformance'), encoding: 'utf8', timeout: 300_000 });
  if (r.status !== 0) throw new Error(`npm ci in conformance/: ${r.stderr}`);
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const until = (what: string, cond: () => boolean | Promise<boolean>, ms = 60_000): Promise<void> => waitUntil(cond, what, ms, 200);

/** Committed offsets of a group per queue, read from the masters (all up when this is called). */
async function offsets(admin: Admin, group: string, topic: string): Promise<Map<string, number>> {
  const stats = await admin.consumeStats(group, topic);
  return new Map(stats.offsetTable.map((e) => [`${e.mq.brokerName}/${e.mq.queueId}`, e.consumerOffset]));
}

function wentBack(before: Map<string, number>, after: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [mq, o] of before) if ((after.get(mq) ?? -1) < o) out.push(`${mq}: ${o} -> ${after.get(mq)}`);
  return out;
}

test('apogee upgrade: previous release -> working tree -> back, 2ns-3m-3s under live load, zero loss', { skip: unavailable, timeout: 900_000 }, async (t) => {
  setLogLevel('silent');
  ensureAliOns();
  const previous = buildPreviousRelease((l) => t.diagnostic(l));
  const previousCli = join(previous.install, 'dist', 'src', 'cli', 'apogee.js');
  const data = mkdtempSync(join(tmpdir(), 'apogee-upgrade-'));
  const topology = join(data, '..', `${data.split('/').pop()}-topology.yaml`);
  writeFileSync(topology, TOPOLOGY);
  let load: Load | undefined;
  let onsProducer: OnsProcess | undefined;
  let onsConsumer: OnsProcess | undefined;
  const admin = { current: undefined as Admin | undefined };
  try {
    let namesrvAddr = '';
    for (let attempt = 0; ; attempt++) {
      const base = 20000 + Math.floor(Math.random() * 10000);
      const up = await run(previousCli, ['cluster', 'up', '--topology', topology, '--data', data, '--base-port', String(base), '--json']);
      if (up.code === 0) {
        namesrvAddr = (JSON.parse(up.stdout.trim().split('\n').pop()!) as { namesrvAddr: string }).namesrvAddr;
        break;
      }
      if (attempt >= 5 || !/in use/.test(up.stderr)) assert.fail(`cluster up on release ${previous.version}: ${up.stderr}`);
    }
    const versions = async (): Promise<string[]> => {
      const s = JSON.parse((await run(CURRENT_CLI, ['cluster', 'status', '--data', data, '--json'])).stdout) as ClusterStatus;
      return [...new Set(s.nodes.filter((n) => n.kind === 'broker').map((n) => n.version ?? 'down'))];
    };
    assert.deepEqual(await versions(), [`V4_9_8 (Apogee ${previous.version})`]);

    admin.current = new Admin({ namesrvAddr });
    await admin.current.start();
    for (const topic of ['UpgradeTopic', 'OnsUpgradeTopic']) await admin.current.createTopic(topic, { clusterName: 'UpgradeCluster', readQueueNums: 4, writeQueueNums: 4 });
    for (const topic of ['UpgradeTopic', 'OnsUpgradeTopic']) await until(`${topic} routed to all three groups`, async () => (await admin.current!.topicRoute(topic).catch(() => undefined))?.queueDatas.length === 3);

    load = new Load(namesrvAddr, 'UpgradeTopic', 'UpgradeGroup', 2, 10);
    await load.start();
    const onsEnv = { NAMESRV: namesrvAddr, TOPIC: 'OnsUpgradeTopic', GROUP: 'OnsUpgradeGroup', SUFFIX: 'upg', DEADLINE_MS: '600000' };
    onsConsumer = new OnsProcess('r01-consumer.cjs', onsEnv);
    onsProducer = new OnsProcess('r01-producer.cjs', onsEnv);
    await until('traffic from both producers', () => load!.acknowledged >= 200 && onsProducer!.count('sent') >= 100).catch((err: Error) => {
      throw new Error(`${err.message}: ours ${load!.acknowledged} acknowledged, ali-ons ${onsProducer!.count('sent')} (${onsProducer!.events.slice(-3).map((e) => JSON.stringify(e)).join(' ')} ${onsProducer!.stderr.slice(-500)})`);
    });
    await until('both consumers to commit offsets', async () => (await offsets(admin.current!, 'UpgradeGroup', 'UpgradeTopic')).size > 0 && (await offsets(admin.current!, 'OnsUpgradeGroup', 'OnsUpgradeTopic')).size > 0);
    const before = [await offsets(admin.current, 'UpgradeGroup', 'UpgradeTopic'), await offsets(admin.current, 'OnsUpgradeGroup', 'OnsUpgradeTopic')];

    load.setPhase('upgrade');
    const upgrade = await run(CURRENT_CLI, ['upgrade', '--cluster', data, '--to', 'current', '--yes', '--json', '--gate-timeout', '90', '--route-refresh', '5']);
    assert.equal(upgrade.code, 0, `upgrade failed: ${upgrade.stderr}${upgrade.stdout.split('\n').slice(-5).join('\n')}`);
    const upReport = JSON.parse(upgrade.stdout.trim().split('\n').pop()!) as { totalMs: number; perNodeMs: Record<string, number>; warnings: string[] };
    assert.deepEqual(await versions(), [`V4_9_8 (Apogee ${RELEASE})`]);
    await sleep(3000);
    const afterUpgrade = [await offsets(admin.current, 'UpgradeGroup', 'UpgradeTopic'), await offsets(admin.current, 'OnsUpgradeGroup', 'OnsUpgradeTopic')];

    load.setPhase('rollback');
    const rollback = await run(CURRENT_CLI, ['upgrade', '--cluster', data, '--rollback', '--yes', '--json', '--gate-timeout', '90', '--route-refresh', '5']);
    assert.equal(rollback.code, 0, `rollback failed: ${rollback.stderr}${rollback.stdout.split('\n').slice(-5).join('\n')}`);
    const backReport = JSON.parse(rollback.stdout.trim().split('\n').pop()!) as { totalMs: number; perNodeMs: Record<string, number>; warnings: string[] };
    assert.deepEqual(await versions(), [`V4_9_8 (Apogee ${previous.version})`]);
    await sleep(3000);
    const afterRollback = [await offsets(admin.current, 'UpgradeGroup', 'UpgradeTopic'), await offsets(admin.current, 'OnsUpgradeGroup', 'OnsUpgradeTopic')];

    load.setPhase('after');
    await load.stopSending();
    await onsProducer.stop(30_000);
    const onsSent = onsProducer.events.filter((e) => e.ev === 'sent').map((e) => String(e.keys));
    await load.drain(60_000);
    await until('ali-ons to consume every acknowledged message', () => {
      const got = new Set(onsConsumer!.events.filter((e) => e.ev === 'recv').map((e) => String(e.keys)));
      return onsSent.every((k) => got.has(k));
    }, 60_000).catch(() => undefined);
    await onsConsumer.stop(30_000);

    const sdk = load.report();
    const onsRecv = onsConsumer.events.filter((e) => e.ev === 'recv').map((e) => String(e.keys));
    const onsGot = new Set(onsRecv);
    const onsMissing = onsSent.filter((k) => !onsGot.has(k));
    const onsAcks = onsProducer.events.filter((e) => e.ev === 'sent').map((e) => Number(e.t));
    let onsStall = 0;
    for (let i = 1; i < onsAcks.length; i++) onsStall = Math.max(onsStall, onsAcks[i]! - onsAcks[i - 1]!);
    const figures = {
      previous: previous.version,
      current: RELEASE,
      upgradeSeconds: +(upReport.totalMs / 1000).toFixed(1),
      rollbackSeconds: +(backReport.totalMs / 1000).toFixed(1),
      upgradePerNodeSeconds: Object.fromEntries(Object.entries(upReport.perNodeMs).map(([k, v]) => [k, +(v / 1000).toFixed(1)])),
      sdk: { acknowledged: sdk.acknowledged, failed: sdk.failed, failedByPhase: sdk.failedByPhase, firstFailures: sdk.failures.slice(0, 3), notOk: sdk.notOk, longestStallMs: sdk.longestStallMs, duplicates: sdk.duplicates, duplicatePercent: +((100 * sdk.duplicates) / Math.max(1, sdk.consumed)).toFixed(3), missing: sdk.missing.length },
      aliOns: { acknowledged: onsSent.length, failed: onsProducer.count('send-failed'), firstFailures: onsProducer.events.filter((e) => e.ev === 'send-failed').slice(0, 3).map((e) => `${String(e.t)} ${String(e.message)}`), longestStallMs: onsStall, duplicates: onsRecv.length - onsGot.size, duplicatePercent: +((100 * (onsRecv.length - onsGot.size)) / Math.max(1, onsGot.size)).toFixed(3), missing: onsMissing.length },
      warnings: [...upReport.warnings, ...backReport.warnings],
    };
    t.diagnostic(`rolling upgrade figures: ${JSON.stringify(figures)}`);
    process.stdout.write(`# rolling upgrade figures: ${JSON.stringify(figures)}\n`);

    assert.equal(sdk.failed, 0, 'no send failed for our SDK producer');
    assert.equal(onsProducer.count('send-failed'), 0, 'no send failed for the ali-ons producer');
    assert.deepEqual(sdk.missing, [], 'every message our producer got acknowledged was consumed');
    assert.deepEqual(onsMissing, [], 'every message ali-ons got acknowledged was consumed');
    for (const [i, group] of ['UpgradeGroup', 'OnsUpgradeGroup'].entries()) {
      assert.deepEqual(wentBack(before[i]!, afterUpgrade[i]!), [], `${group}: no committed offset went back during the upgrade`);
      assert.deepEqual(wentBack(afterUpgrade[i]!, afterRollback[i]!), [], `${group}: no committed offset went back during the rollback`);
    }
  } finally {
    await load?.close().catch(() => undefined);
    await onsProducer?.stop(5000).catch(() => undefined);
    await onsConsumer?.stop(5000).catch(() => undefined);
    await admin.current?.shutdown();
    if (existsSync(join(data, 'cluster.json'))) await run(CURRENT_CLI, ['cluster', 'down', '--data', data]);
    rmSync(data, { recursive: true, force: true });
    rmSync(topology, { force: true });
  }
});
