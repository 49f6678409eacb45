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

/**
 * The newest release RELEASES.md records with a commit (`## <version>` sections, newest first, each
 * with a `- Commit: <id>` line; the working tree's own section has no id yet).
 */
export function previousRelease(): { version: string; commit: string } {
  const text = readFileSync(join(projectRoot(), 'RELEASES.md'), 'utf8');
  for (const section of text.split(/^## /m).slice(1)) {
    const version = /^(\d+\.\d+\.\d+)\s*$/m.exec(section.split('\n')[0]!)?.[1];
    const commit = /^- Commit: `?([0-9a-f]{40})`?/m.exec(section)?.[1];
    if (version && commit) return { version, commit };
  }
  throw new Error('RELEASES.md records no release with its commit ("## <version>" with "- Commit: <40-hex id>")');
}

/** Why the previous release cannot be built here (e.g. a shallow clone without its commit), or undefined. */
export function previousReleaseUnavailable(): string | undefined {
  let version: string;
  let commit: string;
  try {
    ({ version, commit } = previousRelease());
  } catch (err) {
    return (err as Error).message;
  }
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
