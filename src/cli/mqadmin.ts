#!/usr/bin/env node
/**
 * `mqadmin`: the RocketMQ operator tool's everyday subcommands, with its flag names, on top of the
 * client SDK's Admin. Works against Apogee and Apache brokers alike.
 */
import { parseArgs } from 'node:util';
import { Admin } from '../client/admin.js';
import { setLogLevel } from '../common/logger.js';
import { checkRequired, commandHelp, COMMON_OPTIONS, UsageError, type Command } from './mqadmin/command.js';
import { BROKER_COMMANDS } from './mqadmin/broker-commands.js';
import { CONNECTION_COMMANDS } from './mqadmin/connection-commands.js';
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
  ...CONNECTION_COMMANDS,
  ...MESSAGE_COMMANDS,
  ...NAMESRV_COMMANDS,
  ...STATS_COMMANDS,
  ...MONITOR_COMMANDS,
};

/** `mqadmin help`, as Apache's MQAdminStartup.printHelp lays it out. */
function usage(): string {
  return [
    'usage: mqadmin <command> [-n <namesrvAddr>] [options]',
    'The most commonly used mqadmin commands are:',
    ...Object.entries(COMMANDS).map(([name, c]) => `   ${name.padEnd(20)} ${c.desc ?? c.usage ?? ''}`),
    '',
    "See 'mqadmin help <command>' (or mqadmin <command> -h) for more information on a specific command.",
    'NameServers come from -n or $NAMESRV_ADDR.',
  ].join('\n');
}

function findCommand(name: string): Command {
  const cmd = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!cmd) throw new UsageError(`unknown command '${name}'; run mqadmin help`);
  return cmd;
}

async function main(): Promise<number> {
  const [name, ...rest] = process.argv.slice(2);
  if (name === 'help' && rest[0] !== undefined) {
    process.stdout.write(commandHelp(rest[0], findCommand(rest[0])) + '\n');
    return 0;
  }
  if (name === undefined || name === 'help' || name === '-h' || name === '--help') {
    process.stdout.write(usage() + '\n');
    return 0;
  }
  const cmd = findCommand(name);
  if (rest.includes('-h') || rest.includes('--help')) {
    process.stdout.write(commandHelp(name, cmd) + '\n');
    return 0;
  }
  let values;
  try {
    const options = Object.fromEntries(Object.entries({ ...cmd.options, ...COMMON_OPTIONS }).map(([k, o]) => [k, { type: o.type, short: o.short }]));
    ({ values } = parseArgs({ args: rest, options, strict: true, allowPositionals: false }));
  } catch (err) {
    throw new UsageError(`${name}: ${(err as Error).message.split('. To specify')[0]}; see mqadmin ${name} -h`);
  }
  checkRequired(name, cmd, values);
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
  // Commands that go on past a broker's refusal (as Apache's do) set a failing exit code.
  return Number(process.exitCode ?? 0);
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
