/**
 * The executors' future (CPython: `concurrent/futures/_base.py`): `ConcurrentFuture`.
 *
 * A `ConcurrentFuture` is the handle `submit()` returns for a job that runs on a pool's worker.
 * It is not bound to an event loop: it completes from a Node callback (a worker's message), and
 * its done callbacks run right then, in the order they were added, as Python's run in the thread
 * that completes the future. A coroutine awaits one through `wrapFuture()` (or
 * `loop.runInExecutor()`); native code awaits it directly, since it is `PromiseLike`.
 *
 * States follow Python's: PENDING (queued), RUNNING (handed to a worker), CANCELLED, FINISHED.
 * Where Python's `cancel()` refuses a running job, a pool's future goes further: the job's signal
 * aborts, and the worker is replaced if the job does not stop within the pool's `cancelGrace`
 * (pool.ts); a future made by hand (`setRunningOrNotifyCancel`) keeps Python's rule. Python's
 * `result(timeout)` blocks the calling thread; JavaScript cannot block, so `result()` and
 * `exception()` throw `InvalidStateError` on a future that is not done.
 */

import { inspect } from "node:util";
import { CancelledError, InvalidStateError } from "../exceptions.ts";

/** @internal */ export const PENDING = 0;
/** @internal */ export const RUNNING = 1;
/** @internal */ export const CANCELLED = 2;
/** @internal */ export const FINISHED = 3;
/** @internal FINISHED with an exception: `_value` holds it. */
export const FAILED = 4;

/** What `addDoneCallback` takes: called with the future once it is done. */
export type DoneCallback<T> = (fut: ConcurrentFuture<T>) => unknown;

/**
 * The result of a job submitted to an executor (`concurrent.futures.Future`), made by `submit`.
 * Not bound to a loop: native code awaits it, a coroutine wraps it with `wrapFuture`.
 *
 * @example
 * const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
 * const fut = pool.submit((a: number, b: number) => a * b, 6, 7);
 * fut.addDoneCallback((f) => console.log(f.result())); // 42
 * console.log(await fut); // 42
 * await pool.shutdown();
 */
export class ConcurrentFuture<T = unknown> implements PromiseLike<T> {
  /** @internal */ _state = PENDING;
  /** @internal The result, or the error when FAILED. */
  _value: unknown = undefined;
  /** @internal One callback, several, or none. */
  private callbacks: DoneCallback<T> | DoneCallback<T>[] | null = null;

  /**
   * Cancels the future. A job that has not started is taken off the queue. A running job of a
   * pool is stopped: its signal aborts at once, and its worker is replaced if the job has not
   * stopped within the pool's `cancelGrace` (Python's `cancel()` cannot stop a running job and
   * returns false). Returns false when the future is done, or running and not a pool's; else true.
   */
  cancel(): boolean {
    const state = this._state;
    if (state === FINISHED || state === FAILED) return false;
    if (state === RUNNING && !this._cancelRunning()) return false;
    if (state === CANCELLED) return true;
    this._state = CANCELLED;
    this._onCancel();
    this.invokeCallbacks();
    return true;
  }

  /** Whether the job was cancelled before it started. */
  cancelled(): boolean {
    return this._state === CANCELLED;
  }

  /** True while a worker runs the job. */
  running(): boolean {
    return this._state === RUNNING;
  }

  /** True once the job finished, failed or was cancelled. */
  done(): boolean {
    return this._state >= CANCELLED;
  }

  /**
   * The job's result.
   * @throws CancelledError if the future was cancelled; InvalidStateError if the job has not
   * finished (await the future instead: JavaScript cannot block); the job's error if it failed.
   */
  result(): T {
    switch (this._state) {
      case FINISHED:
        return this._value as T;
      case FAILED:
        throw this._value;
      case CANCELLED:
        throw new CancelledError();
      default:
        throw new InvalidStateError("Result is not set: the job has not finished (await the future, or wrapFuture() it in a coroutine)");
    }
  }

  /**
   * The error the job failed with, or null if it succeeded.
   * @throws CancelledError if the future was cancelled; InvalidStateError if the job has not finished.
   */
  exception(): unknown {
    switch (this._state) {
      case FINISHED:
        return null;
      case FAILED:
        return this._value;
      case CANCELLED:
        throw new CancelledError();
      default:
        throw new InvalidStateError("Exception is not set: the job has not finished (await the future, or wrapFuture() it in a coroutine)");
    }
  }

