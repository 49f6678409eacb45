/** REGISTER_BROKER, UNREGISTER_BROKER and QUERY_DATA_VERSION: brokers announcing themselves. */
import { crc32 } from 'node:zlib';
import { responseTo } from '../../codec/command.js';
import { decodeHeader, encodeHeader } from '../../protocol/header.js';
import {
  QueryDataVersionRequest,
  QueryDataVersionResponse,
  RegisterBrokerRequest,
  RegisterBrokerResponse,
  UnregisterBrokerRequest,
} from '../../protocol/namesrv-headers.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { V3_0_11, versionName } from '../../protocol/version.js';
import { decodeRegisterBrokerBody, encodeKVTable } from '../../protocol/route.js';
import { dataVersionJson, decodeDataVersion } from '../../protocol/data-version.js';
import { parseJsonBody } from '../../protocol/json.js';
import { toFastJson } from '../../codec/fastjson.js';
import type { Processor } from '../../transport/server.js';
import { ORDER_TOPIC_CONFIG_NAMESPACE, type NamesrvContext } from '../context.js';

/**
 * What a registering broker is, for the log: Apogee brokers all register as V3_5_8 (the version
 * every NameServer accepts) and say their release in an extra field; any other broker is named by
 * its wire version alone.
 */
function brokerProduct(apogeeRelease: string | undefined, version: number): string {
  const release = apogeeRelease?.replace(/[^\w.+-]/g, '').slice(0, 40);
  return release ? `Apogee ${release}, registers as ${versionName(version)}` : `RocketMQ ${versionName(version)}, not Apogee`;
}

export function registrationProcessors(ctx: NamesrvContext): Map<number, Processor> {
  const m = new Map<number, Processor>();

  m.set(RequestCode.REGISTER_BROKER, (req, conn) => {
    const h = decodeHeader(RegisterBrokerRequest, req.extFields);
    // Any peer version is welcome: we never index a table by it (the failure that makes
    // old Java NameServers refuse newer brokers).
    const crc = h.bodyCrc32 ?? 0;
    if (crc !== 0 && req.body && (crc32(req.body) & 0x7fffffff) !== crc) {
      return responseTo(req, ResponseCode.SYSTEM_ERROR, ctx.version, { remark: 'crc32 not match' });
    }
    const body = decodeRegisterBrokerBody(req.body, {
      legacy: req.version < V3_0_11,
      compressed: h.compressed === true,
    });
    const known = ctx.routes.liveBrokers().some((b) => b.brokerAddr === h.brokerAddr);
    const result = ctx.routes.register({
      clusterName: h.clusterName,
      brokerAddr: h.brokerAddr,
      brokerName: h.brokerName,
      brokerId: h.brokerId,
      haServerAddr: h.haServerAddr,
      body,
      version: req.version,
      conn,
    });
    if (!known) {
      ctx.log.info(
        `broker registered: ${h.clusterName}/${h.brokerName} id ${h.brokerId} at ${h.brokerAddr} ` +
          `(${brokerProduct(h.apogeeRelease, req.version)}, ${body.topicConfigTable.size} topics)`,
      );
    }
    const order = ctx.kv.list(ORDER_TOPIC_CONFIG_NAMESPACE);
    return responseTo(req, ResponseCode.SUCCESS, ctx.version, {
      extFields: encodeHeader(RegisterBrokerResponse, result),
      body: order ? encodeKVTable(order) : undefined,
    });
  });

  m.set(RequestCode.UNREGISTER_BROKER, (req) => {
    const h = decodeHeader(UnregisterBrokerRequest, req.extFields);
    ctx.routes.unregister(h.clusterName, h.brokerAddr, h.brokerName, h.brokerId);
    ctx.log.info(`broker unregistered: ${h.clusterName}/${h.brokerName} id ${h.brokerId} at ${h.brokerAddr}`);
    return responseTo(req, ResponseCode.SUCCESS, ctx.version);
  });

  m.set(RequestCode.QUERY_DATA_VERSION, (req) => {
    const h = decodeHeader(QueryDataVersionRequest, req.extFields);
    const dv = decodeDataVersion(parseJsonBody(req.body, 'QUERY_DATA_VERSION'));
    const { changed, stored } = ctx.routes.queryDataVersion(h.brokerAddr, dv);
    return responseTo(req, ResponseCode.SUCCESS, ctx.version, {
      extFields: encodeHeader(QueryDataVersionResponse, { changed }),
      body: stored ? Buffer.from(toFastJson(dataVersionJson(stored)), 'utf8') : undefined,
    });
  });

  return m;
}

