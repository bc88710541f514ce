/**
 * Every error class of asyncio-ts (CPython: `asyncio/exceptions.py`, plus the builtins asyncio raises).
 *
 * JavaScript has one `Error` hierarchy and no `BaseException`, so `CancelledError` is an ordinary
 * `Error`: a `catch` that swallows it stops the cancellation, exactly as `except BaseException` would.
 * {@link isCancellation} tells it apart. Each class sets `name` to its class name, so stacks and
 * `util.inspect` show it, and messages follow CPython's wording where CPython has one.
 *
 * This module imports nothing: the scheduler in `core/` and every other module may use it.
 */

/** Base of the classes below: sets `name` from the concrete class. */
class AsyncioError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The operation was cancelled (`asyncio.CancelledError`). Thrown into a coroutine at the point
 * where it waits when its task is cancelled; `message` is the `msg` given to `cancel(msg)`.
 * Catch it only to clean up, then rethrow it, or the task is not cancelled.
 */
export class CancelledError extends AsyncioError {}

/** An operation exceeded its deadline (`TimeoutError`, raised by `waitFor`, `timeout`, `wait`). */
export class TimeoutError extends AsyncioError {}

/** A Future or Task is in a state that does not allow the call (`asyncio.InvalidStateError`). */
export class InvalidStateError extends AsyncioError {}

/** Misuse of the runtime: no running loop, loop closed, loop already running (`RuntimeError`). */
export class RuntimeError extends AsyncioError {}

/** An argument has the right type but a wrong value (`ValueError`). */
export class ValueError extends AsyncioError {}

/** Ctrl-C interrupted `run()`: the main task was cancelled by SIGINT (Python's `KeyboardInterrupt`). */
export class KeyboardInterrupt extends AsyncioError {}

/** A context variable with no value and no default was read (Python's `LookupError`). */
export class LookupError extends AsyncioError {}

/** `getNowait()` on an empty queue (`asyncio.QueueEmpty`). */
export class QueueEmpty extends AsyncioError {}

/** `putNowait()` on a full queue (`asyncio.QueueFull`). */
export class QueueFull extends AsyncioError {}

/** `put()`/`get()` on a queue that was shut down (`asyncio.QueueShutDown`, 3.13). */
export class QueueShutDown extends AsyncioError {}

/** A `Barrier` was reset or aborted while tasks waited on it (`asyncio.BrokenBarrierError`). */
export class BrokenBarrierError extends AsyncioError {}

/** An executor's worker died or the pool was shut down under a job (`concurrent.futures.BrokenExecutor`). */
export class BrokenExecutorError extends AsyncioError {}

/**
 * The stream ended before the expected number of bytes arrived (`asyncio.IncompleteReadError`).
 * `partial` holds what was read; `expected` is the number asked for, or `null` for "until a separator".
 */
export class IncompleteReadError extends AsyncioError {
  readonly partial: Buffer;
  readonly expected: number | null;
  constructor(partial: Buffer, expected: number | null) {
    super(`${partial.length} bytes read on a total of ${expected === null ? "undefined" : expected} expected bytes`);
    this.partial = partial;
    this.expected = expected;
  }
}

/**
 * A separator was not found within the reader's `limit` (`asyncio.LimitOverrunError`).
 * `consumed` is how many bytes must be consumed to get past what was examined.
 */
export class LimitOverrunError extends AsyncioError {
  readonly consumed: number;
  constructor(message: string, consumed: number) {
    super(message);
    this.consumed = consumed;
  }
}

/**
 * An operating-system error (Python's `OSError`). `errno` is the error number (negative for
 * resolver errors, as `socket.gaierror`), `strerror` its text, `filename` the path or program it
 * concerns, `code` Node's code ("ENOENT", "EPIPE", "ENOTFOUND"). The message is Python's:
 * `[Errno 2] No such file or directory: 'prog'`.
 */
export class OSError extends AsyncioError {
  readonly errno: number | null;
  readonly strerror: string;
  readonly filename: string | null;
  readonly code: string | null;
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

/** A file or program does not exist (Python's `FileNotFoundError`, errno ENOENT). */
export class FileNotFoundError extends OSError {}

/** Not allowed: EACCES or EPERM (Python's `PermissionError`). */
export class PermissionError extends OSError {}

/** No such process: ESRCH (Python's `ProcessLookupError`), e.g. signalling a child that is gone. */
export class ProcessLookupError extends OSError {}

/**
 * Name resolution failed (Python's `socket.gaierror`), from `loop.getaddrinfo()`. `errno` is the
 * resolver's negative `EAI_*` number: `[Errno -2] Name or service not known`.
 */
export class GaiError extends OSError {}

/** A connection-related OS error (Python's `ConnectionError`); the four below extend it. */
export class ConnectionError extends OSError {}

/** Writing to a pipe or socket whose other end is closed: EPIPE (Python's `BrokenPipeError`). */
export class BrokenPipeError extends ConnectionError {}

/** The connection was aborted on this side: ECONNABORTED (Python's `ConnectionAbortedError`). */
export class ConnectionAbortedError extends ConnectionError {}

/** Nothing listens at the address: ECONNREFUSED (Python's `ConnectionRefusedError`). */
export class ConnectionRefusedError extends ConnectionError {}

/** The peer reset the connection: ECONNRESET, or "Connection lost" from `drain()` (Python's `ConnectionResetError`). */
export class ConnectionResetError extends ConnectionError {}

/**
 * Several errors raised together (Python's `ExceptionGroup`), thrown by a task group whose
 * children failed. `exceptions` holds them in the order they happened.
 */
export class ExceptionGroup extends AggregateError {
  declare readonly errors: unknown[];
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
 * True when `e` is a cancellation. Use it in a `catch` that must not swallow cancellation:
 * `catch (e) { if (isCancellation(e)) throw e; ... }`.
 */
export function isCancellation(e: unknown): e is CancelledError {
  return e instanceof CancelledError;
}
