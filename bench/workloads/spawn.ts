/**
 * Workload 2, spawn: create N (100,000) trivial tasks, then await each in turn, reported in tasks
 * per second. A trivial task returns its argument without ever suspending.
 *
 * Effection is not a contender here: each of its spawned tasks cost about a millisecond whatever
 * the count (1,000 to 100,000 measured 900 to 2,900 tasks/s), so 100,000 of them take half a minute.
 */

import { asyncioExports, bestRate, main, now, type Sample } from "./common.ts";

/** The floor's and the ideal runtime's coroutine: returns at once, as the tasks measured do. */
function* trivial(i: number): Generator<unknown, number, unknown> {
  return i;
}

/** An object the size of a pending Task (9 fields), each assigned in the constructor, as the floor always made it. */
class TaskSized {
  declare result: unknown;
  declare loop: unknown;
  declare state: number;
  declare coro: Generator<unknown, number, unknown>;
  declare waiter: unknown;
  declare name: number;
  declare context: unknown;
  declare prev: unknown;
  declare next: unknown;
  constructor(coro: Generator<unknown, number, unknown>) {
    this.result = null;
    this.loop = null;
    this.state = 0;
    this.coro = coro;
    this.waiter = null;
    this.name = 0;
    this.context = null;
    this.prev = null;
    this.next = null;
  }
}

main({
  async "asyncio-ts"(args) {
    const n = Number(args[0] ?? 100_000);
    const { run, createTask } = await asyncioExports("run", "createTask");
    function* measure(): Generator<unknown, Sample, unknown> {
      const t0 = now();
      const tasks = new Array(n);
      for (let i = 0; i < n; i++) tasks[i] = createTask(trivial(i));
      for (const t of tasks) yield* t;
      return { count: n, seconds: now() - t0 };
    }
    return bestRate("tasks/s", () => run(measure()));
  },

  // The floor under any generator-based task: only what spawning must keep alive, one generator
  // and one object the size of a pending Task (9 fields) per task, allocated and held, with no
  // scheduling at all. Its rate is set by V8's young-generation collections, which copy them.
  async floor(args) {
    const n = Number(args[0] ?? 100_000);
    return bestRate("tasks/s", async () => {
      const t0 = now();
      const all = new Array<TaskSized>(n);
      for (let i = 0; i < n; i++) all[i] = new TaskSized(trivial(i));
      return { count: n, seconds: now() - t0 };
    });
  },

  // The least any runtime of generator tasks does beyond the floor: the same generator and 9-field
  // object, queued in a plain array, each generator stepped once, its result stored in the object
  // and read back, with no loop, no callbacks and no context. It puts a ceiling on the fraction of
  // the floor's rate that a real runtime can reach: the step's result objects are garbage that
  // makes young-generation collections come sooner, and each collection copies every task alive.
  async "ideal-runtime"(args) {
    const n = Number(args[0] ?? 100_000);
    return bestRate("tasks/s", async () => {
      const t0 = now();
      const all = new Array<TaskSized>(n);
      const ready = new Array<TaskSized | undefined>(n);
      for (let i = 0; i < n; i++) ready[i] = all[i] = new TaskSized(trivial(i));
      for (let head = 0; head < n; head++) {
        const t = ready[head]!;
        ready[head] = undefined;
        const r = t.coro.next();
        if (r.done) {
          t.result = r.value;
          t.state = 1;
        }
      }
      let sum = 0;
      for (const t of all) sum += t.result as number;
      if (sum !== (n * (n - 1)) / 2) throw new Error(`the ideal runtime lost a result: ${sum}`);
      return { count: n, seconds: now() - t0 };
    });
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
