/**
 * Every consume queue of the store, by topic and queue id (Java's consumeQueueTable in
 * DefaultMessageStore): created on first dispatch, loaded from `consumequeue/<topic>/<id>` on open.
 */
import * as fs from 'node:fs';
import { join } from 'node:path';
import { ConsumeQueue } from './consume-queue.js';

export class ConsumeQueueTable {
  readonly byTopic = new Map<string, Map<number, ConsumeQueue>>();
  private readonly root: string;

  constructor(storePathRootDir: string, private readonly fileSize: number) {
    this.root = join(storePathRootDir, 'consumequeue');
  }

  /** The queue of `topic` and `queueId`; with `create`, a new empty one when there is none. */
  get(topic: string, queueId: number, create: boolean): ConsumeQueue | undefined {
    let byId = this.byTopic.get(topic);
    if (!byId) {
      if (!create) return undefined;
      byId = new Map();
      this.byTopic.set(topic, byId);
    }
    let cq = byId.get(queueId);
    if (!cq && create) {
      cq = new ConsumeQueue(topic, queueId, join(this.root, topic, String(queueId)), this.fileSize);
      byId.set(queueId, cq);
    }
    return cq;
  }

  *all(): Generator<ConsumeQueue> {
    for (const m of this.byTopic.values()) yield* m.values();
  }

  /** Opens every queue directory found on disk. */
  load(): void {
    if (!fs.existsSync(this.root)) return;
    for (const topic of fs.readdirSync(this.root)) {
      const topicDir = join(this.root, topic);
      if (!fs.statSync(topicDir).isDirectory()) continue;
      for (const q of fs.readdirSync(topicDir)) {
        if (!/^\d+$/.test(q)) continue;
        const cq = this.get(topic, Number(q), true)!;
        cq.load();
      }
    }
  }

  /** End of the CommitLog data the queues point at; -1 when they point at nothing. */
  maxPhysicOffset(): number {
    let max = -1;
    for (const cq of this.all()) max = Math.max(max, cq.maxPhysicOffset);
    return max;
  }

  /** Drops entries pointing at or past `end` (CommitLog recovery cut the log there). */
  truncate(end: number): void {
    for (const cq of this.all()) if (cq.maxPhysicOffset > end || cq.maxPhysicOffset < 0) cq.truncateDirty(end);
  }

  /** Deletes every queue (the CommitLog is gone, so are the records they pointed at). */
  destroyAll(): void {
    for (const cq of this.all()) cq.destroy();
    this.byTopic.clear();
  }

  /** Deletes a topic's queues and their directory; returns them (undefined when there were none). */
  deleteTopic(topic: string): ConsumeQueue[] | undefined {
    const byId = this.byTopic.get(topic);
    if (!byId) return undefined;
    for (const cq of byId.values()) cq.destroy();
    this.byTopic.delete(topic);
    fs.rmSync(join(this.root, topic), { recursive: true, force: true });
    return [...byId.values()];
  }

  /** Topics that have consume queues, with their queue ids. */
  topics(): Map<string, number[]> {
    const out = new Map<string, number[]>();
    for (const [topic, byId] of this.byTopic) out.set(topic, [...byId.keys()].sort((a, b) => a - b));
    return out;
  }

  close(): void {
    for (const cq of this.all()) cq.close();
  }
}
