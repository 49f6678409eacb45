/**
 * The layering rules of .dependency-cruiser.cjs hold for src/ (codec does no I/O and stands alone,
 * the client reaches no server code, no cycles, processors independent, ...), and each rule really
 * catches the violation it is written for, shown on a throwaway tree of files that break every rule.
 * Runs the dependency-cruiser CLI exactly as `npx depcruise src` does, so a failure here reproduces
 * by hand.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { projectRoot } from '../helpers/fixtures.js';

const root = projectRoot();
const config = join(root, '.dependency-cruiser.cjs');
const cli = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');

interface Violation {
  from: string;
  to: string;
  rule: { name: string; severity: string };
  cycle?: Array<{ name: string }>;
}

/** Cruises `dirs` (relative to `cwd`) with the project's rules and returns the violations found. */
function cruise(cwd: string, dirs: string[]): Violation[] {
  const run = spawnSync(process.execPath, [cli, '--config', config, '--output-type', 'json', ...dirs], {
    cwd,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    timeout: 60_000,
  });
  assert.equal(run.status, 0, `dependency-cruiser failed to run:\n${run.stderr}`);
  const result = JSON.parse(run.stdout) as { summary: { violations: Violation[] } };
  return result.summary.violations;
}

/** One line per violation: the rule, the importing file and the imported one (or the whole cycle). */
function describe(v: Violation): string {
  const target = v.cycle ? [v.from, ...v.cycle.map((c) => c.name)].join(' → ') : `${v.from} → ${v.to}`;
  return `${v.rule.name}: ${target}`;
}

test('src/ keeps the layering of .dependency-cruiser.cjs', () => {
  const violations = cruise(root, ['src']);
  assert.deepEqual(
    violations.map(describe),
    [],
    `layering violations (rules and their reasons in .dependency-cruiser.cjs):\n  ${violations.map(describe).join('\n  ')}`,
  );
});

test('each layering rule reports the import it forbids, and only that', () => {
  const dir = mkdtempSync(join(tmpdir(), 'apogee-layering-'));
  try {
    const files: Record<string, string> = {
      'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true } }),
      // Bottom layers reaching up or out.
      'src/codec/frame.ts': "import { connect } from 'node:net';\nimport { inflateSync } from 'node:zlib';\nimport { log } from '../common/logger.js';\nexport const frame = [connect, inflateSync, log];\n",
      'src/common/logger.ts': "import { code } from '../protocol/code.js';\nexport const log = code;\n",
      'src/protocol/code.ts': "import { send } from '../transport/client.js';\nexport const code = send;\n",
      'src/transport/client.ts': "import { store } from '../store/store.js';\nexport const send = store;\n",
      'src/client/producer.ts': "import { send } from '../transport/client.js';\nimport { route } from '../namesrv/routes.js';\nexport const producer = [send, route];\n",
      'src/namesrv/routes.ts': 'export const route = 1;\n',
      'src/store/store.ts': "import { broker } from '../broker/broker.js';\nexport const store = broker;\n",
      'src/broker/broker.ts': 'export const broker = 1;\n',
      // Processors importing each other.
      'src/broker/processors/send.ts': "import { query } from './query.js';\nexport const send = query;\n",
      'src/broker/processors/query.ts': 'export const query = 1;\n',
      'src/broker/processors/pull.ts': 'export const pull = 1;\n',
      'src/broker/processors/consumer.ts': "import { pull } from './pull.js';\nimport { query } from './query.js';\nexport const consumer = [pull, query];\n",
      // A runtime cycle, and a cycle closed only by a type import.
      'src/cli/a.ts': "import { b } from './b.js';\nexport const a = () => b;\n",
      'src/cli/b.ts': "import { a } from './a.js';\nexport const b = () => a;\n",
      'src/upgrade/plan.ts': "import type { Step } from './step.js';\nexport const plan = (s: Step) => s;\n",
      'src/upgrade/step.ts': "import { plan } from './plan.js';\nexport type Step = number;\nexport const step = plan;\n",
    };
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, name)), { recursive: true });
      writeFileSync(join(dir, name), text);
    }
    // A cycle is reported once, from its first module.
    const found = cruise(dir, ['src']).map(describe).sort();
    assert.deepEqual(found, [
      'client-imports-no-server-code: src/client/producer.ts → src/namesrv/routes.ts',
      'codec-does-no-io: src/codec/frame.ts → net',
      'codec-is-self-contained: src/codec/frame.ts → src/common/logger.ts',
      'common-is-server-free: src/common/logger.ts → src/protocol/code.ts',
      'no-circular-through-types: src/upgrade/plan.ts → src/upgrade/step.ts → src/upgrade/plan.ts',
      'no-circular: src/cli/a.ts → src/cli/b.ts → src/cli/a.ts',
      'processors-are-independent: src/broker/processors/consumer.ts → src/broker/processors/pull.ts',
      'processors-are-independent: src/broker/processors/consumer.ts → src/broker/processors/query.ts',
      'processors-are-independent: src/broker/processors/send.ts → src/broker/processors/query.ts',
      'protocol-only-on-codec-and-common: src/protocol/code.ts → src/transport/client.ts',
      'store-imports-no-broker: src/store/store.ts → src/broker/broker.ts',
      'store-only-through-index: src/transport/client.ts → src/store/store.ts',
      'transport-below-client-and-servers: src/transport/client.ts → src/store/store.ts',
    ].sort());
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
