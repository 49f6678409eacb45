/**
 * deploy/systemd: the unit files parsed (INI sections) and checked — ExecStart runs the right CLI
 * with the right property file, SIGTERM stops it, TimeoutStopSec outlasts a broker's drain, a
 * dedicated user, Restart=on-failure, hardening with the store and logs writable — then verified
 * by systemd-analyze (when installed; it needs no running systemd) and run for real: each unit's
 * ExecStart, with /opt/apogee mapped to this checkout, starts a server from deploy/systemd/etc that
 * stops cleanly on SIGTERM within the unit's TimeoutStopSec.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/paths.js';
import { cliPath, spawnServer, type ServerCli, type ServerProcess } from '../../src/testing/launcher.js';
import { brokerStopMs, deployDir, freePort, loadBrokerFile, loadNamesrvProperties } from '../helpers/deploy.js';

type Unit = Map<string, Map<string, string[]>>;

/** systemd's INI dialect: [Section], Key=Value (repeatable), # and ; comments, trailing-\ continuation. */
function parseUnit(text: string): Unit {
  const unit: Unit = new Map();
  let section: Map<string, string[]> | undefined;
  const lines = text.replace(/\\\n/g, ' ').split('\n');
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) {
      section = new Map();
      unit.set(head[1]!, section);
      continue;
    }
    const eq = line.indexOf('=');
    if (!section || eq < 0) throw new Error(`not a unit file line: ${line}`);
    const key = line.slice(0, eq).trim();
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return unit;
}

const value = (unit: Unit, section: string, key: string): string | undefined => unit.get(section)?.get(key)?.at(-1);

/** A systemd time span ("75", "75s", "1min 15s", "2m") in milliseconds. */
function timeSpanMs(span: string | undefined): number | undefined {
  if (span === undefined || !/^(\s*\d+(\.\d+)?\s*(ms|s|sec|second|seconds|m|min|minute|minutes|h|hr|hour|hours)?)+$/.test(span)) return undefined;
  const unit: Record<string, number> = { ms: 1, s: 1000, sec: 1000, second: 1000, seconds: 1000, m: 60_000, min: 60_000, minute: 60_000, minutes: 60_000, h: 3_600_000, hr: 3_600_000, hour: 3_600_000, hours: 3_600_000 };
  let ms = 0;
  for (const m of span.matchAll(/(\d+(?:\.\d+)?)\s*([a-z]*)/g)) ms += Number(m[1]) * unit[m[2] || 's']!;
  return ms;
}

interface UnitCase {
  file: string;
  cli: ServerCli;
  instance?: string;
  /** Longest graceful stop of the server the unit runs. */
  stopMs: () => number;
}

const CASES: UnitCase[] = [
  { file: 'apogee-namesrv.service', cli: 'mqnamesrv', stopMs: () => 10_000 },
  { file: 'apogee-broker@.service', cli: 'mqbroker', instance: 'broker-a', stopMs: () => brokerStopMs(loadBrokerFile(deployDir('systemd', 'etc', 'broker-a.properties'))) },
];

const expand = (s: string, instance: string | undefined): string => (instance ? s.replaceAll('%i', instance) : s);

