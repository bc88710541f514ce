/**
 * Workload 2, spawn: create N (100,000) trivial tasks, then await each in turn, reported in tasks
 * per second. A trivial task returns its argument without ever suspending.
 *
 * Effection is not a contender here: each of its spawned tasks cost about a millisecond whatever
 * the count (1,000 to 100,000 measured 900 to 2,900 tasks/s), so 100,000 of them take half a minute.
 */

import { asyncioExports, bestRate, main, now, type Sample } from "./common.ts";

main({
  async "asyncio-ts"(args) {
    const n = Number(args[0] ?? 100_000);
    const { run, createTask } = await asyncioExports("run", "createTask");
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
    return bestRate("tasks/s", () => run(measure()));
  },

  // An async function call is the native "task": it runs at once and settles a promise.
  async native(args) {
    const n = Number(args[0] ?? 100_000);
    async function trivial(i: number): Promise<number> {
      return i;
    }
    return bestRate("tasks/s", async () => {
      const t0 = now();
      const all = new Array<Promise<number>>(n);
      for (let i = 0; i < n; i++) all[i] = trivial(i);
      for (const p of all) await p;
      return { count: n, seconds: now() - t0 };
    });
  },
});
