/**
 * Every error class of asyncio-ts (CPython: `asyncio/exceptions.py`, plus the builtins asyncio raises).
 *
 * JavaScript has one `Error` hierarchy and no `BaseException`, so `CancelledError` is an ordinary
 * `Error`: a `catch` that swallows it stops the cancellation, exactly as `except BaseException` would.
 * {@link isCancellation} tells it apart. Each class sets `name` to its class name, so stacks and
 * `util.inspect` show it, and messages follow CPython's wording where CPython has one.
 *
 * This module imports nothing at run time (a type, below): the scheduler in `core/` and every
 * other module may use it.
 */


/** Base of the classes below: sets `name` from the concrete class. */
class AsyncioError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * Who cancelled, and from where: `CancelledError.origin`, recorded in debug mode.
 */
export interface CancelOrigin {
  // `task`, the task that called `cancel()`: declared by loop/tasks.ts, which knows what a Task is.
  /** That task's name when it called `cancel()`, or null. */
  readonly taskName: string | null;
  /** The task's repr then (as without debug mode: name and state), or "a callback outside any task". */
  readonly by: string;
  /** Where `cancel()` was called: V8's stack text, the innermost frame first. */
  readonly stack: string;
}

/**
 * The operation was cancelled (`asyncio.CancelledError`). Thrown into a coroutine at the point
 * where it waits when its task is cancelled; `message` is the `msg` given to `cancel(msg)`.
 * Catch it only to clean up, then rethrow it, or the task is not cancelled.
 * In debug mode, `origin` says which task (or callback) called `cancel()` and from where, and the
 * stack ends with the same ("Cancelled by <Task ...> at: ...").
 * @example
 * try {
 *   yield* sleep(3600);
 * } catch (e) {
 *   if (e instanceof CancelledError) console.log("cancelled:", e.message, "by", e.origin?.taskName);
 *   throw e;
 * }
 */
export class CancelledError extends AsyncioError {
  /**
   * Debug mode: which task (or callback) called `cancel()`, and from where; undefined otherwise.
   * Not enumerable, so `util.inspect` does not print it twice (the stack says it already).
   */
  declare readonly origin?: CancelOrigin;
}

/**
 * An operation exceeded its deadline (Python's builtin `TimeoutError`, which `asyncio.TimeoutError`
 * is since 3.11), thrown by `waitFor`, `timeout`, `timeoutAt` and `asCompleted` (`wait` returns instead).
 * @example
 * try {
 *   yield* waitFor(job(), 1);
 * } catch (e) {
 *   if (!(e instanceof TimeoutError)) throw e;
 *   console.log("job took over 1 s and was cancelled");
 * }
 */
export class TimeoutError extends AsyncioError {}

/**
 * A Future or Task is in a state that does not allow the call (`asyncio.InvalidStateError`).
 * @example loop.createFuture().result(); // throws InvalidStateError: Result is not set.
 */
export class InvalidStateError extends AsyncioError {}

/**
 * Misuse of the runtime: no running loop, loop closed, loop already running (Python's `RuntimeError`).
 * @example getRunningLoop(); // outside a task: throws RuntimeError: no running event loop
 */
export class RuntimeError extends AsyncioError {}

/**
 * An argument has the right type but a wrong value (Python's `ValueError`).
 * @example new Semaphore(-1); // throws ValueError: Semaphore initial value must be >= 0
 */
export class ValueError extends AsyncioError {}

/**
 * Ctrl-C interrupted `run()`: the main task was cancelled by SIGINT (Python's `KeyboardInterrupt`).
 * It is one of asyncio's base errors (with `SystemExit`): thrown by a task or a callback, it is not
 * handled by the loop but ends its run, so `run()` and `loop.runUntilComplete()` reject with it
 * (a task that throws it also fails with it).
 * @example
 * try {
 *   await run(main());
 * } catch (e) {
 *   if (!(e instanceof KeyboardInterrupt)) throw e;
 *   process.exitCode = 130;
 * }
 */
export class KeyboardInterrupt extends AsyncioError {}

/**
 * A request to end the program (Python's `SystemExit`, what `sys.exit(code)` raises); `code` is
 * the exit status or message, null by default. Like `KeyboardInterrupt`, it is one of asyncio's
 * base errors: thrown by a task or a callback, it ends the loop's run, so `run()` and
 * `loop.runUntilComplete()` reject with it (a task that throws it also fails with it).
 * @example
 * try {
 *   await run(function* () {
 *     yield* sleep(0.1);
 *     throw new SystemExit(3);
 *   });
 * } catch (e) {
 *   if (!(e instanceof SystemExit)) throw e;
 *   process.exitCode = typeof e.code === "number" ? e.code : 1;
 * }
 */
export class SystemExit extends AsyncioError {
  readonly code: number | string | null;
  /** @param code the exit status, or a message (Python prints it and exits with 1). @default null */
  constructor(code: number | string | null = null) {
    super(code === null ? "" : String(code));
    this.code = code;
  }
}

