import type { Logger } from '../common/logger.js';
import type { MessageStore } from '../store/index.js';
import type { BrokerConfig } from './config.js';
import type { TopicTable } from './metadata/topics.js';
import type { SubscriptionGroups } from './metadata/subscription-groups.js';
import type { ConsumerOffsets, DelayOffsets } from './metadata/offset-tables.js';
import type { ClientRegistry } from './clients.js';
import type { PullHold } from './pull-hold.js';
import type { OrderLocks } from './order-locks.js';
import type { TrafficCounters } from './traffic.js';
import type { BrokerStatsTable } from './stats-table.js';

/** What the broker's request processors share. One instance per broker. */
export interface BrokerContext {
  config: BrokerConfig;
  store: MessageStore;
  topics: TopicTable;
  groups: SubscriptionGroups;
  offsets: ConsumerOffsets;
  delayOffsets: DelayOffsets;
  clients: ClientRegistry;
  pullHold: PullHold;
  locks: OrderLocks;
  log: Logger;
  /** MQVersion ordinal in our responses. */
  version: number;
  /** `brokerIP1:listenPort`, the address registered with NameServers. */
  brokerAddr: string;
  delayLevels: readonly number[];
  /** False while draining, or when the NameServer wiped our write permission, or brokerPermission forbids it. */
  isWritable(): boolean;
  isReadable(): boolean;
  isMaster(): boolean;
  /** Re-registers with every NameServer (oneway after topic auto-creation, as Java does). */
  registerBroker(oneway: boolean, onlyTopics?: string[]): void;
  notifyConsumerIdsChanged(group: string): void;
  /**
   * SYNC_MASTER: waits until a slave has the bytes up to `endOffset`. Returns the response code a
   * stored message gets instead of SUCCESS (SLAVE_NOT_AVAILABLE, FLUSH_SLAVE_TIMEOUT), if any.
   */
  /** A SYNC_MASTER's wait for its slave (a response code when it failed); undefined when there is none to wait for. */
  awaitReplication(endOffset: number): Promise<number | undefined> | undefined;
  stats: BrokerStats;
  /** Per-topic and per-group counters (VIEW_BROKER_STATS_DATA). */
  statsTable: BrokerStatsTable;
}

export interface BrokerStats {
  bootTimestamp: number;
  putMessages: number;
  putBytes: number;
  getFound: number;
  getMiss: number;
  getTransferred: number;
  /** Per-topic and per-group totals behind the metrics endpoint. */
  traffic: TrafficCounters;
}

export const FAQ = '\nSee http://rocketmq.apache.org/docs/faq/ for further details.';
