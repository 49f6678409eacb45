/**
 * The project's server launcher (src/testing/launcher.ts), from the built checkout under test: the root
 * of this repository, or $APOGEE_ROOT to test another built checkout. The suite starts its servers with
 * it as tests and benchmarks do — `new ApogeeNode({ root, dir, brokerProps })`, `start()`, `stop()`,
 * `restart()` — so there is one way to start Apogee, not one per harness.
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = process.env.APOGEE_ROOT ? resolve(process.env.APOGEE_ROOT) : resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const entry = join(ROOT, 'dist', 'src', 'testing', 'launcher.js');
if (!existsSync(entry)) throw new Error(`conformance: ${entry} is missing; build the root project first (npm run build)`);

export const { ApogeeNode } = await import(pathToFileURL(entry).href);
