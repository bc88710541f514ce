/**
 * Running a blocking function off the loop (CPython: `asyncio/threads.py`): `toThread`.
 */

import { getRunningLoop } from "../loop/events.ts";
import "./loop_methods.ts"; // loop.runInExecutor
import type { PoolFunction } from "./pool.ts";
import type { Coroutine } from "../loop/types.ts";

/**
 * Runs `fn(...args)` on a worker thread of the loop's default executor (a `ThreadPoolExecutor`,
 * or the one given to `loop.setDefaultExecutor`) and waits for its result (`asyncio.to_thread`), so a blocking or CPU-bound call does not stall the loop. Unlike
 * Python's threads, a worker thread shares no variables with the loop: `fn` is self-contained
 * (shipped by its source, using only its parameters and globals) or a
 * `workerFunction(moduleUrl, exportName)`; arguments and the result cross by structured clone,
 * and context variables do not cross. Cancelling the waiting task cancels the job: one not started leaves the
 * queue, a running one is stopped (its `this.signal` aborts; its thread is replaced if it has not
 * stopped within the pool's `cancelGrace`). `withJobOptions(fn, { timeout })` gives it a timeout.
 *
 * @param fn The function to run on the thread.
 * @param args Its arguments.
 * @returns Its result (an async `fn` is awaited in the thread).
 * @throws RuntimeError outside a running loop; TypeError when `fn` or an argument cannot be
 *   shipped; whatever `fn` throws, with its class name, message and the worker's stack.
 * @example
 * const digest = yield* toThread((text: string) => {
 *   let h = 0;
 *   for (let i = 0; i < text.length; i++) h = (h * 31 + text.charCodeAt(i)) | 0;
 *   return h;
 * }, "a long text");
 */
export function* toThread<A extends unknown[], R>(fn: PoolFunction<A, R>, ...args: A): Coroutine<Awaited<R>> {
  const loop = getRunningLoop();
  return yield* loop.runInExecutor(null, fn, ...args);
}
