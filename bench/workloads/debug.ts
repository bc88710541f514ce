/**
 * Workload debug: what debug mode costs, on and off. The switch and spawn workloads of switch.ts
 * and spawn.ts, run here with `run(main, { debug })`, from this checkout's source or from another
 * one (bench/run.ts extracts the revision `BENCH_BASELINE` names, to compare with the code before
 * debug mode's hooks): debug mode off must cost nothing measurable (the suspension hook is one
 * load and one compare, see src/core/hooks.ts); on, each suspension records its stack and each
 * task where it was made, and that costs what it costs.
 *
 * `node --import tsx bench/workloads/debug.ts switch|queue|spawn on|off [SRC] [sizes...]`
 */

import { bestRate, main, now, type Sample } from "./common.ts";

/** The asyncio-ts to measure: this checkout's source, or another's `src/index.ts`. */
async function load(src: string | undefined): Promise<Record<string, any>> {
  return (await import(src === undefined || src === "" || src === "-" ? "../../src/index.ts" : src)) as Record<string, any>;
}

main({
  async switch([mode, src, tasksArg, roundsArg]) {
    const tasks = Number(tasksArg ?? 10_000);
    const rounds = Number(roundsArg ?? 100);
    const { run, sleep, gather } = await load(src);
    function* worker(): Generator<unknown, void, unknown> {
      for (let i = 0; i < rounds; i++) yield* sleep(0);
    }
    function* measure(): Generator<unknown, Sample, unknown> {
      const t0 = now();
      const coros = new Array(tasks);
      for (let i = 0; i < tasks; i++) coros[i] = worker();
      yield* gather(...coros);
      return { count: tasks * rounds, seconds: now() - t0 };
    }
    return bestRate("switches/s", () => run(measure(), { debug: mode === "on" }));
  },

  async spawn([mode, src, nArg]) {
    const n = Number(nArg ?? 100_000);
    const { run, createTask } = await load(src);
    function* trivial(i: number): Generator<unknown, number, unknown> {
      return i;
    }
    function* measure(): Generator<unknown, Sample, unknown> {
      const t0 = now();
      const tasks = new Array(n);
      for (let i = 0; i < n; i++) tasks[i] = createTask(trivial(i));
      for (const t of tasks) yield* t;
      return { count: n, seconds: now() - t0 };
    }
    return bestRate("tasks/s", () => run(measure(), { debug: mode === "on" }));
  },

  // Futures awaited with `yield*` (Future.next, the other suspension point with the hook).
  async queue([mode, src, nArg]) {
    const n = Number(nArg ?? 1_000_000);
    const { run, gather, Queue } = await load(src);
    function* measure(): Generator<unknown, Sample, unknown> {
      const q = new Queue(100);
      function* producer(): Generator<unknown, void, unknown> {
        for (let i = 0; i < n; i++) yield* q.put(i);
      }
      function* consumer(): Generator<unknown, void, unknown> {
        for (let i = 0; i < n; i++) yield* q.get();
      }
      const t0 = now();
      yield* gather(producer(), consumer());
      return { count: n, seconds: now() - t0 };
    }
    return bestRate("items/s", () => run(measure(), { debug: mode === "on" }));
  },
});
