/**
 * Delivers delayed messages: one loop per delay level reads SCHEDULE_TOPIC_XXXX queue level − 1
 * from its saved offset and re-puts each due message to its REAL_TOPIC / REAL_QID.
 */
import { SysFlag } from '../codec/sys-flag.js';
import { decodeRecord, type StoredMessage } from '../codec/message-record.js';
import { getProperty, Prop } from '../codec/message-properties.js';
import type { MessageInput } from '../store/index.js';
import type { BrokerContext } from './context.js';
import { SCHEDULE_TOPIC } from './metadata/topics.js';

const IDLE_MS = 100;
const RETRY_AFTER_FAILURE_MS = 10_000;

/** The record as it must be delivered: same body, flags, born info and properties, real destination. */
export function deliveryOf(m: StoredMessage): MessageInput | undefined {
  const topic = getProperty(m.properties, Prop.REAL_TOPIC);
  const qid = getProperty(m.properties, Prop.REAL_QID);
  if (topic === undefined || qid === undefined) return undefined;
  return {
    topic,
    queueId: Number.parseInt(qid, 10) || 0,
    body: m.body,
    properties: m.properties,
    flag: m.flag,
    sysFlag: m.sysFlag & ~(SysFlag.BORNHOST_V6 | SysFlag.STOREHOST_V6),
    bornTimestamp: m.bornTimestamp,
    bornHost: m.bornHost,
    reconsumeTimes: m.reconsumeTimes,
    preparedTransactionOffset: m.preparedTransactionOffset,
  };
}

export class ScheduleService {
  private readonly timers = new Map<number, NodeJS.Timeout>();
  private running = false;
  private inFlight = 0;

  constructor(private readonly ctx: BrokerContext) {}

  start(): void {
    this.running = true;
    for (let level = 1; level <= this.ctx.delayLevels.length; level++) this.arm(level, 1000);
  }

  private arm(level: number, ms: number): void {
    if (!this.running) return;
    const t = setTimeout(() => void this.deliver(level), ms);
    t.unref();
    this.timers.set(level, t);
  }

  /** Delivers what is due on one level, then re-arms for the next due time. */
  private async deliver(level: number): Promise<void> {
    const { ctx } = this;
    const delay = ctx.delayLevels[level - 1]!;
    let offset = ctx.delayOffsets.get(level);
    let next = IDLE_MS;
    this.inFlight++;
    try {
      for (;;) {
        if (!this.running) return;
        const min = ctx.store.getMinOffsetInQueue(SCHEDULE_TOPIC, level - 1);
        if (min > offset) offset = min; // expired files were removed under us
        const r = ctx.store.getMessage(SCHEDULE_TOPIC, level - 1, offset, 32);
        if (r.messages.length === 0) {
          if (r.status === 'OFFSET_TOO_SMALL' || r.status === 'OFFSET_OVERFLOW_BADLY') offset = r.nextBeginOffset;
          break;
        }
        let blocked = false;
        for (let i = 0; i < r.messages.length; i++) {
          const m = decodeRecord(r.messages[i]!);
          const due = m.storeTimestamp + delay;
          const now = Date.now();
          // A deliver time beyond one level-delay ahead is a clock jump: deliver now, as Java does.
          if (due > now && due - now <= delay) {
            next = Math.max(1, Math.min(due - now, 1000));
            blocked = true;
            break;
          }
          const delivery = deliveryOf(m);
          if (delivery) await ctx.store.put(delivery);
          else ctx.log.warn(`delayed message at ${m.physicalOffset} has no REAL_TOPIC; skipped`);
          offset = r.queueOffsets[i]! + 1;
          ctx.delayOffsets.set(level, offset);
        }
        if (blocked) break;
        offset = Math.max(offset, r.nextBeginOffset);
        ctx.delayOffsets.set(level, offset);
      }
    } catch (err) {
      ctx.log.warn(`delay level ${level} delivery failed, retrying in ${RETRY_AFTER_FAILURE_MS} ms: ${(err as Error).message}`);
      next = RETRY_AFTER_FAILURE_MS;
    } finally {
      this.inFlight--;
    }
    this.arm(level, next);
  }

  async stop(): Promise<void> {
    this.running = false;
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (let i = 0; i < 100 && this.inFlight > 0; i++) await new Promise((r) => setTimeout(r, 20));
    this.ctx.delayOffsets.persist();
  }
}
