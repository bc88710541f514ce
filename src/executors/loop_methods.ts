/**
 * The loop's executor method (CPython: `run_in_executor` in `base_events.py`): `runInExecutor`,
 * added to `EventLoop` here (see loop/events.ts) and declared on it by module augmentation. The
 * pools themselves (thread.ts, process.ts) know nothing of the loop, as `concurrent.futures`
 * knows nothing of asyncio; `wrapFuture` bridges their futures into the loop's.
 */

import { _extendEventLoop, type Executor } from "../loop/events.ts";
import { wrapFuture, type ConcurrentFutureLike, type Future } from "../loop/futures.ts";
import type { PoolFunction } from "./pool.ts";
import { ThreadPoolExecutor } from "./thread.ts";

declare module "../loop/events.ts" {
  interface EventLoop {
    /**
     * Runs `fn(...args)` on `executor`'s worker and returns an asyncio Future of its result
     * (`loop.run_in_executor`). With `null`, the loop's default executor is used: a
     * `ThreadPoolExecutor` made on first use (or the one given to `setDefaultExecutor`), which
     * `run()` shuts down at the end. `fn` is self-contained (shipped by its source) or a
     * `workerFunction(moduleUrl, exportName)`; cancelling the future stops the job, even a running one (see `cancelGrace`).
     * @throws RuntimeError when the loop is closed; TypeError when `fn` or an argument cannot be shipped.
     * @example
     * const n = yield* loop.runInExecutor(null, (s: string) => s.length, "hello"); // 5
     */
    runInExecutor<A extends unknown[], R>(executor: Executor | null, fn: PoolFunction<A, R>, ...args: A): Future<Awaited<R>>;
  }
}

_extendEventLoop({
  runInExecutor<A extends unknown[], R>(executor: Executor | null, fn: PoolFunction<A, R>, ...args: A): Future<Awaited<R>> {
    this._checkClosed();
    const target = executor ?? (this.defaultExecutor ??= new ThreadPoolExecutor());
    const concurrent = target.submit(fn as (...a: unknown[]) => unknown, ...args) as ConcurrentFutureLike<Awaited<R>>;
    return wrapFuture(concurrent, { loop: this });
  },
});
