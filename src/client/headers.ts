/**
 * Custom headers of the broker requests a client sends and the responses it reads
 * (remoting-protocol §3.2–§3.3). Keys are the Java field names.
 */
// Field builders with an exported type (structurally the same as protocol/header.ts's, whose
// Field type is not exported), so the published package can emit declarations for these schemas.
export interface HeaderField<K extends 'string' | 'int' | 'long' | 'boolean', R extends boolean> {
  kind: K;
  required: R;
}
const str = (): HeaderField<'string', true> => ({ kind: 'string', required: true });
const optStr = (): HeaderField<'string', false> => ({ kind: 'string', required: false });
const int = (): HeaderField<'int', true> => ({ kind: 'int', required: true });
const optInt = (): HeaderField<'int', false> => ({ kind: 'int', required: false });
const long = (): HeaderField<'long', true> => ({ kind: 'long', required: true });
const bool = (): HeaderField<'boolean', true> => ({ kind: 'boolean', required: true });
const optBool = (): HeaderField<'boolean', false> => ({ kind: 'boolean', required: false });

/** SEND_MESSAGE_V2 / SEND_BATCH_MESSAGE: the one-letter names of SendMessageRequestHeaderV2. */
export const SendMessageRequestV2 = {
  a: str(), // producerGroup
  b: str(), // topic
  c: str(), // defaultTopic
  d: int(), // defaultTopicQueueNums
  e: int(), // queueId
  f: int(), // sysFlag
  g: long(), // bornTimestamp
  h: int(), // flag
  i: optStr(), // properties
  j: optInt(), // reconsumeTimes
  k: optBool(), // unitMode
  l: optInt(), // maxReconsumeTimes
  m: optBool(), // batch
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

export const QueryConsumerOffsetRequest = { consumerGroup: str(), topic: str(), queueId: int() };
export const UpdateConsumerOffsetRequest = { consumerGroup: str(), topic: str(), queueId: int(), commitOffset: long() };
export const OffsetResponse = { offset: long() };
export const QueueRequest = { topic: str(), queueId: int() };
export const SearchOffsetRequest = { topic: str(), queueId: int(), timestamp: long() };
export const ConsumerGroupRequest = { consumerGroup: str() };
export const UnregisterClientRequest = { clientID: str(), producerGroup: optStr(), consumerGroup: optStr() };

export const ConsumerSendMsgBackRequest = {
  offset: long(),
  group: str(),
  delayLevel: int(),
  originMsgId: optStr(),
  originTopic: optStr(),
  unitMode: bool(),
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

export const ResetOffsetRequest = { topic: str(), group: str(), timestamp: long(), isForce: bool() };

export const QueryMessageRequest = { topic: str(), key: str(), maxNum: int(), beginTimestamp: long(), endTimestamp: long() };
export const ViewMessageRequest = { offset: long() };

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
export const GroupNameRequest = { groupName: str() };
export const ConsumeStatsRequest = { consumerGroup: str(), topic: optStr() };
export const ProducerGroupRequest = { producerGroup: str() };
export const QueryConsumeTimeSpanRequest = { topic: str(), group: str() };
export const DeleteTopicInNamesrvRequest = { topic: str(), clusterName: optStr() };
export const BrokerNameRequest = { brokerName: str() };
export const WipeWritePermResponse = { wipeTopicCount: optInt() };
export const AddWritePermResponse = { addTopicCount: optInt() };
export const KVRequest = { namespace: str(), key: str(), value: optStr() };
export const KVResponse = { value: optStr() };
export const NamespaceRequest = { namespace: str() };
export const ClusterRequest = { cluster: str() };
export const RouteRequest = { topic: str() };
