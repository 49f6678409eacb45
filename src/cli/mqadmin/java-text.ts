/**
 * Java's text forms that Apache's mqadmin prints and operators' scripts read: UtilAll's date
 * formats, HashMap.toString (its iteration order included), MessageExt.toString, and the
 * message block of QueryMsgByIdSubCommand.printMsg.
 */
import { javaHashCode } from '../../codec/hashes.js';
import type { MessageExt } from '../../client/message.js';

const two = (n: number): string => String(n).padStart(2, '0');

/** UtilAll.timeMillisToHumanString2: `yyyy-MM-dd HH:mm:ss,SSS`, local time. */
export function humanTime2(ms: number): string {
  const d = new Date(ms);
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())},${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** UtilAll.YYYY_MM_DD_HH_MM_SS: `yyyy-MM-dd HH:mm:ss`, local time. */
export function dateTime(ms: number): string {
  return humanTime2(ms).slice(0, 19);
}

/**
 * `java.util.HashMap#toString` of string entries put in this order: `{k=v, k=v}` in the map's
 * iteration order — by bucket (the spread hash masked by the table size the map grew to), then in
 * insertion order within a bucket. Apache prints message properties this way.
 */
export function javaHashMapString(entries: ReadonlyArray<readonly [string, string]>): string {
  let capacity = 16;
  while (entries.length > capacity * 0.75) capacity *= 2;
  const bucket = (k: string): number => {
    const h = javaHashCode(k);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  const ordered = entries.map((e, i) => ({ e, i, b: bucket(e[0]) })).sort((x, y) => x.b - y.b || x.i - y.i);
  return `{${ordered.map(({ e }) => `${e[0]}=${e[1]}`).join(', ')}}`;
}

/** Java's `Arrays.toString(byte[])`: signed bytes. */
function bytesString(body: Buffer): string {
  return `[${[...body].map((b) => (b > 127 ? b - 256 : b)).join(', ')}]`;
}

/**
 * `MessageExt.toString()` of a pulled message (PrintMessageSubCommand's `MSGID: … BODY: …` lines):
 * hosts as InetSocketAddress prints them (`/ip:port`), msgId the offset id.
 */
export function messageExtString(m: MessageExt): string {
  const props = javaHashMapString(Object.entries(m.properties));
  const inner = `Message{topic='${m.topic}', flag=${m.flag}, properties=${props}, body=${bytesString(m.body)}, transactionId='${(m.properties.TRAN_MSG === 'true' && m.transactionId) || 'null'}'}`;
  return (
    `MessageExt [brokerName=${m.brokerName ?? 'null'}, queueId=${m.queueId}, storeSize=${m.storeSize}, queueOffset=${m.queueOffset}, ` +
    `sysFlag=${m.sysFlag}, bornTimestamp=${m.bornTimestamp}, bornHost=/${m.bornHost}, storeTimestamp=${m.storeTimestamp}, ` +
    `storeHost=/${m.storeHost}, msgId=${m.offsetMsgId}, commitLogOffset=${m.commitLogOffset}, bodyCRC=${m.bodyCrc}, ` +
    `reconsumeTimes=${m.reconsumeTimes}, preparedTransactionOffset=${m.preparedTransactionOffset}, toString()=${inner}]`
  );
}

/** `%-20s %s`: the label column of Apache's message block. */
const field = (label: string, value: unknown): string => `${label.padEnd(20)} ${String(value)}`;

/**
 * The lines of QueryMsgByIdSubCommand.printMsg (4.9.x: OffsetID printed once; 4.3.2 printed it
 * twice) up to `Message Body Path:`. `withOffsetId` false gives QueryMsgByUniqueKeySubCommand's
 * block, which starts at `Topic:`.
 */
export function messageBlock(m: MessageExt, bodyPath: string, withOffsetId = true): string[] {
  return [
    ...(withOffsetId ? [field('OffsetID:', m.offsetMsgId)] : []),
    field('Topic:', m.topic),
    field('Tags:', `[${m.tags ?? 'null'}]`),
    field('Keys:', `[${m.keys.length > 0 ? m.keys.join(' ') : 'null'}]`),
    field('Queue ID:', m.queueId),
    field('Queue Offset:', m.queueOffset),
    field('CommitLog Offset:', m.commitLogOffset),
    field('Reconsume Times:', m.reconsumeTimes),
    field('Born Timestamp:', humanTime2(m.bornTimestamp)),
    field('Store Timestamp:', humanTime2(m.storeTimestamp)),
    field('Born Host:', m.bornHost),
    field('Store Host:', m.storeHost),
    field('System Flag:', m.sysFlag),
    field('Properties:', javaHashMapString(Object.entries(m.properties))),
    field('Message Body Path:', bodyPath),
  ];
}
