/**
 * What the thread and process pools share (CPython: `concurrent/futures/thread.py` and
 * `process.py`): the job queue, dispatch in batches, worker deaths, shutdown. `thread.ts` and
 * `process.ts` only say how to start a worker and talk to it.
 *
 * How jobs flow. `submit` checks its input, appends a `Job` (the `ConcurrentFuture` itself, with
 * queue links: no other allocation) to a linked queue, and schedules one dispatch per microtask
 * turn, so a burst of submits travels together. Dispatch hands each worker a batch: one message
 * holding many jobs. A worker's batch size starts at 1 and follows how long its jobs take (about
 * `BATCH_TARGET_MS` of work per batch, growing at most 4x per round trip): slow or blocking jobs go
 * one at a time, so jobs behind them stay queued and cancellable, as in Python; tiny jobs go in
 * batches of up to `MAX_BATCH`, and a worker may hold two batches, so it never waits for the
 * parent between them. A job is RUNNING from the moment its batch is sent.
 *
 * Deaths. A worker that exits under a job (`process.exit()`, an uncaught error in a timer) reports
 * which jobs it had started; those fail with `BrokenExecutorError`, the others go back to the front
 * of the queue, and a new worker takes over on the next dispatch. The pool goes on.
 *
 * Keeping the process alive. A worker holds Node's loop open (ref) only while it has jobs, so an
 * idle pool never keeps a program from exiting; `shutdown()` ends the workers once the queue
 * drains (or at once with `cancelFutures`).
 */

import { inspect } from "node:util";
import {
  BrokenBarrierError,
  BrokenExecutorError,
  CancelledError,
  InvalidStateError,
  KeyboardInterrupt,
  LookupError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  RuntimeError,
  TimeoutError,
  ValueError,
} from "../exceptions.ts";
import { ConcurrentFuture, PENDING, RUNNING } from "./concurrent.ts";
import { checkCloneable, describeValue, functionRecord, type FunctionRecord, type WorkerFunction } from "./functions.ts";
import { CRASH, ERROR, OK, OUTPUT, type ErrorRecord } from "./worker.ts";

/** About how long (ms) one batch of jobs should keep a worker busy. */
const BATCH_TARGET_MS = 2;
/** The most jobs one message carries. */
const MAX_BATCH = 1024;

/** A function a pool can run: self-contained (shipped by its source) or a `workerFunction`. */
export type PoolFunction<A extends unknown[], R> = ((...args: A) => R) | WorkerFunction<A, R>;

/** Options of `ThreadPoolExecutor` and `ProcessPoolExecutor`. */
export interface PoolOptions {
  /** How many workers the pool may run at once; they start on demand. @default depends on the pool */
  maxWorkers?: number;
}

/** Options of `shutdown()` (`Executor.shutdown(wait=True, *, cancel_futures=False)`). */
export interface ShutdownOptions {
  /** Resolve only when every job has finished and every worker is gone. @default true */
  wait?: boolean;
  /** Cancel the jobs that have not started. @default false */
  cancelFutures?: boolean;
}

/** A small record of a pool's state (`pool.stats()`). */
export interface PoolStats {
  /** Workers alive. */
  workers: number;
  /** Workers with jobs. */
  busyWorkers: number;
  /** Jobs handed to workers and not finished. */
  running: number;
  /** Jobs waiting for a worker. */
  queued: number;
}

/** @internal A job: the future `submit` returns, plus what the pool needs to run it. */
export class Job<T> extends ConcurrentFuture<T> {
  /** @internal */ _prev: AnyJob | null = null;
  /** @internal */ _next: AnyJob | null = null;
  /** @internal The pool while the job is queued. */
  _pool: Pool | null;

  constructor(
    /** @internal */ readonly _id: number,
    /** @internal */ readonly _record: FunctionRecord,
    /** @internal Kept until the job is done, to re-queue it if its worker dies before starting it. */
    public _args: unknown[] | null,
    pool: Pool,
  ) {
    super();
    this._pool = pool;
  }

