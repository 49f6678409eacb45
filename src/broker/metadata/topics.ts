/**
 * The broker's topic table (topics.json): system topics created at every start, user topics,
 * auto-creation from TBW102, and the DataVersion the NameServers compare.
 */
import { PERM_INHERIT, PERM_READ, PERM_WRITE } from '../../protocol/perm.js';
import type { DataVersion } from '../../protocol/data-version.js';
import { topicConfig, type TopicConfig } from '../../protocol/bodies/topic-config.js';
import { BENCHMARK_TOPIC, OFFSET_MOVED_EVENT, SELF_TEST_TOPIC, TBW102 } from '../../protocol/system-topics.js';
import type { StoreConfigFiles } from './config-files.js';

// New code imports protocol/system-topics.js; these re-exports serve the send path's existing imports.
export {
  TBW102,
  SELF_TEST_TOPIC,
  BENCHMARK_TOPIC,
  OFFSET_MOVED_EVENT,
  SCHEDULE_TOPIC,
  TRANS_HALF_TOPIC,
  TRANS_OP_HALF_TOPIC,
  RETRY_PREFIX,
  DLQ_PREFIX,
  retryTopic,
  dlqTopic,
  invalidTopicReason,
} from '../../protocol/system-topics.js';
export { topicConfig };

export interface TopicTableOptions {
  files: StoreConfigFiles;
  clusterName: string;
  brokerName: string;
  autoCreateTopicEnable: boolean;
  clusterTopicEnable: boolean;
  brokerTopicEnable: boolean;
  defaultTopicQueueNums: number;
}

export class TopicTable {
  private readonly table = new Map<string, TopicConfig>();
  dataVersion: DataVersion = { timestamp: Date.now(), counter: 0 };

  constructor(private readonly options: TopicTableOptions) {
    const sys = (name: string, r: number, w: number, perm: number): void => void this.table.set(name, topicConfig(name, { readQueueNums: r, writeQueueNums: w, perm }));
    sys(SELF_TEST_TOPIC, 1, 1, PERM_READ | PERM_WRITE);
    if (options.autoCreateTopicEnable) {
      sys(TBW102, options.defaultTopicQueueNums, options.defaultTopicQueueNums, PERM_READ | PERM_WRITE | PERM_INHERIT);
    }
    sys(BENCHMARK_TOPIC, 1024, 1024, PERM_READ | PERM_WRITE);
    sys(options.clusterName, 16, 16, PERM_INHERIT | (options.clusterTopicEnable ? PERM_READ | PERM_WRITE : 0));
    sys(options.brokerName, 1, 1, PERM_INHERIT | (options.brokerTopicEnable ? PERM_READ | PERM_WRITE : 0));
    sys(OFFSET_MOVED_EVENT, 1, 1, PERM_READ | PERM_WRITE);
  }

  /** Built-in topics are created at every start, then overlaid with the file's content (as Java). */
  load(): void {
    const file = this.options.files.loadTopics();
    if (!file) return;
    for (const [name, tc] of file.topicConfigTable) this.table.set(name, tc);
    this.dataVersion = file.dataVersion;
  }

  /** Writes topics.json: in the background, or now (`sync`, at shutdown). */
  persist(sync = false): void {
    this.options.files.saveTopics({ dataVersion: this.dataVersion, topicConfigTable: this.table }, !sync);
  }

  get(topic: string): TopicConfig | undefined {
    return this.table.get(topic);
  }

  all(): Map<string, TopicConfig> {
    return this.table;
  }

  /**
   * The permissions this broker registers its topics with changed (brokerPermission, a drain, a
   * wipe): a new version makes NameServers take the new queue permissions, which they otherwise
   * keep until the topic table's version changes (Java bumps it the same way).
   */
  nextVersion(): void {
    this.changed();
  }

  private changed(): void {
    this.dataVersion = { timestamp: Date.now(), counter: this.dataVersion.counter + 1 };
    this.persist();
  }

  put(tc: TopicConfig): void {
    this.table.set(tc.topicName, tc);
    this.changed();
  }

  delete(topic: string): boolean {
    if (!this.table.delete(topic)) return false;
    this.changed();
    return true;
  }

  /**
   * A send to an unknown topic: clone it from `defaultTopic` (TBW102) when that template exists and
   * is inheritable, as Java's createTopicInSendMessageMethod does. Returns undefined when refused.
   */
  createFromTemplate(topic: string, defaultTopic: string, clientQueueNums: number, sysFlag: number): TopicConfig | undefined {
    const existing = this.table.get(topic);
    if (existing) return existing;
    const template = this.table.get(defaultTopic);
    if (!template || (template.perm & PERM_INHERIT) === 0) return undefined;
    if (defaultTopic === TBW102 && !this.options.autoCreateTopicEnable) return undefined;
    const queues = Math.max(1, Math.min(clientQueueNums, template.writeQueueNums));
    const tc = topicConfig(topic, { readQueueNums: queues, writeQueueNums: queues, perm: template.perm & ~PERM_INHERIT, topicSysFlag: sysFlag });
    this.put(tc);
    return tc;
  }

  /** A slave takes its master's whole table and version. */
  replaceAll(configs: TopicConfig[], dataVersion: DataVersion): void {
    this.table.clear();
    for (const tc of configs) this.table.set(tc.topicName, tc);
    this.dataVersion = dataVersion;
    this.persist();
  }

  /** Retry, DLQ and transaction topics the broker creates for itself. */
  createSystemTopic(topic: string, queues: number, perm: number): { config: TopicConfig; created: boolean } {
    const existing = this.table.get(topic);
    if (existing) return { config: existing, created: false };
    const tc = topicConfig(topic, { readQueueNums: queues, writeQueueNums: queues, perm });
    this.put(tc);
    return { config: tc, created: true };
  }
}
