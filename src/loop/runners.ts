/**
 * Running a program (CPython: `asyncio/runners.py`): `run` and `Runner`.
 *
 * `run(main())` makes a fresh loop, runs `main` as its main task, then cancels the tasks left
 * over, waits for them, shuts the default executor down and closes the loop. Ctrl-C (SIGINT)
 * cancels the main task, so its `finally` blocks run, and `run` rejects with KeyboardInterrupt; a
 * second Ctrl-C ends the process (exit code 130). A SIGINT listener of the program's own (or
 * `loop.addSignalHandler("SIGINT", ...)`) takes over from the runner's. Since
 * JavaScript cannot block, `run` returns a promise: `await run(main())` at the top of a module.
 */

import { formatValue, inspectCustom } from "../core/repr.ts";
import { hostInterrupts } from "../core/host.ts";
import { EventLoop, LOOP_OPTION_KEYS, _getRunningLoop, setEventLoop, type LoopOptions } from "./events.ts";
import { CancelledError, KeyboardInterrupt, RuntimeError, ValueError } from "../exceptions.ts";
import { copyContext, type Context } from "./contextvars.ts";
import { gather, isCoroutine, type Task } from "./tasks.ts";
import type { Coroutine } from "./types.ts";
import { checkOptions } from "../options.ts";

const RUN_OPTION_KEYS = ["context", "signal"] as const;
const RUN_FUNCTION_OPTION_KEYS = [...LOOP_OPTION_KEYS, "signal"] as const;

/** Options of `run()`: the loop's (`debug`, `clock`), and a signal that cancels `main`. */
export interface RunOptions extends LoopOptions {
  /** Cancel `main` when this AbortSignal aborts, with the signal's reason as the cancel message. @default none */
  signal?: AbortSignal;
}

const CREATED = 0;
const INITIALIZED = 1;
const CLOSED = 2;
const STATE_NAMES = ["created", "initialized", "closed"];

/**
 * Runs several top-level coroutines on one loop, in one shared context (`asyncio.Runner`).
 * The loop is made on first use; `close()` cleans up as `run()` does at its end.
 *
 * @example
 * const runner = new Runner();
 * try {
 *   await runner.run(setup());
 *   await runner.run(main());
 * } finally {
 *   await runner.close();
 * }
 */
export class Runner {
  private state = CREATED;
  private loop: EventLoop | null = null;
  /** The context every run uses unless given another, so values set by one run reach the next. */
  private context: Context | null = null;
  private interrupts = 0;

  /**
   * @param options.debug debug mode. @default true when `ASYNCIO_DEBUG=1`, else false
   * @param options.clock a clock such as `VirtualClock`. @default the real clock
   */
  constructor(private readonly options: LoopOptions = {}) {
    checkOptions(options, LOOP_OPTION_KEYS, "Runner()");
  }

  /**
   * Runs `coro` as the main task on the runner's loop and resolves with its result
   * (`Runner.run`). The task runs in the runner's context (one for all runs), or in
   * `options.context`. Ctrl-C cancels it, and the promise rejects with KeyboardInterrupt; an
   * aborted `options.signal` cancels it too, with the signal's reason as the cancel message.
   * @throws ValueError when `coro` is not a coroutine; RuntimeError inside a running loop or after
   * close; TypeError for an unknown option.
   */
  run<T>(coro: Coroutine<T>, options?: { context?: Context; signal?: AbortSignal }): Promise<T> {
    checkOptions(options, RUN_OPTION_KEYS, "Runner.run()");
    const signal = options?.signal;
    if (signal !== undefined && !(signal instanceof AbortSignal)) {
      throw new TypeError(`the \`signal\` option must be an AbortSignal, got ${describe(signal)}`);
    }
    if (!isCoroutine(coro)) {
      const hint = typeof coro === "function" ? ` (call it: pass ${(coro as () => unknown).name || "main"}(), not ${(coro as () => unknown).name || "main"})` : "";
      throw new ValueError(`a coroutine was expected, got ${describe(coro)}${hint}`);
    }
    if (_getRunningLoop() !== null) {
      throw new RuntimeError("Runner.run() cannot be called from a running event loop; use `yield*` or createTask() there");
    }
    const loop = this.lazyInit();
    const task = loop.createTask(coro, { context: options?.context ?? this.context!, signal: options?.signal });
    const onSigint = (): void => this.onSigint(task as Task<unknown>);
    // Where the host has Ctrl-C (Node, Bun, Deno; not a page), it cancels the main task.
    const interrupts = hostInterrupts();
    const handleSigint = interrupts !== null && interrupts.listenerCount("SIGINT") === 0;
    if (handleSigint) interrupts.on("SIGINT", onSigint);
    this.interrupts = 0;
    return loop.runUntilComplete(task).then(
      (value) => {
        if (handleSigint) interrupts.off("SIGINT", onSigint);
        return value;
      },
      (e: unknown) => {
        if (handleSigint) interrupts.off("SIGINT", onSigint);
        if (e instanceof CancelledError && this.interrupts > 0 && task.uncancel() === 0) throw new KeyboardInterrupt();
        // The main task threw the KeyboardInterrupt or SystemExit that ended the run: its caller
        // gets the error here and cannot reach the task, so the task is not reported as never retrieved.
        if (task.done() && !task.cancelled() && task._value === e) task._markRetrieved();
        throw e;
      },
    );
  }

