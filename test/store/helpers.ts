/** Shared helpers for store tests: fixture paths, temp copies, manifests. */
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { fixturesDir } from '../helpers/fixtures.js';

export { fixturesDir };

export function fixture(...parts: string[]): string {
  return join(fixturesDir(), ...parts);
}

export function makeTempDir(prefix = 'apogee-store-'): string {
  return fs.mkdtempSync(join(tmpdir(), prefix));
}

/** Copies a fixture store into a fresh temp dir (writable), without the manifest files. */
export function copyFixtureStore(...parts: string[]): string {
  const dir = makeTempDir();
  const dest = join(dir, 'store');
  fs.cpSync(fixture(...parts), dest, {
    recursive: true,
    filter: (src) => !src.endsWith('manifest.json') && !src.endsWith('producer-results.jsonl'),
  });
  makeWritable(dest);
  return dest;
}

function makeWritable(path: string): void {
  const st = fs.statSync(path);
  fs.chmodSync(path, st.isDirectory() ? 0o755 : 0o644);
  if (st.isDirectory()) for (const n of fs.readdirSync(path)) makeWritable(join(path, n));
}

export function removeTemp(storeDir: string): void {
  const parent = resolve(storeDir, '..');
  // Given a temp dir itself instead of a store inside one, this would empty the system's temp directory.
  if (parent === resolve(tmpdir()) || !basename(parent).startsWith('apogee-')) throw new Error(`removeTemp(${storeDir}): not a store inside one of makeTempDir's directories`);
  fs.rmSync(parent, { recursive: true, force: true });
}

export function readJson<T = any>(...parts: string[]): T {
  return JSON.parse(fs.readFileSync(fixture(...parts), 'utf8')) as T;
}

export interface ManifestMessage {
  topic: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  storeSize: number;
  msgId: string;
  uniqKey?: string;
  tags?: string;
  keys?: string;
  properties: Record<string, string>;
  bornTimestamp: number;
  storeTimestamp: number;
  bornHost: string;
  storeHost: string;
  sysFlag: number;
  reconsumeTimes: number;
  flag: number;
  bodyCRC: number;
  preparedTransactionOffset: number;
  bodyLength: number;
  bodySha256: string;
  bodyText?: string;
}

/** Fixture store settings (1 MiB CommitLog files, 300-entry CQ files, 1000×4000 index). */
export function fixtureStoreConfig(root: string) {
  return {
    storePathRootDir: root,
    mapedFileSizeCommitLog: 1048576,
    mapedFileSizeConsumeQueue: 6000,
    maxHashSlotNum: 1000,
    maxIndexNum: 4000,
    brokerIP1: '127.0.0.1',
    listenPort: 10921,
    flushDiskType: 'SYNC_FLUSH' as const,
  };
}
