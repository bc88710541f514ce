/**
 * The event loop's scheduling layer (CPython: `asyncio/events.py` and the scheduling half of
 * `base_events.py`): `EventLoop`, `Handle`, `TimerHandle`, and the running-loop bookkeeping
 * (`getRunningLoop`, `getEventLoop`, ...).
 *
 * `EventLoop` adds asyncio's public face to the scheduler in `core/`: callbacks with handles,
 * timers, the exception handler, debug mode, `runForever`/`stop`/`close`. In Python
 * `run_until_complete` blocks; here it returns a promise, because the loop runs inside Node's and
 * JavaScript cannot block (see docs/differences.md).
 *
 * This module knows nothing of futures, tasks, executors or sockets. The layers above add their
 * methods to the one `EventLoop` with `_extendEventLoop`, each beside the code that implements
 * them, and declare them by module augmentation (`declare module ".../loop/events.ts"`):
 * futures.ts (`createFuture`), tasks.ts (`createTask`, `runUntilComplete`, the task factory),
 * executors/loop_methods.ts (`runInExecutor`), net/loop_methods.ts (connections, servers, DNS,
 * UDP, subprocesses, signals). The package's entry point loads them all, so users see one loop
 * with every method, as CPython's `BaseEventLoop` has.
 */

import { formatValue, inspectCustom } from "../core/repr.ts";
import { hostEnv } from "../core/host.ts";
import { Scheduler, runningScheduler, type Clock, type Runnable, type Timer } from "../core/scheduler.ts";
import { Context, _captureContext, _checkContext, _enterContext, _leaveContext } from "./contextvars.ts";
import { RuntimeError, ValueError, _isBaseExit } from "../exceptions.ts";
import { checkOptions } from "../options.ts";
// Debug mode's records (debug/: stacks, where tasks suspend, coroutines never awaited, the watchdog).
import { _enableDebugRecords, _forgetSuspension } from "../debug/coroutines.ts";
import { _noteLoop } from "../debug/loops.ts";
import { _reportUnawaited } from "../debug/unawaited.ts";
import { _runnableBegins, _runnableEnds, _startWatchdog } from "../debug/watchdog.ts";

/**
 * What the exception handler receives (CPython's `context` dict): always `message`, and the
 * `exception`, `future`, `task` or `handle` concerned when there is one.
 */
export interface ExceptionContext {
  message: string;
  exception?: unknown;
  handle?: Handle;
  /** A future's repr, for a report made once the future is gone (collected). */
  futureRepr?: string;
  /** Debug mode: the stack where the task or coroutine concerned was created (CPython's `source_traceback`). */
  sourceTraceback?: string;
  /** Debug mode: the coroutine never awaited ("coroutine 'Barrier.abort' was never awaited"), by name. */
  coroutineName?: string;
  [key: string]: unknown;
}

/** A handler for `loop.setExceptionHandler` (CPython's `handler(loop, context)`). */
export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void;

/** Options of `new EventLoop()`, `newEventLoop()`, `run()` and `Runner`. */
export interface LoopOptions {
  /**
   * Debug mode: where tasks were created and cancelled, slow callbacks logged.
   * @default true when the environment variable `ASYNCIO_DEBUG=1`, else false
   */
  debug?: boolean;
  /**
   * A clock other than the real one, such as `VirtualClock` from `asyncio-ts/testing`.
   * @default the real monotonic clock
   */
  clock?: Clock;
}

/** @internal The keys of `LoopOptions`. */
export const LOOP_OPTION_KEYS = ["debug", "clock"] as const;
/** The arguments of every callback scheduled without any: one shared empty array, not one per handle. */
const NO_ARGS: unknown[] = [];

/**
 * The arguments from index `first` on: `NO_ARGS` when there are none. `callSoon`, `callLater`
 * and `callAt` read their callback's arguments so, not as a rest parameter, which would allocate
 * an empty array on every call without any (V8 leaves `arguments` unmade when only its length
 * and elements are read): a tenth fewer young-generation collections in bench/: timers.
 */
