import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { join } from 'node:path';
import { projectRoot } from '../helpers/fixtures.js';
import { startCluster } from '../helpers/cluster.js';
import { RawClient } from '../helpers/raw-client.js';

const run = promisify(execFile);
const mqadmin = (...args: string[]) => run(process.execPath, [join(projectRoot(), 'dist', 'src', 'cli', 'mqadmin.js'), ...args], { timeout: 30_000 });

test('mqadmin creates topics, lists clusters and topics, shows status, and wipes/restores write permission', async () => {
  const cluster = await startCluster({ registerNameServerPeriod: 1000 });
  const ns = cluster.namesrvAddr;
  try {
    const created = await mqadmin('updateTopic', '-n', ns, '-c', 'DefaultCluster', '-t', 'AdminTopic', '-r', '4', '-w', '4');
    assert.match(created.stdout, new RegExp(`create topic to ${cluster.brokerAddr} success`));
    // Java's fastjson pretty print (integer map keys unquoted), not standard JSON.
    assert.match((await mqadmin('topicRoute', '-n', ns, '-t', 'AdminTopic')).stdout, /^\t\t\t"writeQueueNums":4$/m);
    assert.match((await mqadmin('topicList', '-n', ns)).stdout, /^AdminTopic$/m);
    assert.match((await mqadmin('clusterList', '-n', ns)).stdout, new RegExp(`DefaultCluster\\s+broker-a\\s+0\\s+${cluster.brokerAddr.replace(/\./g, '\\.')}\\s+V4_9_8`));
    const client = new RawClient(cluster.brokerAddr);
    assert.equal((await client.send('AdminTopic', 'x', { queueId: 2 })).code, 0);
    await client.close();
    assert.match((await mqadmin('topicStatus', '-n', ns, '-t', 'AdminTopic')).stdout, /broker-a\s+2\s+0\s+1\s/);
    assert.match((await mqadmin('wipeWritePerm', '-n', ns, '-b', 'broker-a')).stdout, /wipe write perm of broker\[broker-a\] in name server\[.*\] OK, \d+/);
    assert.match((await mqadmin('addWritePerm', '-n', ns, '-b', 'broker-a')).stdout, /add write perm of broker\[broker-a\]/);
    await assert.rejects(mqadmin('updateTopic', '-n', ns, '-t', 'NoWhere'), /give -b \(--brokerAddr\) or -c \(--clusterName\)/);
    const help = await mqadmin();
    assert.match(help.stdout, /^ {3}updateTopic {10}Update or create topic$/m);
  } finally {
    await cluster.stop();
  }
});
