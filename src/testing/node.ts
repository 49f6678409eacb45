/**
 * One Apogee node as a real process: `apogee start` (NameServer + broker in one process) on ephemeral
 * loopback ports, ready when it prints `{"ready":true,"namesrv":"127.0.0.1:P","broker":"127.0.0.1:Q",…}`.
 * `restart()` stops it (SIGTERM) and starts it again on the same data directory and the same ports,
 * as an operator's restart does.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ServerProcess, type Exit, type Stopped } from './process.js';

export interface NodeOptions {
  /** Holds the log (`server.log`), HOME and, by default, the data; default a temp dir removed on stop. */
  dir?: string;
  /** The data directory (`--data`); default `<dir>/data`. */
  data?: string;
  /** Broker properties, passed as `--broker.<name>=<value>`. */
  brokerProps?: Record<string, string>;
  /** NameServer properties, passed as `--namesrv.<name>=<value>`. */
  namesrvProps?: Record<string, string>;
  /** 0 (default) for an ephemeral port. */
  namesrvPort?: number;
  brokerPort?: number;
  env?: Record<string, string>;
  /** Node flags for the server process, e.g. ['--cpu-prof']. */
  nodeArgs?: string[];
  readyTimeoutMs?: number;
  /** Project root whose dist/ to run (default: the one this file was built in). */
  root?: string;
}

