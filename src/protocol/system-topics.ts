/**
 * Topic names RocketMQ reserves (Java's TopicValidator and MixAll): the auto-create template,
 * the schedule and transaction topics, per-group retry and dead-letter topics, and the name rules
 * every topic must follow. Broker, store and client read them from here.
 */

/** Template a broker clones for a topic created on first send (autoCreateTopicEnable). */
export const TBW102 = 'TBW102';
export const AUTO_CREATE_TOPIC_KEY = TBW102;
export const SELF_TEST_TOPIC = 'SELF_TEST_TOPIC';
export const BENCHMARK_TOPIC = 'BenchmarkTest';
export const OFFSET_MOVED_EVENT = 'OFFSET_MOVED_EVENT';
/** Delayed messages wait here, queue = delay level − 1. */
export const SCHEDULE_TOPIC = 'SCHEDULE_TOPIC_XXXX';
export const TRANS_HALF_TOPIC = 'RMQ_SYS_TRANS_HALF_TOPIC';
export const TRANS_OP_HALF_TOPIC = 'RMQ_SYS_TRANS_OP_HALF_TOPIC';
/** The NameServer KV namespace of ordered topics' queue layout (`brokerName:queueNums;…`, Java NamesrvUtil). */
export const NAMESPACE_ORDER_TOPIC_CONFIG = 'ORDER_TOPIC_CONFIG';
export const RETRY_PREFIX = '%RETRY%';
export const DLQ_PREFIX = '%DLQ%';

export const retryTopic = (group: string): string => RETRY_PREFIX + group;
export const dlqTopic = (group: string): string => DLQ_PREFIX + group;
export const isRetryTopic = (topic: string): boolean => topic.startsWith(RETRY_PREFIX);
export const isDlqTopic = (topic: string): boolean => topic.startsWith(DLQ_PREFIX);

const BROKER_SYSTEM_TOPIC = /^(SCHEDULE_TOPIC_XXXX|RMQ_SYS_|SELF_TEST_TOPIC|BenchmarkTest|OFFSET_MOVED_EVENT|TBW102)/;

/**
 * Topics a broker lists for GET_SYSTEM_TOPIC_LIST_FROM_BROKER (besides its cluster and broker
 * name topics, which only the broker knows).
 */
export function isBrokerSystemTopic(topic: string): boolean {
  return BROKER_SYSTEM_TOPIC.test(topic);
}

const INTERNAL_MESSAGE_TOPIC = /^(rmq_sys_|RMQ_SYS_|SCHEDULE_TOPIC_XXXX$)/;

/** Topics whose messages are the broker's bookkeeping, not an application's (skipped when searching every topic for a message). */
export function isInternalMessageTopic(topic: string): boolean {
  return INTERNAL_MESSAGE_TOPIC.test(topic);
}

const TOPIC_NAME = /^[%|a-zA-Z0-9_-]+$/;

/** Why a topic name is unacceptable, or undefined when it is fine (Java's TopicValidator rules). */
export function invalidTopicReason(topic: string): string | undefined {
  if (!topic) return 'the topic name is empty';
  if (!TOPIC_NAME.test(topic)) return `the topic[${topic}] contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$`;
  if (Buffer.byteLength(topic) > 127) return `the topic[${topic}] is longer than 127 bytes`;
  return undefined;
}

/** The producer group every client with a consumer announces (Java MixAll.CLIENT_INNER_PRODUCER_GROUP). */
export const CLIENT_INNER_PRODUCER_GROUP = 'CLIENT_INNER_PRODUCER';

/** The subscription groups every broker creates for itself (Java's SubscriptionGroupManager). */
export const BUILT_IN_GROUPS: readonly string[] = ['TOOLS_CONSUMER', 'FILTERSRV_CONSUMER', 'SELF_TEST_C_GROUP', 'CID_ONS-HTTP-PROXY', 'CID_ONSAPI_PULL', 'CID_ONSAPI_PERMISSION', 'CID_ONSAPI_OWNER'];

const OTHER_SYSTEM_GROUPS = new Set(['__MONITOR_CONSUMER', CLIENT_INNER_PRODUCER_GROUP, 'DEFAULT_CONSUMER', OFFSET_MOVED_EVENT]);

/** A group of the system rather than of an application (built in, internal, or CID_RMQ_SYS_*). */
export function isSystemGroup(group: string): boolean {
  return BUILT_IN_GROUPS.includes(group) || OTHER_SYSTEM_GROUPS.has(group) || group.startsWith('CID_RMQ_SYS_');
}
