/**
 * PULL_MESSAGE with long polling: a pull that finds nothing new is held until a message arrives for
 * its queue or its suspend timeout ends.
 */
import { responseTo, type RemotingCommand } from '../../codec/command.js';
import { getProperty, parseProperties, Prop } from '../../codec/message-properties.js';
import { sqlFilterOf } from '../filter/sql-cache.js';
import { decodeHeader, type HeaderOf } from '../../protocol/header.js';
import { PullMessageRequest } from '../../protocol/broker-headers.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { RequestCode } from '../../protocol/request-code.js';
import { isReadable } from '../../protocol/perm.js';
import type { GetMessageResult } from '../../store/index.js';
import type { Connection } from '../../transport/connection.js';
import type { Processor } from '../../transport/server.js';
import { buildSubscription, SUB_ALL, type SubscriptionData } from '../../protocol/bodies/subscription.js';
import { FAQ, type BrokerContext } from '../context.js';

export const PULL_FLAG_COMMIT_OFFSET = 1;
export const PULL_FLAG_SUSPEND = 2;
export const PULL_FLAG_SUBSCRIPTION = 4;

type PullHeader = HeaderOf<typeof PullMessageRequest>;

/**
 * Tag filter: the consume queue's hash codes first, then an exact comparison of the TAGS property,
 * so hash collisions never reach the consumer. SQL92 subscriptions are evaluated on each record's
 * properties.
 */
function tagFilter(sub: SubscriptionData): { byCode?: (code: number) => boolean; exact?: (record: Buffer) => boolean } {
  if (sub.expressionType === 'SQL92') {
    const sql = sqlFilterOf(sub.subString);
    return { exact: (record) => sql.matches(parseProperties(propertiesOf(record))) };
  }
  if (sub.expressionType !== 'TAG' || sub.subString === SUB_ALL || sub.tagsSet.length === 0) return {};
  const codes = new Set(sub.codeSet);
  const tags = new Set(sub.tagsSet);
  return {
    byCode: (code) => codes.has(code),
    exact: (record) => {
      const tag = getProperty(propertiesOf(record), Prop.TAGS);
      return tag !== undefined && tags.has(tag);
    },
  };
}

/** The properties string of a stored record (IPv4 or IPv6 layout). */
export function propertiesOf(record: Buffer): string {
  const sysFlag = record.readInt32BE(36);
  const bodyLenPos = 84 + ((sysFlag & 0x10) !== 0 ? 12 : 0) + ((sysFlag & 0x20) !== 0 ? 12 : 0);
  const topicPos = bodyLenPos + 4 + record.readInt32BE(bodyLenPos);
  const propsPos = topicPos + 1 + record.readInt8(topicPos);
  const len = record.readInt16BE(propsPos);
  return len > 0 ? record.toString('utf8', propsPos + 2, propsPos + 2 + len) : '';
}

