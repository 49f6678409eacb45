/** Public surface of the Apogee RocketMQ client SDK. */
export { Producer, selectByHash, publishQueues, RETRYABLE_SEND_CODES } from './producer.js';
export type { ProducerOptions, SendResult, SendStatus, SendOptions, QueueSelector } from './producer.js';
export { TransactionProducer } from './transaction.js';
export type { TransactionListener, TransactionProducerOptions, TransactionSendResult, LocalTransactionState } from './transaction.js';
export { PushConsumer, parseConsumeTimestamp } from './push-consumer.js';
export { retryTopic } from '../protocol/system-topics.js';
export type {
  PushConsumerOptions,
  ConcurrentListener,
  OrderlyListener,
  ConsumeConcurrentlyStatus,
  ConsumeOrderlyStatus,
  ConsumeConcurrentlyContext,
  ConsumeOrderlyContext,
} from './push-consumer.js';
export { PullConsumer } from './pull-consumer.js';
export type { PullConsumerOptions } from './pull-consumer.js';
export type { PullResult, PullStatus } from './consumer-api.js';
export { Admin } from './admin.js';
export type { AdminOptions, CreateTopicOptions } from './admin.js';
export { ClientInstance, parseNamesrvAddr, DIAGNOSTICS_CHANNEL } from './instance.js';
export type { ClientOptions, DiagnosticEvent } from './instance.js';
export { allocateAveragely, allocateByCircle, allocateConsistentHash, allocateByConfig } from './allocate.js';
export type { AllocateStrategy } from './allocate.js';
export { LatencyFaultTolerance } from './fault.js';
export { aclSignature, signRequest } from './acl.js';
export type { AclCredentials } from './acl.js';
export type { Message, MessageExt, MessageQueue } from './message.js';
export { mqKey, decodeMessages, UniqueIdGenerator, decodeUniqueId } from './message.js';
export type { MessageModel, ConsumeFromWhere } from '../protocol/bodies/heartbeat.js';
export type { ExpressionType, SubscriptionData } from '../protocol/bodies/subscription.js';
export type { ConsumeStats, TopicOffset } from '../protocol/bodies/consume-stats.js';
export type { ConsumerConnection } from '../protocol/bodies/consumer-connection.js';
export type { ConsumerRunningInfo, ProcessQueueInfo, ConsumeStatus } from '../protocol/bodies/running-info.js';
export type { SubscriptionGroupConfig } from './admin.js';
export { MQClientError, MQBrokerError, NoRouteError, ClientStateError, MessageError, ClientTimeoutError } from './errors.js';
export { ResponseCode } from '../protocol/response-code.js';
export { TransportError, RequestTimeoutError, ConnectionClosedError } from '../transport/errors.js';
export type { TopicRouteData, ClusterInfo } from '../protocol/route.js';
