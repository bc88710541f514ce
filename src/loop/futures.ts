/**
 * Futures (CPython: `asyncio/futures.py`): `Future`, `isFuture`, and the bridges to promises and
 * to executors' futures (`fromPromise`, `wrapFuture`).
 *
 * A Future is a result that arrives later. Tasks wait on it with `yield* fut`: its iterator yields
 * the future itself (flagging it as awaited, as CPython's `__await__` does) and, once the task is
 * resumed, returns the result or throws the error. The iterator is the future itself, stateless
 * but for that flag, so one per future serves every task awaiting it. Done callbacks are runnables
 * (a `Handle`, or the waiting `Task` itself) pushed onto the ready ring when the future completes,
 * never called inline.
 *
 * A future that failed and whose error nobody read (by `result()`, `exception()` or awaiting it)
 * is reported through the loop's exception handler when it is garbage-collected, and at the
 * latest when its loop closes.
 */

import { formatValue, inspectCustom } from "../core/repr.ts";
import type { Runnable } from "../core/scheduler.ts";
import { BLOCKING, STATE_MASK, STATE_SHIFT } from "../core/step.ts";
import { hooks } from "../core/hooks.ts";
import { _captureContext, _checkContext, type Context } from "./contextvars.ts";
import { Handle, _extendEventLoop, getEventLoop, _getRunningLoop, type EventLoop } from "./events.ts";
import { CancelledError, InvalidStateError, RuntimeError, type CancelOrigin } from "../exceptions.ts";
import { captureStack } from "../debug/frames.ts";
import { checkOptions } from "../options.ts";

const LOOP_OPTION = ["loop"] as const;

// A future's state, in the STATE_MASK bits of its `_flags`.
const PENDING = 0;
const CANCELLED = 1 << STATE_SHIFT;
const FINISHED = 2 << STATE_SHIFT;
/** Finished with an exception: `_value` holds it. */
const FAILED = 3 << STATE_SHIFT;
const STATE_NAMES = ["PENDING", "CANCELLED", "FINISHED", "FINISHED"];

/** Done callbacks: one runnable, several, or none. */
type Callbacks = Runnable | Runnable[] | null;

/** The results `Future.next()` hands to `yield*`, reused (see there). */
const yielded: { done: false; value: unknown } = { done: false, value: undefined };
const returned: { done: true; value: unknown } = { done: true, value: undefined };

/** The messages of cancelled futures (see `Future._cancelMessage`). */
const cancelMessages = new WeakMap<Future<unknown>, unknown>();
/** The debug-mode record of where a cancellation came from: `CancelledError.origin`, also appended to its stack. */
const cancelOrigins = new WeakMap<Future<unknown>, CancelOrigin>();
/** The CancelledError that ended a task, handed to the first who asks (see `_makeCancelledError`). */
const savedCancelledErrors = new WeakMap<Future<unknown>, CancelledError>();

/**
 * The report of a failed future whose error nobody read, made when it fails, so that it can be
 * given exactly once: by the first of the future's collection (the registry below) and the loop's
 * close, whichever comes first, even when the future was collected before `close()` but its
 * finalizer runs only after (which lost the report before).
 */
interface UnretrievedReport {
  readonly loop: EventLoop;
  readonly ref: WeakRef<Future<unknown>>;
  readonly message: string;
  readonly exception: unknown;
  /** The future's repr, for a report made once it is gone. */
  readonly futureRepr: string;
  /** Debug mode: where the task was created. */
  readonly sourceTraceback: string | undefined;
  reported: boolean;
}

/** Failed futures whose error nobody has read yet, to their handle in the loop's report list. */
const unretrieved = new WeakMap<Future<unknown>, WeakRef<Future<unknown>>>();
/** Each handle's report. */
const unretrievedReports = new WeakMap<WeakRef<Future<unknown>>, UnretrievedReport>();

const unretrievedRegistry = new FinalizationRegistry<UnretrievedReport>((r) => {
  r.loop._untrackUnretrieved(r.ref);
  deliverUnretrieved(r, undefined);
});

