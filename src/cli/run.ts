/**
 * The one error path of every server CLI: a failure prints `<cli>: <message>` as one line on
 * stderr and exits non-zero. The stack is for developers: shown only with --verbose or
 * APOGEE_LOG_LEVEL=debug.
 */
import { ConfigError } from '../common/config.js';
import { recordInLogFile } from '../common/logger.js';

/** A failure the user can fix (bad flag, bad value): exit 2, as for usage errors. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export function isVerbose(argv: readonly string[] = process.argv): boolean {
  return argv.includes('--verbose') || process.env.APOGEE_LOG_LEVEL === 'debug';
}

function exitCodeOf(err: unknown): number {
  return err instanceof ConfigError || err instanceof UsageError ? 2 : 1;
}

/** Prints the error the CLI way; returns the exit code it deserves. */
export function reportError(cli: string, err: unknown): number {
  const e = err instanceof Error ? err : new Error(String(err));
  const line = e.message.split('\n').find((l) => l.trim() !== '') ?? e.name;
  process.stderr.write(`${cli}: ${line}\n`);
  recordInLogFile(cli === 'mqnamesrv' ? 'namesrv' : 'broker', `${cli}: ${line}`);
  if (isVerbose() && e.stack) process.stderr.write(`${e.stack}\n`);
  return exitCodeOf(err);
}

/** Runs a CLI's main; any failure, including one after start-up, ends the process with one line. */
export function runCli(cli: string, main: () => Promise<void>): void {
  const fail = (err: unknown): void => process.exit(reportError(cli, err));
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  main().catch(fail);
}
