/**
 * `asyncioTest`: one test on a loop of its own, that fails when the test leaves anything behind
 * or deadlocks (CPython's `IsolatedAsyncioTestCase`, with the leak checks of Trio's test runs).
 *
 * How it sees a deadlock without waiting for the process to exit. The loop calls back whenever a
 * batch leaves it with nothing of its own to do (no ready runnable, no finite timer). Then, after
 * one turn of Node's loop (so I/O already queued is delivered), the test is deadlocked if nothing
 * else could ever wake the loop: no real work pending (a `fromPromise` promise, an executor job),
 * no socket or server open on the loop, and no Node handle created by the test still alive (a
 * timer, a socket, a child process, a worker thread: `node:async_hooks` sees them). The run then
 * ends with the loop's deadlock report, which names the chain of futures the test waits on, and
 * only this test fails.
 *
 * What it reports as left behind, after the body: tasks still pending, timers still scheduled on
 * the loop, sockets and servers still open, errors of failed tasks and futures nobody read, and
 * Node handles the test created that are still alive. The loop is then closed as `run()` closes
 * it (leftover tasks cancelled, transports closed, the default executor shut down) and leftover
 * Node timers are cleared, so one test's leftovers do not leak into the next; the test fails with
 * a `LeftoversError` listing them, unless each is allowed by `options.allow`.
 */

import { _checkOptions, isFuture, newEventLoop, setEventLoop, type Coroutine, type EventLoop } from "asyncio-ts";
import { VirtualClock } from "./clock.ts";
import { HandleTracker, userFrames } from "./handles.ts";

/** Options of `asyncioTest`. */
export interface AsyncioTestOptions {
  /**
   * The loop's clock: "real", "virtual" (a new `VirtualClock`), or a `VirtualClock` of your own.
   * @default "real"
   */
  clock?: "real" | "virtual" | VirtualClock;
  /** Run the loop in debug mode (tasks record where they were created, for the reports). @default true */
  debug?: boolean;
  /**
   * Leftovers allowed on purpose: each string or RegExp is matched against the leftover's
   * description (`task <Task pending name='poller' ...>`, `timer <TimerHandle ...>`, ...).
   * @default []
   */
  allow?: readonly (string | RegExp)[];
  /**
   * Shuffle the order in which the callbacks and task steps of each turn of the loop run, with
   * this seed (or a random one for `true`), so that a test that passes only in FIFO order fails;
   * its failure then names the seed, and the same seed gives the same order again.
   * @default false (FIFO order, as asyncio runs)
   */
  shuffle?: number | boolean;
}

/** A small seeded generator of numbers in [0, 1) (mulberry32). */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * What a test left behind, listed one per line in the message; `leftovers` holds the same lines.
 * @example
 * // Thrown by the function asyncioTest returns, so the test runner reports it:
 * // LeftoversError: the test left 1 thing behind:
 * //   task <Task pending name='ticker' coro=tick()> created at ...
 */
export class LeftoversError extends Error {
  override readonly name = "LeftoversError";
  constructor(readonly leftovers: readonly string[]) {
    super(
      `the test left ${leftovers.length} thing${leftovers.length === 1 ? "" : "s"} behind (allow one on purpose with ` +
        `asyncioTest(body, { allow: [...] })):\n${leftovers.map((l) => `  ${l.replace(/\n/g, "\n    ")}`).join("\n")}`,
    );
  }
}

/**
 * Makes a test function that runs `body` on a fresh loop and fails on leftovers and deadlocks.
 * The returned function takes no arguments and returns a promise, which is what node:test,
 * vitest and jest take: `test("name", asyncioTest(function* () { ... }))`.
 * @param body the test, as a coroutine function; it gets the loop.
 * @param options.clock "real", "virtual" or a VirtualClock. @default "real"
 * @param options.debug debug mode. @default true
 * @param options.allow leftovers allowed on purpose. @default []
 * @param options.shuffle shuffle each turn's callbacks with this seed (true: a random one). @default false
 * @returns the test function: it resolves with nothing, or rejects with the test's own error, the
 *   loop's deadlock `RuntimeError`, or a `LeftoversError`.
 * @throws TypeError for an unknown option or a body that is not a generator function.
 * @example
 * import { test } from "node:test";
 * import { asyncioTest } from "asyncio-ts/testing";
 *
 * test("the worker drains the queue", asyncioTest(function* () {
 *   const queue = new Queue<number>();
 *   const worker = createTask(drain(queue));
 *   yield* queue.put(1);
 *   yield* queue.join();
 *   worker.cancel(); // without this line the test fails: "task <Task pending ...> left behind"
 * }, { clock: "virtual" }));
 */
