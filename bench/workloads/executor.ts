/**
 * Workload 7, executor: N tiny jobs (`x => x + 1`) through a pool of 2 workers, all submitted at
 * once and then awaited in order; jobs per second. Each pool first runs a few jobs so its workers
 * are up before the clock starts. The job is the exported function `inc` of jobs.mjs, named the
 * way each pool names a job in a module: `workerFunction(url, "inc")` for asyncio-ts, the
 * module's default export for piscina.
 * - asyncio-ts-threads vs piscina: 2 worker threads each (100,000 jobs)
 * - asyncio-ts-processes (vs CPython's ProcessPoolExecutor(2), bench/python/bench.py): 2 child
 *   processes (20,000 jobs, both sides)
 */

import { Piscina } from "piscina";
import { asyncioExports, bestRate, main, now, type Outcome } from "./common.ts";

const JOBS_URL = new URL("./jobs.mjs", import.meta.url);
const WARM_UP_JOBS = 4;

interface Pool {
  submit(n: number): PromiseLike<number>;
}

/** Times `n` jobs through `pool`, after a warm-up, by the repetition rule of common.ts. */
async function measurePool(pool: Pool, n: number): Promise<Outcome> {
  const warm: PromiseLike<number>[] = [];
  for (let i = 0; i < WARM_UP_JOBS; i++) warm.push(pool.submit(i));
  for (const f of warm) await f;
  return bestRate("jobs/s", async () => {
    const t0 = now();
    const futures = new Array<PromiseLike<number>>(n);
    for (let i = 0; i < n; i++) futures[i] = pool.submit(i);
    for (let i = 0; i < n; i++) {
      if ((await futures[i]) !== i + 1) throw new Error(`job ${i} returned a wrong result`);
    }
    return { count: n, seconds: now() - t0 };
  });
}

async function asyncioPool(className: "ThreadPoolExecutor" | "ProcessPoolExecutor", n: number): Promise<Outcome> {
  const mod = await asyncioExports(className, "workerFunction");
  const inc = mod.workerFunction(JOBS_URL, "inc");
  const executor = new mod[className]({ maxWorkers: 2 });
  try {
    return await measurePool({ submit: (i) => executor.submit(inc, i) }, n);
  } finally {
    await executor.shutdown({ wait: true });
  }
}

main({
  async "asyncio-ts-threads"(args) {
    return asyncioPool("ThreadPoolExecutor", Number(args[0] ?? 100_000));
  },

  async "asyncio-ts-processes"(args) {
    return asyncioPool("ProcessPoolExecutor", Number(args[0] ?? 20_000));
  },

  async piscina(args) {
    const n = Number(args[0] ?? 100_000);
    const pool = new Piscina({ filename: JOBS_URL.href, minThreads: 2, maxThreads: 2 });
    try {
      return await measurePool({ submit: (i) => pool.run(i) }, n);
    } finally {
      await pool.destroy();
    }
  },
});
