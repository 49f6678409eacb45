/**
 * Transactions as in RocketMQ 4.3: half messages wait in RMQ_SYS_TRANS_HALF_TOPIC; END_TRANSACTION
 * commits (the real message is written) or rolls back, each leaving an op record; a check service
 * asks producers about half messages left undecided.
 */
import { responseTo } from '../codec/command.js';
import { SysFlag } from '../codec/sys-flag.js';
import { decodeRecord, encodeRecord, type StoredMessage } from '../codec/message-record.js';
import { getProperty, Prop, withoutProperties, NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from '../codec/message-properties.js';
import { encodeOffsetMsgId } from '../codec/message-id.js';
import { decodeHeader, encodeHeader } from '../protocol/header.js';
import { CheckTransactionStateRequest, EndTransactionRequest } from '../protocol/broker-headers.js';
import { RequestCode } from '../protocol/request-code.js';
import { ResponseCode } from '../protocol/response-code.js';
import type { Processor } from '../transport/server.js';
import type { BrokerContext } from './context.js';
import { refusal } from './message-put.js';
import { TRANS_HALF_TOPIC, TRANS_OP_HALF_TOPIC } from './metadata/topics.js';

export const TRANSACTION_COMMIT = 8;
export const TRANSACTION_ROLLBACK = 12;
const CHECK_GROUP = 'CID_RMQ_SYS_TRANS';

export class Transactions {
  private timer: NodeJS.Timeout | undefined;
  /** Half-queue offset → how often the producer was asked. */
  private readonly checks = new Map<number, number>();
  /** Half-queue offsets decided by END_TRANSACTION (op records), not yet passed by the check cursor. */
  private readonly decided = new Set<number>();

  constructor(private readonly ctx: BrokerContext) {}

  processors(): Map<number, Processor> {
    const m = new Map<number, Processor>();
    m.set(RequestCode.END_TRANSACTION, async (req) => {
      const { ctx } = this;
      const h = decodeHeader(EndTransactionRequest, req.extFields);
      const answer = (code: number, remark?: string) => responseTo(req, code, ctx.version, { remark });
      if (!ctx.isMaster()) return answer(ResponseCode.SLAVE_NOT_AVAILABLE, 'a slave does not accept END_TRANSACTION');
      if (h.commitOrRollback !== TRANSACTION_COMMIT && h.commitOrRollback !== TRANSACTION_ROLLBACK) return answer(ResponseCode.SUCCESS);
      const half = ctx.store.lookMessageByOffset(h.commitLogOffset);
      if (!half || half.topic !== TRANS_HALF_TOPIC) return answer(ResponseCode.SYSTEM_ERROR, 'Find prepared transaction message failed');
      if (getProperty(half.properties, Prop.PGROUP) !== h.producerGroup) return answer(ResponseCode.SYSTEM_ERROR, 'The producer group wrong');
      if (half.queueOffset !== h.tranStateTableOffset) return answer(ResponseCode.SYSTEM_ERROR, 'The transaction state table offset wrong');
      if (this.decided.has(half.queueOffset)) return answer(ResponseCode.SUCCESS);
      if (h.commitOrRollback === TRANSACTION_COMMIT) {
        const real = realMessageOf(half);
        if (!real) return answer(ResponseCode.SYSTEM_ERROR, 'the half message has no REAL_TOPIC');
        try {
          await ctx.store.put({
            ...real,
            sysFlag: (real.sysFlag & ~SysFlag.TRANSACTION_MASK) | SysFlag.TRANSACTION_COMMIT,
            preparedTransactionOffset: half.physicalOffset,
          });
        } catch (err) {
          const r = refusal(err);
          return answer(r.code, r.remark);
        }
      }
      await this.writeOp(half);
      return answer(ResponseCode.SUCCESS);
    });
    return m;
  }

  private async writeOp(half: StoredMessage): Promise<void> {
    this.decided.add(half.queueOffset);
    await this.ctx.store.put({
      topic: TRANS_OP_HALF_TOPIC,
      queueId: half.queueId,
      body: Buffer.from(String(half.queueOffset)),
      properties: 'TAGS\u0001d\u0002WAIT\u0001false\u0002',
      bornTimestamp: Date.now(),
      bornHost: half.storeHost,
    });
  }

  start(): void {
    this.loadDecided();
    this.timer = setInterval(() => void this.check(), Math.max(100, this.ctx.config.transactionCheckInterval));
    this.timer.unref();
  }

  /** Rebuilds the decided set from op records beyond the check cursor (after a restart). */
  private loadDecided(): void {
    const { store } = this.ctx;
    let offset = Math.max(0, this.ctx.offsets.query(CHECK_GROUP, TRANS_OP_HALF_TOPIC, 0));
    for (;;) {
      const r = store.getMessage(TRANS_OP_HALF_TOPIC, 0, offset, 256);
      if (r.messages.length === 0) break;
      for (const rec of r.messages) this.decided.add(Number(decodeRecord(rec).body.toString()));
      offset = r.nextBeginOffset;
    }
  }

  /** One pass: ask producers about half messages older than transactionTimeOut with no decision. */
  async check(): Promise<void> {
    const { ctx } = this;
    const start = Math.max(0, ctx.offsets.query(CHECK_GROUP, TRANS_HALF_TOPIC, 0));
    let offset = start;
    let cursor = start;
    let contiguous = true;
    const now = Date.now();
    for (;;) {
      const r = ctx.store.getMessage(TRANS_HALF_TOPIC, 0, offset, 64);
      if (r.messages.length === 0) break;
      for (let i = 0; i < r.messages.length; i++) {
        const half = decodeRecord(r.messages[i]!);
        const qo = r.queueOffsets[i]!;
        let settled = this.decided.has(qo);
        if (!settled && now - half.bornTimestamp >= ctx.config.transactionTimeOut) {
          const times = (this.checks.get(qo) ?? 0) + 1;
          if (times > ctx.config.transactionCheckMax) {
            ctx.log.warn(`half message ${half.physicalOffset} discarded after ${ctx.config.transactionCheckMax} checks`);
            settled = true;
          } else {
            this.checks.set(qo, times);
            this.askProducer(half);
          }
        }
        if (settled && contiguous) {
          cursor = qo + 1;
          this.decided.delete(qo);
          this.checks.delete(qo);
        } else contiguous = false;
      }
      offset = r.nextBeginOffset;
    }
    if (cursor !== start) ctx.offsets.commit(CHECK_GROUP, TRANS_HALF_TOPIC, 0, cursor);
  }

  private askProducer(half: StoredMessage): void {
    const { ctx } = this;
    const group = getProperty(half.properties, Prop.PGROUP);
    const channel = group ? ctx.clients.producerChannels(group).find((c) => !c.conn.isClosed) : undefined;
    const real = realMessageOf(half);
    if (!channel || !real) return;
    const uniq = getProperty(half.properties, Prop.UNIQ_KEY);
    const body = encodeRecord({
      ...half,
      topic: real.topic,
      queueId: real.queueId,
      properties: real.properties,
      sysFlag: half.sysFlag & ~(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6),
    });
    channel.conn.oneway({
      code: RequestCode.CHECK_TRANSACTION_STATE,
      language: 'JAVA',
      version: ctx.version,
      opaque: 0,
      flag: 0,
      serializeType: 0,
      extFields: encodeHeader(CheckTransactionStateRequest, {
        tranStateTableOffset: half.queueOffset,
        commitLogOffset: half.physicalOffset,
        msgId: uniq,
        transactionId: uniq,
        offsetMsgId: encodeOffsetMsgId(half.storeHost, half.physicalOffset),
      }),
      body,
    });
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }
}

const REAL_MESSAGE_DROPS = [Prop.REAL_TOPIC, Prop.REAL_QID, Prop.TRAN_MSG];
const TRAN_MSG_ITEM = Prop.TRAN_MSG + NAME_VALUE_SEPARATOR + 'true' + PROPERTY_SEPARATOR;

/** The message a half record stands for: its real topic and queue, without the bookkeeping properties. */
function realMessageOf(half: StoredMessage) {
  const topic = getProperty(half.properties, Prop.REAL_TOPIC);
  if (topic === undefined) return undefined;
  const queueId = Number.parseInt(getProperty(half.properties, Prop.REAL_QID) ?? '0', 10) || 0;
  // What setting TRAN_MSG=true after removing REAL_TOPIC and REAL_QID gives, in one pass.
  const properties = withoutProperties(half.properties, REAL_MESSAGE_DROPS) + TRAN_MSG_ITEM;
  return {
    topic,
    queueId,
    body: half.body,
    properties,
    flag: half.flag,
    sysFlag: half.sysFlag & ~(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6),
    bornTimestamp: half.bornTimestamp,
    bornHost: half.bornHost,
    reconsumeTimes: half.reconsumeTimes,
  };
}
