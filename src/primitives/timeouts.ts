/**
 * Timeouts (CPython: `asyncio/timeouts.py`): `timeout`, `timeoutAt`, `Timeout`, and `waitFor`, which
 * is a timeout around one awaitable (CPython keeps it in `tasks.py`; since 3.12 it is built on `timeout`).
 *
 * `async with asyncio.timeout(d) as cm:` becomes `yield* timeout(d, function* (cm) { ... })`.
 * When the deadline passes, the task running the body is cancelled; the CancelledError unwinds
 * the body, and at the exit it is turned into a `TimeoutError` (with the cancellation as its
 * `cause`), unless the task was also cancelled from outside, in which case the cancellation goes
 * on. `Task.uncancel()` keeps the count of cancellations exact, so nested timeouts and task groups
 * tell their own cancellations from others'.
 */

import { inspectCustom } from "../core/repr.ts";
import { getRunningLoop, type EventLoop, type Handle } from "../loop/events.ts";
import { CancelledError, RuntimeError, TimeoutError } from "../exceptions.ts";
import type { Future } from "../loop/futures.ts";
import { currentTask, ensureFuture, isCoroutine, type Task } from "../loop/tasks.ts";
import type { Awaitable, Coroutine } from "../loop/types.ts";

const CREATED = "created";
const ENTERED = "active";
const EXPIRING = "expiring";
const EXPIRED = "expired";
const EXITED = "finished";
type State = typeof CREATED | typeof ENTERED | typeof EXPIRING | typeof EXPIRED | typeof EXITED;

/**
 * The deadline of a `timeout()` block (`asyncio.Timeout`), passed to the block's body. `when()` is
 * in loop seconds, or null for none; `reschedule()` moves it; `expired()` tells whether it fired.
 * Made by `timeout` and `timeoutAt`, not by `new`.
 *
 * @example
 * yield* timeout(null, function* (cm) {
 *   const header = yield* readHeader();
 *   cm.reschedule(getRunningLoop().time() + header.seconds); // now a deadline applies
 *   yield* readBody(header);
 * });
 */
export class Timeout {
  private state: State = CREATED;
  private handle: Handle | null = null;
  private task: Task<unknown> | null = null;
  private cancellingAtEntry = 0;
  private deadline: number | null;

  /** @param when the deadline in loop seconds, or null; the block is entered by `timeout`/`timeoutAt`. */
  constructor(when: number | null) {
    this.deadline = when;
  }

  /** The deadline in loop seconds, or null for none (`Timeout.when()`). */
  when(): number | null {
    return this.deadline;
  }

  /**
   * Moves the deadline to `when` (`Timeout.reschedule()`; loop seconds; null: no deadline). A
   * deadline already past fires at the next iteration.
   * @throws RuntimeError outside of the block: "Timeout has not been entered", or "Cannot change
   * state of expiring|expired|finished Timeout".
   */
  reschedule(when: number | null): void {
    if (this.state !== ENTERED) {
      if (this.state === CREATED) throw new RuntimeError("Timeout has not been entered");
      throw new RuntimeError(`Cannot change state of ${this.state} Timeout`);
    }
    this.deadline = when;
    this.handle?.cancel();
    if (when === null) {
      this.handle = null;
      return;
    }
    const loop = getRunningLoop();
    this.handle = when <= loop.time() ? loop.callSoon(this.onTimeout) : loop.callAt(when, this.onTimeout);
  }

  /** True once the deadline has passed and the block was cancelled for it (`Timeout.expired()`). */
  expired(): boolean {
    return this.state === EXPIRING || this.state === EXPIRED;
  }

  /** `<Timeout [active] when=12.5>`: the state and, while active, the deadline rounded to the millisecond. */
  toString(): string {
    const d = this.deadline;
    const when = this.state !== ENTERED ? "" : ` when=${d === null ? "null" : Math.round(d * 1000) / 1000}`;
    return `<Timeout [${this.state}]${when}>`;
  }

  [inspectCustom](): string {
    return this.toString();
  }

  /** @internal */
  _enter(): void {
    if (this.state !== CREATED) throw new RuntimeError("Timeout has already been entered");
    const task = currentTask();
    if (task === null) throw new RuntimeError("Timeout should be used inside a task");
    this.state = ENTERED;
    this.task = task;
    this.cancellingAtEntry = task.cancelling();
    this.reschedule(this.deadline);
  }

  /** @internal Leaves the block; returns the error to throw instead of `error`, if any. */
  _exit(failed: boolean, error: unknown): unknown {
    this.handle?.cancel();
    this.handle = null;
    if (this.state === EXPIRING) {
      this.state = EXPIRED;
      if (this.task!.uncancel() <= this.cancellingAtEntry && failed && error instanceof CancelledError) {
        return new TimeoutError("", { cause: error });
      }
    } else if (this.state === ENTERED) {
      this.state = EXITED;
    }
    return error;
  }

  private readonly onTimeout = (): void => {
    this.task!.cancel();
    this.state = EXPIRING;
    this.handle = null;
  };
}

/** Runs `body` under `cm`, translating the timeout's cancellation at the exit. */
function* runWithin<T>(cm: Timeout, body: ((cm: Timeout) => Coroutine<T>) | Awaitable<T>): Coroutine<T> {
  cm._enter();
  let result: T;
  try {
    result = yield* (typeof body === "function" ? body(cm) : body);
  } catch (e) {
    throw cm._exit(true, e);
  }
  cm._exit(false, undefined);
  return result;
}

