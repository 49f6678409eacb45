/**
 * Broker settings: RocketMQ's BrokerConfig / NettyServerConfig property names and defaults. Store
 * settings (MessageStoreConfig names) live in src/store/config.ts; one properties file feeds both.
 */
import { isIP } from 'node:net';
import { defaults, MetricsConfigSpec, type ConfigOf, type ConfigSpec } from '../common/config.js';
import { isWildcardAddress, localIPv4Address } from '../common/net-address.js';
import { LogConfigSpec } from '../common/log-config.js';

/** Every record stores its broker's address as IP bytes (STOREHOST), so a host name cannot work. */
const ipAddress = (v: string | number | boolean): string | undefined =>
  v === '' || isIP(String(v)) !== 0 ? undefined : 'an IPv4 or IPv6 address (not a host name), or empty for the default';

export const BrokerConfigSpec = {
  brokerClusterName: { kind: 'string', default: 'DefaultCluster' },
  brokerName: { kind: 'string', default: 'broker-a', doc: 'Java defaults to the host name; Apogee to broker-a' },
  brokerId: { kind: 'long', default: 0, min: 0, doc: '0 = master, > 0 = slave' },
  brokerIP1: {
    kind: 'string',
    default: '',
    doc: "address registered with NameServers and stored as STOREHOST; empty = bindAddress if that is one address, else the host's first non-loopback IPv4 (as Java)",
    check: ipAddress,
  },
  brokerIP2: { kind: 'string', default: '', doc: 'HA address for slaves; defaults to brokerIP1', check: ipAddress },
  listenPort: {
    kind: 'int',
    default: 10911,
    min: 0,
    max: 65534,
    doc: 'main port; the VIP port is listenPort − 2, HA listenPort + 1 (0 = pick free ports)',
    // The VIP port (listenPort − 2) must be a real port too.
    check: (v) => (v === 1 || v === 2 ? 'integers 0 (pick free ports) or 3 to 65534 (the VIP port is listenPort - 2)' : undefined),
  },
  bindAddress: { kind: 'string', default: '0.0.0.0', doc: 'address to listen on (Apogee)' },
  namesrvAddr: { kind: 'string', default: '', doc: 'NameServers, separated by ;' },
  rocketmqHome: { kind: 'string', default: '', doc: 'data directory; defaults to $APOGEE_HOME or <project>/data' },
  brokerPermission: { kind: 'int', default: 6, min: 0, max: 7 },
  defaultTopicQueueNums: { kind: 'int', default: 8 },
  autoCreateTopicEnable: { kind: 'boolean', default: true },
  clusterTopicEnable: { kind: 'boolean', default: true },
  brokerTopicEnable: { kind: 'boolean', default: true },
  autoCreateSubscriptionGroup: { kind: 'boolean', default: true },
  registerNameServerPeriod: { kind: 'int', default: 30000 },
  registerBrokerTimeoutMills: { kind: 'int', default: 6000 },
  longPollingEnable: { kind: 'boolean', default: true },
  shortPollingTimeMills: { kind: 'long', default: 1000 },
  longPollingMaxMs: { kind: 'long', default: 15000, doc: 'Apogee: the longest a pull is held, whatever the client asks' },
  pullCheckIntervalMs: { kind: 'long', default: 1000, doc: 'Apogee: how often held pulls are re-checked (Java: 5 s)' },
  notifyConsumerIdsChangedEnable: { kind: 'boolean', default: true },
  flushConsumerOffsetInterval: { kind: 'int', default: 5000 },
  channelExpiredTimeout: { kind: 'long', default: 120000, doc: 'Apogee: ms without heartbeat before a client is dropped' },
  serverChannelMaxIdleTimeSeconds: { kind: 'int', default: 120 },
  rejectTransactionMessage: { kind: 'boolean', default: false },
  transactionTimeOut: { kind: 'long', default: 6000 },
  transactionCheckMax: { kind: 'int', default: 15 },
  transactionCheckInterval: { kind: 'long', default: 60000 },
  enablePropertyFilter: { kind: 'boolean', default: false },
  slaveReadEnable: { kind: 'boolean', default: false },
  traceOn: { kind: 'boolean', default: true },
  regionId: { kind: 'string', default: 'DefaultRegion' },
  lockMaxLiveTime: { kind: 'long', default: 60000, doc: 'orderly-consumer queue lock lifetime (Java system property)' },
  maxReconsumeTimesDefault: { kind: 'int', default: 16, doc: 'Apogee: retryMaxTimes of auto-created groups' },
  registerVersion: { kind: 'int', default: 137, doc: 'Apogee: MQVersion sent in REGISTER_BROKER; 137 (V3_5_8) is accepted by 3.5.x and 4.x NameServers' },
  drainTimeoutMs: { kind: 'long', default: 30000, doc: 'Apogee: longest a stop waits for in-flight work' },
  haMasterAddress: { kind: 'string', default: '', doc: "a slave's fixed master HA address; else taken from registration replies" },
  haSendHeartbeatInterval: { kind: 'int', default: 5000 },
  haHousekeepingInterval: { kind: 'int', default: 20000 },
  haSlaveFallbehindMax: { kind: 'long', default: 268435456 },
  legacyConfigDir: { kind: 'string', default: '', doc: "Apogee: where a 3.5.8 store's topics.json / subscriptionGroup.json live (3.5.8 used ~/store/config); read when the store has none" },
  slaveSyncIntervalMs: { kind: 'long', default: 60000, doc: "Apogee: how often a slave copies its master's topics, groups and offsets (Java: 60 s)" },
  // Logging (apogeeLog*): level, per-component levels, format, file and rotation.
  ...LogConfigSpec,
  ...MetricsConfigSpec,
} satisfies ConfigSpec;

export type BrokerConfig = ConfigOf<typeof BrokerConfigSpec>;

export function brokerDefaults(): BrokerConfig {
  return defaults(BrokerConfigSpec);
}

/**
 * The address a broker registers when brokerIP1 is not set: a broker bound to one address is
 * reachable only there (`apogee start` and tests bind 127.0.0.1); a broker on every interface
 * registers the host's address as Java does, so other hosts can reach it.
 */
export function defaultBrokerIP(bindAddress: string): string {
  return isWildcardAddress(bindAddress) ? localIPv4Address() : bindAddress;
}

/** What `mqbroker -m` prints. */
export const IMPORTANT_KEYS = [
  'brokerClusterName', 'brokerName', 'brokerId', 'brokerIP1', 'listenPort', 'namesrvAddr', 'brokerRole',
  'flushDiskType', 'storePathRootDir', 'storePathCommitLog', 'autoCreateTopicEnable', 'messageDelayLevel',
] as const;
