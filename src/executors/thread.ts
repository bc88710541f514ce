/**
 * `ThreadPoolExecutor` (CPython: `concurrent/futures/thread.py`): a pool of `worker_threads`.
 *
 * Everything but starting and talking to a thread is in pool.ts. A thread is the cheap kind of
 * worker (it starts in tens of milliseconds and shares the process's memory), so it suits
 * blocking calls and CPU-bound work alike; unlike Python's threads, JavaScript threads share no
 * variables, so jobs are functions shipped by their source or `workerFunction` references.
 */

import { availableParallelism } from "node:os";
import { Worker, type ResourceLimits } from "node:worker_threads";
import { POOL_OPTION_KEYS, Pool, WorkerSlot, type Job, type PoolOptions } from "./pool.ts";
import { ABORT_JOB, CANCEL_ASKED, CELLS, CLAIMED, REVOKED, TIMEOUT_ASKED, WHY_TIMEOUT, bootstrapUrl, childExecArgv, ticketOf, tsxApiUrl, type WorkerEnv } from "./worker.ts";
import { ValueError } from "../exceptions.ts";
import { describeValue } from "./functions.ts";
import { checkOptions } from "../options.ts";

/** Options of `ThreadPoolExecutor`: those of every pool, and the threads' memory limits. */
export interface ThreadPoolOptions extends PoolOptions {
  /**
   * Memory limits for each worker thread (Node's `Worker` `resourceLimits`, in MB): a job that
   * runs out of them fails with `BrokenExecutorError` naming the limits, and the thread is replaced.
   * @default Node's defaults (no limit beyond the process's)
   */
  resourceLimits?: ResourceLimits;
}

const THREAD_OPTION_KEYS = [...POOL_OPTION_KEYS, "resourceLimits"] as const;
const LIMIT_KEYS = ["maxOldGenerationSizeMb", "maxYoungGenerationSizeMb", "codeRangeSizeMb", "stackSizeMb"] as const;

/**
 * The Node options a thread starts with: the parent's, as for a child process (so not tsx, which
 * would cost each thread a tenth of a second), or null to inherit the parent's as they are.
 */
let threadExecArgv: string[] | null | undefined;

/**
 * Starts the bootstrap in a thread. Node refuses per-process options (`--expose-gc`,
 * `--max-old-space-size`) in a thread's `execArgv` and lists them in its error: those are dropped,
 * once per process, and if Node still refuses, threads inherit the parent's options as they are.
 */
function startThread(env: WorkerEnv, resourceLimits: ResourceLimits | undefined): Worker {
  let execArgv: string[] | null = (threadExecArgv ??= childExecArgv());
  for (;;) {
    try {
      return new Worker(bootstrapUrl, { workerData: env, resourceLimits, ...(execArgv === null ? {} : { execArgv }) });
    } catch (e) {
      if ((e as { code?: string }).code !== "ERR_WORKER_INVALID_EXEC_ARGV" || execArgv === null) throw e;
      const optionName = (flag: string): string => flag.split("=")[0]!;
      const refused = new Set(((e as Error).message.split(": ").pop() ?? "").split(", ").map(optionName));
      const kept: string[] = execArgv.filter((arg) => !refused.has(optionName(arg)));
      execArgv = threadExecArgv = kept.length < execArgv.length ? kept : null;
    }
  }
}

/** Revokes job `id` in `cell` unless the thread has claimed it (bootstrap.js's `revokeCell`). */
function revokeCell(cells: Int32Array, cell: number, id: number): boolean {
  const ticket = ticketOf(id);
  for (;;) {
    const v = Atomics.load(cells, cell);
    if (v === (ticket | REVOKED)) return true;
    if (v === (ticket | CLAIMED) || v === (ticket | CANCEL_ASKED) || v === (ticket | TIMEOUT_ASKED)) return false;
    if (Atomics.compareExchange(cells, cell, v, ticket | REVOKED) === v) return true;
  }
}

class ThreadSlot extends WorkerSlot {
  private readonly worker: Worker;
  /** The claim cells, shared with the thread (see pool.ts). */
  private readonly cells: Int32Array;

