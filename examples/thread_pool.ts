/**
 * Blocking work on a thread pool while the loop stays responsive: 8 jobs that each block for a
 * second, on 2 threads, take about 4 seconds, and a ticker task prints all along.
 *
 *     def blocking(i):
 *         time.sleep(1)
 *         return i * i
 *
 *     async def ticker():
 *         n = 0
 *         while True:
 *             n += 1
 *             print(f"tick {n}")
 *             await asyncio.sleep(0.5)
 *
 *     async def main():
 *         loop = asyncio.get_running_loop()
 *         tick = asyncio.create_task(ticker())
 *         with ThreadPoolExecutor(max_workers=2) as pool:
 *             results = await asyncio.gather(*(loop.run_in_executor(pool, blocking, i) for i in range(8)))
 *         tick.cancel()
 *         print(f"results: {results}")
 *
 * Run it with `node --import tsx examples/thread_pool.ts [seconds per job]`.
 */
import { ThreadPoolExecutor, createTask, fromPromise, gather, getRunningLoop, run, sleep, type Coroutine } from "asyncio-ts";

const JOBS = 8;
const THREADS = 2;
const seconds = Number(process.argv[2] ?? 1);

/** Blocks its thread for `seconds` (as `time.sleep` would), then returns `i * i`. */
function blocking(i: number, seconds: number): number {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, seconds * 1000);
  return i * i;
}

function* ticker(): Coroutine<never> {
  for (let n = 1; ; n++) {
    console.log(`tick ${n}`);
    yield* sleep(seconds / 2);
  }
}

function* main(): Coroutine<void> {
  const loop = getRunningLoop();
  console.log(`start: ${JOBS} jobs of ${seconds} s each on ${THREADS} threads`);
  const started = loop.time();
  const tick = createTask(ticker());
  const pool = new ThreadPoolExecutor({ maxWorkers: THREADS });
  let results: number[];
  try {
    const jobs = Array.from({ length: JOBS }, (_, i) => loop.runInExecutor(pool, blocking, i, seconds));
    results = yield* gather(...jobs);
  } finally {
    // `with ThreadPoolExecutor() as pool:` waits for the threads to end on the way out.
    yield* fromPromise(pool.shutdown());
  }
  tick.cancel();
  console.log(`results: [${results.join(", ")}]`);
  console.log(`took ${(loop.time() - started).toFixed(1)} s`);
}

await run(main());