function argsAfter(list: IArguments, first: number): unknown[] {
  const n = list.length;
  if (n <= first) return NO_ARGS;
  const args = new Array<unknown>(n - first);
  for (let i = first; i < n; i++) args[i - first] = list[i];
  return args;
}

/**
 * A callback scheduled by `callSoon` (`asyncio.Handle`). `cancel()` stops it from running.
 * Made by the loop, not by `new`.
 *
 * @example
 * const handle = loop.callSoon(() => console.log("never printed"));
 * handle.cancel();
 * handle.cancelled(); // true
 */
export class Handle implements Runnable {
  /** @internal */ _callback: ((...args: any[]) => unknown) | null;
  /** @internal */ _args: unknown[];
  /** @internal */ _cancelled = false;
  /** @internal */ readonly _loop: EventLoop;
  /** @internal */ readonly _context: Context | null;

  constructor(callback: (...args: any[]) => unknown, args: unknown[], loop: EventLoop, context: Context | null) {
    this._callback = callback;
    this._args = args.length === 0 ? NO_ARGS : args;
    this._loop = loop;
    this._context = context;
  }

  /** Cancels the callback; a no-op if it ran already. */
  cancel(): void {
    if (!this._cancelled) {
      this._cancelled = true;
      this._callback = null;
      this._args = NO_ARGS;
    }
  }

  /** Whether `cancel()` was called. */
  cancelled(): boolean {
    return this._cancelled;
  }

  /** The context the callback runs in: a copy of the one current when it was scheduled. */
  getContext(): Context {
    return this._context ?? new Context();
  }

  /** @internal */
  _run(): void {
    const cb = this._callback;
    if (cb === null) return;
    const prev = _enterContext(this._context);
    try {
      cb.apply(undefined, this._args);
    } catch (e) {
      if (_isBaseExit(e)) throw e; // KeyboardInterrupt, SystemExit: they end the run (core/scheduler.ts)
      this._loop.callExceptionHandler({ message: `Exception in callback ${describeCallback(cb)}`, exception: e, handle: this });
    } finally {
      _leaveContext(prev);
    }
  }

  toString(): string {
    return `<${this.constructor.name}${this._cancelled ? " cancelled" : ""} ${this._callback ? describeCallback(this._callback) : ""}>`;
  }

  [inspectCustom](): string {
    return this.toString();
  }
}

/**
 * A callback scheduled for a time (`asyncio.TimerHandle`), by `callLater` or `callAt`;
 * `when()` is in loop seconds.
 *
 * @example
 * const timer = loop.callLater(5, () => console.log("5 s later"));
 * timer.when() - loop.time(); // 5
 * timer.cancel(); // it will not run
 */
export class TimerHandle extends Handle implements Timer {
  /** @internal */ _when: number;
  /** @internal */ _scheduled = false;

  constructor(when: number, callback: (...args: any[]) => unknown, args: unknown[], loop: EventLoop, context: Context | null) {
    super(callback, args, loop, context);
    this._when = when;
  }

  /** The loop time (seconds) the callback is scheduled for. */
  when(): number {
    return this._when;
  }

  /** Cancels the timer; a no-op if it ran already. */
  override cancel(): void {
    if (!this._cancelled && this._scheduled) this._loop._timers.noteCancelled();
    super.cancel();
  }

  override toString(): string {
    return `<TimerHandle${this._cancelled ? " cancelled" : ""} when=${this._when.toFixed(3)} ${this._callback ? describeCallback(this._callback) : ""}>`;
  }
}

function describeCallback(cb: (...args: any[]) => unknown): string {
  return `${cb.name || "<anonymous>"}()`;
}

/**
 * Validates a delay in seconds: a number, not NaN. A negative delay is allowed and means "now", as
 * in CPython (`call_later(-1, cb)` runs `cb` at the next iteration, `sleep(-1)` is `sleep(0)`).
 */
