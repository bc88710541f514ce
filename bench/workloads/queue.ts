/**
 * Workload 5, queue and lock.
 * - queue: one producer puts N (1,000,000) items into a bounded queue of 100, one consumer gets
 *   them all; items per second.
 * - lock: N (100,000) tasks contend for one Lock, each holding it across one `sleep(0)` (so all
 *   but one wait in the lock's FIFO); acquisitions per second.
 * native is the same bounded queue written with plain promises and async functions (what
 * bench/runtimes.ts compares with on each runtime). p-queue is the bounded producer/consumer of
 * the promise world: a queue of jobs run one at a time
 * (the consumer), the producer adding a job per item and waiting while 100 are queued.
 */

import PQueue from "p-queue";
import { asyncioExports, bestRate, main, now, type Sample } from "./common.ts";

main({
  async "asyncio-ts"(args) {
    const n = Number(args[0] ?? 1_000_000);
    const { run, gather, Queue } = await asyncioExports("run", "gather", "Queue");
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
    return bestRate("items/s", () => run(measure()));
  },

  // The same bounded queue in native async/await: a promise per wait, as a hand-written one has.
  async native(args) {
    const n = Number(args[0] ?? 1_000_000);
    return bestRate("items/s", async () => {
      const items: number[] = [];
      let getter: (() => void) | null = null;
      let putter: (() => void) | null = null;
      async function put(item: number): Promise<void> {
        while (items.length >= 100) await new Promise<void>((resolve) => (putter = resolve));
        items.push(item);
        if (getter !== null) {
          const wake = getter;
          getter = null;
          wake();
        }
      }
      async function get(): Promise<number> {
        while (items.length === 0) await new Promise<void>((resolve) => (getter = resolve));
        const item = items.shift()!;
        if (putter !== null) {
          const wake = putter;
          putter = null;
          wake();
        }
        return item;
      }
      const t0 = now();
      await Promise.all([
        (async () => {
          for (let i = 0; i < n; i++) await put(i);
        })(),
        (async () => {
          for (let i = 0; i < n; i++) await get();
        })(),
      ]);
      return { count: n, seconds: now() - t0 };
    });
  },

  async "p-queue"(args) {
    const n = Number(args[0] ?? 1_000_000);
    return bestRate("items/s", async () => {
      const q = new PQueue({ concurrency: 1 });
      let consumed = 0;
      const consume = (): void => {
        consumed++;
      };
      const t0 = now();
      for (let i = 0; i < n; i++) {
        if (q.size >= 100) await q.onSizeLessThan(100);
        void q.add(consume);
      }
      await q.onIdle();
      if (consumed !== n) throw new Error(`p-queue consumed ${consumed} of ${n}`);
      return { count: n, seconds: now() - t0 };
    });
  },

  async "asyncio-ts-lock"(args) {
    const n = Number(args[0] ?? 100_000);
    const { run, gather, sleep, Lock } = await asyncioExports("run", "gather", "sleep", "Lock");
    function* measure(): Generator<unknown, Sample, unknown> {
      const lock = new Lock();
      function* worker(): Generator<unknown, void, unknown> {
        yield* lock.acquire();
        try {
          yield* sleep(0);
        } finally {
          lock.release();
        }
      }
      const t0 = now();
      const coros = new Array(n);
      for (let i = 0; i < n; i++) coros[i] = worker();
      yield* gather(...coros);
      return { count: n, seconds: now() - t0 };
    }
    return bestRate("acquisitions/s", () => run(measure()));
  },
});
