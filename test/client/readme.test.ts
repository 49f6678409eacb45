/**
 * Every ```js example of src/client/README.md runs as its own Node process against Apogee's
 * NameServer + broker (the import of '@apogee/rocketmq-client' pointed at the compiled SDK, the
 * NameServer address substituted, long shutdown delays shortened) and must exit 0 on its own.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { projectRoot } from '../helpers/fixtures.js';
import { startCluster } from '../helpers/cluster.js';

function run(file: string, timeoutMs: number): Promise<{ status: number | null; signal: string | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [file], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ status, signal, stderr });
    });
  });
}

test('README: every example runs against a live NameServer + broker and exits by itself', async () => {
  const root = projectRoot();
  const readme = readFileSync(join(root, 'src', 'client', 'README.md'), 'utf8');
  const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]!);
  assert.ok(blocks.length >= 15, `found ${blocks.length} examples`);
  const sdk = pathToFileURL(join(root, 'dist', 'src', 'client', 'index.js')).href;
  const dir = mkdtempSync(join(tmpdir(), 'apogee-readme-'));
  const cluster = await startCluster();
  let ran = 0;
  try {
    for (const [i, block] of blocks.entries()) {
      // The one example that waits for Ctrl-C is a pattern, not a script.
      if (block.includes("process.once('SIGINT'")) continue;
      const code = block
        .replaceAll("'@apogee/rocketmq-client'", `'${sdk}'`)
        .replaceAll("'10.0.0.1:9876', '10.0.0.2:9876'", `'127.0.0.1:1', '${cluster.namesrvAddr}'`)
        .replaceAll('127.0.0.1:9876', cluster.namesrvAddr)
        .replace(/\b(10_000|5_000)\b/g, '300');
      const file = join(dir, `example-${i}.mjs`);
      writeFileSync(file, code);
      const r = await run(file, 30_000);
      assert.equal(r.signal, null, `example ${i} did not exit by itself:\n${code}\n${r.stderr}`);
      assert.equal(r.status, 0, `example ${i} failed:\n${code}\n${r.stderr}`);
      ran++;
    }
    assert.equal(ran, blocks.length - 1);
  } finally {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
