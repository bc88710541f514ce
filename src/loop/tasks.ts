/**
 * Tasks and the ways to compose them (CPython: `asyncio/tasks.py`): `Task`, `createTask`,
 * `ensureFuture`, `currentTask`, `allTasks`, eager tasks, `sleep`, `gather`, `wait`,
 * `asCompleted`, `shield`.
 *
 * A Task drives a coroutine (a generator) on its loop, one step at a time (core/step.ts). It is a
 * Future of the coroutine's result, and it is its own ready-ring entry, so waking a task costs
 * nothing but a push. Cancelling a task throws a `CancelledError` into the coroutine at the point
 * where it waits; the coroutine may clean up, and even refuse, as in Python.
 */

import { formatValue } from "../core/repr.ts";
import { CANCELS_SHIFT, HAS_STEP_ERROR, LOW_BITS, MUST_CANCEL, NO_ERROR, step, type Steppable } from "../core/step.ts";
import type { Runnable, Timer } from "../core/scheduler.ts";
import { SleepZero, sleepZero, type Waitable } from "../core/suspend.ts";
import { Context, _adoptCurrentContext, _captureContext, _enterContext, _leaveContext } from "./contextvars.ts";
import { _extendEventLoop, _getRunningLoop, checkDelay, getEventLoop, getRunningLoop, type EventLoop, type TimerHandle } from "./events.ts";
import { CancelledError, RuntimeError, TimeoutError, ValueError, _isBaseExit } from "../exceptions.ts";
import { Future, _awaitedThrough, _waitOwner, fromPromise, futureAddToAwaitedBy, futureDiscardFromAwaitedBy, isFuture, keepCancelledError, recordCancelOrigin } from "./futures.ts";
import { hooks } from "../core/hooks.ts";
import { _creationPlace, _creationStackText, _describeCoroutine, _noteCreation } from "../debug/coroutines.ts";
import { describePlace } from "../debug/frames.ts";
import { checkOptions, optionKeys } from "../options.ts";
import type { Awaitable, AwaitedOf, Coroutine } from "./types.ts";

/** Options of `createTask`. */
export interface TaskOptions {
  /** The task's name. @default `Task-N`, N counting the tasks created */
  name?: string;
  /** The context the task runs in. @default a copy of the current one */
  context?: Context;
  /** Run the coroutine's first step now, inside `createTask` (3.12's eager tasks). @default false */
  eagerStart?: boolean;
  /**
   * Cancels the task when this signal aborts, with the signal's `reason` as the cancel message
   * (asyncio-ts's own, for code that stops work with an `AbortController`); an aborted signal
   * cancels the task before its first step. @default none
   */
  signal?: AbortSignal;
}

/** @internal The keys of `TaskOptions`, for the option checks of `createTask` and the task group's. */
export const TASK_OPTION_KEYS = ["name", "context", "eagerStart", "signal"] as const;
const TASK_CONSTRUCTOR_KEYS = [...TASK_OPTION_KEYS, "loop"] as const;
/** The last options object the Task constructor checked: the loop's shared `{ loop }` is checked once, not per task. */
let checkedTaskOptions: object | null = null;
/** Controllers of the signals `cancellationSignal()` handed out, by task. */
const cancellationSignals = new WeakMap<Task<unknown>, AbortController>();

let taskCounter = 0;
/** Errors waiting to be thrown into a task's coroutine at its next step (see `_stepError`). */
const stepErrors = new WeakMap<Task<unknown>, unknown>();

/**
 * A coroutine scheduled to run on a loop (`asyncio.Task`): a Future of the coroutine's result.
 * Create one with `createTask`. The loop holds a pending task strongly, so it runs to the end
 * even if nobody keeps a reference; a failure nobody reads is reported through the loop's
 * exception handler ("Task exception was never retrieved").
 *
 * @example
 * const task = createTask(fetchPage(url), { name: "fetch" });
 * yield* sleep(1);
 * if (!task.done()) task.cancel("too slow");
 * try {
 *   const page = yield* task;
 * } catch (e) {
 *   if (!isCancellation(e)) throw e;
 * }
 */
export class Task<T = unknown> extends Future<T> implements Steppable {
  /** @internal */ _coro: Coroutine<T>;
  /** @internal The future this task waits on. */
  _waiter: Waitable | null = null;
  /** @internal A string, or the number N of the default name `Task-N`. */
  _name: string | number;
  /** @internal Null while the task's context is empty (see contextvars.ts). */
  _context: Context | null;
  /** @internal Links in the loop's list of pending tasks. */
  _prevTask: Task<unknown> | null = null;
  /** @internal */ _nextTask: Task<unknown> | null = null;

  /**
   * Prefer `createTask(coro)` or `loop.createTask(coro)`, which go through the loop's task factory.
   * @param options.loop the loop to run on. @default getEventLoop()
   * @throws TypeError when `coro` is not a coroutine (a message says to call a generator function, or to use `fromPromise`).
   */
  constructor(coro: Coroutine<T>, options: TaskOptions & { loop?: EventLoop } = {}) {
    super(options); // the Future takes `options.loop`, or getEventLoop()
    if (options !== checkedTaskOptions) {
      checkOptions(options, TASK_CONSTRUCTOR_KEYS, "Task()");
      checkedTaskOptions = options;
    }
    if (!isCoroutine(coro)) {
      throw new TypeError(`a coroutine was expected, got ${describeValue(coro)}${coroutineHint(coro)}`);
    }
    this._coro = coro;
    this._name = options.name === undefined ? ++taskCounter : String(options.name);
    this._context = options.context ?? _captureContext();
    const loop = this._loop;
    loop._registerTask(this as Task<unknown>);
    if (loop.getDebug()) _noteCreation(this, Task);
    if (options.signal !== undefined) linkAbortSignal(this as Task<unknown>, options.signal);
    if (options.eagerStart && loop.isRunning()) this._run();
    else loop._enqueue(this);
  }

  /** @internal How many cancellations were requested and not taken back (in `_flags`). */
  get _numCancelsRequested(): number {
    return this._flags >>> CANCELS_SHIFT;
  }

  set _numCancelsRequested(n: number) {
    this._flags = (this._flags & LOW_BITS) | (n << CANCELS_SHIFT);
  }

