/**
 * Consumer offsets (consumerOffset.json: `topic@group` → {queueId: next offset}) and delay-level
 * progress (delayOffset.json: level → next schedule-queue offset). Numeric map keys are written bare,
 * as fastjson writes them.
 */
import type { StoreConfigFiles } from '../../store/config-files.js';

export class ConsumerOffsets {
  /** `topic@group` → queueId → offset */
  private table = new Map<string, Map<number, number>>();
  private dirty = false;

  constructor(private readonly files: StoreConfigFiles) {}

  load(): void {
    this.table = this.files.loadConsumerOffsets() ?? new Map();
  }

  /** Writes consumerOffset.json when changed (or `force`): in the background, or now (`sync`). */
  persist(force = false, sync = false): void {
    if (!this.dirty && !force) return;
    this.dirty = false;
    this.files.saveConsumerOffsets(this.table, !sync);
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