  /**
   * Calls `fn(future)` when the future is done, or at once if it is done already. An error thrown
   * by `fn` is logged and ignored, as Python does.
   */
  addDoneCallback(fn: DoneCallback<T>): void {
    if (this._state >= CANCELLED) callSafely(fn, this);
    else this.addCallback(fn);
  }

  private addCallback(fn: DoneCallback<T>): void {
    const cbs = this.callbacks;
    if (cbs === null) this.callbacks = fn;
    else if (Array.isArray(cbs)) cbs.push(fn);
    else this.callbacks = [cbs, fn];
  }

  /**
   * Marks the future RUNNING and returns true, or returns false if it was cancelled (Python's
   * `set_running_or_notify_cancel`, for those who write executors).
   * @throws InvalidStateError if the future is already running or done.
   */
  setRunningOrNotifyCancel(): boolean {
    if (this._state === CANCELLED) return false;
    if (this._state !== PENDING) throw new InvalidStateError(`Future in unexpected state: ${String(this)}`);
    this._state = RUNNING;
    return true;
  }

  /** Completes the future with `value`. @throws InvalidStateError if it is done already. */
  setResult(value: T): void {
    if (this._state >= CANCELLED) throw new InvalidStateError(`${String(this)} is already done; setResult() may be called only once`);
    this._resolve(value);
  }

  /** Fails the future with `error`. @throws InvalidStateError if it is done already. */
  setException(error: unknown): void {
    if (this._state >= CANCELLED) throw new InvalidStateError(`${String(this)} is already done; setException() may be called only once`);
    this._reject(error);
  }

  /**
   * Lets native code `await` the future; a cancelled one rejects with `CancelledError`. Each call
   * makes one promise, whose handlers run when the future completes (never inside this call).
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    // Anonymous closures on purpose: tsx would wrap a named one in a `__name()` call per job.
    return new Promise<R1 | R2>((resolve, reject) => {
      if (this._state >= CANCELLED) queueMicrotask(() => this.settleThen(onfulfilled, onrejected, resolve, reject));
      else this.addCallback(() => this.settleThen(onfulfilled, onrejected, resolve, reject));
    });
  }

  private settleThen<R1, R2>(
    onfulfilled: ((value: T) => R1 | PromiseLike<R1>) | null | undefined,
    onrejected: ((reason: unknown) => R2 | PromiseLike<R2>) | null | undefined,
    resolve: (value: R1 | R2 | PromiseLike<R1 | R2>) => void,
    reject: (reason: unknown) => void,
  ): void {
    try {
      if (this._state === FINISHED) {
        if (typeof onfulfilled === "function") resolve(onfulfilled(this._value as T));
        else resolve(this._value as R1);
      } else {
        const error = this._state === FAILED ? this._value : new CancelledError();
        if (typeof onrejected === "function") resolve(onrejected(error));
        else reject(error);
      }
    } catch (e) {
      reject(e);
    }
  }

  toString(): string {
    const state = ["pending", "running", "cancelled", "finished", "finished"][this._state];
    let detail = "";
    if (this._state === FINISHED) detail = ` returned ${inspect(this._value, { depth: 0, breakLength: Infinity })}`;
    else if (this._state === FAILED) detail = ` raised ${describe(this._value)}`;
    return `<ConcurrentFuture state=${state}${detail}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  // -- for the pools ----------------------------------------------------------------------

  /** @internal Called when a PENDING future is cancelled; a pool's job takes itself off the queue. */
  protected _onCancel(): void {}

  /** @internal Called when a RUNNING future is cancelled: a pool's job starts to stop and returns true. */
  protected _cancelRunning(): boolean {
    return false;
  }

  /** @internal */
  _resolve(value: T): void {
    this._value = value;
    this._state = FINISHED;
    this.invokeCallbacks();
  }

  /** @internal */
  _reject(error: unknown): void {
    this._value = error;
    this._state = FAILED;
    this.invokeCallbacks();
  }

  private invokeCallbacks(): void {
    const cbs = this.callbacks;
    if (cbs === null) return;
    this.callbacks = null;
    if (Array.isArray(cbs)) for (const fn of cbs) callSafely(fn, this);
    else callSafely(cbs, this);
  }

}

function callSafely<T>(fn: DoneCallback<T>, fut: ConcurrentFuture<T>): void {
  try {
    fn(fut);
  } catch (e) {
    console.error(`exception calling callback for ${String(fut)}\n${e instanceof Error ? (e.stack ?? String(e)) : inspect(e)}`);
  }
}

function describe(e: unknown): string {
  return e instanceof Error ? `${e.name}(${JSON.stringify(e.message)})` : inspect(e, { depth: 0 });
}