  /** @internal The error to throw in at the next step, or NO_ERROR; kept aside, as it is rare. */
  get _stepError(): unknown {
    return this._flags & HAS_STEP_ERROR ? stepErrors.get(this as Task<unknown>) : NO_ERROR;
  }

  set _stepError(error: unknown) {
    if (error !== NO_ERROR) {
      this._flags |= HAS_STEP_ERROR;
      stepErrors.set(this as Task<unknown>, error);
    } else if (this._flags & HAS_STEP_ERROR) {
      this._flags &= ~HAS_STEP_ERROR;
      stepErrors.delete(this as Task<unknown>);
    }
  }

  /**
   * Requests cancellation (`Task.cancel(msg)`): a `CancelledError` carrying `msg` is thrown into
   * the coroutine at its await point. The coroutine may clean up, or even refuse by catching it.
   * Each call counts (see `cancelling()`). On a task that failed already it changes nothing but
   * counts as reading the error, as in CPython: the failure is then not reported as never retrieved.
   * @returns false if the task is already done, else true.
   * @example
   * task.cancel("shutting down");
   * yield* wait([task]); // task.cancelled() is true unless the coroutine refused
   */
  override cancel(msg?: unknown): boolean {
    if (this.done()) {
      this._markRetrieved(); // CPython clears the "log traceback" flag before it looks at the state
      return false;
    }
    this._numCancelsRequested++;
    cancellationSignals.get(this as Task<unknown>)?.abort(new CancelledError(msg === undefined ? undefined : String(msg)));
    const waiter = this._waiter;
    if (waiter !== null && waiter.cancel(msg)) return true;
    if (this._loop.getDebug()) recordCancelOrigin(this as Task<unknown>);
    this._flags |= MUST_CANCEL;
    this._cancelMessage = msg;
    return true;
  }

  /** How many cancellation requests are pending, not yet `uncancel()`ed (`Task.cancelling()`). */
  cancelling(): number {
    return this._numCancelsRequested;
  }

  /**
   * Takes back one cancellation request (`Task.uncancel()`), as `timeout` and `taskGroup` do
   * for their own; once none remain, a cancellation not yet delivered is dropped.
   * @returns how many requests remain.
   */
  uncancel(): number {
    if (this._numCancelsRequested > 0) {
      this._numCancelsRequested--;
      if (this._numCancelsRequested === 0) this._flags &= ~MUST_CANCEL;
    }
    return this._numCancelsRequested;
  }

  /** The task's name: the one given, else `Task-N` (`Task.get_name()`). */
  getName(): string {
    return typeof this._name === "number" ? `Task-${this._name}` : this._name;
  }

  /** Renames the task; `name` is converted to a string (`Task.set_name()`). */
  setName(name: unknown): void {
    this._name = String(name);
  }

  /** The coroutine the task drives (`Task.get_coro()`). */
  getCoro(): Coroutine<T> {
    return this._coro;
  }

  /** The context the task runs in (`Task.get_context()`). */
  getContext(): Context {
    if (this._context === null) {
      // During its own step, a task with an empty context runs in the scratch context: adopt it,
      // so what the step sets is seen through the returned Context, and stays the task's.
      this._context = this._loop._currentTask === (this as Task<unknown>) ? _adoptCurrentContext() : new Context();
    }
    return this._context;
  }

  /**
   * Not for tasks: a task's result comes from its coroutine.
   * @throws RuntimeError "Task does not support setResult operation", always.
   */
  override setResult(_value: T): never {
    throw new RuntimeError("Task does not support setResult operation");
  }

  /**
   * Not for tasks: a task's error comes from its coroutine.
   * @throws RuntimeError "Task does not support setException operation", always.
   */
  override setException(_error: unknown): never {
    throw new RuntimeError("Task does not support setException operation");
  }

  /**
   * `<Task pending name='fetch' wait_for=<Future pending>>`; in debug mode also the coroutine, where
   * it runs, and where the task was created (CPython's repr): `<Task pending name='fetch'
   * coro=<fetch() running at /app/crawl.ts:12> wait_for=<Future pending> created at /app/main.ts:30>`.
   */
  override toString(): string {
    return this._repr(this._loop.getDebug());
  }

  /** @internal */
  override _plainRepr(): string {
    return this._repr(false);
  }

  private _repr(debug: boolean): string {
    const state = this._describeState();
    const space = state.indexOf(" ");
    const parts = [`<Task ${space < 0 ? state : state.slice(0, space)} name='${this.getName()}'`];
    if (debug) parts.push(`coro=<${_describeCoroutine(this)}>`);
    if (space >= 0) parts.push(state.slice(space + 1));
    if (this._waiter !== null) parts.push(`wait_for=${String(this._waiter)}`);
    const created = debug ? _creationPlace(this) : undefined;
    if (created !== undefined) parts.push(`created at ${describePlace(created)}`);
    return `${parts.join(" ")}>`;
  }

  // -- the step (core/step.ts calls these) --------------------------------------------------

  /** @internal The ring runs the task: one step of its coroutine, in its context, as the current task. */
  _run(): void {
    if (this.done()) return;
    const loop = this._loop;
    const prevTask = loop._currentTask;
    loop._currentTask = this as Task<unknown>;
    const prevContext = _enterContext(this._context);
    try {
      step(this);
    } finally {
      this._context = _leaveContext(prevContext);
      loop._currentTask = prevTask;
    }
  }

  /** @internal */
  _stepReturned(value: unknown): void {
    if (this._flags & MUST_CANCEL) {
      // Cancelled during its last step, which then returned: it still ends cancelled (CPython).
      this._flags &= ~MUST_CANCEL;
      super.cancel(this._cancelMessage);
      return;
    }
    this._resolve(value as T);
  }

  /** @internal */
  _stepThrew(error: unknown): void {
    this._flags &= ~MUST_CANCEL;
    if (error instanceof CancelledError) {
      keepCancelledError(this as Task<unknown>, error);
      super.cancel(error.message === "" ? this._cancelMessage : error.message);
    } else {
      this._fail(error);
      // The task fails with it, and it goes on up: out of the loop's run, or out of the
      // `createTask` that started an eager task (CPython's `except (KeyboardInterrupt, SystemExit)`).
      if (_isBaseExit(error)) throw error;
    }
  }

