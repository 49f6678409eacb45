/**
 * Custom headers of the requests a client sends and the responses it reads. The schemas are the
 * protocol's own, shared with the servers; the client keeps its names.
 */
export type { HeaderField } from '../protocol/header.js';
export {
  SendMessageRequestV2,
  SendMessageResponse,
  PullMessageRequest,
  PullMessageResponse,
  QueryConsumerOffsetRequest,
  UpdateConsumerOffsetRequest,
  OffsetResponse,
  TopicQueueRequest as QueueRequest,
  SearchOffsetRequest,
  ConsumerGroupRequest,
  UnregisterClientRequest,
  ConsumerSendMsgBackRequest,
  EndTransactionRequest,
  CheckTransactionStateRequest,
  ResetOffsetRequest,
  QueryMessageRequest,
  ViewMessageRequest,
  CreateTopicRequest,
  TopicRequest,
  DeleteSubscriptionGroupRequest as GroupNameRequest,
  GetConsumeStatsRequest as ConsumeStatsRequest,
  ProducerGroupRequest,
  QueryConsumeTimeSpanRequest,
  CloneGroupOffsetRequest,
  ConsumerRunningInfoRequest,
} from '../protocol/broker-headers.js';
export {
  DeleteTopicInNamesrvRequest,
  WipeWritePermRequest as BrokerNameRequest,
  WipeWritePermResponse,
  AddWritePermResponse,
  KVRequest,
  GetKVConfigResponse as KVResponse,
  GetKVListByNamespaceRequest as NamespaceRequest,
  GetTopicsByClusterRequest as ClusterRequest,
  GetRouteInfoRequest as RouteRequest,
} from '../protocol/namesrv-headers.js';