export function checkDelay(name: string, delay: unknown): number {
  if (typeof delay !== "number") {
    throw new TypeError(`\`${name}\` must be a number of seconds, got ${typeof delay === "string" ? JSON.stringify(delay) : String(delay)}`);
  }
  if (Number.isNaN(delay)) throw new ValueError(`\`${name}\` must be a number of seconds, got NaN`);
  return delay;
}

function checkWhen(when: unknown): number {
  if (typeof when !== "number" || Number.isNaN(when)) {
    throw new TypeError(`\`when\` must be a number of seconds on the loop's clock, got ${String(when)}`);
  }
  return when;
}

function checkCallback(method: string, cb: unknown): void {
  if (typeof cb !== "function") throw new TypeError(`a callable object was expected by ${method}(), got ${formatValue(cb, { depth: 0 })}`);
}

/**
 * @internal What a layer above this one adds to every loop, beside its methods (see `_extendEventLoop`).
 */
export interface _LoopExtension {
  /** Sets the layer's own fields on a new loop; every loop gets them in the same order, so one shape. */
  init?(loop: EventLoop): void;
  /** Releases what the layer still holds for a closing loop; layers close in the order they were added. */
  close?(loop: EventLoop): void;
  /** Why a deadlocked loop cannot go on, as far as the layer knows: "<Task ...> is still pending; ...". */
  deadlock?(loop: EventLoop): string | undefined;
}

const extensions: _LoopExtension[] = [];

/**
 * @internal Adds `methods` to every `EventLoop` (non-enumerable, as a class's own methods are) and
 * registers the layer's `extension` hooks. The layer declares the same methods on `EventLoop` by
 * module augmentation, which types each implementation here from its declaration.
 */
export function _extendEventLoop<K extends keyof EventLoop>(methods: Pick<EventLoop, K> & ThisType<EventLoop>, extension?: _LoopExtension): void {
  for (const [name, descriptor] of Object.entries(Object.getOwnPropertyDescriptors(methods))) {
    if (Object.hasOwn(EventLoop.prototype, name)) throw new RuntimeError(`EventLoop.${name} is defined twice`);
    Object.defineProperty(EventLoop.prototype, name, { ...descriptor, enumerable: false });
  }
  if (extension !== undefined) extensions.push(extension);
}

/**
 * @internal The task type, as loop/tasks.ts completes it by module augmentation
 * (`interface _RunningTask extends Task<unknown> {}`), so this module names no layer above it.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface _RunningTask {}

let loopIds = 0;

/**
 * Python's event loop, running inside Node's (`asyncio.AbstractEventLoop` / `BaseEventLoop`).
 * Callbacks run in FIFO order; timers in order of `when`, ties in the order they were scheduled;
 * no callback runs inside the call that scheduled it. Times are loop seconds (`time()`).
 * Most programs never make one: `run(main)` does, and a coroutine gets it with `getRunningLoop()`.
 *
 * @example
 * const loop = newEventLoop();
 * loop.callLater(0.1, () => console.log("0.1 s later"));
 * const value = await loop.runUntilComplete(sleep(0.2, "done")); // "done"
 * loop.close();
 */
export class EventLoop extends Scheduler {
  /** A callback or task step slower than this (seconds) is logged in debug mode. @default 0.1 */
  slowCallbackDuration = 0.1;
  /** @internal The task whose step is running, if any (tasks.ts sets it, and says what a task is). */
  _currentTask: _RunningTask | null = null;
  /** @internal The executor `runInExecutor(null, ...)` uses (executors/loop_methods.ts), shut down by `close()`. */
  defaultExecutor: Executor | null = null;
  private closed = false;
  private debug: boolean;
  private exceptionHandler: ExceptionHandler | null = null;
  /** @internal A number for this loop, for reprs and messages. */
  readonly _id = ++loopIds;

