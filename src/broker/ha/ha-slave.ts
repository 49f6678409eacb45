/**
 * Slave side of HA replication: connects to the master's HA address, reports its commit-log max
 * offset, and appends the raw bytes the master streams. Reconnects on loss.
 */
import { connect, type Socket } from 'node:net';
import type { MessageStore } from '../../store/index.js';
import type { Logger } from '../../common/logger.js';

export interface HASlaveOptions {
  heartbeatIntervalMs: number;
  housekeepingIntervalMs: number;
  reconnectIntervalMs: number;
}

const HEADER_SIZE = 12;

/** Splits the master's byte stream into (offset, data) frames; data may be empty (heartbeat). */
export class HAFrameParser {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer, onFrame: (offset: number, data: Buffer) => boolean): boolean {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let pos = 0;
    while (this.buf.length - pos >= HEADER_SIZE) {
      const offset = Number(this.buf.readBigInt64BE(pos));
      const size = this.buf.readInt32BE(pos + 8);
      if (size < 0 || offset < 0) return false;
      if (this.buf.length - pos < HEADER_SIZE + size) break;
      const data = this.buf.subarray(pos + HEADER_SIZE, pos + HEADER_SIZE + size);
      pos += HEADER_SIZE + size;
      if (!onFrame(offset, data)) return false;
    }
    this.buf = this.buf.subarray(pos);
    return true;
  }
}

export class HASlave {
  private masterAddress: string | undefined;
  private socket: Socket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastReport = 0;
  private reported = -1;
  private stopped = false;
  /** When the master last sent a frame (data or heartbeat); 0 before the first. */
  lastFrameAt = 0;

  constructor(private readonly store: MessageStore, private readonly options: HASlaveOptions, private readonly log: Logger) {}

  /** The master's HA address, from configuration (haMasterAddress) or a registration reply. */
  setMaster(addr: string | undefined): void {
    if (!addr || addr === this.masterAddress) return;
    this.log.info(`HA master is ${addr}`);
    this.masterAddress = addr;
    this.socket?.destroy();
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), Math.min(1000, this.options.reconnectIntervalMs));
    this.timer.unref();
    this.tick();
  }

  /** The master's HA address, once known. */
  get masterAddr(): string | undefined {
    return this.masterAddress;
  }

  get connected(): boolean {
    return this.socket !== undefined && !this.socket.destroyed;
  }

  private tick(): void {
    if (this.stopped) return;
    if (!this.connected) {
      if (this.masterAddress && Date.now() - this.lastReport >= this.options.reconnectIntervalMs) this.open(this.masterAddress);
      return;
    }
    if (Date.now() - this.lastReport >= this.options.heartbeatIntervalMs) this.report(true);
  }

  private open(addr: string): void {
    const m = /^(.*):(\d+)$/.exec(addr);
    if (!m) return;
    this.lastReport = Date.now();
    const socket = connect({ host: m[1]!.replace(/^\[|\]$/g, ''), port: Number(m[2]) });
    this.socket = socket;
    const parser = new HAFrameParser();
    socket.setNoDelay(true);
    socket.setTimeout(this.options.housekeepingIntervalMs, () => socket.destroy());
    socket.on('connect', () => {
      this.reported = -1;
      // Report at once (Java waits one heartbeat interval): the master starts sending sooner.
      this.report(true);
    });
    socket.on('data', (chunk: Buffer) => {
      if (!parser.push(chunk, (offset, data) => this.apply(offset, data))) socket.destroy();
    });
    socket.on('error', (err) => this.log.debug(`HA connection to ${addr}: ${err.message}`));
    socket.on('close', () => {
      if (this.socket === socket) this.socket = undefined;
    });
  }

  private apply(offset: number, data: Buffer): boolean {
    this.lastFrameAt = Date.now();
    const max = this.store.maxPhyOffset();
    if (max !== 0 && max !== offset) {
      this.log.warn(`master pushed offset ${offset} not equal the max phy offset ${max} in slave; reconnecting`);
      return false;
    }
    if (data.length === 0) return true;
    if (!this.store.appendToCommitLog(offset, data)) {
      this.log.warn(`could not append ${data.length} replicated bytes at ${offset}`);
      return false;
    }
    // Acknowledge every frame, as the Java slave does: a SYNC_MASTER waits on these.
    this.report(false);
    return true;
  }

  private report(force: boolean): void {
    const socket = this.socket;
    if (!socket || socket.destroyed || socket.connecting) return;
    const max = this.store.maxPhyOffset();
    if (!force && max === this.reported) return;
    const b = Buffer.allocUnsafe(8);
    b.writeBigInt64BE(BigInt(max), 0);
    socket.write(b);
    this.reported = max;
    this.lastReport = Date.now();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.socket?.destroy();
  }
}
