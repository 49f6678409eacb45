/**
 * A remoting TCP server: one processor per request code, answers in the request's serialize type,
 * never lets a peer's bytes or a processor's exception take the process down.
 */
import { listenOn } from '../common/listen.js';
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { isOneway, responseTo, type RemotingCommand } from '../codec/command.js';
import { BadRequestError } from '../protocol/header.js';
import { CodecError } from '../codec/errors.js';
import { ResponseCode } from '../protocol/response-code.js';
import { RequestCode } from '../protocol/request-code.js';
import { logger, type Logger } from '../common/logger.js';
import { Connection, type ConnectionOptions } from './connection.js';
import { NO_RESPONSE, type RequestTimings } from './request-timings.js';

/** What a processor returns: a response, or nothing when it answers later itself (or never). */
export type ProcessorResult = RemotingCommand | null | undefined;
export type Processor = (request: RemotingCommand, conn: Connection) => ProcessorResult | Promise<ProcessorResult>;

export interface RemotingServerOptions extends ConnectionOptions {
  host?: string;
  port: number;
  /** The MQVersion ordinal this server puts in the responses it generates itself. */
  version: number;
  /** Whose server this is, e.g. `broker broker-a vip`: in bind errors and as its log lines' sub-name. */
  name?: string;
  /** Where each request's code, response code and latency are counted (for metrics), if anywhere. */
  timings?: RequestTimings;
  /**
   * Bound before its owner can serve (a broker binds its ports before it opens its store): until
   * open(), every request is answered SERVICE_NOT_AVAILABLE with this remark. Clients retry that
   * code on another broker; REQUEST_CODE_NOT_SUPPORTED, which an empty processor table would give,
   * fails the send outright.
   */
  startingRemark?: string;
}

export class RemotingServer extends EventEmitter {
  private readonly processors = new Map<number, Processor>();
  private readonly server: Server;
  readonly connections = new Set<Connection>();
  private readonly log: Logger;
  private inflight = 0;
  private idleWaiters: Array<() => void> = [];
  private closing = false;
  private binding = false;
  private startingRemark: string | undefined;

  constructor(private readonly options: RemotingServerOptions) {
    super();
    this.log = logger('remoting', options.name);
    this.startingRemark = options.startingRemark;
    this.server = createServer((socket) => this.accept(socket));
    // A bind failure rejects listen(); only later errors are events, and only for listeners (an
    // 'error' event nobody handles would crash the process with a stack trace).
    this.server.on('error', (err) => {
      if (this.binding) return;
      if (this.listenerCount('error') > 0) this.emit('error', err);
      else this.log.error(`server error: ${err.message}`);
    });
  }

  register(code: number, processor: Processor): this {
    this.processors.set(code, processor);
    return this;
  }

  /** Serves requests from now on (see RemotingServerOptions.startingRemark). */
  open(): void {
    this.startingRemark = undefined;
  }

  get version(): number {
    return this.options.version;
  }

  async listen(): Promise<AddressInfo> {
    this.binding = true;
    try {
      await listenOn(this.server, this.options.port, this.options.host ?? '0.0.0.0', this.options.name ?? 'server');
    } finally {
      this.binding = false;
    }
    return this.server.address() as AddressInfo;
  }

  get port(): number {
    return (this.server.address() as AddressInfo | null)?.port ?? this.options.port;
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const conn = new Connection(socket, (req, c) => this.dispatch(req, c), this.options);
    this.connections.add(conn);
    conn.on('protocolError', (err: Error) => this.log.warn(`dropping ${conn.remoteAddress}: ${err.message}`));
    conn.once('close', (reason: string) => {
      this.connections.delete(conn);
      this.emit('disconnect', conn, reason);
    });
    this.emit('connection', conn);
  }

  private dispatch(request: RemotingCommand, conn: Connection): void {
    this.inflight++;
    const timings = this.options.timings;
    const started = timings ? performance.now() : 0;
    // Set when the processor answers through a promise; a flag, not a second closure per request.
    let answeredLater = false;
    const finish = (response: ProcessorResult): void => {
      // A pull answered later was held (long polling): its latency is the hold, kept apart.
      timings?.record(request.code, response ? response.code : NO_RESPONSE, performance.now() - started, answeredLater && request.code === RequestCode.PULL_MESSAGE);
      if (response && !isOneway(request)) conn.write(response);
      conn.requestDone();
      if (--this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w();
    };
    if (this.startingRemark !== undefined) {
      finish(responseTo(request, ResponseCode.SERVICE_NOT_AVAILABLE, this.options.version, { remark: this.startingRemark }));
      return;
    }
    const processor = this.processors.get(request.code);
    if (!processor) {
      finish(
        responseTo(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, this.options.version, {
          remark: ` request type ${request.code} not supported`,
        }),
      );
      return;
    }
    let result: ProcessorResult | Promise<ProcessorResult>;
    try {
      result = processor(request, conn);
    } catch (err) {
      finish(this.failure(request, err));
      return;
    }
    if (result instanceof Promise) {
      answeredLater = true;
      result.then(finish, (err: unknown) => {
        answeredLater = false;
        finish(this.failure(request, err));
      });
    } else {
      finish(result);
    }
  }

  private failure(request: RemotingCommand, err: unknown): RemotingCommand {
    // A peer's malformed request is its problem, not ours: answer it, log it quietly.
    if (err instanceof BadRequestError || err instanceof CodecError) this.log.debug(`bad request code ${request.code}: ${(err as Error).message}`);
    else this.log.error(`request code ${request.code} failed`, err);
    const remark = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
    return responseTo(request, ResponseCode.SYSTEM_ERROR, this.options.version, { remark });
  }

  /**
   * Stops accepting, lets requests being processed finish and their answers go out (up to
   * graceMs), then closes every connection.
   */
  async close(graceMs = 5000): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const stopped = new Promise<void>((resolve) => this.server.close(() => resolve()));
    if (this.inflight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, graceMs);
        this.idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    await Promise.all([...this.connections].map((c) => c.end()));
    for (const c of this.connections) c.close('server shutdown');
    await stopped;
  }
}
