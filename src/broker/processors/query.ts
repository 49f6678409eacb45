/** VIEW_MESSAGE_BY_ID and QUERY_MESSAGE: messages by commit-log offset, key or unique key. */
import { responseTo } from '../../codec/command.js';
import { decodeHeader, encodeHeader } from '../../protocol/header.js';
import { QueryMessageRequest, QueryMessageResponse, ViewMessageRequest } from '../../protocol/broker-headers.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import type { Processor } from '../../transport/server.js';
import type { BrokerContext } from '../context.js';

export function queryProcessors(ctx: BrokerContext): Map<number, Processor> {
  const m = new Map<number, Processor>();

  m.set(RequestCode.VIEW_MESSAGE_BY_ID, (req) => {
    const h = decodeHeader(ViewMessageRequest, req.extFields);
    const record = ctx.store.getRecord(h.offset);
    if (!record) {
      return responseTo(req, ResponseCode.SYSTEM_ERROR, ctx.version, { remark: `can not find message by the offset, ${h.offset}` });
    }
    return responseTo(req, ResponseCode.SUCCESS, ctx.version, { body: record });
  });

  m.set(RequestCode.QUERY_MESSAGE, (req) => {
    const h = decodeHeader(QueryMessageRequest, req.extFields);
    const unique = req.extFields?._UNIQUE_KEY_QUERY === 'true';
    const result = unique
      ? ctx.store.queryMessageByUniqueKey(h.topic, h.key, h.beginTimestamp, h.endTimestamp)
      : ctx.store.queryMessage(h.topic, h.key, h.maxNum, h.beginTimestamp, h.endTimestamp);
    const extFields = encodeHeader(QueryMessageResponse, {
      indexLastUpdateTimestamp: result.indexLastUpdateTimestamp,
      indexLastUpdatePhyoffset: result.indexLastUpdatePhyoffset,
    });
    if (result.messages.length === 0) {
      return responseTo(req, ResponseCode.QUERY_NOT_FOUND, ctx.version, { remark: 'can not find message, maybe time range not correct', extFields });
    }
    return responseTo(req, ResponseCode.SUCCESS, ctx.version, { extFields, body: Buffer.concat(result.messages) });
  });

  return m;
}
