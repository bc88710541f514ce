/**
 * What the thread and process pools share (CPython: `concurrent/futures/thread.py` and
 * `process.py`): the job queue, dispatch in batches, work stealing, stopping running jobs,
 * worker deaths, shutdown. `thread.ts` and `process.ts` only say how to start a worker and talk to it.
 *
 * How jobs flow. `submit` checks its input, appends a `Job` (the `ConcurrentFuture` itself, with
 * queue links: no other allocation) to a linked queue, and schedules one dispatch per microtask
 * turn, so a burst of submits travels together. Dispatch hands each worker a batch: one message
 * holding many jobs. A worker's batch size starts at 1 and follows how long its jobs take (about
 * `BATCH_TARGET_MS` of work per batch, growing at most 4x per round trip): slow or blocking jobs go
 * one at a time, tiny jobs in batches of up to `MAX_BATCH`, and a worker may hold two batches, so
 * it never waits for the parent between them. A job is RUNNING from the moment its batch is sent.
 *
 * Never behind a busy worker while another is free. A batch may hold a job that turns out slow,
 * with jobs behind it. So: (1) a burst is split among the workers that are free (or may be
 * started), never all sent to the first; (2) each job in a worker has a claim cell, one Int32 of
 * memory shared with the worker (bootstrap.js): the worker claims a job (sets the cell to CLAIMED
 * with the job's ticket, by compare-exchange) just before it starts it, and the parent can revoke
 * a job not claimed yet, even one still in the message pipe (sets REVOKED the same way), so
 * exactly one of them wins; (3) whenever a worker is free and
 * nothing is queued, it steals: the parent revokes the later half of the busiest worker's jobs
 * and hands back to the queue those it won. A worker stuck in a long job thus loses the jobs
 * behind it within a round trip, and tiny jobs keep their batches (a claim is one atomic
 * operation). A thread shares the cells with the parent; a child process keeps them in its own
 * memory and runs a small control thread that does the parent's compare-exchanges, asked over a
 * socket (process.ts), so its revocations answer asynchronously.
 *
 * Stopping a running job. `cancel()` on a running job's future, a job's timeout (counted from the
 * moment it starts, which a worker reports for jobs that have one), and `shutdown({ timeout })`
 * all take one path: the future ends at once (cancelled, or `TimeoutError`); the job's signal
 * aborts (its cell is set, for a job that blocks its thread, and an ABORT_JOB message is sent);
 * if the worker has not reported the job finished within `cancelGrace` seconds, the parent
 * revokes the worker's other unstarted jobs, puts them back at the front of the queue, and
 * terminates the worker; a new one takes its place, so the pool keeps its size. Jobs the worker
 * had started besides fail with `BrokenExecutorError` saying why.
 *
 * Deaths. A worker that exits under a job (`process.exit()`, an uncaught error, out of memory)
 * reports which jobs it had started; those fail with `BrokenExecutorError`, the others go back to
 * the front of the queue, and a new worker takes over on the next dispatch. The pool goes on.
 *
 * Keeping the process alive. A worker holds Node's loop open (ref) only while it has jobs, so an
 * idle pool never keeps a program from exiting; `shutdown()` ends the workers once the queue
 * drains (or at once with `cancelFutures`), and with `timeout` it stops the jobs still running.
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
import { checkOptions } from "../options.ts";
import { ConcurrentFuture, PENDING, RUNNING } from "./concurrent.ts";
import {
  JobSpec,
  checkCloneable,
  checkSeconds,
  describeValue,
  functionRecord,
  type FunctionRecord,
  type JobFunction,
} from "./functions.ts";
import { CELLS, CRASH, ERROR, OK, OUTPUT, RUN_JOBS, SKIPPED, STARTED, WHY_CANCEL, WHY_TIMEOUT, type ErrorRecord } from "./worker.ts";

/** About how long (ms) one batch of jobs should keep a worker busy. */
const BATCH_TARGET_MS = 2;
/** The most jobs one message carries (a worker holds at most two batches: `CELLS` claim cells). */
const MAX_BATCH = CELLS / 2;
/** How long a cancelled job has to stop by itself before its worker is terminated, by default (s). */
const DEFAULT_CANCEL_GRACE = 1;

