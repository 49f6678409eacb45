/**
 * Long polling: pulls that found nothing are parked per queue and answered as soon as a message
 * arrives for that queue, or when their suspend time (capped by longPollingMaxMs) runs out.
 */
export interface HeldPull {
  offset: number;
  deadline: number;
  /** Re-executes the pull without suspending and writes its answer. */
  wake(): void;
  /** True once the client connection is gone: nothing to answer. */
  isAbandoned(): boolean;
}

export class PullHold {
  private readonly held = new Map<string, HeldPull[]>();
  private timer: NodeJS.Timeout | undefined;
  /** Fires at the earliest deadline, so no pull is held past its time by up to a check interval. */
  private deadlineTimer: NodeJS.Timeout | undefined;
  private deadlineAt = Infinity;

  constructor(
    private readonly maxOffset: (topic: string, queueId: number) => number,
    private readonly checkIntervalMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.check(), this.checkIntervalMs);
    this.timer.unref();
  }

  get size(): number {
    let n = 0;
    for (const list of this.held.values()) n += list.length;
    return n;
  }

  hold(topic: string, queueId: number, pull: HeldPull): void {
    const key = `${topic}@${queueId}`;
    const list = this.held.get(key);
    if (list) list.push(pull);
    else this.held.set(key, [pull]);
    this.armDeadline(pull.deadline);
  }

  private armDeadline(at: number): void {
    if (at >= this.deadlineAt) return;
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    this.deadlineAt = at;
    this.deadlineTimer = setTimeout(() => {
      this.deadlineTimer = undefined;
      this.deadlineAt = Infinity;
      this.check();
    }, Math.max(0, at - this.now()));
    this.deadlineTimer.unref();
  }

  /** A message reached `topic`/`queueId`; `nextOffset` is the queue's new max offset. */
  onMessageArrived(topic: string, queueId: number, nextOffset: number): void {
    const key = `${topic}@${queueId}`;
    const list = this.held.get(key);
    if (!list) return;
    const keep: HeldPull[] = [];
    const wake: HeldPull[] = [];
    // An abandoned pull is woken too: its answer goes nowhere, but its request finishes.
    for (const p of list) (p.isAbandoned() || nextOffset > p.offset ? wake : keep).push(p);
    if (keep.length) this.held.set(key, keep);
    else this.held.delete(key);
    for (const p of wake) p.wake();
  }

  /** Answers pulls whose time is up or whose queue grew meanwhile; forgets abandoned ones. */
  check(): void {
    const now = this.now();
    for (const [key, list] of this.held) {
      const at = key.lastIndexOf('@');
      const max = this.maxOffset(key.slice(0, at), Number(key.slice(at + 1)));
      const keep: HeldPull[] = [];
      const wake: HeldPull[] = [];
      for (const p of list) (p.isAbandoned() || now >= p.deadline || max > p.offset ? wake : keep).push(p);
      if (keep.length) this.held.set(key, keep);
      else this.held.delete(key);
      for (const p of wake) p.wake();
      for (const p of keep) this.armDeadline(p.deadline);
    }
  }

  /** Answers every held pull now (shutdown): clients get PULL_NOT_FOUND instead of a dead socket. */
  releaseAll(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    const all = [...this.held.values()].flat();
    this.held.clear();
    for (const p of all) p.wake();
  }
}
