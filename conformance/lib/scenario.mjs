/**
 * Runs one scenario file as its own child process and collects the JSON-lines events it prints.
 * A hard timeout kills the child by pid; the scenario's own deadline ($DEADLINE_MS) is shorter.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export async function runScenario({ file, dir, env, deadlineMs, graceMs = 15_000 }) {
  return startScenario({ file, dir, env, deadlineMs, graceMs }).done;
}

/**
 * Starts a scenario child process and returns at once with a live handle: `events` (the JSON events so
 * far), `waitFor(pred, ms)` (resolves with the first event matching `pred`, or undefined after `ms` or
 * when the child has ended), `send(obj)` (one JSON line to the child's stdin, when `stdin` is true; see
 * `commands()` in ons.cjs) and `done` (resolves with the ScenarioResult when the child has exited).
 */
export function startScenario({ file, dir, env, deadlineMs, graceMs = 15_000, stdin = false }) {
  mkdirSync(join(dir, 'home'), { recursive: true });
  const trace = join(dir, 'trace.jsonl');
  const started = Date.now();
  const child = spawn(process.execPath, [file], {
    cwd: dir,
    env: { ...process.env, ...env, HOME: join(dir, 'home'), TRACE: trace, DEADLINE_MS: String(deadlineMs) },
    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  if (stdin) child.stdin.on('error', () => {}); // the child may be gone already
  const events = [];
  const waiters = new Set();
  let ended = false;
  const noise = [];
  let stderr = '';
  let buf = '';
  child.stdout.on('data', (chunk) => {
    buf += chunk.toString('utf8');
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        const ev = JSON.parse(line);
        if (ev && typeof ev.ev === 'string') {
          events.push(ev);
          for (const w of waiters) w(ev);
        } else noise.push(line);
      } catch {
        noise.push(line);
      }
    }
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk.toString('utf8');
    if (stderr.length > 200_000) stderr = stderr.slice(-100_000);
  });
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }, deadlineMs + graceMs);
  const done = new Promise((resolve) => {
    child.on('error', (err) => {
      stderr += `\nspawn error: ${err.message}`;
    });
    child.on('close', (code, signal) => resolve({ code, signal }));
  }).then(({ code, signal }) => {
    clearTimeout(timer);
    ended = true;
    for (const w of waiters) w(undefined);
    writeFileSync(join(dir, 'events.jsonl'), events.map((e) => JSON.stringify(e)).join('\n') + '\n');
    writeFileSync(join(dir, 'stderr.txt'), stderr);
    return new ScenarioResult({ events, noise, stderr, code, signal, killed, ms: Date.now() - started, trace });
  });
  return {
    child,
    events,
    done,
    get ended() {
      return ended;
    },
    send(obj) {
      if (stdin && !ended && child.stdin.writable) child.stdin.write(JSON.stringify(obj) + '\n');
    },
    /** Resolves with the first event (already seen or future) matching `pred`; undefined after `ms` or at exit. */
    waitFor(pred, ms) {
      const seen = events.find(pred);
      if (seen || ended) return Promise.resolve(seen);
      return new Promise((resolve) => {
        const w = (ev) => {
          if (ev !== undefined && !pred(ev)) return;
          clearTimeout(t);
          waiters.delete(w);
          resolve(ev);
        };
        const t = setTimeout(() => w(undefined), ms);
        waiters.add(w);
      });
    },
    /** Resolves true once `cond(events)` holds (checked on every event), false after `ms` or at exit. */
    async until(cond, ms) {
      if (cond(events)) return true;
      const ev = await this.waitFor(() => cond(events), ms);
      return ev !== undefined || cond(events);
    },
  };
}

export class ScenarioResult {
  constructor(fields) {
    Object.assign(this, fields);
  }

  all(ev, pred = () => true) {
    return this.events.filter((e) => e.ev === ev && pred(e));
  }

  one(ev, pred = () => true) {
    const list = this.all(ev, pred);
    if (list.length !== 1) throw new Error(`expected exactly one "${ev}" event, got ${list.length}`);
    return list[0];
  }

  traceLines() {
    if (!existsSync(this.trace)) return [];
    return readFileSync(this.trace, 'utf8').split('\n').filter(Boolean);
  }

  /** Everything useful when an assertion fails. */
  context({ serverTail } = {}) {
    const cut = (s, n) => (s.length > n ? s.slice(0, n) + '…' : s);
    const lines = [];
    lines.push(`scenario: exit code ${this.code}, signal ${this.signal}${this.killed ? ' (killed by the harness timeout)' : ''}, ${this.ms} ms, ${this.events.length} events`);
    const evs = this.events.slice(-25).map((e) => '  ' + cut(JSON.stringify(e), 400));
    lines.push(`last events:\n${evs.join('\n') || '  (none)'}`);
    if (this.noise.length) lines.push(`non-JSON stdout:\n  ${this.noise.slice(-10).map((l) => cut(l, 300)).join('\n  ')}`);
    if (this.stderr.trim()) lines.push(`stderr (tail):\n  ${cut(this.stderr.slice(-3000), 3000).split('\n').join('\n  ')}`);
    const tr = this.traceLines();
    if (tr.length) lines.push(`wire trace (last 40 of ${tr.length}; full file ${this.trace}):\n  ${tr.slice(-40).map((l) => cut(l, 500)).join('\n  ')}`);
    if (serverTail) lines.push(serverTail);
    return lines.join('\n');
  }
}
