/**
 * AbortSignal into tasks and out of them (src/tasks.ts, src/runners.ts): `createTask(coro,
 * { signal })`, the task group's `createTask`, `run(main, { signal })`, and `cancellationSignal()`,
 * an AbortSignal that aborts when a task is cancelled.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  CancelledError,
  RuntimeError,
  cancellationSignal,
  createTask,
  currentTask,
  fromPromise,
  getRunningLoop,
  run,
  sleep,
  taskGroup,
  type Coroutine,
} from "asyncio-ts";
import { VirtualClock, asyncioTest } from "asyncio-ts/testing";

test("createTask(coro, { signal }): the task is cancelled when the signal aborts, with its reason as the message", asyncioTest(function* (loop) {
  const controller = new AbortController();
  const order: string[] = [];
  const task = createTask(
    (function* (): Coroutine<void> {
      try {
        yield* sleep(1);
        order.push("slept");
      } catch (e) {
        order.push(`cancelled at ${loop.time()}: ${(e as CancelledError).message}`);
        throw e;
      }
    })(),
    { signal: controller.signal },
  );
  yield* sleep(0.25);
  controller.abort("enough");
  try {
    yield* task;
  } catch (e) {
    assert.ok(e instanceof CancelledError);
  }
  assert.deepEqual(order, ["cancelled at 0.25: enough"]);
  assert.ok(task.cancelled());
}, { clock: "virtual" }));

test("an aborted signal cancels the task before its first step; the task group's createTask takes a signal too", asyncioTest(function* () {
  const order: string[] = [];
  const early = createTask(
    (function* (): Coroutine<void> {
      order.push("ran");
    })(),
    { signal: AbortSignal.abort("before") },
  );
  try {
    yield* early;
  } catch (e) {
    order.push(`early: ${(e as Error).message}`);
  }
  const controller = new AbortController();
  yield* taskGroup(function* (tg) {
    tg.createTask(sleep(10), { signal: controller.signal, name: "sleeper" });
    tg.createTask(
      (function* (): Coroutine<void> {
        yield* sleep(0.1);
        controller.abort("stop the sleeper");
      })(),
    );
  });
  order.push("group done");
  assert.deepEqual(order, ["early: before", "group done"]);
}, { clock: "virtual" }));

test("run(main, { signal }) cancels main when the signal aborts: the promise rejects with CancelledError", async () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort("shutting down"), 30);
  const t0 = performance.now();
  await assert.rejects(
    run(function* () {
      yield* sleep(5);
    }, { signal: controller.signal }),
    (e: Error) => e instanceof CancelledError && e.message === "shutting down",
  );
  assert.ok(performance.now() - t0 < 1000);
  assert.throws(() => run(function* () {}, { signal: "no" as unknown as AbortSignal }), { name: "TypeError", message: "the `signal` option must be an AbortSignal, got 'no'" });
});

test("cancellationSignal() aborts when the current task is cancelled, so promise-based work stops with it", async () => {
  // The bridged promise settles only when the loop aborts it: the clock need not wait for it.
  await asyncioTest(function* () {
    const seen: string[] = [];
    const task = createTask(
      (function* (): Coroutine<void> {
        const signal = cancellationSignal();
        assert.equal(signal, cancellationSignal(), "one signal per task");
        signal.addEventListener("abort", () => seen.push(`aborted: ${(signal.reason as Error).name} ${(signal.reason as Error).message}`));
        // A promise API that honours the signal (as fetch does): it settles when the signal aborts.
        yield* fromPromise(new Promise((_, reject) => signal.addEventListener("abort", () => reject(signal.reason))));
      })(),
    );
    yield* sleep(0.5);
    assert.equal(cancellationSignal(task).aborted, false);
    task.cancel("user left");
    try {
      yield* task;
    } catch (e) {
      seen.push(`task: ${(e as Error).name}`);
    }
    assert.deepEqual(seen, ["aborted: CancelledError user left", "task: CancelledError"]);
    assert.equal(cancellationSignal(task).aborted, true, "a cancelled task gives an aborted signal");
    assert.equal(cancellationSignal(currentTask()!).aborted, false);
  }, { clock: new VirtualClock({ autojumpThreshold: 0 }) })();   // the bridged promise settles only when the loop aborts it: the clock need not wait for it
  assert.throws(() => cancellationSignal(), {
    name: "RuntimeError",
    message: "no running event loop",
  });
  await run(function* () {
    getRunningLoop().callSoon(() => {
      assert.throws(() => cancellationSignal(), (e: Error) => e instanceof RuntimeError && e.message === "cancellationSignal() needs a task: call it in a coroutine that a task runs, or pass the task");
    });
    yield* sleep(0);
  });
});