  protected override _onCancel(): void {
    this._pool?._unlink(this);
    this._args = null;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the queue holds jobs of every result type
type AnyJob = Job<any>;

/** @internal What a worker reported as it died. */
interface CrashReport {
  code: number;
  error: unknown;
  running: Set<number>;
}

/** @internal One worker as the pool sees it; thread.ts and process.ts say how to talk to it. */
export abstract class WorkerSlot {
  /** Jobs sent to this worker and not finished, by id, in the order they were sent. */
  readonly jobs = new Map<number, AnyJob>();
  /** Keys of the functions this worker has been sent. */
  readonly known = new Set<number>();
  /** Jobs per batch. */
  limit = 1;
  refd = true;
  stopping = false;
  crash: CrashReport | null = null;
  /** An error Node reported for the worker itself (it failed to start, ran out of memory). */
  error: unknown = undefined;

  abstract post(msg: unknown[]): void;
  abstract ref(): void;
  abstract unref(): void;
  /** Ends an idle worker. */
  abstract stop(): void;
}

/** The most jobs a worker may hold: two batches once it batches, one job while jobs are slow. */
function windowOf(slot: WorkerSlot): number {
  return slot.limit > 1 ? 2 * slot.limit : 1;
}

/** @internal The pool behind `ThreadPoolExecutor` and `ProcessPoolExecutor`. */
export abstract class Pool {
  /** The most workers the pool runs at once. */
  readonly maxWorkers: number;
  /** @internal */ readonly _slots: WorkerSlot[] = [];
  private head: AnyJob | null = null;
  private tail: AnyJob | null = null;
  private queued = 0;
  private nextId = 1;
  private flushScheduled = false;
  private shutdownRequested = false;
  private exited: Promise<void> | null = null;
  private resolveExited: (() => void) | null = null;
  /** The last function submitted and its record: a loop of submits looks it up once. */
  private lastFn: unknown = null;
  private lastRecord: FunctionRecord | null = null;
  private readonly flushBound = (): void => this.flush();

  /** What a worker is called in messages ("thread", "process"). */
  protected abstract readonly workerNoun: string;
  /** Starts a worker. */
  protected abstract startWorker(): WorkerSlot;

  constructor(options: PoolOptions | undefined, defaultMax: number) {
    const max = options?.maxWorkers ?? defaultMax;
    if (typeof max !== "number" || !Number.isInteger(max) || max <= 0) {
      throw new ValueError(`\`maxWorkers\` must be a positive integer, got ${describeValue(max)}`);
    }
    this.maxWorkers = max;
  }

  /**
   * Schedules `fn(...args)` on a worker and returns its future (`Executor.submit`). `fn` is a
   * self-contained function (shipped by its source: it may use only its parameters and globals)
   * or a `workerFunction(moduleUrl, exportName)`. Arguments and the result cross by structured
   * clone; an async `fn` is awaited in the worker.
   * @throws RuntimeError "cannot schedule new futures after shutdown"; TypeError when `fn` cannot
   *   be shipped or an argument cannot be cloned.
   * @example
   * const fut = pool.submit((n: number) => n * n, 12);
   * console.log(await fut); // 144
   */
  submit<A extends unknown[], R>(fn: PoolFunction<A, R>, ...args: A): ConcurrentFuture<Awaited<R>> {
    if (this.shutdownRequested) throw new RuntimeError("cannot schedule new futures after shutdown");
    let record: FunctionRecord;
    if (fn === this.lastFn) {
      record = this.lastRecord!;
    } else {
      record = functionRecord(fn);
      this.lastFn = fn;
      this.lastRecord = record;
    }
    checkCloneable(args, "submit()");
    const job = new Job<Awaited<R>>(this.nextId++, record, args, this);
    this.pushBack(job);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushBound);
    }
    return job;
  }

  /**
   * Runs `fn` on every item (`Executor.map`): submits them all at once and gives the results in
   * the order of `items`, as an async iterable or, awaited, as an array. The first error is
   * thrown and cancels the jobs that have not started.
   * @example
   * for await (const square of pool.map((n: number) => n * n, [1, 2, 3])) console.log(square);
   * const squares = await pool.map((n: number) => n * n, [1, 2, 3]); // [1, 4, 9]
   */
  map<T, R>(fn: PoolFunction<[T], R>, items: Iterable<T>): MapResult<Awaited<R>> {
    const futures: ConcurrentFuture<Awaited<R>>[] = [];
    try {
      for (const item of items) futures.push(this.submit(fn, item));
    } catch (e) {
      for (const f of futures) f.cancel();
      throw e;
    }
    return new MapResult(futures);
  }

  /**
   * Stops accepting jobs and ends the workers once the queued jobs are done (`Executor.shutdown`).
   * With `cancelFutures`, the jobs that have not started are cancelled. Resolves when every
   * worker is gone (at once when `wait` is false). Calling it again is harmless.
   * @example
   * await pool.shutdown({ cancelFutures: true });
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    const { wait = true, cancelFutures = false } = options;
    if (!this.shutdownRequested) {
      this.shutdownRequested = true;
      this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    }
    if (cancelFutures) {
      while (this.head !== null) this.head.cancel();
    }
    this.stopIdleWorkers();
    return wait ? this.exited! : Promise.resolve();
  }

  /** `await using pool = new ThreadPoolExecutor()` shuts the pool down at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /** Workers, busy workers, running and queued jobs. */
  stats(): PoolStats {
    let busyWorkers = 0;
    let running = 0;
    for (const s of this._slots) {
      if (s.jobs.size > 0) busyWorkers++;
      running += s.jobs.size;
    }
    return { workers: this._slots.length, busyWorkers, running, queued: this.queued };
  }

