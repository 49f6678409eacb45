/**
 * A slave copies its master's metadata: topics and subscription groups when
 * their DataVersion differs, consumer offsets merged, delay offsets replaced.
 *
 * Consumer offsets also flow the other way, which Java does not do: what clients committed to this
 * slave while the master was away is pushed to the master once it answers (only where the master
 * holds less), before the master's table is copied here. So a restarted master does not send a new
 * consumer back to offsets already consumed from the slave, and a master's older copy never rolls
 * this slave back.
 */
import { command } from '../../codec/command.js';
import { parseFastJson } from '../../codec/fastjson.js';
import { RequestCode } from '../../protocol/request-code.js';
import { dataVersionEquals, decodeDataVersion } from '../../protocol/data-version.js';
import { decodeTopicConfig } from '../../protocol/bodies/topic-config.js';
import type { RemotingClient } from '../../transport/client.js';
import type { BrokerContext } from '../context.js';
import { decodeGroupConfig } from '../metadata/subscription-groups.js';
import { decodeHeader, encodeHeader } from '../../protocol/header.js';
import { OffsetResponse, QueryConsumerOffsetRequest, UpdateConsumerOffsetRequest } from '../../protocol/broker-headers.js';
import { ResponseCode } from '../../protocol/response-code.js';

type Obj = Record<string, unknown>;

export class SlaveSync {
  private masterAddr: string | undefined;
  private timer: NodeJS.Timeout | undefined;
  private first: NodeJS.Timeout | undefined;
  private pushTimer: NodeJS.Timeout | undefined;
  private pushing = false;

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
    // Held offsets go to a returning master within seconds, not at the next full sync.
    this.pushTimer = setInterval(() => void this.pushHeldOffsets().catch(() => {}), Math.min(5000, this.intervalMs));
    this.pushTimer.unref();
  }

  /**
   * Pushes offsets clients committed here to the master, where the master's is lower. Stops at the
   * first failure (the master is still away); what was not pushed stays held.
   */
  async pushHeldOffsets(): Promise<void> {
    const { ctx } = this;
    if (!this.masterAddr || this.pushing) return;
    const held = ctx.offsets.heldForMaster();
    if (held.length === 0) return;
    this.pushing = true;
    try {
      for (const h of held) {
        const q = await this.client.invoke(this.masterAddr, command({ code: RequestCode.QUERY_CONSUMER_OFFSET, version: ctx.version, extFields: encodeHeader(QueryConsumerOffsetRequest, { consumerGroup: h.group, topic: h.topic, queueId: h.queueId }) }), 3000);
        const masterHas = q.code === ResponseCode.SUCCESS ? decodeHeader(OffsetResponse, q.extFields).offset : -1;
        if (masterHas < h.offset) {
          const u = await this.client.invoke(this.masterAddr, command({ code: RequestCode.UPDATE_CONSUMER_OFFSET, version: ctx.version, extFields: encodeHeader(UpdateConsumerOffsetRequest, { consumerGroup: h.group, topic: h.topic, queueId: h.queueId, commitOffset: h.offset }) }), 3000);
          if (u.code !== ResponseCode.SUCCESS) throw new Error(`master refused offset ${h.topic}@${h.group}:${h.queueId}=${h.offset}: ${u.remark ?? u.code}`);
          ctx.log.info(`offset ${h.topic}@${h.group} queue ${h.queueId} = ${h.offset}, committed here while the master was away, handed to master ${this.masterAddr} (it had ${masterHas})`);
        }
        ctx.offsets.releaseHeld(h);
      }
    } finally {
      this.pushing = false;
      ctx.offsets.persist();
    }
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
      await this.pushHeldOffsets().catch((err: unknown) => ctx.log.warn(`held consumer offsets not handed to master ${this.masterAddr} yet: ${(err as Error).message}`));
      const offsets = await this.fetch(RequestCode.GET_ALL_CONSUMER_OFFSET);
      for (const [key, queues] of Object.entries((offsets?.offsetTable ?? {}) as Record<string, Obj>)) {
        const at = key.lastIndexOf('@');
        for (const [q, o] of Object.entries(queues ?? {})) ctx.offsets.copyFromMaster(key.slice(at + 1), key.slice(0, at), Number(q), Number(o));
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
    if (this.pushTimer) clearInterval(this.pushTimer);
  }
}
