/** Runs the built `mqadmin` as a real process (bounded), and the assertions its callers share. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { cliPath } from '../../src/testing/launcher.js';

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function mqadmin(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const child = spawn(process.execPath, [cliPath('mqadmin'), ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(timer);
  return { code, stdout, stderr };
}

/** stdout of a run that must succeed. */
export async function ok(args: string[], env: Record<string, string> = {}): Promise<string> {
  const r = await mqadmin(args, env);
  assert.equal(r.code, 0, `mqadmin ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A failure an operator can read: non-zero exit, exactly one stderr line, no stack frame. */
export async function fails(pattern: RegExp, args: string[]): Promise<CliRun> {
  const r = await mqadmin(args);
  assert.notEqual(r.code, 0, `mqadmin ${args.join(' ')} should fail`);
  assert.equal(r.stderr.trim().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.match(r.stderr.replace(/\n$/, ''), pattern);
  return r;
}

/** Lines of an output, the last empty one dropped. */
export const linesOf = (text: string): string[] => text.replace(/\n$/, '').split('\n');
