import type { RouteInfo } from './route-info.js';
import type { KVConfig } from './kv-config.js';
import type { NamesrvConfig } from './config.js';
import type { Logger } from '../common/logger.js';

/** What NameServer request processors share. */
export interface NamesrvContext {
  routes: RouteInfo;
  kv: KVConfig;
  config: NamesrvConfig;
  /** Applies a properties body to the live config and persists it. */
  updateConfig(text: string): void;
  log: Logger;
  version: number;
}

export const ORDER_TOPIC_CONFIG_NAMESPACE = 'ORDER_TOPIC_CONFIG';
