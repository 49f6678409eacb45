/**
 * `apogee upgrade`: rolls a live cluster to another release node by node (or back with --rollback),
 * behind gates that make loss impossible. See src/upgrade/orchestrator.ts for the order and gates.
 */
import { existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { setLogLevel } from '../common/logger.js';
import { CommandDriver } from '../upgrade/drivers/command.js';
import { LocalDriver } from '../upgrade/drivers/local.js';
import type { Driver } from '../upgrade/driver.js';
import { rollingUpgrade, SKIPPABLE_GATES, type SkippableGate } from '../upgrade/orchestrator.js';
import { JsonLinesProgress, TerminalProgress } from '../upgrade/progress.js';
import { resolveRelease } from '../upgrade/release.js';

export const UPGRADE_USAGE = `usage: apogee upgrade --cluster DIR|'ns1:9876;ns2:9876' [--driver FILE] --to RELEASE [--plan] [--yes]
       apogee upgrade --cluster ... --resume | --rollback [--yes]
  --cluster   an apogee cluster's data directory (its nodes are driven directly), or the NameServer
              list of any cluster, with --driver FILE: shell command templates for stop/start/backup
  --to        the release to move to: 'current' (this installation) or the path of another built one
  --plan      print the plan and stop;  --yes: run without asking
  --resume    finish a run that stopped;  --rollback: go back to the releases recorded before the run
  --json      JSON lines even on a terminal;  --gate-timeout SECONDS (default 120)
  --route-refresh SECONDS  how often your applications' clients re-read routes (pollNameServerInterval,
              default 30): a master's writes are forbidden only that long after a NameServer restart
              or the previous master's return, so no client is left with only that master to write to`;

export class UpgradeUsageError extends Error {}

export async function upgradeMain(argv: string[]): Promise<number> {
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        cluster: { type: 'string' },
        data: { type: 'string' },
        driver: { type: 'string' },
        to: { type: 'string' },
        plan: { type: 'boolean' },
        yes: { type: 'boolean', short: 'y' },
        resume: { type: 'boolean' },
        rollback: { type: 'boolean' },
        json: { type: 'boolean' },
        'gate-timeout': { type: 'string' },
        'route-refresh': { type: 'string' },
        'unsafe-skip-gate': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    throw new UpgradeUsageError((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(UPGRADE_USAGE + '\n');
    return 0;
  }
  setLogLevel('silent');
  const cluster = (values.cluster ?? values.data) as string | undefined;
  if (!cluster) throw new UpgradeUsageError('--cluster is required');
  let driver: Driver;
  let namesrvs: string[];
  if (existsSync(cluster) && statSync(cluster).isDirectory()) {
    const local = new LocalDriver(cluster);
    driver = local;
    namesrvs = local.namesrvAddrs;
  } else {
    namesrvs = cluster.split(';').map((s) => s.trim()).filter(Boolean);
    if (namesrvs.length === 0 || namesrvs.some((a) => !/^[^:\s]+:\d+$/.test(a))) throw new UpgradeUsageError(`--cluster ${cluster}: neither a cluster data directory nor a NameServer list 'host:port;host:port'`);
    if (!values.driver) throw new UpgradeUsageError('a cluster given by its NameServers needs --driver FILE (command templates for stop, start, backup)');
    driver = new CommandDriver(values.driver as string);
  }
  const resume = values.resume === true;
  const rollback = values.rollback === true;
  if (resume && rollback) throw new UpgradeUsageError('--resume and --rollback exclude each other');
  if (!resume && !rollback && !values.to) throw new UpgradeUsageError('--to RELEASE is required (e.g. --to current)');
  const skipGates = new Set<SkippableGate>();
  for (const g of (values['unsafe-skip-gate'] as string[] | undefined) ?? []) {
    if (!(SKIPPABLE_GATES as readonly string[]).includes(g)) throw new UpgradeUsageError(`--unsafe-skip-gate ${g}: not a gate (${SKIPPABLE_GATES.join(', ')})`);
    skipGates.add(g as SkippableGate);
  }
  const gateSeconds = values['gate-timeout'] === undefined ? 120 : Number(values['gate-timeout']);
  if (!Number.isFinite(gateSeconds) || gateSeconds <= 0) throw new UpgradeUsageError(`--gate-timeout takes seconds, got "${String(values['gate-timeout'])}"`);
  const refreshSeconds = values['route-refresh'] === undefined ? 30 : Number(values['route-refresh']);
  if (!Number.isFinite(refreshSeconds) || refreshSeconds < 0) throw new UpgradeUsageError(`--route-refresh takes seconds, got "${String(values['route-refresh'])}"`);
  const json = values.json === true || !process.stdout.isTTY;
  const progress = json ? new JsonLinesProgress() : new TerminalProgress();
  const report = await rollingUpgrade({
    driver,
    namesrvs,
    direction: rollback ? 'rollback' : 'upgrade',
    to: values.to ? resolveRelease(values.to as string) : undefined,
    resume,
    gateTimeoutMs: gateSeconds * 1000,
    routeRefreshMs: refreshSeconds * 1000,
    skipGates,
    planOnly: values.plan === true,
    confirm: values.yes ? undefined : async (summary) => {
      if (!process.stdin.isTTY) throw new UpgradeUsageError('not on a terminal: add --yes to run without asking');
      const rl = createInterface({ input: process.stdin, output: process.stdout });
      try {
        return /^y(es)?$/i.test((await rl.question(`${summary}\nProceed? [y/N] `)).trim());
      } finally {
        rl.close();
      }
    },
    progress,
  });
  if (!report) return 0;
  if (json) process.stdout.write(JSON.stringify({ event: 'report', ...report }) + '\n');
  else {
    process.stdout.write(`\n${report.direction === 'upgrade' ? 'Upgrade' : 'Rollback'} finished in ${(report.totalMs / 1000).toFixed(1)} s\n`);
    for (const [node, ms] of Object.entries(report.perNodeMs)) process.stdout.write(`  ${node.padEnd(14)} ${(ms / 1000).toFixed(1)} s\n`);
    for (const w of report.warnings) process.stdout.write(`warning: ${w}\n`);
  }
  return 0;
}