  /** A new loop, not running; `newEventLoop(options)` is the same. */
  constructor(options: LoopOptions = {}) {
    checkOptions(options, LOOP_OPTION_KEYS, "EventLoop()");
    super(options.clock ?? null);
    this.debug = options.debug ?? hostEnv("ASYNCIO_DEBUG") === "1";
    _noteLoop(this);
    if (this.debug) {
      _enableDebugRecords();
      _startWatchdog();
    }
    for (const ext of extensions) ext.init?.(this);
  }

  // -- callbacks and timers -------------------------------------------------------------

  /**
   * Schedules `callback(...args)` to run soon, after the callbacks already scheduled
   * (`loop.call_soon`), in a copy of the current context. An error it throws goes to the
   * exception handler.
   * @returns a `Handle` that can cancel it.
   * @throws RuntimeError "Event loop is closed"; TypeError "a callable object was expected by callSoon(), got 42"
   *   when `callback` is not a function.
   * @example loop.callSoon((name: string) => console.log(`hello ${name}`), "world");
   */
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle;
  callSoon(callback: (...args: unknown[]) => unknown): Handle {
    return this.soon("callSoon", callback, argsAfter(arguments, 1), _captureContext());
  }

  /**
   * `callSoon` with the context to run `callback` in (`loop.call_soon(callback, *args, context=ctx)`,
   * and `call_soon_threadsafe` likewise): it runs in `context` itself, not in a copy, so what it
   * sets stays there. The context comes first, where it cannot be taken for one of `args`.
   * @param context the context to run in, such as `copyContext()`, `new Context()` or a task's `getContext()`.
   * @returns a `Handle` that can cancel it.
   * @throws TypeError when `context` is not a Context; otherwise as `callSoon`.
   * @example
   * const ctx = copyContext();
   * loop.callSoonInContext(ctx, (id: string) => requestId.set(id), "r-1");
   * // once it ran: ctx.get(requestId) === "r-1"
   */
  callSoonInContext<A extends unknown[]>(context: Context, callback: (...args: A) => unknown, ...args: A): Handle {
    return this.soon("callSoonInContext", callback, args, _checkContext("callSoonInContext()", context));
  }

  private soon(method: string, callback: (...args: any[]) => unknown, args: unknown[], context: Context | null): Handle {
    this._checkClosed();
    // Always, not only in debug mode as CPython does: a typeof costs nothing measurable, and
    // a bad callback found at once beats a "cb.apply is not a function" logged later.
    checkCallback(method, callback);
    const h = new Handle(callback, args, this, context);
    this._enqueue(h);
    return h;
  }