/** What is wrong with a unit as an Apogee server's unit (empty: nothing). */
function unitProblems(text: string, c: UnitCase): string[] {
  const problems: string[] = [];
  const unit = parseUnit(text);
  const exec = expand(value(unit, 'Service', 'ExecStart') ?? '', c.instance).split(/\s+/);
  if (!exec[0]?.startsWith('/') || !/\/node$/.test(exec[0])) problems.push(`ExecStart does not run node by absolute path: ${exec.join(' ')}`);
  if (exec[1] !== `/opt/apogee/dist/src/cli/${c.cli}.js`) problems.push(`ExecStart runs ${exec[1] ?? '(nothing)'}, not ${c.cli}`);
  const conf = exec[exec.indexOf('-c') + 1];
  const wantConf = c.instance ? `/etc/apogee/${c.instance}.properties` : '/etc/apogee/namesrv.properties';
  if (exec.indexOf('-c') < 0 || conf !== wantConf) problems.push(`ExecStart reads ${conf ?? 'no -c file'}, not ${wantConf}`);
  if (value(unit, 'Service', 'KillSignal') !== 'SIGTERM') problems.push('KillSignal is not SIGTERM');
  const timeout = timeSpanMs(value(unit, 'Service', 'TimeoutStopSec'));
  if (timeout === undefined || !(timeout > c.stopMs())) problems.push(`TimeoutStopSec ${String(value(unit, 'Service', 'TimeoutStopSec'))} does not exceed the longest stop (${c.stopMs()} ms)`);
  const user = value(unit, 'Service', 'User');
  if (!user || user === 'root' || user === '0') problems.push('no dedicated User');
  if (value(unit, 'Service', 'Restart') !== 'on-failure') problems.push('Restart is not on-failure');
  if (value(unit, 'Service', 'NoNewPrivileges') !== 'yes') problems.push('NoNewPrivileges is not yes');
  if (value(unit, 'Service', 'ProtectSystem') !== 'strict') problems.push('ProtectSystem is not strict');
  const writable = (unit.get('Service')?.get('ReadWritePaths') ?? []).flatMap((v) => expand(v, c.instance).split(/\s+/));
  const home = (unit.get('Service')?.get('Environment') ?? []).map((e) => expand(e, c.instance)).find((e) => e.startsWith('APOGEE_HOME='))?.slice('APOGEE_HOME='.length);
  if (!home || !writable.some((w) => home === w || home.startsWith(`${w}/`))) problems.push(`APOGEE_HOME ${home ?? '(unset)'} is not in ReadWritePaths`);
  if (!writable.includes('/var/log/apogee')) problems.push('/var/log/apogee is not in ReadWritePaths');
  if (!value(unit, 'Install', 'WantedBy')) problems.push('no [Install] WantedBy');
  return problems;
}

test('the systemd units run the right CLI and property file, stop by SIGTERM past the drain, as a dedicated user, hardened', () => {
  for (const c of CASES) {
    const text = readFileSync(deployDir('systemd', c.file), 'utf8');
    assert.deepEqual(unitProblems(text, c), [], c.file);
    const broken = (from: string | RegExp, to: string): string[] => {
      const edited = text.replace(from, to);
      assert.notEqual(edited, text, `edit ${String(from)} changed nothing`);
      return unitProblems(edited, c);
    };
    assert.deepEqual(broken('KillSignal=SIGTERM', 'KillSignal=SIGKILL'), ['KillSignal is not SIGTERM']);
    assert.match(broken(/^TimeoutStopSec=.*$/m, 'TimeoutStopSec=5s').join(), /TimeoutStopSec 5s does not exceed/);
    assert.deepEqual(broken(/^User=.*\n/m, ''), ['no dedicated User']);
    assert.deepEqual(broken('Restart=on-failure', 'Restart=no'), ['Restart is not on-failure']);
    assert.deepEqual(broken(/^ReadWritePaths=.*$/m, 'ReadWritePaths=/var/log/apogee'), [`APOGEE_HOME /var/lib/apogee/${c.instance ?? 'namesrv'} is not in ReadWritePaths`]);
    assert.match(broken('/opt/apogee/dist/src/cli/', '/opt/apogee/bin/').join(), /ExecStart runs \/opt\/apogee\/bin\/m/);
  }
  const broker = readFileSync(deployDir('systemd', 'apogee-broker@.service'), 'utf8');
  assert.match(unitProblems(broker.replace('TimeoutStopSec=75', 'TimeoutStopSec=45'), CASES[1]!).join(), /TimeoutStopSec 45 does not exceed the longest stop \(49000 ms\)/);
});

/** systemd-analyze verify's complaints about the units ('' when none), node's path made this machine's. */
function verify(dir: string, files: Record<string, string>): string {
  const paths = Object.entries(files).map(([name, text]) => {
    const path = join(dir, name);
    writeFileSync(path, text.replaceAll('/usr/bin/node', process.execPath));
    return path;
  });
  const r = spawnSync('systemd-analyze', ['verify', ...paths], { encoding: 'utf8', env: { ...process.env, SYSTEMD_LOG_COLOR: '0' } });
  return `${r.status === 0 ? '' : `exit ${String(r.status)}: `}${r.stdout}${r.stderr}`.trim();
}

