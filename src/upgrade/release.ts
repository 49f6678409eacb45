/**
 * A release to upgrade to or roll back to: an installation of Apogee (a directory holding its
 * package.json and built dist/), named by its version.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { THIS_INSTALL, cliOf } from '../cluster/processes.js';

export interface Release {
  install: string;
  version: string;
}

export class ReleaseError extends Error {
  override name = 'ReleaseError';
}

/** `current` (this installation) or the path of another installation. */
export function resolveRelease(spec: string): Release {
  const install = spec === 'current' ? THIS_INSTALL : resolve(spec);
  let pkg: { name?: string; version?: string };
  try {
    pkg = JSON.parse(readFileSync(resolve(install, 'package.json'), 'utf8')) as typeof pkg;
  } catch {
    throw new ReleaseError(`${spec}: not an Apogee installation (no readable package.json in ${install})`);
  }
  if (pkg.name !== 'apogee' || typeof pkg.version !== 'string') throw new ReleaseError(`${spec}: ${install} holds package ${pkg.name ?? '?'}, not apogee`);
  for (const kind of ['namesrv', 'broker'] as const) {
    if (!existsSync(cliOf(install, kind))) throw new ReleaseError(`${spec}: ${install} is not built (no ${cliOf(install, kind)}); run npm ci && npm run build there`);
  }
  return { install, version: pkg.version };
}
