/**
 * One server CLI (mqnamesrv, mqbroker, apogee) as a real child process: its output collected (and
 * copied to a log file when asked), a bounded wait for a line, and a stop that always ends it —
 * SIGTERM, then SIGKILL after a grace period. Every process started here is also SIGKILLed when this
 * process exits, so a test or benchmark that dies half-way leaves no server behind.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../common/paths.js';

export type ServerCli = 'mqnamesrv' | 'mqbroker' | 'apogee';

export const cliPath = (name: string, root = projectRoot()): string => join(root, 'dist', 'src', 'cli', `${name}.js`);

export interface ProcessOptions {
  cli: ServerCli;
  args: string[];
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Node flags before the script, e.g. ['--cpu-prof']. */
  nodeArgs?: string[];
  cwd?: string;
  /** Appends stdout and stderr to this file. */
  log?: string;
  /** Project root whose dist/ holds the CLIs (default: the one this file was built in). */
  root?: string;
}

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Stopped extends Exit {
  ms: number;
  /** True when SIGTERM was not enough within the grace period. */
  killed: boolean;
}

const live = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

/** Lines kept for error messages. */
const TAIL_LINES = 200;

export class ServerProcess {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves once the process has exited. */
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  private out = '';
  private err = '';
  private readonly tailLines: string[] = [];
  private readonly logFile: WriteStream | undefined;
  private readonly startedAt = Date.now();

  constructor(readonly options: ProcessOptions) {
    const script = cliPath(options.cli, options.root);
    this.child = spawn(process.execPath, [...(options.nodeArgs ?? []), script, ...options.args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.pid = this.child.pid ?? -1;
    live.add(this.child);
    this.logFile = options.log ? createWriteStream(options.log, { flags: 'a' }) : undefined;
    const collect = (stream: 'out' | 'err') => {
      let partial = '';
      return (chunk: Buffer): void => {
        this.logFile?.write(chunk);
        const text = chunk.toString('utf8');
        if (stream === 'out') this.out += text;
        else this.err += text;
        partial += text;
        let nl: number;
        while ((nl = partial.indexOf('\n')) >= 0) {
          this.remember(stream, partial.slice(0, nl));
          partial = partial.slice(nl + 1);
        }
      };
    };
    this.child.stdout!.on('data', collect('out'));
    this.child.stderr!.on('data', collect('err'));
    this.exited = new Promise<Exit>((resolve) => {
      // 'error' (e.g. spawn failure) is followed by 'close'; the message is kept for the tail.
      this.child.on('error', (e) => this.remember('err', `spawn error: ${e.message}`));
      this.child.once('close', (code, signal) => {
        live.delete(this.child);
        const exit = { code, signal };
        this.exit = exit;
        if (this.logFile) this.logFile.end(() => resolve(exit));
        else resolve(exit);
      });
    });
  }

  stdout(): string {
    return this.out;
  }

  stderr(): string {
    return this.err;
  }

  get running(): boolean {
    return this.exit === undefined;
  }

  /** Milliseconds since the spawn. */
  uptimeMs(): number {
    return Date.now() - this.startedAt;
  }

  remember(stream: string, line: string): void {
    this.tailLines.push(`${stream}| ${line}`);
    if (this.tailLines.length > TAIL_LINES) this.tailLines.shift();
  }

  /** The last `n` output lines, for error messages. */
  tailText(n = 30): string {
    const lines = this.tailLines.slice(-n);
    return lines.length ? `${this.options.cli} output (last ${lines.length} lines):\n  ${lines.join('\n  ')}` : `${this.options.cli} printed nothing`;
  }

  /** Resolves with the first match of `pattern` in stdout (or stderr), failing on exit or after `ms`. */
  async waitFor(pattern: RegExp, from: 'stdout' | 'stderr' = 'stdout', ms = 20_000): Promise<RegExpMatchArray> {
    const end = Date.now() + ms;
    for (;;) {
      const m = (from === 'stdout' ? this.out : this.err).match(pattern);
      if (m) return m;
      if (this.exit) throw new Error(`${this.options.cli} exited (code ${this.exit.code}, signal ${this.exit.signal}) before printing ${pattern}\n${this.tailText()}`);
      if (Date.now() > end) throw new Error(`${this.options.cli} did not print ${pattern} within ${ms} ms\n${this.tailText()}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. Safe to call twice. */
  async stop(graceMs = 10_000): Promise<Stopped> {
    const t0 = Date.now();
    if (this.exit) return { ...this.exit, ms: 0, killed: false };
    this.child.kill('SIGTERM');
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      this.child.kill('SIGKILL');
    }, graceMs);
    const e = await this.exited;
    clearTimeout(timer);
    return { ...e, ms: Date.now() - t0, killed };
  }

  /** SIGKILL (no drain) and wait for the exit. */
  async kill(): Promise<Exit> {
    if (!this.exit) this.child.kill('SIGKILL');
    return this.exited;
  }
}
