#!/usr/bin/env node
// Runs every compiled test file under dist/test with Node's built-in runner (Node 20's --test does
// not expand globs, so the file list is built here). Arguments filter by path substring. With
// --conformance and no filter, the real-client conformance suite (conformance/) runs afterwards.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

function collect(dir, out) {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.js')) out.push(path);
  }
  return out;
}

const args = process.argv.slice(2);
const withConformance = args.includes('--conformance');
const filter = args.filter((a) => a !== '--conformance');
let files = collect('dist/test', []);
if (filter.length > 0) files = files.filter((f) => filter.some((p) => f.includes(p)));
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const unit = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=300000', ...files], { stdio: 'inherit' });
let status = unit.status ?? 1;
if (withConformance && filter.length === 0) {
  const install = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: 'conformance', stdio: 'inherit' });
  if (install.status !== 0) process.exit(install.status ?? 1);
  const conformance = spawnSync(process.execPath, ['--test', 'run.mjs'], { cwd: 'conformance', stdio: 'inherit' });
  if (status === 0) status = conformance.status ?? 1;
}
process.exit(status);