/**
 * A function a pool can run: self-contained (shipped by its source), a `workerFunction`, or either
 * with per-job options (`withJobOptions`). Called with `this` bound to a `JobContext`.
 */
export type PoolFunction<A extends unknown[], R> = JobFunction<A, R> | JobSpec<A, R>;

/** Options of `ThreadPoolExecutor` and `ProcessPoolExecutor`. */
export interface PoolOptions {
  /** How many workers the pool may run at once; they start on demand. @default depends on the pool */
  maxWorkers?: number;
  /**
   * Seconds a running job has, once its future is cancelled or its timeout has passed, to stop by
   * itself (by reading its signal) before its worker is terminated and replaced; 0 terminates at once.
   * @default 1
   */
  cancelGrace?: number;
  /**
   * Seconds each job may run, counted from its start, unless it has its own (`withJobOptions`);
   * past it the job fails with `TimeoutError` and is stopped as a cancelled one. null: no limit.
   * @default null
   */
  jobTimeout?: number | null;
}

/** @internal The keys `PoolOptions` accepts. */
export const POOL_OPTION_KEYS = ["maxWorkers", "cancelGrace", "jobTimeout"] as const;

/** Options of `shutdown()` (`Executor.shutdown(wait=True, *, cancel_futures=False)`). */
export interface ShutdownOptions {
  /** Resolve only when every job has finished and every worker is gone. @default true */
  wait?: boolean;
  /** Cancel the jobs that have not started. @default false */
  cancelFutures?: boolean;
  /**
   * Seconds to let running and queued jobs finish; past it, the running ones are cancelled (their
   * signal aborts, and their workers are terminated after `cancelGrace`) and the queued ones too,
   * so shutdown never hangs on a stuck job. null: wait as long as they take.
   * @default null
   */
  timeout?: number | null;
}

const SHUTDOWN_OPTION_KEYS = ["wait", "cancelFutures", "timeout"] as const;

/** A small record of a pool's state (`pool.stats()`). */
export interface PoolStats {
  /** Workers alive. */
  workers: number;
  /** Workers with jobs. */
  busyWorkers: number;
  /** Jobs handed to workers and not finished (a cancelled job counts until its worker stops it). */
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
  /** @internal The worker while the job is in it. */
  _worker: WorkerSlot | null = null;
  /** @internal Its claim cell in that worker. */
  _cell = -1;
  /** @internal Why its worker is stopping it (WHY_CANCEL, WHY_TIMEOUT), or -1. */
  _stopping = -1;
  /** @internal Its timeout timer, then its grace timer. */
  _timer: NodeJS.Timeout | null = null;
  /** @internal A revocation of it is on its way (a child process answers asynchronously). */
  _revoking = false;

  constructor(
    /** @internal */ readonly _id: number,
    /** @internal */ readonly _record: FunctionRecord,
    /** @internal Kept until the job is done, to re-queue it if its worker dies before starting it. */
    public _args: unknown[] | null,
    pool: Pool,
    /** @internal Seconds from its start, or null. */
    readonly _timeout: number | null,
  ) {
    super();
    this._pool = pool;
  }

  protected override _onCancel(): void {
    this._pool?._unlink(this);
    this._args = null;
  }