  /** @internal Done: the loop no longer holds the task. */
  override _scheduleCallbacks(cbs: Runnable | Runnable[] | null): void {
    this._loop._unregisterTask(this as Task<unknown>);
    super._scheduleCallbacks(cbs);
  }

  /** @internal */
  override _unretrievedMessage(): string {
    return `Task exception was never retrieved (task '${this.getName()}')`;
  }

  /** @internal Debug mode: where the task was created, or undefined. */
  override _creationStack(): string | undefined {
    return _creationStackText(this);
  }
}

function describeValue(x: unknown): string {
  if (typeof x === "function") return `the function ${x.name || "<anonymous>"}`;
  if (typeof x === "string") return JSON.stringify(x);
  if (typeof x === "object" && x !== null && typeof (x as PromiseLike<unknown>).then === "function") return "a promise";
  return formatValue(x, { depth: 0, breakLength: Infinity });
}

function coroutineHint(x: unknown): string {
  if (typeof x === "function") return " (call it: pass f(), not f)";
  if (typeof x === "object" && x !== null && typeof (x as PromiseLike<unknown>).then === "function") {
    return " (wrap a promise with fromPromise(p))";
  }
  return " (a coroutine is what a generator function `function*` returns)";
}

function isThenable(x: unknown): x is PromiseLike<unknown> {
  return (typeof x === "object" || typeof x === "function") && x !== null && typeof (x as PromiseLike<unknown>).then === "function";
}

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor as GeneratorFunctionConstructor;

/**
 * True for a coroutine: a generator object, or an iterator with `next`, `throw` and `return`
 * that is not a Future (`asyncio.iscoroutine`).
 * @example
 * isCoroutine(sleep(1)); // true
 * isCoroutine(Promise.resolve()); // false
 */
export function isCoroutine(x: unknown): x is Coroutine<unknown> {
  return (
    typeof x === "object" &&
    x !== null &&
    typeof (x as Generator).next === "function" &&
    typeof (x as Generator).throw === "function" &&
    typeof (x as Generator).return === "function" &&
    !isFuture(x)
  );
}

/**
 * True for a generator function (`function*`), asyncio's coroutine function
 * (`asyncio.iscoroutinefunction`).
 * @example
 * isCoroutineFunction(function* () {}); // true
 * isCoroutineFunction(async () => {}); // false
 */
export function isCoroutineFunction(f: unknown): boolean {
  return f instanceof GeneratorFunction;
}

/**
 * @internal Makes `isCoroutineFunction(f)` true for a function that returns a coroutine without
 * being a generator function (Python's `inspect.markcoroutinefunction`), such as a method whose
 * coroutine is written by hand for speed. `f` is called as before.
 */
export function _markCoroutineFunction(f: Function): void {
  Object.setPrototypeOf(f, GeneratorFunction.prototype);
}

/** Cancels `task` when `signal` aborts (at once if it has), with the signal's reason as the message. */
function linkAbortSignal(task: Task<unknown>, signal: AbortSignal): void {
  if (!(signal instanceof AbortSignal)) {
    throw new TypeError(`the \`signal\` option must be an AbortSignal, got ${describeValue(signal)}`);
  }
  if (signal.aborted) {
    task.cancel(signal.reason);
    return;
  }
  const onAbort = (): void => void task.cancel(signal.reason);
  signal.addEventListener("abort", onAbort, { once: true });
  task.addDoneCallback(() => signal.removeEventListener("abort", onAbort));
}

/**
 * An `AbortSignal` that aborts when `task` (the current task by default) is cancelled, to hand to
 * any promise API (`fetch(url, { signal })`) so its work stops with the task (asyncio-ts's own: the
 * way out of a task, as `createTask(coro, { signal })` is the way in). It aborts on the first
 * `cancel()`, with a `CancelledError` carrying the cancel message as its reason; a task already
 * cancelled, or being cancelled, gives an aborted signal. Each task has one such signal.
 * @param task @default currentTask()
 * @throws RuntimeError outside a task (no running loop, or in a plain callback) when `task` is not given.
 * @example
 * const response = yield* fromPromise(fetch(url, { signal: cancellationSignal() }));
 */
export function cancellationSignal(task?: Task<unknown>): AbortSignal {
  const target = task ?? currentTask();
  if (target === null) {
    throw new RuntimeError("cancellationSignal() needs a task: call it in a coroutine that a task runs, or pass the task");
  }
  let controller = cancellationSignals.get(target);
  if (controller === undefined) {
    controller = new AbortController();
    cancellationSignals.set(target, controller);
    if (target.cancelled() || (!target.done() && target.cancelling() > 0)) {
      const message = target._cancelMessage;
      controller.abort(new CancelledError(message === undefined ? undefined : String(message)));
    }
  }
  return controller.signal;
}

/**
 * Wraps `coro` in a Task on the running loop and schedules it (`asyncio.create_task`). The task
 * starts at the next loop iteration, in a copy of the current context.
 * @param options.name the task's name. @default `Task-N`
 * @param options.context the context to run in. @default a copy of the current one
 * @param options.eagerStart run the first step now, inside this call. @default false
 * @param options.signal cancel the task when this AbortSignal aborts (with its reason). @default none
 * @throws RuntimeError "no running event loop" outside of a running loop; TypeError when `coro`
 * is not a coroutine.
 * @example
 * const task = createTask(worker(queue), { name: "worker-1" });
 * // ... later
 * task.cancel();
 */
export function createTask<T>(coro: Coroutine<T>, options?: TaskOptions): Task<T> {
  return getRunningLoop().createTask(coro, options);
}

/**
 * A task factory that starts each task eagerly (`asyncio.eager_task_factory`): the coroutine runs
 * its first step inside `createTask`, and one that never waits is done when `createTask` returns.
 * @example
 * getRunningLoop().setTaskFactory(eagerTaskFactory);
 */
export function eagerTaskFactory<T>(loop: EventLoop, coro: Coroutine<T>, options?: TaskOptions): Task<T> {
  return new Task(coro, constructorOptions(options, loop, true));
}

