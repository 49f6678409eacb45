/** How mqshutdown recognises an Apogee server from a command line (processes.ts), on real files. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { classifyArgv } from '../../src/cli/processes.js';
import { cliPath } from '../../src/testing/launcher.js';

test('an Apogee server is node running mqbroker, mqnamesrv or apogee start from an Apogee package, however launched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-argv-'));
  try {
    const conf = join(dir, 'b.properties');
    writeFileSync(conf, 'brokerName=broker-z\n');
    // As `npm i -g` installs it: a bin symlink to the package's script, run through the shebang.
    symlinkSync(cliPath('mqbroker'), join(dir, 'mqbroker'));
    const viaBin = classifyArgv(['/usr/bin/node', join(dir, 'mqbroker'), '-c', 'b.properties'], dir);
    assert.deepEqual(viaBin?.kinds, ['broker']);
    assert.equal(viaBin?.configFile, conf, 'a relative -c resolved against the server cwd');
    assert.equal(viaBin?.brokerName, 'broker-z', 'brokerName read from the -c file');

    const withNodeOptions = classifyArgv(['node', '--enable-source-maps', '-r', 'x', cliPath('mqbroker'), '--brokerName=broker-y'], dir);
    assert.equal(withNodeOptions?.brokerName, 'broker-y');
    assert.deepEqual(classifyArgv(['node', cliPath('mqnamesrv')])?.kinds, ['namesrv']);
    assert.deepEqual(classifyArgv(['node', cliPath('apogee'), 'start', '--broker.brokerName=b2'])?.kinds, ['namesrv', 'broker']);
    assert.equal(classifyArgv(['node', cliPath('apogee'), 'start', '--broker.brokerName=b2'])?.brokerName, 'b2');
    assert.equal(classifyArgv(['node', cliPath('mqbroker')])?.brokerName, 'broker-a', "RocketMQ's default name");

    // Not Apogee: other programs, `apogee` without start, mqadmin, and a script of the same name elsewhere.
    assert.equal(classifyArgv(['sleep', '100']), undefined);
    assert.equal(classifyArgv(['node', '-e', 'setInterval(() => {}, 1000)']), undefined);
    assert.equal(classifyArgv(['node', cliPath('apogee'), '--help']), undefined);
    assert.equal(classifyArgv(['node', cliPath('mqadmin'), 'clusterList']), undefined);
    mkdirSync(join(dir, 'other'));
    writeFileSync(join(dir, 'other', 'package.json'), '{"name":"something-else"}');
    writeFileSync(join(dir, 'other', 'mqbroker.js'), '');
    assert.equal(classifyArgv(['node', join(dir, 'other', 'mqbroker.js')]), undefined);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