const READY = /^\{"ready":true.*$/m;

/** The ports a start asks for (0 = a free one); metrics ports unset = the default, listenPort + 3. */
interface StartPorts {
  namesrv: number;
  broker: number;
  namesrvMetrics?: number;
  brokerMetrics?: number;
}

export class ApogeeNode {
  readonly dir: string;
  readonly data: string;
  namesrvAddr = '';
  brokerAddr = '';
  /** Where the NameServer's and the broker's /metrics listen (unset when switched off). */
  namesrvMetricsAddr: string | undefined;
  brokerMetricsAddr: string | undefined;
  /** How many times the process was started (1 after launch, 2 after one restart …). */
  starts = 0;
  /** Milliseconds from spawn to the ready line, of the latest start. */
  readyMs = 0;
  private proc: ServerProcess | undefined;
  /** Output of earlier starts, so an error after a restart shows both. */
  private earlier: string[] = [];
  private readonly ownsDir: boolean;

  constructor(readonly options: NodeOptions = {}) {
    this.ownsDir = options.dir === undefined;
    this.dir = options.dir ?? mkdtempSync(join(tmpdir(), 'apogee-node-'));
    this.data = options.data ?? join(this.dir, 'data');
  }

  get process(): ServerProcess | undefined {
    return this.proc;
  }

  get running(): boolean {
    return this.proc?.running ?? false;
  }

  get exit(): Exit | undefined {
    return this.proc?.exit;
  }

  private args(ports: StartPorts): string[] {
    return [
      'start',
      `--namesrv-port=${ports.namesrv}`,
      `--broker-port=${ports.broker}`,
      `--data=${this.data}`,
      ...Object.entries(this.options.brokerProps ?? {}).map(([k, v]) => `--broker.${k}=${v}`),
      ...Object.entries(this.options.namesrvProps ?? {}).map(([k, v]) => `--namesrv.${k}=${v}`),
      // A restart keeps the metrics ports too: listenPort + 3 may belong to another process by now.
      ...(ports.namesrvMetrics === undefined ? [] : [`--namesrv.metricsPromExporterPort=${ports.namesrvMetrics}`]),
      ...(ports.brokerMetrics === undefined ? [] : [`--broker.metricsPromExporterPort=${ports.brokerMetrics}`]),
    ];
  }

  /** Spawns the process and waits for its ready line; on failure the process is killed and the error names why. */
  async start(ports: StartPorts = { namesrv: this.options.namesrvPort ?? 0, broker: this.options.brokerPort ?? 0 }): Promise<void> {
    if (this.running) throw new Error('this node is already running');
    mkdirSync(join(this.dir, 'home'), { recursive: true });
    if (this.proc) this.earlier.push(`--- start #${this.starts}`, this.proc.tailText(40));
    this.starts++;
    const proc = new ServerProcess({
      cli: 'apogee',
      args: this.args(ports),
      nodeArgs: this.options.nodeArgs,
      root: this.options.root,
      cwd: this.options.root,
      env: { HOME: join(this.dir, 'home'), ...this.options.env },
      log: join(this.dir, 'server.log'),
    });
    this.proc = proc;
    try {
      const line = (await proc.waitFor(READY, 'stdout', this.options.readyTimeoutMs ?? 30_000))[0];
      const ready = JSON.parse(line) as { namesrv?: unknown; broker?: unknown; namesrvMetrics?: unknown; brokerMetrics?: unknown };
      if (typeof ready.namesrv !== 'string' || typeof ready.broker !== 'string') throw new Error(`ready line without namesrv/broker addresses: ${line}`);
      this.namesrvAddr = ready.namesrv;
      this.brokerAddr = ready.broker;
      this.namesrvMetricsAddr = typeof ready.namesrvMetrics === 'string' ? ready.namesrvMetrics : undefined;
      this.brokerMetricsAddr = typeof ready.brokerMetrics === 'string' ? ready.brokerMetrics : undefined;
      this.readyMs = proc.uptimeMs();
    } catch (err) {
      await proc.kill();
      throw err;
    }
  }

  /** SIGTERM (SIGKILL after `graceMs`); resolves with how it ended. Safe to call when already stopped. */
  async stop(graceMs = 10_000): Promise<Stopped> {
    const stopped = this.proc ? await this.proc.stop(graceMs) : { code: null, signal: null, ms: 0, killed: false };
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
    return stopped;
  }

  /**
   * Stops it (SIGTERM, SIGKILL after `graceMs`), waits `pauseMs` more (clients meet refused connections),
   * then starts it again on the same data directory with the ports it had. Resolves with the stop's result.
   */
  async restart(graceMs = 10_000, { pauseMs = 0 }: { pauseMs?: number } = {}): Promise<Stopped> {
    const portOf = (addr: string): number => Number(addr.split(':').pop());
    const before = { namesrv: this.namesrvAddr, broker: this.brokerAddr };
    const stopped = await this.proc!.stop(graceMs);
    if (pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
    // The listen ports are fixed now; their + 3 was checked only when they were picked and may be
    // another process's by now. A metrics port that came with "port 0" is left to the system this
    // time; one the caller set is kept.
    const metricsPort = (addr: string | undefined, listenPort: number | undefined, props: Record<string, string> | undefined): number | undefined => {
      if (addr === undefined) return undefined;
      return (listenPort ?? 0) === 0 && props?.metricsPromExporterPort === undefined ? 0 : portOf(addr);
    };
    await this.start({
      namesrv: portOf(before.namesrv),
      broker: portOf(before.broker),
      namesrvMetrics: metricsPort(this.namesrvMetricsAddr, this.options.namesrvPort, this.options.namesrvProps),
      brokerMetrics: metricsPort(this.brokerMetricsAddr, this.options.brokerPort, this.options.brokerProps),
    });
    if (this.namesrvAddr !== before.namesrv || this.brokerAddr !== before.broker) {
      throw new Error(`restarted node listens on ${this.namesrvAddr}/${this.brokerAddr}, not on ${before.namesrv}/${before.broker}`);
    }
    return stopped;
  }

  /** The last `n` output lines (with those of earlier starts), for error messages. */
  tailText(n = 30): string {
    const now = this.proc ? this.proc.tailText(n) : 'not started';
    return this.earlier.length ? `${this.earlier.join('\n')}\n--- start #${this.starts}\n${now}` : now;
  }
}