const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version'], { encoding: 'utf8' }).status === 0;

test('systemd-analyze verify accepts the units (and reports a typo in one)', { skip: hasSystemdAnalyze ? false : 'systemd-analyze is not installed (Debian package systemd)' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-units-'));
  try {
    const namesrv = readFileSync(deployDir('systemd', 'apogee-namesrv.service'), 'utf8');
    const broker = readFileSync(deployDir('systemd', 'apogee-broker@.service'), 'utf8');
    // The template is verified as an instance: a bare `@` template is not a loadable unit.
    assert.equal(verify(dir, { 'apogee-namesrv.service': namesrv, 'apogee-broker@broker-a.service': broker }), '');
    assert.match(verify(dir, { 'apogee-broker@broker-b.service': broker.replace('KillSignal=', 'KillSignl=') }), /Unknown key .KillSignl. in section .Service./);
    assert.match(verify(dir, { 'apogee-broker@broker-b.service': broker.replace('TimeoutStopSec=75', 'TimeoutStopSec=long') }), /Failed to parse .*long/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("the units' ExecStart start a NameServer and broker-a from deploy/systemd/etc, which stop on SIGTERM within TimeoutStopSec", async () => {
  const home = mkdtempSync(join(tmpdir(), 'apogee-systemd-'));
  const started: ServerProcess[] = [];
  /** ExecStart with /opt/apogee as this checkout, /etc/apogee as deploy/systemd/etc, and the unit's APOGEE_HOME under `home`. */
  const launch = (c: UnitCase, extra: string[]): { proc: ServerProcess; timeoutMs: number } => {
    const unit = parseUnit(readFileSync(deployDir('systemd', c.file), 'utf8'));
    const [, script, ...args] = expand(value(unit, 'Service', 'ExecStart')!, c.instance).split(/\s+/);
    assert.equal(script!.replace('/opt/apogee', projectRoot()), cliPath(c.cli));
    const env = Object.fromEntries((unit.get('Service')?.get('Environment') ?? []).map((e) => expand(e, c.instance).split('=') as [string, string]));
    const proc = spawnServer(c.cli, [...args.map((a) => a.replace('/etc/apogee', deployDir('systemd', 'etc'))), ...extra], {
      env: { ...env, APOGEE_HOME: join(home, env.APOGEE_HOME!), APOGEE_LOG_LEVEL: 'info' },
    });
    started.push(proc);
    return { proc, timeoutMs: timeSpanMs(value(unit, 'Service', 'TimeoutStopSec'))! };
  };
  try {
    assert.equal(loadNamesrvProperties(readFileSync(deployDir('systemd', 'etc', 'namesrv.properties'), 'utf8'), 'namesrv.properties').listenPort, 9876);
    const nsPort = await freePort();
    const ns = launch(CASES[0]!, [`--listenPort=${nsPort}`]);
    await ns.proc.waitFor(/The Name Server boot success/);
    const broker = launch(CASES[1]!, ['-n', `127.0.0.1:${nsPort}`, '--listenPort=0', '--brokerIP1=127.0.0.1']);
    await broker.proc.waitFor(/The broker\[broker-a, 127\.0\.0\.1:\d+\] boot success\. serializeType=JSON and name server is 127\.0\.0\.1:\d+/);
    for (const { proc, timeoutMs } of [broker, ns]) {
      const stopped = await proc.stop(timeoutMs);
      assert.deepEqual({ code: stopped.code, signal: stopped.signal, killed: stopped.killed }, { code: 0, signal: null, killed: false }, proc.tailText());
    }
    assert.match(broker.proc.stderr(), /SIGTERM received: draining, then shutting down/);
    assert.match(broker.proc.stderr(), /broker stopped/);
  } finally {
    for (const p of started) await p.stop(5000);
    rmSync(home, { recursive: true, force: true });
  }
});
