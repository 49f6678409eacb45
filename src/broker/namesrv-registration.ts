/**
 * Keeps the broker registered with every NameServer: at start, every registerNameServerPeriod,
 * and right after topic changes; unregisters on shutdown. Sends a version 3.5.x NameServers accept.
 */
import { crc32 } from 'node:zlib';
import { command } from '../codec/command.js';
import { RequestCode } from '../protocol/request-code.js';
import { ResponseCode } from '../protocol/response-code.js';
import { decodeTopicRouteData, encodeRegisterBrokerBody, groupWritableIn, type TopicConfig } from '../protocol/route.js';
import type { RemotingClient } from '../transport/client.js';
import type { Logger } from '../common/logger.js';
import type { TopicTable } from './metadata/topics.js';
import { RELEASE } from '../common/release.js';

export interface RegistrationIdentity {
  clusterName: string;
  brokerName: string;
  brokerId: number;
  brokerAddr: string;
  haServerAddr: string;
}

export class NamesrvRegistration {
  private readonly failures = new Map<string, string>();
  /** NameServers whose last (two-way) registration succeeded. */
  private readonly registered = new Set<string>();

  constructor(
    private readonly client: RemotingClient,
    private readonly namesrvs: () => string[],
    private readonly who: RegistrationIdentity,
    private readonly topics: TopicTable,
    /** Permission bits every registered topic is limited to (drops WRITE while draining). */
    private readonly permMask: () => number,
    private readonly version: number,
    private readonly timeoutMs: number,
    private readonly log: Logger,
  ) {}

  private body(only?: string[]): Buffer {
    const table = new Map<string, TopicConfig>();
    const mask = this.permMask();
    const add = (tc: TopicConfig): void => void table.set(tc.topicName, { ...tc, perm: tc.perm & mask });
    if (only) for (const t of only) {
      const tc = this.topics.get(t);
      if (tc) add(tc);
    }
    else for (const tc of this.topics.all().values()) add(tc);
    return encodeRegisterBrokerBody({ topicConfigTable: table, dataVersion: this.topics.dataVersion, filterServerList: [] });
  }

  private request(body: Buffer) {
    return command({
      code: RequestCode.REGISTER_BROKER,
      version: this.version,
      extFields: {
        brokerName: this.who.brokerName,
        brokerAddr: this.who.brokerAddr,
        clusterName: this.who.clusterName,
        haServerAddr: this.who.haServerAddr,
        brokerId: String(this.who.brokerId),
        compressed: 'false',
        bodyCrc32: String(crc32(body) & 0x7fffffff),
        // Tells an Apogee NameServer which release this broker runs (RegisterBrokerRequest);
        // Java NameServers ignore it, and the version number above stays what they accept.
        apogeeRelease: RELEASE,
      },
      body,
    });
  }

  /** Registers with every NameServer in parallel; returns the replies of those that answered. */
  async registerAll(options: { oneway?: boolean; only?: string[] } = {}): Promise<Array<{ namesrv: string; masterAddr?: string; haServerAddr?: string }>> {
    const req = this.request(this.body(options.only));
    const results = await Promise.all(
      this.namesrvs().map(async (ns) => {
        try {
          if (options.oneway) {
            await this.client.invokeOneway(ns, req);
            return undefined;
          }
          const r = await this.client.invoke(ns, req, this.timeoutMs);
          if (r.code !== ResponseCode.SUCCESS) throw new Error(`code ${r.code}: ${r.remark ?? ''}`);
          this.registered.add(ns);
          if (this.failures.delete(ns)) this.log.info(`registered with NameServer ${ns} again`);
          return { namesrv: ns, masterAddr: r.extFields?.masterAddr, haServerAddr: r.extFields?.haServerAddr };
        } catch (err) {
          const msg = (err as Error).message;
          // Log a failing NameServer once per kind of failure, not every period.
          if (this.failures.get(ns) !== msg) this.log.warn(`register with NameServer ${ns} failed: ${msg}`);
          this.failures.set(ns, msg);
          this.registered.delete(ns);
          return undefined;
        }
      }),
    );
    return results.filter((r): r is NonNullable<typeof r> => r !== undefined);
  }

  /** Per configured NameServer: whether its last registration succeeded, and why not (metrics, readiness). */
  states(): Array<{ namesrv: string; registered: boolean; failure?: string }> {
    return this.namesrvs().map((ns) =>
      this.registered.has(ns) ? { namesrv: ns, registered: true } : { namesrv: ns, registered: false, failure: this.failures.get(ns) ?? 'not registered yet' },
    );
  }

  async unregisterAll(): Promise<void> {
    this.registered.clear();
    await Promise.all(
      this.namesrvs().map((ns) =>
        this.client
          .invoke(ns, command({
            code: RequestCode.UNREGISTER_BROKER,
            version: this.version,
            extFields: { brokerName: this.who.brokerName, brokerAddr: this.who.brokerAddr, clusterName: this.who.clusterName, brokerId: String(this.who.brokerId) },
          }), this.timeoutMs)
          .catch((err: Error) => this.log.warn(`unregister from NameServer ${ns} failed: ${err.message}`)),
      ),
    );
  }

  /**
   * Whether every NameServer that answers shows this broker's write permission wiped (mqadmin
   * wipeWritePerm): the broker's own name exists as a topic on it, so its route tells.
   */
  async writeWipedEverywhere(): Promise<boolean> {
    const answers = await Promise.all(
      this.namesrvs().map(async (ns) => {
        try {
          const r = await this.client.invoke(ns, command({ code: RequestCode.GET_ROUTEINFO_BY_TOPIC, version: 409, extFields: { topic: this.who.brokerName } }), this.timeoutMs);
          if (r.code !== ResponseCode.SUCCESS) return undefined;
          const writable = groupWritableIn(decodeTopicRouteData(r.body), this.who.brokerName);
          return writable === undefined ? undefined : !writable;
        } catch {
          return undefined;
        }
      }),
    );
    const known = answers.filter((a): a is boolean => a !== undefined);
    return known.length > 0 && known.every((a) => a);
  }
}
