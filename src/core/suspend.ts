/**
 * The one way a coroutine suspends (Trio's `_traps.py`; CPython's `Future.__await__` and `sleep(0)`).
 *
 * A task's coroutine is a generator, and a task suspends only when its generator yields. It may
 * yield exactly two things:
 * - nothing (`undefined`): "let the others run"; the task goes to the back of the ready ring and
 *   is resumed with `WOKEN` (this is `sleep(0)`);
 * - a waitable (a Future) whose `_asyncioFutureBlocking` flag its own iterator has just set: the
 *   task waits until it is done, and then resumes the iterator, which returns the result or throws.
 * Everything else is a bad yield, answered by a `TypeError` thrown back into the coroutine.
 *
 * `sleepZero` is a stateless iterator, so one object serves every `yield* sleep(0)` at once:
 * its first `next()` yields, and the `next(WOKEN)` the task sends back finishes it. No generator,
 * no timer and no result object is allocated for it.
 */

import type { Runnable } from "./scheduler.ts";

/** What a task sends into its coroutine after a bare `yield`. */
export const WOKEN: unique symbol = Symbol("asyncio.woken");

/** The duck type of a Future as the task step sees it (CPython checks `_asyncio_future_blocking`). */
export interface Waitable {
  /** Set by the future's iterator just before it yields the future; reset by the task that waits. */
  _asyncioFutureBlocking: boolean;
  readonly _loop: unknown;
  /** Makes `task` runnable again when the future is done. */
  _addWaiter(task: Runnable): void;
  cancel(msg?: unknown): boolean;
  result(): unknown;
}

export function isWaitable(v: unknown): v is Waitable {
  return typeof v === "object" && v !== null && typeof (v as Waitable)._asyncioFutureBlocking === "boolean";
}

const YIELD_NOTHING: IteratorYieldResult<undefined> = Object.freeze({ done: false, value: undefined });
const RETURN_NOTHING: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

/** The iterator behind `sleep(0, result)`: yields once, then returns `result`. */
export class SleepZero<T> implements Generator<undefined, T, unknown> {
  constructor(private readonly value: T) {}
  next(sent?: unknown): IteratorResult<undefined, T> {
    if (sent !== WOKEN) return YIELD_NOTHING;
    return this.value === undefined ? (RETURN_NOTHING as IteratorReturnResult<T>) : { done: true, value: this.value };
  }
  throw(e: unknown): IteratorResult<undefined, T> {
    throw e;
  }
  return(value: T): IteratorResult<undefined, T> {
    return { done: true, value };
  }
  [Symbol.iterator](): Generator<undefined, T, unknown> {
    return this;
  }
  get [Symbol.toStringTag](): string {
    return "sleep(0)";
  }
  [Symbol.dispose](): void {}
}

export const sleepZero: SleepZero<undefined> = new SleepZero(undefined);
