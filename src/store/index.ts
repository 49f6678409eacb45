/** Public surface of the store for the broker and replication. */
export { MessageStore } from './store.js';
export type {
  MessageInput,
  ParsedMessageInput,
  PutResult,
  AppendedRecord,
  GetMessageResult,
  GetMessageStatus,
  TagsCodeFilter,
  QueryMessageResult,
  StoreOptions,
  RecoveryReport,
} from './store.js';
export { defaultStoreConfig, resolveStoreConfig, applyStoreProperties, parseDelayLevels } from './config.js';
export type { StoreConfig, FlushDiskType, BrokerRole } from './config.js';
export { StoreError, PutRefusedError, StoreLockedError, StoreLayoutError } from './errors.js';
export type { PutMessageStatus } from './errors.js';
export { SCHEDULE_TOPIC, tagsCodeOf } from './dispatch.js';
export {
  StoreConfigFiles,
  ConfigFileError,
  readConfigFile,
  writeConfigFile,
  formatPrettyFastJson,
  legacyConfigDir,
} from './config-files.js';
export type {
  TopicConfig,
  SubscriptionGroupConfig,
  TopicsFile,
  SubscriptionGroupsFile,
  ConsumerOffsetTable,
  DelayOffsetTable,
  DataVersion,
} from './config-files.js';
export { offsetToFileName } from './mapped-file.js';
export { indexFileName, indexKeyHash } from './index-file.js';
