/**
 * The peers benchmark in smoke mode (tiny counts, Apogee only, no installs) runs as a child
 * process and must produce every workload with positive numbers, so the harness cannot rot.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../../src/common/paths.js';

test('bench:peers --smoke measures every workload on Apogee (both flush modes)', { timeout: 90_000 }, (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'peers-smoke-'));
  try {
    const out = join(dir, 'result.json');
    const script = join(projectRoot(), 'dist', 'bench', 'peers-bench.js');
    const r = spawnSync(process.execPath, [script, '--smoke', `--out=${out}`], { encoding: 'utf8', timeout: 80_000 });
    assert.equal(r.status, 0, `exit ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
    const json = JSON.parse(readFileSync(out, 'utf8')) as {
      mode: string;
      raw: Record<string, number>;
      targets: Array<{ id: string; runs: Array<Record<string, unknown> & { error?: string }>; summary: Record<string, { median: number }> }>;
      table: string;
      totalSeconds: number;
    };
    assert.equal(json.mode, 'smoke');
    for (const k of ['seqWriteFdatasync1MiBMBps', 'fdatasyncAppend1KBp50ms', 'loopbackTcpMBps']) assert.ok(json.raw[k]! > 0, `raw ${k} = ${json.raw[k]}`);
    assert.deepEqual(json.targets.map((t) => t.id), ['apogee-async', 'apogee-sync']);
    for (const t of json.targets) {
      assert.ok(t.runs.length >= 1 && t.runs.every((run) => run.error === undefined), `${t.id}: ${JSON.stringify(t.runs)}`);
      for (const k of ['A_single', 'A_batch', 'B_p50', 'B_p99', 'C_p50', 'C_p99', 'D']) assert.ok(t.summary[k] && t.summary[k].median > 0, `${t.id} ${k}: ${JSON.stringify(t.summary[k])}`);
      const run = t.runs[0] as { C?: { notReceived?: number }; D?: { capped?: boolean } };
      assert.equal(run.C?.notReceived, undefined, `${t.id}: C messages not received`);
      assert.equal(run.D?.capped, undefined, `${t.id}: D did not read the whole backlog`);
    }
    assert.match(json.table, /\| Apogee ASYNC_FLUSH \|/);
    // How long it took is reported, not asserted: a loaded CI machine is no place for timings.
    t.diagnostic(`smoke took ${json.totalSeconds} s`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench:peers --ab runs both builds side by side, pairs every workload, and scrapes the metrics endpoints', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'peers-ab-smoke-'));
  try {
    const out = join(dir, 'result.json');
    const script = join(projectRoot(), 'dist', 'bench', 'peers-bench.js');
    // This tree against itself, metrics off on the before side: the harness is under test here, not a build.
    const off = 'broker.metricsExporterType=DISABLE;namesrv.metricsExporterType=DISABLE';
    const r = spawnSync(process.execPath, [script, '--smoke', `--ab=${projectRoot()}`, `--before-props=${off}`, '--reps=2', '--scrape-ms=200', `--out=${out}`], { encoding: 'utf8', timeout: 110_000 });
    assert.equal(r.status, 0, `exit ${r.status ?? r.signal}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /ASYNC_FLUSH: before \S+ \(metrics none\), after \S+ \(metrics http:\/\/127\.0\.0\.1:\d+\/metrics http:/);
    const json = JSON.parse(readFileSync(out, 'utf8')) as {
      mode: string;
      flushes: Array<{
        flush: string;
        runs: Record<'before' | 'after', Array<{ error?: string }>>;
        cpu: Record<'before' | 'after', Record<string, number[]>>;
        figures: Record<string, { pairs: number; ratio: number; low: number; high: number; verdict: string }>;
        scrapes: number;
      }>;
      table: string;
    };
    assert.equal(json.mode, 'ab');
    assert.deepEqual(json.flushes.map((f) => f.flush), ['ASYNC_FLUSH', 'SYNC_FLUSH']);
    for (const f of json.flushes) {
      for (const side of ['before', 'after'] as const) {
        assert.equal(f.runs[side].length, 2, `${f.flush} ${side}`);
        assert.ok(f.runs[side].every((x) => x.error === undefined), `${f.flush} ${side}: ${JSON.stringify(f.runs[side])}`);
        for (const unit of ['A+D', 'A_batch', 'B', 'C']) assert.ok(f.cpu[side][unit]!.length === 2 && f.cpu[side][unit]!.every((s) => s >= 0), `${f.flush} ${side} cpu ${unit}`);
      }
      for (const k of ['A_single', 'A_batch', 'B_p50', 'B_p99', 'C_p50', 'C_p99', 'D', 'cpu all']) {
        const fig = f.figures[k];
        assert.ok(fig && fig.pairs === 2 && fig.ratio > 0 && fig.low <= fig.ratio && fig.ratio <= fig.high, `${f.flush} ${k}: ${JSON.stringify(fig)}`);
      }
      assert.ok(f.scrapes > 0, `${f.flush}: no scrape answered`);
    }
    assert.match(json.table, /\| SYNC_FLUSH \| B p99 ms \| 2 \|/);

    // --pool reads results back: the same run twice is twice the pairs, and each run's own ratio.
    const pooled = spawnSync(process.execPath, [script, `--pool=${out},${out}`], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(pooled.status, 0, `exit ${pooled.status ?? pooled.signal}\n${pooled.stdout}\n${pooled.stderr}`);
    assert.match(pooled.stdout, /\| SYNC_FLUSH \| B p99 ms \| 4 \|/);
    const b99 = json.flushes[1]!.figures['B_p99']!.ratio.toFixed(3);
    assert.ok(pooled.stdout.includes(`  SYNC_FLUSH B_p99: ${b99} ${b99}\n`), pooled.stdout);
    const notAb = spawnSync(process.execPath, [script, `--pool=${join(projectRoot(), 'package.json')}`], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(notAb.status, 2);
    assert.match(notAb.stderr, /^--pool: .*package\.json is not a --ab result\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bench:peers --ab on a directory without a build says so in one line and exits 2', () => {
  const dir = mkdtempSync(join(tmpdir(), 'peers-ab-nobuild-'));
  try {
    const r = spawnSync(process.execPath, [join(projectRoot(), 'dist', 'bench', 'peers-bench.js'), `--ab=${dir}`], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /^--ab: .* has no dist\/src\/cli\/apogee\.js; build it there first/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
