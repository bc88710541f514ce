/**
 * Workload 1, switch: TASKS tasks each yield to the scheduler ROUNDS times (10,000 x 100 =
 * 1,000,000 switches), reported in switches per second. Every contender makes the same number
 * of tasks and the same number of cooperative yields, and waits for all of them.
 *
 * The native anchors show both kinds of yield a promise can make: `await new Promise(setImmediate)`
 * goes back through Node's event loop, as `sleep(0)` lets I/O in between rounds; `await null`
 * only goes through the microtask queue, which I/O can never interleave with, so it is a ceiling
 * rather than an equivalent.
 */

import { run as effectionRun, sleep as effectionSleep, spawn, type Task as EffectionTask } from "effection";
import { asyncioExports, bestRate, main, now, type Sample } from "./common.ts";

function sizes(args: string[]): [tasks: number, rounds: number] {
  return [Number(args[0] ?? 10_000), Number(args[1] ?? 100)];
}

main({
  async "asyncio-ts"(args) {
    const [tasks, rounds] = sizes(args);
    const { run, sleep, gather } = await asyncioExports("run", "sleep", "gather");
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
    return bestRate("switches/s", () => run(measure()));
  },

  async "native-immediate"(args) {
    const [tasks, rounds] = sizes(args);
    async function worker(): Promise<void> {
      for (let i = 0; i < rounds; i++) await new Promise(setImmediate);
    }
    return bestRate("switches/s", async () => {
      const t0 = now();
      const all = new Array<Promise<void>>(tasks);
      for (let i = 0; i < tasks; i++) all[i] = worker();
      await Promise.all(all);
      return { count: tasks * rounds, seconds: now() - t0 };
    });
  },

  async "native-microtask"(args) {
    const [tasks, rounds] = sizes(args);
    async function worker(): Promise<void> {
      for (let i = 0; i < rounds; i++) await null;
    }
    return bestRate("switches/s", async () => {
      const t0 = now();
      const all = new Array<Promise<void>>(tasks);
      for (let i = 0; i < tasks; i++) all[i] = worker();
      await Promise.all(all);
      return { count: tasks * rounds, seconds: now() - t0 };
    });
  },

  // Effection's own `sleep(0)` is a `setTimeout(0)`, which Node clamps to 1 ms; an action resolved
  // from `setImmediate` instead measured the same (about 50,000/s): the cost is Effection's step.
  async "effection-sleep0"(args) {
    const [tasks, rounds] = sizes(args);
    return bestRate("switches/s", () =>
      effectionRun(function* () {
        const t0 = now();
        const spawned = new Array<EffectionTask<void>>(tasks);
        for (let i = 0; i < tasks; i++) {
          spawned[i] = yield* spawn(function* () {
            for (let r = 0; r < rounds; r++) yield* effectionSleep(0);
          });
        }
        for (const t of spawned) yield* t;
        return { count: tasks * rounds, seconds: now() - t0 };
      }),
    );
  },
});