/**
 * A task factory that starts each task eagerly, as `eagerTaskFactory` does, but makes it with
 * `customTaskConstructor` (`asyncio.create_eager_task_factory`, 3.12): `Task` or a subclass of it,
 * called with the task's options, `loop` and `eagerStart: true`: `new customTaskConstructor(coro, { name, context, signal, loop, eagerStart: true })`.
 * @param customTaskConstructor the class of the tasks to make.
 * @returns a factory for `loop.setTaskFactory`.
 * @throws TypeError when `customTaskConstructor` is not a class (a function).
 * @example
 * class TracedTask<T> extends Task<T> {}
 * getRunningLoop().setTaskFactory(createEagerTaskFactory(TracedTask));
 * createTask(main()) instanceof TracedTask; // true, and its first step has run already
 */
export function createEagerTaskFactory(
  customTaskConstructor: new <T>(coro: Coroutine<T>, options: TaskOptions & { loop: EventLoop }) => Task<T>,
): TaskFactory {
  if (typeof customTaskConstructor !== "function") {
    throw new TypeError(`createEagerTaskFactory() takes a Task class (Task or a subclass), got ${describeValue(customTaskConstructor)}`);
  }
  return function customEagerTaskFactory<T>(loop: EventLoop, coro: Coroutine<T>, options?: TaskOptions): Task<T> {
    return new customTaskConstructor(coro, constructorOptions(options, loop, true));
  };
}

/**
 * The Task constructor's options from `options`, which `loop.createTask` checked: its keys copied
 * one by one with `loop` (and `eagerStart`) set, and marked as checked. Not `{ ...options, loop }`:
 * V8 takes a slow path for that spread, 3 µs a task, six times all the rest of `createTask` (a
 * task per request in asyncio-ts/http: bench/, http).
 */
function constructorOptions(options: TaskOptions | undefined, loop: EventLoop, eagerStart?: boolean): TaskOptions & { loop: EventLoop } {
  const own = { name: options?.name, context: options?.context, eagerStart: eagerStart ?? options?.eagerStart, signal: options?.signal, loop };
  checkedTaskOptions = own;
  return own;
}

/**
 * A Future for `x` (`asyncio.ensure_future`): a future as it is, a coroutine wrapped in a task,
 * a promise bridged with `fromPromise`. With no running loop it binds to `getEventLoop()`.
 * @param loop the loop to bind to. @default the running loop, else getEventLoop()
 * @throws ValueError when `x` is a future of another loop than `loop`; TypeError for anything
 * that is not a future, a coroutine or a promise.
 * @example
 * const fut = ensureFuture(main()); // a Task
 * await getEventLoop().runUntilComplete(fut);
 */
export function ensureFuture<T>(x: Awaitable<T> | PromiseLike<T>, loop?: EventLoop): Future<T> {
  if (isFuture(x)) {
    if (loop !== undefined && x._loop !== loop) {
      throw new ValueError("The future belongs to a different loop than the one specified as the loop argument");
    }
    return x as Future<T>;
  }
  if (isCoroutine(x)) return (loop ?? getEventLoop()).createTask(x as Coroutine<T>);
  // The loop is passed on: `loop.runUntilComplete(promise)` on a loop that is not the current
  // one must bridge the promise on that loop, or nothing would ever stop it.
  if (isThenable(x)) return fromPromise(x as PromiseLike<T>, { loop: loop ?? getEventLoop() });
  throw new TypeError(`An asyncio Future, a coroutine or a promise is required, got ${describeValue(x)}${coroutineHint(x)}`);
}

/**
 * The task running now on `loop`, or null inside a plain callback (`asyncio.current_task`).
 * @param loop @default the running loop
 * @throws RuntimeError "no running event loop" without `loop` outside of a running loop.
 * @example console.log(`${currentTask()?.getName()} starts`);
 */
export function currentTask(loop?: EventLoop): Task<unknown> | null {
  return (loop ?? getRunningLoop())._currentTask;
}

/**
 * The tasks of `loop` that are not done, the current one included (`asyncio.all_tasks`).
 * @param loop @default the running loop
 * @throws RuntimeError "no running event loop" without `loop` outside of a running loop.
 * @example
 * for (const t of allTasks()) if (t !== currentTask()) t.cancel();
 */
export function allTasks(loop?: EventLoop): Set<Task<unknown>> {
  return new Set((loop ?? getRunningLoop())._pendingTasks());
}

// -- sleep ---------------------------------------------------------------------------------

/**
 * Suspends the current task for `delay` seconds and then returns `result` (`asyncio.sleep`).
 * `sleep(0)` just lets the other ready tasks run once, allocating no timer. As in Python,
 * nothing happens until the returned coroutine is awaited.
 * @param delay seconds; 0 or less (as in CPython) is `sleep(0)`: one turn of the loop, no timer.
 * @throws ValueError for a NaN delay; TypeError for a non-number.
 * @example
 * yield* sleep(0.5); // half a second
 * const v = yield* sleep(1, "tick"); // "tick"
 */
export function sleep(delay: number): Coroutine<undefined>;
/**
 * Suspends the current task for `delay` seconds and then returns `result` (`asyncio.sleep(delay, result)`).
 * @param delay seconds; 0 or less is `sleep(0)`.
 * @param result what the sleep returns.
 * @example
 * const v = yield* sleep(1, "tick"); // "tick"
 */
export function sleep<T>(delay: number, result: T): Coroutine<T>;
export function sleep<T>(delay: number, result?: T): Coroutine<T | undefined> {
  checkDelay("delay", delay);
  if (delay <= 0) return result === undefined ? sleepZero : new SleepZero(result);
  const coro = new Sleep(delay, result);
  // Debug mode watches it (debug/unawaited.ts). Not `sleep(0)`: one dropped does nothing anyway,
  // and watching every `sleep(0)` would cost debug mode a stack capture (some microseconds) per switch.
  if (hooks.onMade !== null) hooks.onMade(coro, "sleep", sleep);
  return coro;
}

/**
 * The future behind `sleep(delay)`, which is its own timer: when the loop's timer heap says it
 * is due, `_run()` resolves it. This saves the handle, the argument array and the generator a
 * plain `callLater` would cost for each sleeping task (bench/: bytes per pending task).
 */
class SleepFuture<T> extends Future<T> implements Timer {
  /** @internal */ _when: number;
  /** @internal */ _scheduled = false;
  /** @internal The timer's own flag, for the heap (the future's state is `cancelled()`). */
  _cancelled = false;
  constructor(
    loop: EventLoop,
    when: number,
    private readonly value: T,
  ) {
    super({ loop });
    this._when = when;
    loop._schedule(this);
  }