/**
 * Runs `body` with a deadline `delay` seconds from now (`async with asyncio.timeout(delay) as cm`);
 * null means none. Past the deadline the body is cancelled and `TimeoutError` is thrown (with
 * the CancelledError as its `cause`); a cancellation from outside goes on as a CancelledError.
 * @param delay seconds from now, or null for no deadline (set one later with `cm.reschedule`).
 * @param body a generator function given the `Timeout`; its result is returned.
 * @returns what `body` returns.
 * @throws TimeoutError past the deadline; RuntimeError outside of a task; TypeError when
 * `delay` is not a number or null, or `body` not a function.
 *
 * @example
 * yield* timeout(2, function* (cm) {
 *   yield* longJob();
 * }); // TimeoutError after 2 s
 */
export function timeout<T>(delay: number | null, body: (cm: Timeout) => Coroutine<T>): Coroutine<T> {
  if (delay !== null && (typeof delay !== "number" || Number.isNaN(delay))) {
    throw new TypeError(`\`delay\` must be a number of seconds or null, got ${String(delay)}`);
  }
  checkBody(body);
  const loop: EventLoop = getRunningLoop();
  return runWithin(new Timeout(delay === null ? null : loop.time() + delay), body);
}

/**
 * Like `timeout`, with an absolute deadline in loop seconds (`async with asyncio.timeout_at(when)`).
 * @param when the deadline on the loop's clock (`loop.time()` seconds), or null for none.
 * @returns what `body` returns.
 * @throws TimeoutError past the deadline; RuntimeError outside of a task; TypeError when `when`
 * is not a number or null.
 * @example
 * const deadline = getRunningLoop().time() + 10;
 * yield* timeoutAt(deadline, function* () {
 *   yield* step1();
 *   yield* step2(); // both steps share the 10 s
 * });
 */
export function timeoutAt<T>(when: number | null, body: (cm: Timeout) => Coroutine<T>): Coroutine<T> {
  if (when !== null && (typeof when !== "number" || Number.isNaN(when))) {
    throw new TypeError(`\`when\` must be a number of seconds on the loop's clock or null, got ${String(when)}`);
  }
  checkBody(body);
  return runWithin(new Timeout(when), body);
}

function checkBody(body: unknown): void {
  if (typeof body !== "function") {
    throw new TypeError(`the body of a timeout must be a generator function (cm) => Coroutine, got ${String(body)}`);
  }
}

// -- waitFor (a timeout around one awaitable; CPython keeps it in tasks.py) -------------------

/**
 * Waits for `aw` at most `timeoutSeconds` seconds (`asyncio.wait_for`); on timeout, cancels it,
 * waits for the cancellation to finish, and throws `TimeoutError`. `null` waits without limit. A
 * coroutine runs inside the calling task, as in Python 3.12+.
 * @param timeoutSeconds seconds; 0 or less times out at once unless `aw` is already done; null for no limit.
 * @returns what `aw` returns.
 * @throws TimeoutError on timeout; TypeError when the timeout is not a number or null; whatever `aw` throws.
 * @example
 * try {
 *   const reply = yield* waitFor(reader.readline(), 5);
 * } catch (e) {
 *   if (e instanceof TimeoutError) console.log("no reply within 5 s");
 *   else throw e;
 * }
 */
export function* waitFor<T>(aw: Awaitable<T> | PromiseLike<T>, timeoutSeconds: number | null): Coroutine<T> {
  if (timeoutSeconds !== null) {
    if (typeof timeoutSeconds !== "number" || Number.isNaN(timeoutSeconds)) {
      throw new TypeError(`\`timeout\` must be a number of seconds or null, got ${String(timeoutSeconds)}`);
    }
    if (timeoutSeconds <= 0) {
      const fut = ensureFuture(aw);
      if (fut.done()) return fut.result();
      yield* cancelAndWait(fut);
      try {
        return fut.result();
      } catch (e) {
        if (e instanceof CancelledError) throw new TimeoutError("", { cause: e });
        throw e;
      }
    }
  }
  // As in CPython 3.12+, a coroutine is awaited inside the calling task (no task of its own), so
  // it sees the caller's context and currentTask(); futures and promises are awaited as they are.
  const awaitable: Awaitable<T> = isCoroutine(aw) ? aw : ensureFuture(aw);
  // Not `timeout(t, function* () { return yield* awaitable; })`: V8 gives the generators of each
  // new generator closure a hidden class of their own, which kept every call's objects alive until
  // a full collection (bench/: waitfor).
  return yield* runWithin(new Timeout(timeoutSeconds === null ? null : getRunningLoop().time() + timeoutSeconds), awaitable);
}

/** Cancels `fut` and waits until it is done, ignoring what it ends with (CPython's `_cancel_and_wait`). */
function* cancelAndWait(fut: Future<unknown>): Coroutine<void> {
  const loop = getRunningLoop();
  const waiter = loop.createFuture<void>();
  const release = (): void => {
    if (!waiter.done()) waiter.setResult();
  };
  fut.addDoneCallback(release);
  try {
    fut.cancel();
    yield* waiter;
  } finally {
    fut.removeDoneCallback(release);
  }
}
