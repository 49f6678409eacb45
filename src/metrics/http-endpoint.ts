/**
 * The HTTP endpoint every NameServer and broker serves beside its remoting port: `GET /metrics`
 * (Prometheus text), `GET /healthz` (200 while the node's event loop answers) and `GET /readyz`
 * (200 when the node says it is ready, else 503 with the one-line reason). Anything else is 404
 * (405 for another method); a malformed request is answered 400 and never reaches the node.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from '../common/logger.js';
import { PLAIN_TEXT, type Answer, type EndpointWorkerData, type FromEndpoint, type Question } from './http-endpoint-messages.js';

export interface EndpointSource {
  /** The Prometheus text exposition and its content type. */
  metrics(): Promise<{ contentType: string; text: string }>;
  /** undefined when ready; otherwise why not, in one line. */
  notReadyReason(): string | undefined;
}

export interface EndpointOptions {
  host: string;
  port: number;
  /** Names the endpoint in a bind failure: "broker broker-a metrics cannot listen on …". */
  what: string;
  log: Logger;
  /** A request the node's thread has not answered by then gets a 503 (default 10 s: a stuck event loop). */
  answerTimeoutMs?: number;
  /** Render the metrics once in listen(), before any traffic (default true); see warmUp(). */
  warmUp?: boolean;
}

const ANSWER_TIMEOUT_MS = 10_000;
/** How long the warm-up may hold up a node's start when its metrics do not come. */
const WARM_UP_DEADLINE_MS = 2_000;
/** After the endpoint's thread dies, the first restart waits this long, and each failed one twice as long. */
const RESTART_FIRST_DELAY_MS = 1_000;
const RESTART_MAX_DELAY_MS = 30_000;
/** How long close() waits for the endpoint's thread to close its server before stopping it. */
const CLOSE_GRACE_MS = 2_000;


/**
 * The HTTP server lives in a worker thread (http-endpoint-worker.ts); this thread only answers its
 * questions. Why: when a process serves HTTP, Node's socket, stream and timer code meets objects
 * that the remoting connections never showed it, and V8 throws away the send path's optimized code
 * (Node's socket reads and writes, and the group commit and send handler built on them) to compile
 * it again: one-at-a-time SYNC_FLUSH sends were slower for seconds after each new kind of request.
 * A worker has its own V8 heap and compiled code, so no scrape reaches the send path's.
 * `npm run bench:first-scrape` counts those deoptimizations; the figures are in bench/README.md
 * (sessions 11 and 12).
 */
export class MetricsEndpoint {
  private worker: Worker | undefined;
  private boundPort: number | undefined;
  private closing: Promise<void> | undefined;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: EndpointOptions, private readonly source: EndpointSource) {}

  async listen(): Promise<void> {
    await this.start(this.options.port);
    if (this.options.warmUp ?? true) await this.warmUp();
  }

  /** Starts the endpoint's thread on `port`; resolves once it listens, rejects with the one-line reason. */
  private start(port: number): Promise<void> {
    const { host, what, log } = this.options;
    const workerData: EndpointWorkerData = { host, port, what, answerTimeoutMs: this.options.answerTimeoutMs ?? ANSWER_TIMEOUT_MS };
    const worker = new Worker(new URL('./http-endpoint-worker.js', import.meta.url), { workerData });
    this.worker = worker;
    return new Promise<void>((resolve, reject) => {
      let listening = false;
      worker.on('message', (m: FromEndpoint) => {
        if (m.kind === 'listening') {
          listening = true;
          this.boundPort = m.port;
          resolve();
        } else if (m.kind === 'bind-failed') {
          reject(Object.assign(new Error(m.message), m.code ? { code: m.code } : {}));
          void worker.terminate();
        } else if (m.kind === 'ask') {
          this.answer(worker, m.id, m.question);
        } else if (m.kind === 'log') {
          log.warn(m.message);
        }
      });
      worker.on('error', (err) => {
        if (!listening) reject(new Error(`${what}: the endpoint's thread failed before it listened: ${err.message}`));
        else log.warn(`${what}: the endpoint's thread failed: ${err.message}`);
      });
      worker.on('exit', (code) => {
        if (this.worker === worker) this.worker = undefined;
        if (!listening) return reject(new Error(`${what}: the endpoint's thread stopped before it listened (exit code ${code})`));
        if (this.closing) return;
        log.warn(`${what}: the endpoint's thread stopped (exit code ${code}); /metrics, /healthz and /readyz are down until it restarts`);
        this.restartLater(RESTART_FIRST_DELAY_MS);
      });
    });
  }

  /** A node outlives its endpoint's thread: the thread is started again, on the same port. */
  private restartLater(delayMs: number): void {
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (this.closing) return;
      this.start(this.port).then(
        () => this.options.log.info(`${this.options.what}: the endpoint's thread serves http://${this.address} again`),
        (err: Error) => {
          if (this.closing) return;
          const next = Math.min(delayMs * 2, RESTART_MAX_DELAY_MS);
          this.options.log.warn(`${err.message}; trying again in ${next / 1000} s`);
          this.restartLater(next);
        },
      );
    }, delayMs);
    this.restartTimer.unref();
  }

  /**
   * The first render of the metrics changes the shape of objects the send path was compiled against,
   * and V8 then throws away the optimized group commit and send handler. Rendered once here, before
   * the send path is hot, the first scrape finds nothing left to invalidate.
   */
  private async warmUp(): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, WARM_UP_DEADLINE_MS)));
    try {
      await Promise.race([this.source.metrics().then(() => undefined), deadline]);
    } catch (err) {
      // A node whose metrics cannot be rendered yet still serves everyone else.
      this.options.log.debug(`metrics endpoint warm-up: ${(err as Error).message}`);
    } finally {
      clearTimeout(timer);
    }
  }

  get port(): number {
    return this.boundPort ?? this.options.port;
  }

  /** host:port as an operator would type it in a scrape config. */
  get address(): string {
    const h = this.options.host;
    const host = h === '0.0.0.0' || h === '::' || h === '' ? '127.0.0.1' : h;
    return host.includes(':') ? `[${host}]:${this.port}` : `${host}:${this.port}`;
  }

  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  private async stop(): Promise<void> {
    clearTimeout(this.restartTimer);
    const worker = this.worker;
    if (!worker) return;
    this.worker = undefined;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, CLOSE_GRACE_MS);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      worker.on('message', (m: FromEndpoint) => m.kind === 'closed' && done());
      worker.once('exit', done);
      worker.postMessage({ kind: 'close' });
    });
    await worker.terminate();
  }

  private answer(worker: Worker, id: number, question: Question): void {
    const send = (status: number, contentType: string, body: string) => {
      const a: Answer = { kind: 'answer', id, status, contentType, body };
      if (this.worker === worker) worker.postMessage(a);
    };
    if (question === 'healthz') return send(200, PLAIN_TEXT, 'ok\n');
    if (question === 'readyz') {
      let reason: string | undefined;
      try {
        reason = this.source.notReadyReason();
      } catch (err) {
        reason = `readiness check failed: ${(err as Error).message}`;
      }
      return reason === undefined ? send(200, PLAIN_TEXT, 'ready\n') : send(503, PLAIN_TEXT, `not ready: ${reason}\n`);
    }
    this.source.metrics().then(
      (m) => send(200, m.contentType, m.text),
      (err: unknown) => {
        const why = (err as Error)?.message ?? String(err);
        this.options.log.warn(`metrics collection failed: ${why}`);
        send(500, PLAIN_TEXT, `metrics collection failed: ${why}\n`);
      },
    );
  }
}
