/**
 * Workload 4, memory: the heap held by each of N (10,000) pending tasks, in bytes per task.
 * The heap is read after two forced collections, before the tasks are created and again once
 * every task has started and is waiting (two `sleep(0)`s later); the difference, divided by N,
 * includes the array that holds the tasks (8 bytes a task, as the Python list does).
 *
 * `sleep` tasks wait on `sleep(10)` (a timer and a future each); `future` tasks all wait on
 * one shared pending future (the cost of the task and its coroutine alone).
 */

import { run as effectionRun, sleep as effectionSleep, spawn, suspend } from "effection";
import { asyncioExports, heapAfterGc, main, type Outcome } from "./common.ts";

function sizes(args: string[]): [n: number, mode: "sleep" | "future"] {
  const mode = args[1] ?? "sleep";
  if (mode !== "sleep" && mode !== "future") throw new Error(`mode must be sleep or future, got ${mode}`);
  return [Number(args[0] ?? 10_000), mode];
}

main({
  async "asyncio-ts"(args) {
    const [n, mode] = sizes(args);
    const { run, createTask, sleep, getRunningLoop, gather } = await asyncioExports("run", "createTask", "sleep", "getRunningLoop", "gather");
    function* measure(): Generator<unknown, Outcome, unknown> {
      const fut = getRunningLoop().createFuture();
      function* sleeper(): Generator<unknown, void, unknown> {
        yield* sleep(10);
      }
      function* waiter(): Generator<unknown, void, unknown> {
        yield* fut;
      }
      const body = mode === "sleep" ? sleeper : waiter;
      const before = heapAfterGc();
      const tasks = new Array(n);
      for (let i = 0; i < n; i++) tasks[i] = createTask(body());
      yield* sleep(0);
      yield* sleep(0);
      const after = heapAfterGc();
      for (const t of tasks) t.cancel();
      yield* gather(...tasks, { returnExceptions: true });
      return { value: (after - before) / n, unit: "bytes/task", reps: 1 };
    }
    return run(measure());
  },

  // An async function call waiting on a pending promise (shared) or on a 10 s setTimeout.
  async native(args) {
    const [n, mode] = sizes(args);
    let release!: () => void;
    const shared = new Promise<void>((resolve) => (release = resolve));
    const timers: NodeJS.Timeout[] = [];
    async function sleeper(): Promise<void> {
      await new Promise<void>((resolve) => timers.push(setTimeout(resolve, 10_000)));
    }
    async function waiter(): Promise<void> {
      await shared;
    }
    const body = mode === "sleep" ? sleeper : waiter;
    const before = heapAfterGc();
    const all = new Array<Promise<void>>(n);
    for (let i = 0; i < n; i++) all[i] = body();
    await new Promise(setImmediate);
    const after = heapAfterGc();
    for (const t of timers) clearTimeout(t);
    release();
    return { value: (after - before - timers.length * 8) / n, unit: "bytes/task", reps: 1 };
  },

  // Spawned operations waiting in `sleep(10000)` or in `suspend()` (Effection's "wait forever").
  async effection(args) {
    const [n, mode] = sizes(args);
    return effectionRun(function* () {
      const body = mode === "sleep" ? () => effectionSleep(10_000) : () => suspend();
      const before = heapAfterGc();
      const tasks = new Array(n);
      for (let i = 0; i < n; i++) tasks[i] = yield* spawn(body);
      yield* effectionSleep(1);
      yield* effectionSleep(1);
      const after = heapAfterGc();
      for (const t of tasks) yield* t.halt();
      return { value: (after - before) / n, unit: "bytes/task", reps: 1 };
    });
  },
});