  /** @internal The timer fired. */
  _run(): void {
    if (!this.done()) this._resolve(this.value);
  }

  override cancel(msg?: unknown): boolean {
    if (!super.cancel(msg)) return false;
    if (this._scheduled) {
      this._cancelled = true;
      this._loop._timers.noteCancelled();
    }
    return true;
  }
}

/**
 * What `sleep(delay)` returns: a coroutine that arms its timer when first resumed (so, as in
 * Python, creating it does nothing) and then delegates to the SleepFuture.
 */
class Sleep<T> implements Generator<unknown, T, unknown> {
  private fut: SleepFuture<T> | null = null;
  constructor(
    private readonly delay: number,
    private readonly value: T,
  ) {}
  next(): IteratorResult<unknown, T> {
    let fut = this.fut;
    if (fut === null) {
      if (hooks.onStart !== null) hooks.onStart(this); // debug mode: it was awaited (debug/unawaited.ts)
      const loop = getRunningLoop();
      fut = this.fut = new SleepFuture(loop, loop.time() + this.delay, this.value);
    }
    return fut.next();
  }
  throw(e: unknown): IteratorResult<unknown, T> {
    if (hooks.onStart !== null) hooks.onStart(this);
    this.fut?.cancel();
    throw e;
  }
  return(value: T): IteratorResult<unknown, T> {
    if (hooks.onStart !== null) hooks.onStart(this);
    this.fut?.cancel();
    return { done: true, value };
  }
  [Symbol.iterator](): Generator<unknown, T, unknown> {
    return this;
  }
  get [Symbol.toStringTag](): string {
    return `sleep(${this.delay})`;
  }
  [Symbol.dispose](): void {
    this.fut?.cancel();
  }
}

// -- gather --------------------------------------------------------------------------------

/** The last argument of `gather` to collect errors instead of throwing the first. */
export interface GatherOptions {
  /** Put each error (a cancellation as a CancelledError) in the results instead of throwing. @default false */
  returnExceptions: boolean;
}

/** The tuple `gather(...aws)` gives: each awaitable's result, in the order of `aws`. */
export type GatherResults<A extends readonly unknown[]> = { -readonly [K in keyof A]: AwaitedOf<A[K]> };
/** The tuple `gather(...aws, { returnExceptions: true })` gives: each result, or the error in its place. */
export type GatherResultsOrErrors<A extends readonly unknown[]> = { -readonly [K in keyof A]: AwaitedOf<A[K]> | Error };

/** The future `gather` returns: cancelling it cancels the children (CPython's `_GatheringFuture`). */
class GatheringFuture<T> extends Future<T> {
  /** @internal */ _cancelRequested = false;
  constructor(
    private readonly children: Future<unknown>[],
    loop: EventLoop,
  ) {
    super({ loop });
  }

  override cancel(msg?: unknown): boolean {
    if (this.done()) return false;
    let any = false;
    for (const child of this.children) if (child.cancel(msg)) any = true;
    if (any) this._cancelRequested = true;
    return any;
  }
}

/**
 * Runs the awaitables concurrently; resolves with the tuple of their results, in the order of
 * the arguments (`asyncio.gather`). Coroutines are wrapped in tasks, promises bridged. The first
 * error is thrown at once (the others keep running), unless a last argument
 * `{ returnExceptions: true }` asks for errors in the tuple (a last argument that is an object
 * and cannot be awaited is the options). Cancelling the gather cancels them all.
 * @returns a Future of the tuple of results (typed per argument).
 * @throws TypeError when an argument is not a coroutine, a future or a promise, or the options
 *   have an unknown key (nothing is started then).
 *
 * @example
 * const [page, count] = yield* gather(fetchPage("a"), countRows()); // [string, number]
 * const results = yield* gather(job1(), job2(), { returnExceptions: true }); // errors as values
 */
export function gather<const A extends readonly (Awaitable<unknown> | PromiseLike<unknown>)[]>(...aws: A): Future<GatherResults<A>>;
export function gather<const A extends readonly (Awaitable<unknown> | PromiseLike<unknown>)[]>(
  ...args: [...A, GatherOptions]
): Future<GatherResultsOrErrors<A>>;
export function gather(...args: unknown[]): Future<unknown[]> {
  let returnExceptions = false;
  const last = args[args.length - 1];
  if (isGatherOptions(last)) {
    checkOptions(last, GATHER_OPTION_KEYS, "gather()");
    returnExceptions = last.returnExceptions === true;
    args = args.slice(0, -1);
  }
  if (args.length === 0) {
    const outer = new Future<unknown[]>({ loop: getEventLoop() });
    outer.setResult([]);
    return outer;
  }
  const byArg = new Map<unknown, Future<unknown>>();
  const children: Future<unknown>[] = [];
  let loop: EventLoop | undefined;

  let finished = 0;
  let total = 0;
  let outer: GatheringFuture<unknown[]> | null = null;

  const onChildDone = (fut: Future<unknown>): void => {
    finished++;
    if (outer === null || outer.done()) {
      if (!fut.cancelled()) fut.exception();
      return;
    }
    if (!returnExceptions) {
      if (fut.cancelled()) {
        outer.setException(fut._makeCancelledError());
        return;
      }
      const e = fut.exception();
      if (e !== null) {
        outer.setException(e);
        return;
      }
    }
    if (finished === total) {
      const results = children.map((c) => {
        if (c.cancelled()) return new CancelledError(c._cancelMessage === undefined ? "" : String(c._cancelMessage));
        const e = c.exception();
        return e !== null ? e : c.result();
      });
      if (outer._cancelRequested) outer.setException(fut._makeCancelledError());
      else outer.setResult(results);
    }
  };

  for (const arg of args) {
    if (!isFuture(arg) && !isCoroutine(arg) && !isThenable(arg)) {
      // Checked before any task is created, so a bad argument leaves nothing running.
      throw new TypeError(`gather() takes coroutines, futures and promises, got ${describeValue(arg)}${coroutineHint(arg)}`);
    }
  }
  // The children are awaited by the task calling gather (3.14's call graph), through onChildDone.
  const awaiter = _getRunningLoop()?._currentTask ?? null;
  if (awaiter !== null) _awaitedThrough(onChildDone, awaiter);
  for (const arg of args) {
    let fut = byArg.get(arg);
    if (fut === undefined) {
      fut = ensureFuture(arg as Awaitable<unknown>, loop);
      loop ??= fut._loop;
      total++;
      byArg.set(arg, fut);
      fut.addDoneCallback(onChildDone);
    }
    children.push(fut);
  }
  outer = new GatheringFuture(children, loop!);
  return outer;
}

