/** `apogee start` as `npm start` runs it: a loopback cluster that registers a reachable broker address. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApogeeNode } from '../../src/testing/launcher.js';
import { RemotingClient } from '../../src/transport/client.js';
import { command } from '../../src/codec/command.js';
import { RequestCode } from '../../src/protocol/request-code.js';

test('apogee start binds 127.0.0.1, registers the broker as 127.0.0.1:<port> (reachable), warns about ignored Apache keys, and stops on SIGTERM', async () => {
  const data = mkdtempSync(join(tmpdir(), 'apogee-start-'));
  const node = new ApogeeNode({ dir: data, brokerProps: { sendMessageThreadPoolNums: '4' }, env: { APOGEE_LOG_LEVEL: 'warn' } });
  const client = new RemotingClient();
  try {
    await node.start();
    assert.match(node.process!.stdout(), /^\{"ready":true/, 'the ready line comes first');
    const ready = { namesrv: node.namesrvAddr, broker: node.brokerAddr };
    assert.match(ready.namesrv, /^127\.0\.0\.1:\d+$/);
    assert.match(ready.broker, /^127\.0\.0\.1:\d+$/);
    assert.match(node.process!.stderr(), /property sendMessageThreadPoolNums is an Apache RocketMQ setting Apogee does not use: ignored/);
    // What clients are told: the cluster info names the broker at an address they can connect to.
    const info = await client.invoke(ready.namesrv, command({ code: RequestCode.GET_BROKER_CLUSTER_INFO, version: 277 }), 3000);
    assert.equal(info.code, 0);
    assert.ok(info.body!.toString().includes(`"${ready.broker}"`), 'the registered address is the one apogee printed');
    const pong = await client.invoke(ready.broker, command({ code: RequestCode.GET_BROKER_RUNTIME_INFO, version: 277 }), 3000);
    assert.equal(pong.code, 0);
    const stopped = await node.stop();
    assert.equal(stopped.code, 0);
  } finally {
    await client.close();
    await node.process?.kill();
    rmSync(data, { recursive: true, force: true });
  }
});
