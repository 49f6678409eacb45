/**
 * The tests must run from a clone of this repository alone: every recorded fixture they read lives
 * under test/fixtures, and no test, helper or conformance file reaches outside the project for data.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fixturesDir, projectRoot, WIRE_FILES } from './helpers/fixtures.js';

function sources(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    // This file names the patterns it looks for; fixtures/ holds data, not code.
    if (name === 'node_modules' || name === 'fixtures' || name === 'fixtures-in-repo.test.ts') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) sources(path, out);
    else if (/\.(ts|mjs|cjs|js)$/.test(name)) out.push(path);
  }
  return out;
}

test('fixtures resolve inside the repository unless APOGEE_FIXTURES says otherwise', { skip: process.env.APOGEE_FIXTURES !== undefined }, () => {
  const dir = fixturesDir();
  assert.equal(dir, resolve(projectRoot(), 'test', 'fixtures'));
  assert.ok(existsSync(join(dir, 'README.md')), 'test/fixtures/README.md says where the bytes came from');
  for (const file of WIRE_FILES) assert.ok(existsSync(join(dir, file)), `${file} is in the repository`);
  for (const store of ['rocketmq-4.3.2/store-clean', 'rocketmq-4.3.2/store-crashed', 'rocketmq-3.5.8/store-clean']) {
    assert.ok(existsSync(join(dir, store, 'manifest.json')), `${store}/manifest.json is in the repository`);
    assert.ok(readdirSync(join(dir, store, 'commitlog')).length > 0, `${store}/commitlog is in the repository`);
  }
});

test('no test, helper, script or conformance file reads data from outside the repository', () => {
  const root = projectRoot();
  const offenders: string[] = [];
  // A path that climbs out of the project to a sibling folder: '../shared', '..', 'shared', …
  const outside = /\.\.[/\\]shared|['"]\.\.['"]\s*,\s*['"]\.\.['"]\s*,\s*['"]shared['"]|['"]\.\.['"]\s*,\s*['"]shared['"]|APOGEE_SHARED/;
  for (const dir of ['test', 'conformance', 'scripts', 'bench']) {
    for (const file of sources(join(root, dir))) {
      const lines = readFileSync(file, 'utf8').split('\n');
      lines.forEach((line, i) => {
        if (outside.test(line)) offenders.push(`${relative(root, file)}:${i + 1}: ${line.trim()}`);
      });
    }
  }
  assert.deepEqual(offenders, []);
});
