/**
 * Workload taskgroup: one task group runs ROUNDS x WIDTH short tasks (3,000 x 100 = 300,000),
 * WIDTH started per round, each waiting one `sleep(0)` and then done: a crawler's shape, where a
 * long-lived group sees many short tasks come and go. Reported in tasks per second.
 */

import { asyncioExports, bestRate, main, now, type Sample } from "./common.ts";

function sizes(args: string[]): [rounds: number, width: number] {
  return [Number(args[0] ?? 3_000), Number(args[1] ?? 100)];
}

main({
  async "asyncio-ts"(args) {
    const [rounds, width] = sizes(args);
    const { run, sleep, taskGroup } = await asyncioExports("run", "sleep", "taskGroup");
    function* child(page: { url: number; body: string | null }): Generator<unknown, void, unknown> {
      yield* sleep(0);
      page.body = "done";
    }
    function* measure(): Generator<unknown, Sample, unknown> {
      const t0 = now();
      yield* taskGroup(function* (tg: { createTask(coro: unknown): unknown }) {
        for (let r = 0; r < rounds; r++) {
          for (let i = 0; i < width; i++) tg.createTask(child({ url: r * width + i, body: null }));
          yield* sleep(0);
          yield* sleep(0);
        }
      });
      return { count: rounds * width, seconds: now() - t0 };
    }
    return bestRate("tasks/s", () => run(measure()));
  },
});
