/** Producer options and their defaults (Java DefaultMQProducer's). */
import { AUTO_CREATE_TOPIC_KEY } from '../../protocol/system-topics.js';
import type { FaultStrategyOptions } from '../fault.js';
import type { ClientInstance } from '../instance.js';
import type { ClientOptions } from './client.js';
import { withDefaults } from './resolve.js';

export interface ProducerOptions extends ClientOptions {
  /** Producer group (Java DEFAULT_PRODUCER). */
  producerGroup?: string;
  /** Overall timeout of one send, retries included (Java `sendMsgTimeout` 3000). */
  sendMsgTimeout?: number;
  /** Bodies of at least this many bytes are zlib-compressed (Java 4096). */
  compressMsgBodyOverHowmuch?: number;
  /** zlib level of compressed bodies (Java 5). */
  compressLevel?: number;
  /** Extra attempts after a failed send, each on another broker when possible (Java 2). */
  retryTimesWhenSendFailed?: number;
  /** Also retry when the broker stored the message but flush/replication timed out (Java false). */
  retryAnotherBrokerWhenNotStoreOK?: boolean;
  /** Largest body (or batch) accepted (Java 4 MiB). */
  maxMessageSize?: number;
  /** Topic whose route is used for topics the NameServer does not know (auto-creation; Java TBW102). */
  createTopicKey?: string;
  /** Queues of a topic created on first send (Java 4). */
  defaultTopicQueueNums?: number;
  /** Skip brokers that were slow or failing (default true). */
  sendLatencyFaultEnable?: boolean;
  faultStrategy?: FaultStrategyOptions;
  /** Share an existing client instance (its lifecycle stays with its owner). */
  client?: ClientInstance;
}

export const PRODUCER_DEFAULTS = {
  producerGroup: 'DEFAULT_PRODUCER',
  sendMsgTimeout: 3000,
  compressMsgBodyOverHowmuch: 4096,
  compressLevel: 5,
  retryTimesWhenSendFailed: 2,
  retryAnotherBrokerWhenNotStoreOK: false,
  maxMessageSize: 4 * 1024 * 1024,
  createTopicKey: AUTO_CREATE_TOPIC_KEY,
  defaultTopicQueueNums: 4,
  sendLatencyFaultEnable: true,
};

export type ResolvedProducerOptions = Omit<ProducerOptions, keyof typeof PRODUCER_DEFAULTS> & Required<typeof PRODUCER_DEFAULTS>;

export function resolveProducerOptions(options: ProducerOptions): ResolvedProducerOptions {
  return withDefaults(PRODUCER_DEFAULTS, options);
}
