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

  // The floor under any generator-based task: only what spawning must keep alive, one generator
  // and one object the size of a pending Task (9 fields) per task, allocated and held, with no
  // scheduling at all. Its rate is set by V8's young-generation collections, which copy them.
  async floor(args) {
    const n = Number(args[0] ?? 100_000);
    function* trivial(i: number): Generator<unknown, number, unknown> {
      return i;
    }
    class NineFields {
      constructor(coro: Generator<unknown, number, unknown>) {
        const self = this as Record<string, unknown>;
        self.a = null;
        self.b = null;
        self.c = 0;
        self.d = coro;
        self.e = null;
        self.f = 0;
        self.g = null;
        self.h = null;
        self.i = null;
      }
    }
    return bestRate("tasks/s", async () => {
      const t0 = now();
      const all = new Array<NineFields>(n);
      for (let i = 0; i < n; i++) all[i] = new NineFields(trivial(i));
      return { count: n, seconds: now() - t0 };
    });
  },

  // The least any runtime of generator tasks does beyond the floor: the same generator and 9-field
  // object, queued in a plain array, each generator stepped once, its result stored in the object
  // and read back, with no loop, no callbacks and no context. It puts a ceiling on the fraction of
  // the floor's rate that a real runtime can reach: the step's result objects are garbage that
  // makes young-generation collections come sooner, and each of them copies every task alive.
  async "ideal-runtime"(args) {
    const n = Number(args[0] ?? 100_000);
    function* trivial(i: number): Generator<unknown, number, unknown> {
      return i;
    }
    class NineFields {
      value: number | null = null;
      b = null;
      flags = 0;
      coro: Generator<unknown, number, unknown>;
      e = null;
      f = 0;
      g = null;
      h = null;
      i = null;
      constructor(coro: Generator<unknown, number, unknown>) {
        this.coro = coro;
      }
    }
    return bestRate("tasks/s", async () => {
      const t0 = now();
      const all = new Array<NineFields>(n);
      const ready = new Array<NineFields | undefined>(n);
      let tail = 0;
      for (let i = 0; i < n; i++) ready[tail++] = all[i] = new NineFields(trivial(i));
      for (let head = 0; head < tail; head++) {
        const t = ready[head]!;
        ready[head] = undefined;
        const r = t.coro.next();
        if (r.done) {
          t.value = r.value;
          t.flags = 1;
        }
      }
      let sum = 0;
      for (const t of all) sum += t.value!;
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
