/** Broker request/response headers. Keys are the Java field names. */
import { bool, int, long, optBool, optInt, optLong, optStr, str } from './header.js';

export const SendMessageRequest = {
  producerGroup: str(),
  topic: str(),
  defaultTopic: str(),
  defaultTopicQueueNums: int(),
  queueId: int(),
  sysFlag: int(),
  bornTimestamp: long(),
  flag: int(),
  properties: optStr(),
  reconsumeTimes: optInt(),
  unitMode: optBool(),
  batch: optBool(),
  maxReconsumeTimes: optInt(),
};

/** SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE: the same fields under one-letter names. */
export const SendMessageRequestV2 = {
  a: str(), b: str(), c: str(), d: int(), e: int(), f: int(), g: long(), h: int(),
  i: optStr(), j: optInt(), k: optBool(), l: optInt(), m: optBool(), n: optStr(),
};

export const SendMessageResponse = { msgId: str(), queueId: int(), queueOffset: long(), transactionId: optStr() };

export const PullMessageRequest = {
  consumerGroup: str(),
  topic: str(),
  queueId: int(),
  queueOffset: long(),
  maxMsgNums: int(),
  sysFlag: int(),
  commitOffset: long(),
  suspendTimeoutMillis: long(),
  subscription: optStr(),
  subVersion: long(),
  expressionType: optStr(),
};
export const PullMessageResponse = { suggestWhichBrokerId: long(), nextBeginOffset: long(), minOffset: long(), maxOffset: long() };

export const QueryMessageRequest = { topic: str(), key: str(), maxNum: int(), beginTimestamp: long(), endTimestamp: long() };
export const QueryMessageResponse = { indexLastUpdateTimestamp: long(), indexLastUpdatePhyoffset: long() };
export const ViewMessageRequest = { offset: long() };

export const UnregisterClientRequest = { clientID: str(), producerGroup: optStr(), consumerGroup: optStr() };
export const ConsumerGroupRequest = { consumerGroup: str() };
export const QueryConsumerOffsetRequest = { consumerGroup: str(), topic: str(), queueId: int() };
export const UpdateConsumerOffsetRequest = { consumerGroup: str(), topic: str(), queueId: int(), commitOffset: long() };
export const OffsetResponse = { offset: long() };
export const TopicQueueRequest = { topic: str(), queueId: int() };
export const SearchOffsetRequest = { topic: str(), queueId: int(), timestamp: long() };
export const TimestampResponse = { timestamp: long() };

export const ConsumerSendMsgBackRequest = {
  offset: long(),
  group: str(),
  delayLevel: int(),
  originMsgId: optStr(),
  originTopic: optStr(),
  // Java clients always send it (a primitive); optional here so old clients' requests still decode.
  unitMode: optBool(),
  maxReconsumeTimes: optInt(),
};

export const EndTransactionRequest = {
  producerGroup: str(),
  tranStateTableOffset: long(),
  commitLogOffset: long(),
  commitOrRollback: int(),
  fromTransactionCheck: optBool(),
  msgId: str(),
  transactionId: optStr(),
};
export const CheckTransactionStateRequest = {
  tranStateTableOffset: long(),
  commitLogOffset: long(),
  msgId: optStr(),
  transactionId: optStr(),
  offsetMsgId: optStr(),
};
export const NotifyConsumerIdsChangedRequest = { consumerGroup: str() };

export const CreateTopicRequest = {
  topic: str(),
  defaultTopic: str(),
  readQueueNums: int(),
  writeQueueNums: int(),
  perm: int(),
  topicFilterType: str(),
  topicSysFlag: optInt(),
  order: bool(),
};
export const TopicRequest = { topic: str() };
export const DeleteSubscriptionGroupRequest = { groupName: str() };
export const GetConsumeStatsRequest = { consumerGroup: str(), topic: optStr() };
export const ProducerGroupRequest = { producerGroup: str() };
export const ResetOffsetRequest = { topic: str(), group: str(), timestamp: long(), isForce: bool() };
export const QueryConsumeTimeSpanRequest = { topic: str(), group: str() };
export const GetBrokerConfigResponse = { version: str() };
export const CloneGroupOffsetRequest = { srcGroup: str(), destGroup: str(), topic: optStr(), offline: optBool() };
export const QueryCorrectionOffsetRequest = { filterGroups: optStr(), compareGroup: str(), topic: str() };
export const ConsumerRunningInfoRequest = { consumerGroup: str(), clientId: str(), jstackEnable: optBool() };
export const ConsumeMessageDirectlyRequest = { consumerGroup: str(), clientId: optStr(), msgId: optStr(), brokerName: optStr() };
export const ViewBrokerStatsRequest = { statsName: str(), statsKey: str() };
export const GetMaxOffsetRequest = TopicQueueRequest;
export const EarliestMsgStoretimeRequest = TopicQueueRequest;
export const MinOffsetLong = { offset: optLong() };

/** GET_BROKER_CONSUME_STATS (317). */
export const GetConsumeStatsInBrokerRequest = { isOrder: bool() };
/** QUERY_CONSUME_QUEUE (321): Java marks no field, but always sends its primitives and the tool the topic. */
export const QueryConsumeQueueRequest = { topic: str(), queueId: int(), index: long(), count: int(), consumerGroup: optStr() };
