/**
 * `ThreadPoolExecutor` (CPython: `concurrent/futures/thread.py`): a pool of `worker_threads`.
 *
 * Everything but starting and talking to a thread is in pool.ts. A thread is the cheap kind of
 * worker (it starts in tens of milliseconds and shares the process's memory), so it suits
 * blocking calls and CPU-bound work alike; unlike Python's threads, JavaScript threads share no
 * variables, so jobs are functions shipped by their source or `workerFunction` references.
 */

import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import { Pool, WorkerSlot, type PoolOptions } from "./pool.ts";
import { bootstrapUrl, childExecArgv, tsxApiUrl, type WorkerEnv } from "./worker.ts";

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
function startThread(env: WorkerEnv): Worker {
  let execArgv: string[] | null = (threadExecArgv ??= childExecArgv());
  for (;;) {
    try {
      return new Worker(bootstrapUrl, { workerData: env, ...(execArgv === null ? {} : { execArgv }) });
    } catch (e) {
      if ((e as { code?: string }).code !== "ERR_WORKER_INVALID_EXEC_ARGV" || execArgv === null) throw e;
      const optionName = (flag: string): string => flag.split("=")[0]!;
      const refused = new Set(((e as Error).message.split(": ").pop() ?? "").split(", ").map(optionName));
      const kept: string[] = execArgv.filter((arg) => !refused.has(optionName(arg)));
      execArgv = threadExecArgv = kept.length < execArgv.length ? kept : null;
    }
  }
}

class ThreadSlot extends WorkerSlot {
  private readonly worker: Worker;

  constructor(pool: Pool, env: WorkerEnv) {
    super();
    this.worker = startThread(env);
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

  /**
   * @param options.maxWorkers How many threads at most. @default min(32, CPUs + 4), as Python
   * @throws ValueError when `maxWorkers` is not a positive integer.
   */
  constructor(options?: PoolOptions) {
    super(options, Math.min(32, availableParallelism() + 4));
  }

  protected startWorker(): WorkerSlot {
    return new ThreadSlot(this, { thread: true, tsxApi: tsxApiUrl(), crashFd: -1 });
  }
}
