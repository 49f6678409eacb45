/** ROCKETMQ binary header (serialize type 1), remoting-protocol §1.5. */
import { CodecError } from './errors.js';
import { LANGUAGES, SerializeType, languageByte, type ExtFields, type RemotingCommand } from './command.js';

export function encodeBinaryHeader(cmd: RemotingCommand): Buffer {
  const remark = cmd.remark ? Buffer.from(cmd.remark, 'utf8') : undefined;
  const entries: Array<[Buffer, Buffer]> = [];
  let extLength = 0;
  if (cmd.extFields) {
    for (const key in cmd.extFields) {
      const value = cmd.extFields[key];
      if (value === undefined || value === null) continue;
      const k = Buffer.from(key, 'utf8');
      const v = Buffer.from(String(value), 'utf8');
      entries.push([k, v]);
      extLength += 2 + k.length + 4 + v.length;
    }
  }
  const out = Buffer.allocUnsafe(2 + 1 + 2 + 4 + 4 + 4 + (remark?.length ?? 0) + 4 + extLength);
  let p = out.writeInt16BE(cmd.code, 0);
  p = out.writeUInt8(languageByte(cmd.language), p);
  p = out.writeInt16BE(cmd.version, p);
  p = out.writeInt32BE(cmd.opaque, p);
  p = out.writeInt32BE(cmd.flag, p);
  p = out.writeInt32BE(remark?.length ?? 0, p);
  if (remark) p += remark.copy(out, p);
  p = out.writeInt32BE(extLength, p);
  for (const [k, v] of entries) {
    p = out.writeInt16BE(k.length, p);
    p += k.copy(out, p);
    p = out.writeInt32BE(v.length, p);
    p += v.copy(out, p);
  }
  return out;
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
      const key = bytes.toString('utf8', p, p + kl);
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
