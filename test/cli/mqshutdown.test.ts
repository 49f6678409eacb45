/**
 * mqshutdown against real server processes: it finds them by their command lines (not only pid
 * files), stops one of several by port, name or config file, exits non-zero when nothing matches,
 * and never signals a process a stale pid file points at unless it really is an Apogee server.
 * Every run passes a selector: without one mqshutdown stops every broker on the host.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, spawnServer, type ServerProcess } from '../../src/testing/launcher.js';
import { startNamesrv } from '../helpers/namesrv.js';

/** Runs mqshutdown asynchronously (this process must keep reaping its children meanwhile). */
async function mqshutdown(args: string[], home: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cliPath('mqshutdown'), ...args], { env: { ...process.env, APOGEE_HOME: home }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

const isAlive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

test('mqshutdown finds servers by their processes and stops one of several by port, brokerName or -c file', async () => {
  const serverHome = mkdtempSync(join(tmpdir(), 'apogee-shut-servers-'));
  // mqshutdown runs with another APOGEE_HOME: the servers' pid files are not where it looks.
  const elsewhere = mkdtempSync(join(tmpdir(), 'apogee-shut-elsewhere-'));
  const ns = await startNamesrv();
  const servers: ServerProcess[] = [];
  const tag = randomBytes(4).toString('hex');
  try {
    const brokers: Array<{ name: string; conf: string; proc: ServerProcess; port: number }> = [];
    for (const i of [1, 2, 3]) {
      const name = `shut-${tag}-${i}`;
      const conf = join(serverHome, `${name}.properties`);
      writeFileSync(conf, `brokerClusterName=ShutCluster\nbrokerName=${name}\nbrokerId=0\nlistenPort=0\nbrokerIP1=127.0.0.1\nstorePathRootDir=${join(serverHome, name)}\n`);
      const proc = spawnServer('mqbroker', ['-n', ns.addr, '-c', conf], { env: { APOGEE_HOME: serverHome, APOGEE_LOG_LEVEL: 'warn' } });
      servers.push(proc);
      const m = await proc.waitFor(/boot success/);
      assert.ok(m);
      const port = Number(/127\.0\.0\.1:(\d+)\] boot success/.exec(proc.stdout())![1]);
      brokers.push({ name, conf, proc, port });
    }
    const nsProc = spawnServer('mqnamesrv', ['--listenPort=0'], { env: { APOGEE_HOME: serverHome, APOGEE_LOG_LEVEL: 'warn' } });
    servers.push(nsProc);
    const nsPort = Number((await nsProc.waitFor(/listening on 127\.0\.0\.1:(\d+)/))[1]);
    const [b1, b2, b3] = brokers as [typeof brokers[0], typeof brokers[0], typeof brokers[0]];

    const byPort = await mqshutdown(['broker', '-p', String(b1.port)], elsewhere);
    assert.equal(byPort.code, 0, byPort.stderr);
    assert.match(byPort.stdout, new RegExp(`The mqbroker\\(${b1.proc.pid}\\) is running\\.\\.\\.\\nSend shutdown request to mqbroker\\(${b1.proc.pid}\\) OK`));
    assert.equal((await b1.proc.exited).code, 0, 'graceful stop');
    assert.ok(b2.proc.running && b3.proc.running && nsProc.running, 'only the selected broker stopped');

    const byName = await mqshutdown(['broker', '--brokerName', b2.name], elsewhere);
    assert.equal(byName.code, 0, byName.stderr);
    assert.equal((await b2.proc.exited).code, 0);
    assert.ok(b3.proc.running);

    const byConf = await mqshutdown(['broker', '-c', b3.conf], elsewhere);
    assert.equal(byConf.code, 0, byConf.stderr);
    assert.equal((await b3.proc.exited).code, 0);
    assert.ok(nsProc.running, 'stopping brokers leaves the NameServer running');

    // Nothing matches any more: a non-zero exit and Apache's words, not a silent success.
    const none = await mqshutdown(['broker', '-p', String(b1.port)], elsewhere);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, new RegExp(`^No mqbroker running matching port=${b1.port}\\.`));
    assert.equal(none.stderr.trim().split('\n').length, 1);

    const stopNs = await mqshutdown(['namesrv', '-p', String(nsPort)], elsewhere);
    assert.equal(stopNs.code, 0, stopNs.stderr);
    assert.match(stopNs.stdout, new RegExp(`Send shutdown request to mqnamesrv\\(${nsProc.pid}\\) OK`));
    assert.equal((await nsProc.exited).code, 0);

    const bad = await mqshutdown(['broker', '-p', 'x'], elsewhere);
    assert.equal(bad.code, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
    assert.match(bad.stderr, /^mqshutdown: -p: 'x' is not a port; usage: mqshutdown broker\|namesrv/);
  } finally {
    for (const s of servers) await s.kill();
    await ns.stop();
    rmSync(serverHome, { recursive: true, force: true });
    rmSync(elsewhere, { recursive: true, force: true });
  }
});

test('mqshutdown never signals an unrelated process that a stale pid file points at', async () => {
  const home = mkdtempSync(join(tmpdir(), 'apogee-shut-stale-'));
  // The pid of a broker killed with -9 now belongs to something else that even listens on the
  // broker's port: only its command line tells it is not Apogee.
  const unrelated = spawn(process.execPath, ['-e', "const s = require('net').createServer().listen(0, '127.0.0.1', () => console.log(s.address().port)); setTimeout(() => {}, 120000);"], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const [chunk] = (await once(unrelated.stdout!, 'data')) as [Buffer];
    const port = Number(chunk.toString().trim());
    mkdirSync(join(home, 'run'), { recursive: true });
    const pidFile = join(home, 'run', `broker-${port}.pid`);
    writeFileSync(pidFile, `${unrelated.pid}\n`);
    const r = await mqshutdown(['broker', '-p', String(port)], home);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, new RegExp(`ignoring stale pid file .*broker-${port}\\.pid: pid ${unrelated.pid} is not an Apogee mqbroker`));
    assert.match(r.stderr, /No mqbroker running/);
    assert.ok(isAlive(unrelated.pid!), 'the unrelated process was not signalled');
    assert.equal(unrelated.exitCode, null);
    assert.equal(existsSync(pidFile), false, 'the stale pid file is removed');
  } finally {
    unrelated.kill('SIGKILL');
    if (unrelated.exitCode === null && unrelated.signalCode === null) await once(unrelated, 'exit');
    rmSync(home, { recursive: true, force: true });
  }
});