  protected override _cancelRunning(): boolean {
    const worker = this._worker;
    if (worker === null) return false;
    worker.pool._stopJob(worker, this, WHY_CANCEL);
    return true;
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
  /** Claim cells not in use, as a stack. */
  readonly freeCells: number[] = Array.from({ length: CELLS }, (_, i) => CELLS - 1 - i);
  /** Jobs per batch. */
  limit = 1;
  refd = true;
  stopping = false;
  /** Why the pool is terminating this worker, or null. */
  killedFor: string | null = null;
  crash: CrashReport | null = null;
  /** An error Node reported for the worker itself (it failed to start, ran out of memory). */
  error: unknown = undefined;

  constructor(readonly pool: Pool) {}

  abstract post(msg: unknown[]): void;
  abstract ref(): void;
  abstract unref(): void;
  /** Ends an idle worker. */
  abstract stop(): void;
  /** Ends the worker now, whatever it runs. */
  abstract kill(): void;
  /** Revokes those of `jobs` not claimed; calls `done` with their cells, now (a thread) or later. */
  protected abstract sendRevoke(jobs: readonly AnyJob[], done: (revoked: readonly number[]) => void): void;
  /** Aborts the signal of the job in `cell` (CLAIMED to CANCEL_ASKED or TIMEOUT_ASKED) and sends ABORT_JOB. */
  abstract abort(job: AnyJob, why: number): void;

  /** Cells named by a revocation not answered yet, with how many ask for each. */
  private readonly revokesInFlight = new Map<number, number>();
  /** Cells released while a revocation named them: freed once it is answered. */
  private readonly releasedDuringRevoke = new Set<number>();

  /**
   * Revokes those of `jobs` the worker has not claimed; `done` gets their cells. Until the answer
   * is in, none of their cells serves another job, so a late revocation never meets a later job.
   */
  revoke(jobs: readonly AnyJob[], done: (revoked: readonly number[]) => void): void {
    const cells = jobs.map((j) => j._cell);
    for (const c of cells) this.revokesInFlight.set(c, (this.revokesInFlight.get(c) ?? 0) + 1);
    this.sendRevoke(jobs, (revoked) => {
      let freed = false;
      for (const c of cells) {
        const n = this.revokesInFlight.get(c)! - 1;
        if (n > 0) {
          this.revokesInFlight.set(c, n);
          continue;
        }
        this.revokesInFlight.delete(c);
        if (this.releasedDuringRevoke.delete(c)) {
          this.freeCells.push(c);
          freed = true;
        }
      }
      done(revoked);
      // A job named here finished before the answer came (a child process answers on its control
      // channel, and the job's result, on another, may overtake the answer): its cell is free only
      // now, so the worker may have settled just now, and a shutdown that saw it busy must hear it.
      if (freed) this.pool._cellsFreed(this);
    });
  }

  /**
   * No job, and every claim cell free: nothing more will come from this worker. Until then it
   * holds Node's loop open, since reports of revoked jobs (SKIPPED) and a child's answers to
   * revocations are still due, and the jobs they give back must not be stranded by an exit.
   */
  settled(): boolean {
    return this.jobs.size === 0 && this.freeCells.length === CELLS;
  }

  /** The cell's job is done: the cell may serve another. */
  release(job: AnyJob): void {
    this.freeCell(job._cell);
    job._cell = -1;
    job._worker = null;
  }

  /**
   * The job was revoked: it leaves the worker, but its cell stays reserved until the worker
   * reports it passed over the job (SKIPPED), since the batch naming the cell may still be on its way.
   */
  detach(job: AnyJob): void {
    job._cell = -1;
    job._worker = null;
  }

  /** @internal */
  freeCell(cell: number): void {
    if (this.revokesInFlight.has(cell)) this.releasedDuringRevoke.add(cell);
    else this.freeCells.push(cell);
  }
}

/** The most jobs a worker may hold: two batches once it batches, one job while jobs are slow. */
function windowOf(slot: WorkerSlot): number {
  return slot.limit > 1 ? 2 * slot.limit : 1;
}

/** How many more jobs a worker may take now: its window, as far as it has free claim cells. */
function roomOf(slot: WorkerSlot): number {
  return Math.min(windowOf(slot) - slot.jobs.size, slot.freeCells.length);
}

/** @internal The pool behind `ThreadPoolExecutor` and `ProcessPoolExecutor`. */
export abstract class Pool {
  /** The most workers the pool runs at once. */
  readonly maxWorkers: number;
  /** Seconds a stopped job has before its worker is terminated. */
  readonly cancelGrace: number;
  /** Seconds each job may run by default, or null. */
  readonly jobTimeout: number | null;
  /** @internal */ readonly _slots: WorkerSlot[] = [];
  private head: AnyJob | null = null;
  private tail: AnyJob | null = null;
  private queued = 0;
  private nextId = 1;
  private flushScheduled = false;
  private shutdownRequested = false;
  private exited: Promise<void> | null = null;
  private resolveExited: (() => void) | null = null;
  private shutdownTimer: NodeJS.Timeout | null = null;
  /** The last function submitted and its record: a loop of submits looks it up once. */
  private lastFn: unknown = null;
  private lastRecord: FunctionRecord | null = null;
  private lastTimeout: number | null = null;
  private readonly flushBound = (): void => this.flush();

