/**
 * Both pools, by module reference and by function source, as a user writes them, run with plain
 * node: through `runInExecutor`, `submit`, `map`, `toThread`, and `shutdown`.
 */
import assert from "node:assert/strict";
import {
  ProcessPoolExecutor,
  ThreadPoolExecutor,
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
    yield* fromPromise(pool.shutdown());
  }
  assert.equal(yield* toThread(fib, 15), 610);
}

await run(main);
console.log("ok: pools");
