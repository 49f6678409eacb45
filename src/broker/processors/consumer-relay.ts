/**
 * Requests the broker passes on to one online consumer and whose answer it returns (Java's
 * AdminBrokerProcessor.callConsumer): GET_CONSUMER_RUNNING_INFO (mqadmin consumerStatus,
 * consumerProgress -s). The consumer is found by group and client id among the connections that
 * sent heartbeats; the request goes out with the tool's header and body unchanged.
 */
import { responseTo, type RemotingCommand } from '../../codec/command.js';
import { decodeHeader } from '../../protocol/header.js';
import { ConsumerRunningInfoRequest } from '../../protocol/broker-headers.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { V3_1_8_SNAPSHOT, versionName } from '../../protocol/version.js';
import { RequestTimeoutError } from '../../transport/errors.js';
import type { Processor } from '../../transport/server.js';
import type { BrokerContext } from '../context.js';

/** Java Broker2Client.callClient's timeout. */
const CALL_CONSUMER_TIMEOUT_MS = 10_000;

/** Relays `req` to the consumer `clientId` of `group`; refusals say which consumer and why, as Java's do. */
export async function callConsumer(ctx: BrokerContext, req: RemotingCommand, group: string, clientId: string): Promise<RemotingCommand> {
  const channel = [...(ctx.clients.consumerGroup(group)?.channels.values() ?? [])].find((c) => c.clientId === clientId);
  if (!channel) return responseTo(req, ResponseCode.SYSTEM_ERROR, ctx.version, { remark: `The Consumer <${group}> <${clientId}> not online` });
  if (channel.version < V3_1_8_SNAPSHOT) {
    return responseTo(req, ResponseCode.SYSTEM_ERROR, ctx.version, {
      remark: `The Consumer <${group}> Version <${versionName(channel.version)}> too low to finish, please upgrade it to V3_1_8_SNAPSHOT`,
    });
  }
  try {
    const answer = await channel.conn.request({ code: req.code, language: 'JAVA', version: ctx.version, opaque: 0, flag: 0, extFields: req.extFields, body: req.body, serializeType: 0 }, CALL_CONSUMER_TIMEOUT_MS);
    return responseTo(req, answer.code, ctx.version, { remark: answer.remark, extFields: answer.extFields, body: answer.body });
  } catch (err) {
    if (err instanceof RequestTimeoutError) return responseTo(req, ResponseCode.CONSUME_MSG_TIMEOUT, ctx.version, { remark: `consumer <${group}> <${clientId}> Timeout: ${err.message}` });
    return responseTo(req, ResponseCode.SYSTEM_ERROR, ctx.version, { remark: `invoke consumer <${group}> <${clientId}> Exception: ${(err as Error).message}` });
  }
}

export function consumerRelayProcessors(ctx: BrokerContext): Map<number, Processor> {
  const m = new Map<number, Processor>();
  m.set(RequestCode.GET_CONSUMER_RUNNING_INFO, (req) => {
    const h = decodeHeader(ConsumerRunningInfoRequest, req.extFields);
    return callConsumer(ctx, req, h.consumerGroup, h.clientId);
  });
  return m;
}
