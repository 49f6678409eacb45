/**
 * `startCluster(brokerConfig, storeProperties)`: the launcher's in-process NameServer + broker under the
 * name most broker and client tests read best. Always call stop().
 */
import type { BrokerConfig } from '../../src/broker/config.js';
import { launch, type InProcessCluster } from '../../src/testing/launcher.js';

export type TestCluster = InProcessCluster;

export function startCluster(broker: Partial<BrokerConfig> = {}, store: Record<string, string> = {}, options: { home?: string; keepHome?: boolean } = {}): Promise<TestCluster> {
  return launch({ mode: 'in-process', broker, store, ...options });
}
