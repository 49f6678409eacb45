/**
 * The one way messages reach the store from the broker: applies delay levels (SCHEDULE_TOPIC_XXXX)
 * and transaction half messages, and maps store outcomes to response codes.
 */
import { SysFlag } from '../codec/sys-flag.js';
import { Prop } from '../codec/message-properties.js';
import type { PropertyEdit } from '../codec/properties-view.js';
import { ResponseCode } from '../protocol/response-code.js';
import { PutRefusedError, type ParsedMessageInput, type PutResult } from '../store/index.js';
import { SCHEDULE_TOPIC, TRANS_HALF_TOPIC } from './metadata/topics.js';
import type { BrokerContext } from './context.js';
import { DELAY, NORMAL, TRANSACTION } from './traffic.js';

/** A message on its way to the store, its properties read once on entry. */
export type BrokerMessage = ParsedMessageInput;

/**
 * Redirects a message that must wait: a delayed one goes to SCHEDULE_TOPIC_XXXX queue level − 1
 * (DELAY clamped to the highest level), a transaction half message to RMQ_SYS_TRANS_HALF_TOPIC
 * queue 0, the real destination kept in REAL_TOPIC / REAL_QID. `producerGroup`, when given, is
 * stamped as PGROUP first. All of it is one rewrite of the properties, made in place.
 */
export function routeForStore(msg: BrokerMessage, maxDelayLevel: number, producerGroup?: string): BrokerMessage {
  const props = msg.properties;
  const sysFlag = msg.sysFlag ?? 0;
  const tranType = sysFlag & SysFlag.TRANSACTION_MASK;
  const level = tranType === SysFlag.TRANSACTION_NOT || tranType === SysFlag.TRANSACTION_COMMIT ? props.delayLevel() : 0;
  if (tranType !== SysFlag.TRANSACTION_PREPARED && !(level > 0)) {
    if (producerGroup !== undefined) props.set([[Prop.PGROUP, producerGroup]]);
    return msg;
  }
  const edits: PropertyEdit[] = [];
  if (producerGroup !== undefined) edits.push([Prop.PGROUP, producerGroup]);
  if (level > maxDelayLevel) edits.push([Prop.DELAY, String(maxDelayLevel)]);
  edits.push([Prop.REAL_TOPIC, msg.topic], [Prop.REAL_QID, String(msg.queueId)]);
  props.set(edits);
  if (tranType === SysFlag.TRANSACTION_PREPARED) {
    return { ...msg, topic: TRANS_HALF_TOPIC, queueId: 0, sysFlag: sysFlag & ~SysFlag.TRANSACTION_MASK };
  }
  return { ...msg, topic: SCHEDULE_TOPIC, queueId: Math.min(level, maxDelayLevel) - 1 };
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

/** Stores messages (a batch shares one write); `producerGroup` is stamped as PGROUP on a lone message. */
export function putMessages(ctx: BrokerContext, msgs: BrokerMessage[], producerGroup?: string): Promise<PutOutcome> {
  const routed = msgs.length === 1 ? [routeForStore(msgs[0]!, ctx.delayLevels.length, producerGroup)] : msgs.map((m) => routeForStore(m, ctx.delayLevels.length));
  const put = routed.length === 1 ? ctx.store.put(routed[0]!) : ctx.store.putBatch(routed);
  return put.then((result): PutOutcome | Promise<PutOutcome> => {
    ctx.stats.putMessages += routed.length;
    ctx.stats.putBytes += result.wroteBytes;
    const stored = routed[0]!.topic;
    ctx.stats.traffic.recordIn(msgs[0]!.topic, stored === SCHEDULE_TOPIC ? DELAY : stored === TRANS_HALF_TOPIC && msgs[0]!.topic !== stored ? TRANSACTION : NORMAL, routed.length, result.wroteBytes);
    const code = STORED_CODES[result.status] ?? ResponseCode.SUCCESS;
    const replicated = routed[0]!.properties.waitStoreMsgOK() ? ctx.awaitReplication(result.physicalOffset + result.wroteBytes) : undefined;
    if (replicated === undefined) return { ok: true, code, result };
    return replicated.then((slaveCode) => ({ ok: true, code: slaveCode !== undefined && code === ResponseCode.SUCCESS ? slaveCode : code, result }));
  }).catch(refusal);
}
