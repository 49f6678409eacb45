/**
 * Consume tasks running, and who waits for them to finish (shutdown): a count, not a Set of
 * promises churned per task (see ProcessQueue on what such churn cost in GC).
 */
export class TaskCounter {
  private running = 0;
  private idleWaiters: Array<() => void> = [];

  track(p: Promise<void>): void {
    this.running++;
    void p.finally(() => {
      if (--this.running > 0) return;
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const w of waiters) w();
    });
  }

  /** Resolves when no tracked task is running. */
  idle(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
