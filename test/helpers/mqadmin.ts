/** Runs the built mqadmin as a real process (bounded), for tests of its subcommands. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cliPath } from '../../src/testing/launcher.js';
import { fixturesDir } from './fixtures.js';

export interface MqadminRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function mqadmin(args: string[], options: { cwd?: string } = {}): Promise<MqadminRun> {
  const child = spawn(process.execPath, [cliPath('mqadmin'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], cwd: options.cwd });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const [code] = (await once(child, 'close')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** stdout of a run that must succeed (exit 0, nothing on stderr). */
export async function mqadminOk(args: string[], options: { cwd?: string } = {}): Promise<string> {
  const r = await mqadmin(args, options);
  assert.equal(r.code, 0, `mqadmin ${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr, '', `mqadmin ${args.join(' ')} wrote to stderr`);
  return r.stdout;
}

/** A failure an operator can read: non-zero exit, exactly one stderr line matching `pattern`, no stack frame. */
export async function mqadminFails(pattern: RegExp, args: string[], expectedCode?: number): Promise<MqadminRun> {
  const r = await mqadmin(args);
  assert.notEqual(r.code, 0, `mqadmin ${args.join(' ')} should fail`);
  if (expectedCode !== undefined) assert.equal(r.code, expectedCode, `exit code of mqadmin ${args.join(' ')}`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.match(r.stderr.trimEnd(), pattern);
  return r;
}

/** Lines of what the real 4.3.2 mqadmin printed in the recording (test/fixtures/rocketmq-4.3.2/wire/logs/driver-output.txt). */
export function recordedOutput(): string[] {
  return readFileSync(join(fixturesDir(), 'rocketmq-4.3.2', 'wire', 'logs', 'driver-output.txt'), 'utf8').split('\n');
}

/** The recorded line that starts with `prefix` (a table header, say). */
export function recordedLine(prefix: string): string {
  const line = recordedOutput().find((l) => l.startsWith(prefix));
  assert.ok(line !== undefined, `the recording has a line starting with ${prefix}`);
  return line;
}

/** Where each `#Column` of a header line starts: what fixed-width parsers of the output depend on. */
export function columnStarts(line: string): number[] {
  const starts: number[] = [];
  for (let i = 0; i < line.length; i++) if (line[i] === '#' && (i === 0 || line[i - 1] === ' ')) starts.push(i);
  return starts;
}
