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
  /**
   * Held pulls by topic, then queue id. Entries stay once made and lists are emptied in place with
   * their slots cleared. A Map set and deleted once per message (keyed by a string built per call)
   * made the broker promote several times more per scavenge under a steady load than this layout
   * does (figures in bench/README.md).
   */
  private readonly held = new Map<string, (HeldPull | undefined)[][]>();
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
    for (const queues of this.held.values()) for (const list of queues) n += list?.length ?? 0;
    return n;
  }

  hold(topic: string, queueId: number, pull: HeldPull): void {
    let queues = this.held.get(topic);
    if (!queues) this.held.set(topic, (queues = []));
    let list = queues[queueId];
    if (!list) queues[queueId] = list = [];
    list.push(pull);
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
    const list = this.held.get(topic)?.[queueId];
    if (!list || list.length === 0) return;
    // An abandoned pull is woken too: its answer goes nowhere, but its request finishes.
    const wake = takeWhere(list, (p) => p.isAbandoned() || nextOffset > p.offset);
    for (const p of wake) p.wake();
  }

  /** Answers pulls whose time is up or whose queue grew meanwhile; forgets abandoned ones. */
  check(): void {
    const now = this.now();
    for (const [topic, queues] of this.held) {
      let any = false;
      for (let queueId = 0; queueId < queues.length; queueId++) {
        const list = queues[queueId];
        if (!list || list.length === 0) continue;
        const max = this.maxOffset(topic, queueId);
        const wake = takeWhere(list, (p) => p.isAbandoned() || now >= p.deadline || max > p.offset);
        for (const p of wake) p.wake();
        for (const p of list) this.armDeadline(p!.deadline);
        if (list.length > 0) any = true;
      }
      // Topics nobody waits on go (deleted or idle topics must not pile up); this runs seldom.
      if (!any) this.held.delete(topic);
    }
  }

  /** Answers every held pull now (shutdown): clients get PULL_NOT_FOUND instead of a dead socket. */
  releaseAll(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.deadlineTimer) clearTimeout(this.deadlineTimer);
    const all: HeldPull[] = [];
    for (const queues of this.held.values()) for (const list of queues) if (list) all.push(...takeWhere(list, () => true));
    this.held.clear();
    for (const p of all) p.wake();
  }
}

/** Moves the pulls `pick` selects out of `list`, keeping the others in order; vacated slots are cleared. */
function takeWhere(list: (HeldPull | undefined)[], pick: (p: HeldPull) => boolean): HeldPull[] {
  const out: HeldPull[] = [];
  let kept = 0;
  for (let i = 0; i < list.length; i++) {
    const p = list[i]!;
    if (pick(p)) out.push(p);
    else list[kept++] = p;
  }
  for (let i = kept; i < list.length; i++) list[i] = undefined;
  list.length = kept;
  return out;
}