export function pullProcessors(ctx: BrokerContext): Map<number, Processor> {
  const m = new Map<number, Processor>();

  const reply = (req: RemotingCommand, code: number, remark: string, h?: { next: number; min: number; max: number; suggest: number }): RemotingCommand =>
    responseTo(req, code, ctx.version, {
      remark,
      // PullMessageResponseHeader in its field order; store offsets are safe integers, so String() prints them as Java does.
      extFields: h ? { suggestWhichBrokerId: String(h.suggest), nextBeginOffset: String(h.next), minOffset: String(h.min), maxOffset: String(h.max) } : {},
    });

  const resolveSubscription = (req: RemotingCommand, h: PullHeader): SubscriptionData | RemotingCommand => {
    const hasSubscription = (h.sysFlag & PULL_FLAG_SUBSCRIPTION) !== 0;
    const group = ctx.clients.consumerGroup(h.consumerGroup);
    if (group && group.messageModel === 'BROADCASTING' && !ctx.groups.get(h.consumerGroup)?.consumeBroadcastEnable) {
      return reply(req, ResponseCode.NO_PERMISSION, `the consumer group[${h.consumerGroup}] can not consume by broadcast way`);
    }
    if (hasSubscription) {
      const type = h.expressionType ?? 'TAG';
      const refused = checkExpression(type, h.subscription ?? '');
      if (refused) return refused(req);
      return buildSubscription(h.topic, h.subscription, type, h.subVersion);
    }
    if (!group) return reply(req, ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's group info not exist${FAQ}`);
    const sub = group.subscriptions.get(h.topic);
    if (!sub) return reply(req, ResponseCode.SUBSCRIPTION_NOT_EXIST, `the consumer's subscription not exist${FAQ}`);
    if (sub.subVersion < h.subVersion) return reply(req, ResponseCode.SUBSCRIPTION_NOT_LATEST, "the consumer's subscription not latest");
    const refused = checkExpression(sub.expressionType, sub.subString);
    return refused ? refused(req) : sub;
  };

  /** SQL92 needs enablePropertyFilter and a parsable expression; other types are unknown. */
  const checkExpression = (type: string, expression: string): ((req: RemotingCommand) => RemotingCommand) | undefined => {
    if (type === 'TAG') return undefined;
    if (type !== 'SQL92') return (req) => reply(req, ResponseCode.SUBSCRIPTION_PARSE_FAILED, `unknown expression type ${type}`);
    if (!ctx.config.enablePropertyFilter) {
      return (req) => reply(req, ResponseCode.SYSTEM_ERROR, 'The broker does not support consumer to filter message by SQL92');
    }
    try {
      sqlFilterOf(expression);
      return undefined;
    } catch (err) {
      return (req) => reply(req, ResponseCode.SUBSCRIPTION_PARSE_FAILED, `parse the consumer's subscription[${expression}] failed: ${(err as Error).message}`);
    }
  };

  /** `h` is passed when a held pull is re-run: its header was decoded when it arrived. */
  const execute = (
    req: RemotingCommand,
    conn: Connection,
    allowSuspend: boolean,
    h: PullHeader = decodeHeader(PullMessageRequest, req.extFields),
  ): RemotingCommand | Promise<RemotingCommand | undefined> | undefined => {
    if (!ctx.isReadable()) {
      return reply(req, ResponseCode.NO_PERMISSION, `the broker[${ctx.config.brokerIP1}] pulling message is forbidden`);
    }
    const groupConfig = ctx.groups.findOrCreate(h.consumerGroup);
    if (!groupConfig) return reply(req, ResponseCode.SUBSCRIPTION_GROUP_NOT_EXIST, `subscription group [${h.consumerGroup}] does not exist, ${FAQ}`);
    if (!groupConfig.consumeEnable) return reply(req, ResponseCode.NO_PERMISSION, `subscription group no permission, ${h.consumerGroup}`);
    const tc = ctx.topics.get(h.topic);
    if (!tc) return reply(req, ResponseCode.TOPIC_NOT_EXIST, `topic[${h.topic}] not exist, apply first please!${FAQ}`);
    if (!isReadable(tc.perm)) return reply(req, ResponseCode.NO_PERMISSION, `the topic[${h.topic}] pulling message is forbidden`);
    if (h.queueId < 0 || h.queueId >= tc.readQueueNums) {
      return reply(req, ResponseCode.SYSTEM_ERROR, `queueId[${h.queueId}] is illegal, topic:[${h.topic}] topicConfig.readQueueNums:[${tc.readQueueNums}] consumer:[${conn.remoteAddress}]`);
    }
    const sub = resolveSubscription(req, h);
    if (!('subString' in sub)) return sub;

    const filter = tagFilter(sub);
    const r: GetMessageResult = ctx.store.getMessage(h.topic, h.queueId, h.queueOffset, h.maxMsgNums, filter.byCode);
    let messages = r.messages;
    let status = r.status;
    if (filter.exact && messages.length > 0) {
      messages = messages.filter(filter.exact);
      if (messages.length === 0) status = 'NO_MATCHED_MESSAGE';
    }
    const suggest = r.suggestPullingFromSlave && ctx.config.slaveReadEnable ? groupConfig.whichBrokerWhenConsumeSlowly : groupConfig.brokerId;
    const head = { next: r.nextBeginOffset, min: r.minOffset, max: r.maxOffset, suggest: ctx.config.slaveReadEnable ? suggest : 0 };

    // The offset in the header is committed when the pull arrives, never when a held pull is
    // re-run: by then the client may have committed a newer offset (and left).
    if (allowSuspend && (h.sysFlag & PULL_FLAG_COMMIT_OFFSET) !== 0 && ctx.isMaster()) {
      ctx.offsets.commit(h.consumerGroup, h.topic, h.queueId, h.commitOffset);
    }

    switch (status) {
      case 'FOUND': {
        ctx.stats.getFound++;
        ctx.stats.getTransferred += messages.length;
        let bytes = 0;
        for (const m of messages) bytes += m.length;
        ctx.stats.traffic.recordOut(h.consumerGroup, h.topic, h.queueId, r.nextBeginOffset, messages.length, bytes);
        ctx.statsTable.countGet(h.topic, h.consumerGroup, messages.length, bytes);
        // The records go out as the store's slices, uncopied (copies out of its shared memory are slow).
        const found = reply(req, ResponseCode.SUCCESS, 'FOUND', head);
        found.bodyParts = messages;
        return found;
      }
      case 'NO_MATCHED_MESSAGE':
      case 'MESSAGE_WAS_REMOVING':
        ctx.stats.getMiss++;
        return reply(req, ResponseCode.PULL_RETRY_IMMEDIATELY, status, head);
      // A slave never tells a consumer its offset moved (Java without offsetCheckInSlave): its
      // copy of the queue may only be behind or not there yet, so the consumer is told to retry.
      case 'NO_MATCHED_LOGIC_QUEUE':
      case 'NO_MESSAGE_IN_QUEUE':
        ctx.stats.getMiss++;
        if (h.queueOffset !== 0) return reply(req, ctx.isMaster() ? ResponseCode.PULL_OFFSET_MOVED : ResponseCode.PULL_RETRY_IMMEDIATELY, status, head);
        break;
      case 'OFFSET_TOO_SMALL':
      case 'OFFSET_OVERFLOW_BADLY':
        ctx.stats.getMiss++;
        return reply(req, ctx.isMaster() ? ResponseCode.PULL_OFFSET_MOVED : ResponseCode.PULL_RETRY_IMMEDIATELY, status, head);
      case 'OFFSET_FOUND_NULL':
      case 'OFFSET_OVERFLOW_ONE':
        ctx.stats.getMiss++;
        break;
    }
    // PULL_NOT_FOUND: hold the request when the client allows it.
    if (allowSuspend && (h.sysFlag & PULL_FLAG_SUSPEND) !== 0) {
      const wait = ctx.config.longPollingEnable
        ? Math.min(h.suspendTimeoutMillis, ctx.config.longPollingMaxMs)
        : ctx.config.shortPollingTimeMills;
      if (wait > 0) {
        return new Promise<RemotingCommand | undefined>((resolve) => {
          ctx.pullHold.hold(h.topic, h.queueId, {
            offset: h.queueOffset,
            deadline: Date.now() + wait,
            isAbandoned: () => conn.isClosed,
            wake: () => {
              try {
                resolve((execute(req, conn, false, h) as RemotingCommand | undefined) ?? undefined);
              } catch (err) {
                resolve(reply(req, ResponseCode.SYSTEM_ERROR, String(err)));
              }
            },
          });
        });
      }
    }
    return reply(req, ResponseCode.PULL_NOT_FOUND, status, head);
  };

  m.set(RequestCode.PULL_MESSAGE, (req, conn) => execute(req, conn, true));
  return m;
}
