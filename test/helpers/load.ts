/**
 * Live load for fault tests: our SDK producer sending numbered messages with a few in flight, and a
 * push consumer recording what it receives. It reports what the application saw: sends acknowledged
 * (and with which status), sends failed, the longest stretch without an acknowledgement, messages
 * acknowledged but never consumed, and duplicates.
 */
import { Producer, publishQueues } from '../../src/client/producer.js';
import { PushConsumer } from '../../src/client/push-consumer.js';

export interface LoadReport {
  sent: number;
  acknowledged: number;
  /** Acknowledged with a status other than SEND_OK (stored on the master, e.g. SLAVE_NOT_AVAILABLE). */
  notOk: Record<string, number>;
  failed: number;
  failedByPhase: Record<string, number>;
  failures: Array<{ at: number; error: string }>;
  /** The producer's view over time: when its set of writable brokers changed, and to what (the first 40). */
  writable: Array<{ at: number; brokers: string[] }>;
  longestStallMs: number;
  consumed: number;
  missing: number[];
  /** Deliveries beyond the first of each message number, whatever the cause. */
  duplicates: number;
  /** Of those: a stored message delivered again (its broker, queue and offset seen before): an offset went back. */
  redelivered: number;
  /**
   * Numbers stored twice (at two places): a send whose reply was lost with a killed broker, retried by the
   * producer on another one. RocketMQ's at-least-once send; the consumer gets each copy once.
   */
  storedTwice: number;
}

export class Load {
  private readonly producer: Producer;
  private readonly consumer: PushConsumer;
  private running = false;
  private loop: Promise<void> | undefined;
  private seq = 0;
  private readonly acked = new Set<number>();
  private readonly notOk: Record<string, number> = {};
  private failed = 0;
  /** When sends failed and why (the first 20), for a report that says what happened. */
  private readonly failures: Array<{ at: number; error: string }> = [];
  /** Failed sends per phase, as the test names phases. */
  private phase = 'start';
  private readonly failedByPhase: Record<string, number> = {};
  private lastAck = 0;
  private longestStall = 0;
  /** What was consumed: message number → the stored copy it came from (broker/queue/offset) → deliveries. */
  private readonly received = new Map<number, Map<string, number>>();
  private readonly writable: Array<{ at: number; brokers: string[] }> = [];

  constructor(namesrvAddr: string, private readonly topic: string, group: string, private readonly inFlight = 4, private readonly pauseMs = 5) {
    this.producer = new Producer({ namesrvAddr, producerGroup: `${group}-producer`, sendMsgTimeout: 3000, retryTimesWhenSendFailed: 2, pollNameServerInterval: 1000, heartbeatBrokerInterval: 1000,
      onDiagnostic: (e) => {
        if (e.type !== 'route' || e.topic !== topic || !e.route) return;
        const brokers = [...new Set(publishQueues(topic, e.route).map((q) => q.brokerName))].sort();
        const last = this.writable.at(-1);
        if (this.writable.length < 40 && last?.brokers.join() !== brokers.join()) this.writable.push({ at: Date.now(), brokers });
      },
    });
    this.consumer = new PushConsumer({
      namesrvAddr,
      consumerGroup: group,
      consumeFromWhere: 'CONSUME_FROM_FIRST_OFFSET',
      pollNameServerInterval: 1000,
      heartbeatBrokerInterval: 1000,
      rebalanceInterval: 1000,
      persistConsumerOffsetInterval: 1000,
      brokerSuspendMaxTimeMillis: 1000,
      consumerTimeoutMillisWhenSuspend: 3000,
      pullTimeDelayMillsWhenException: 500,
    });
    this.consumer.subscribe(topic, '*').registerMessageListener((msgs) => {
      for (const m of msgs) {
        const n = Number(m.body.toString('utf8'));
        const at = `${m.brokerName ?? m.storeHost}/${m.queueId}/${m.queueOffset}`;
        const copies = this.received.get(n) ?? new Map<string, number>();
        copies.set(at, (copies.get(at) ?? 0) + 1);
        this.received.set(n, copies);
      }
    });
  }

  async start(): Promise<void> {
    await this.producer.start();
    await this.consumer.start();
    this.running = true;
    this.lastAck = Date.now();
    this.loop = Promise.all(Array.from({ length: this.inFlight }, () => this.sender())).then(() => undefined);
  }

  private async sender(): Promise<void> {
    while (this.running) {
      const n = this.seq++;
      try {
        const r = await this.producer.send({ topic: this.topic, body: Buffer.from(String(n)) });
        this.acked.add(n);
        if (r.sendStatus !== 'SEND_OK') this.notOk[r.sendStatus] = (this.notOk[r.sendStatus] ?? 0) + 1;
        const now = Date.now();
        this.longestStall = Math.max(this.longestStall, now - this.lastAck);
        this.lastAck = now;
      } catch (err) {
        this.failed++;
        this.failedByPhase[this.phase] = (this.failedByPhase[this.phase] ?? 0) + 1;
        if (this.failures.length < 20) this.failures.push({ at: Date.now(), error: (err as Error).message.slice(0, 200) });
      }
      await new Promise((r) => setTimeout(r, this.pauseMs));
    }
  }

  /** Names what happens from now on, for failedByPhase. */
  setPhase(phase: string): void {
    this.phase = phase;
  }

  /** Sends acknowledged so far. */
  get acknowledged(): number {
    return this.acked.size;
  }

  /** Stops sending (the consumer keeps consuming). */
  async stopSending(): Promise<void> {
    this.running = false;
    await this.loop;
  }

  /** Waits (bounded) until every acknowledged message was consumed. */
  async drain(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && [...this.acked].some((n) => !this.received.has(n))) await new Promise((r) => setTimeout(r, 100));
  }

  report(): LoadReport {
    const missing = [...this.acked].filter((n) => !this.received.has(n)).sort((a, b) => a - b);
    let duplicates = 0;
    let redelivered = 0;
    let storedTwice = 0;
    for (const copies of this.received.values()) {
      let deliveries = 0;
      for (const c of copies.values()) {
        deliveries += c;
        redelivered += c - 1;
      }
      duplicates += deliveries - 1;
      if (copies.size > 1) storedTwice++;
    }
    return { sent: this.seq, acknowledged: this.acked.size, notOk: { ...this.notOk }, failed: this.failed, failedByPhase: { ...this.failedByPhase }, failures: [...this.failures], writable: [...this.writable], longestStallMs: this.longestStall, consumed: this.received.size, missing, duplicates, redelivered, storedTwice };
  }

  async close(): Promise<void> {
    this.running = false;
    await this.loop;
    await this.consumer.shutdown();
    await this.producer.shutdown();
  }
}
