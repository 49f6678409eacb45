#!/usr/bin/env node
// Builds the publishable client package: compiles src/client and exactly the shared modules it
// imports (codec, protocol, transport) into ./dist, copies the README, and refuses to produce a
// package that contains server code (namesrv, broker, store, cli).
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
rmSync(join(here, 'dist'), { recursive: true, force: true });
const tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
const r = spawnSync(process.execPath, [tsc, '-p', join(here, 'tsconfig.json')], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
const dirs = readdirSync(join(here, 'dist')).sort();
const forbidden = dirs.filter((d) => ['namesrv', 'broker', 'store', 'cli'].includes(d));
if (forbidden.length > 0) {
  console.error(`client package would contain server code: ${forbidden.join(', ')}`);
  process.exit(1);
}
if (existsSync(join(root, 'src', 'client', 'README.md'))) cpSync(join(root, 'src', 'client', 'README.md'), join(here, 'README.md'));
console.log(`built ${join(here, 'dist')}: ${dirs.join(', ')}`);
