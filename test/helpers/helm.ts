/** A real helm (from scripts/fetch-helm.mjs, or $HELM) for the chart under deploy/helm/apogee. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { projectRoot } from '../../src/common/paths.js';
import { deployDir } from './deploy.js';

export type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const CHART = deployDir('helm', 'apogee');
export const HELM = process.env.HELM ?? join(projectRoot(), 'node_modules', '.cache', 'apogee-helm', 'helm');
export const helmMissing = existsSync(HELM)
  ? false
  : process.env.CI
    ? false // in CI a missing helm is a failure (.ci/run fetches it), not a skip
    : `no helm at ${HELM}: run node scripts/fetch-helm.mjs (or set HELM)`;

export function helm(args: string[]): { status: number | null; out: string } {
  const r = spawnSync(HELM, args, { encoding: 'utf8', env: { ...process.env, HELM_CACHE_HOME: tmpdir(), HELM_CONFIG_HOME: tmpdir(), HELM_DATA_HOME: tmpdir() } });
  if (r.error) throw r.error;
  return { status: r.status, out: r.stdout + r.stderr };
}

/** The chart's manifests for release "t" in namespace "mq", with extra `helm template` flags. */
export function render(chart = CHART, ...flags: string[]): Doc[] {
  const r = helm(['template', 't', chart, '--namespace', 'mq', ...flags]);
  assert.equal(r.status, 0, r.out);
  return parseAllDocuments(r.out).map((d) => d.toJS() as Doc).filter((d) => d !== null);
}

