/**
 * The deployment property files start real Apogee processes here: the compose topology's files
 * (2 NameServers, broker-a/b masters and slaves) and the Helm chart's rendered ConfigMaps, with only
 * the ports, addresses and paths moved to free ports and a temp dir by command-line overrides (which
 * win over the file, as in RocketMQ). Each boots, the brokers register with every NameServer, and
 * each stops cleanly — SIGTERM, or the chart's real preStop command — within the grace period its
 * packaging gives it. When the servers serve health endpoints (metricsPromExporterPort), the
 * image's probe must also see /readyz answer 200.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { BrokerConfigSpec } from '../../src/broker/config.js';
import { NamesrvConfigSpec } from '../../src/namesrv/config.js';
import { cliPath, spawnServer, type ServerProcess } from '../../src/testing/launcher.js';
import { projectRoot } from '../../src/common/paths.js';
import { composeDurationMs, deployDir, freePort, loadBrokerProperties } from '../helpers/deploy.js';
import { helmMissing, render, type Doc } from '../helpers/helm.js';
import { startNamesrv } from '../helpers/namesrv.js';
import { untilValue } from '../helpers/wait.js';

/** Whether this build's servers serve /metrics, /healthz and /readyz (that work may land separately). */
const HEALTH = { broker: Object.hasOwn(BrokerConfigSpec, 'metricsPromExporterPort'), namesrv: Object.hasOwn(NamesrvConfigSpec, 'metricsPromExporterPort') };

/** brokerName/brokerId pairs the NameServer at `addr` lists, via the real mqadmin clusterList. */
function clusterList(addr: string): string[] {
  const r = spawnSync(process.execPath, [cliPath('mqadmin'), 'clusterList', '-n', addr], { encoding: 'utf8' });
  return [...r.stdout.matchAll(/^\S+\s+(broker-\w+)\s+(\d+)\s+/gm)].map((m) => `${m[1]}/${m[2]}`).sort();
}

/** The image's health probe (deploy/docker/healthcheck.mjs) against one port: its exit code. */
async function probe(port: number, path: string): Promise<number | null> {
  const child = spawn(process.execPath, [deployDir('docker', 'healthcheck.mjs'), path], { env: { ...process.env, APOGEE_HEALTH_PORT: String(port) }, stdio: 'ignore' });
  const [code] = (await once(child, 'close')) as [number | null];
  return code;
}

async function healthOverrides(kind: keyof typeof HEALTH): Promise<{ args: string[]; port?: number }> {
  if (!HEALTH[kind]) return { args: [] };
  const port = await freePort();
  return { args: [`--metricsPromExporterPort=${port}`], port };
}

async function expectReady(what: string, port: number | undefined): Promise<void> {
  if (port === undefined) return;
  await untilValue(async () => ((await probe(port, '/readyz')) === 0 ? true : undefined), `${what} /readyz 200 through the image's probe`, 30_000, 200);
  assert.equal(await probe(port, '/healthz'), 0, `${what} /healthz`);
}

test('the compose property files start 2 NameServers and broker-a/b masters and slaves, which register and stop on SIGTERM within stop_grace_period', async (t) => {
  for (const [kind, served] of Object.entries(HEALTH)) if (!served) t.diagnostic(`this build's ${kind} serves no health endpoints (no metricsPromExporterPort): its /readyz is not probed`);
  const compose = parse(readFileSync(deployDir('compose', 'docker-compose.yml'), 'utf8'), { merge: true }) as Doc;
  const home = mkdtempSync(join(tmpdir(), 'apogee-compose-run-'));
  const procs: Array<{ name: string; proc: ServerProcess; graceMs: number }> = [];
  try {
    const nsPorts: number[] = [];
    for (const name of ['namesrv-0', 'namesrv-1']) {
      const service = compose.services[name] as Doc;
      const port = await freePort();
      const health = await healthOverrides('namesrv');
      const proc = spawnServer('mqnamesrv', ['-c', deployDir('compose', 'conf', 'namesrv.properties'), `--listenPort=${port}`, `--rocketmqHome=${join(home, name)}`, ...health.args], { env: { APOGEE_LOG_LEVEL: 'warn' } });
      procs.push({ name, proc, graceMs: composeDurationMs(service.stop_grace_period)! });
      await proc.waitFor(/The Name Server boot success/);
      await expectReady(name, health.port);
      nsPorts.push(port);
    }
    const namesrvAddr = nsPorts.map((p) => `127.0.0.1:${p}`).join(';');
    const brokers = ['broker-a', 'broker-a-s', 'broker-b', 'broker-b-s'];
    const ready: Array<Promise<void>> = [];
    for (const name of brokers) {
      const service = compose.services[name] as Doc;
      const conf = deployDir('compose', 'conf', `${name}.properties`);
      const health = await healthOverrides('broker');
      const dir = join(home, name);
      const proc = spawnServer('mqbroker', ['-c', conf, '-n', namesrvAddr, '--listenPort=0', '--brokerIP1=127.0.0.1', `--rocketmqHome=${dir}`, `--storePathRootDir=${join(dir, 'store')}`, ...health.args], { env: { APOGEE_HOME: dir, APOGEE_LOG_LEVEL: 'info' } });
      procs.push({ name, proc, graceMs: composeDurationMs(service.stop_grace_period)! });
      ready.push(proc.waitFor(new RegExp(`The broker\\[${name.replace(/-s$/, '')}, 127\\.0\\.0\\.1:\\d+\\] boot success`)).then(() => expectReady(name, health.port)));
    }
    await Promise.all(ready);
    for (const port of nsPorts) {
      await untilValue(() => (clusterList(`127.0.0.1:${port}`).join() === 'broker-a/0,broker-a/1,broker-b/0,broker-b/1' ? true : undefined), `all four brokers listed by the NameServer on ${port}`, 20_000, 250);
    }
    // Slaves first, then masters, then NameServers: the order `docker compose stop` of a rolling restart would use.
    for (const { name, proc, graceMs } of [...procs.slice(2).reverse(), ...procs.slice(0, 2)]) {
      const stopped = await proc.stop(graceMs);
      assert.deepEqual({ code: stopped.code, signal: stopped.signal, killed: stopped.killed }, { code: 0, signal: null, killed: false }, `${name}\n${proc.tailText()}`);
      if (name.startsWith('broker')) assert.match(proc.stderr(), /broker stopped/, name);
    }
  } finally {
    for (const { proc } of procs) await proc.stop(5000);
    rmSync(home, { recursive: true, force: true });
  }
});

