/** Namespaced key/value settings (e.g. ORDER_TOPIC_CONFIG), persisted to kvConfig.json like Java's. */
import { parseFastJson, toFastJson } from '../codec/fastjson.js';
import { readWithBackup, writeFileAtomic } from '../common/json-file.js';

export class KVConfig {
  private readonly table = new Map<string, Map<string, string>>();

  constructor(private readonly path: string) {}

  load(): void {
    const parsed = readWithBackup(this.path, (t) => parseFastJson(t) as { configTable?: Record<string, Record<string, unknown>> });
    for (const [ns, kv] of Object.entries(parsed?.configTable ?? {})) {
      const m = new Map<string, string>();
      for (const [k, v] of Object.entries(kv ?? {})) m.set(k, String(v));
      this.table.set(ns, m);
    }
  }

  private persist(): void {
    writeFileAtomic(this.path, toFastJson({ configTable: this.table }));
  }

  put(namespace: string, key: string, value: string): void {
    let ns = this.table.get(namespace);
    if (!ns) this.table.set(namespace, (ns = new Map()));
    ns.set(key, value);
    this.persist();
  }

  get(namespace: string, key: string): string | undefined {
    return this.table.get(namespace)?.get(key);
  }

  delete(namespace: string, key: string): void {
    const ns = this.table.get(namespace);
    if (!ns?.delete(key)) return;
    if (ns.size === 0) this.table.delete(namespace);
    this.persist();
  }

  list(namespace: string): Map<string, string> | undefined {
    const ns = this.table.get(namespace);
    return ns && ns.size > 0 ? new Map(ns) : undefined;
  }
}
