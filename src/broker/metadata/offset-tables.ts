/**
 * Consumer offsets (consumerOffset.json: `topic@group` → {queueId: next offset}) and delay-level
 * progress (delayOffset.json: level → next schedule-queue offset). Numeric map keys are written bare,
 * as fastjson writes them.
 */
import type { StoreConfigFiles } from './config-files.js';

export interface HeldOffset {
  group: string;
  topic: string;
  queueId: number;
  offset: number;
}

export class ConsumerOffsets {
  /** `topic@group` → queueId → offset */
  private table = new Map<string, Map<number, number>>();
  private dirty = false;
  /**
   * On a slave: offsets clients committed here (while their master was away) that the master has
   * not confirmed yet. They are pushed to the master when it answers again, and a copy of the
   * master's table never overwrites them, so neither side rolls the other back to an older offset.
   * Kept in consumerOffsetHeld.json so a slave restart does not forget them.
   */
  private held = new Map<string, Map<number, number>>();
  private heldDirty = false;

  constructor(private readonly files: StoreConfigFiles) {}

  load(): void {
    this.table = this.files.loadConsumerOffsets() ?? new Map();
    this.held = this.files.loadHeldConsumerOffsets() ?? new Map();
  }

  /** Writes consumerOffset.json when changed (or `force`): in the background, or now (`sync`). */
  persist(force = false, sync = false): void {
    if (this.heldDirty || (force && this.held.size > 0)) {
      this.heldDirty = false;
      this.files.saveHeldConsumerOffsets(this.held, !sync);
    }
    if (!this.dirty && !force) return;
    this.dirty = false;
    this.files.saveConsumerOffsets(this.table, !sync);
  }

  /** A client's commit on a slave: stored, and held for the master. */
  commitOnSlave(group: string, topic: string, queueId: number, offset: number): void {
    if (!Number.isFinite(offset) || offset < 0) return;
    this.commit(group, topic, queueId, offset);
    const key = `${topic}@${group}`;
    let m = this.held.get(key);
    if (!m) this.held.set(key, (m = new Map()));
    m.set(queueId, offset);
    this.heldDirty = true;
  }

  /** The master's copy of an offset, taken unless a client's newer commit here is still held for it. */
  copyFromMaster(group: string, topic: string, queueId: number, offset: number): void {
    if (this.held.get(`${topic}@${group}`)?.has(queueId)) return;
    this.commit(group, topic, queueId, offset);
  }

  heldForMaster(): HeldOffset[] {
    const out: HeldOffset[] = [];
    for (const [key, queues] of this.held) {
      const at = key.lastIndexOf('@');
      for (const [queueId, offset] of queues) out.push({ group: key.slice(at + 1), topic: key.slice(0, at), queueId, offset });
    }
    return out;
  }

  /** The master has (at least) this offset now; a newer commit made meanwhile stays held. */
  releaseHeld(h: HeldOffset): void {
    const key = `${h.topic}@${h.group}`;
    const m = this.held.get(key);
    if (m?.get(h.queueId) !== h.offset) return;
    m.delete(h.queueId);
    if (m.size === 0) this.held.delete(key);
    this.heldDirty = true;
  }

  /** Negative offsets (ali-ons commits -1 before it knows one) never overwrite a stored offset. */
  commit(group: string, topic: string, queueId: number, offset: number): void {
    if (!Number.isFinite(offset) || offset < 0) return;
    const key = `${topic}@${group}`;
    let m = this.table.get(key);
    if (!m) this.table.set(key, (m = new Map()));
    m.set(queueId, offset);
    this.dirty = true;
  }

  /** The stored offset, or -1 when the group has none for that queue. */
  query(group: string, topic: string, queueId: number): number {
    return this.table.get(`${topic}@${group}`)?.get(queueId) ?? -1;
  }

  queuesOf(group: string, topic: string): Map<number, number> | undefined {
    return this.table.get(`${topic}@${group}`);
  }

  topicsOfGroup(group: string): string[] {
    const out: string[] = [];
    for (const key of this.table.keys()) {
      const at = key.lastIndexOf('@');
      if (key.slice(at + 1) === group) out.push(key.slice(0, at));
    }
    return out;
  }

  groupsOfTopic(topic: string): string[] {
    const out: string[] = [];
    for (const key of this.table.keys()) {
      const at = key.lastIndexOf('@');
      if (key.slice(0, at) === topic) out.push(key.slice(at + 1));
    }
    return out;
  }

  deleteTopicOfGroup(group: string, topic: string): void {
    if (this.table.delete(`${topic}@${group}`)) this.dirty = true;
  }

  deleteGroup(group: string): void {
    for (const key of [...this.table.keys()]) if (key.endsWith(`@${group}`)) this.table.delete(key);
    this.dirty = true;
  }

  entries(): Map<string, Map<number, number>> {
    return this.table;
  }
}

export class DelayOffsets {
  private table = new Map<number, number>();

  constructor(private readonly files: StoreConfigFiles) {}

  load(): void {
    this.table = this.files.loadDelayOffsets() ?? new Map();
  }

  /** Writes delayOffset.json: in the background, or now (`sync`, at shutdown). */
  persist(sync = false): void {
    this.files.saveDelayOffsets(new Map([...this.table].sort((a, b) => a[0] - b[0])), !sync);
  }

  get(level: number): number {
    return this.table.get(level) ?? 0;
  }

  set(level: number, offset: number): void {
    this.table.set(level, offset);
  }

  entries(): Map<number, number> {
    return this.table;
  }
}
