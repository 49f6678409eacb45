#!/usr/bin/env node
/**
 * `mqadmin`: the RocketMQ operator tool's everyday subcommands, with its flag names, on top of the
 * client SDK's Admin. Works against Apogee and Apache brokers alike.
 */
import { parseArgs } from 'node:util';
import { Admin } from '../client/admin.js';
import { setLogLevel } from '../common/logger.js';
import { commandHelp, type Command } from './mqadmin/command.js';
import { BROKER_COMMANDS } from './mqadmin/broker-commands.js';
import { GROUP_COMMANDS } from './mqadmin/group-commands.js';
import { MESSAGE_COMMANDS } from './mqadmin/message-commands.js';
import { NAMESRV_COMMANDS } from './mqadmin/namesrv-commands.js';
import { TOPIC_COMMANDS } from './mqadmin/topic-commands.js';
import { STATS_COMMANDS } from './mqadmin/stats-commands.js';
import { MONITOR_COMMANDS } from './mqadmin/monitor-commands.js';

/** Every subcommand, by name; each area keeps its own module. */
const COMMANDS: Record<string, Command> = {
  ...TOPIC_COMMANDS,
  ...BROKER_COMMANDS,
  ...GROUP_COMMANDS,
  ...MESSAGE_COMMANDS,
  ...NAMESRV_COMMANDS,
  ...STATS_COMMANDS,
  ...MONITOR_COMMANDS,
};

function usage(): string {
  return ['usage: mqadmin <command> [-n <namesrvAddr>] [options]', 'commands:', ...Object.values(COMMANDS).map((c) => `  ${c.usage}`), '  help', 'NameServers come from -n or $NAMESRV_ADDR.'].join('\n');
}

/** Thrown for a wrong command line: reported in one line, exit code 2 instead of 1. */
class UsageError extends Error {}

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  // `mqadmin help <command>` and `mqadmin <command> -h`: that command's usage, as Apache prints it.
  const helpFor = name === 'help' ? rest[0] : rest.includes('-h') || rest.includes('--help') ? name : undefined;
  if (helpFor !== undefined && Object.hasOwn(COMMANDS, helpFor)) {
    process.stdout.write(commandHelp(helpFor, COMMANDS[helpFor]!) + '\n');
    return 0;
  }
  if (name === undefined || name === 'help' || name === '-h' || name === '--help') {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) throw new UsageError(`unknown command '${name}'; run mqadmin help`);
  let values;
  try {
    const options = Object.fromEntries(Object.entries(cmd.options).map(([k, v]) => [k, { type: v.type, short: v.short }]));
    ({ values } = parseArgs({ args: rest, options: { ...options, namesrvAddr: { type: 'string', short: 'n' } }, strict: true, allowPositionals: false }));
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
