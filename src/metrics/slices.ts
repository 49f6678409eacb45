/**
 * Long scrape work cut into slices with a turn of the event loop between them, so that sends and
 * pulls arriving meanwhile are served instead of waiting for the whole scrape.
 */

/** Resolves after one turn of the event loop (pending I/O is handled first). */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A clock for one piece of work: `due()` once a slice has run `ms`, `next()` yields and starts the next. */
export class Slices {
  private start = performance.now();

  constructor(private readonly ms = 2) {}

  due(): boolean {
    return performance.now() - this.start > this.ms;
  }

  async next(): Promise<void> {
    await nextTurn();
    this.start = performance.now();
  }
}
