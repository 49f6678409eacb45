/** Named builders for remoting frames, so tests read "a REGISTER_BROKER request", not hex. */
import { command, FLAG_ONEWAY, SerializeType, type ExtFields, type RemotingCommand } from '../../src/codec/command.js';
import { encodeFrame } from '../../src/codec/frame.js';

export function request(code: number, extFields?: ExtFields, body?: Buffer, opts: { opaque?: number; version?: number } = {}): RemotingCommand {
  return command({ code, extFields, body, opaque: opts.opaque ?? 1, version: opts.version ?? 277 });
}

export function onewayRequest(code: number, extFields?: ExtFields, body?: Buffer): RemotingCommand {
  return command({ code, extFields, body, flag: FLAG_ONEWAY, version: 277 });
}

export function binaryRequest(code: number, extFields?: ExtFields, body?: Buffer): RemotingCommand {
  return command({ code, extFields, body, version: 277, serializeType: SerializeType.ROCKETMQ });
}

export function frameOf(cmd: RemotingCommand): Buffer {
  return encodeFrame(cmd);
}

/** A frame prefix announcing `length` bytes that never come (or come as garbage). */
export function lengthPrefix(length: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeInt32BE(length, 0);
  return b;
}
