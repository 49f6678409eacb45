/**
 * SEND_BATCH_MESSAGE bodies: entries of TOTALSIZE i32 · MAGICCODE i32 · BODYCRC i32 · FLAG i32 ·
 * BODYLEN i32 · BODY · PROPSLEN i16 · PROPS, back to back. Producers leave MAGICCODE and BODYCRC 0;
 * the broker computes the stored CRC itself.
 */
import { Buffer } from 'node:buffer';
import { CodecError } from './errors.js';

export interface BatchEntry {
  flag: number;
  /** Aliases the batch body. */
  body: Buffer;
  properties: string;
}

/** Splits a batch body into its entries; throws {@link CodecError} on inconsistent lengths. */
export function decodeBatchBody(buf: Buffer): BatchEntry[] {
  const out: BatchEntry[] = [];
  let pos = 0;
  while (pos < buf.length) {
    if (buf.length - pos < 22) throw new CodecError(`batch entry at ${pos} is truncated`, false);
    const totalSize = buf.readInt32BE(pos);
    const flag = buf.readInt32BE(pos + 12);
    const bodyLength = buf.readInt32BE(pos + 16);
    if (bodyLength < 0 || pos + 20 + bodyLength + 2 > buf.length) {
      throw new CodecError(`batch entry at ${pos} has body length ${bodyLength}`, false);
    }
    const body = buf.subarray(pos + 20, pos + 20 + bodyLength);
    const propsPos = pos + 20 + bodyLength;
    const propsLength = buf.readInt16BE(propsPos);
    if (propsLength < 0 || propsPos + 2 + propsLength > buf.length) {
      throw new CodecError(`batch entry at ${pos} has properties length ${propsLength}`, false);
    }
    if (totalSize !== 22 + bodyLength + propsLength) {
      throw new CodecError(`batch entry at ${pos}: TOTALSIZE ${totalSize} disagrees with its lengths`, false);
    }
    out.push({ flag, body, properties: buf.toString('utf8', propsPos + 2, propsPos + 2 + propsLength) });
    pos += totalSize;
  }
  return out;
}

/** Encodes batch entries the way a 4.x producer does (MAGICCODE and BODYCRC left 0). */
export function encodeBatchBody(entries: readonly { flag: number; body: Uint8Array; properties: string }[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const props = Buffer.from(e.properties, 'utf8');
    const b = Buffer.alloc(22 + e.body.length + props.length);
    b.writeInt32BE(b.length, 0);
    b.writeInt32BE(e.flag, 12);
    b.writeInt32BE(e.body.length, 16);
    b.set(e.body, 20);
    b.writeInt16BE(props.length, 20 + e.body.length);
    props.copy(b, 22 + e.body.length);
    parts.push(b);
  }
  return Buffer.concat(parts);
}