/** Gives the report to the loop's exception handler, unless it was given already. */
function deliverUnretrieved(r: UnretrievedReport, future: Future<unknown> | undefined): void {
  if (r.reported) return;
  r.reported = true;
  const context: Record<string, unknown> & { message: string } = { message: r.message, exception: r.exception };
  if (future !== undefined) context.future = future;
  else context.futureRepr = r.futureRepr;
  if (r.sourceTraceback !== undefined) context.sourceTraceback = r.sourceTraceback;
  r.loop.callExceptionHandler(context);
}

/**
 * @internal The loop closes with this failed future's error unread (events.ts): reports it, from
 * the future if it is still alive, else from what was kept of it.
 */
export function _reportUnretrievedRef(ref: WeakRef<Future<unknown>>): void {
  const fut = ref.deref();
  if (fut !== undefined) {
    fut._reportUnretrieved();
    return;
  }
  const report = unretrievedReports.get(ref);
  if (report !== undefined) deliverUnretrieved(report, undefined);
}

/**
 * A result that arrives later (`asyncio.Future`). Await it in a coroutine with `yield* fut`, or
 * from native code with `await fut`. Done callbacks are scheduled with `callSoon`, never called
 * inline. Usually made with `loop.createFuture()`.
 *
 * @example
 * const fut = loop.createFuture<number>();
 * loop.callLater(0.1, () => fut.setResult(42));
 * const value = yield* fut; // 42
 */
export class Future<T = unknown> implements PromiseLike<T> {
  /**
   * @internal While pending, the done callbacks (`Callbacks`); once done, the result, or the error
   * when FAILED. A future needs the one only before, the other only after, so one slot serves
   * both: a field less on every future and task (bench/: spawn, memory).
   */
  _value: unknown = null;
  /** @internal */ readonly _loop: EventLoop;
  /** @internal Bits, see core/step.ts: the state and BLOCKING here, and a task's own. */
  _flags = 0;

  /**
   * A pending future, bound to `options.loop` or else to `getEventLoop()`.
   * @param options.loop the loop whose callbacks the future schedules. @default getEventLoop()
   */
  constructor(options?: { loop?: EventLoop }) {
    // A Task passes its own options on; only a plain Future's are checked here, and not the
    // loop's own `{ loop }` that `createFuture` passes (no object and no check per future).
    const loopsOwn = (options as { loop?: EventLoop } | null | undefined)?.loop?._ownFutureOptions;
    if (new.target === Future && options !== loopsOwn) checkOptions(options, LOOP_OPTION, "Future()");
    this._loop = options?.loop ?? getEventLoop();
  }

  /** @internal PENDING, CANCELLED, FINISHED or FAILED. */
  get _state(): number {
    return this._flags & STATE_MASK;
  }

  /**
   * The result (`Future.result()`).
   * @throws CancelledError if the future was cancelled; InvalidStateError "Result is not set."
   * if it is not done; the future's error if it failed.
   */
  result(): T {
    switch (this._state) {
      case FINISHED:
        return this._value as T;
      case FAILED:
        this._markRetrieved();
        throw this._value;
      case CANCELLED:
        throw this._makeCancelledError();
      default:
        throw new InvalidStateError("Result is not set.");
    }
  }

  /**
   * The error the future failed with, or null if it succeeded (`Future.exception()`). Reading it
   * counts as retrieving it: the failure is then not reported as never retrieved.
   * @throws CancelledError if it was cancelled; InvalidStateError "Exception is not set." if it is not done.
   */
  exception(): unknown {
    switch (this._state) {
      case FINISHED:
        return null;
      case FAILED:
        this._markRetrieved();
        return this._value;
      case CANCELLED:
        throw this._makeCancelledError();
      default:
        throw new InvalidStateError("Exception is not set.");
    }
  }

  /** Whether the future has a result, an error, or was cancelled. */
  done(): boolean {
    return this._state !== PENDING;
  }

  /** Whether the future was cancelled. */
  cancelled(): boolean {
    return this._state === CANCELLED;
  }

