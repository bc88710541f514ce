import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  EventLoop,
  RuntimeError,
  ThreadPoolExecutor,
  createTask,
  getRunningLoop,
  isCancellation,
  run,
  sleep,
  toThread,
  workerFunction,
  type Coroutine,
  type Executor,
} from "asyncio-ts";

/** Blocks the calling thread for `ms` (as `time.sleep` would), then returns `value`. */
function blockFor(ms: number, value: string): string {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return value;
}

test("toThread runs a blocking function on a thread while the loop keeps running", async () => {
  const events: string[] = [];
  const result = await run(function* (): Coroutine<string> {
    const ticker = createTask(
      (function* (): Coroutine<void> {
        for (;;) {
          events.push("tick");
          yield* sleep(0.02);
        }
      })(),
    );
    const value = yield* toThread(blockFor, 250, "done");
    events.push(`result ${value}`);
    ticker.cancel();
    return value;
  });
  assert.equal(result, "done");
  assert.equal(events.at(-1), "result done");
  // Without a thread, the blocking call would have let the ticker run only once.
  assert.ok(events.filter((e) => e === "tick").length >= 3, JSON.stringify(events));
});

test("toThread passes arguments and results by structured clone and awaits an async function in the thread", async () => {
  const fileName = workerFunction<typeof import("../fixtures/executors/jobs.ts").fileName>(
    new URL("../fixtures/executors/jobs.ts", import.meta.url),
    "fileName",
  );
  const out = await run(function* (): Coroutine<unknown[]> {
    const a = yield* toThread((m: Map<string, number>) => [...m.keys()].join("+"), new Map([["x", 1], ["y", 2]]));
    const b = yield* toThread(async (n: number) => {
      await new Promise((resolve) => setTimeout(resolve, 5));
      return { n, date: new Date(0) };
    }, 7);
    const c = yield* toThread(fileName, "/tmp/report.txt");
    return [a, b, c];
  });
  assert.deepEqual(out, ["x+y", { n: 7, date: new Date(0) }, "report.txt"]);
});

test("an error in the thread is thrown into the coroutine with its class and message", async () => {
  const caught = await run(function* (): Coroutine<string> {
    try {
      yield* toThread((s: string) => JSON.parse(s), "{oops");
      return "no error";
    } catch (e) {
      return `${(e as Error).name} ${(e as Error) instanceof SyntaxError}`;
    }
  });
  assert.equal(caught, "SyntaxError true");
});

test("runInExecutor(null) makes one default ThreadPoolExecutor; run() shuts it down", async () => {
  let pool: Executor | null = null;
  await run(function* (): Coroutine<void> {
    const loop = getRunningLoop();
    const [a, b] = [loop.runInExecutor(null, (x: number) => x + 1, 1), loop.runInExecutor(null, (x: number) => x + 2, 1)];
    assert.deepEqual([yield* a, yield* b], [2, 3]);
    pool = loop.defaultExecutor;
    assert.ok(pool instanceof ThreadPoolExecutor);
    assert.equal(yield* toThread(() => "same pool"), "same pool");
    assert.equal(loop.defaultExecutor, pool);
  });
  assert.throws(() => (pool as ThreadPoolExecutor).submit(() => 1), { name: "RuntimeError", message: "cannot schedule new futures after shutdown" });
  assert.equal((pool as unknown as ThreadPoolExecutor).stats().workers, 0);
});

test("runInExecutor uses the executor given, or the one set with setDefaultExecutor", async () => {
  const mine = new ThreadPoolExecutor({ maxWorkers: 1 });
  await run(function* (): Coroutine<void> {
    const loop = getRunningLoop();
    assert.equal(yield* loop.runInExecutor(mine, (a: string, b: string) => a + b, "x", "y"), "xy");
    assert.equal(mine.stats().workers, 1);
    loop.setDefaultExecutor(mine);
    assert.equal(yield* toThread((n: number) => n * 2, 21), 42);
  });
  // run() shut the default executor down, and that was ours.
  assert.throws(() => mine.submit(() => 1), RuntimeError);
  const closed = new EventLoop();
  closed.close();
  assert.throws(() => closed.runInExecutor(mine, () => 1), { name: "RuntimeError", message: "Event loop is closed" });
});

test("cancelling a task waiting on toThread cancels the job if it has not started", async () => {
  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  const events: string[] = [];
  await run(function* (): Coroutine<void> {
    getRunningLoop().setDefaultExecutor(pool);
    const busy = createTask(toThread(blockFor, 100, "busy"));
    const waiting = createTask(toThread(blockFor, 1, "waiting"));
    while (pool.stats().running === 0) yield* sleep(0.002);
    assert.equal(pool.stats().queued, 1);
    waiting.cancel();
    try {
      yield* waiting;
    } catch (e) {
      events.push(isCancellation(e) ? "cancelled" : String(e));
    }
    yield* sleep(0);
    events.push(`queued ${pool.stats().queued}`);
    events.push(yield* busy);
  });
  assert.deepEqual(events, ["cancelled", "queued 0", "busy"]);
  assert.ok(new CancelledError() instanceof Error);
});
