/**
 * One remoting connection: frames in both directions, requests and responses matched by opaque,
 * requests from the peer dispatched to a handler. Used by servers (accepted sockets) and clients.
 */
import type { Socket } from 'node:net';
import { EventEmitter } from 'node:events';
import { FrameDecoder } from '../codec/frame.js';
import { FrameWriter } from '../codec/frame-writer.js';
import { FLAG_ONEWAY, isResponse, type RemotingCommand } from '../codec/command.js';
import type { CodecError } from '../codec/errors.js';
import { ConnectionClosedError, RequestTimeoutError } from './errors.js';
import { PendingTable } from './pending-table.js';

export interface ConnectionOptions {
  maxFrameLength?: number;
  /** Close after this long without reads or writes (Java: 120 s). 0 disables. */
  idleTimeoutMs?: number;
  /** Stop reading from the socket while this many incoming requests are being handled. */
  maxInflightIncoming?: number;
  /** Close the connection when the peer does not drain this many unsent bytes (a stuck reader). */
  maxPendingWriteBytes?: number;
}

export type RequestHandler = (request: RemotingCommand, conn: Connection) => void;

interface Pending {
  resolve: (cmd: RemotingCommand) => void;
  reject: (err: Error) => void;
  deadline: number;
  timeoutMs: number;
  code: number;
}

/** How often pending requests are checked for timeouts (a timer per request costs too much). */
const SWEEP_MS = 50;

let nextOpaque = 1;
/** Process-wide opaque counter, like Java's, so ids never repeat across connections of a process. */
export function allocateOpaque(): number {
  const o = nextOpaque;
  nextOpaque = nextOpaque >= 0x7fffffff ? 1 : nextOpaque + 1;
  return o;
}

export class Connection extends EventEmitter {
  readonly remoteAddress: string;
  private readonly decoder: FrameDecoder;
  private readonly pending = new PendingTable<Pending>();
  private inflightIncoming = 0;
  private paused = false;
  private closed = false;
  private readonly maxInflightIncoming: number;
  private readonly maxPendingWriteBytes: number;
  /** Anything a server wants to remember about this peer (e.g. the broker it registered). */
  readonly attributes = new Map<string, unknown>();

