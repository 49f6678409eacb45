/** Route and cluster queries, topic lists, write-permission changes and topic deletion. */
import { responseTo } from '../../codec/command.js';
import { decodeHeader, encodeHeader } from '../../protocol/header.js';
import {
  AddWritePermResponse,
  DeleteTopicInNamesrvRequest,
  GetRouteInfoRequest,
  GetTopicsByClusterRequest,
  WipeWritePermRequest,
  WipeWritePermResponse,
} from '../../protocol/namesrv-headers.js';
import { RequestCode } from '../../protocol/request-code.js';
import { ResponseCode } from '../../protocol/response-code.js';
import { V4_9_4 } from '../../protocol/version.js';
import { encodeClusterInfo, encodeTopicList, encodeTopicRouteData } from '../../protocol/route.js';
import type { Processor } from '../../transport/server.js';
import { ORDER_TOPIC_CONFIG_NAMESPACE, type NamesrvContext } from '../context.js';

const FAQ = '\nSee http://rocketmq.apache.org/docs/faq/ for further details.';

export function routeProcessors(ctx: NamesrvContext): Map<number, Processor> {
  const m = new Map<number, Processor>();
  const ok = ctx.version;

  // Encoded route replies, reused until the route tables change (lookups outnumber changes by far).
  const encoded = new Map<string, { version: number; body: Buffer }>();
  m.set(RequestCode.GET_ROUTEINFO_BY_TOPIC, (req) => {
    const h = decodeHeader(GetRouteInfoRequest, req.extFields);
    const orderConf = ctx.config.orderMessageEnable ? ctx.kv.get(ORDER_TOPIC_CONFIG_NAMESPACE, h.topic) : undefined;
    // Standard JSON only for peers that asked for it (4.9.4+); older ones get the dialect Java sends.
    const standard = req.version >= V4_9_4 || h.acceptStandardJsonOnly === true;
    const key = `${standard ? 1 : 0}${orderConf ?? ''}\u0000${h.topic}`;
    const cached = encoded.get(key);
    if (cached && cached.version === ctx.routes.version) return responseTo(req, ResponseCode.SUCCESS, ok, { body: cached.body });
    const route = ctx.routes.route(h.topic, orderConf);
    if (!route) {
      return responseTo(req, ResponseCode.TOPIC_NOT_EXIST, ok, {
        remark: `No topic route info in name server for the topic: ${h.topic}${FAQ}`,
      });
    }
    const body = encodeTopicRouteData(route, standard);
    if (encoded.size >= 10_000) encoded.clear();
    encoded.set(key, { version: ctx.routes.version, body });
    return responseTo(req, ResponseCode.SUCCESS, ok, { body });
  });

  m.set(RequestCode.GET_BROKER_CLUSTER_INFO, (req) =>
    responseTo(req, ResponseCode.SUCCESS, ok, { body: encodeClusterInfo(ctx.routes.clusterInfo()) }),
  );

  m.set(RequestCode.GET_ALL_TOPIC_LIST_FROM_NAMESERVER, (req) =>
    responseTo(req, ResponseCode.SUCCESS, ok, { body: encodeTopicList(ctx.routes.allTopics()) }),
  );

  m.set(RequestCode.GET_TOPICS_BY_CLUSTER, (req) => {
    const h = decodeHeader(GetTopicsByClusterRequest, req.extFields);
    return responseTo(req, ResponseCode.SUCCESS, ok, { body: encodeTopicList(ctx.routes.topicsOfCluster(h.cluster)) });
  });

  m.set(RequestCode.GET_SYSTEM_TOPIC_LIST_FROM_NS, (req) => {
    const { topics, brokerAddr } = ctx.routes.systemTopics();
    return responseTo(req, ResponseCode.SUCCESS, ok, { body: encodeTopicList(topics, brokerAddr) });
  });

  const unit = (kind: 'unit' | 'unitSub' | 'unitSubNotUnit'): Processor => (req) =>
    responseTo(req, ResponseCode.SUCCESS, ok, { body: encodeTopicList(ctx.routes.unitTopics(kind)) });
  m.set(RequestCode.GET_UNIT_TOPIC_LIST, unit('unit'));
  m.set(RequestCode.GET_HAS_UNIT_SUB_TOPIC_LIST, unit('unitSub'));
  m.set(RequestCode.GET_HAS_UNIT_SUB_UNUNIT_TOPIC_LIST, unit('unitSubNotUnit'));

  /** WIPE_WRITE_PERM_OF_BROKER and ADD_WRITE_PERM_OF_BROKER differ only in direction and reply field. */
  const writePerm = (writable: boolean): Processor => (req) => {
    const h = decodeHeader(WipeWritePermRequest, req.extFields);
    const count = ctx.routes.setWritePerm(h.brokerName, writable);
    ctx.log.info(`write permission ${writable ? 'restored' : 'wiped'} for broker ${h.brokerName} on ${count} topics`);
    const extFields = writable
      ? encodeHeader(AddWritePermResponse, { addTopicCount: count })
      : encodeHeader(WipeWritePermResponse, { wipeTopicCount: count });
    return responseTo(req, ResponseCode.SUCCESS, ok, { extFields });
  };
  m.set(RequestCode.WIPE_WRITE_PERM_OF_BROKER, writePerm(false));
  m.set(RequestCode.ADD_WRITE_PERM_OF_BROKER, writePerm(true));

  m.set(RequestCode.DELETE_TOPIC_IN_NAMESRV, (req) => {
    const h = decodeHeader(DeleteTopicInNamesrvRequest, req.extFields);
    ctx.routes.deleteTopic(h.topic, h.clusterName);
    return responseTo(req, ResponseCode.SUCCESS, ok);
  });

  return m;
}
