/**
 * Workload 8, cancel: the time from `task.cancel()` of a running CPU-bound job to its worker
 * being free again, measured as the moment a trivial job submitted right after the cancel returns.
 * One worker; the job is `spin` of jobs.mjs, a busy loop of up to 10 s, and it is given 0.1 s to
 * start. Each contender repeats the measurement and reports the median, with the spread (fastest
 * and slowest) as its detail.
 * - asyncio-ts-threads-cooperative / -processes-cooperative: the job reads `this.signal.aborted`.
 * - asyncio-ts-threads-forced / -processes-forced: the job ignores its signal; cancelGrace 0.1 s,
 *   then the worker is terminated and a new one started.
 * - piscina: `pool.run(args, { signal })` and `controller.abort()` (piscina terminates the worker
 *   thread of a running task and starts another).
 */

import { Piscina } from "piscina";
import { asyncioExports, main, now, type Outcome } from "./common.ts";

const JOBS_URL = new URL("./jobs.mjs", import.meta.url);
const SPIN_MS = 10_000;
const START_S = 0.1;
const GRACE_S = 0.1;

const sleep = (s: number): Promise<void> => new Promise((r) => setTimeout(r, s * 1000));

/** The median of `samples` (ms), with the fastest and slowest as the detail. */
function report(samples: number[]): Outcome & { detail: string } {
  const sorted = [...samples].sort((a, b) => a - b);
  const median = sorted[sorted.length >> 1]!;
  return { value: median, unit: "ms to free", reps: samples.length, detail: `${sorted[0]!.toFixed(1)} to ${sorted.at(-1)!.toFixed(1)} ms over ${samples.length}` };
}

async function asyncioCancel(className: "ThreadPoolExecutor" | "ProcessPoolExecutor", cooperative: boolean, reps: number): Promise<Outcome> {
  const mod = await asyncioExports(className, "workerFunction", "run", "createTask");
  const spin = mod.workerFunction(JOBS_URL, "spin");
  const pool = new mod[className]({ maxWorkers: 1, cancelGrace: GRACE_S });
  const samples: number[] = [];
  try {
    await pool.submit(spin, 1, cooperative); // loaded and warm
    await mod.run(function* () {
      const loop = mod.getRunningLoop();
      for (let i = 0; i < reps; i++) {
        yield* loop.runInExecutor(pool, spin, 1, cooperative); // a new worker (after a forced one) is up
        const task = mod.createTask(
          (function* () {
            return yield* loop.runInExecutor(pool, spin, SPIN_MS, cooperative);
          })(),
        );
        yield* mod.sleep(START_S);
        const t0 = now();
        task.cancel();
        yield* loop.runInExecutor(pool, (x: number) => x + 1, 1);
        samples.push((now() - t0) * 1000);
        try {
          yield* task;
        } catch {
          // cancelled, as expected
        }
      }
    });
  } finally {
    await pool.shutdown({ timeout: 0 });
  }
  return report(samples);
}

main({
  async "asyncio-ts-threads-cooperative"(args) {
    return asyncioCancel("ThreadPoolExecutor", true, Number(args[0] ?? 20));
  },
  async "asyncio-ts-threads-forced"(args) {
    return asyncioCancel("ThreadPoolExecutor", false, Number(args[0] ?? 10));
  },
  async "asyncio-ts-processes-cooperative"(args) {
    return asyncioCancel("ProcessPoolExecutor", true, Number(args[0] ?? 20));
  },
  async "asyncio-ts-processes-forced"(args) {
    return asyncioCancel("ProcessPoolExecutor", false, Number(args[0] ?? 10));
  },
  async piscina(args) {
    const reps = Number(args[0] ?? 10);
    const pool = new Piscina({ filename: JOBS_URL.href, minThreads: 1, maxThreads: 1 });
    const samples: number[] = [];
    try {
      await pool.run([1, false], { name: "spinArgs" });
      for (let i = 0; i < reps; i++) {
        const controller = new AbortController();
        const task = pool.run([SPIN_MS, false], { name: "spinArgs", signal: controller.signal }).catch(() => "aborted");
        await sleep(START_S);
        const t0 = now();
        controller.abort();
        await pool.run([1, false], { name: "spinArgs" });
        samples.push((now() - t0) * 1000);
        await task;
      }
    } finally {
      await pool.destroy();
    }
    return report(samples);
  },
});