  constructor(
    readonly socket: Socket,
    private readonly onRequest: RequestHandler,
    options: ConnectionOptions = {},
  ) {
    super();
    this.remoteAddress = formatAddress(socket.remoteAddress, socket.remotePort);
    this.decoder = new FrameDecoder({ maxFrameLength: options.maxFrameLength });
    this.maxInflightIncoming = options.maxInflightIncoming ?? 4096;
    this.maxPendingWriteBytes = options.maxPendingWriteBytes ?? 256 * 1024 * 1024;
    socket.setNoDelay(true);
    const idle = options.idleTimeoutMs ?? 120_000;
    if (idle > 0) socket.setTimeout(idle, () => this.close('idle timeout'));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err) => this.close(err.message));
    socket.on('close', () => this.close('socket closed'));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  get pendingRequests(): number {
    return this.pending.size;
  }

  private onData(chunk: Buffer): void {
    const error: CodecError | undefined = this.decoder.push(chunk, (event) => {
      if (this.closed) return false;
      if (event.kind === 'bad-frame') {
        // Boundaries were sound but the header was unreadable; without an opaque there is
        // nobody to answer, so drop this peer as Java does.
        this.emit('protocolError', event.error);
        this.close(`bad frame: ${event.error.message}`);
        return false;
      }
      const cmd = event.command;
      if (isResponse(cmd)) {
        this.onResponse(cmd);
        return true;
      }
      this.inflightIncoming++;
      this.onRequest(cmd, this);
      if (this.inflightIncoming >= this.maxInflightIncoming) {
        // Stop taking requests (frames already read stay in the decoder) until some finish.
        if (!this.paused) this.socket.pause();
        this.paused = true;
        return false;
      }
      return true;
    });
    if (error) {
      this.emit('protocolError', error);
      this.close(error.message);
    }
  }

  /** Servers call this once a request (oneway or not) has been fully handled. */
  requestDone(): void {
    this.inflightIncoming--;
    if (this.paused && !this.closed && this.inflightIncoming < this.maxInflightIncoming / 2) {
      this.paused = false;
      this.onData(Buffer.alloc(0));
      if (!this.paused) this.socket.resume();
    }
  }

  get inflight(): number {
    return this.inflightIncoming;
  }

  private onResponse(cmd: RemotingCommand): void {
    const p = this.pending.take(cmd.opaque);
    if (!p) {
      this.emit('unmatchedResponse', cmd);
      return;
    }
    p.resolve(cmd);
  }

  /**
   * Writes a command. Frames written in the same tick are encoded back to back and leave in one
   * socket write when the tick ends (large bodies and body parts as buffers of their own, uncopied).
   * Returns false when the socket's buffer is full (the peer reads slower than we write).
   */
  write(cmd: RemotingCommand): boolean {
    if (this.closed) return false;
    if (this.socket.writableLength > this.maxPendingWriteBytes) {
      this.close(`peer is not reading: ${this.socket.writableLength} bytes unsent`);
      return false;
    }
    this.frames.append(cmd);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flushFrames);
    }
    return !this.socket.writableNeedDrain;
  }

  private readonly frames = new FrameWriter();
  private flushScheduled = false;
  private readonly flushFrames = (): void => {
    this.flushScheduled = false;
    const out = this.frames.take();
    if (this.closed || out.length === 0) return;
    if (out.length === 1) {
      this.socket.write(out[0]!);
      return;
    }
    this.socket.cork();
    for (const b of out) this.socket.write(b);
    this.socket.uncork();
  };

  request(cmd: RemotingCommand, timeoutMs: number): Promise<RemotingCommand> {
    if (this.closed) return Promise.reject(new ConnectionClosedError(this.remoteAddress));
    const opaque = allocateOpaque();
    const out: RemotingCommand = { ...cmd, opaque, flag: cmd.flag & ~FLAG_ONEWAY & ~1 };
    return new Promise((resolve, reject) => {
      this.pending.set(opaque, { resolve, reject, deadline: Date.now() + timeoutMs, timeoutMs, code: cmd.code });
      if (!this.sweeper) {
        this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
        this.sweeper.unref();
      }
      this.write(out);
    });
  }

  private sweeper: NodeJS.Timeout | undefined;

  private sweep(): void {
    const now = Date.now();
    for (const p of this.pending.takeWhere((x) => x.deadline <= now)) p.reject(new RequestTimeoutError(p.code, p.timeoutMs, this.remoteAddress));
    if (this.pending.size === 0 && this.sweeper) {
      clearInterval(this.sweeper);
      this.sweeper = undefined;
    }
  }

  oneway(cmd: RemotingCommand): void {
    this.write({ ...cmd, opaque: allocateOpaque(), flag: (cmd.flag & ~1) | FLAG_ONEWAY });
  }

  close(reason = 'closed'): void {
    if (this.closed) return;
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const p of this.pending.takeWhere(() => true)) p.reject(new ConnectionClosedError(this.remoteAddress, reason));
    this.socket.destroy();
    this.emit('close', reason);
  }

  /** Half-closes after pending writes are flushed. */
  end(): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) return resolve();
      this.flushFrames();
      this.socket.end(() => resolve());
      setTimeout(() => {
        this.close('ended');
        resolve();
      }, 1000).unref();
    });
  }
}

export function formatAddress(host: string | undefined, port: number | undefined): string {
  const h = (host ?? 'unknown').replace(/^::ffff:/, '');
  return h.includes(':') ? `[${h}]:${port ?? 0}` : `${h}:${port ?? 0}`;
}
