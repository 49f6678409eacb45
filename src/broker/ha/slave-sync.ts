/**
 * A slave copies its master's metadata (store-ha-config §6.5): topics and subscription groups when
 * their DataVersion differs, consumer offsets merged, delay offsets replaced.
 */
import { command } from '../../codec/command.js';
import { parseFastJson } from '../../codec/fastjson.js';
import { RequestCode } from '../../protocol/request-code.js';
import { dataVersionEquals, decodeDataVersion, decodeTopicConfig } from '../../protocol/route.js';
import type { RemotingClient } from '../../transport/client.js';
import type { BrokerContext } from '../context.js';
import { decodeGroupConfig } from '../metadata/subscription-groups.js';

type Obj = Record<string, unknown>;

export class SlaveSync {
  private masterAddr: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;

  constructor(private readonly ctx: BrokerContext, private readonly client: RemotingClient, private readonly intervalMs: number) {}

  setMaster(addr: string | undefined): void {
    const changed = addr !== undefined && addr !== this.masterAddr;
    if (addr) this.masterAddr = addr;
    if (changed) void this.syncAll();
  }

  start(): void {
    this.first = setTimeout(() => void this.syncAll(), Math.min(10_000, this.intervalMs));
    this.first.unref();
    this.timer = setInterval(() => void this.syncAll(), this.intervalMs);
    this.timer.unref();
  }

  private async fetch(code: number): Promise<Obj | undefined> {
    if (!this.masterAddr) return undefined;
    const r = await this.client.invoke(this.masterAddr, command({ code, version: this.ctx.version }), 6000);
    if (r.code !== 0 || !r.body) return undefined;
    return parseFastJson(r.body.toString('utf8')) as Obj;
  }

  async syncAll(): Promise<void> {
    const { ctx } = this;
    try {
      const topics = await this.fetch(RequestCode.GET_ALL_TOPIC_CONFIG);
      if (topics) {
        const dv = decodeDataVersion(topics.dataVersion);
        if (!dataVersionEquals(dv, ctx.topics.dataVersion)) {
          const t = (topics.topicConfigTable ?? {}) as Obj;
          ctx.topics.replaceAll(Object.keys(t).map((name) => decodeTopicConfig(name, t[name])), dv);
        }
      }
      const offsets = await this.fetch(RequestCode.GET_ALL_CONSUMER_OFFSET);
      for (const [key, queues] of Object.entries((offsets?.offsetTable ?? {}) as Record<string, Obj>)) {
        const at = key.lastIndexOf('@');
        for (const [q, o] of Object.entries(queues ?? {})) ctx.offsets.commit(key.slice(at + 1), key.slice(0, at), Number(q), Number(o));
      }
      ctx.offsets.persist();
      const delays = await this.fetch(RequestCode.GET_ALL_DELAY_OFFSET);
      for (const [level, o] of Object.entries((delays?.offsetTable ?? {}) as Obj)) ctx.delayOffsets.set(Number(level), Number(o));
      if (delays) ctx.delayOffsets.persist();
      const groups = await this.fetch(RequestCode.GET_ALL_SUBSCRIPTIONGROUP_CONFIG);
      if (groups) {
        const dv = decodeDataVersion(groups.dataVersion);
        if (!dataVersionEquals(dv, ctx.groups.dataVersion)) {
          const t = (groups.subscriptionGroupTable ?? {}) as Obj;
          ctx.groups.replaceAll(Object.keys(t).map((name) => decodeGroupConfig(name, t[name])), dv);
        }
      }
    } catch (err) {
      ctx.log.warn(`metadata sync from master ${this.masterAddr} failed: ${(err as Error).message}`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.first) clearTimeout(this.first);
  }
}
