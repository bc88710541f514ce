/**
 * The task step (CPython: `Task.__step` and `Task.__wakeup`).
 *
 * One step resumes a task's coroutine once, with `next()` or `throw()`, and acts on what it
 * yields (see suspend.ts). The task itself is the runnable: when the future it waits on is done,
 * the future pushes the task onto the ready ring, and the ring calls `_run()`, which steps. So a
 * switch costs no handle, no closure and no promise.
 *
 * How a step resumes the coroutine:
 * - a pending error (`_stepError`, or a cancellation requested while the task was not waiting on
 *   a future): `coro.throw(error)`;
 * - after a bare `yield`: `coro.next(WOKEN)`;
 * - after `yield* future`: `coro.next()`; the future's own iterator, still delegated to, returns
 *   the result or throws the error (a cancelled future throws `CancelledError`);
 * - after a bare `yield future` (allowed by our contract): `coro.next(result)` or `coro.throw(error)`.
 *
 * Cancellation (CPython's `_must_cancel`): `Task.cancel()` cancels the future the task waits on,
 * which wakes it with a `CancelledError` at its await point; when there is no such future it sets
 * MUST_CANCEL, and the next step throws a `CancelledError` in. A future yielded while MUST_CANCEL
 * is set is cancelled at once.
 *
 * Like all of core/, this imports nothing from src/ but the error classes (exceptions.ts, a leaf).
 */

import { CancelledError, RuntimeError } from "../exceptions.ts";
import type { Runnable, Scheduler } from "./scheduler.ts";
import { WOKEN, isWaitable, type Waitable } from "./suspend.ts";

// The bits of a future's or task's `_flags`. Packing these (and the count of cancellation
// requests) into one small integer keeps a pending task at 9 fields: with 100,000 tasks alive, the
// bytes that survive a young-generation collection are what task spawning costs (bench/: spawn).

/** A cancellation is requested and not yet delivered. */
export const MUST_CANCEL = 1;
/** The last step ended on a bare `yield`: resume with `WOKEN`. */
export const RESUME_WOKEN = 2;
/** The last step ended on a bare `yield future`: resume with the future's outcome. */
export const RESUME_RESULT = 4;
/** A future's `_asyncioFutureBlocking` (see suspend.ts). */
export const BLOCKING = 8;
/** The task has an error to throw in at its next step (kept aside, see tasks.ts). */
export const HAS_STEP_ERROR = 16;
/** A future's state (futures.ts) lives in these two bits: pending, cancelled, finished or failed. */
export const STATE_SHIFT = 5;
export const STATE_MASK = 3 << STATE_SHIFT;
/** The count of cancellation requests (`Task.cancelling()`) lives in the bits from here up. */
export const CANCELS_SHIFT = 8;
export const LOW_BITS = (1 << CANCELS_SHIFT) - 1;

/** The marker for "no error to throw in" (an error may be any value, even undefined). */
export const NO_ERROR: unique symbol = Symbol("asyncio.noError");

/** What the step needs of a task. */
export interface Steppable extends Runnable {
  readonly _loop: Scheduler;
  _coro: Generator<unknown, unknown, unknown>;
  _flags: number;
  _stepError: unknown;
  _waiter: Waitable | null;
  _cancelMessage: unknown;
  /** A new CancelledError carrying the cancel message. */
  _makeCancelledError(): CancelledError;
  /** The coroutine returned `value`. */
  _stepReturned(value: unknown): void;
  /** The coroutine threw `error` (a CancelledError cancels the task). */
  _stepThrew(error: unknown): void;
}

export function step(t: Steppable): void {
  let error = t._stepError;
  t._stepError = NO_ERROR;
  let flags = t._flags;
  if (flags & MUST_CANCEL) {
    if (!(error instanceof CancelledError)) error = t._makeCancelledError();
    flags &= ~MUST_CANCEL;
  }
  let sent: unknown = undefined;
  if (flags & RESUME_WOKEN) sent = WOKEN;
  else if (flags & RESUME_RESULT && error === NO_ERROR) {
    try {
      sent = t._waiter!.result();
    } catch (e) {
      error = e;
    }
  }
  t._flags = flags & ~(RESUME_WOKEN | RESUME_RESULT);
  t._waiter = null;

  let r: IteratorResult<unknown, unknown>;
  try {
    r = error === NO_ERROR ? t._coro.next(sent) : t._coro.throw(error);
  } catch (e) {
    t._stepThrew(e);
    return;
  }
  if (r.done) {
    t._stepReturned(r.value);
    return;
  }

  const y = r.value;
  if (y === undefined) {
    t._flags |= RESUME_WOKEN;
    t._loop._enqueue(t);
  } else if (isWaitable(y)) {
    wait(t, y);
  } else {
    throwIn(t, new TypeError(badYieldMessage(y)));
  }
}

/** The task waits on `f`: CPython's branch for a future with `_asyncio_future_blocking` set. */
function wait(t: Steppable, f: Waitable): void {
  // A refused wait clears the flag `yield*` set, or a later bare `yield f` elsewhere would be
  // taken for a `yield* f` and resume with undefined instead of the result.
  if (f._loop !== t._loop) {
    f._asyncioFutureBlocking = false;
    throwIn(t, new RuntimeError(`Task ${String(t)} got Future ${String(f)} attached to a different loop`));
    return;
  }
  if ((f as unknown) === t) {
    f._asyncioFutureBlocking = false;
    throwIn(t, new RuntimeError(`Task cannot await on itself: ${String(t)}`));
    return;
  }
  if (f._asyncioFutureBlocking) f._asyncioFutureBlocking = false;
  else t._flags |= RESUME_RESULT;
  f._addWaiter(t);
  t._waiter = f;
  if (t._flags & MUST_CANCEL && f.cancel(t._cancelMessage)) t._flags &= ~MUST_CANCEL;
}

/** Schedules the next step to throw `error` into the coroutine. */
function throwIn(t: Steppable, error: unknown): void {
  t._stepError = error;
  t._loop._enqueue(t);
}

function badYieldMessage(v: unknown): string {
  if (typeof v === "object" && v !== null) {
    if (typeof (v as PromiseLike<unknown>).then === "function") {
      return "Task got bad yield: <promise> (await a promise with `yield* fromPromise(p)`)";
    }
    if (typeof (v as Generator).next === "function") return "Task got bad yield: <generator> (did you mean `yield*`?)";
  }
  const shown = typeof v === "string" ? JSON.stringify(v) : String(v);
  return `Task got bad yield: ${shown} (did you mean \`yield*\`?)`;
}