  constructor(pool: Pool, resourceLimits: ResourceLimits | undefined) {
    super(pool);
    const cells = new SharedArrayBuffer(4 * CELLS);
    this.cells = new Int32Array(cells);
    const env: WorkerEnv = { thread: true, tsxApi: tsxApiUrl(), crashFd: -1, controlFd: -1, cells };
    this.worker = startThread(env, resourceLimits);
    this.worker.on("message", (msg: unknown[]) => pool._onMessage(this, msg));
    this.worker.on("error", (e) => (this.error = e));
    this.worker.on("exit", (code) => pool._onExit(this, code, null));
  }

  post(msg: unknown[]): void {
    this.worker.postMessage(msg);
  }

  ref(): void {
    this.refd = true;
    this.worker.ref();
  }

  unref(): void {
    this.refd = false;
    this.worker.unref();
  }

  stop(): void {
    // Hold the parent until the thread is gone, so `await shutdown()` sees it exit: an idle
    // (unref'd) thread being terminated keeps nothing alive, and Node could exit first.
    this.ref();
    void this.worker.terminate();
  }

  kill(): void {
    void this.worker.terminate();
  }

  protected sendRevoke(jobs: readonly Job<unknown>[], done: (revoked: readonly number[]) => void): void {
    const revoked: number[] = [];
    for (const job of jobs) if (revokeCell(this.cells, job._cell, job._id)) revoked.push(job._cell);
    done(revoked);
  }

  abort(job: Job<unknown>, why: number): void {
    const ticket = ticketOf(job._id);
    Atomics.compareExchange(this.cells, job._cell, ticket | CLAIMED, ticket | (why === WHY_TIMEOUT ? TIMEOUT_ASKED : CANCEL_ASKED));
    this.worker.postMessage([ABORT_JOB, job._id, why]);
  }
}

/**
 * A pool of worker threads for blocking or CPU-bound jobs (`concurrent.futures.ThreadPoolExecutor`).
 * Threads start on demand, up to `maxWorkers`; an idle pool does not keep the process alive.
 * In a coroutine, use it through `loop.runInExecutor(pool, fn, ...args)` or `toThread`.
 *
 * @example
 * const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
 * const reversed = yield* getRunningLoop().runInExecutor(pool, (s: string) => s.split("").reverse().join(""), "abc"); // "cba"
 * yield* fromPromise(pool.shutdown());
 */
export class ThreadPoolExecutor extends Pool {
  protected readonly workerNoun = "thread";
  /** Each thread's memory limits, if any. */
  readonly resourceLimits: ResourceLimits | undefined;

  /**
   * @param options.maxWorkers How many threads at most. @default min(32, CPUs + 4), as Python
   * @param options.cancelGrace Seconds a stopped job has before its thread is terminated. @default 1
   * @param options.jobTimeout Seconds each job may run, from its start. @default null (no limit)
   * @param options.resourceLimits Memory limits per thread, in MB. @default none
   * @throws ValueError when `maxWorkers` is not a positive integer, a duration is not a number of
   *   seconds, or a limit is not a positive number; TypeError for an unknown option.
   */
  constructor(options?: ThreadPoolOptions) {
    super(options, Math.min(32, availableParallelism() + 4), "ThreadPoolExecutor()", THREAD_OPTION_KEYS);
    const limits = options?.resourceLimits;
    if (limits !== undefined) {
      checkOptions(limits, LIMIT_KEYS, "ThreadPoolExecutor() resourceLimits");
      for (const [key, value] of Object.entries(limits)) {
        if (value !== undefined && (typeof value !== "number" || !(value > 0) || !Number.isFinite(value))) {
          throw new ValueError(`\`resourceLimits.${key}\` must be a positive number of megabytes, got ${describeValue(value)}`);
        }
      }
      this.resourceLimits = { ...limits };
    }
  }

  protected startWorker(): WorkerSlot {
    return new ThreadSlot(this, this.resourceLimits);
  }

  protected override outOfMemory(): string {
    const limits = Object.entries(this.resourceLimits ?? {}).map(([k, v]) => `${k}: ${v}`);
    return limits.length === 0 ? "ran out of memory" : `ran out of memory (resourceLimits { ${limits.join(", ")} })`;
  }
}
