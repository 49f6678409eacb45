/** Admin client options and the defaults of its calls (Java MQAdminImpl's and mqadmin updateTopic's). */
import type { SubscriptionGroupConfig as GroupConfig } from '../../protocol/bodies/subscription-group.js';
import { PERM_READ, PERM_WRITE } from '../../protocol/perm.js';
import type { ClientInstance } from '../instance.js';
import type { ClientOptions } from './client.js';
import { withDefaults } from './resolve.js';

export interface AdminOptions extends ClientOptions {
  /** Timeout of admin calls (Java MQAdminImpl 6000). */
  adminTimeoutMs?: number;
  client?: ClientInstance;
}

export const ADMIN_DEFAULTS = {
  adminTimeoutMs: 6000,
};

export type ResolvedAdminOptions = Omit<AdminOptions, keyof typeof ADMIN_DEFAULTS> & Required<typeof ADMIN_DEFAULTS>;

export function resolveAdminOptions(options: AdminOptions): ResolvedAdminOptions {
  return withDefaults(ADMIN_DEFAULTS, options);
}

export interface CreateTopicOptions {
  readQueueNums?: number;
  writeQueueNums?: number;
  perm?: number;
  order?: boolean;
  topicSysFlag?: number;
  topicFilterType?: 'SINGLE_TAG' | 'MULTI_TAG';
  /** Create on every master of this cluster (default: every master of every cluster). */
  clusterName?: string;
  /** Create on exactly this broker address. */
  brokerAddr?: string;
}

/** mqadmin updateTopic's: 8 read and 8 write queues, read-write. */
export const CREATE_TOPIC_DEFAULTS = {
  readQueueNums: 8,
  writeQueueNums: 8,
  perm: PERM_READ | PERM_WRITE,
  order: false,
  topicSysFlag: 0,
  topicFilterType: 'SINGLE_TAG' as 'SINGLE_TAG' | 'MULTI_TAG',
};

export function resolveCreateTopicOptions(options: CreateTopicOptions): Omit<CreateTopicOptions, keyof typeof CREATE_TOPIC_DEFAULTS> & Required<typeof CREATE_TOPIC_DEFAULTS> {
  return withDefaults(CREATE_TOPIC_DEFAULTS, options);
}

/** A group's settings to create or update: what is left out gets Java's defaults. */
export type SubscriptionGroupConfig = Partial<GroupConfig> & { groupName: string };
