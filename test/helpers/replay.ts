/**
 * Replays recorded Java client requests, byte for byte, against one of our servers: one socket per
 * recorded connection, requests in recorded time order, each answered before the next is sent.
 */
import { connect, type Socket } from 'node:net';
import { once } from 'node:events';
import { encodeFrame, FrameDecoder } from '../../src/codec/frame.js';
import { command, type RemotingCommand } from '../../src/codec/command.js';
import type { FixtureFrame } from './fixtures.js';

const BARRIER_CODE = 32767;
const BARRIER_OPAQUE = -7;

export interface ReplayResult {
  /** Our response to each recorded request, keyed by `${conn}/${opaque}`. */
  responses: Map<string, RemotingCommand>;
  close(): Promise<void>;
}

export interface ReplayOptions {
  timeoutMs?: number;
  /** Request codes sent without waiting for their answer (long-polled pulls); collected at the end. */
  pipelined?: ReadonlySet<number>;
  /** Maps a recorded peer (e.g. `broker-master-vip`) to the address to send its frames to. */
  addressOf?: (peer: string) => string;
  /**
   * Paces the replay like the recording, its clock scaled by this factor (0.1 = ten times faster),
   * so long polls, delays and retries keep their order relative to the other traffic.
   */
  timeScale?: number;
}

export async function replay(addr: string, frames: FixtureFrame[], timeoutOrOptions: number | ReplayOptions = 5000): Promise<ReplayResult> {
  const options: ReplayOptions = typeof timeoutOrOptions === 'number' ? { timeoutMs: timeoutOrOptions } : timeoutOrOptions;
  const timeoutMs = options.timeoutMs ?? 5000;
  const outstanding: Array<Promise<void>> = [];
  const sockets = new Map<string, { socket: Socket; waiting: Map<number, (c: RemotingCommand) => void> }>();
  const responses = new Map<string, RemotingCommand>();
  const requests = frames.filter((f) => f.dir === 'c2s' && !f.isResponse).sort((a, b) => a.ts - b.ts || a.seq - b.seq);
  const t0 = requests[0]?.ts ?? 0;
  const started = Date.now();
  for (const f of requests) {
    if (options.timeScale !== undefined) {
      const due = started + (f.ts - t0) * options.timeScale;
      if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
    }
    let peer = sockets.get(f.conn);
    if (!peer) {
      const [host, port] = (options.addressOf?.(f.peer) ?? addr).split(':');
      const socket = connect({ host, port: Number(port) });
      await once(socket, 'connect');
      const waiting = new Map<number, (c: RemotingCommand) => void>();
      const decoder = new FrameDecoder();
      socket.on('data', (chunk: Buffer) =>
        decoder.push(chunk, (e) => {
          if (e.kind !== 'command') return;
          waiting.get(e.command.opaque)?.(e.command);
        }),
      );
      socket.on('error', () => undefined);
      peer = { socket, waiting };
      sockets.set(f.conn, peer);
    }
    const key = `${f.conn}/${f.opaque}`;
    const answer = (opaque: number, code: number): Promise<RemotingCommand> =>
      new Promise<RemotingCommand>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no response to ${key} (code ${code})`)), timeoutMs);
        peer!.waiting.set(opaque, (c) => {
          clearTimeout(timer);
          peer!.waiting.delete(opaque);
          resolve(c);
        });
      });
    if (f.oneway) {
      // A oneway request has no answer to wait for; a request our servers answer on the same
      // connection (an unknown code) proves it has been processed before the next one is sent.
      peer.socket.write(Buffer.from(f.frameHex, 'hex'));
      const barrier = answer(BARRIER_OPAQUE, BARRIER_CODE);
      peer.socket.write(encodeFrame(command({ code: BARRIER_CODE, opaque: BARRIER_OPAQUE, version: 277 })));
      await barrier;
      continue;
    }
    const answered = answer(f.opaque, f.code);
    peer.socket.write(Buffer.from(f.frameHex, 'hex'));
    if (options.pipelined?.has(f.code)) {
      outstanding.push(answered.then((r) => void responses.set(key, r), () => undefined));
      continue;
    }
    responses.set(key, await answered);
  }
  await Promise.all(outstanding);
  return {
    responses,
    async close() {
      await Promise.all(
        [...sockets.values()].map(async ({ socket }) => {
          const closed = once(socket, 'close');
          socket.destroy();
          await closed;
        }),
      );
    },
  };
}

/** The recorded response to a recorded request, matched by connection and opaque. */
export function recordedResponse(frames: FixtureFrame[], request: FixtureFrame): FixtureFrame | undefined {
  return frames.find((f) => f.conn === request.conn && f.isResponse && f.opaque === request.opaque && f.dir === 's2c');
}