test("the Helm chart's ConfigMaps start broker-a's master and slave; the chart's preStop command drains the master within terminationGracePeriodSeconds", { skip: helmMissing }, async () => {
  const docs = render();
  const home = mkdtempSync(join(tmpdir(), 'apogee-helm-run-'));
  const ns = await startNamesrv();
  const procs: ServerProcess[] = [];
  try {
    const run = async (name: string): Promise<{ proc: ServerProcess; set: Doc; etc: string; dir: string }> => {
      const set = docs.find((d) => d.kind === 'StatefulSet' && d.metadata.name === `t-apogee-${name}`)!;
      const configMap = (set.spec.template.spec.volumes as Doc[]).find((v) => v.configMap)!.configMap.name as string;
      const text = docs.find((d) => d.kind === 'ConfigMap' && d.metadata.name === configMap)!.data['broker.properties'] as string;
      const loaded = loadBrokerProperties(text, configMap);
      const dir = join(home, name);
      const etc = join(dir, 'etc');
      mkdirSync(etc, { recursive: true });
      writeFileSync(join(etc, 'broker.properties'), text);
      // The container's args, with its paths and addresses moved here.
      const container = set.spec.template.spec.containers[0] as Doc;
      const args = (container.args as string[]).slice(1).map((a) => a.replace('/etc/apogee', etc).replace('$(POD_IP)', '127.0.0.1'));
      const proc = spawnServer('mqbroker', [...args, '-n', ns.addr, '--listenPort=0', `--rocketmqHome=${dir}`, `--storePathRootDir=${join(dir, 'store')}`], { env: { APOGEE_HOME: dir, APOGEE_LOG_LEVEL: 'info' } });
      procs.push(proc);
      await proc.waitFor(new RegExp(`The broker\\[${loaded.config.brokerName}, 127\\.0\\.0\\.1:\\d+\\] boot success`));
      return { proc, set, etc, dir };
    };
    const master = await run('broker-a');
    const slave = await run('broker-a-s');
    await untilValue(() => (ns.namesrv.routes.clusterInfo().brokerAddrTable.get('broker-a')?.brokerAddrs.size === 2 ? true : undefined), 'master and slave registered', 20_000);

    // The preStop hook as the kubelet runs it, paths mapped: it must return 0 once the broker has exited.
    const pod = master.set.spec.template.spec as Doc;
    const graceMs = (pod.terminationGracePeriodSeconds as number) * 1000;
    const [node, script, ...hookArgs] = pod.containers[0].lifecycle.preStop.exec.command as string[];
    assert.equal(node, 'node');
    assert.equal(script!.replace('/opt/apogee', projectRoot()), cliPath('mqshutdown'));
    const hook = spawn(process.execPath, [cliPath('mqshutdown'), ...hookArgs.map((a) => a.replace('/etc/apogee', master.etc))], { env: { ...process.env, APOGEE_HOME: master.dir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let hookOut = '';
    hook.stdout.on('data', (c: Buffer) => (hookOut += c.toString()));
    hook.stderr.on('data', (c: Buffer) => (hookOut += c.toString()));
    const timer = setTimeout(() => hook.kill('SIGKILL'), graceMs);
    const [hookCode] = (await once(hook, 'close')) as [number | null];
    clearTimeout(timer);
    assert.equal(hookCode, 0, hookOut);
    assert.ok(!master.proc.running, 'the broker exited before the preStop hook returned');
    assert.deepEqual(master.proc.exit, { code: 0, signal: null });
    assert.match(master.proc.stderr(), /SIGTERM received: draining, then shutting down[\s\S]*broker stopped/);
    assert.ok(slave.proc.running, 'the hook stopped only the broker of its own property file');

    const stopped = await slave.proc.stop((slave.set.spec.template.spec.terminationGracePeriodSeconds as number) * 1000);
    assert.deepEqual({ code: stopped.code, killed: stopped.killed }, { code: 0, killed: false }, slave.proc.tailText());
  } finally {
    for (const p of procs) await p.stop(5000);
    await ns.stop();
    rmSync(home, { recursive: true, force: true });
  }
});
