/** KV config requests and the NameServer's own config. */
import { responseTo } from '../../codec/command.js';
import { decodeHeader, encodeHeader } from '../../protocol/header.js';
import {
  GetKVConfigResponse,
  GetKVListByNamespaceRequest,
  KVConfigRequest,
  PutKVConfigRequest,
} from '../../protocol/namesrv-headers.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { encodeKVTable } from '../../protocol/route.js';
import { formatProperties } from '../../common/properties.js';
import { configEntries } from '../../common/config.js';
import type { Processor } from '../../transport/server.js';
import { NamesrvConfigSpec } from '../config.js';
import type { NamesrvContext } from '../context.js';

export function kvProcessors(ctx: NamesrvContext): Map<number, Processor> {
  const m = new Map<number, Processor>();
  const ok = ctx.version;

  m.set(RequestCode.PUT_KV_CONFIG, (req) => {
    const h = decodeHeader(PutKVConfigRequest, req.extFields);
    ctx.kv.put(h.namespace, h.key, h.value);
    return responseTo(req, ResponseCode.SUCCESS, ok);
  });

  m.set(RequestCode.GET_KV_CONFIG, (req) => {
    const h = decodeHeader(KVConfigRequest, req.extFields);
    const value = ctx.kv.get(h.namespace, h.key);
    if (value === undefined) {
      return responseTo(req, ResponseCode.QUERY_NOT_FOUND, ok, {
        remark: `No config item, Namespace: ${h.namespace} Key: ${h.key}`,
      });
    }
    return responseTo(req, ResponseCode.SUCCESS, ok, { extFields: encodeHeader(GetKVConfigResponse, { value }) });
  });

  m.set(RequestCode.DELETE_KV_CONFIG, (req) => {
    const h = decodeHeader(KVConfigRequest, req.extFields);
    ctx.kv.delete(h.namespace, h.key);
    return responseTo(req, ResponseCode.SUCCESS, ok);
  });

  m.set(RequestCode.GET_KVLIST_BY_NAMESPACE, (req) => {
    const h = decodeHeader(GetKVListByNamespaceRequest, req.extFields);
    const table = ctx.kv.list(h.namespace);
    if (!table) {
      return responseTo(req, ResponseCode.QUERY_NOT_FOUND, ok, { remark: `No config item, Namespace: ${h.namespace}` });
    }
    return responseTo(req, ResponseCode.SUCCESS, ok, { body: encodeKVTable(table) });
  });

  m.set(RequestCode.UPDATE_NAMESRV_CONFIG, (req) => {
    if (!req.body || req.body.length === 0) {
      return responseTo(req, ResponseCode.SYSTEM_ERROR, ok, { remark: 'UPDATE_NAMESRV_CONFIG needs a properties body' });
    }
    try {
      ctx.updateConfig(req.body.toString('utf8'));
    } catch (err) {
      return responseTo(req, ResponseCode.SYSTEM_ERROR, ok, { remark: (err as Error).message });
    }
    return responseTo(req, ResponseCode.SUCCESS, ok);
  });

  m.set(RequestCode.GET_NAMESRV_CONFIG, (req) =>
    responseTo(req, ResponseCode.SUCCESS, ok, {
      body: Buffer.from(formatProperties(configEntries(NamesrvConfigSpec, ctx.config)), 'utf8'),
    }),
  );

  return m;
}
