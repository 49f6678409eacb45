/**
 * Our broker's REGISTER_BROKER must be accepted by 3.5.x and 4.x Java NameServers alike. No Java
 * NameServer runs here, so the frame is held against what those NameServers are recorded accepting
 * and refusing: a 3.5.8 NameServer indexes its 212-entry version table with the sender's version.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RemotingServer } from '../../src/transport/server.js';
import { responseTo, type RemotingCommand } from '../../src/codec/command.js';
import { parseFastJson } from '../../src/codec/fastjson.js';
import { readFrames } from '../helpers/fixtures.js';
import { startCluster } from '../helpers/cluster.js';

test('the broker registers with a version and body a 3.5.8 NameServer accepts, to every NameServer given', async () => {
  const recorded = readFrames('rocketmq-3.5.8/wire/broker-register.jsonl').filter((f) => f.code === 103 && f.dir === 'c2s');
  const accepted = recorded.filter((f) => f.version === 137)[0]!;
  const refusedVersions = new Set(recorded.filter((f) => f.version === 277).map((f) => f.version));
  assert.ok(refusedVersions.has(277), 'the fixture holds the refused 4.3.2 registration');

  // Two stand-in NameServers that only record what they are sent.
  const seen: RemotingCommand[][] = [[], []];
  const servers = seen.map((log) => {
    const s = new RemotingServer({ host: '127.0.0.1', port: 0, version: 137 });
    s.register(103, (req) => {
      log.push(req);
      return responseTo(req, 0, 137, { extFields: {} });
    });
    s.register(104, (req) => responseTo(req, 0, 137));
    s.register(105, (req) => responseTo(req, 17, 137));
    return s;
  });
  for (const s of servers) await s.listen();
  const cluster = await startCluster({ namesrvAddr: servers.map((s) => `127.0.0.1:${s.port}`).join(';') });
  try {
    for (const log of seen) {
      assert.ok(log.length >= 1, 'registered with every NameServer');
      const req = log[0]!;
      assert.ok(req.version <= 211, `version ${req.version} is within 3.5.8's table`);
      assert.ok(!refusedVersions.has(req.version));
      for (const field of Object.keys(accepted.extFields!)) assert.ok(req.extFields?.[field] !== undefined, `header has ${field}`);
      assert.equal(req.extFields?.compressed, 'false', 'plain JSON body, which old NameServers parse');
      const body = parseFastJson(req.body!.toString()) as { topicConfigSerializeWrapper: { dataVersion: Record<string, number>; topicConfigTable: Record<string, unknown> }; filterServerList: unknown[] };
      const dv = body.topicConfigSerializeWrapper.dataVersion;
      assert.equal(dv.timestatmp, dv.timestamp, 'DataVersion carries both spellings');
      assert.ok(body.topicConfigSerializeWrapper.topicConfigTable['broker-a']);
      assert.deepEqual(body.filterServerList, []);
      // Same body shape as the recorded 3.5.8 broker's accepted registration.
      const javaBody = parseFastJson(Buffer.from(accepted.bodyHex!, 'hex').toString()) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), Object.keys(javaBody).sort());
    }
  } finally {
    await cluster.stop();
    for (const s of servers) await s.close();
  }
});
