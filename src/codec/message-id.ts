/**
 * Offset message ids: where a message is stored (store host and commit-log offset) written as hex,
 * so that a query by id reaches the right broker and position without an index.
 */
import { Buffer } from 'node:buffer';
import { readLong, writeLong } from './big-endian.js';
import { CodecError } from './errors.js';
import { formatIp, hostIpBytes, type HostAddress } from './host-address.js';
import { storeTimestampPosition } from './message-record.js';
import { SysFlag } from './sys-flag.js';

/** Offset message id: the store host's IP bytes, port and commit-log offset, as upper-case hex (32 or 56 chars). */
export function encodeOffsetMsgId(storeHost: HostAddress, physicalOffset: number): string {
  const ip = hostIpBytes(storeHost);
  const out = Buffer.allocUnsafe(ip.length + 12);
  out.set(ip, 0);
  out.writeInt32BE(storeHost.port, ip.length);
  writeLong(out, ip.length + 4, physicalOffset);
  return out.toString('hex').toUpperCase();
}

/** Offset message id of an encoded record, read straight from its STOREHOST and PHYSICALOFFSET. */
export function offsetMsgIdOfRecord(buf: Buffer, pos = 0): string {
  const sysFlag = buf.readInt32BE(pos + 36);
  const hostPos = pos + storeTimestampPosition(sysFlag) + 8;
  const ipLength = sysFlag & SysFlag.STOREHOST_V6 ? 16 : 4;
  return (
    buf.toString('hex', hostPos, hostPos + ipLength + 4) + buf.toString('hex', pos + 28, pos + 36)
  ).toUpperCase();
}

export interface OffsetMsgId {
  storeHost: HostAddress;
  physicalOffset: number;
}

/** Decodes an offset message id; throws {@link CodecError} on anything but 32 or 56 hex chars. */
export function decodeOffsetMsgId(id: string): OffsetMsgId {
  if ((id.length !== 32 && id.length !== 56) || !/^[0-9a-fA-F]+$/.test(id)) {
    throw new CodecError(`not an offset message id: ${id}`, false);
  }
  const bytes = Buffer.from(id, 'hex');
  const v6 = bytes.length === 28;
  const ipLength = v6 ? 16 : 4;
  return {
    storeHost: { ip: formatIp(bytes, 0, v6), port: bytes.readInt32BE(ipLength) },
    physicalOffset: readLong(bytes, ipLength + 4),
  };
}
