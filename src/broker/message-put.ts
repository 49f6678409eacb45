/**
 * The one way messages reach the store from the broker: applies delay levels (SCHEDULE_TOPIC_XXXX)
 * and transaction half messages, and maps store outcomes to response codes.
 */
import { SysFlag } from '../codec/sys-flag.js';
import { PROPERTY_SEPARATOR, NAME_VALUE_SEPARATOR, getProperty, Prop } from '../codec/message-properties.js';
import { ResponseCode } from '../protocol/response-code.js';
import { PutRefusedError } from '../store/errors.js';
import type { MessageInput, PutResult } from '../store/store.js';
import { SCHEDULE_TOPIC, TRANS_HALF_TOPIC } from './metadata/topics.js';
import type { BrokerContext } from './context.js';

/** Sets a property, replacing any earlier value, keeping the rest of the string as it was. */
export function withProperty(properties: string, name: string, value: string): string {
  const rest = getProperty(properties, name) === undefined && !properties.includes(name + NAME_VALUE_SEPARATOR) ? properties : withoutProperty(properties, name);
  const sep = rest === '' || rest.endsWith(PROPERTY_SEPARATOR) ? '' : PROPERTY_SEPARATOR;
  return rest + sep + name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
}

/** Removes a property (all occurrences), keeping the rest of the string as it was. */
export function withoutProperty(properties: string, name: string): string {
  const prefix = name + NAME_VALUE_SEPARATOR;
  return properties
    .split(PROPERTY_SEPARATOR)
    .filter((item) => item !== '' && !item.startsWith(prefix))
    .map((item) => item + PROPERTY_SEPARATOR)
    .join('');
}

/**
 * Rewrites a message that must wait: a delayed one goes to SCHEDULE_TOPIC_XXXX queue level − 1,
 * a transaction half message to RMQ_SYS_TRANS_HALF_TOPIC queue 0, the real destination kept in
 * REAL_TOPIC / REAL_QID.
 */
export function routeForStore(msg: MessageInput, maxDelayLevel: number): MessageInput {
  const tranType = (msg.sysFlag ?? 0) & SysFlag.TRANSACTION_MASK;
  if (tranType === SysFlag.TRANSACTION_PREPARED) {
    let properties = withProperty(msg.properties, Prop.REAL_TOPIC, msg.topic);
    properties = withProperty(properties, Prop.REAL_QID, String(msg.queueId));
    return { ...msg, topic: TRANS_HALF_TOPIC, queueId: 0, properties, sysFlag: (msg.sysFlag ?? 0) & ~SysFlag.TRANSACTION_MASK };
  }
  if (tranType === SysFlag.TRANSACTION_NOT || tranType === SysFlag.TRANSACTION_COMMIT) {
    const delay = getProperty(msg.properties, Prop.DELAY);
    const level = delay === undefined ? 0 : Number.parseInt(delay, 10);
    if (level > 0) {
      let properties = msg.properties;
      if (level > maxDelayLevel) properties = withProperty(properties, Prop.DELAY, String(maxDelayLevel));
      properties = withProperty(properties, Prop.REAL_TOPIC, msg.topic);
      properties = withProperty(properties, Prop.REAL_QID, String(msg.queueId));
      return { ...msg, topic: SCHEDULE_TOPIC, queueId: Math.min(level, maxDelayLevel) - 1, properties };
    }
  }
  return msg;
}

export type PutOutcome =
  | { ok: true; code: number; result: PutResult; remark?: string }
  | { ok: false; code: number; remark: string };

const STORED_CODES: Record<string, number> = {
  PUT_OK: ResponseCode.SUCCESS,
  FLUSH_DISK_TIMEOUT: ResponseCode.FLUSH_DISK_TIMEOUT,
};

export function refusal(err: unknown): { ok: false; code: number; remark: string } {
  if (err instanceof PutRefusedError) {
    switch (err.status) {
      case 'MESSAGE_ILLEGAL':
      case 'PROPERTIES_SIZE_EXCEEDED':
        return { ok: false, code: ResponseCode.MESSAGE_ILLEGAL, remark: `the message is illegal: ${err.message}` };
      case 'SERVICE_NOT_AVAILABLE':
        return { ok: false, code: ResponseCode.SERVICE_NOT_AVAILABLE, remark: `service not available now: ${err.message}` };
      case 'CREATE_MAPEDFILE_FAILED':
        return { ok: false, code: ResponseCode.SYSTEM_ERROR, remark: `create mapped file failed, server is busy or broken: ${err.message}` };
      case 'OS_PAGECACHE_BUSY':
        return { ok: false, code: ResponseCode.SYSTEM_ERROR, remark: '[PC_SYNCHRONIZED]broker busy, start flow control for a while' };
      default:
        return { ok: false, code: ResponseCode.SYSTEM_ERROR, remark: err.message };
    }
  }
  return { ok: false, code: ResponseCode.SYSTEM_ERROR, remark: `store error: ${(err as Error).message ?? String(err)}` };
}

export function putMessages(ctx: BrokerContext, msgs: MessageInput[]): Promise<PutOutcome> {
  const routed = msgs.length === 1 ? [routeForStore(msgs[0]!, ctx.delayLevels.length)] : msgs.map((m) => routeForStore(m, ctx.delayLevels.length));
  const put = routed.length === 1 ? ctx.store.put(routed[0]!) : ctx.store.putBatch(routed);
  return put.then((result): PutOutcome | Promise<PutOutcome> => {
    ctx.stats.putMessages += routed.length;
    ctx.stats.putBytes += result.wroteBytes;
    const code = STORED_CODES[result.status] ?? ResponseCode.SUCCESS;
    const replicated = getProperty(routed[0]!.properties, Prop.WAIT) !== 'false' ? ctx.awaitReplication(result.physicalOffset + result.wroteBytes) : undefined;
    if (replicated === undefined) return { ok: true, code, result };
    return replicated.then((slaveCode) => ({ ok: true, code: slaveCode !== undefined && code === ResponseCode.SUCCESS ? slaveCode : code, result }));
  }).catch(refusal);
}
