/**
 * The HTTP endpoint every NameServer and broker serves beside its remoting port: `GET /metrics`
 * (Prometheus text), `GET /healthz` (200 while the process runs) and `GET /readyz` (200 when the
 * node says it is ready, else 503 with the one-line reason). Anything else is 404 (405 for another
 * method); a malformed request is answered 400 and never reaches the node.
 */
import { Agent, createServer, get, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { listenOn } from '../common/listen.js';
import type { Logger } from '../common/logger.js';

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
  /** Serve a few requests to itself right after the bind (default true); see warmUp(). */
  warmUp?: boolean;
}

/** How long the warm-up may hold up a node's start when its own endpoint does not answer. */
const WARM_UP_DEADLINE_MS = 2_000;

const TEXT = 'text/plain; charset=utf-8';

export class MetricsEndpoint {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly options: EndpointOptions, private readonly source: EndpointSource) {
    this.server = createServer((req, res) => this.handle(req, res));
    // Scrapers keep connections open; a slow or silent client must not hold a socket for long.
    this.server.headersTimeout = 10_000;
    this.server.requestTimeout = 10_000;
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (s: Socket) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
    // Bytes that are not HTTP: answer 400 when the socket can still take it, then drop it.
    this.server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
  }

  async listen(): Promise<void> {
    await listenOn(this.server, this.options.port, this.options.host, this.options.what);
    // Only after the bind: a bind failure is the caller's one-line error, not a log line too.
    this.server.on('error', (err) => this.options.log.warn(`metrics endpoint: ${err.message}`));
    if (this.options.warmUp ?? true) await this.warmUp();
  }

  /**
   * Scrapes itself twice over one kept-alive loopback connection, before any traffic. The first
   * requests an HTTP server answers take Node's socket, stream and timer code through objects the
   * remoting connections never showed it. When that happens under load, V8 throws away the send
   * path's optimized code and compiles it again, and one-at-a-time SYNC_FLUSH sends ran with a p99
   * about 35 % higher for seconds after the first scrape. Here, at start, that code is
   * not compiled yet, so most of it is compiled for both kinds of socket from the first time (a
   * later scrape on a reused connection still deoptimizes a few write-side functions;
   * `npm run bench:first-scrape` counts them). The figures are in bench/README.md, "Session 11".
   */
  private async warmUp(): Promise<void> {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const deadline = Date.now() + WARM_UP_DEADLINE_MS;
    try {
      for (let round = 0; round < 2; round++) {
        for (const path of ['/metrics', '/readyz', '/healthz']) await getOnce(agent, this.selfHost, this.port, path, deadline - Date.now());
      }
    } catch (err) {
      // A node that cannot reach its own endpoint still serves everyone else.
      this.options.log.debug(`metrics endpoint warm-up: ${(err as Error).message}`);
    } finally {
      agent.destroy();
    }
  }

  private get selfHost(): string {
    const h = this.options.host;
    return h === '0.0.0.0' || h === '::' || h === '' ? '127.0.0.1' : h;
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  /** host:port as an operator would type it in a scrape config. */
  get address(): string {
    const h = this.selfHost;
    return h.includes(':') ? `[${h}]:${this.port}` : `${h}:${this.port}`;
  }

  async close(): Promise<void> {
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const path = (req.url ?? '/').split('?', 1)[0];
    const known = path === '/metrics' || path === '/healthz' || path === '/readyz';
    if (!known) return reply(res, 404, TEXT, 'not found: the paths are /metrics, /healthz, /readyz\n');
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return reply(res, 405, TEXT, 'method not allowed: use GET\n');
    }
    if (path === '/healthz') return reply(res, 200, TEXT, 'ok\n');
    if (path === '/readyz') {
      let reason: string | undefined;
      try {
        reason = this.source.notReadyReason();
      } catch (err) {
        reason = `readiness check failed: ${(err as Error).message}`;
      }
      return reason === undefined ? reply(res, 200, TEXT, 'ready\n') : reply(res, 503, TEXT, `not ready: ${reason}\n`);
    }
    this.source.metrics().then(
      (m) => reply(res, 200, m.contentType, m.text),
      (err: unknown) => {
        this.options.log.warn(`metrics collection failed: ${(err as Error).message ?? String(err)}`);
        reply(res, 500, TEXT, `metrics collection failed: ${(err as Error).message ?? String(err)}\n`);
      },
    );
  }
}

function getOnce(agent: Agent, host: string, port: number, path: string, timeoutMs: number): Promise<void> {
  if (timeoutMs <= 0) return Promise.reject(new Error('out of time'));
  return new Promise((resolve, reject) => {
    const req = get({ agent, host, port, path, timeout: timeoutMs }, (res) => {
      res.resume();
      res.once('end', () => resolve());
      res.once('error', reject);
    });
    req.once('timeout', () => req.destroy(new Error(`${path}: no answer within ${timeoutMs} ms`)));
    req.once('error', reject);
  });
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