  /**
   * Like `callSoon` (`loop.call_soon_threadsafe`): in Node every caller is on the loop's thread,
   * so it is `callSoon` itself.
   * @throws RuntimeError "Event loop is closed".
   */
  callSoonThreadsafe<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    return this.callSoon(callback, ...args);
  }

  /**
   * Schedules `callback(...args)` after `delay` seconds (`loop.call_later`).
   * @param delay seconds from now; 0 or less runs it at the next iteration, after the timers already due.
   * @returns a `TimerHandle` that can cancel it.
   * @throws ValueError for a NaN delay; TypeError for a non-number delay or callback.
   * @example const timer = loop.callLater(1.5, () => console.log("1.5 s later"));
   */
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle;
  callLater(delay: number, callback: (...args: unknown[]) => unknown): TimerHandle {
    checkDelay("delay", delay);
    return this.timerAt(this.time() + delay, callback, argsAfter(arguments, 2), _captureContext());
  }

  /**
   * `callLater` with the context to run `callback` in (`loop.call_later(delay, callback, *args,
   * context=ctx)`): it runs in `context` itself, not in a copy.
   * @param context the context to run in. @param delay seconds from now, as for `callLater`.
   * @returns a `TimerHandle` that can cancel it.
   * @throws TypeError when `context` is not a Context; otherwise as `callLater`.
   * @example loop.callLaterInContext(new Context(), 0.5, () => console.log(requestId.get("none"))); // "none"
   */
  callLaterInContext<A extends unknown[]>(context: Context, delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    checkDelay("delay", delay);
    return this.timerAt(this.time() + delay, callback, args, _checkContext("callLaterInContext()", context));
  }

  /**
   * Schedules `callback(...args)` at loop time `when` (`loop.call_at`); a time past runs soon.
   * @param when seconds on the loop's clock, as `time()` reads it.
   * @returns a `TimerHandle` that can cancel it.
   * @throws TypeError when `when` is not a number or `callback` not a function; RuntimeError "Event loop is closed".
   * @example loop.callAt(loop.time() + 10, () => console.log("10 s later"));
   */
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle;
  callAt(when: number, callback: (...args: unknown[]) => unknown): TimerHandle {
    return this.timerAt(checkWhen(when), callback, argsAfter(arguments, 2), _captureContext());
  }

  /**
   * `callAt` with the context to run `callback` in (`loop.call_at(when, callback, *args,
   * context=ctx)`): it runs in `context` itself, not in a copy.
   * @param context the context to run in. @param when seconds on the loop's clock, as for `callAt`.
   * @returns a `TimerHandle` that can cancel it.
   * @throws TypeError when `context` is not a Context; otherwise as `callAt`.
   * @example loop.callAtInContext(task.getContext(), loop.time() + 1, () => requestId.set("late"));
   */
  callAtInContext<A extends unknown[]>(context: Context, when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    return this.timerAt(checkWhen(when), callback, args, _checkContext("callAtInContext()", context));
  }

  private timerAt(when: number, callback: (...args: any[]) => unknown, args: unknown[], context: Context | null): TimerHandle {
    this._checkClosed();
    checkCallback("callAt", callback);
    const t = new TimerHandle(when, callback, args, this, context);
    this._schedule(t);
    return t;
  }

  // -- running and stopping ------------------------------------------------------------

  /**
   * Runs the loop until `stop()` is called (`loop.run_forever`). Returns a promise, since
   * JavaScript cannot block; it rejects with a `RuntimeError` if nothing can ever run again, and
   * with the `KeyboardInterrupt` or `SystemExit` a task or callback throws.
   * @throws RuntimeError when the loop is closed or already running, or another loop runs.
   * @example
   * loop.callLater(1, () => loop.stop());
   * await loop.runForever(); // returns after 1 s
   */
  runForever(): Promise<void> {
    this._checkCanRun();
    return this._startRunning();
  }

  /** Stops the loop after the callbacks of the current iteration have run (`loop.stop`). */
  stop(): void {
    this._stopping = true;
    this._wake();
  }

  /** Whether the loop is running (`loop.is_running`). */
  isRunning(): boolean {
    return this._running;
  }

  /** Whether `close()` was called (`loop.is_closed`). */
  isClosed(): boolean {
    return this.closed;
  }

  /**
   * Closes the loop (`loop.close`): reports failed futures nobody read and tasks still pending,
   * drops pending callbacks, shuts the default executor down without waiting, removes signal
   * handlers and closes the transports and servers left open. A second call does nothing.
   * @throws RuntimeError "Cannot close a running event loop".
   * @example
   * await loop.runUntilComplete(main());
   * loop.close();
   */
  close(): void {
    if (this._running) throw new RuntimeError("Cannot close a running event loop");
    if (this.closed) return;
    _reportUnawaited(this); // debug mode: coroutines of the API never started (debug/unawaited.ts)
    for (const ext of extensions) ext.close?.(this); // unretrieved errors, pending tasks, signals, sockets
    this.closed = true;
    this._ready.clear();
    this._timers.clear();
    this.defaultExecutor?.shutdown({ wait: false });
    this.defaultExecutor = null;
    if (getEventLoopIfSet() === this) setEventLoop(null);
  }

  // -- errors ----------------------------------------------------------------------------

  /**
   * Sets the function that receives errors nobody else can handle: from callbacks, from tasks
   * whose error was never retrieved (`loop.set_exception_handler`). null restores the default,
   * `defaultExceptionHandler`.
   * @throws TypeError when `handler` is neither a function nor null.
   * @example loop.setExceptionHandler((loop, ctx) => errors.push(ctx.exception));
   */
  setExceptionHandler(handler: ExceptionHandler | null): void {
    if (handler !== null && typeof handler !== "function") {
      throw new TypeError(`A callable object or None is expected, got ${String(handler)}`);
    }
    this.exceptionHandler = handler;
  }

  /** The handler set by `setExceptionHandler`, or null (`loop.get_exception_handler`). */
  getExceptionHandler(): ExceptionHandler | null {
    return this.exceptionHandler;
  }

  /**
   * Logs `context` to the console (stderr) with the error's stack (`loop.default_exception_handler`);
   * a custom handler may call it too.
   */
  defaultExceptionHandler(context: ExceptionContext): void {
    const lines = [context.message || "Unhandled exception in event loop"];
    for (const key of Object.keys(context).sort()) {
      if (key === "message" || key === "exception" || key === "sourceTraceback" || key === "coroutineName") continue;
      lines.push(`${key}: ${String(context[key])}`);
    }
    const e = context.exception;
    if (e !== undefined) lines.push(e instanceof Error ? (e.stack ?? String(e)) : formatValue(e));
    // Debug mode: where the task was created (CPython's "Object created at", source_traceback).
    const task = context.task as { _creationStack?(): string | undefined } | undefined;
    const created = task?._creationStack?.() ?? context.sourceTraceback;
    if (typeof created === "string") lines.push(`${context.coroutineName === undefined ? "Task" : "Coroutine"} created at:\n${created}`);
    console.error(lines.join("\n"));
  }

  /**
   * Passes `context` to the exception handler (`loop.call_exception_handler`); an error in the
   * handler is logged, never thrown.
   * @example loop.callExceptionHandler({ message: "worker crashed", exception: err });
   */
  callExceptionHandler(context: ExceptionContext): void {
    const handler = this.exceptionHandler;
    if (handler === null) {
      try {
        this.defaultExceptionHandler(context);
      } catch {
        // A broken console must not break the loop.
      }
      return;
    }
    try {
      handler(this, context);
    } catch (e) {
      try {
        this.defaultExceptionHandler({ message: "Unhandled error in exception handler", exception: e, context: formatValue(context) });
      } catch {
        // As above.
      }
    }
  }

  // -- debug -----------------------------------------------------------------------------

  /** Turns debug mode on or off (`loop.set_debug`). */
  setDebug(enabled: boolean): void {
    this.debug = enabled;
    if (enabled) {
      _enableDebugRecords();
      _startWatchdog();
    }
  }

  /** Whether debug mode is on (`loop.get_debug`). */
  getDebug(): boolean {
    return this.debug;
  }

  /**
   * Sets the executor `runInExecutor(null, ...)` and `toThread` use (`loop.set_default_executor`);
   * the loop shuts it down at the end of `run()`.
   * @example loop.setDefaultExecutor(new ThreadPoolExecutor({ maxWorkers: 4 }));
   */
  setDefaultExecutor(executor: Executor): void {
    this.defaultExecutor = executor;
  }

  // -- internals -------------------------------------------------------------------------

  /** @internal Throws "Event loop is closed" once `close()` was called. */
  _checkClosed(): void {
    if (this.closed) throw new RuntimeError("Event loop is closed");
  }

  /** @internal Throws unless the loop may start running now: open, not running, no other loop running. */
  _checkCanRun(): void {
    this._checkClosed();
    if (this._running) throw new RuntimeError("This event loop is already running");
    if (runningScheduler() !== null) throw new RuntimeError("Cannot run the event loop while another loop is running");
  }

  /** @internal Runs the loop until it stops (see `runForever`); for `runUntilComplete` in tasks.ts. */
  _runLoop(): Promise<void> {
    return this._startRunning();
  }

  protected _debugEnabled(): boolean {
    return this.debug;
  }

  protected _runDebug(r: Runnable): void {
    _forgetSuspension(r); // a task steps: where it last suspended no longer holds (a no-op for a handle)
    const t0 = performance.now();
    // The watchdog (debug/watchdog.ts) reports it while it runs past slowCallbackDuration.
    _runnableBegins(r, this.slowCallbackDuration);
    try {
      r._run();
    } finally {
      _runnableEnds();
    }
    const dt = (performance.now() - t0) / 1000;
    if (dt >= this.slowCallbackDuration) {
      console.warn(`Executing ${String(r)} took ${dt.toFixed(3)} seconds`);
    }
  }

  protected _reportInternalError(e: unknown): void {
    this.callExceptionHandler({ message: "Internal error in the event loop", exception: e });
  }

  protected _deadlockError(): Error {
    let what = "the loop runs forever";
    for (const ext of extensions) what = ext.deadlock?.(this) ?? what;
    return new RuntimeError(`Event loop deadlock: nothing can ever run again (no ready callback, no timer, no I/O), but ${what}`);
  }

  override toString(): string {
    return `<EventLoop running=${this._running} closed=${this.closed} debug=${this.debug}>`;
  }

  [inspectCustom](): string {
    return this.toString();
  }
}

