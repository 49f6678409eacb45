/**
 * Master side of RocketMQ's HA replication: slaves connect to
 * listenPort + 1 and report their commit-log max offset as 8-byte longs; the master streams raw
 * commit-log bytes behind 12-byte headers (offset, length), and a zero-length header as heartbeat.
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { MessageStore } from '../../store/index.js';
import type { Logger } from '../../common/logger.js';
import { listenOn } from '../../common/listen.js';

export interface HAMasterOptions {
  host: string;
  port: number;
  transferBatchSize: number;
  heartbeatIntervalMs: number;
  housekeepingIntervalMs: number;
  /** Don't buffer more than this many bytes per slave socket before waiting for 'drain'. */
  maxBufferedBytes?: number;
}

const HEADER_SIZE = 12;

class SlaveConnection {
  private pending: Buffer = Buffer.alloc(0);
  /** Where the next transfer starts; -1 until the slave's first report arrives. */
  nextTransfer = -1;
  acked = -1;
  private lastWrite = Date.now();
  private closed = false;

  constructor(readonly socket: Socket, private readonly master: HAMaster) {
    socket.setNoDelay(true);
    socket.setTimeout(master.options.housekeepingIntervalMs, () => this.close('no report from the slave'));
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.push());
    socket.on('error', () => this.close('socket error'));
    socket.on('close', () => this.close('closed'));
  }

  get address(): string {
    return `${this.socket.remoteAddress}:${this.socket.remotePort}`;
  }

  private onData(chunk: Buffer): void {
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const whole = buf.length - (buf.length % 8);
    if (whole === 0) {
      this.pending = buf;
      return;
    }
    // Only the newest report matters (the master reads greedily, as Java's does).
    const offset = Number(buf.readBigInt64BE(whole - 8));
    this.pending = buf.subarray(whole);
    if (offset < 0) return this.close(`negative offset ${offset} reported`);
    if (this.nextTransfer < 0) {
      const max = this.master.store.maxPhyOffset();
      const fileSize = this.master.store.config.mapedFileSizeCommitLog;
      // An empty slave starts at the master's last file, like Java; a slave with data where it left off.
      this.nextTransfer = offset === 0 ? max - (max % fileSize) : offset;
      this.master.log.info(`HA slave ${this.address} connected at offset ${offset}, transfer from ${this.nextTransfer}`);
    }
    if (offset > this.acked) {
      this.acked = offset;
      this.master.onAck(offset);
    }
    this.push();
  }

  /** Sends what the slave does not have yet, as far as the socket takes it. */
  push(): void {
    if (this.closed || this.nextTransfer < 0) return;
    const limit = this.master.options.maxBufferedBytes ?? 4 * 1024 * 1024;
    while (this.socket.writableLength < limit) {
      const data = this.master.store.getCommitLogData(this.nextTransfer, this.master.options.transferBatchSize);
      if (!data || data.length === 0) break;
      this.write(this.nextTransfer, data);
      this.nextTransfer += data.length;
    }
  }

  heartbeat(now: number): void {
    if (this.closed || this.nextTransfer < 0) return;
    if (now - this.lastWrite >= this.master.options.heartbeatIntervalMs) this.write(this.nextTransfer, undefined);
  }

  private write(offset: number, data: Buffer | undefined): void {
    const header = Buffer.allocUnsafe(HEADER_SIZE);
    header.writeBigInt64BE(BigInt(offset), 0);
    header.writeInt32BE(data?.length ?? 0, 8);
    this.socket.cork();
    this.socket.write(header);
    if (data) this.socket.write(data);
    this.socket.uncork();
    this.lastWrite = Date.now();
  }

  close(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.destroy();
    this.master.onClose(this, reason);
  }
}

interface AckWaiter {
  offset: number;
  deadline: number;
  resolve: (ok: boolean) => void;
}

export class HAMaster {
  private readonly server: Server;
  private readonly slaves = new Set<SlaveConnection>();
  private timer: NodeJS.Timeout | undefined;
  private pushScheduled = false;
  /** The highest offset any slave has acknowledged (Java's push2SlaveMaxOffset). */
  ackedOffset = 0;
  private waiters: AckWaiter[] = [];

  /** Set by attach(): the port is bound before the store opens, so a port clash leaves the store untouched. */
  store!: MessageStore;

  constructor(readonly options: HAMasterOptions, readonly log: Logger) {
    this.server = createServer((socket) => {
      // A slave that connects in the moment between bind and store open retries (every 5 s).
      if (!this.store) socket.destroy();
      else this.slaves.add(new SlaveConnection(socket, this));
    });
  }

  attach(store: MessageStore): void {
    this.store = store;
  }

  async start(): Promise<void> {
    await listenOn(this.server, this.options.port, this.options.host, 'HA server');
    this.server.on('error', (err) => this.log.warn(`HA server error: ${err.message}`));
    this.timer = setInterval(() => {
      const now = Date.now();
      for (const s of this.slaves) s.heartbeat(now);
      this.expireWaiters(now);
    }, Math.min(1000, this.options.heartbeatIntervalMs));
    this.timer.unref();
  }

  get slaveCount(): number {
    return this.slaves.size;
  }

  /** New commit-log data exists: push it to every slave (coalesced to once per tick). */
  notifyNewData(): void {
    if (this.pushScheduled || this.slaves.size === 0) return;
    this.pushScheduled = true;
    setImmediate(() => {
      this.pushScheduled = false;
      for (const s of this.slaves) s.push();
    });
  }

  onAck(offset: number): void {
    if (offset > this.ackedOffset) this.ackedOffset = offset;
    if (this.waiters.length === 0) return;
    const still: AckWaiter[] = [];
    for (const w of this.waiters) (this.ackedOffset >= w.offset ? w.resolve(true) : still.push(w));
    this.waiters = still;
  }

  onClose(conn: SlaveConnection, reason: string): void {
    this.slaves.delete(conn);
    this.log.info(`HA slave ${conn.address} disconnected: ${reason}`);
  }

  /** SYNC_MASTER: whether a slave is connected and not too far behind to wait for. */
  slaveOk(endOffset: number, fallBehindMax: number): boolean {
    return this.slaves.size > 0 && endOffset - this.ackedOffset < fallBehindMax;
  }

  /** Resolves true once some slave acknowledged `offset`, false after `timeoutMs`. */
  waitForAck(offset: number, timeoutMs: number): Promise<boolean> {
    if (this.ackedOffset >= offset) return Promise.resolve(true);
    this.notifyNewData();
    return new Promise((resolve) => this.waiters.push({ offset, deadline: Date.now() + timeoutMs, resolve }));
  }

  private expireWaiters(now: number): void {
    const still: AckWaiter[] = [];
    for (const w of this.waiters) (w.deadline <= now ? w.resolve(false) : still.push(w));
    this.waiters = still;
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const w of this.waiters) w.resolve(false);
    this.waiters = [];
    for (const s of [...this.slaves]) s.close('master stopping');
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