  /** What a worker is called in messages ("thread", "process"). */
  protected abstract readonly workerNoun: string;
  /** Starts a worker. */
  protected abstract startWorker(): WorkerSlot;

  constructor(options: PoolOptions | undefined, defaultMax: number, where: string, accepted: readonly string[] = POOL_OPTION_KEYS) {
    checkOptions(options, accepted, where);
    const max = options?.maxWorkers ?? defaultMax;
    if (typeof max !== "number" || !Number.isInteger(max) || max <= 0) {
      throw new ValueError(`\`maxWorkers\` must be a positive integer, got ${describeValue(max)}`);
    }
    this.maxWorkers = max;
    this.cancelGrace = checkSeconds(options?.cancelGrace ?? DEFAULT_CANCEL_GRACE, "cancelGrace", true);
    const timeout = options?.jobTimeout ?? null;
    this.jobTimeout = timeout === null ? null : checkSeconds(timeout, "jobTimeout");
  }

  /**
   * Schedules `fn(...args)` on a worker and returns its future (`Executor.submit`). `fn` is a
   * self-contained function (shipped by its source: it may use only its parameters and globals)
   * or a `workerFunction(moduleUrl, exportName)`, either of them maybe with `withJobOptions`.
   * Arguments and the result cross by structured clone; an async `fn` is awaited in the worker.
   * The job is called with `this` bound to a `JobContext`: `this.signal` aborts when the future is
   * cancelled while the job runs, or when its timeout passes.
   * @throws RuntimeError "cannot schedule new futures after shutdown"; TypeError when `fn` cannot
   *   be shipped or an argument cannot be cloned.
   * @example
   * const fut = pool.submit((n: number) => n * n, 12);
   * console.log(await fut); // 144
   */
  submit<A extends unknown[], R>(fn: PoolFunction<A, R>, ...args: A): ConcurrentFuture<Awaited<R>> {
    if (this.shutdownRequested) throw new RuntimeError("cannot schedule new futures after shutdown");
    let record: FunctionRecord;
    let timeout: number | null;
    if (fn === this.lastFn) {
      record = this.lastRecord!;
      timeout = this.lastTimeout;
    } else {
      if (fn instanceof JobSpec) {
        record = functionRecord(fn.fn);
        timeout = fn.timeout === undefined ? this.jobTimeout : fn.timeout;
      } else {
        record = functionRecord(fn);
        timeout = this.jobTimeout;
      }
      this.lastFn = fn;
      this.lastRecord = record;
      this.lastTimeout = timeout;
    }
    checkCloneable(args, "submit()");
    const job = new Job<Awaited<R>>(this.nextId++, record, args, this, timeout);
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
   * thrown and cancels the other jobs (running ones are stopped).
   * @example
   * for await (const square of pool.map((n: number) => n * n, [1, 2, 3])) console.log(square);
   * const squares = await pool.map((n: number) => n * n, [1, 2, 3]); // [1, 4, 9]
   */
  map<T, R>(fn: PoolFunction<[T], R>, items: Iterable<T>): MapResult<Awaited<R>> {
    return MapResult._submitAll(items, (item) => this.submit(fn, item));
  }

  /**
   * Stops accepting jobs and ends the workers once the queued jobs are done (`Executor.shutdown`).
   * With `cancelFutures`, the jobs that have not started are cancelled. With `timeout`, the jobs
   * still running (or queued) that many seconds later are cancelled and stopped, as `cancel()`
   * stops a running job, so shutdown ends within about `timeout` plus the pool's `cancelGrace`.
   * Resolves when every worker is gone (at once when `wait` is false). Calling it again is harmless.
   * @throws TypeError for an unknown option; ValueError for a bad `timeout`.
   * @example
   * await pool.shutdown({ cancelFutures: true });
   * await pool.shutdown({ timeout: 5 }); // running jobs get 5 s, then are stopped
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    checkOptions(options, SHUTDOWN_OPTION_KEYS, "shutdown()");
    const { wait = true, cancelFutures = false, timeout = null } = options;
    if (timeout !== null) checkSeconds(timeout, "timeout", true);
    if (!this.shutdownRequested) {
      this.shutdownRequested = true;
      this.exited = new Promise((resolve) => (this.resolveExited = resolve));
    }
    if (cancelFutures) {
      while (this.head !== null) this.head.cancel();
    }
    if (timeout !== null && this.shutdownTimer === null && this._slots.length > 0) {
      const stopAll = (): void => {
        while (this.head !== null) this.head.cancel();
        for (const slot of [...this._slots]) for (const job of [...slot.jobs.values()]) job.cancel();
      };
      if (timeout === 0) stopAll();
      else this.shutdownTimer = setTimeout(stopAll, timeout * 1000);
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

  /** Puts jobs taken back from a worker at the front of the queue, in their order. */
  private requeue(jobs: readonly AnyJob[]): void {
    for (let i = jobs.length - 1; i >= 0; i--) {
      const job = jobs[i]!;
      if (job.done()) continue;
      job._state = PENDING;
      this.pushFront(job);
    }
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

  /**
   * Hands queued jobs to workers: an idle one first, else a new one, else the one with most room.
   * A burst is split among the idle and startable workers; once nothing is queued, an idle worker
   * steals from a busy one.
   */
  private flush(): void {
    this.flushScheduled = false;
    while (this.queued > 0) {
      let slot: WorkerSlot | null = null;
      let best: WorkerSlot | null = null;
      let bestRoom = 0;
      let idle = 0;
      for (const s of this._slots) {
        // A worker with no free claim cell (they wait for revoked jobs to be passed over) takes nothing.
        if (s.stopping || s.killedFor !== null || s.freeCells.length === 0) continue;
        if (s.jobs.size === 0) {
          idle++;
          slot ??= s;
          continue;
        }
        const room = roomOf(s);
        if (room > bestRoom) {
          bestRoom = room;
          best = s;
        }
      }
      if (slot === null) {
        if (this.liveSlots() < this.maxWorkers) {
          slot = this.tryStartWorker();
          if (slot === null) return;
          idle = 1;
        } else if (best !== null) {
          slot = best;
        } else {
          return;
        }
      }
      // Split a burst among the workers that are free or may start, so none queues behind another.
      const free = idle + Math.max(0, this.maxWorkers - this.liveSlots());
      this.dispatch(slot, slot.jobs.size === 0 && free > 1 ? Math.ceil(this.queued / free) : this.queued);
    }
    // After a shutdown, a batch that could not be sent may have left its worker idle with nothing queued.
    if (this.shutdownRequested) this.stopIdleWorkers();
    else this.steal();
  }

  /** Workers that are not being stopped or terminated. */
  private liveSlots(): number {
    let n = 0;
    for (const s of this._slots) if (!s.stopping && s.killedFor === null) n++;
    return n;
  }

  /**
   * While a worker is idle and nothing is queued, revokes the later half of the busiest worker's
   * jobs (those it has not claimed) and puts them back on the queue for the idle one.
   */
  private steal(): void {
    if (this.queued > 0 || this.shutdownRequested) return;
    let idle = false;
    let victim: WorkerSlot | null = null;
    for (const s of this._slots) {
      if (s.stopping || s.killedFor !== null) continue;
      if (s.jobs.size === 0) idle = true;
      else if (s.jobs.size > 1 && (victim === null || s.jobs.size > victim.jobs.size)) victim = s;
    }
    if (!idle || victim === null) return;
    // Jobs already being revoked (a child process's answer may take a while) are left to that revocation.
    const jobs = [...victim.jobs.values()].filter((j) => j._stopping < 0 && !j._revoking);
    if (jobs.length < 2) return;
    const take = jobs.slice(jobs.length >> 1);
    this.takeBack(victim, take, () => {
      if (this.queued > 0) this.flush();
    });
  }

  /** Revokes `jobs` of `slot`; those it had not started go back to the queue; then `done`. */
  private takeBack(slot: WorkerSlot, jobs: readonly AnyJob[], done: () => void): void {
    const byCell = new Map<number, AnyJob>();
    for (const job of jobs) {
      byCell.set(job._cell, job);
      job._revoking = true;
    }
    slot.revoke(jobs, (revoked) => {
      for (const job of jobs) job._revoking = false;
      const back: AnyJob[] = [];
      for (const cell of revoked) {
        const job = byCell.get(cell);
        // Gone meanwhile (the worker died), or claimed: nothing to take back.
        if (job === undefined || job._worker !== slot || !slot.jobs.has(job._id)) continue;
        slot.jobs.delete(job._id);
        slot.detach(job);
        back.push(job);
      }
      back.sort((a, b) => a._id - b._id);
      this.requeue(back);
      if (slot.refd && slot.settled()) slot.unref();
      done();
    });
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

  /** Sends `slot` one batch from the head of the queue, of at most `most` jobs. */
  private dispatch(slot: WorkerSlot, most: number): void {
    let n = Math.min(roomOf(slot), slot.limit, this.queued, most);
    const msg: unknown[] = [RUN_JOBS, 0];
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
      job._worker = slot;
      const cell = (job._cell = slot.freeCells.pop()!);
      const rec = job._record;
      if (!slot.known.has(rec.key)) {
        slot.known.add(rec.key);
        (defs ??= []).push(rec.key, rec.kind, rec.text, rec.name);
      }
      msg.push(job._id, rec.key, cell * 2 + (job._timeout === null ? 0 : 1), job._args);
      slot.jobs.set(job._id, job);
    }
    if (defs !== null) msg[1] = defs;
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
    const jobs: AnyJob[] = [];
    for (let i = 2; i < msg.length; i += 4) {
      const job = slot.jobs.get(msg[i] as number)!;
      slot.jobs.delete(job._id);
      slot.release(job);
      jobs.push(job);
    }
    for (const job of jobs) {
      try {
        checkCloneable(job._args!, "submit()");
        retry.push(job);
      } catch (e) {
        job._args = null;
        job._reject(e);
      }
    }
    if (retry.length === jobs.length) {
      // Every job clones on its own: the failure is not theirs (the worker is gone); fail them rather than loop.
      for (const job of retry) job._reject(new BrokenExecutorError(`${this.constructor.name}: a batch could not be sent to a worker: ${String(error)}`, { cause: error }));
      retry.length = 0;
    }
    this.requeue(retry);
    if (slot.refd && slot.settled()) slot.unref();
  }

  // -- stopping a running job ------------------------------------------------------------------

  /**
   * @internal Stops a running job whose future was just cancelled or failed with `TimeoutError`:
   * aborts its signal, and terminates its worker if it is still at it after `cancelGrace`.
   */
  _stopJob(slot: WorkerSlot, job: AnyJob, why: number): void {
    if (job._stopping >= 0) return;
    job._stopping = why;
    job._args = null;
    if (job._timer !== null) clearTimeout(job._timer);
    job._timer = null;
    // Not started yet? Then it never will: take it back, and there is nothing to stop. Else abort
    // its signal (a child process's control thread gets both requests in order; one applies).
    slot.revoke([job], (revoked) => {
      if (revoked.length > 0 && slot.jobs.get(job._id) === job) {
        slot.jobs.delete(job._id);
        slot.detach(job);
        this.afterProgress(slot);
        return;
      }
      if (slot.jobs.get(job._id) !== job) return;
      const terminate = (): void => {
        job._timer = null;
        if (slot.jobs.get(job._id) === job) this.terminate(slot, why);
      };
      if (this.cancelGrace === 0) terminate();
      else {
        job._timer = setTimeout(terminate, this.cancelGrace * 1000);
        job._timer.unref();
      }
    });
    if (job._worker === slot) slot.abort(job, why);
  }

  /** A job with a timeout has started: its clock starts now. */
  private started(slot: WorkerSlot, id: number): void {
    const job = slot.jobs.get(id);
    if (job === undefined || job._timeout === null || job.done()) return;
    const seconds = job._timeout;
    job._timer = setTimeout(() => {
      job._timer = null;
      if (job.done() || job._worker !== slot) return;
      job._reject(new TimeoutError(`the job ran past its timeout of ${seconds} s and was stopped`));
      this._stopJob(slot, job, WHY_TIMEOUT);
    }, seconds * 1000);
    job._timer.unref();
  }

  /**
   * Terminates `slot` to stop a job that did not stop by itself: its unstarted jobs go back to the
   * queue first; the worker's exit (`_onExit`) fails the others it had started and replaces it.
   */
  private terminate(slot: WorkerSlot, why: number): void {
    if (slot.killedFor !== null) return;
    slot.killedFor = why === WHY_TIMEOUT ? "a job that ran past its timeout" : "a cancelled job";
    const others = [...slot.jobs.values()].filter((j) => j._stopping < 0);
    const kill = (): void => slot.kill();
    if (others.length === 0) kill();
    else this.takeBack(slot, others, kill);
  }

  // -- what workers report ---------------------------------------------------------------------

  /** @internal A message from `slot`'s worker: results, a start, a thread's output, or its last words. */
  _onMessage(slot: WorkerSlot, msg: unknown[]): void {
    if (msg[0] === OUTPUT) {
      // Written at once, so it is out before the results that follow it on this channel are seen.
      (msg[1] === 2 ? process.stderr : process.stdout).write(msg[2] as string | Uint8Array);
      return;
    }
    if (msg[0] === STARTED) {
      this.started(slot, msg[1] as number);
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
      const status = msg[i + 1];
      if (status === SKIPPED) {
        slot.freeCell(msg[i + 2] as number);
        continue;
      }
      const job = jobs.get(id);
      if (job === undefined) continue;
      jobs.delete(id);
      slot.release(job);
      job._args = null;
      n++;
      if (job._timer !== null) {
        clearTimeout(job._timer);
        job._timer = null;
      }
      // A job stopped by cancel() or its timeout already has its outcome.
      if (job.done()) continue;
      if (status === OK) job._resolve(msg[i + 2]);
      else job._reject(status === ERROR ? reviveError(msg[i + 2] as ErrorRecord) : msg[i + 2]);
    }
    return n;
  }

  /**
   * @internal A revocation's late answer freed cells of `slot`: it may have settled, and a batch
   * may now fit. No steal from here: a worker goes idle on a result, which already tried one, and a
   * steal here would follow each steal's late answer with another revocation.
   */
  _cellsFreed(slot: WorkerSlot): void {
    if (slot.refd && slot.settled()) slot.unref();
    if (this.queued > 0) this.flush();
    else if (this.shutdownRequested) this.stopIdleWorkers();
  }

  /**
   * `slot` finished, skipped or gave back jobs: unref it once it has settled, hand out what is
   * queued, end idle workers after a shutdown, or let an idle worker steal.
   */
  private afterProgress(slot: WorkerSlot): void {
    if (slot.refd && slot.settled()) slot.unref();
    if (this.queued > 0) this.flush();
    else if (this.shutdownRequested) this.stopIdleWorkers();
    else this.steal();
  }

  /** @internal `slot`'s worker is gone: fail the jobs it ran, re-queue those it never started. */
  _onExit(slot: WorkerSlot, code: number | null, signal: string | null): void {
    const index = this._slots.indexOf(slot);
    if (index >= 0) this._slots.splice(index, 1);
    const crash = slot.crash;
    const requeue: AnyJob[] = [];
    let broken: BrokenExecutorError | null = null;
    for (const job of slot.jobs.values()) {
      if (job._timer !== null) clearTimeout(job._timer);
      job._timer = null;
      job._worker = null;
      if (job.done()) continue;
      if (crash !== null && !crash.running.has(job._id)) {
        requeue.push(job);
      } else {
        job._args = null;
        job._reject((broken ??= this.brokenError(slot, code, signal)));
      }
    }
    slot.jobs.clear();
    this.requeue(requeue);
    // A worker terminated to stop a job is replaced at once, so the pool keeps its size.
    if (slot.killedFor !== null && !this.shutdownRequested && this.queued === 0 && this._slots.length < this.maxWorkers) {
      const replacement = this.tryStartWorker();
      if (replacement !== null && replacement.refd) replacement.unref();
    }
    if (this.queued > 0) this.flush();
    else if (this.shutdownRequested) this.stopIdleWorkers();
  }

  /** How the pool says that a worker ran out of memory (a thread pool names its limits). */
  protected outOfMemory(): string {
    return "ran out of memory";
  }

  private brokenError(slot: WorkerSlot, code: number | null, signal: string | null): BrokenExecutorError {
    const who = `${this.constructor.name}: the worker ${this.workerNoun} running this job`;
    const after = "; the pool replaces it and goes on";
    const crash = slot.crash;
    const cause = crash?.error ?? slot.error;
    let how: string;
    if (slot.killedFor !== null) how = `was terminated to stop ${slot.killedFor}`;
    else if (crash !== null && crash.error === undefined) how = `called process.exit(${crash.code})`;
    else if ((cause as { code?: string } | undefined)?.code === "ERR_WORKER_OUT_OF_MEMORY") how = this.outOfMemory();
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
      if (s.settled() && !s.stopping && s.killedFor === null) {
        s.stopping = true;
        s.stop();
      }
    }
    if (this._slots.length === 0) {
      if (this.shutdownTimer !== null) clearTimeout(this.shutdownTimer);
      this.shutdownTimer = null;
      this.resolveExited?.();
    }
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

  /**
   * @internal `submit(item)` for every item, at once (an executor's `map`, asyncio-ts/bullmq's
   * too): if one submit throws, the jobs submitted before it are cancelled and the error goes on.
   */
  static _submitAll<I, T>(items: Iterable<I>, submit: (item: I) => ConcurrentFuture<T>): MapResult<T> {
    const futures: ConcurrentFuture<T>[] = [];
    try {
      for (const item of items) futures.push(submit(item));
    } catch (e) {
      for (const f of futures) f.cancel();
      throw e;
    }
    return new MapResult(futures);
  }

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
 * An error rebuilt from what crossed a thread, a process or Redis: of the builtin or asyncio-ts
 * class named `cls` when there is one, else an `Error`; named `name`, with `message` and the
 * worker's `stack` (asyncio-ts/bullmq rebuilds its jobs' errors with it too).
 * @internal
 */
export function rebuildError(cls: string, name: string, message: string, stack: string): Error {
  const Known = Object.hasOwn(knownErrors, cls) ? knownErrors[cls]! : Error;
  return named(new Known(message), name, stack);
}

/** `e`, with `name` and `stack` defined as an error's own are: not enumerable. */
function named<E extends Error>(e: E, name: string, stack: string): E {
  if (e.name !== name) Object.defineProperty(e, "name", { value: name, writable: true, configurable: true, enumerable: false });
  Object.defineProperty(e, "stack", { value: stack, writable: true, configurable: true, enumerable: false });
  return e;
}

/**
 * Rebuilds an Error from a worker: its class when it is a builtin or one of ours, else an `Error`
 * whose `name` is the class name; the message, the worker's stack, its plain fields and cause.
 * @internal
 */
export function reviveError(rec: ErrorRecord): Error {
  // A subclass that does not set `name` inherits "Error": name it after its class, as Python shows it.
  const name = rec.name === "Error" && rec.cls !== "Error" && rec.cls !== "" ? rec.cls : rec.name;
  let stack = rec.stack ?? `${name}: ${rec.message}`;
  if (name !== rec.name && stack.startsWith(`${rec.name}:`)) stack = name + stack.slice(rec.name.length);
  const e =
    rec.cls === "AggregateError"
      ? named(new AggregateError((rec.errors ?? []).map(reviveValue), rec.message), name, stack)
      : rebuildError(rec.cls, name, rec.message, stack);
  for (const [k, v] of Object.entries(rec.props)) {
    if (k !== "name" && k !== "message" && k !== "stack") (e as unknown as Record<string, unknown>)[k] = v;
  }
  if (rec.cause !== undefined) Object.defineProperty(e, "cause", { value: reviveValue(rec.cause), writable: true, configurable: true, enumerable: false });
  return e;
}

function reviveValue(x: ErrorRecord | { value: unknown }): unknown {
  return "cls" in x ? reviveError(x) : x.value;
}
