/**
 * `apogee console`: an HTTP server (node:http) with a JSON API under /api/ and the pages — one HTML
 * shell, one stylesheet, plain ES modules, all from src/console/static, nothing fetched from the
 * internet. Every request is answered: bad input with 400 and a one-line JSON error, a cluster that
 * does not answer with 502 and the cause, so a page always has something to show.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AddressInfo } from 'node:net';
import { Admin } from '../client/admin.js';
import { parseNamesrvAddr } from '../client/instance.js';
import { readState } from '../cluster/layout.js';
import { ConsoleApi } from './api.js';
import { ClusterView, type ExpectedBroker } from './cluster-view.js';
import { errorLine, readJsonBody, sendJson, statusOf } from './http.js';
import { Sampler } from './sampler.js';
import { readUpgradeView } from './upgrade-view.js';

export interface ConsoleOptions {
  /** `host:port;host:port`; default the NameServers of `clusterDir`. */
  namesrvAddr?: string;
  /** A local cluster's data directory (`apogee cluster up --data DIR`): its topology and upgrade state. */
  clusterDir?: string;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  sampleIntervalMs?: number;
  /** Samples kept for the plots. */
  sampleWindow?: number;
  adminTimeoutMs?: number;
}

/** A console that cannot start as asked (no NameServer given, not a cluster directory). */
export class ConsoleConfigError extends Error {
  override name = 'ConsoleConfigError';
}

export interface ConsoleServer {
  /** `http://host:port` */
  url: string;
  namesrvAddr: string;
  close(): Promise<void>;
}

/** The pages; each is the same shell, which renders the one its path names. */
export const PAGES = ['cluster', 'topics', 'groups', 'messages', 'upgrade'] as const;

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml' };

/** The static files, found next to this module's source (tsc leaves them in src/, not dist/). */
function staticDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, 'static'), join(here, '..', '..', '..', 'src', 'console', 'static')]) if (existsSync(join(dir, 'index.html'))) return dir;
  throw new Error(`the console's pages are missing (no static/index.html near ${here})`);
}

/** Read once at start: a fixed table, so no request path ever reaches the file system. */
function loadAssets(): Map<string, { type: string; body: Buffer }> {
  const dir = staticDir();
  const out = new Map<string, { type: string; body: Buffer }>();
  const walk = (sub: string): void => {
    for (const e of readdirSync(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) walk(rel);
      else if (TYPES[extname(e.name)]) out.set(`/static/${rel}`, { type: TYPES[extname(e.name)]!, body: readFileSync(join(dir, rel)) });
    }
  };
  walk('');
  return out;
}

/** Why a POST is refused as not coming from the console's own pages, if it is. */
function foreignRequest(req: IncomingMessage): { status: number; error: string } | undefined {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') return { status: 415, error: 'POST bodies must be sent as content-type: application/json' };
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let host: string;
    try {
      host = new URL(origin).host;
    } catch {
      return { status: 403, error: `origin ${origin} is not this console` };
    }
    if (host !== req.headers.host) return { status: 403, error: `origin ${origin} is not this console` };
  }
  return undefined;
}

function resolveCluster(o: ConsoleOptions): { namesrvAddr: string; expected: () => ExpectedBroker[] } {
  if (!o.clusterDir) {
    if (!o.namesrvAddr) throw new ConsoleConfigError('give --namesrv ADDR[;ADDR] or --cluster DIR');
    return { namesrvAddr: o.namesrvAddr, expected: () => [] };
  }
  const dir = o.clusterDir;
  const state = readState(dir);
  if (!state) throw new ConsoleConfigError(`${dir} is not an apogee cluster data directory (no cluster.json; start one with apogee cluster up --data ${dir})`);
  const namesrvAddr = o.namesrvAddr ?? state.topology.nodes.filter((n) => n.kind === 'namesrv').map((n) => `${n.host}:${n.port}`).join(';');
  const expected = (): ExpectedBroker[] =>
    state.topology.nodes.filter((n) => n.kind === 'broker').map((n) => ({ cluster: state.topology.cluster, brokerName: n.group, brokerId: n.brokerId, addr: `${n.host}:${n.port}` }));
  return { namesrvAddr, expected };
}

