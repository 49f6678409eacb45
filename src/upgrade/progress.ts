/**
 * How a run shows itself: a live task list on a terminal (listr2), one JSON object per line
 * otherwise (for scripts, CI logs and tests), each with `at` (epoch ms) to line up with the nodes' logs.
 */
import { Listr } from 'listr2';
import type { Direction, Progress, StepInfo } from './orchestrator.js';

type RunnableStep = StepInfo & { run(figure: (f: string) => void): Promise<string | void> };

export class JsonLinesProgress implements Progress {
  constructor(private readonly write: (line: string) => void = (l) => void process.stdout.write(l + '\n')) {}

  plan(direction: Direction, steps: StepInfo[], summary: string): void {
    this.write(JSON.stringify({ event: 'plan', at: Date.now(), direction, summary, steps }));
  }

  async run(steps: RunnableStep[]): Promise<void> {
    for (const s of steps) {
      const t0 = Date.now();
      this.write(JSON.stringify({ event: 'step', at: t0, id: s.id, title: s.title, status: 'running' }));
      let last = '';
      try {
        const result = await s.run((figure) => {
          if (figure === last) return;
          last = figure;
          this.write(JSON.stringify({ event: 'gate', at: Date.now(), id: s.id, figure }));
        });
        this.write(JSON.stringify({ event: 'step', at: Date.now(), id: s.id, status: 'done', ms: Date.now() - t0, result: result ?? '' }));
      } catch (err) {
        this.write(JSON.stringify({ event: 'step', at: Date.now(), id: s.id, status: 'failed', ms: Date.now() - t0, error: (err as Error).message }));
        throw err;
      }
    }
  }
}

export class TerminalProgress implements Progress {
  plan(direction: Direction, steps: StepInfo[], summary: string): void {
    process.stdout.write(`${summary}\n\nPlan (${direction}):\n${steps.map((s, i) => `  ${String(i + 1).padStart(2)}. ${s.title}`).join('\n')}\n\n`);
  }

  async run(steps: RunnableStep[]): Promise<void> {
    const list = new Listr(
      steps.map((s) => ({
        title: s.title,
        task: async (_ctx: unknown, task: { output: string; title: string }) => {
          const t0 = Date.now();
          const result = await s.run((figure) => (task.output = figure));
          task.title = `${s.title}: ${result ?? 'done'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`;
        },
      })),
      { concurrent: false, exitOnError: true, rendererOptions: { collapseErrors: false } },
    );
    await list.run();
  }
}