export function asyncioTest(body: (loop: EventLoop) => Coroutine<unknown>, options: AsyncioTestOptions = {}): () => Promise<void> {
  if (typeof body !== "function") throw new TypeError(`asyncioTest() takes a generator function (loop) => Coroutine, got ${String(body)}`);
  _checkOptions(options, ["clock", "debug", "allow", "shuffle"], "asyncioTest()");
  const allow = options.allow ?? [];
  return async () => {
    const clock = options.clock === "virtual" ? new VirtualClock() : options.clock === "real" || options.clock === undefined ? null : options.clock;
    const loop = newEventLoop(clock === null ? { debug: options.debug ?? true } : { clock, debug: options.debug ?? true });
    const seed = options.shuffle === true ? Math.floor(Math.random() * 2 ** 32) : typeof options.shuffle === "number" ? options.shuffle : null;
    if (seed !== null) loop._shuffle = seededRandom(seed);
    const handles = new HandleTracker();
    handles.start();
    setEventLoop(loop);
    loop._idleHook = () => {
      setImmediate(() => {
        if (loop._realPending === 0 && loop._openResources().length === 0 && handles.alive().length === 0) loop._failDeadlocked();
      });
    };
    let failure: unknown = null;
    try {
      await loop.runUntilComplete(body(loop));
    } catch (e) {
      failure = e;
    }
    loop._idleHook = null;
    const leftovers = failure === null ? loopLeftovers(loop) : [];
    await closeLoop(loop);
    // What the loop owned is closed now (its sockets' handles go within a turn of Node's loop);
    // the Node handles still alive are the test's own.
    await new Promise<void>((resolve) => setImmediate(resolve));
    for (const h of handles.alive()) {
      if (failure === null) leftovers.push(`${h.what}, still alive${h.where === "" ? "" : `, created at\n${h.where}`}`);
      if (h.type === "Timeout") clearTimeout(h.resource as NodeJS.Timeout);
    }
    handles.stop();
    setEventLoop(null);
    if (failure !== null) {
      if (seed !== null && failure instanceof Error) failure.message += `\n(the ready queue was shuffled with seed ${seed}: asyncioTest(body, { shuffle: ${seed} }) runs it in the same order again)`;
      throw failure;
    }
    const reported = leftovers.filter((l) => !allow.some((a) => (typeof a === "string" ? l.includes(a) : a.test(l))));
    if (reported.length > 0) throw new LeftoversError(reported);
  };
}

/** What the test left on the loop, described one per entry. */
function loopLeftovers(loop: EventLoop): string[] {
  const out: string[] = [];
  for (const task of loop._pendingTasks()) {
    const created = task._creationStack();
    out.push(`task ${String(task)}${created === undefined ? "" : ` created at\n${userFrames(created)}`}`);
  }
  // A sleep is its own timer, and the task sleeping in it is reported above.
  for (const timer of loop._timers.live()) if (!isFuture(timer)) out.push(`timer ${String(timer)} still scheduled on the loop`);
  for (const resource of loop._openResources()) out.push(`${String(resource)} still open`);
  for (const fut of loop._unretrievedFutures()) {
    const e = fut.exception() as Error; // read: reported here, not again when the loop closes
    out.push(`an error nobody retrieved: ${String(fut)} failed with ${e?.name ?? "an error"}: ${e?.message ?? String(e)}`);
  }
  return out;
}

/** Closes the loop as `run()` does: leftover tasks cancelled and awaited, the default executor shut down. */
async function closeLoop(loop: EventLoop): Promise<void> {
  const tasks = loop._pendingTasks();
  for (const t of tasks) t.cancel();
  if (tasks.length > 0) {
    await loop.runUntilComplete(
      (function* (): Coroutine<void> {
        for (const t of tasks) {
          try {
            yield* t;
          } catch {
            // cancelled, or failed while cancelled: either way it is over.
          }
        }
      })(),
    );
  }
  await loop.runUntilComplete(loop.shutdownDefaultExecutor());
  loop.close();
}
