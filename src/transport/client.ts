/**
 * A remoting client: one connection per remote address (as Java keeps), reconnecting on demand;
 * requests the server sends back on that connection go to registered handlers.
 */
import { connect } from 'node:net';
import { EventEmitter } from 'node:events';
import { isOneway, responseTo, type RemotingCommand } from '../codec/command.js';
import { ResponseCode } from '../protocol/response-code.js';
import { Connection, type ConnectionOptions } from './connection.js';
import { TransportError } from './errors.js';

export type ClientRequestHandler = (
  request: RemotingCommand,
  conn: Connection,
) => RemotingCommand | null | undefined | Promise<RemotingCommand | null | undefined>;

export interface RemotingClientOptions extends ConnectionOptions {
  connectTimeoutMs?: number;
  /** The MQVersion ordinal used in responses to server-initiated requests. */
  version?: number;
}

/** Splits "host:port" or "[v6]:port". */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  if (!m) throw new TransportError(`invalid address "${address}", expected host:port`, address);
  return { host: m[1]!, port: Number(m[2]) };
}

export class RemotingClient extends EventEmitter {
  private readonly connections = new Map<string, { promise: Promise<Connection>; conn?: Connection }>();
  private readonly handlers = new Map<number, ClientRequestHandler>();
  private closed = false;

  constructor(private readonly options: RemotingClientOptions = {}) {
    super();
  }

  /** Handles a request code the server sends to us (e.g. NOTIFY_CONSUMER_IDS_CHANGED). */
  onRequest(code: number, handler: ClientRequestHandler): this {
    this.handlers.set(code, handler);
    return this;
  }

  connection(address: string): Promise<Connection> {
    if (this.closed) return Promise.reject(new TransportError('client is closed', address));
    let entry = this.connections.get(address);
    if (!entry) {
      const created: { promise: Promise<Connection>; conn?: Connection } = { promise: undefined as unknown as Promise<Connection> };
      created.promise = this.open(address, () => {
        if (this.connections.get(address) === created) this.connections.delete(address);
      });
      created.promise.then((c) => (created.conn = c), () => undefined);
      this.connections.set(address, created);
      entry = created;
    }
    return entry.promise;
  }

  private open(address: string, forget: () => void): Promise<Connection> {
    const { host, port } = parseAddress(address);
    const timeout = this.options.connectTimeoutMs ?? 3000;
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        forget();
        reject(new TransportError(`connect to ${address} timed out after ${timeout} ms`, address));
      }, timeout);
      socket.once('error', (err) => {
        clearTimeout(timer);
        forget();
        reject(new TransportError(`connect to ${address} failed: ${err.message}`, address));
      });
      socket.once('connect', () => {
        clearTimeout(timer);
        const conn = new Connection(socket, (req, c) => this.dispatch(req, c), this.options);
        conn.once('close', () => {
          forget();
          this.emit('disconnect', address);
        });
        resolve(conn);
      });
    });
  }

  private dispatch(request: RemotingCommand, conn: Connection): void {
    const handler = this.handlers.get(request.code);
    const done = (response: RemotingCommand | null | undefined): void => {
      if (response && !isOneway(request)) conn.write(response);
      conn.requestDone();
    };
    if (!handler) {
      this.emit('unhandledRequest', request);
      done(
        responseTo(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, this.options.version ?? 0, { remark: ` request type ${request.code} not supported` }),
      );
      return;
    }
    Promise.resolve()
      .then(() => handler(request, conn))
      .then(done, (err: unknown) =>
        done(responseTo(request, ResponseCode.SYSTEM_ERROR, this.options.version ?? 0, { remark: String(err) })),
      );
  }

  invoke(address: string, request: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    // An open connection is used at once: no extra promise hop on the hot path.
    const open = this.connections.get(address)?.conn;
    if (open && !open.isClosed) return open.request(request, timeoutMs);
    return this.connection(address).then((conn) => conn.request(request, timeoutMs));
  }

  async invokeOneway(address: string, request: RemotingCommand): Promise<void> {
    const conn = await this.connection(address);
    conn.oneway(request);
  }

  closeConnection(address: string): void {
    const entry = this.connections.get(address);
    this.connections.delete(address);
    entry?.promise.then((c) => c.close('closed by client'), () => undefined);
  }

  async close(): Promise<void> {
    this.closed = true;
    const all = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(all.map((e) => e.promise.then((c) => c.close('client closed'), () => undefined)));
  }
}
