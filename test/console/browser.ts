/**
 * Headless Chromium for the console's tests: the Debian package at /usr/bin/chromium driven by
 * playwright-core (never a downloaded browser), a fresh profile directory per launch, removed on
 * close. Without Chromium the tests fail with the line that says how to install it.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: the console's tests drive a real browser. Install the Debian package: apt-get install -y chromium`);
  }
  const profile = mkdtempSync(join(tmpdir(), 'apogee-chromium-'));
  let context: BrowserContext;
  try {
    // launchPersistentContext is how playwright takes a --user-data-dir: a fresh one per launch.
    context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 900 }, timeout: 30_000 });
  } catch (err) {
    rmSync(profile, { recursive: true, force: true });
    throw err;
  }
  context.setDefaultTimeout(15_000);
  return {
    context,
    async close() {
      await context.close().catch(() => undefined);
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
