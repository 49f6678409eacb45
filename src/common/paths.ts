import { dirname, join, resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The project (or installed package) root: the nearest folder above this file with a package.json. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
}

/** Where servers keep data when not told otherwise: $APOGEE_HOME, else `<project>/data`. */
export function defaultDataDir(): string {
  return resolve(process.env.APOGEE_HOME ?? join(projectRoot(), 'data'));
}
