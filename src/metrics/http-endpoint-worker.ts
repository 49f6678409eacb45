/**
 * The HTTP side of the metrics endpoint, run in a worker thread so that the node's own thread never
 * executes Node's HTTP and HTTP-socket code (why: http-endpoint.ts). It parses requests, routes
 * them, and asks the node's thread for the answers it cannot give itself: the metrics text,
 * readiness, and liveness (so /healthz fails when the node's event loop stops, not only when this
 * thread does).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { listenOn } from '../common/listen.js';
import { PLAIN_TEXT, type Answer, type FromEndpoint, type Question, type ToEndpoint, type EndpointWorkerData } from './http-endpoint-messages.js';

const port0 = parentPort;
if (!port0) throw new Error('http-endpoint-worker runs only as a worker thread');
const parent = port0;
const { host, port, what, answerTimeoutMs } = workerData as EndpointWorkerData;

const sockets = new Set<Socket>();
const waiting = new Map<number, (a: Answer) => void>();
let nextId = 1;

const post = (m: FromEndpoint): void => parent.postMessage(m);

const server = createServer((req, res) => handle(req, res));
// Scrapers keep connections open; a slow or silent client must not hold a socket for long.
server.headersTimeout = 10_000;
server.requestTimeout = 10_000;
server.keepAliveTimeout = 5_000;
server.on('connection', (s: Socket) => {
  sockets.add(s);
  s.once('close', () => sockets.delete(s));
});
// Bytes that are not HTTP: answer 400 when the socket can still take it, then drop it.
server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
  if (!socket.writable || err.code === 'ECONNRESET') return void socket.destroy();
  const status = err.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
});

parent.on('message', (m: ToEndpoint) => {
  if (m.kind === 'answer') {
    const done = waiting.get(m.id);
    waiting.delete(m.id);
    done?.(m);
  } else if (m.kind === 'close') {
    server.close(() => post({ kind: 'closed' }));
    for (const s of sockets) s.destroy();
    if (!server.listening) post({ kind: 'closed' });
  }
});

listenOn(server, port, host, what).then(
  () => {
    server.on('error', (err) => post({ kind: 'log', message: `metrics endpoint: ${err.message}` }));
    post({ kind: 'listening', port: (server.address() as AddressInfo).port });
  },
  (err: NodeJS.ErrnoException) => post({ kind: 'bind-failed', message: err.message, ...(err.code ? { code: err.code } : {}) }),
);

function ask(question: Question): Promise<Answer> {
  const id = nextId++;
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      waiting.delete(id);
      resolve({ kind: 'answer', id, status: 503, contentType: PLAIN_TEXT, body: `not answering: the node gave no answer within ${answerTimeoutMs} ms\n` });
    }, answerTimeoutMs);
    waiting.set(id, (a) => {
      clearTimeout(timer);
      resolve(a);
    });
    post({ kind: 'ask', id, question });
  });
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?', 1)[0];
  const question: Question | undefined = path === '/metrics' ? 'metrics' : path === '/healthz' ? 'healthz' : path === '/readyz' ? 'readyz' : undefined;
  if (!question) return reply(res, 404, PLAIN_TEXT, 'not found: the paths are /metrics, /healthz, /readyz\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    return reply(res, 405, PLAIN_TEXT, 'method not allowed: use GET\n');
  }
  void ask(question).then((a) => reply(res, a.status, a.contentType, a.body));
}

function reply(res: ServerResponse, status: number, contentType: string, body: string): void {
  if (res.writableEnded || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
  res.end(res.req.method === 'HEAD' ? undefined : body);
}