/**
 * What the loop needs of an executor (`concurrent.futures.Executor`): `ThreadPoolExecutor` and
 * `ProcessPoolExecutor` are executors.
 */
export interface Executor {
  submit<T>(fn: (...args: any[]) => T | PromiseLike<T>, ...args: unknown[]): unknown;
  shutdown(options?: { wait?: boolean; cancelFutures?: boolean; timeout?: number | null }): unknown;
}

// -- the running loop and the current loop --------------------------------------------------

let currentLoop: EventLoop | null = null;

/**
 * The loop running the current task or callback (`asyncio.get_running_loop()`).
 * @throws RuntimeError "no running event loop" outside of one.
 * @example
 * function* main(): Coroutine<void> {
 *   const loop = getRunningLoop();
 *   console.log(loop.time()); // seconds on the loop's clock
 * }
 */
export function getRunningLoop(): EventLoop {
  const loop = runningScheduler();
  if (loop === null) throw new RuntimeError("no running event loop");
  return loop as EventLoop;
}

/** The running loop, or null (`asyncio._get_running_loop()`). */
export function _getRunningLoop(): EventLoop | null {
  return runningScheduler() as EventLoop | null;
}

/**
 * The running loop; else the current loop (see `setEventLoop`), created on first use, or anew
 * once closed (`asyncio.get_event_loop()`).
 * @example
 * const loop = getEventLoop();
 * await loop.runUntilComplete(main());
 */
export function getEventLoop(): EventLoop {
  const running = runningScheduler();
  if (running !== null) return running as EventLoop;
  if (currentLoop === null || currentLoop.isClosed()) currentLoop = new EventLoop();
  return currentLoop;
}

function getEventLoopIfSet(): EventLoop | null {
  return currentLoop;
}

/**
 * Makes `loop` the current loop that `getEventLoop()` returns outside of a running one
 * (`asyncio.set_event_loop()`); null forgets it.
 * @throws TypeError when `loop` is neither an EventLoop nor null.
 * @example
 * const loop = newEventLoop();
 * setEventLoop(loop);
 * getEventLoop() === loop; // true
 */
export function setEventLoop(loop: EventLoop | null): void {
  if (loop !== null && !(loop instanceof EventLoop)) throw new TypeError(`loop must be an EventLoop or null, got ${String(loop)}`);
  currentLoop = loop;
}

/**
 * A new event loop, not running and not current (`asyncio.new_event_loop()`).
 * @example
 * const loop = newEventLoop({ debug: true });
 * try {
 *   await loop.runUntilComplete(main());
 * } finally {
 *   loop.close();
 * }
 */
export function newEventLoop(options?: LoopOptions): EventLoop {
  return new EventLoop(options);
}