  /**
   * The runner's loop, made on first use (`Runner.get_loop`).
   * @throws RuntimeError "Runner is closed" after `close()`.
   */
  getLoop(): EventLoop {
    return this.lazyInit();
  }

  /**
   * Cancels the tasks left over and waits for them, shuts the default executor down, closes the
   * loop (`Runner.close`). Does nothing if the loop was never made or is closed already.
   */
  async close(): Promise<void> {
    if (this.state !== INITIALIZED) return;
    const loop = this.loop!;
    try {
      await cancelAllTasks(loop);
      await loop.runUntilComplete(loop.shutdownDefaultExecutor());
    } finally {
      setEventLoop(null);
      loop.close();
      this.loop = null;
      this.context = null;
      this.state = CLOSED;
    }
  }

  private lazyInit(): EventLoop {
    if (this.state === CLOSED) throw new RuntimeError("Runner is closed");
    if (this.state === INITIALIZED) return this.loop!;
    this.loop = new EventLoop(this.options);
    setEventLoop(this.loop);
    this.context = copyContext();
    this.state = INITIALIZED;
    return this.loop;
  }

  /** `<Runner initialized debug=false>` */
  toString(): string {
    const debug = this.loop === null ? "" : ` debug=${this.loop.getDebug()}`;
    return `<Runner ${STATE_NAMES[this.state]}${debug}>`;
  }

  [inspectCustom](): string {
    return this.toString();
  }

  private onSigint(main: Task<unknown>): void {
    // A SIGINT listener added since (`loop.addSignalHandler("SIGINT", ...)` or the program's own)
    // takes over, as in CPython, where installing a handler replaces the runner's.
    const interrupts = hostInterrupts()!;
    if (interrupts.listenerCount("SIGINT") > 1) return;
    this.interrupts++;
    if (this.interrupts === 1 && !main.done()) {
      main.cancel();
      return;
    }
    interrupts.exit(130);
  }
}

/** Cancels every pending task of `loop` and waits for them; reports errors they end with. */
async function cancelAllTasks(loop: EventLoop): Promise<void> {
  const toCancel = loop._pendingTasks();
  if (toCancel.length === 0) return;
  for (const t of toCancel) t.cancel();
  await loop.runUntilComplete(gather(...toCancel, { returnExceptions: true }));
  for (const t of toCancel) {
    if (t.cancelled()) continue;
    const e = t.exception();
    if (e !== null) {
      loop.callExceptionHandler({ message: "unhandled exception during asyncio.run() shutdown", exception: e, task: t });
    }
  }
}

/**
 * Runs `main` on a new event loop and resolves with its result (`asyncio.run`). `main` is a
 * coroutine, or a generator function called with no arguments. At the end, the tasks left over
 * are cancelled and awaited, the default executor is shut down and the loop closed. Ctrl-C
 * cancels `main` (the promise rejects with KeyboardInterrupt); a second Ctrl-C exits. If nothing
 * can ever run again while `main` waits, the promise rejects with a RuntimeError (deadlock).
 * @param options.debug debug mode. @default true when `ASYNCIO_DEBUG=1`, else false
 * @param options.clock a clock such as `VirtualClock` from `asyncio-ts/testing`. @default the real clock
 * @param options.signal cancel `main` when this AbortSignal aborts, with its reason as the cancel
 *   message (the promise then rejects with `CancelledError`). @default none
 * @returns a promise of what `main` returns (JavaScript cannot block: `await` it).
 * @throws RuntimeError when called from a running loop; ValueError when `main` is not a
 * coroutine (both synchronously, not as a rejection).
 *
 * @example
 * await run(function* () {
 *   yield* sleep(1);
 *   console.log("hello");
 * });
 */
export function run<T>(main: Coroutine<T> | (() => Coroutine<T>), options?: RunOptions): Promise<T> {
  checkOptions(options, RUN_FUNCTION_OPTION_KEYS, "run()");
  if (_getRunningLoop() !== null) {
    throw new RuntimeError("asyncio.run() cannot be called from a running event loop; use `yield*` or createTask() there");
  }
  const coro = typeof main === "function" ? main() : main;
  if (!isCoroutine(coro)) {
    throw new ValueError(`a coroutine was expected, got ${describe(coro)} (pass main() or a generator function)`);
  }
  const { signal, ...loopOptions } = options ?? {};
  const runner = new Runner(loopOptions);
  return runner.run(coro, signal === undefined ? undefined : { signal }).finally(() => runner.close());
}

function describe(x: unknown): string {
  return formatValue(x, { depth: 0, breakLength: Infinity });
}
