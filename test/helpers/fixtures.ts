/**
 * Access to the real-bytes fixtures recorded from Java RocketMQ peers (test/fixtures, see its README).
 * Works from the compiled test tree: the project root is the nearest directory holding package.json.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** One recorded remoting frame: a line of a `wire/*.jsonl` file (see fixtures/rocketmq-4.3.2/wire/README.md). */
export interface FixtureFrame {
  scenario: string;
  /** `<peer>#<n>`, unique across the files of one run. */
  conn: string;
  /** Order of the frame within its connection (both directions). */
  seq: number;
  /** Proxy receive time, ms since the epoch. */
  ts: number;
  /** `c2s` = from the connecting side, `s2c` = from the listening side. */
  dir: 'c2s' | 's2c';
  peer: string;
  serializeType: number;
  code: number;
  opaque: number;
  flag: number;
  isResponse: boolean;
  oneway: boolean;
  version: number;
  language: string;
  extFields: Record<string, string> | null;
  remark: string | null;
  /** Responses only: the code of the matching request. */
  requestCode?: number;
  /** The header bytes exactly as sent (UTF-8 JSON). */
  headerJson: string;
  bodyLength: number;
  /** Body bytes in hex, null when the frame has no body. */
  bodyHex: string | null;
  /** The whole frame including the 4-byte length prefix. */
  frameHex: string;
}

let root: string | undefined;

/** The project root: the nearest ancestor of this file that holds package.json. */
export function projectRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return (root = dir);
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

/**
 * The recorded fixtures kept in the repository (`test/fixtures`, see its README), or `$APOGEE_FIXTURES`
 * to run the tests against another recording with the same layout.
 */
export function fixturesDir(): string {
  return process.env.APOGEE_FIXTURES ?? resolve(projectRoot(), 'test', 'fixtures');
}

/** Every frame of a jsonl file, e.g. `readFrames('rocketmq-4.3.2/wire/consume.jsonl')`. */
export function readFrames(relPath: string): FixtureFrame[] {
  const text = readFileSync(join(fixturesDir(), relPath), 'utf8');
  const frames: FixtureFrame[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const parsed = JSON.parse(line) as FixtureFrame & { event?: string };
    if (parsed.event !== undefined || parsed.frameHex === undefined) continue; // not a frame line
    frames.push(parsed);
  }
  return frames;
}

/** The frame's body bytes, or undefined when it has none. */
export function frameBody(frame: FixtureFrame): Buffer | undefined {
  return frame.bodyHex ? Buffer.from(frame.bodyHex, 'hex') : undefined;
}

/** The wire files holding remoting frames (not the raw HA streams). */
export const WIRE_FILES = [
  'rocketmq-4.3.2/wire/broker-register.jsonl',
  'rocketmq-4.3.2/wire/route-and-cluster.jsonl',
  'rocketmq-4.3.2/wire/produce.jsonl',
  'rocketmq-4.3.2/wire/consume.jsonl',
  'rocketmq-4.3.2/wire/admin-queries.jsonl',
  'rocketmq-3.5.8/wire/broker-register.jsonl',
] as const;