  /**
   * Cancels the future and schedules its callbacks (`Future.cancel(msg)`). On a future that failed
   * already it changes nothing but counts as reading the error, as in CPython: the failure is
   * then not reported as never retrieved.
   * @param msg becomes the message of the CancelledError its awaiters see.
   * @returns false if it was already done, else true.
   * @example
   * fut.cancel("shutting down");
   * fut.result(); // throws CancelledError("shutting down")
   */
  cancel(msg?: unknown): boolean {
    const state = this._state;
    if (state !== PENDING) {
      // CPython clears the "log traceback" flag before it looks at the state.
      if (state === FAILED) this._markRetrieved();
      return false;
    }
    this._cancelMessage = msg;
    if (this._loop.getDebug() && !cancelOrigins.has(this)) recordCancelOrigin(this);
    this._scheduleCallbacks(this._settle(CANCELLED, undefined));
    return true;
  }

  /** Marks the future done with `value`. @throws InvalidStateError if it is done already. */
  setResult(value: T): void {
    if (this._state !== PENDING) throw this._alreadyDone("setResult");
    this._resolve(value);
  }

  /** Marks the future failed with `error`. @throws InvalidStateError if it is done already. */
  setException(error: unknown): void {
    if (this._state !== PENDING) throw this._alreadyDone("setException");
    this._fail(error);
  }

  /**
   * Calls `fn(future)` soon after the future is done (scheduled with `callSoon` at once if it is
   * done already), in a copy of the context current now, or in `options.context` itself
   * (`Future.add_done_callback(fn, context=ctx)`).
   * @param options.context the context `fn` runs in; what it sets stays there. @default a copy of the current one
   * @throws TypeError when `options.context` is not a Context.
   * @example
   * fut.addDoneCallback((f) => console.log("done:", f.result()));
   * const ctx = copyContext();
   * fut.addDoneCallback(() => requestId.set("seen"), { context: ctx }); // later: ctx.get(requestId) === "seen"
   */
  addDoneCallback(fn: (fut: this) => unknown, options?: { context?: Context | null }): void {
    const given = options?.context;
    const context = given === undefined || given === null ? _captureContext() : _checkContext("addDoneCallback()", given);
    const h = new Handle(fn as (f: unknown) => unknown, [this], this._loop, context);
    if (this._state !== PENDING) this._loop._enqueue(h);
    else this._addRunnable(h);
  }

  /**
   * Removes every registration of `fn` (`Future.remove_done_callback`).
   * @returns how many there were.
   */
  removeDoneCallback(fn: (fut: this) => unknown): number {
    const cbs = this._value as Callbacks;
    if (this._state !== PENDING || cbs === null) return 0;
    const matches = (r: Runnable): boolean => r instanceof Handle && r._callback === fn;
    if (!Array.isArray(cbs)) {
      if (!matches(cbs)) return 0;
      this._value = null;
      return 1;
    }
    const kept = cbs.filter((r) => !matches(r));
    const removed = cbs.length - kept.length;
    this._value = kept.length === 0 ? null : kept.length === 1 ? kept[0]! : kept;
    return removed;
  }

  /** The loop the future is bound to (`Future.get_loop()`). */
  getLoop(): EventLoop {
    return this._loop;
  }

  /** @internal Set by the future's iterator just before it yields the future (core/suspend.ts). */
  get _asyncioFutureBlocking(): boolean {
    return (this._flags & BLOCKING) !== 0;
  }

  set _asyncioFutureBlocking(blocking: boolean) {
    this._flags = blocking ? this._flags | BLOCKING : this._flags & ~BLOCKING;
  }

  /** @internal The message given to `cancel()`, kept aside: most futures are never cancelled. */
  get _cancelMessage(): unknown {
    return cancelMessages.get(this);
  }

  set _cancelMessage(msg: unknown) {
    if (msg === undefined) cancelMessages.delete(this);
    else cancelMessages.set(this, msg);
  }

