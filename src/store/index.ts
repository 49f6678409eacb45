/**
 * The store's only entry point from outside src/store: the facade, its value types, configuration,
 * errors and the few layout helpers tools and tests need. Code outside the store imports this file.
 */
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
} from './store-types.js';
export { defaultStoreConfig, resolveStoreConfig, applyStoreProperties, parseDelayLevels, StoreConfigSpec } from './config.js';
export type { StoreConfig, FlushDiskType, BrokerRole } from './config.js';
export { StoreError, PutRefusedError, StoreLockedError, StoreLayoutError } from './errors.js';
export type { PutMessageStatus } from './errors.js';
export { SCHEDULE_TOPIC, tagsCodeOf } from './dispatch-request.js';
export { offsetToFileName } from './mapped-file.js';
export { indexFileName, indexKeyHash } from './index-file.js';
