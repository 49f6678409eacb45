/**
 * Who is connected (GET_CONSUMER_CONNECTION_LIST, GET_PRODUCER_CONNECTION_LIST,
 * GET_CONSUMER_LIST_BY_GROUP): client connections of a group and, for consumers, their model and
 * subscriptions.
 */
import { toFastJson } from '../../codec/fastjson.js';
import { list, num, obj, parseJsonBody, str } from '../json.js';
import type { ConsumeFromWhere, ConsumeType, MessageModel } from './heartbeat.js';
import { decodeSubscription, type SubscriptionData } from './subscription.js';

export interface Connection {
  clientId: string;
  clientAddr: string;
  language: string;
  version: number;
}

export interface ConsumerConnection {
  connectionSet: Connection[];
  subscriptionTable: Map<string, SubscriptionData>;
  consumeType?: ConsumeType;
  messageModel?: MessageModel;
  consumeFromWhere?: ConsumeFromWhere;
}

/** A Connection as fastjson writes it (properties sorted). */
function connectionJson(c: Connection): Record<string, unknown> {
  return { clientAddr: c.clientAddr, clientId: c.clientId, language: c.language, version: c.version };
}

function decodeConnections(v: unknown): Connection[] {
  return list(v).map((c) => {
    const co = obj(c);
    return { clientId: str(co.clientId), clientAddr: str(co.clientAddr), language: str(co.language), version: num(co.version) };
  });
}

/** The broker's reply; model fields are strings as the group's heartbeat carried them. */
export function encodeConsumerConnection(cc: {
  connectionSet: Connection[];
  subscriptionTable: Map<string, SubscriptionData>;
  consumeType: string;
  messageModel: string;
  consumeFromWhere: string;
}): Buffer {
  return Buffer.from(
    toFastJson({
      connectionSet: cc.connectionSet.map(connectionJson),
      consumeFromWhere: cc.consumeFromWhere,
      consumeType: cc.consumeType,
      messageModel: cc.messageModel,
      subscriptionTable: cc.subscriptionTable,
    }),
    'utf8',
  );
}

export function decodeConsumerConnection(body: Buffer | undefined): ConsumerConnection {
  const o = parseJsonBody(body, 'ConsumerConnection');
  const subs = new Map<string, SubscriptionData>();
  const st = obj(o.subscriptionTable);
  for (const k of Object.keys(st)) subs.set(k, decodeSubscription(st[k]));
  return {
    connectionSet: decodeConnections(o.connectionSet),
    subscriptionTable: subs,
    consumeType: o.consumeType as ConsumeType | undefined,
    messageModel: o.messageModel as MessageModel | undefined,
    consumeFromWhere: o.consumeFromWhere as ConsumeFromWhere | undefined,
  };
}

export function encodeProducerConnection(connections: Connection[]): Buffer {
  return Buffer.from(toFastJson({ connectionSet: connections.map(connectionJson) }), 'utf8');
}

export function decodeProducerConnection(body: Buffer | undefined): Connection[] {
  return decodeConnections(parseJsonBody(body, 'ProducerConnection').connectionSet);
}

export function encodeConsumerIdList(ids: string[]): Buffer {
  return Buffer.from(toFastJson({ consumerIdList: ids }), 'utf8');
}

export function decodeConsumerIdList(body: Buffer | undefined): string[] {
  return list(parseJsonBody(body, 'GetConsumerListByGroupResponseBody').consumerIdList).map((x) => str(x));
}