/**
 * True for `KeyboardInterrupt` and `SystemExit`, the errors the loop does not handle but lets end
 * its run (CPython's `except (SystemExit, KeyboardInterrupt): raise`). @internal
 */
export function _isBaseExit(e: unknown): boolean {
  return e instanceof KeyboardInterrupt || e instanceof SystemExit;
}

/**
 * A number is out of the range its use allows (Python's `OverflowError`), such as a port above
 * 65535: `connect(): port must be 0-65535, got 70000`.
 * @example yield* openConnection("127.0.0.1", 70000); // throws OverflowError
 */
export class OverflowError extends AsyncioError {}

/**
 * A context variable with no value and no default was read (Python's `LookupError`).
 * @example new ContextVar<string>("user").get(); // throws LookupError
 */
export class LookupError extends AsyncioError {}

/**
 * `getNowait()` on an empty queue (`asyncio.QueueEmpty`).
 * @example new Queue().getNowait(); // throws QueueEmpty
 */
export class QueueEmpty extends AsyncioError {}

/**
 * `putNowait()` on a full queue (`asyncio.QueueFull`).
 * @example
 * const queue = new Queue<number>(1);
 * queue.putNowait(1);
 * queue.putNowait(2); // throws QueueFull
 */
export class QueueFull extends AsyncioError {}

/**
 * `put()`/`get()` on a queue that was shut down (`asyncio.QueueShutDown`, 3.13); `get()` only
 * once the queue is empty.
 * @example
 * queue.shutdown();
 * yield* queue.put(job); // throws QueueShutDown
 */
export class QueueShutDown extends AsyncioError {}

/**
 * A `Barrier` was reset or aborted while tasks waited on it, or is broken (`asyncio.BrokenBarrierError`).
 * @example
 * yield* barrier.abort();
 * yield* barrier.wait(); // throws BrokenBarrierError
 */
export class BrokenBarrierError extends AsyncioError {}

/**
 * An executor's worker died under a job, or none could be started (`concurrent.futures.BrokenExecutor`).
 * Only the jobs that worker ran fail; the pool replaces it and goes on.
 * @example
 * try {
 *   yield* toThread(() => process.exit(1));
 * } catch (e) {
 *   if (e instanceof BrokenExecutorError) console.log(e.message); // "... called process.exit(1) ..."
 * }
 */
export class BrokenExecutorError extends AsyncioError {}

/**
 * Node's `Buffer` where Node's types are loaded (streams read into Buffers), else `Uint8Array`:
 * this module is part of asyncio-ts/core, whose declarations must need no `@types/node`.
 */
type NodeBuffer = typeof globalThis extends { Buffer: { prototype: infer B } } ? B : Uint8Array;

/**
 * The stream ended before the expected number of bytes arrived (`asyncio.IncompleteReadError`).
 * `partial` holds what was read; `expected` is the number asked for, or `null` for "until a separator".
 * @example
 * try {
 *   const header = yield* reader.readexactly(4);
 * } catch (e) {
 *   if (e instanceof IncompleteReadError) console.log(`EOF after ${e.partial.length} of ${e.expected} bytes`);
 *   else throw e;
 * }
 */
export class IncompleteReadError extends AsyncioError {
  readonly partial: NodeBuffer;
  readonly expected: number | null;
  /**
   * @param partial the bytes read before the end of the stream.
   * @param expected how many bytes were asked for, or null.
   */
  constructor(partial: NodeBuffer, expected: number | null) {
    super(`${partial.length} bytes read on a total of ${expected === null ? "undefined" : expected} expected bytes`);
    this.partial = partial;
    this.expected = expected;
  }
}

/**
 * A separator was not found within the reader's `limit` (`asyncio.LimitOverrunError`).
 * `consumed` is how many bytes must be consumed to get past what was examined; they stay in
 * the reader's buffer.
 * @example
 * try {
 *   line = yield* reader.readuntil("\n");
 * } catch (e) {
 *   if (!(e instanceof LimitOverrunError)) throw e;
 *   yield* reader.readexactly(e.consumed); // skip the overlong part
 * }
 */
export class LimitOverrunError extends AsyncioError {
  readonly consumed: number;
  /** @param consumed bytes examined in the buffer. */
  constructor(message: string, consumed: number) {
    super(message);
    this.consumed = consumed;
  }
}

/**
 * An operating-system error (Python's `OSError`). `errno` is the error number (negative for
 * resolver errors, as `socket.gaierror`), `strerror` its text, `filename` the path or program it
 * concerns, `code` Node's code ("ENOENT", "EPIPE", "ENOTFOUND"). The message is Python's:
 * `[Errno 2] No such file or directory: 'prog'`. Node's system errors arrive as the matching subclass.
 * @example
 * try {
 *   yield* openConnection("127.0.0.1", port);
 * } catch (e) {
 *   if (e instanceof OSError) console.log(e.errno, e.code, e.message);
 *   else throw e;
 * }
 */
