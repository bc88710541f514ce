/**
 * The event loop (CPython: `asyncio/events.py` and `base_events.py`): `EventLoop`, `Handle`,
 * `TimerHandle`, and the running-loop bookkeeping (`getRunningLoop`, `getEventLoop`, ...).
 *
 * `EventLoop` adds asyncio's public face to the scheduler in `core/`: callbacks with handles,
 * timers, futures and tasks, the exception handler, debug mode, `runUntilComplete`/`runForever`/
 * `stop`/`close`. In Python `run_until_complete` blocks; here it returns a promise, because the
 * loop runs inside Node's and JavaScript cannot block (see docs/differences.md).
 */

import { inspect } from "node:util";
import { Scheduler, runningScheduler, type Clock, type Runnable, type Timer } from "./core/scheduler.ts";
import { Context, _captureContext, _checkContext, _enterContext, _leaveContext } from "./contextvars.ts";
import { RuntimeError, ValueError, _isBaseExit } from "./exceptions.ts";
import { Future, _waitOwner, fromPromise, isFuture } from "./futures.ts";
import { TASK_OPTION_KEYS, Task, ensureFuture, type TaskOptions } from "./tasks.ts";
import { checkOptions } from "./options.ts";
import type { Coroutine, Awaitable } from "./types.ts";
// -- begin: runInExecutor imports (issue 5) --
import { wrapFuture, type ConcurrentFutureLike } from "./futures.ts";
import { ThreadPoolExecutor } from "./executors/thread.ts";
import type { PoolFunction } from "./executors/pool.ts";
// -- end: runInExecutor imports --
// -- begin: TCP/TLS/Unix connections and servers (issue 4; bodies in net/connect.ts, net/server.ts) --
import type { BaseProtocol } from "./protocols.ts";
import type { Transport } from "./transports.ts";
import {
  createConnection as _createConnection,
  createUnixConnection as _createUnixConnection,
  startTls as _startTls,
  type ClientSSL,
  type CreateConnectionOptions,
  type CreateUnixConnectionOptions,
  type StartTlsOptions,
} from "./net/connect.ts";
import { createServer as _createServer, createUnixServer as _createUnixServer, type CreateServerOptions, type Server } from "./net/server.ts";
import { _closeNetResources, _openNetResources, type LoopResource } from "./net/registry.ts";
// -- end: TCP/TLS/Unix connections and servers --
// -- begin: signals, getaddrinfo, UDP, subprocesses (issue 4) --
import { _getaddrinfo, type AddrInfo, type GetaddrinfoOptions } from "./dns.ts";
import { _addSignalHandler, _removeSignalHandler, _removeAllSignalHandlers } from "./signals.ts";
import { _createDatagramEndpoint, type DatagramEndpointOptions, type UDPTransport } from "./datagram.ts";
import type { DatagramProtocol, SubprocessProtocol } from "./protocols.ts";
import { _splitArgs, _subprocessExec, _subprocessShell, type SubprocessOptions, type SubprocessPipesTransport } from "./subprocess.ts";
// -- end: signals, getaddrinfo, UDP, subprocesses --

/**
 * What the exception handler receives (CPython's `context` dict): always `message`, and the
 * `exception`, `future`, `task` or `handle` concerned when there is one.
 */
export interface ExceptionContext {
  message: string;
  exception?: unknown;
  future?: Future<unknown>;
  task?: Task<unknown>;
  handle?: Handle;
  [key: string]: unknown;
}

