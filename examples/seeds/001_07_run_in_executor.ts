/**
 * Tutorial 001_8035d624070b9cd9.txt ("AsyncIO 基础"), section "将asyncio 和 concurrent 多线程结合使用"
 * (asyncio with concurrent.futures): a blocking function runs three times through runInExecutor,
 * on the default executor (null), then on a ThreadPoolExecutor of its own, then on one the tutorial
 * calls a process pool but which is a ThreadPoolExecutor as well.
 *
 * Python's `with ThreadPoolExecutor() as pool:` shuts the pool down on the way out, waiting for
 * its threads (blocking the loop while it does); a coroutine here writes that as try/finally
 * around `yield* fromPromise(pool.shutdown())`. CPython 3.13 runs it as it is.
 */
import { ThreadPoolExecutor, fromPromise, getRunningLoop, run, type Coroutine } from "asyncio-ts";

/** Runs on a pool thread, so it is shipped by its source and uses nothing but globals. */
function sleepIt(): string {
  console.log("sleep 1s");
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000); // time.sleep(1): blocks this thread
  return "sleep 1";
}

function* main(): Coroutine<void> {
  const loop = getRunningLoop();
  const fut = loop.runInExecutor(null, sleepIt);
  let result = yield* fut;
  console.log("default thread pool", result);

  // a thread pool of our own, though the default (null) above is a thread pool too
  let pool = new ThreadPoolExecutor();
  try {
    result = yield* loop.runInExecutor(pool, sleepIt);
    console.log("custom thread pool", result);
  } finally {
    yield* fromPromise(pool.shutdown());
  }

  // "a process pool", as the tutorial names it
  pool = new ThreadPoolExecutor();
  try {
    result = yield* loop.runInExecutor(pool, sleepIt);
    console.log("custom process pool", result);
  } finally {
    yield* fromPromise(pool.shutdown());
  }
}

await run(main());
