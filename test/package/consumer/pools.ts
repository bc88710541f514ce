/**
 * Both pools, by module reference and by function source, as a user writes them, run with plain
 * node: through `runInExecutor`, `submit`, `map`, `toThread`, and `shutdown`; cancelling a running
 * job (cooperative and forced), a job's timeout, and `shutdown({ timeout })`.
 */
import assert from "node:assert/strict";
import {
  CancelledError,
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  TimeoutError,
  createTask,
  sleep,
  withJobOptions,
  fromPromise,
  getRunningLoop,
  run,
  toThread,
  workerFunction,
  wrapFuture,
  type Coroutine,
} from "asyncio-ts";
import type * as jobs from "./jobs.ts";

const jobsUrl = new URL("./jobs.js", import.meta.url);
const fib = workerFunction<typeof jobs.fib>(jobsUrl, "fib");
const shout = workerFunction<typeof jobs.shout>(jobsUrl, "shout");
const where = workerFunction<typeof jobs.where>(jobsUrl, "where");
const later = workerFunction<typeof jobs.later>(jobsUrl, "later");
const fail = workerFunction<typeof jobs.fail>(jobsUrl, "fail");
const spin = workerFunction<typeof jobs.spin>(jobsUrl, "spin");

/** Cancels a running job's task and checks that the worker then runs the next job. */
function* cancelRunning(pool: ThreadPoolExecutor | ProcessPoolExecutor, fn: typeof spin | ((ms: number) => string)): Coroutine {
  const loop = getRunningLoop();
  assert.equal(yield* loop.runInExecutor(pool, (x: number) => x + 1, 1), 2); // the worker is up
  yield* sleep(0.3); // a child process's control thread starts beside it
  const task = createTask(
    (function* (): Coroutine<string> {
      return yield* loop.runInExecutor(pool, fn, 30_000);
    })(),
  );
  yield* sleep(0.1);
  const t0 = loop.time();
  task.cancel();
  try {
    yield* task;
    assert.fail("the task should be cancelled");
  } catch (e) {
    assert.ok(e instanceof CancelledError);
  }
  assert.equal(yield* loop.runInExecutor(pool, (x: number) => x * 2, 21), 42);
  assert.ok(loop.time() - t0 < 5, `the worker was free after ${loop.time() - t0} s`);
}

function* main(): Coroutine {
  const loop = getRunningLoop();
  for (const pool of [new ThreadPoolExecutor({ maxWorkers: 2 }), new ProcessPoolExecutor({ maxWorkers: 2 })]) {
    const name = pool.constructor.name;
    const n: number = yield* loop.runInExecutor(pool, fib, 20);
    assert.equal(n, 6765, name);
    const bySource: string = yield* loop.runInExecutor(pool, (s: string, k: number) => s.repeat(k), "ab", 2);
    assert.equal(bySource, "abab", name);
    assert.deepEqual(yield* fromPromise(pool.map(fib, [1, 2, 3, 10])), [1, 1, 2, 55], name);
    assert.equal(yield* wrapFuture(pool.submit(later, "async")), "async", name);
    assert.equal(yield* wrapFuture(pool.submit(shout, name)), name.toUpperCase(), name);
    try {
      yield* loop.runInExecutor(pool, fail, "too far");
      assert.fail("the job should fail");
    } catch (e) {
      assert.ok(e instanceof RangeError, name);
      assert.equal(e.message, "too far");
    }
    if (pool instanceof ThreadPoolExecutor) assert.notEqual(yield* loop.runInExecutor(pool, where), 0, "jobs run off the main thread");
    yield* cancelRunning(pool, spin); // cooperative, by module reference
    yield* fromPromise(pool.shutdown());
  }
  for (const pool of [new ThreadPoolExecutor({ maxWorkers: 1, cancelGrace: 0.1 }), new ProcessPoolExecutor({ maxWorkers: 1, cancelGrace: 0.1 })]) {
    // Forced, by source: the job ignores its signal, so its worker is replaced after cancelGrace.
    yield* cancelRunning(pool, (ms: number) => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
      return "woke";
    });
    try {
      yield* loop.runInExecutor(pool, withJobOptions(spin, { timeout: 0.2 }), 30_000);
      assert.fail("the job should time out");
    } catch (e) {
      assert.ok(e instanceof TimeoutError);
    }
    pool.submit(spin, 30_000);
    yield* fromPromise(pool.shutdown({ timeout: 0.1 }));
    assert.equal(pool.stats().workers, 0);
  }
  assert.equal(yield* toThread(fib, 15), 610);
}

await run(main);
console.log("ok: pools");
