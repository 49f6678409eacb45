/**
 * The setup shared by the benches that time single sends around something else a node does (a
 * scrape, an HTTP poller): a fresh `apogee start` in its own temporary directory, one topic of 8
 * queues, and a producer that sends 1 KB bodies one at a time, each awaited.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Admin } from '../src/client/admin.js';
import { Producer } from '../src/client/producer.js';
import { ApogeeNode, type NodeOptions } from '../src/testing/node.js';

export interface OneAtATime {
  node: ApogeeNode;
  /** The directory holding the node's log (`server.log`) and data. */
  dir: string;
  /** `n` sends, one at a time; their latencies in ms, sorted. */
  timedSends(n: number): Promise<number[]>;
  /** Stops the producer, the admin client and the node, and removes the directory. */
  stop(): Promise<void>;
}

/** The value at quantile `q` of sorted latencies, to the µs. */
export const quantile = (sorted: number[], q: number): number => +sorted[Math.floor(q * (sorted.length - 1))]!.toFixed(3);

export async function startOneAtATime(opts: { name: string; node: Omit<NodeOptions, 'dir'>; warmSends: number }): Promise<OneAtATime> {
  const dir = mkdtempSync(join(tmpdir(), `apogee-${opts.name}-`));
  const node = new ApogeeNode({ dir, ...opts.node });
  let producer: Producer | undefined;
  let admin: Admin | undefined;
  const stop = async (): Promise<void> => {
    await producer?.shutdown();
    await admin?.shutdown();
    await node.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await node.start();
    admin = new Admin({ namesrvAddr: node.namesrvAddr });
    await admin.start();
    const topic = `${opts.name}-topic`;
    await admin.createTopic(topic, { readQueueNums: 8, writeQueueNums: 8 });
    const p = new Producer({ namesrvAddr: node.namesrvAddr, producerGroup: `${opts.name}-bench` });
    producer = p;
    await p.start();
    const body = Buffer.alloc(1000, 0x61);
    for (let i = 0; i < opts.warmSends; i++) await p.send({ topic, body });
    const timedSends = async (n: number): Promise<number[]> => {
      const lat: number[] = [];
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await p.send({ topic, body });
        lat.push(performance.now() - t);
      }
      return lat.sort((a, b) => a - b);
    };
    return { node, dir, timedSends, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