export class OSError extends AsyncioError {
  readonly errno: number | null;
  readonly strerror: string;
  readonly filename: string | null;
  readonly code: string | null;
  /**
   * @param errno the error number, or null. @param strerror its text.
   * @param options.filename the path or program concerned. @default null
   * @param options.code Node's error code. @default null
   */
  constructor(errno: number | null, strerror: string, options?: { filename?: string | null; code?: string | null; cause?: unknown }) {
    const filename = options?.filename ?? null;
    const head = errno === null ? strerror : `[Errno ${errno}] ${strerror}`;
    super(filename === null ? head : `${head}: '${filename}'`, options?.cause === undefined ? undefined : { cause: options.cause });
    this.errno = errno;
    this.strerror = strerror;
    this.filename = filename;
    this.code = options?.code ?? null;
  }
}

/**
 * A file or program does not exist (Python's `FileNotFoundError`, errno ENOENT).
 * @example yield* createSubprocessExec("no-such-program"); // throws FileNotFoundError: [Errno 2] No such file or directory: 'no-such-program'
 */
export class FileNotFoundError extends OSError {}

/**
 * Not allowed: EACCES or EPERM (Python's `PermissionError`).
 * @example yield* startServer(handler, "0.0.0.0", 80); // as an unprivileged user: throws PermissionError
 */
export class PermissionError extends OSError {}

/**
 * No such process: ESRCH (Python's `ProcessLookupError`), e.g. signalling a child that is gone.
 * @example
 * yield* proc.wait();
 * proc.kill(); // throws ProcessLookupError: [Errno 3] No such process
 */
export class ProcessLookupError extends OSError {}

/**
 * Name resolution failed (Python's `socket.gaierror`), from `loop.getaddrinfo()`. `errno` is the
 * resolver's negative `EAI_*` number: `[Errno -2] Name or service not known`.
 * @example yield* loop.getaddrinfo("no-such-host.invalid", 80); // throws GaiError
 */
export class GaiError extends OSError {}

/**
 * A connection-related OS error (Python's `ConnectionError`); the four below extend it.
 * @example
 * try {
 *   yield* writer.drain();
 * } catch (e) {
 *   if (e instanceof ConnectionError) console.log("peer went away:", e.message);
 *   else throw e;
 * }
 */
export class ConnectionError extends OSError {}

/**
 * Writing to a pipe or socket whose other end is closed: EPIPE (Python's `BrokenPipeError`).
 * @example
 * proc.stdin!.write(data);
 * yield* proc.stdin!.drain(); // throws BrokenPipeError if the child closed its stdin
 */
export class BrokenPipeError extends ConnectionError {}

/**
 * The connection was aborted on this side: ECONNABORTED (Python's `ConnectionAbortedError`).
 * @example if (e instanceof ConnectionAbortedError) console.log("aborted locally");
 */
export class ConnectionAbortedError extends ConnectionError {}

/**
 * Nothing listens at the address: ECONNREFUSED (Python's `ConnectionRefusedError`).
 * @example yield* openConnection("127.0.0.1", 1); // throws ConnectionRefusedError: [Errno 111] Connect call failed ('127.0.0.1', 1)
 */
export class ConnectionRefusedError extends ConnectionError {}

/**
 * The peer reset the connection: ECONNRESET, or "Connection lost" from `drain()` (Python's `ConnectionResetError`).
 * @example
 * try {
 *   data = yield* reader.read(1024);
 * } catch (e) {
 *   if (!(e instanceof ConnectionResetError)) throw e;
 * }
 */
export class ConnectionResetError extends ConnectionError {}

/**
 * Several errors raised together (Python's `ExceptionGroup`), thrown by a task group whose
 * children failed. `exceptions` holds them in the order they happened.
 * @example
 * try {
 *   yield* taskGroup(function* (tg) {
 *     tg.createTask(job("a"));
 *     tg.createTask(job("b"));
 *   });
 * } catch (e) {
 *   if (!(e instanceof ExceptionGroup)) throw e;
 *   for (const error of e.exceptions) console.error(error);
 * }
 */
export class ExceptionGroup extends AggregateError {
  declare readonly errors: unknown[];
  /** @param message the text; " (N sub-exceptions)" is appended, as Python shows it. */
  constructor(message: string, exceptions: readonly unknown[]) {
    const n = exceptions.length;
    super(exceptions, `${message} (${n} sub-exception${n === 1 ? "" : "s"})`);
    this.name = new.target.name;
  }
  /** The errors in the group (Python's `ExceptionGroup.exceptions`). */
  get exceptions(): readonly unknown[] {
    return this.errors;
  }
}

/**
 * True when `e` is a cancellation (a `CancelledError`); asyncio-ts's own, since JavaScript has
 * no `BaseException` to keep `except Exception` from catching it. Use it in a `catch` that must
 * not swallow cancellation.
 * @example
 * try {
 *   yield* fetchPage(url);
 * } catch (e) {
 *   if (isCancellation(e)) throw e; // let cancellation through
 *   console.error("fetch failed:", e);
 * }
 */
export function isCancellation(e: unknown): e is CancelledError {
  return e instanceof CancelledError;
}
