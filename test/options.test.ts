/**
 * Every options object of the public API rejects a key it does not know (src/options.ts): a
 * TypeError naming the call, the key and the keys it accepts, so a misspelt option fails where it
 * is written instead of being silently ignored. One table, one check per row.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ConcurrentFuture,
  ContextVar,
  EventLoop,
  Future,
  ProcessPoolExecutor,
  Runner,
  ThreadPoolExecutor,
  asCompleted,
  createTask,
  fromPromise,
  newEventLoop,
  run,
  sleep,
  taskGroup,
  wait,
  withJobOptions,
  wrapFuture,
  type Coroutine,
} from "asyncio-ts";
import { VirtualClock } from "asyncio-ts/testing";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each row passes a wrong key on purpose
const bad = (options: object): any => options;
function* idle(): Coroutine<void> {}

/** [what is called, a call with an unknown key, the message]. Rows that need a running loop say so. */
const rows: [string, () => unknown, string, boolean?][] = [
  ["run()", () => run(idle, bad({ debgu: true })), "run() got an unknown option `debgu`; the options are debug, clock, signal"],
  ["new Runner()", () => new Runner(bad({ signal: null })), "Runner() got an unknown option `signal`; the options are debug, clock"],
  ["Runner.run()", () => new Runner().run(idle(), bad({ name: "main" })), "Runner.run() got an unknown option `name`; the options are context, signal"],
  ["new EventLoop()", () => new EventLoop(bad({ clok: null })), "EventLoop() got an unknown option `clok`; the options are debug, clock"],
  ["newEventLoop()", () => newEventLoop(bad({ debug: false, slow: 1 })), "EventLoop() got an unknown option `slow`; the options are debug, clock"],
  ["createTask()", () => createTask(idle(), bad({ signl: null })), "createTask() got an unknown option `signl`; the options are name, context, eagerStart, signal", true],
  ["loop.createTask()", () => new EventLoop().createTask(idle(), bad({ eager: true })), "createTask() got an unknown option `eager`; the options are name, context, eagerStart, signal"],
  ["new Future()", () => new Future(bad({ loop: undefined, name: "f" })), "Future() got an unknown option `name`; the options are loop"],
  ["fromPromise()", () => fromPromise(Promise.resolve(1), bad({ signal: null })), "fromPromise() got an unknown option `signal`; the options are loop", true],
  ["wrapFuture()", () => wrapFuture(new ConcurrentFuture(), bad({ timeout: 1 })), "wrapFuture() got an unknown option `timeout`; the options are loop", true],
  ["wait()", () => wait([sleep(0)], bad({ return_when: "x" })).next(), "wait() got an unknown option `return_when`; the options are timeout, returnWhen", true],
  ["asCompleted()", () => asCompleted([sleep(0)], bad({ timout: 1 })), "asCompleted() got an unknown option `timout`; the options are timeout", true],
  ["new ContextVar()", () => new ContextVar("v", bad({ defualt: 1 })), "ContextVar() got an unknown option `defualt`; the options are default"],
  ["new VirtualClock()", () => new VirtualClock(bad({ autoJump: true })), "VirtualClock() got an unknown option `autoJump`; the options are autojump, start, autojumpThreshold"],
  ["new ThreadPoolExecutor()", () => new ThreadPoolExecutor(bad({ max_workers: 2 })), "ThreadPoolExecutor() got an unknown option `max_workers`; the options are maxWorkers, cancelGrace, jobTimeout, resourceLimits"],
  ["new ProcessPoolExecutor()", () => new ProcessPoolExecutor(bad({ grace: 1 })), "ProcessPoolExecutor() got an unknown option `grace`; the options are maxWorkers, cancelGrace, jobTimeout"],
  ["resourceLimits", () => new ThreadPoolExecutor({ resourceLimits: bad({ maxHeapMb: 1 }) }), "ThreadPoolExecutor() resourceLimits got an unknown option `maxHeapMb`; the options are maxOldGenerationSizeMb, maxYoungGenerationSizeMb, codeRangeSizeMb, stackSizeMb"],
  ["pool.shutdown()", () => new ThreadPoolExecutor().shutdown(bad({ cancel_futures: true })), "shutdown() got an unknown option `cancel_futures`; the options are wait, cancelFutures, timeout"],
  ["withJobOptions()", () => withJobOptions((x: number) => x, bad({ grace: 1 })), "withJobOptions() got an unknown option `grace`; the options are timeout"],
];

for (const [what, call, message, needsLoop] of rows) {
  test(`${what} rejects an unknown option with a TypeError naming it and the accepted ones`, async () => {
    const check = (): void => assert.throws(call, { name: "TypeError", message });
    if (needsLoop) await run(function* () {
      check();
    });
    else check();
  });
}

test("TaskGroup.createTask() rejects an unknown option, eagerStart included (a group's tasks start as the group schedules them)", async () => {
  await run(function* () {
    yield* taskGroup(function* (tg) {
      assert.throws(() => tg.createTask(idle(), bad({ eagerStart: true })), {
        name: "TypeError",
        message: "TaskGroup.createTask() got an unknown option `eagerStart`; the options are name, context, signal",
      });
    });
  });
});

test("an options argument that is not an object is a TypeError too; undefined values of known keys are fine", async () => {
  assert.throws(() => new ContextVar("v", bad(5 as unknown as object)), { name: "TypeError", message: "ContextVar() options must be an object, got number" });
  await run(idle, { debug: undefined, clock: undefined, signal: undefined });
});
