/**
 * Starts and stops Apogee (NameServer + broker in one process) for the conformance suite:
 * `node bin/apogee.js start --namesrv-port=0 --broker-port=0 --data=<dir> [--broker.<prop>=<value> ...]`,
 * ready when it prints `{"ready":true,"namesrv":"127.0.0.1:P","broker":"127.0.0.1:Q"}` on stdout.
 * `restart()` stops it (SIGTERM) and starts it again on the same data directory and the same ports.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';

export class ServerProcess {
  constructor({ root, dir, dataDir, brokerProps = {}, namesrvPort = 0, brokerPort = 0, readyTimeoutMs = 30_000 }) {
    this.root = root;
    this.dir = dir;
    this.dataDir = dataDir ?? join(dir, 'data');
    this.namesrvPort = namesrvPort;
    this.brokerPort = brokerPort;
    this.starts = 0;
    this.brokerProps = brokerProps;
    this.readyTimeoutMs = readyTimeoutMs;
    this.tail = [];
    this.exit = undefined;
  }

  get args() {
    return [
      join(this.root, 'bin', 'apogee.js'),
      'start',
      `--namesrv-port=${this.namesrvPort}`,
      `--broker-port=${this.brokerPort}`,
      `--data=${this.dataDir}`,
      ...Object.entries(this.brokerProps).map(([k, v]) => `--broker.${k}=${v}`),
    ];
  }

  /** Spawns the server and resolves with {namesrv, broker} once the ready line arrives. */
  start() {
    const entry = join(this.root, 'bin', 'apogee.js');
    if (!existsSync(join(this.root, 'dist', 'src', 'cli', 'apogee.js'))) {
      return Promise.reject(new Error(`${this.root}/dist is missing: build the root project first (npm run build)`));
    }
    mkdirSync(join(this.dir, 'home'), { recursive: true });
    this.log = createWriteStream(join(this.dir, 'server.log'), { flags: 'a' });
    this.startedAt = Date.now();
    this.exit = undefined;
    this.starts++;
    if (this.starts > 1) this.remember('---', `start #${this.starts}: ${this.args.slice(1).join(' ')}`);
    this.child = spawn(process.execPath, this.args, {
      cwd: this.root,
      env: { ...process.env, HOME: join(this.dir, 'home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.exited = new Promise((resolve) => {
      this.child.on('exit', (code, signal) => {
        this.exit = { code, signal, atMs: Date.now() - this.startedAt };
        resolve(this.exit);
      });
    });
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (err, value) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(value);
      };
      const timer = setTimeout(() => {
        done(new Error(`no ready line from \`node ${entry} start\` within ${this.readyTimeoutMs} ms\n${this.tailText()}`));
      }, this.readyTimeoutMs);
      let buf = '';
      this.child.stdout.on('data', (chunk) => {
        this.log.write(chunk);
        buf += chunk.toString('utf8');
        let nl;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl).trim();
          buf = buf.slice(nl + 1);
          this.remember('out', line);
          if (!line.startsWith('{')) continue;
          try {
            const j = JSON.parse(line);
            if (j && j.ready === true) {
              if (typeof j.namesrv !== 'string' || typeof j.broker !== 'string') {
                done(new Error(`ready line without namesrv/broker addresses: ${line}`));
              } else {
                this.namesrv = j.namesrv;
                this.broker = j.broker;
                this.readyMs = Date.now() - this.startedAt;
                done(null, { namesrv: j.namesrv, broker: j.broker });
              }
            }
          } catch {
            // a log line that happens to start with "{"
          }
        }
      });
      let ebuf = '';
      this.child.stderr.on('data', (chunk) => {
        this.log.write(chunk);
        ebuf += chunk.toString('utf8');
        let nl;
        while ((nl = ebuf.indexOf('\n')) >= 0) {
          this.remember('err', ebuf.slice(0, nl));
          ebuf = ebuf.slice(nl + 1);
        }
      });
      this.child.on('error', (err) => done(err));
      this.exited.then((e) => done(new Error(`server exited before it was ready (code ${e.code}, signal ${e.signal})\n${this.tailText()}`)));
    });
  }

  remember(stream, line) {
    this.tail.push(`${stream}| ${line}`);
    if (this.tail.length > 200) this.tail.shift();
  }

  tailText(n = 30) {
    return this.tail.length ? `server output (last ${Math.min(n, this.tail.length)} lines):\n  ${this.tail.slice(-n).join('\n  ')}` : 'server printed nothing';
  }

  get running() {
    return this.child !== undefined && this.exit === undefined;
  }

  /** SIGTERM, then SIGKILL after `graceMs`; resolves with {code, signal, ms, killed}. */
  async stop(graceMs = 10_000) {
    if (!this.child) return { code: null, signal: null, ms: 0, killed: false };
    if (this.exit) return { ...this.exit, ms: 0, killed: false };
    const t0 = Date.now();
    this.child.kill('SIGTERM');
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      try {
        process.kill(this.child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }, graceMs);
    const e = await this.exited;
    clearTimeout(timer);
    await new Promise((r) => this.log.end(r));
    return { code: e.code, signal: e.signal, ms: Date.now() - t0, killed };
  }

  /**
   * SIGTERM (SIGKILL after `graceMs`), wait for the exit (and `pauseMs` more: clients meet refused
   * connections), then start again on the same data directory with the ports the first start got
   * (`--namesrv-port=P --broker-port=Q`). Resolves with the stop's result; rejects if the new start does
   * not become ready.
   */
  async restart(graceMs = 10_000, { pauseMs = 0 } = {}) {
    const portOf = (addr) => Number(String(addr).split(':').pop());
    const stopped = await this.stop(graceMs);
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    this.namesrvPort = portOf(this.namesrv);
    this.brokerPort = portOf(this.broker);
    const prev = { namesrv: this.namesrv, broker: this.broker };
    await this.start();
    if (this.namesrv !== prev.namesrv || this.broker !== prev.broker) {
      throw new Error(`restarted server listens on ${this.namesrv}/${this.broker}, not on ${prev.namesrv}/${prev.broker}`);
    }
    return stopped;
  }
}