const GATHER_OPTION_KEYS = optionKeys<GatherOptions>({ returnExceptions: true });

/** A last argument that is an object and cannot be awaited is gather's options (`{ returnExceptions }`). */
function isGatherOptions(x: unknown): x is GatherOptions {
  return typeof x === "object" && x !== null && !Array.isArray(x) && !isFuture(x) && !isCoroutine(x) && typeof (x as { then?: unknown }).then !== "function";
}

// -- wait, asCompleted -----------------------------------------------------------------------

/**
 * `wait` returns when any awaitable is done (`asyncio.FIRST_COMPLETED`).
 * @example const [done, pending] = yield* wait(tasks, { returnWhen: FIRST_COMPLETED });
 */
export const FIRST_COMPLETED = "FIRST_COMPLETED";
/**
 * `wait` returns when any awaitable fails, or when all are done (`asyncio.FIRST_EXCEPTION`).
 * @example const [done, pending] = yield* wait(tasks, { returnWhen: FIRST_EXCEPTION });
 */
export const FIRST_EXCEPTION = "FIRST_EXCEPTION";
/**
 * `wait` returns when every awaitable is done, the default (`asyncio.ALL_COMPLETED`).
 * @example const [done] = yield* wait(tasks, { returnWhen: ALL_COMPLETED });
 */
export const ALL_COMPLETED = "ALL_COMPLETED";
/** When `wait` returns: one of the three constants above. */
export type ReturnWhen = typeof FIRST_COMPLETED | typeof FIRST_EXCEPTION | typeof ALL_COMPLETED;

/**
 * Waits for the awaitables until `returnWhen` says enough, or `timeout` seconds pass
 * (`asyncio.wait`). Nothing is cancelled; on timeout it just returns. Coroutines are wrapped in
 * tasks, as asyncio did before 3.11.
 * @param options.timeout seconds to wait at most; null for no limit. @default null
 * @param options.returnWhen `FIRST_COMPLETED`, `FIRST_EXCEPTION` or `ALL_COMPLETED`. @default ALL_COMPLETED
 * @returns `[done, pending]`, two sets of futures.
 * @throws ValueError when `aws` is empty or `returnWhen` is not one of the three constants;
 * TypeError when `aws` is a single future or coroutine instead of an iterable.
 * @example
 * const [done, pending] = yield* wait([taskA, taskB], { timeout: 5, returnWhen: FIRST_COMPLETED });
 * for (const t of pending) t.cancel();
 */
export function* wait<T>(
  aws: Iterable<Awaitable<T>>,
  options: { timeout?: number | null; returnWhen?: ReturnWhen } = {},
): Coroutine<[Set<Future<T>>, Set<Future<T>>]> {
  checkOptions(options, ["timeout", "returnWhen"], "wait()");
  if (isFuture(aws) || isCoroutine(aws)) {
    throw new TypeError(`expect an iterable of futures, not ${aws.constructor.name}; pass [aw] instead of aw`);
  }
  const returnWhen = options.returnWhen ?? ALL_COMPLETED;
  if (returnWhen !== FIRST_COMPLETED && returnWhen !== FIRST_EXCEPTION && returnWhen !== ALL_COMPLETED) {
    throw new ValueError(`Invalid return_when value: ${String(returnWhen)}; use FIRST_COMPLETED, FIRST_EXCEPTION or ALL_COMPLETED`);
  }
  const timeoutSeconds = options.timeout ?? null;
  if (timeoutSeconds !== null) checkDelay("timeout", timeoutSeconds);
  const loop = getRunningLoop();
  const fs = new Set<Future<T>>();
  for (const aw of new Set(aws)) fs.add(ensureFuture(aw, loop));
  if (fs.size === 0) throw new ValueError("Set of Tasks/Futures is empty.");

  const waiter = loop.createFuture<void>();
  let counter = fs.size;
  const release = (): void => {
    if (!waiter.done()) waiter.setResult();
  };
  const timer = timeoutSeconds === null ? null : loop.callLater(timeoutSeconds, release);
  const onCompletion = (f: Future<T>): void => {
    counter--;
    if (
      counter <= 0 ||
      returnWhen === FIRST_COMPLETED ||
      (returnWhen === FIRST_EXCEPTION && !f.cancelled() && f.exception() !== null)
    ) {
      timer?.cancel();
      release();
    }
  };
  // The futures are awaited by the task calling wait (3.14's call graph), through onCompletion.
  if (loop._currentTask !== null) _awaitedThrough(onCompletion, loop._currentTask);
  for (const f of fs) f.addDoneCallback(onCompletion);
  try {
    yield* waiter;
  } finally {
    timer?.cancel();
    for (const f of fs) f.removeDoneCallback(onCompletion);
  }
  const done = new Set<Future<T>>();
  const pending = new Set<Future<T>>();
  for (const f of fs) (f.done() ? done : pending).add(f);
  return [done, pending];
}

/**
 * What `asCompleted` returns (3.13's `_AsCompletedIterator`): an iterator that remembers where it
 * stopped, so breaking out of a `for...of` and looping over it again goes on with the next item.
 * - As an iterator, each item is a coroutine to `yield*`: it gives the next result in the order of
 *   completion, or throws that awaitable's error, or `TimeoutError` once the timeout has passed.
 * - As an async iterator (`for await` in native code, Python's `async for`), each item is the next
 *   result in the order of completion; the loop throws that awaitable's error, or `TimeoutError`.
 *   (Python's `async for` gives the futures themselves; see docs/differences.md.)
 * Both forms draw on one count of items, so together they hand out each awaitable once.
 */
export interface AsCompletedIterator<T> {
  /** The next item: a coroutine giving the next result (Python's `__next__`). */
  next(): IteratorResult<Coroutine<T>, undefined>;
  /** The iterator itself, so every `for...of` over it goes on where the last one stopped. */
  [Symbol.iterator](): AsCompletedIterator<T>;
  /** The async form (`__anext__`): each `next()` settles with the next result to come. */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined>;
}

