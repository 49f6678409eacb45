/**
 * HeartbeatData (HEART_BEAT body): the producer and consumer groups a client runs, with each
 * consumer group's model and subscriptions. Written by clients every 30 s, read by brokers.
 */
import { toFastJson } from '../../codec/fastjson.js';
import { bool, list, obj, parseJsonBody, str } from '../json.js';
import { decodeSubscription, type SubscriptionData } from './subscription.js';

export type MessageModel = 'CLUSTERING' | 'BROADCASTING';
export type ConsumeType = 'CONSUME_ACTIVELY' | 'CONSUME_PASSIVELY';
export type ConsumeFromWhere = 'CONSUME_FROM_LAST_OFFSET' | 'CONSUME_FROM_FIRST_OFFSET' | 'CONSUME_FROM_TIMESTAMP';

export interface ConsumerData {
  groupName: string;
  consumeType: ConsumeType;
  messageModel: MessageModel;
  consumeFromWhere: ConsumeFromWhere;
  subscriptionDataSet: SubscriptionData[];
  unitMode: boolean;
}

export interface ProducerData {
  groupName: string;
}

export interface HeartbeatData {
  clientID: string;
  producerDataSet: ProducerData[];
  consumerDataSet: ConsumerData[];
}

export function encodeHeartbeat(hb: HeartbeatData): Buffer {
  return Buffer.from(toFastJson(hb), 'utf8');
}

/**
 * Reads a heartbeat. A consumer that leaves out its model is taken as a push consumer in
 * clustering mode starting from the last offset (what the broker has always assumed).
 */
export function decodeHeartbeat(body: Buffer | undefined): HeartbeatData {
  const o = parseJsonBody(body, 'HEART_BEAT');
  return {
    clientID: str(o.clientID),
    producerDataSet: list(o.producerDataSet).map((p) => ({ groupName: str(obj(p).groupName) })),
    consumerDataSet: list(o.consumerDataSet).map((c) => {
      const co = obj(c);
      return {
        groupName: str(co.groupName),
        consumeType: str(co.consumeType, 'CONSUME_PASSIVELY') as ConsumeType,
        messageModel: str(co.messageModel, 'CLUSTERING') as MessageModel,
        consumeFromWhere: str(co.consumeFromWhere, 'CONSUME_FROM_LAST_OFFSET') as ConsumeFromWhere,
        subscriptionDataSet: list(co.subscriptionDataSet).map(decodeSubscription),
        unitMode: bool(co.unitMode),
      };
    }),
  };
}
