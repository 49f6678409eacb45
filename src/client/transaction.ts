/**
 * Transactional producer (Java TransactionMQProducer): a prepared (half) message, the local
 * transaction executor, END_TRANSACTION (oneway) with the outcome, and answers to the broker's
 * CHECK_TRANSACTION_STATE through the check listener.
 */
import { decodeHeader, encodeHeader } from '../protocol/header.js';
import { RequestCode } from '../protocol/request-code.js';
import { SysFlag } from '../codec/sys-flag.js';
import { decodeRecord } from '../codec/message-record.js';
import { decodeOffsetMsgId } from '../codec/message-id.js';
import type { RemotingCommand } from '../codec/command.js';
import { CheckTransactionStateRequest, EndTransactionRequest } from './headers.js';
import { asError } from './instance.js';
import { MessageError } from './errors.js';
import { toMessageExt, type Message, type MessageExt } from './message.js';
import { Producer, type ProducerOptions, type SendOptions, type SendResult } from './producer.js';

export type LocalTransactionState = 'COMMIT_MESSAGE' | 'ROLLBACK_MESSAGE' | 'UNKNOW';

export interface TransactionListener {
  /** Runs the local transaction for a prepared message. Throwing counts as UNKNOW. */
  executeLocalTransaction(msg: Message, arg: unknown, sendResult: SendResult): LocalTransactionState | Promise<LocalTransactionState>;
  /** Answers the broker's check for a half message whose outcome is still unknown. */
  checkLocalTransaction(msg: MessageExt): LocalTransactionState | Promise<LocalTransactionState>;
}

export interface TransactionProducerOptions extends ProducerOptions {
  transactionListener: TransactionListener;
}

export interface TransactionSendResult extends SendResult {
  localTransactionState: LocalTransactionState;
}

const COMMIT_OR_ROLLBACK: Record<LocalTransactionState, number> = {
  COMMIT_MESSAGE: SysFlag.TRANSACTION_COMMIT,
  ROLLBACK_MESSAGE: SysFlag.TRANSACTION_ROLLBACK,
  UNKNOW: SysFlag.TRANSACTION_NOT,
};

export class TransactionProducer extends Producer {
  private readonly listener: TransactionListener;

  constructor(options: TransactionProducerOptions) {
    super(options);
    this.listener = options.transactionListener;
  }

  /** Sends a half message, runs the local transaction, then commits/rolls back (or leaves it to the check). */
  async sendMessageInTransaction(msg: Message, arg?: unknown, options: SendOptions = {}): Promise<TransactionSendResult> {
    if (msg.delayLevel) throw new MessageError('transactional messages cannot be delayed');
    const result = (await this.sendImpl(msg, options, 'sync', SysFlag.TRANSACTION_PREPARED, { TRAN_MSG: 'true', PGROUP: this.group })) as SendResult;
    let state: LocalTransactionState;
    let remark: string | undefined;
    if (result.sendStatus !== 'SEND_OK') {
      state = 'ROLLBACK_MESSAGE';
    } else {
      try {
        state = await this.listener.executeLocalTransaction(msg, arg, result);
      } catch (err) {
        state = 'UNKNOW';
        remark = `executeLocalTransaction exception: ${asError(err).message}`;
      }
    }
    const master = await this.client.findMaster(result.messageQueue.brokerName, msg.topic);
    await this.endTransaction(master, {
      tranStateTableOffset: result.queueOffset,
      commitLogOffset: decodeOffsetMsgId(result.offsetMsgId).physicalOffset,
      state,
      fromTransactionCheck: false,
      msgId: result.msgId,
      transactionId: result.transactionId ?? result.msgId,
      remark,
    });
    return { ...result, localTransactionState: state };
  }

  private async endTransaction(
    addr: string,
    e: { tranStateTableOffset: number; commitLogOffset: number; state: LocalTransactionState; fromTransactionCheck: boolean; msgId: string; transactionId?: string; remark?: string },
  ): Promise<void> {
    const ext = encodeHeader(EndTransactionRequest, {
      producerGroup: this.group,
      tranStateTableOffset: e.tranStateTableOffset,
      commitLogOffset: e.commitLogOffset,
      commitOrRollback: COMMIT_OR_ROLLBACK[e.state],
      fromTransactionCheck: e.fromTransactionCheck,
      msgId: e.msgId,
      transactionId: e.transactionId,
    });
    const req = this.client.request(RequestCode.END_TRANSACTION, ext);
    if (e.remark) req.remark = e.remark;
    await this.client.oneway(addr, req);
  }

  /** CHECK_TRANSACTION_STATE from a broker: ask the listener, answer with END_TRANSACTION. */
  checkTransactionState(addr: string, request: RemotingCommand): void {
    void (async () => {
      let msgId = '?';
      try {
        const h = decodeHeader(CheckTransactionStateRequest, request.extFields);
        if (!request.body) throw new MessageError('CHECK_TRANSACTION_STATE without a message body');
        const msg = toMessageExt(decodeRecord(request.body));
        msgId = msg.msgId;
        let state: LocalTransactionState;
        let remark: string | undefined;
        try {
          state = await this.listener.checkLocalTransaction(msg);
        } catch (err) {
          state = 'UNKNOW';
          remark = `checkLocalTransaction exception: ${asError(err).message}`;
        }
        this.client.diagnostic({ type: 'transaction-check', group: this.group, msgId, state });
        await this.endTransaction(addr, {
          tranStateTableOffset: h.tranStateTableOffset,
          commitLogOffset: h.commitLogOffset,
          state,
          fromTransactionCheck: true,
          msgId: h.msgId ?? msg.msgId,
          transactionId: h.transactionId ?? msg.transactionId,
          remark,
        });
      } catch (err) {
        this.client.diagnostic({ type: 'transaction-check', group: this.group, msgId, state: 'error', error: asError(err) });
      }
    })();
  }
}
