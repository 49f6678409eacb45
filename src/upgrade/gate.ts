/**
 * A gate: a condition checked until it holds, with a bounded wait and a growing pause between
 * checks. It reports its current figure while it waits, and fails with the last figure as reason.
 */
export class GateError extends Error {
  override name = 'GateError';
  constructor(readonly gate: string, readonly figure: string, waitedMs: number) {
    super(`${gate}: not met after ${(waitedMs / 1000).toFixed(0)} s (${figure})`);
  }
}

export interface GateCheck {
  ok: boolean;
  /** What an operator wants to see while waiting, e.g. "37 sends in flight, put TPS 120". */
  figure: string;
}

export async function gate(name: string, check: () => Promise<GateCheck>, options: { timeoutMs: number; onFigure?: (figure: string) => void }): Promise<string> {
  const started = Date.now();
  let pause = 200;
  let last = 'not checked yet';
  for (;;) {
    let result: GateCheck;
    try {
      result = await check();
    } catch (err) {
      result = { ok: false, figure: (err as Error).message };
    }
    last = result.figure;
    options.onFigure?.(last);
    if (result.ok) return last;
    if (Date.now() - started >= options.timeoutMs) throw new GateError(name, last, Date.now() - started);
    await new Promise((r) => setTimeout(r, pause));
    pause = Math.min(2000, Math.round(pause * 1.5));
  }
}
