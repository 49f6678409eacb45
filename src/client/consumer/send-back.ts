/**
 * Handing failed messages back to the broker for a later retry (Java's sendMessageBack): first
 * CONSUMER_SEND_MSG_BACK, and if the broker cannot take that, a copy sent to the group's retry
 * topic through the client's inner producer, carrying RECONSUME_TIME / MAX_RECONSUME_TIMES so the
 * broker can move it to the DLQ once retries run out.
 */
import { retryTopic } from '../../protocol/system-topics.js';
import { consumerSendMessageBack } from '../consumer-api.js';
import { asError } from '../instance.js';
import { RESERVED_PROPERTIES, type Message, type MessageExt } from '../message.js';
import type { PushConsumerContext } from './context.js';

/** What send-back needs of a producer: one send with properties only the SDK may set. */
export interface RetryCopySender {
  sendRetryCopy(msg: Message, sdkProperties: Record<string, string>): Promise<unknown>;
}

export class SendBack {
  constructor(
    private readonly ctx: Pick<PushConsumerContext, 'group' | 'client' | 'options' | 'stats'>,
    private readonly producer: RetryCopySender,
  ) {}

  /** True when the broker has the message again (as a retry, or in the DLQ for delay level −1). */
  async sendMessageBack(msg: MessageExt, delayLevel: number): Promise<boolean> {
    const { client, group, stats } = this.ctx;
    const max = this.ctx.options.maxReconsumeTimesConcurrently;
    try {
      await consumerSendMessageBack(client, group, msg, delayLevel, max);
      stats.sentBack++;
      client.diagnostic({ type: 'send-back', group, msgId: msg.msgId, fallback: false });
      return true;
    } catch (error) {
      try {
        await this.sendRetryCopy(msg, delayLevel, max);
        stats.sentBack++;
        client.diagnostic({ type: 'send-back', group, msgId: msg.msgId, fallback: true, error: asError(error) });
        return true;
      } catch (error2) {
        client.diagnostic({ type: 'send-back', group, msgId: msg.msgId, fallback: true, error: asError(error2) });
        return false;
      }
    }
  }

  private async sendRetryCopy(msg: MessageExt, delayLevel: number, max: number): Promise<void> {
    const user: Record<string, string> = {};
    for (const [k, v] of Object.entries(msg.properties)) if (!RESERVED_PROPERTIES.has(k)) user[k] = v;
    const reconsume = delayLevel < 0 ? max : msg.reconsumeTimes + 1;
    const extra: Record<string, string> = {
      RETRY_TOPIC: msg.topic,
      ORIGIN_MESSAGE_ID: msg.properties.ORIGIN_MESSAGE_ID ?? msg.msgId,
      RECONSUME_TIME: String(reconsume),
      MAX_RECONSUME_TIMES: String(max),
    };
    if (msg.tags) extra.TAGS = msg.tags;
    if (msg.keys.length > 0) extra.KEYS = msg.keys.join(' ');
    await this.producer.sendRetryCopy(
      { topic: retryTopic(this.ctx.group), body: msg.body, flag: msg.flag, properties: user, delayLevel: delayLevel < 0 ? undefined : 3 + msg.reconsumeTimes },
      extra,
    );
  }
}

/** Messages pulled from the group's retry topic get their original topic back before the listener sees them. */
export function restoreRetryTopic(msgs: readonly MessageExt[], group: string): void {
  const retry = retryTopic(group);
  for (const m of msgs) {
    const original = m.properties.RETRY_TOPIC;
    if (original && m.topic === retry) m.topic = original;
  }
}
