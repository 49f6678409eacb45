/**
 * Runs one of the server CLIs (mqnamesrv, mqbroker, apogee) as a real child process, collecting its
 * stdout and stderr, so tests can wait for its boot line and read its log lines. Always call stop().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { projectRoot } from './fixtures.js';

export const cliPath = (name: string): string => join(projectRoot(), 'dist', 'src', 'cli', `${name}.js`);

export interface ServerProcessHandle {
  child: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` in stdout (or stderr with `from`), failing after `ms`. */
  waitFor(pattern: RegExp, from?: 'stdout' | 'stderr', ms?: number): Promise<RegExpMatchArray>;
  exited(): boolean;
  /** Resolves with the exit code once the process has exited. */
  exit: Promise<number | null>;
  /** SIGKILLs the process if it still runs and waits for it. */
  stop(): Promise<void>;
}

export function spawnServer(cli: string, args: string[], env: Record<string, string> = {}): ServerProcessHandle {
  const child = spawn(process.execPath, [cliPath(cli), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let done = false;
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exit = once(child, 'exit').then(([code]) => {
    done = true;
    return code as number | null;
  });
  return {
    child,
    pid: child.pid!,
    stdout: () => out,
    stderr: () => err,
    exited: () => done,
    exit,
    async waitFor(pattern, from = 'stdout', ms = 20_000) {
      const end = Date.now() + ms;
      for (;;) {
        const m = (from === 'stdout' ? out : err).match(pattern);
        if (m) return m;
        if (done) throw new Error(`${cli} exited before printing ${pattern}: ${err.trim().split('\n').slice(-3).join(' | ')}`);
        if (Date.now() > end) throw new Error(`${cli} did not print ${pattern} within ${ms} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
    },
    async stop() {
      if (!done) {
        child.kill('SIGKILL');
        await exit;
      }
    },
  };
}
