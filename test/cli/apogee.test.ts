/** `apogee start` as `npm start` runs it: a loopback cluster that registers a reachable broker address. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../helpers/fixtures.js';
import { RemotingClient } from '../../src/transport/client.js';
import { command } from '../../src/codec/command.js';
import { RequestCode } from '../../src/protocol/request-code.js';

test('apogee start binds 127.0.0.1, registers the broker as 127.0.0.1:<port> (reachable), warns about ignored Apache keys, and stops on SIGTERM', async () => {
  const data = mkdtempSync(join(tmpdir(), 'apogee-start-'));
  const child = spawn(
    process.execPath,
    [join(projectRoot(), 'dist', 'src', 'cli', 'apogee.js'), 'start', '--namesrv-port=0', '--broker-port=0', `--data=${data}`, '--broker.sendMessageThreadPoolNums=4'],
    { env: { ...process.env, APOGEE_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const client = new RemotingClient();
  try {
    let out = '';
    let err = '';
    child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    const exited = once(child, 'exit');
    const deadline = Date.now() + 20_000;
    while (!/"ready":true/.test(out) && child.exitCode === null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const ready = JSON.parse(out.split('\n')[0]!) as { namesrv: string; broker: string };
    assert.match(ready.namesrv, /^127\.0\.0\.1:\d+$/);
    assert.match(ready.broker, /^127\.0\.0\.1:\d+$/);
    assert.match(err, /property sendMessageThreadPoolNums is an Apache RocketMQ setting Apogee does not use: ignored/);
    // What clients are told: the cluster info names the broker at an address they can connect to.
    const info = await client.invoke(ready.namesrv, command({ code: RequestCode.GET_BROKER_CLUSTER_INFO, version: 277 }), 3000);
    assert.equal(info.code, 0);
    assert.ok(info.body!.toString().includes(`"${ready.broker}"`), 'the registered address is the one apogee printed');
    const pong = await client.invoke(ready.broker, command({ code: RequestCode.GET_BROKER_RUNTIME_INFO, version: 277 }), 3000);
    assert.equal(pong.code, 0);
    child.kill('SIGTERM');
    const [code] = (await exited) as [number];
    assert.equal(code, 0);
  } finally {
    await client.close();
    child.kill('SIGKILL');
    rmSync(data, { recursive: true, force: true });
  }
});