export async function startConsole(o: ConsoleOptions): Promise<ConsoleServer> {
  const { namesrvAddr, expected } = resolveCluster(o);
  const namesrvs = parseNamesrvAddr(namesrvAddr);
  const timeoutMs = o.adminTimeoutMs ?? 3000;
  const assets = loadAssets();
  const shell = assets.get('/static/index.html')!;
  const admin = new Admin({ namesrvAddr, adminTimeoutMs: timeoutMs });
  await admin.start();
  const view = new ClusterView(admin, namesrvs, expected, timeoutMs);
  await view.start();
  const api = new ConsoleApi(admin, namesrvAddr);
  const sampler = new Sampler(() => view.snapshot(), o.sampleIntervalMs ?? 5000, o.sampleWindow ?? 120);

  type Handler = (req: IncomingMessage, m: string[], q: URLSearchParams) => Promise<unknown>;
  const routes: Array<[string, RegExp, Handler]> = [
    ['GET', /^\/api\/overview$/, async () => ({ namesrvAddr, clusterDir: o.clusterDir ?? null, sampleIntervalMs: sampler.intervalMs })],
    [
      'GET',
      /^\/api\/cluster$/,
      async () => {
        const s = await view.snapshot();
        sampler.record(s);
        return s;
      },
    ],
    ['GET', /^\/api\/cluster\/history$/, async () => ({ intervalMs: sampler.intervalMs, samples: sampler.samples() })],
    ['GET', /^\/api\/topics$/, () => api.topics()],
    ['POST', /^\/api\/topics$/, async (req) => api.saveTopic(await readJsonBody(req))],
    ['GET', /^\/api\/topics\/([^/]+)$/, async (_, m) => api.topic(m[0]!)],
    ['POST', /^\/api\/topics\/([^/]+)\/perm$/, async (req, m) => api.topicPermission(m[0]!, await readJsonBody(req))],
    ['GET', /^\/api\/groups$/, () => api.groups()],
    ['GET', /^\/api\/groups\/([^/]+)$/, async (_, m) => api.group(m[0]!)],
    ['POST', /^\/api\/groups\/([^/]+)\/reset-offset$/, async (req, m) => api.resetOffset(m[0]!, await readJsonBody(req))],
    ['GET', /^\/api\/messages\/by-id$/, (_, __, q) => api.messageById(q)],
    ['GET', /^\/api\/messages\/by-key$/, (_, __, q) => api.messagesByKey(q)],
    ['GET', /^\/api\/messages\/by-time$/, (_, __, q) => api.messagesByTime(q)],
    ['POST', /^\/api\/messages\/resend$/, async (req) => api.resend(await readJsonBody(req))],
    ['GET', /^\/api\/upgrade$/, async () => readUpgradeView(o.clusterDir)],
  ];

  async function handleApi(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    if (method === 'POST') {
      // Actions change the cluster: only the console's own pages may ask. Another site's page in the
      // operator's browser can send neither a JSON content type (without a CORS preflight we never
      // grant) nor our origin.
      const refusal = foreignRequest(req);
      if (refusal) {
        sendJson(res, refusal.status, { error: refusal.error });
        return;
      }
    }
    let pathMatched = false;
    for (const [verb, pattern, handler] of routes) {
      const m = pattern.exec(url.pathname);
      if (!m) continue;
      pathMatched = true;
      if (verb !== method) continue;
      let params: string[];
      try {
        params = m.slice(1).map((p) => decodeURIComponent(p));
      } catch {
        sendJson(res, 400, { error: 'malformed percent-encoding in the path' });
        return;
      }
      try {
        sendJson(res, 200, await handler(req, params, url.searchParams));
      } catch (err) {
        sendJson(res, statusOf(err), { error: errorLine(err) });
      }
      return;
    }
    if (pathMatched) sendJson(res, 405, { error: `${method} is not allowed on ${url.pathname}` });
    else sendJson(res, 404, { error: `no API ${url.pathname}` });
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://console');
    } catch {
      sendJson(res, 400, { error: 'malformed request URL' });
      return;
    }
    if (url.pathname.startsWith('/api/')) {
      handleApi(req, res, url).catch((err: unknown) => {
        if (!res.headersSent) sendJson(res, 500, { error: errorLine(err) });
        else res.destroy();
      });
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendJson(res, 405, { error: `${req.method ?? '?'} is not allowed on ${url.pathname}` });
      return;
    }
    if (url.pathname === '/') {
      res.writeHead(302, { location: '/cluster' });
      res.end();
      return;
    }
    const page = url.pathname.slice(1);
    const asset = (PAGES as readonly string[]).includes(page) ? shell : assets.get(url.pathname);
    if (!asset) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`Not found: ${url.pathname}. The console's pages: ${PAGES.map((p) => '/' + p).join(' ')}\n`);
      return;
    }
    res.writeHead(200, { 'content-type': asset.type, 'content-length': asset.body.length, 'cache-control': 'no-cache' });
    res.end(req.method === 'HEAD' ? undefined : asset.body);
  }

  const server: Server = createServer(handle);
  // A client's malformed bytes get a 400 and a closed socket, never a crashed server.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
    else socket.destroy();
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port ?? 8080, o.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
  } catch (err) {
    await view.shutdown();
    await admin.shutdown();
    throw err;
  }
  sampler.start();
  const addr = server.address() as AddressInfo;
  const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${addr.port}`,
    namesrvAddr,
    close() {
      closed ??= (async () => {
        sampler.stop();
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        await api.shutdown();
        await view.shutdown();
        await admin.shutdown();
      })();
      return closed;
    },
  };
}
