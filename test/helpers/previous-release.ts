/**
 * The previous release, built from git history: RELEASES.md names each release's commit; its tree is
 * exported from the repository (`git archive`, so the repository is not touched), installed with
 * `npm ci` and built, once per commit, in a cache directory under the system's temp dir.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from './fixtures.js';

export interface BuiltRelease {
  version: string;
  commit: string;
  install: string;
}

/** The newest release listed in RELEASES.md (`| <version> | <commit> | …` rows). */
export function previousRelease(): { version: string; commit: string } {
  const text = readFileSync(join(projectRoot(), 'RELEASES.md'), 'utf8');
  const m = /^\|\s*v?(\d+\.\d+\.\d+)\s*\|\s*`?([0-9a-f]{7,40})`?\s*\|/m.exec(text);
  if (!m) throw new Error('RELEASES.md names no release (a row "| <version> | <commit> | ..." is expected)');
  return { version: m[1]!, commit: m[2]! };
}

/** Why the previous release cannot be built here (e.g. a shallow clone without its commit), or undefined. */
export function previousReleaseUnavailable(): string | undefined {
  const { version, commit } = previousRelease();
  const r = spawnSync('git', ['-C', projectRoot(), 'cat-file', '-e', `${commit}^{commit}`]);
  return r.status === 0 ? undefined : `release ${version}'s commit ${commit} is not in this clone's history (shallow clone?)`;
}

export function buildPreviousRelease(log: (line: string) => void = () => {}): BuiltRelease {
  const { version, commit } = previousRelease();
  const full = execFileSync('git', ['-C', projectRoot(), 'rev-parse', `${commit}^{commit}`], { encoding: 'utf8' }).trim();
  const install = join(tmpdir(), `apogee-release-${version}-${full.slice(0, 12)}`);
  if (existsSync(join(install, '.built'))) return { version, commit: full, install };
  const work = `${install}.tmp-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  log(`building release ${version} (${full.slice(0, 12)}) in ${install}`);
  const archive = spawnSync('git', ['-C', projectRoot(), 'archive', '--format=tar', full], { maxBuffer: 1 << 30 });
  if (archive.status !== 0) throw new Error(`git archive ${full}: ${archive.stderr.toString()}`);
  execFileSync('tar', ['-x', '-C', work], { input: archive.stdout });
  const run = (cmd: string, args: string[]): void => {
    const r = spawnSync(cmd, args, { cwd: work, encoding: 'utf8', timeout: 600_000 });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} in release ${version}: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  };
  run('npm', ['ci', '--no-audit', '--no-fund', '--ignore-scripts']);
  run('npm', ['run', 'build', '--silent']);
  writeFileSync(join(work, '.built'), `${full}\n`);
  rmSync(install, { recursive: true, force: true });
  renameSync(work, install);
  return { version, commit: full, install };
}