/** Who waits for the next finished future: a coroutine's future, or a `for await`'s callback. */
type Getter<T> = Future<Future<T> | null> | ((f: Future<T> | null) => void);

/**
 * The state of one `asCompleted` (CPython's `_AsCompletedIterator`). There is deliberately no
 * `return()`: a `break` out of `for...of` calls it, and it must leave the iterator resumable.
 */
class AsCompleted<T> implements AsCompletedIterator<T> {
  private readonly loop: EventLoop;
  private readonly todo = new Set<Future<T>>();
  /** Done futures nobody has asked for yet, in order; null for each one the timeout gave up on. */
  private readonly finished: (Future<T> | null)[] = [];
  /** Who asked before anything was there, in the order they asked. */
  private readonly getters: Getter<T>[] = [];
  private timer: TimerHandle | null = null;
  /** Items not yet handed out, by either form. */
  private left: number;

  constructor(aws: Iterable<Awaitable<T>>, timeoutSeconds: number | null) {
    const loop = (this.loop = getEventLoop());
    for (const aw of new Set(aws)) this.todo.add(ensureFuture(aw, loop));
    for (const f of this.todo) f.addDoneCallback(this.onCompletion);
    if (this.todo.size > 0 && timeoutSeconds !== null) this.timer = loop.callLater(timeoutSeconds, this.onTimeout);
    this.left = this.todo.size;
  }

  /** The next item: a coroutine giving the next result (`__next__`). */
  next(): IteratorResult<Coroutine<T>, undefined> {
    if (this.left === 0) return { done: true, value: undefined };
    this.left--;
    return { done: false, value: this.nextResult() };
  }

  [Symbol.iterator](): AsCompletedIterator<T> {
    return this;
  }

  /** The async form (`__anext__`): each `next()` settles with the next result to come. */
  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    return { next: () => this.nextSettled() };
  }

  private *nextResult(): Coroutine<T> {
    let f: Future<T> | null;
    if (this.finished.length > 0) f = this.finished.shift()!;
    else {
      const getter = this.loop.createFuture<Future<T> | null>();
      this.getters.push(getter);
      try {
        f = yield* getter;
      } catch (e) {
        const i = this.getters.indexOf(getter);
        if (i >= 0) this.getters.splice(i, 1);
        throw e;
      }
    }
    if (f === null) throw new TimeoutError();
    return f.result();
  }

  private nextSettled(): Promise<IteratorResult<T, undefined>> {
    return new Promise((resolve, reject) => {
      if (this.left === 0) {
        resolve({ done: true, value: undefined });
        return;
      }
      this.left--;
      const settle = (f: Future<T> | null): void => {
        if (f === null) {
          reject(new TimeoutError());
          return;
        }
        let value: T;
        try {
          value = f.result();
        } catch (e) {
          reject(e);
          return;
        }
        resolve({ done: false, value });
      };
      if (this.finished.length > 0) settle(this.finished.shift()!);
      else this.getters.push(settle);
    });
  }

  private deliver(f: Future<T> | null): void {
    const getter = this.getters.shift();
    if (getter === undefined) this.finished.push(f);
    else if (typeof getter === "function") getter(f);
    else getter.setResult(f);
  }

  private readonly onCompletion = (f: Future<T>): void => {
    if (this.todo.size === 0) return; // the timeout came first
    this.todo.delete(f);
    this.deliver(f);
    if (this.todo.size === 0) this.timer?.cancel();
  };

  private readonly onTimeout = (): void => {
    for (const f of this.todo) {
      f.removeDoneCallback(this.onCompletion);
      this.deliver(null);
    }
    this.todo.clear();
  };
}

/**
 * The awaitables in the order they complete (`asyncio.as_completed`, 3.13). Iterated with
 * `for...of`, each item is a coroutine to `yield*` that gives the next result (or throws its
 * error); with `for await` in native code, each item is the next result itself. After `timeout`
 * seconds, the remaining items throw `TimeoutError`. The iterator is resumable: after a `break`,
 * looping over it again goes on where it stopped.
 * @param options.timeout seconds; null for no limit. @default null
 * @throws TypeError when `aws` is a single future or coroutine instead of an iterable.
 *
 * @example
 * for (const next of asCompleted(tasks)) console.log(yield* next);
 * // in native code: for await (const result of asCompleted(tasks)) console.log(result);
 */
export function asCompleted<T>(aws: Iterable<Awaitable<T>>, options: { timeout?: number | null } = {}): AsCompletedIterator<T> {
  checkOptions(options, ["timeout"], "asCompleted()");
  if (isFuture(aws) || isCoroutine(aws)) {
    throw new TypeError(`expect an iterable of futures, not ${aws.constructor.name}; pass [aw] instead of aw`);
  }
  const timeoutSeconds = options.timeout ?? null;
  if (timeoutSeconds !== null) checkDelay("timeout", timeoutSeconds);
  return new AsCompleted(aws, timeoutSeconds);
}

// -- shield ----------------------------------------------------------------------------------

/**
 * Protects `aw` from cancellation (`asyncio.shield`): cancelling the returned future does not
 * cancel `aw`, which runs on; its result is then simply not delivered through the shield.
 * If the task awaiting the shield is cancelled, it still gets the CancelledError.
 * @returns a Future of `aw`'s result (`aw` itself when it is already done).
 * @example
 * const save = createTask(saveToDisk(state));
 * yield* shield(save); // a cancellation of this task here leaves `save` running
 */
export function shield<T>(aw: Awaitable<T> | PromiseLike<T>): Future<T> {
  const inner = ensureFuture(aw);
  if (inner.done()) return inner;
  const outer = new Future<T>({ loop: inner._loop });
  // The inner one is awaited by the task calling shield, until it is done (3.14's call graph).
  const awaiter = _getRunningLoop()?._currentTask ?? null;
  if (awaiter !== null) {
    futureAddToAwaitedBy(inner, awaiter);
    inner.addDoneCallback(() => futureDiscardFromAwaitedBy(inner, awaiter));
  }
  const onInnerDone = (i: Future<T>): void => {
    if (outer.cancelled()) {
      if (!i.cancelled()) i.exception();
      return;
    }
    if (i.cancelled()) outer.cancel();
    else {
      const e = i.exception();
      if (e !== null) outer.setException(e);
      else outer.setResult(i.result());
    }
  };
  inner.addDoneCallback(onInnerDone);
  outer.addDoneCallback(() => {
    if (!inner.done()) inner.removeDoneCallback(onInnerDone);
  });
  return outer;
}