  /**
   * Lets native code `await` the future (the `PromiseLike` side); a cancelled one rejects with
   * CancelledError. Inside a coroutine use `yield* fut` instead.
   * @example const value = await fut;
   */
  then<R1 = T, R2 = never>(
    onfulfilled?: ((value: T) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return new Promise<T>((resolve, reject) => {
      const settler = new PromiseSettler(this, resolve, reject);
      if (this._state !== PENDING) settler._run();
      else this._addRunnable(settler);
    }).then(onfulfilled, onrejected);
  }

  /**
   * `yield* fut` waits for the future and evaluates to its result. The future is its own
   * iterator, stateless but for a flag that lives only from the yield to the task step taking it,
   * so awaiting allocates nothing and any number of tasks may await the same future at once:
   * `next()` yields the future while it is pending (flagging it for the task step, see
   * core/suspend.ts) and returns the result, or throws, once it is done.
   */
  [Symbol.iterator](): Iterator<Future<T>, T, unknown> {
    return this;
  }

  /**
   * @internal The iterator protocol behind `yield*` (see `[Symbol.iterator]`).
   * @throws RuntimeError "await wasn't used with future" when the awaiting coroutine is resumed
   * while the future is still pending and no task took the future it yielded (a coroutine driven
   * by hand), as CPython's `Future.__await__` does.
   */
  next(): IteratorResult<Future<T>, T> {
    // `yield*` reads `done` and `value` at once and keeps nothing, so two shared result objects
    // serve every await: no allocation per await (fewer young-generation collections).
    if (this._state === PENDING) {
      const flags = this._flags;
      // The task that waits clears BLOCKING as soon as the future is yielded (core/step.ts), so a
      // flag still set means this is the resumption of an await nobody waited for. The flag stands
      // in for CPython's generator state, which a stateless iterator does not have.
      if (flags & BLOCKING) throw new RuntimeError("await wasn't used with future");
      this._flags = flags | BLOCKING;
      // Debug mode records where the task suspends (core/hooks.ts); otherwise one load and a compare.
      if (hooks.onSuspend !== null) hooks.onSuspend(Future.prototype.next);
      yielded.value = this;
      return yielded as IteratorYieldResult<Future<T>>;
    }
    returned.value = this.result();
    return returned as IteratorReturnResult<T>;
  }

  /** @internal An error thrown into the awaiting coroutine passes through; its await is over. */
  throw(e: unknown): IteratorResult<Future<T>, T> {
    this._flags &= ~BLOCKING;
    throw e;
  }

  /** @internal The awaiting coroutine is being closed; its await is over. */
  return(value: T): IteratorResult<Future<T>, T> {
    this._flags &= ~BLOCKING;
    return { done: true, value };
  }

  toString(): string {
    return `<${this.constructor.name} ${this._describeState()}>`;
  }

  [inspectCustom](): string {
    return this.toString();
  }

  // -- internals shared with Task ---------------------------------------------------------

  /** @internal */
  _describeState(): string {
    switch (this._state) {
      case PENDING:
        return "pending";
      case CANCELLED:
        return "cancelled";
      case FINISHED:
        return `finished result=${formatValue(this._value, { depth: 0, breakLength: Infinity })}`;
      default:
        return `finished exception=${describeError(this._value)}`;
    }
  }

  /** @internal The task step registers itself here (see core/suspend.ts). */
  _addWaiter(task: Runnable): void {
    if (this._state !== PENDING) this._loop._enqueue(task);
    else this._addRunnable(task);
  }

  /** @internal Adds a done callback to a pending future. */
  _addRunnable(r: Runnable): void {
    const cbs = this._value as Callbacks;
    if (cbs === null) this._value = r;
    else if (Array.isArray(cbs)) cbs.push(r);
    else this._value = [cbs, r];
  }

  /**
   * @internal A pending future becomes done: `state`, with `value` (see `_value`).
   * @returns the callbacks that were waiting, for `_scheduleCallbacks`.
   */
  _settle(state: number, value: unknown): Callbacks {
    const cbs = this._value as Callbacks;
    this._value = value;
    this._flags |= state;
    return cbs;
  }

  /** @internal The callbacks that waited for the future to be done, now it is. */
  _scheduleCallbacks(cbs: Callbacks): void {
    if (cbs === null) return;
    const loop = this._loop;
    if (Array.isArray(cbs)) {
      for (let i = 0; i < cbs.length; i++) {
        const r = cbs[i]!;
        if (r instanceof PromiseSettler) r._run();
        else loop._enqueue(r);
      }
    } else if (cbs instanceof PromiseSettler) cbs._run();
    else loop._enqueue(cbs);
  }

  /** @internal */
  _resolve(value: T): void {
    this._scheduleCallbacks(this._settle(FINISHED, value));
  }

  /** @internal */
  _fail(error: unknown): void {
    const cbs = this._settle(FAILED, error);
    const ref = this._loop._trackUnretrieved(this);
    const report: UnretrievedReport = {
      loop: this._loop,
      ref,
      message: this._unretrievedMessage(),
      exception: error,
      futureRepr: this._plainRepr(),
      sourceTraceback: this._creationStack(),
      reported: false,
    };
    unretrieved.set(this, ref);
    unretrievedReports.set(ref, report);
    unretrievedRegistry.register(this, report, this);
    this._scheduleCallbacks(cbs);
  }

  /** @internal */
  _markRetrieved(): void {
    const ref = unretrieved.get(this);
    if (ref !== undefined) {
      unretrieved.delete(this);
      this._loop._untrackUnretrieved(ref);
      unretrievedRegistry.unregister(this);
    }
  }

  /** @internal Called when the loop closes with this future's error still unread. */
  _reportUnretrieved(): void {
    const ref = unretrieved.get(this);
    if (ref === undefined) return;
    const report = unretrievedReports.get(ref);
    this._markRetrieved();
    if (report !== undefined) deliverUnretrieved(report, this as Future<unknown>);
  }

  /** @internal */
  _unretrievedMessage(): string {
    return "Future exception was never retrieved";
  }

  /** @internal The repr without what debug mode adds (a task's coroutine), cheap enough for every failure. */
  _plainRepr(): string {
    return this.toString();
  }

  /** @internal Debug mode: where the future was created (tasks record it), or undefined. */
  _creationStack(): string | undefined {
    return undefined;
  }

  /** @internal A new CancelledError with the cancel message (and, in debug mode, its origin). */
  _makeCancelledError(): CancelledError {
    // The first error asked for is the one that ended the task, if one did (CPython 3.12+ keeps
    // the instance, with its stack, for whoever awaits the task); later ones are new.
    const saved = savedCancelledErrors.get(this);
    if (saved !== undefined) {
      savedCancelledErrors.delete(this);
      return saved;
    }
    const e = this._cancelMessage === undefined ? new CancelledError() : new CancelledError(String(this._cancelMessage));
    const origin = cancelOrigins.get(this);
    if (origin !== undefined) {
      e.stack = `${e.stack}\nCancelled by ${origin.by} at:\n${origin.stack}`;
      Object.defineProperty(e, "origin", { value: origin, enumerable: false, configurable: true });
    }
    return e;
  }

  /** @internal */
  _alreadyDone(method: string): InvalidStateError {
    return new InvalidStateError(
      `${STATE_NAMES[this._state >> STATE_SHIFT]}: ${String(this)} (${method}() may be called only once, on a pending future; check done() first)`,
    );
  }
}

/**
 * What `then()` registers on a pending future: it settles the native promise as soon as the
 * future is done, not through the ready ring. Settling a promise runs no user code (its
 * reactions are microtasks), so no callback runs inline; and a promise whose future completes in
 * the loop's last iteration before `stop()`, or while no loop runs, still settles instead of
 * waiting in a ring that may never run again.
 */
class PromiseSettler<T> implements Runnable {
  constructor(
    private readonly fut: Future<T>,
    private readonly resolve: (value: T) => void,
    private readonly reject: (reason: unknown) => void,
  ) {}
  _run(): void {
    try {
      this.resolve(this.fut.result());
    } catch (e) {
      this.reject(e);
    }
  }
}

/** Debug mode: remembers which task cancelled `fut`, and from where. @internal */
export function recordCancelOrigin(fut: Future<unknown>): void {
  const task = fut._loop._currentTask;
  // The frames of the cancel() methods themselves (a task's cancels the future it waits on) are left out.
  const frames = (captureStack(recordCancelOrigin).stack ?? "").split("\n").filter((l) => /^\s*at /.test(l));
  while (frames.length > 1 && /^\s*at (?:\S+\.)?cancel \(/.test(frames[0]!)) frames.shift();
  cancelOrigins.set(fut, {
    task,
    taskName: task === null ? null : task.getName(),
    // The plain repr: a debug one would read stacks (and their source maps) inside cancel().
    by: task === null ? "a callback outside any task" : task._plainRepr(),
    stack: frames.join("\n"),
  });
}

/**
 * A task ended by the CancelledError `error`: its awaiters get that very error first (CPython's
 * `_cancelled_exc`), and in debug mode the task was cancelled where the error came from. @internal
 */
export function keepCancelledError(fut: Future<unknown>, error: CancelledError): void {
  savedCancelledErrors.set(fut, error);
  if (error.origin !== undefined) cancelOrigins.set(fut, error.origin);
}

/** `Error('boom')`-style text for a repr. */
export function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}(${JSON.stringify(e.message)})`;
  return formatValue(e, { depth: 0 });
}

/**
 * True for a Future (or anything that quacks like one), as `asyncio.isfuture`. Tasks are futures;
 * coroutines and promises are not.
 * @example
 * isFuture(loop.createFuture()); // true
 * isFuture(sleep(1)); // false: a coroutine
 */
export function isFuture(x: unknown): x is Future<unknown> {
  return x instanceof Future || (typeof x === "object" && x !== null && typeof (x as Future<unknown>)._asyncioFutureBlocking === "boolean" && typeof (x as Future<unknown>).addDoneCallback === "function");
}

/** Copies the outcome of `source` into `dest` unless `dest` is done (CPython's `_copy_future_state`). */
export function _copyFutureState<T>(source: Future<T>, dest: Future<T>): void {
  if (dest.done()) return;
  if (source.cancelled()) dest.cancel(source._cancelMessage);
  else if (source._state === FAILED) dest.setException(source.exception());
  else dest.setResult(source._value as T);
}

/**
 * A Future that settles with the promise (`yield* fromPromise(p)` awaits a promise); asyncio has
 * no promises, so this is asyncio-ts's own bridge, the inverse of `await fut`.
 *
 * Given a function, it is called with an `AbortSignal` that is aborted when the future is
 * cancelled, so the work behind the promise stops too.
 *
 * @param source a promise, or a function given an `AbortSignal` that returns one.
 * @param options.loop the loop of the future; by default the running loop, else `getEventLoop()`.
 * @throws TypeError when `source` is neither a promise nor a function returning one.
 * @example
 * const res = yield* fromPromise((signal) => fetch(url, { signal }));
 */
export function fromPromise<T>(
  source: PromiseLike<T> | ((signal: AbortSignal) => PromiseLike<T>),
  options?: { loop?: EventLoop },
): Future<T> {
  checkOptions(options, LOOP_OPTION, "fromPromise()");
  const loop = options?.loop ?? _getRunningLoop() ?? getEventLoop();
  const fut = new Future<T>({ loop });
  let promise: PromiseLike<T>;
  if (typeof source === "function") {
    const controller = new AbortController();
    fut.addDoneCallback((f) => {
      if (f.cancelled()) controller.abort(f._makeCancelledError());
    });
    try {
      promise = source(controller.signal);
    } catch (e) {
      fut.setException(e);
      return fut;
    }
  } else {
    promise = source;
  }
  if (promise === null || typeof promise !== "object" && typeof promise !== "function" || typeof promise.then !== "function") {
    throw new TypeError(`fromPromise() expects a promise or a function returning one, got ${String(promise)}`);
  }
  promise.then(
    (value) => {
      if (!fut.done()) fut.setResult(value);
    },
    (error: unknown) => {
      if (!fut.done()) fut.setException(error);
    },
  );
  _holdRealUntilDone(loop, fut);
  return fut;
}

/**
 * @internal Counts the real work behind `fut` (a promise, an executor job, a connect, a DNS lookup,
 * a child process, a drain) as pending on `loop` until `fut` is done, settled by that work or
 * cancelled: a virtual clock does not jump meanwhile.
 */
export function _holdRealUntilDone(loop: EventLoop, fut: Future<unknown>): void {
  loop._holdReal();
  fut.addDoneCallback(() => loop._releaseReal());
}

/** In debug mode, what each waiter future waits in (an Event, a Lock, a Queue...), for the reports. */
const waitOwners = new WeakMap<Future<unknown>, object>();

/** @internal Notes, in debug mode, that `fut` is a waiter of `owner` (locks.ts and queues.ts). */
export function _noteWaitOwner(fut: Future<unknown>, owner: object): void {
  if (fut._loop.getDebug()) waitOwners.set(fut, owner);
}

/** @internal What `fut` is a waiter of, if that was noted. */
export function _waitOwner(fut: Future<unknown>): object | undefined {
  return waitOwners.get(fut);
}

/** The subset of `concurrent.futures.Future` that `wrapFuture` needs. */
export interface ConcurrentFutureLike<T> {
  cancel(): boolean;
  cancelled(): boolean;
  done(): boolean;
  result(): T;
  exception(): unknown;
  addDoneCallback(fn: (f: ConcurrentFutureLike<T>) => void): void;
}

/**
 * An asyncio Future mirroring an executor's future (`asyncio.wrap_future`): it settles when the
 * source does, and cancelling it cancels the source (a pool's job stops, even a running one). A Future is returned as it is.
 * @param source a `ConcurrentFuture` (from `pool.submit`), or anything with its methods.
 * @param options.loop the loop of the new future. @default the running loop, else getEventLoop()
 * @example
 * const pool = new ThreadPoolExecutor();
 * const product = yield* wrapFuture(pool.submit((a: number, b: number) => a * b, 6, 7)); // 42
 */
export function wrapFuture<T>(source: ConcurrentFutureLike<T> | Future<T>, options?: { loop?: EventLoop }): Future<T> {
  checkOptions(options, LOOP_OPTION, "wrapFuture()");
  if (source instanceof Future) return source;
  const loop = options?.loop ?? _getRunningLoop() ?? getEventLoop();
  const dest = new Future<T>({ loop });
  dest.addDoneCallback((d) => {
    if (d.cancelled()) source.cancel();
  });
  _holdRealUntilDone(loop, dest);
  source.addDoneCallback((s) => {
    loop._runFromNode(() => {
      if (dest.done()) return;
      if (s.cancelled()) {
        dest.cancel();
        return;
      }
      // result() throws whatever the source failed with, even null or undefined, which
      // exception() could not tell apart from success.
      let value: T;
      try {
        value = s.result();
      } catch (e) {
        dest.setException(e);
        return;
      }
      dest.setResult(value);
    });
  });
  return dest;
}

// -- who awaits whom (3.14's call graph, graph.ts) ----------------------------------------------

/**
 * The awaiters recorded by `futureAddToAwaitedBy` (a shield's inner future is awaited by the task
 * that made the shield). Most awaiters are found without recording anything per future: a task
 * waiting on a future with `yield*` is among its done callbacks already, and so is the callback
 * through which a gather, a task group or a `wait` waits on its children, which is noted once
 * per gather, group or wait (`_awaitedThrough`), not once per child.
 */
const recordedAwaiters = new WeakMap<Future<unknown>, Set<Future<unknown>>>();
/** Done callbacks through which a task awaits the futures they are added to. */
const callbackAwaiters = new WeakMap<Function, Future<unknown>>();

/**
 * @internal `awaiter` awaits every future `callback` is a done callback of (gather's, a task
 * group's, wait's children), for the call graph: once per callback, nothing per child.
 */
export function _awaitedThrough(callback: Function, awaiter: Future<unknown>): void {
  callbackAwaiters.set(callback, awaiter);
}

/**
 * Records that `waiter` (a task) awaits `fut` (`asyncio.future_add_to_awaited_by`, 3.14), for
 * `captureCallGraph` and `npx asyncio-ts ps`. Code that waits on a future through a done callback
 * instead of `yield*` calls it, and `futureDiscardFromAwaitedBy` once done, to be seen in the graph;
 * `gather`, `shield`, `wait` and task groups do. Anything but two Futures is ignored.
 * @example
 * const task = currentTask()!;
 * futureAddToAwaitedBy(job, task);
 * job.addDoneCallback(() => futureDiscardFromAwaitedBy(job, task));
 */
export function futureAddToAwaitedBy(fut: unknown, waiter: unknown): void {
  if (!(fut instanceof Future) || !(waiter instanceof Future)) return;
  let set = recordedAwaiters.get(fut);
  if (set === undefined) recordedAwaiters.set(fut, (set = new Set()));
  set.add(waiter);
}

/**
 * Records that `waiter` no longer awaits `fut` (`asyncio.future_discard_from_awaited_by`, 3.14).
 * @example futureDiscardFromAwaitedBy(job, task);
 */
export function futureDiscardFromAwaitedBy(fut: unknown, waiter: unknown): void {
  if (!(fut instanceof Future) || !(waiter instanceof Future)) return;
  recordedAwaiters.get(fut)?.delete(waiter);
}

/** @internal Who awaits `fut` (CPython's `_asyncio_awaited_by`): the recorded awaiters, then the tasks waiting on it. */
export function _awaitersOf(fut: Future<unknown>): Future<unknown>[] {
  const out = [...(recordedAwaiters.get(fut) ?? [])];
  if (fut._state === PENDING) {
    const cbs = fut._value as Callbacks;
    for (const r of cbs === null ? [] : Array.isArray(cbs) ? cbs : [cbs]) {
      const awaiter = r instanceof Future ? r : r instanceof Handle && r._callback !== null ? callbackAwaiters.get(r._callback) : undefined;
      if (awaiter !== undefined && !out.includes(awaiter)) out.push(awaiter);
    }
  }
  return out;
}

// -- what the loop does with futures (added to EventLoop here; see loop/events.ts) -------------

declare module "./events.ts" {
  interface ExceptionContext {
    future?: Future<unknown>;
  }

  interface EventLoop {
    /**
     * A new pending Future bound to this loop (`loop.create_future`).
     * @example
     * const fut = loop.createFuture<number>();
     * loop.callLater(0.1, () => fut.setResult(42));
     * yield* fut; // 42
     */
    createFuture<T>(): Future<T>;
    /** @internal Failed futures whose error nobody read yet, reported at close. */
    _unretrieved: Set<WeakRef<Future<unknown>>>;
    /** @internal The options `createFuture` gives the Future constructor, made once per loop. */
    _ownFutureOptions: { loop: EventLoop };
    /** @internal The failed futures and tasks whose error nobody has read yet. */
    _unretrievedFutures(): Future<unknown>[];
    /** @internal Remembers a failed future whose error nobody has read yet. */
    _trackUnretrieved(fut: Future<unknown>): WeakRef<Future<unknown>>;
    /** @internal */
    _untrackUnretrieved(ref: WeakRef<Future<unknown>>): void;
  }
}

_extendEventLoop(
  {
    createFuture<T>(): Future<T> {
      return new Future<T>(this._ownFutureOptions);
    },
    _unretrievedFutures() {
      const out: Future<unknown>[] = [];
      for (const ref of this._unretrieved) {
        const fut = ref.deref();
        if (fut !== undefined) out.push(fut);
      }
      return out;
    },
    _trackUnretrieved(fut) {
      const ref = new WeakRef(fut);
      this._unretrieved.add(ref);
      return ref;
    },
    _untrackUnretrieved(ref) {
      this._unretrieved.delete(ref);
    },
  },
  {
    init(loop) {
      loop._unretrieved = new Set();
      loop._ownFutureOptions = { loop };
    },
    close(loop) {
      for (const ref of loop._unretrieved) _reportUnretrievedRef(ref); // the collected ones too, from what was kept
      loop._unretrieved.clear();
    },
  },
);

