/**
 * Encodes outgoing frames back to back into large chunks, so the frames a connection writes in one
 * tick leave as one buffer: no allocation, header buffer or stream write per frame. Both header
 * encodings (JSON and ROCKETMQ binary) are written in place.
 */
import { SerializeType, type RemotingCommand } from './command.js';
import { jsonHeaderMaxBytes, jsonHeaderText, writeJsonHeader } from './header-json.js';
import { binaryHeaderMaxBytes, writeBinaryHeader } from './header-binary.js';

const CHUNK_BYTES = 256 * 1024;
/** Bodies above this leave uncopied (copying costs more than another piece in the socket write). */
const LARGE_BODY_BYTES = 64 * 1024;

export class FrameWriter {
  private chunk: Buffer = Buffer.allocUnsafe(0);
  /** Start of the bytes not yet handed out by {@link take}. */
  private start = 0;
  private pos = 0;
  /** Filled parts of earlier chunks, not yet taken. */
  private ready: Buffer[] = [];

  /** Bytes encoded and not yet taken. */
  get pendingBytes(): number {
    let n = this.pos - this.start;
    for (const b of this.ready) n += b.length;
    return n;
  }

  /**
   * Appends one whole frame. A large body and `bodyParts` are not copied: they follow the frame's
   * head in the output as buffers of their own.
   */
  append(cmd: RemotingCommand): void {
    const body = cmd.body;
    const parts = cmd.bodyParts ?? (body !== undefined && body.length > LARGE_BODY_BYTES ? [body] : undefined);
    if (parts === undefined) {
      this.frame(cmd, body?.length ?? 0, body);
      return;
    }
    let length = 0;
    for (const part of parts) length += part.length;
    this.frame(cmd, length, undefined);
    if (length === 0) return;
    this.ready.push(this.chunk.subarray(this.start, this.pos));
    this.start = this.pos;
    for (const part of parts) if (part.length > 0) this.ready.push(part);
  }

  /** Prefix and header of a frame whose body has `bodyLength` bytes, followed by `inlineBody` if given. */
  private frame(cmd: RemotingCommand, bodyLength: number, inlineBody: Buffer | undefined): void {
    const inline = inlineBody?.length ?? 0;
    if (cmd.serializeType === SerializeType.ROCKETMQ) {
      const out = this.reserve(8 + binaryHeaderMaxBytes(cmd) + inline);
      const at = this.pos;
      const end = writeBinaryHeader(cmd, out, at + 8);
      this.finish(out, at, end - at - 8, SerializeType.ROCKETMQ, inlineBody, bodyLength, inline);
      return;
    }
    let out = this.reserve(8 + jsonHeaderMaxBytes(cmd) + inline);
    let at = this.pos;
    const end = writeJsonHeader(cmd, out, at + 8);
    if (end >= 0) {
      this.finish(out, at, end - at - 8, SerializeType.JSON, inlineBody, bodyLength, inline);
      return;
    }
    // Non-ASCII text: encode the header string as UTF-8 (at most 3 bytes per UTF-16 code unit).
    const text = jsonHeaderText(cmd);
    out = this.reserve(8 + 3 * text.length + inline);
    at = this.pos;
    const headerLength = out.write(text, at + 8, 'utf8');
    this.finish(out, at, headerLength, SerializeType.JSON, inlineBody, bodyLength, inline);
  }

  /**
   * The frames appended since the last take, in order, as buffers never written to again (more
   * than one when a tick's frames outgrew a chunk or carried uncopied bodies).
   */
  take(): Buffer[] {
    const out = this.ready;
    if (this.pos > this.start) out.push(this.chunk.subarray(this.start, this.pos));
    this.ready = [];
    this.start = this.pos;
    return out;
  }

  private finish(out: Buffer, at: number, headerLength: number, type: SerializeType, body: Buffer | undefined, bodyLength: number, inline: number): void {
    out.writeInt32BE(4 + headerLength + bodyLength, at);
    out.writeUInt32BE(((type & 0xff) << 24 | headerLength) >>> 0, at + 4);
    let end = at + 8 + headerLength;
    if (inline > 0) end += body!.copy(out, end);
    this.pos = end;
  }

  /** Makes room for `bytes` after the current position, moving to a fresh chunk when needed. */
  private reserve(bytes: number): Buffer {
    if (this.chunk.length - this.pos >= bytes) return this.chunk;
    if (this.pos > this.start) this.ready.push(this.chunk.subarray(this.start, this.pos));
    this.chunk = Buffer.allocUnsafe(Math.max(CHUNK_BYTES, bytes));
    this.start = 0;
    this.pos = 0;
    return this.chunk;
  }
}
