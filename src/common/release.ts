/**
 * Apogee's own release (package.json `version`), shown wherever an operator looks to tell Apogee
 * nodes from Java ones: runtime info, clusterList, NameServer and boot log lines. Wire versions
 * (MQVersion ordinals) stay what compatibility needs; this is only ever extra, human-facing text.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from './paths.js';

export const PRODUCT = 'Apogee';

function readRelease(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' && pkg.version ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** e.g. `0.1.0`; read once at load from the package this code ships in. */
export const RELEASE = readRelease();

/** e.g. `Apogee 0.1.0`. */
export const PRODUCT_RELEASE = `${PRODUCT} ${RELEASE}`;
