/**
 * Consumer offsets: the next offset to consume per queue. CLUSTERING keeps them on the broker
 * (UPDATE_CONSUMER_OFFSET / QUERY_CONSUMER_OFFSET); BROADCASTING keeps them in a local JSON file
 * (Java LocalFileOffsetStore: `<dir>/<clientId>/<group>/offsets.json`).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { homedir } from 'node:os';
import { parseFastJson, toFastJson } from '../codec/fastjson.js';
import { mqMapEntries, mqJson } from '../protocol/bodies/message-queue.js';
import { queryConsumerOffset, updateConsumerOffset } from './consumer-api.js';
import type { ClientInstance } from './instance.js';
import { mqKey, type MessageQueue } from './message.js';

export interface OffsetStore {
  load(): void;
  /** Records progress in memory; `increaseOnly` ignores moves backwards. */
  update(mq: MessageQueue, offset: number, increaseOnly: boolean): void;
  /** Memory value, or -1 when unknown. */
  readMemory(mq: MessageQueue): number;
  /** Offset from the backing store: ≥ 0, or −1 when none is stored; rejects when it could not be read. */
  readStore(mq: MessageQueue): Promise<number>;
  /** Writes offsets of the given queues to the backing store (sync = wait for the broker). */
  persistAll(mqs: readonly MessageQueue[], sync: boolean): Promise<void>;
  persist(mq: MessageQueue, sync: boolean): Promise<void>;
  remove(mq: MessageQueue): void;
}

/** The in-memory side both stores share: the latest offset per queue. */
abstract class MemoryOffsets {
  protected readonly table = new Map<string, { mq: MessageQueue; offset: number }>();

  update(mq: MessageQueue, offset: number, increaseOnly: boolean): void {
    const e = this.table.get(mqKey(mq));
    if (!e) this.table.set(mqKey(mq), { mq, offset });
    else if (!increaseOnly || offset > e.offset) e.offset = offset;
  }

  readMemory(mq: MessageQueue): number {
    return this.table.get(mqKey(mq))?.offset ?? -1;
  }

  remove(mq: MessageQueue): void {
    this.table.delete(mqKey(mq));
  }
}

export class RemoteOffsetStore extends MemoryOffsets implements OffsetStore {

  constructor(
    private readonly client: ClientInstance,
    private readonly group: string,
  ) {
    super();
  }

  load(): void {}

  async readStore(mq: MessageQueue): Promise<number> {
    // Master or slave (findAdminAddr): a group started while a master is down still finds its offsets.
    const offset = await queryConsumerOffset(this.client, this.group, mq);
    if (offset >= 0) this.update(mq, offset, false);
    return offset;
  }

  async persistAll(mqs: readonly MessageQueue[], sync: boolean): Promise<void> {
    await Promise.all(mqs.map((mq) => this.persist(mq, sync)));
  }

  async persist(mq: MessageQueue, sync: boolean): Promise<void> {
    const e = this.table.get(mqKey(mq));
    if (!e || e.offset < 0) return;
    await updateConsumerOffset(this.client, this.group, mq, e.offset, !sync);
  }

}

export function defaultOffsetStoreDir(): string {
  return process.env.ROCKETMQ_CLIENT_LOCAL_OFFSET_STORE_DIR ?? join(homedir(), '.rocketmq_offsets');
}

export class LocalFileOffsetStore extends MemoryOffsets implements OffsetStore {
  readonly path: string;

  constructor(dir: string, clientId: string, group: string) {
    super();
    this.path = join(dir, clientId.replace(/[:/\\]/g, '_'), group, 'offsets.json');
  }

  load(): void {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch {
      return;
    }
    try {
      const o = parseFastJson(text) as Record<string, unknown>;
      for (const [mq, v] of mqMapEntries(o.offsetTable)) this.table.set(mqKey(mq), { mq, offset: Number(v) });
    } catch {
      // A corrupt file means starting over from consumeFromWhere, as Java does.
    }
  }

  async readStore(mq: MessageQueue): Promise<number> {
    return this.readMemory(mq);
  }

  async persistAll(): Promise<void> {
    const table = new Map<Record<string, unknown>, number>();
    for (const e of this.table.values()) table.set(mqJson(e.mq), e.offset);
    mkdirSync(dirname(this.path), { recursive: true });
    const tmp = this.path + '.tmp';
    writeFileSync(tmp, toFastJson({ offsetTable: table }));
    renameSync(tmp, this.path);
  }

  async persist(): Promise<void> {
    await this.persistAll();
  }

  override remove(): void {
    // Broadcast offsets stay: every queue belongs to every consumer.
  }
}