// -- what the loop does with tasks (added to EventLoop here; see loop/events.ts) ---------------

/** A factory for `loop.setTaskFactory`: makes the Task for `loop.createTask` (see `eagerTaskFactory`). */
export type TaskFactory = <T>(loop: EventLoop, coro: Coroutine<T>, options?: TaskOptions) => Task<T>;

declare module "../exceptions.ts" {
  interface CancelOrigin {
    /** The task that called `cancel()`, or null when a callback outside any task did (a timer, a done callback). */
    readonly task: Task<unknown> | null;
  }
}

declare module "./events.ts" {
  interface _RunningTask extends Task<unknown> {}

  interface ExceptionContext {
    task?: Task<unknown>;
  }

  interface EventLoop {
    /**
     * Wraps `coro` in a Task scheduled on this loop (`loop.create_task`), through the task factory
     * if one is set. Unlike the function `createTask`, the loop need not be running.
     * @throws RuntimeError "Event loop is closed"; TypeError when `coro` is not a coroutine.
     * @example const task = loop.createTask(fetchPage(url), { name: "fetch" });
     */
    createTask<T>(coro: Coroutine<T>, options?: TaskOptions): Task<T>;
    /**
     * Sets the factory `createTask` uses to make tasks (`loop.set_task_factory`); null restores the default.
     * @throws TypeError when `factory` is neither a function nor null.
     * @example loop.setTaskFactory(eagerTaskFactory);
     */
    setTaskFactory(factory: TaskFactory | null): void;
    /** The task factory set by `setTaskFactory`, or null (`loop.get_task_factory`). */
    getTaskFactory(): TaskFactory | null;
    /**
     * Runs the loop until `aw` is done and resolves with its result, or rejects with its error
     * (`loop.run_until_complete`). A coroutine is wrapped in a task, a promise bridged with `fromPromise`.
     * A `KeyboardInterrupt` or `SystemExit` thrown by any task or callback ends the run at once: the
     * promise rejects with it, and the loop, stopped but not closed, may be run again.
     * @throws RuntimeError when the loop is closed or already running, or another loop runs; the
     * promise rejects with RuntimeError "Event loop stopped before Future completed." after an early `stop()`.
     * @example const result = await loop.runUntilComplete(main());
     */
    runUntilComplete<T>(aw: Awaitable<T> | PromiseLike<T>): Promise<T>;
    /**
     * Shuts the default executor down and waits until its workers are gone
     * (`loop.shutdown_default_executor`); `run()` does this at the end.
     * @example yield* loop.shutdownDefaultExecutor();
     */
    shutdownDefaultExecutor(): Coroutine<void>;
    /**
     * @internal Every pending task of this loop, held strongly (see API.md), in creation order: a
     * doubly linked list threaded through the tasks themselves, so registering and unregistering a
     * task is O(1) with no hash table behind it (a Set halved the task spawn rate).
     */
    _firstTask: Task<unknown> | null;
    /** @internal */ _lastTask: Task<unknown> | null;
    /** @internal The future `runUntilComplete` waits for, named in deadlock reports. */
    _mainFuture: Future<unknown> | null;
    /** @internal */ _taskFactory: TaskFactory | null;
    /** @internal `{ loop: this }`, made once: the options of every task created without options. */
    _ownTaskOptions: { loop: EventLoop };
    /** @internal */ _registerTask(t: Task<unknown>): void;
    /** @internal Idempotent. */ _unregisterTask(t: Task<unknown>): void;
    /** @internal The pending tasks, in creation order. */ _pendingTasks(): Task<unknown>[];
  }
}

_extendEventLoop(
  {
    createTask<T>(coro: Coroutine<T>, options?: TaskOptions): Task<T> {
      this._checkClosed();
      checkOptions(options, TASK_OPTION_KEYS, "createTask()");
      if (this._taskFactory !== null) return this._taskFactory(this, coro, options);
      return new Task(coro, options === undefined ? this._ownTaskOptions : constructorOptions(options, this));
    },
    setTaskFactory(factory) {
      if (factory !== null && typeof factory !== "function") throw new TypeError("task factory must be a callable or null");
      this._taskFactory = factory;
    },
    getTaskFactory() {
      return this._taskFactory;
    },
    runUntilComplete<T>(aw: Awaitable<T> | PromiseLike<T>): Promise<T> {
      this._checkCanRun();
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
      return this._runLoop().then(
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
    },
    *shutdownDefaultExecutor() {
      const executor = this.defaultExecutor;
      this.defaultExecutor = null;
      if (executor === null) return;
      yield* fromPromise(Promise.resolve(executor.shutdown({ wait: true })));
    },
    _registerTask(t) {
      const last = this._lastTask;
      t._prevTask = last;
      if (last === null) this._firstTask = t;
      else last._nextTask = t;
      this._lastTask = t;
    },
    _unregisterTask(t) {
      const prev = t._prevTask;
      const next = t._nextTask;
      if (prev !== null) prev._nextTask = next;
      else if (this._firstTask === t) this._firstTask = next;
      else return;
      if (next !== null) next._prevTask = prev;
      else this._lastTask = prev;
      t._prevTask = t._nextTask = null;
    },
    _pendingTasks() {
      const tasks = [];
      for (let t = this._firstTask; t !== null; t = t._nextTask) tasks.push(t);
      return tasks;
    },
  },
  {
    init(loop) {
      loop._firstTask = loop._lastTask = null;
      loop._mainFuture = null;
      loop._taskFactory = null;
      loop._ownTaskOptions = { loop };
    },
    close(loop) {
      for (const task of loop._pendingTasks()) {
        loop.callExceptionHandler({ message: "Task was destroyed but it is pending!", task });
      }
      loop._firstTask = loop._lastTask = null;
    },
    deadlock(loop) {
      const main = loop._mainFuture;
      return main === null ? undefined : `${String(main)} is still pending${describeWaitChain(main)}`;
    },
  },
);

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

