import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../helpers/fixtures.js';
import { spawnServer } from '../../src/testing/launcher.js';
import { RemotingClient } from '../../src/transport/client.js';
import { command, SerializeType } from '../../src/codec/command.js';

const cli = join(projectRoot(), 'dist', 'src', 'cli', 'mqnamesrv.js');

test('mqnamesrv -c file -p prints the config with the file applied; bad flags exit 2 with usage', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-ns-cli-'));
  try {
    const conf = join(dir, 'namesrv.properties');
    writeFileSync(conf, '# comment\nlistenPort = 9999\norderMessageEnable=true\nserverWorkerThreads=8\n');
    const r = spawnSync(process.execPath, [cli, '-c', conf, '-p'], { encoding: 'utf8', env: { ...process.env, APOGEE_HOME: dir } });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^listenPort=9999$/m);
    assert.match(r.stdout, /^orderMessageEnable=true$/m);
    assert.match(r.stdout, new RegExp(`^kvConfigPath=${dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/namesrv/kvConfig.json$`, 'm'));
    const bad = spawnSync(process.execPath, [cli, '--noSuchKey=1'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr, 'mqnamesrv: unknown property noSuchKey on the command line; run with -p to list the keys Apogee uses\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('mqnamesrv serves JSON and ROCKETMQ-binary requests and stops gracefully on SIGTERM', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-ns-cli-'));
  const namesrv = spawnServer('mqnamesrv', ['--listenPort=0', '--bindAddress=127.0.0.1'], { env: { APOGEE_HOME: dir } });
  const client = new RemotingClient();
  try {
    const addr = (await namesrv.waitFor(/listening on (\S+)/, 'stdout', 10_000))[1]!;
    const json = await client.invoke(addr, command({ code: 106, version: 277 }), 3000);
    assert.equal(json.code, 0);
    const binary = await client.invoke(addr, command({ code: 105, version: 277, extFields: { topic: 'Nope' }, serializeType: SerializeType.ROCKETMQ }), 3000);
    assert.equal(binary.code, 17);
    assert.equal(binary.serializeType, SerializeType.ROCKETMQ, 'answered in the request’s serialize type');
    const stopped = await namesrv.stop();
    assert.equal(stopped.code, 0);
  } finally {
    await client.close();
    await namesrv.kill();
    rmSync(dir, { recursive: true, force: true });
  }
});