  toString(): string {
    const s = this.stats();
    return `<${this.constructor.name} maxWorkers=${this.maxWorkers} workers=${s.workers} busy=${s.busyWorkers} running=${s.running} queued=${s.queued}${this.shutdownRequested ? " shutdown" : ""}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }

  // -- the queue --------------------------------------------------------------------------

  private pushBack(job: AnyJob): void {
    job._prev = this.tail;
    job._next = null;
    if (this.tail === null) this.head = job;
    else this.tail._next = job;
    this.tail = job;
    this.queued++;
  }

  private pushFront(job: AnyJob): void {
    job._prev = null;
    job._next = this.head;
    if (this.head === null) this.tail = job;
    else this.head._prev = job;
    this.head = job;
    job._pool = this;
    this.queued++;
  }

  /** @internal Takes a queued job off the queue (it was cancelled). */
  _unlink(job: AnyJob): void {
    if (job._prev === null) this.head = job._next;
    else job._prev._next = job._next;
    if (job._next === null) this.tail = job._prev;
    else job._next._prev = job._prev;
    job._prev = job._next = null;
    job._pool = null;
    this.queued--;
    if (this.queued === 0 && this.shutdownRequested) this.stopIdleWorkers();
  }

  // -- dispatch ---------------------------------------------------------------------------

  /** Hands queued jobs to workers: an idle one first, else a new one, else the one with most room. */
  private flush(): void {
    this.flushScheduled = false;
    while (this.queued > 0) {
      let slot: WorkerSlot | null = null;
      let best: WorkerSlot | null = null;
      let bestRoom = 0;
      for (const s of this._slots) {
        if (s.stopping) continue;
        if (s.jobs.size === 0) {
          slot = s;
          break;
        }
        const room = windowOf(s) - s.jobs.size;
        if (room > bestRoom) {
          bestRoom = room;
          best = s;
        }
      }
      if (slot === null) {
        if (this._slots.length < this.maxWorkers) {
          slot = this.tryStartWorker();
          if (slot === null) return;
        } else if (best !== null) {
          slot = best;
        } else {
          return;
        }
      }
      this.dispatch(slot);
    }
  }

  /**
   * Starts a worker, or returns null if Node cannot (out of threads, processes or memory): with no
   * worker left to run them, the queued jobs fail with `BrokenExecutorError`, else they wait.
   */
  private tryStartWorker(): WorkerSlot | null {
    try {
      const slot = this.startWorker();
      this._slots.push(slot);
      return slot;
    } catch (e) {
      if (this._slots.length === 0) {
        const error = new BrokenExecutorError(`${this.constructor.name}: could not start a worker ${this.workerNoun}: ${String(e)}`, { cause: e });
        while (this.head !== null) {
          const job = this.head;
          this._unlink(job);
          job._args = null;
          job._reject(error);
        }
      }
      return null;
    }
  }

  /** Sends `slot` one batch from the head of the queue. */
  private dispatch(slot: WorkerSlot): void {
    let n = Math.min(windowOf(slot) - slot.jobs.size, slot.limit, this.queued);
    const msg: unknown[] = [0];
    let defs: unknown[] | null = null;
    for (; n > 0; n--) {
      const job = this.head!;
      this.head = job._next;
      if (this.head === null) this.tail = null;
      else this.head._prev = null;
      job._next = null;
      job._pool = null;
      this.queued--;
      job._state = RUNNING;
      const rec = job._record;
      if (!slot.known.has(rec.key)) {
        slot.known.add(rec.key);
        (defs ??= []).push(rec.key, rec.kind, rec.text, rec.name);
      }
      msg.push(job._id, rec.key, job._args);
      slot.jobs.set(job._id, job);
    }
    if (defs !== null) msg[0] = defs;
    if (!slot.refd) slot.ref();
    try {
      slot.post(msg);
    } catch (e) {
      this.postFailed(slot, msg, defs, e);
    }
  }

  /**
   * A batch could not be sent: an argument was changed after `submit` into something that cannot
   * be cloned. Fail those jobs, put the others back at the front of the queue.
   */
  private postFailed(slot: WorkerSlot, msg: unknown[], defs: unknown[] | null, error: unknown): void {
    if (defs !== null) for (let i = 0; i < defs.length; i += 4) slot.known.delete(defs[i] as number);
    const retry: AnyJob[] = [];
    for (let i = 1; i < msg.length; i += 3) {
      const job = slot.jobs.get(msg[i] as number)!;
      slot.jobs.delete(job._id);
      try {
        checkCloneable(job._args!, "submit()");
        retry.push(job);
      } catch (e) {
        job._args = null;
        job._reject(e);
      }
    }
    if (retry.length === (msg.length - 1) / 3) {
      // Every job clones on its own: the failure is not theirs (the worker is gone); fail them rather than loop.
      for (const job of retry) job._reject(new BrokenExecutorError(`${this.constructor.name}: a batch could not be sent to a worker: ${String(error)}`, { cause: error }));
      retry.length = 0;
    }
    for (let i = retry.length - 1; i >= 0; i--) {
      retry[i]!._state = PENDING;
      this.pushFront(retry[i]!);
    }
    if (slot.jobs.size === 0 && slot.refd) slot.unref();
  }

  // -- what workers report ---------------------------------------------------------------------

  /** @internal A message from `slot`'s worker: results, a thread's output, or its last words. */
  _onMessage(slot: WorkerSlot, msg: unknown[]): void {
    if (msg[0] === OUTPUT) {
      // Written at once, so it is out before the results that follow it on this channel are seen.
      (msg[1] === 2 ? process.stderr : process.stdout).write(msg[2] as string | Uint8Array);
      return;
    }
    if (msg[0] === CRASH) {
      slot.crash = { code: msg[1] as number, error: msg[2] === null ? undefined : reviveError(msg[2] as ErrorRecord), running: new Set(msg[3] as number[]) };
      this.settle(slot, msg, 4);
      return;
    }
    const n = this.settle(slot, msg, 2);
    if (n > 0) {
      // Size the next batches so each keeps the worker busy for about BATCH_TARGET_MS.
      const perJob = (msg[1] as number) / n;
      const fit = perJob > 0 ? Math.floor(BATCH_TARGET_MS / perJob) : MAX_BATCH;
      slot.limit = Math.max(1, Math.min(fit, slot.limit * 4, MAX_BATCH));
    }
    this.afterProgress(slot);
  }

  /** Completes the jobs of the result triples in `msg` from `start`; returns how many. */
  private settle(slot: WorkerSlot, msg: unknown[], start: number): number {
    const jobs = slot.jobs;
    let n = 0;
    for (let i = start; i < msg.length; i += 3) {
      const id = msg[i] as number;
      const job = jobs.get(id);
      if (job === undefined) continue;
      jobs.delete(id);
      job._args = null;
      n++;
      const status = msg[i + 1];
      if (status === OK) job._resolve(msg[i + 2]);
      else job._reject(status === ERROR ? reviveError(msg[i + 2] as ErrorRecord) : msg[i + 2]);
    }
    return n;
  }

  private afterProgress(slot: WorkerSlot): void {
    if (slot.jobs.size === 0 && slot.refd) slot.unref();
    if (this.queued > 0) this.flush();
    else if (this.shutdownRequested) this.stopIdleWorkers();
  }

  /** @internal `slot`'s worker is gone: fail the jobs it ran, re-queue those it never started. */
  _onExit(slot: WorkerSlot, code: number | null, signal: string | null): void {
    const index = this._slots.indexOf(slot);
    if (index >= 0) this._slots.splice(index, 1);
    const crash = slot.crash;
    const requeue: AnyJob[] = [];
    let broken: BrokenExecutorError | null = null;
    for (const job of slot.jobs.values()) {
      if (crash !== null && !crash.running.has(job._id)) {
        requeue.push(job);
      } else {
        job._args = null;
        job._reject((broken ??= this.brokenError(slot, code, signal)));
      }
    }
    slot.jobs.clear();
    for (let i = requeue.length - 1; i >= 0; i--) {
      requeue[i]!._state = PENDING;
      this.pushFront(requeue[i]!);
    }
    if (this.queued > 0) this.flush();
    else if (this.shutdownRequested) this.stopIdleWorkers();
  }

  private brokenError(slot: WorkerSlot, code: number | null, signal: string | null): BrokenExecutorError {
    const who = `${this.constructor.name}: the worker ${this.workerNoun} running this job`;
    const after = "; the pool replaces it and goes on";
    const crash = slot.crash;
    const cause = crash?.error ?? slot.error;
    let how: string;
    if (crash !== null && crash.error === undefined) how = `called process.exit(${crash.code})`;
    else if (cause instanceof Error) how = `crashed with an uncaught ${cause.name}: ${cause.message}`;
    else if (signal !== null) how = `was killed by ${signal}`;
    else how = `exited abruptly (exit code ${code})`;
    return new BrokenExecutorError(`${who} ${how}${after}`, cause === undefined ? undefined : { cause });
  }

  // -- shutdown ---------------------------------------------------------------------------------

  /** After shutdown, ends idle workers once nothing is queued; resolves `exited` when all are gone. */
  private stopIdleWorkers(): void {
    if (!this.shutdownRequested || this.queued > 0) return;
    for (const s of this._slots) {
      if (s.jobs.size === 0 && !s.stopping) {
        s.stopping = true;
        s.stop();
      }
    }
    if (this._slots.length === 0) this.resolveExited?.();
  }
}

/**
 * The results of `pool.map()` (what `Executor.map` returns), in the order of the items: iterate
 * with `for await`, or await it for an array. The first error is thrown and cancels the jobs
 * that have not started.
 * @example
 * const lengths = await pool.map((s: string) => s.length, ["a", "bb"]); // [1, 2]
 * for await (const n of pool.map((s: string) => s.length, ["a", "bb"])) console.log(n);
 */
export class MapResult<T> implements AsyncIterable<T>, PromiseLike<T[]> {
  /** @internal */
  constructor(private readonly futures: readonly ConcurrentFuture<T>[]) {}

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    let i = 0;
    try {
      for (; i < this.futures.length; i++) yield await this.futures[i]!;
    } finally {
      for (; i < this.futures.length; i++) this.futures[i]!.cancel();
    }
  }

  /** Awaiting gives every result, as an array; the first error rejects and cancels the jobs not started. */
  then<R1 = T[], R2 = never>(
    onfulfilled?: ((value: T[]) => R1 | PromiseLike<R1>) | null,
    onrejected?: ((reason: unknown) => R2 | PromiseLike<R2>) | null,
  ): Promise<R1 | R2> {
    return Promise.all(this.futures)
      .catch((e: unknown) => {
        for (const f of this.futures) f.cancel();
        throw e;
      })
      .then(onfulfilled, onrejected);
  }
}

/** The error classes a worker's error may be rebuilt as: the builtins and asyncio-ts's own. */
const knownErrors: Record<string, new (message?: string) => Error> = {
  Error,
  TypeError,
  RangeError,
  SyntaxError,
  ReferenceError,
  EvalError,
  URIError,
  BrokenBarrierError,
  BrokenExecutorError,
  CancelledError,
  InvalidStateError,
  KeyboardInterrupt,
  LookupError,
  QueueEmpty,
  QueueFull,
  QueueShutDown,
  RuntimeError,
  TimeoutError,
  ValueError,
};

/**
 * Rebuilds an Error from a worker: its class when it is a builtin or one of ours, else an `Error`
 * whose `name` is the class name; the message, the worker's stack, its plain fields and cause.
 * @internal
 */
export function reviveError(rec: ErrorRecord): Error {
  const Known = Object.hasOwn(knownErrors, rec.cls) ? knownErrors[rec.cls]! : rec.cls === "AggregateError" ? null : undefined;
  let e: Error;
  if (Known === null) e = new AggregateError((rec.errors ?? []).map(reviveValue), rec.message);
  else e = new (Known ?? Error)(rec.message);
  // A subclass that does not set `name` inherits "Error": name it after its class, as Python shows it.
  const name = rec.name === "Error" && rec.cls !== "Error" && rec.cls !== "" ? rec.cls : rec.name;
  if (e.name !== name) Object.defineProperty(e, "name", { value: name, writable: true, configurable: true, enumerable: false });
  let stack = rec.stack ?? `${name}: ${rec.message}`;
  if (name !== rec.name && stack.startsWith(`${rec.name}:`)) stack = name + stack.slice(rec.name.length);
  Object.defineProperty(e, "stack", { value: stack, writable: true, configurable: true, enumerable: false });
  for (const [k, v] of Object.entries(rec.props)) {
    if (k !== "name" && k !== "message" && k !== "stack") (e as unknown as Record<string, unknown>)[k] = v;
  }
  if (rec.cause !== undefined) Object.defineProperty(e, "cause", { value: reviveValue(rec.cause), writable: true, configurable: true, enumerable: false });
  return e;
}

function reviveValue(x: ErrorRecord | { value: unknown }): unknown {
  return "cls" in x ? reviveError(x) : x.value;
}
