/** NameServer settings: RocketMQ's NamesrvConfig / NettyServerConfig property names and defaults. */
import { join } from 'node:path';
import { defaults, MetricsConfigSpec, type ConfigOf, type ConfigSpec } from '../common/config.js';
import { defaultDataDir } from '../common/paths.js';
import { LOG_START_ONLY_KEYS, LogConfigSpec } from '../common/log-config.js';

export const NamesrvConfigSpec = {
  listenPort: { kind: 'int', default: 9876, min: 0, max: 65535, doc: 'TCP port of the NameServer (0 = a free port)' },
  bindAddress: { kind: 'string', default: '0.0.0.0', doc: 'address to listen on (Apogee)' },
  rocketmqHome: { kind: 'string', default: '', doc: 'data directory; defaults to $APOGEE_HOME or <project>/data' },
  kvConfigPath: { kind: 'string', default: '', doc: 'kvConfig.json path; defaults to <home>/namesrv/kvConfig.json' },
  configStorePath: { kind: 'string', default: '', doc: 'namesrv.properties path for updated config' },
  productEnvName: { kind: 'string', default: 'center' },
  clusterTest: { kind: 'boolean', default: false },
  orderMessageEnable: { kind: 'boolean', default: false, doc: 'attach ORDER_TOPIC_CONFIG to routes' },
  serverChannelMaxIdleTimeSeconds: { kind: 'int', default: 120, doc: 'close idle connections after this' },
  serverSocketMaxFrameLength: { kind: 'int', default: 16777216, min: 1024, doc: 'largest accepted frame (Apogee)' },
  brokerChannelExpiredTime: { kind: 'long', default: 120000, doc: 'ms without registration before a broker is dropped (Apogee; Java fixes 120 s)' },
  scanNotActiveBrokerInterval: { kind: 'long', default: 10000, doc: 'ms between expiry scans (Apogee; Java fixes 10 s)' },
  // Logging (apogeeLog*): level, per-component levels, format, file and rotation.
  ...LogConfigSpec,
  ...MetricsConfigSpec,
} satisfies ConfigSpec;

export type NamesrvConfig = ConfigOf<typeof NamesrvConfigSpec>;

export function namesrvDefaults(): NamesrvConfig {
  return defaults(NamesrvConfigSpec);
}

/** Fills in paths derived from the home directory. */
export function resolveNamesrvPaths(c: NamesrvConfig): NamesrvConfig {
  const home = c.rocketmqHome || defaultDataDir();
  return {
    ...c,
    rocketmqHome: home,
    kvConfigPath: c.kvConfigPath || join(home, 'namesrv', 'kvConfig.json'),
    configStorePath: c.configStorePath || join(home, 'namesrv', 'namesrv.properties'),
  };
}

/** Paths, the ports and the log's destination and format cannot change while running. */
export const NAMESRV_READ_ONLY = new Set(['listenPort', 'bindAddress', 'rocketmqHome', 'kvConfigPath', 'configStorePath', 'metricsExporterType', 'metricsPromExporterHost', 'metricsPromExporterPort', ...LOG_START_ONLY_KEYS]);