/** A handler for `loop.setExceptionHandler` (CPython's `handler(loop, context)`). */
export type ExceptionHandler = (loop: EventLoop, context: ExceptionContext) => void;
/** A factory for `loop.setTaskFactory`: makes the Task for `loop.createTask` (see `eagerTaskFactory`). */
export type TaskFactory = <T>(loop: EventLoop, coro: Coroutine<T>, options?: TaskOptions) => Task<T>;

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

  [inspect.custom](): string {
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
  if (typeof cb !== "function") throw new TypeError(`a callable object was expected by ${method}(), got ${inspect(cb, { depth: 0 })}`);
}

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
  /** @internal The task whose step is running, if any. */
  _currentTask: Task<unknown> | null = null;
  /**
   * @internal Every pending task of this loop, held strongly (see API.md), in creation order: a
   * doubly linked list threaded through the tasks themselves, so registering and unregistering a
   * task is O(1) with no hash table behind it (a Set halved the task spawn rate).
   */
  _firstTask: Task<unknown> | null = null;
  /** @internal */ _lastTask: Task<unknown> | null = null;
  /** @internal The future `runUntilComplete` waits for, named in deadlock reports. */
  _mainFuture: Future<unknown> | null = null;
  private closed = false;
  private debug: boolean;
  private exceptionHandler: ExceptionHandler | null = null;
  private taskFactory: TaskFactory | null = null;
  /** `{ loop: this }`, made once: the options of every task created without options. */
  private readonly ownTaskOptions: { loop: EventLoop } = { loop: this };
  /** Failed futures whose error nobody read yet, reported at close (see futures.ts). */
  private readonly unretrieved = new Set<WeakRef<Future<unknown>>>();
  /** @internal A number for this loop, for reprs and messages. */
  /** @internal A number for this loop, for reprs and messages. */
  readonly _id = ++loopIds;

  /** A new loop, not running; `newEventLoop(options)` is the same. */
  constructor(options: LoopOptions = {}) {
    checkOptions(options, LOOP_OPTION_KEYS, "EventLoop()");
    super(options.clock ?? null);
    this.debug = options.debug ?? process.env.ASYNCIO_DEBUG === "1";
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
  callSoon<A extends unknown[]>(callback: (...args: A) => unknown, ...args: A): Handle {
    return this.soon("callSoon", callback, args, _captureContext());
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
    this.checkClosed();
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
  callLater<A extends unknown[]>(delay: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    checkDelay("delay", delay);
    return this.timerAt(this.time() + delay, callback, args, _captureContext());
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
  callAt<A extends unknown[]>(when: number, callback: (...args: A) => unknown, ...args: A): TimerHandle {
    return this.timerAt(checkWhen(when), callback, args, _captureContext());
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
    this.checkClosed();
    checkCallback("callAt", callback);
    const t = new TimerHandle(when, callback, args, this, context);
    this._schedule(t);
    return t;
  }

  // -- futures and tasks ---------------------------------------------------------------

  /**
   * A new pending Future bound to this loop (`loop.create_future`).
   * @example
   * const fut = loop.createFuture<number>();
   * loop.callLater(0.1, () => fut.setResult(42));
   * yield* fut; // 42
   */
  createFuture<T>(): Future<T> {
    return new Future<T>({ loop: this });
  }

  /**
   * Wraps `coro` in a Task scheduled on this loop (`loop.create_task`), through the task factory
   * if one is set. Unlike the function `createTask`, the loop need not be running.
   * @throws RuntimeError "Event loop is closed"; TypeError when `coro` is not a coroutine.
   * @example const task = loop.createTask(fetchPage(url), { name: "fetch" });
   */
  createTask<T>(coro: Coroutine<T>, options?: TaskOptions): Task<T> {
    this.checkClosed();
    checkOptions(options, TASK_OPTION_KEYS, "createTask()");
    if (this.taskFactory !== null) return this.taskFactory(this, coro, options);
    return new Task(coro, options === undefined ? this.ownTaskOptions : { ...options, loop: this });
  }

  /**
   * Sets the factory `createTask` uses to make tasks (`loop.set_task_factory`); null restores the default.
   * @throws TypeError when `factory` is neither a function nor null.
   * @example loop.setTaskFactory(eagerTaskFactory);
   */
  setTaskFactory(factory: TaskFactory | null): void {
    if (factory !== null && typeof factory !== "function") throw new TypeError("task factory must be a callable or null");
    this.taskFactory = factory;
  }

  /** The task factory set by `setTaskFactory`, or null (`loop.get_task_factory`). */
  getTaskFactory(): TaskFactory | null {
    return this.taskFactory;
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
    this.checkClosed();
    if (this._running) throw new RuntimeError("This event loop is already running");
    const other = runningScheduler();
    if (other !== null) throw new RuntimeError("Cannot run the event loop while another loop is running");
    return this._startRunning();
  }

  /**
   * Runs the loop until `aw` is done and resolves with its result, or rejects with its error
   * (`loop.run_until_complete`). A coroutine is wrapped in a task, a promise bridged with `fromPromise`.
   * A `KeyboardInterrupt` or `SystemExit` thrown by any task or callback ends the run at once: the
   * promise rejects with it, and the loop, stopped but not closed, may be run again.
   * @throws RuntimeError when the loop is closed or already running, or another loop runs; the
   * promise rejects with RuntimeError "Event loop stopped before Future completed." after an early `stop()`.
   * @example const result = await loop.runUntilComplete(main());
   */
  runUntilComplete<T>(aw: Awaitable<T> | PromiseLike<T>): Promise<T> {
    this.checkClosed();
    if (this._running) throw new RuntimeError("This event loop is already running");
    if (runningScheduler() !== null) throw new RuntimeError("Cannot run the event loop while another loop is running");
    const newTask = !isFuture(aw);
    const fut = ensureFuture(aw, this);
    const stop = (f: Future<T>): void => {
      // A future that failed with KeyboardInterrupt or SystemExit ended the run already; stopping
      // now would stop the next run instead (CPython's _run_until_complete_cb, bpo-22429).
      if (!f.cancelled() && _isBaseExit(f.exception())) return;
      this.stop();
    };
    fut.addDoneCallback(stop);
    this._mainFuture = fut;
    return this._startRunning().then(
      () => {
        fut.removeDoneCallback(stop);
        this._mainFuture = null;
        if (!fut.done()) throw new RuntimeError("Event loop stopped before Future completed.");
        return fut.result();
      },
      (e: unknown) => {
        fut.removeDoneCallback(stop);
        this._mainFuture = null;
        // The task made here for a coroutine that threw a base error: the caller gets the error
        // and has no way to read the task, so it is not reported as never retrieved (CPython).
        if (newTask && fut.done() && !fut.cancelled()) fut.exception();
        throw e;
      },
    );
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
    this.reportUnretrieved();
    for (const task of this._pendingTasks()) {
      this.callExceptionHandler({ message: "Task was destroyed but it is pending!", task });
    }
    this._firstTask = this._lastTask = null;
    this.closed = true;
    this._ready.clear();
    this._timers.clear();
    this.defaultExecutor?.shutdown({ wait: false });
    this.defaultExecutor = null;
    _removeAllSignalHandlers(this);
    _closeNetResources(this); // TCP/TLS/Unix transports and servers left open (net/registry.ts)
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
      if (key === "message" || key === "exception") continue;
      lines.push(`${key}: ${String(context[key])}`);
    }
    const e = context.exception;
    if (e !== undefined) lines.push(e instanceof Error ? (e.stack ?? String(e)) : inspect(e));
    const created = context.task?._creationStack();
    if (created !== undefined) lines.push(`Task created at:\n${created}`);
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
        this.defaultExceptionHandler({ message: "Unhandled error in exception handler", exception: e, context: inspect(context) });
      } catch {
        // As above.
      }
    }
  }

  // -- debug -----------------------------------------------------------------------------

  /** Turns debug mode on or off (`loop.set_debug`). */
  setDebug(enabled: boolean): void {
    this.debug = enabled;
  }

  /** Whether debug mode is on (`loop.get_debug`). */
  getDebug(): boolean {
    return this.debug;
  }

  // -- begin: TCP/TLS/Unix connections and servers (issue 4; bodies in net/connect.ts, net/server.ts) --

  /**
   * Opens a TCP (or TLS) connection (`loop.create_connection`); once connected, makes the protocol
   * with `protocolFactory()` and calls its `connectionMade(transport)`.
   * @param options.ssl `true` or `tls.ConnectionOptions` for TLS. @default false
   * @param options.serverHostname the name the certificate must match (only with ssl). @default host
   * @param options.localAddr bind the local end to `[host, port]` first.
   * @returns the transport and the protocol.
   * @throws ConnectionRefusedError `[Errno 111] Connect call failed ('127.0.0.1', 1)` and other OSErrors;
   *   OverflowError "connect(): port must be 0-65535, got 70000"; ValueError "server_hostname is only meaningful with ssl".
   * @example const [transport, protocol] = yield* loop.createConnection(() => new Client(), "127.0.0.1", 8888);
   */
  createConnection<P extends BaseProtocol>(protocolFactory: () => P, host: string, port: number, options?: CreateConnectionOptions): Coroutine<[Transport, P]> {
    return _createConnection(this, protocolFactory, host, port, options);
  }

  /**
   * Listens on `host:port` (`loop.create_server`); each connection gets a protocol from
   * `protocolFactory()`. `host` null listens on every interface; a list listens on each.
   * @param options.ssl `tls.TlsOptions` (key, cert) to serve TLS. @default no TLS
   * @param options.backlog @default 100
   * @param options.startServing accept at once. @default true
   * @returns the `Server`.
   * @throws OSError "[Errno 98] error while attempting to bind on address ('127.0.0.1', 8080): address already in use".
   * @example const server = yield* loop.createServer(() => new Echo(), "127.0.0.1", 0);
   */
  createServer(protocolFactory: () => BaseProtocol, host: string | readonly string[] | null, port: number | null, options?: CreateServerOptions): Coroutine<Server> {
    return _createServer(this, protocolFactory, host, port, options);
  }

  /**
   * `createConnection` to the Unix socket at `path` (`loop.create_unix_connection`).
   * @throws FileNotFoundError or ConnectionRefusedError when nothing listens there.
   * @example const [transport, protocol] = yield* loop.createUnixConnection(() => new Client(), "/tmp/app.sock");
   */
  createUnixConnection<P extends BaseProtocol>(protocolFactory: () => P, path: string, options?: CreateUnixConnectionOptions): Coroutine<[Transport, P]> {
    return _createUnixConnection(this, protocolFactory, path, options);
  }

  /**
   * `createServer` on a Unix socket at `path` (`loop.create_unix_server`); the file is removed on close.
   * @throws OSError when it cannot listen.
   * @example const server = yield* loop.createUnixServer(() => new Echo(), "/tmp/app.sock");
   */
  createUnixServer(protocolFactory: () => BaseProtocol, path: string, options?: Omit<CreateServerOptions, "reuseAddress" | "ipv6Only">): Coroutine<Server> {
    return _createUnixServer(this, protocolFactory, path, options);
  }

  /**
   * Upgrades an open connection to TLS (`loop.start_tls`) and returns the new transport, which
   * serves `protocol` from then on.
   * @param options.serverSide true on the accepting side. @default false
   * @throws TypeError for a transport that is not a plain socket; TLS handshake errors.
   * @example transport = yield* loop.startTls(transport, protocol, { ca: cert }, { serverHostname: "localhost" });
   */
  startTls(transport: Transport, protocol: BaseProtocol, ssl: ClientSSL | import("node:tls").TlsOptions, options?: StartTlsOptions): Coroutine<Transport> {
    return _startTls(this, transport, protocol, ssl, options);
  }

  // -- end: TCP/TLS/Unix connections and servers --

  // -- executors (the pools live in executors/) ----------------------------------------------

  // -- begin: runInExecutor (issue 5; the pools are in executors/) --

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
  runInExecutor<A extends unknown[], R>(executor: Executor | null, fn: PoolFunction<A, R>, ...args: A): Future<Awaited<R>> {
    this.checkClosed();
    const target = executor ?? (this.defaultExecutor ??= new ThreadPoolExecutor());
    const concurrent = target.submit(fn as (...a: unknown[]) => unknown, ...args) as ConcurrentFutureLike<Awaited<R>>;
    return wrapFuture(concurrent, { loop: this });
  }

  // -- end: runInExecutor --

  // -- begin: signals, getaddrinfo, UDP, subprocesses (issue 4; bodies in signals.ts, dns.ts, datagram.ts, subprocess.ts) --

  /**
   * Runs `callback(...args)` as a loop callback each time the process receives `sig`
   * (`loop.add_signal_handler`, Unix). A new handler for the same signal replaces the old one.
   * While a handler is installed the process stays alive; `removeSignalHandler` or `close()` ends that.
   * @param sig a signal name ("SIGTERM", "SIGUSR1") or number.
   * @throws TypeError for a coroutine function or a non-function; ValueError for an unknown signal;
   * RuntimeError "sig SIGKILL cannot be caught" for SIGKILL and SIGSTOP, or when the loop is closed.
   * @example loop.addSignalHandler("SIGTERM", () => stopping.set());
   */
  addSignalHandler<A extends unknown[]>(sig: NodeJS.Signals | number, callback: (...args: A) => unknown, ...args: A): void {
    _addSignalHandler(this, sig, callback, args);
  }

  /**
   * Removes the handler of `sig` and restores Node's default behaviour (`loop.remove_signal_handler`).
   * @returns true if a handler was removed, false if there was none.
   * @throws TypeError or ValueError for an invalid signal.
   */
  removeSignalHandler(sig: NodeJS.Signals | number): boolean {
    return _removeSignalHandler(this, sig);
  }

  /**
   * Resolves `host` and `port` (`loop.getaddrinfo`, over Node's `dns.lookup`) into tuples
   * `[family, type, proto, canonname, [address, port]]` (see `AddrInfo`).
   * @param host a name, a numeric address, or null (loopback; with `AI_PASSIVE`, the wildcard).
   * @param port a number, a numeric string, a service name ("http"), or null.
   * @throws GaiError, such as `[Errno -2] Name or service not known`.
   * @example const infos = yield* loop.getaddrinfo("localhost", 80, { type: SOCK_STREAM });
   */
  getaddrinfo(host: string | null, port: number | string | null, options?: GetaddrinfoOptions): Coroutine<AddrInfo[]> {
    return _getaddrinfo(this, host, port, options);
  }

  /**
   * Opens a UDP endpoint (`loop.create_datagram_endpoint`): binds to `localAddr`, connects to
   * `remoteAddr` (either may be omitted), and calls the protocol from `protocolFactory()` as part
   * of the loop: `connectionMade`, `datagramReceived(data, [host, port])`, `errorReceived`,
   * `connectionLost`.
   * @returns the transport (`sendto`, `close`, `abort`, `getExtraInfo`) and the protocol.
   * @throws ValueError without any address nor family; OSError (such as EADDRINUSE) when no socket could be opened.
   * @example
   * const [transport, proto] = yield* loop.createDatagramEndpoint(() => new EchoProtocol(), { localAddr: ["127.0.0.1", 0] });
   */
  createDatagramEndpoint<P extends DatagramProtocol>(protocolFactory: () => P, options?: DatagramEndpointOptions): Coroutine<[UDPTransport, P]> {
    return _createDatagramEndpoint(this, protocolFactory, options);
  }

  /**
   * Runs `program` with `args` as a child process driven by a protocol (`loop.subprocess_exec`).
   * stdin, stdout and stderr default to `PIPE` here; the last argument may be the options.
   * @returns the transport (`getPid`, `getReturncode`, `getPipeTransport(fd)`, `sendSignal`,
   * `terminate`, `kill`, `close`) once the protocol's `connectionMade` has run, and the protocol.
   * @throws FileNotFoundError when `program` does not exist; other `OSError`s from spawning.
   * @example
   * const [transport, proto] = yield* loop.subprocessExec(() => new Collect(), "ls", "-l");
   */
  subprocessExec<P extends SubprocessProtocol>(
    protocolFactory: () => P,
    program: string,
    ...args: Array<string | SubprocessOptions>
  ): Coroutine<[SubprocessPipesTransport, P]> {
    const [argv, options] = _splitArgs(args);
    return _subprocessExec(this, protocolFactory, program, argv, options);
  }

  /**
   * Runs `cmd` through `/bin/sh -c` as a child process driven by a protocol (`loop.subprocess_shell`).
   * Options and result as `subprocessExec`.
   * @throws ValueError when `cmd` is not a string.
   * @example
   * const [transport, proto] = yield* loop.subprocessShell(() => new Collect(), "echo $HOME");
   */
  subprocessShell<P extends SubprocessProtocol>(protocolFactory: () => P, cmd: string, options?: SubprocessOptions): Coroutine<[SubprocessPipesTransport, P]> {
    return _subprocessShell(this, protocolFactory, cmd, options);
  }

  // -- end: signals, getaddrinfo, UDP, subprocesses --

  /** @internal */ defaultExecutor: Executor | null = null;

  /**
   * Sets the executor `runInExecutor(null, ...)` and `toThread` use (`loop.set_default_executor`);
   * the loop shuts it down at the end of `run()`.
   * @example loop.setDefaultExecutor(new ThreadPoolExecutor({ maxWorkers: 4 }));
   */
  setDefaultExecutor(executor: Executor): void {
    this.defaultExecutor = executor;
  }

  /**
   * Shuts the default executor down and waits until its workers are gone
   * (`loop.shutdown_default_executor`); `run()` does this at the end.
   * @example yield* loop.shutdownDefaultExecutor();
   */
  *shutdownDefaultExecutor(): Coroutine<void> {
    const executor = this.defaultExecutor;
    this.defaultExecutor = null;
    if (executor === null) return;
    yield* fromPromise(Promise.resolve(executor.shutdown({ wait: true })));
  }

  // -- internals -------------------------------------------------------------------------

  /** @internal */
  _registerTask(t: Task<unknown>): void {
    const last = this._lastTask;
    t._prevTask = last;
    if (last === null) this._firstTask = t;
    else last._nextTask = t;
    this._lastTask = t;
  }

  /** @internal Idempotent. */
  _unregisterTask(t: Task<unknown>): void {
    const prev = t._prevTask;
    const next = t._nextTask;
    if (prev !== null) prev._nextTask = next;
    else if (this._firstTask === t) this._firstTask = next;
    else return;
    if (next !== null) next._prevTask = prev;
    else this._lastTask = prev;
    t._prevTask = t._nextTask = null;
  }

  /** @internal The pending tasks, in creation order. */
  _pendingTasks(): Task<unknown>[] {
    const tasks = [];
    for (let t = this._firstTask; t !== null; t = t._nextTask) tasks.push(t);
    return tasks;
  }

  /** @internal The failed futures and tasks whose error nobody has read yet. */
  _unretrievedFutures(): Future<unknown>[] {
    const out: Future<unknown>[] = [];
    for (const ref of this.unretrieved) {
      const fut = ref.deref();
      if (fut !== undefined) out.push(fut);
    }
    return out;
  }

  /** @internal The sockets, servers and transports still open on this loop (net/registry.ts). */
  _openResources(): LoopResource[] {
    return _openNetResources(this);
  }

  /** @internal Remembers a failed future whose error nobody has read yet. */
  _trackUnretrieved(fut: Future<unknown>): WeakRef<Future<unknown>> {
    const ref = new WeakRef(fut);
    this.unretrieved.add(ref);
    return ref;
  }

  /** @internal */
  _untrackUnretrieved(ref: WeakRef<Future<unknown>>): void {
    this.unretrieved.delete(ref);
  }

  private reportUnretrieved(): void {
    for (const ref of this.unretrieved) ref.deref()?._reportUnretrieved();
    this.unretrieved.clear();
  }

  private checkClosed(): void {
    if (this.closed) throw new RuntimeError("Event loop is closed");
  }

  protected _debugEnabled(): boolean {
    return this.debug;
  }

  protected _runDebug(r: Runnable): void {
    const t0 = performance.now();
    r._run();
    const dt = (performance.now() - t0) / 1000;
    if (dt >= this.slowCallbackDuration) {
      console.warn(`Executing ${String(r)} took ${dt.toFixed(3)} seconds`);
    }
  }

  protected _reportInternalError(e: unknown): void {
    this.callExceptionHandler({ message: "Internal error in the event loop", exception: e });
  }

  protected _deadlockError(): Error {
    const main = this._mainFuture;
    const what = main === null ? "the loop runs forever" : `${String(main)} is still pending`;
    const chain = main === null ? "" : describeWaitChain(main);
    return new RuntimeError(
      `Event loop deadlock: nothing can ever run again (no ready callback, no timer, no I/O), but ${what}${chain}`,
    );
  }

  override toString(): string {
    return `<EventLoop running=${this._running} closed=${this.closed} debug=${this.debug}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** The chain of futures a task waits on, for the deadlock report: "; it waits on A, which waits on B". */
function describeWaitChain(fut: Future<unknown>): string {
  const parts: string[] = [];
  const seen = new Set<unknown>();
  let cur: unknown = fut;
  while (cur instanceof Task && cur._waiter !== null && !seen.has(cur)) {
    seen.add(cur);
    cur = cur._waiter;
    const owner = cur instanceof Future ? _waitOwner(cur) : undefined;
    parts.push(owner === undefined ? String(cur) : `${String(cur)} in ${String(owner)}`);
  }
  return parts.length === 0 ? "" : `; it waits on ${parts.join(", which waits on ")}`;
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
