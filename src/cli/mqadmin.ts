#!/usr/bin/env node
/**
 * `mqadmin`: the RocketMQ operator tool's everyday subcommands, with its flag names, on top of the
 * client SDK's Admin. Works against Apogee and Apache brokers alike.
 */
import { parseArgs } from 'node:util';
import { Admin } from '../client/admin.js';
import { setLogLevel } from '../common/logger.js';
import type { Command } from './mqadmin/command.js';
import { BROKER_COMMANDS } from './mqadmin/broker-commands.js';
import { GROUP_COMMANDS } from './mqadmin/group-commands.js';
import { MESSAGE_COMMANDS } from './mqadmin/message-commands.js';
import { NAMESRV_COMMANDS } from './mqadmin/namesrv-commands.js';
import { TOPIC_COMMANDS } from './mqadmin/topic-commands.js';

/** Every subcommand, by name; each area keeps its own module. */
const COMMANDS: Record<string, Command> = {
  ...TOPIC_COMMANDS,
  ...BROKER_COMMANDS,
  ...GROUP_COMMANDS,
  ...MESSAGE_COMMANDS,
  ...NAMESRV_COMMANDS,
};

function usage(): string {
  return ['usage: mqadmin <command> [-n <namesrvAddr>] [options]', 'commands:', ...Object.values(COMMANDS).map((c) => `  ${c.usage}`), '  help', 'NameServers come from -n or $NAMESRV_ADDR.'].join('\n');
}

/** Thrown for a wrong command line: reported in one line, exit code 2 instead of 1. */
class UsageError extends Error {}

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (name === undefined || name === 'help' || name === '-h' || name === '--help') {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) throw new UsageError(`unknown command '${name}'; run mqadmin help`);
  let values;
  try {
    ({ values } = parseArgs({ args: rest, options: { ...cmd.options, namesrvAddr: { type: 'string', short: 'n' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(`${name}: ${(err as Error).message.split('. To specify')[0]}; usage: ${cmd.usage}`);
  }
  const namesrvAddr = (values.namesrvAddr as string | undefined) ?? process.env.NAMESRV_ADDR;
  if (!namesrvAddr) throw new UsageError('no NameServer: give -n <addr> or set NAMESRV_ADDR');
  setLogLevel('warn');
  const admin = new Admin({ namesrvAddr });
  await admin.start();
  try {
    await cmd.run(admin, values as Record<string, string | boolean | undefined>);
  } finally {
    await admin.shutdown();
  }
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    // One line, never a stack: the first line of the message is what an operator can act on.
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim() || String(err);
    process.stderr.write(`mqadmin: ${message}\n`);
    process.exit(err instanceof UsageError ? 2 : 1);
  },
);
