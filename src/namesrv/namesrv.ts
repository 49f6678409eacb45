/** The NameServer: a stateless route registry that accepts brokers and clients of every version. */
import { RemotingServer } from '../transport/server.js';
import { logger } from '../common/logger.js';
import { applyChangedLogLevels } from '../common/log-config.js';
import { applyProperties, configEntries } from '../common/config.js';
import { formatProperties, parseProperties } from '../common/properties.js';
import { writeFileAtomic } from '../common/json-file.js';
import { SERVER_VERSION } from '../protocol/version.js';
import { PRODUCT_RELEASE } from '../common/release.js';
import { NAMESRV_READ_ONLY, NamesrvConfigSpec, resolveNamesrvPaths, type NamesrvConfig } from './config.js';
import { RouteInfo } from './route-info.js';
import { KVConfig } from './kv-config.js';
import type { NamesrvContext } from './context.js';
import { registrationProcessors } from './processors/registration.js';
import { routeProcessors } from './processors/routes.js';
import { kvProcessors } from './processors/kv.js';
import { RequestTimings } from '../transport/request-timings.js';
import { MetricsEndpoint } from '../metrics/http-endpoint.js';
import { exposition } from '../metrics/collect.js';
import { metricsPortFor, validateConfig } from '../common/config.js';
import { namesrvMetrics } from './metrics.js';

export class NameServer {
  readonly config: NamesrvConfig;
  readonly routes: RouteInfo;
  private readonly kv: KVConfig;
  private readonly server: RemotingServer;
  private readonly log = logger('namesrv');
  private scanTimer: NodeJS.Timeout | undefined;
  private readonly timings = new RequestTimings();
  private endpoint: MetricsEndpoint | undefined;
  private listening = false;

  constructor(config: NamesrvConfig, options: { now?: () => number } = {}) {
    this.config = resolveNamesrvPaths(config);
    validateConfig(NamesrvConfigSpec, this.config, ['listenPort', 'metricsExporterType', 'metricsPromExporterPort']);
    this.routes = new RouteInfo(options.now);
    this.kv = new KVConfig(this.config.kvConfigPath);
    this.server = new RemotingServer({
      host: this.config.bindAddress,
      port: this.config.listenPort,
      version: SERVER_VERSION,
      idleTimeoutMs: this.config.serverChannelMaxIdleTimeSeconds * 1000,
      maxFrameLength: this.config.serverSocketMaxFrameLength,
      name: 'namesrv',
      timings: this.config.metricsExporterType === 'DISABLE' ? undefined : this.timings,
    });
    const ctx: NamesrvContext = {
      routes: this.routes,
      kv: this.kv,
      config: this.config,
      updateConfig: (text) => this.updateConfig(text),
      log: this.log,
      version: SERVER_VERSION,
    };
    for (const table of [registrationProcessors(ctx), routeProcessors(ctx), kvProcessors(ctx)]) {
      for (const [code, p] of table) this.server.register(code, p);
    }
    this.server.on('disconnect', (conn) => {
      for (const addr of this.routes.onConnectionClosed(conn)) this.log.info(`broker ${addr} removed: connection closed`);
    });
  }

  get port(): number {
    return this.server.port;
  }

  get address(): string {
    const host = this.config.bindAddress === '0.0.0.0' ? '127.0.0.1' : this.config.bindAddress;
    return `${host}:${this.port}`;
  }

  /** host:port of the metrics and health endpoint, if it is on. */
  get metricsAddress(): string | undefined {
    return this.endpoint?.address;
  }

  async start(): Promise<void> {
    this.kv.load();
    await this.server.listen();
    if (this.config.metricsExporterType === 'PROM') {
      const registry = namesrvMetrics({ routes: this.routes, timings: this.timings, nodeId: this.address, ready: () => this.listening });
      this.endpoint = new MetricsEndpoint(
        { host: this.config.metricsPromExporterHost || this.config.bindAddress, port: metricsPortFor(this.config.listenPort, this.config.metricsPromExporterPort), what: 'NameServer metrics', log: this.log },
        {
          metrics: () => exposition(registry),
          notReadyReason: () => (this.listening ? undefined : 'not listening'),
        },
      );
      try {
        await this.endpoint.listen();
      } catch (err) {
        await this.server.close(0);
        throw err;
      }
    }
    this.listening = true;
    this.scanTimer = setInterval(() => this.scanNotActiveBrokers(), this.config.scanNotActiveBrokerInterval);
    this.scanTimer.unref();
    const metricsAt = this.endpoint ? `, metrics http://${this.endpoint.address}/metrics` : '';
    this.log.info(`NameServer (${PRODUCT_RELEASE}) listening on ${this.config.bindAddress}:${this.port}${metricsAt}`);
  }

  scanNotActiveBrokers(): void {
    for (const addr of this.routes.expire(this.config.brokerChannelExpiredTime)) {
      this.log.warn(`broker ${addr} removed: no registration for ${this.config.brokerChannelExpiredTime} ms`);
    }
  }

  private updateConfig(text: string): void {
    const { changed } = applyProperties(NamesrvConfigSpec, this.config, parseProperties(text), {
      readOnly: NAMESRV_READ_ONLY,
    });
    if (changed.length === 0) return;
    applyChangedLogLevels(this.config, changed);
    writeFileAtomic(this.config.configStorePath, formatProperties(configEntries(NamesrvConfigSpec, this.config)));
    this.log.info(`config updated: ${changed.join(', ')}`);
  }

  async shutdown(): Promise<void> {
    if (this.scanTimer) clearInterval(this.scanTimer);
    this.listening = false;
    await this.server.close();
    await this.endpoint?.close();
    this.log.info('NameServer stopped');
  }
}
