/**
 * ROCKETMQ binary header (serialize type 1): Java peers default to JSON and send this only when
 * started with `-Drocketmq.serialize.type=ROCKETMQ`, but every Java version reads it.
 */
import { CodecError } from './errors.js';
import { LANGUAGES, SerializeType, extFieldsSize, languageByte, type ExtFields, type RemotingCommand } from './command.js';

/** An upper bound of the header's encoded size (UTF-8 needs at most 3 bytes per code unit). */
export function binaryHeaderMaxBytes(cmd: RemotingCommand): number {
  const ext = extFieldsSize(cmd.extFields);
  return 21 + 3 * (cmd.remark?.length ?? 0) + 6 * ext.entries + 3 * ext.chars;
}

/** Writes the header at `pos` (room for {@link binaryHeaderMaxBytes} assumed); returns its end. */
export function writeBinaryHeader(cmd: RemotingCommand, out: Buffer, pos: number): number {
  let p = out.writeInt16BE(cmd.code, pos);
  p = out.writeUInt8(languageByte(cmd.language), p);
  p = out.writeInt16BE(cmd.version, p);
  p = out.writeInt32BE(cmd.opaque, p);
  p = out.writeInt32BE(cmd.flag, p);
  const remarkLength = cmd.remark ? out.write(cmd.remark, p + 4, 'utf8') : 0;
  out.writeInt32BE(remarkLength, p);
  p += 4 + remarkLength;
  const extAt = p;
  p += 4;
  const ext = cmd.extFields;
  if (ext) {
    for (const key in ext) {
      const raw = ext[key];
      if (raw === undefined || raw === null) continue;
      const kl = out.write(key, p + 2, 'utf8');
      out.writeInt16BE(kl, p);
      p += 2 + kl;
      const vl = out.write(typeof raw === 'string' ? raw : String(raw), p + 4, 'utf8');
      out.writeInt32BE(vl, p);
      p += 4 + vl;
    }
  }
  out.writeInt32BE(p - extAt - 4, extAt);
  return p;
}

export function encodeBinaryHeader(cmd: RemotingCommand): Buffer {
  const out = Buffer.allocUnsafe(binaryHeaderMaxBytes(cmd));
  return out.subarray(0, writeBinaryHeader(cmd, out, 0));
}

/** Single-byte ASCII keys (SEND_MESSAGE_V2's a…m) as shared strings rather than a new one per frame. */
const ONE_BYTE_KEYS = Array.from({ length: 128 }, (_, i) => String.fromCharCode(i));

function readKey(bytes: Buffer, p: number, kl: number): string {
  if (kl === 1 && bytes[p]! < 128) return ONE_BYTE_KEYS[bytes[p]!]!;
  return bytes.toString('utf8', p, p + kl);
}

export function decodeBinaryHeader(bytes: Buffer, body: Buffer | undefined): RemotingCommand {
  const need = (pos: number, n: number, what: string): void => {
    if (n < 0 || pos + n > bytes.length) {
      throw new CodecError(`binary header truncated reading ${what} (${n} bytes at ${pos} of ${bytes.length})`, false);
    }
  };
  need(0, 17, 'fixed fields');
  const code = bytes.readInt16BE(0);
  const language = LANGUAGES[bytes.readUInt8(2)] ?? 'OTHER';
  const version = bytes.readInt16BE(3);
  const opaque = bytes.readInt32BE(5);
  const flag = bytes.readInt32BE(9);
  const remarkLength = bytes.readInt32BE(13);
  let p = 17;
  need(p, remarkLength, 'remark');
  const remark = remarkLength > 0 ? bytes.toString('utf8', p, p + remarkLength) : undefined;
  p += remarkLength;
  need(p, 4, 'ext length');
  const extLength = bytes.readInt32BE(p);
  p += 4;
  need(p, extLength, 'ext fields');
  const end = p + extLength;
  let extFields: ExtFields | undefined;
  if (extLength > 0) {
    extFields = {};
    while (p < end) {
      need(p, 2, 'ext key length');
      const kl = bytes.readInt16BE(p);
      p += 2;
      need(p, kl, 'ext key');
      if (p + kl > end) throw new CodecError('binary ext key overruns ext length', false);
      const key = readKey(bytes, p, kl);
      p += kl;
      need(p, 4, 'ext value length');
      const vl = bytes.readInt32BE(p);
      p += 4;
      if (vl < 0 || p + vl > end) throw new CodecError('binary ext value overruns ext length', false);
      extFields[key] = bytes.toString('utf8', p, p + vl);
      p += vl;
    }
  }
  return { code, language, version, opaque, flag, remark, extFields, body, serializeType: SerializeType.ROCKETMQ };
}
