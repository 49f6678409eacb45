/** `apogee --version` / `-v`: the release operators compare across nodes, from package.json (the one source). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../helpers/fixtures.js';

const cli = join(projectRoot(), 'dist', 'src', 'cli', 'apogee.js');
const release = (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;

for (const flag of ['--version', '-v']) {
  test(`apogee ${flag} prints "Apogee <package.json version>" on stdout and exits 0`, () => {
    const out = execFileSync(process.execPath, [cli, flag], { encoding: 'utf8', timeout: 20_000, stdio: ['ignore', 'pipe', 'pipe'] });
    assert.equal(out, `Apogee ${release}\n`);
    assert.match(release, /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/, 'the release is a semantic version');
  });
}

test('RELEASES.md has a section for the release package.json names', () => {
  const releases = readFileSync(join(projectRoot(), 'RELEASES.md'), 'utf8');
  assert.ok(releases.split('\n').includes(`## ${release}`), `RELEASES.md has no "## ${release}" section`);
  assert.match(releases.slice(releases.indexOf(`## ${release}`)), /^- Commit: /m, `the ${release} section names its commit`);
});
