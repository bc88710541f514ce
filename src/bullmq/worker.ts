/**
 * The worker: a BullMQ `Worker` that runs the jobs of `BullMQExecutor` by module reference, on
 * the asyncio-ts loop that started it (`startWorker`); the `asyncio-ts-worker` command (cli.ts)
 * is this in a process of its own.
 *
 * Running a job. The worker imports the job's module (once; a module that fails to load fails
 * only that job, and is tried again for the next) and calls the export with `this` bound to a
 * {@link JobContext} and the JSON arguments (JobRun, below). A coroutine function's generator
 * runs as a Task on the worker's loop; a plain function is called, and an async one's promise
 * awaited, straight from BullMQ's callback (no hop through the loop: the fast path for the tiny
 * jobs of the bench/ bullmq workload). The result must be JSON, else the job fails with a
 * TypeError saying so.
 *
 * Stopping a job. A cancellation from the executor arrives on the cancel channel (protocol.ts);
 * a timeout (the job's `timeout`, counted from its start) fires here. Either aborts the job's
 * `this.signal` and cancels its task, and the job fails at once with `CancelledError` or
 * `TimeoutError`, without waiting for a function that ignores its signal (that goes on in the
 * background; a coroutine stops at its next await). A cancelled job is removed from Redis once
 * it has failed: nobody will read it.
 *
 * Jobs run on one process's main thread: `concurrency` jobs are in flight at once, and a job that
 * blocks the thread (CPU-bound work) holds up the others and the renewal of their locks; a job
 * blocked past `lockDuration` is taken for dead and run again elsewhere. Start more processes for
 * CPU-bound work, or hand the work to `toThread` inside the job.
 */

import { isBuiltin } from "node:module";
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { inspect } from "node:util";
import { Worker, type Job } from "bullmq";
import type { Redis } from "ioredis";
import {
  CancelledError,
  TimeoutError,
  ValueError,
  fromPromise,
  getRunningLoop,
  isCancellation,
  isCoroutine,
  type Coroutine,
  type EventLoop,
  type Task,
  _checkOptions,
} from "asyncio-ts";
import { toStoredError } from "./errors.ts";
import { checkJson } from "./json.ts";
import {
  DEFAULT_PREFIX,
  DEFAULT_QUEUE,
  DEFAULT_REDIS,
  bullConnection,
  cancelChannel,
  cancelKey,
  checkSeconds,
  describeConnection,
  openRedis,
  type JobData,
  type RedisConnection,
} from "./protocol.ts";

/** Options of `startWorker()` (and the flags of `asyncio-ts-worker`). */
export interface WorkerOptions {
  /** Where Redis is: a URL or ioredis's options. @default "redis://127.0.0.1:6379" */
  connection?: RedisConnection;
  /** The queue to serve. @default "asyncio-ts" */
  queue?: string;
  /** BullMQ's key prefix. @default "bull" */
  prefix?: string;
  /** How many jobs this worker runs at once, on its loop. @default 1 */
  concurrency?: number;
  /**
   * Seconds a job's lock lasts; the worker renews it at half that while the job runs. A job
   * whose worker stops renewing (killed, or its thread blocked) is run again by another worker
   * once the lock has expired. @default 30
   */
  lockDuration?: number;
  /** Seconds between this worker's checks for other workers' stalled jobs. @default 30 */
  stalledInterval?: number;
  /** How often a job may stall and be run again before it fails. @default 1 */
  maxStalledCount?: number;
  /**
   * The modules jobs may name: `file:` URL or path prefixes, or package names. Anyone who can
   * write to the queue can run any exported function of an allowed module. Node's built-in
   * modules are always refused. @default every `file:` module and package
   */
  allow?: readonly string[];
}

const OPTION_KEYS = ["connection", "queue", "prefix", "concurrency", "lockDuration", "stalledInterval", "maxStalledCount", "allow"] as const;

/**
 * What a job function gets as `this`: its cancellation signal and where it is.
 * @example
 * // jobs.ts
 * export async function fetchPage(this: JobContext, url: string): Promise<number> {
 *   const response = await fetch(url, { signal: this.signal }); // stops when the job is cancelled or times out
 *   return (await response.text()).length;
 * }
 */
export interface JobContext {
  /**
   * Aborts when the job should stop: its future was cancelled (reason: a `DOMException` named
   * "AbortError") or it ran past its timeout ("TimeoutError").
   */
  readonly signal: AbortSignal;
  /** The BullMQ job id. */
  readonly jobId: string;
  /** 1 the first time the job runs, 2 when it is run again after its worker died, ... */
  readonly attempt: number;
}

/** A small record of a worker's state (`worker.stats()`). */
export interface WorkerStats {
  /** Jobs running now. */
  running: number;
  /** Jobs that returned a result. */
  completed: number;
  /** Jobs that failed, timed out or were cancelled. */
  failed: number;
}

/** How long a cancellation that came before its job started is remembered (ms). */
const EARLY_CANCEL_MS = 60_000;

type AnyFunction = (this: JobContext, ...args: unknown[]) => unknown;

/**
 * A worker serving a queue of `BullMQExecutor` jobs, made by {@link startWorker}. Like asyncio's
 * `Server`: `serveForever()` runs until cancelled, `close()` stops taking jobs and lets the
 * running ones finish, `waitClosed()` waits for that.
 * @example
 * const worker = yield* startWorker({ connection: "redis://10.0.0.5:6379", queue: "images", concurrency: 4 });
 * console.log(String(worker)); // <JobWorker queue="images" redis=redis://10.0.0.5:6379/ concurrency=4 running=0>
 * yield* worker.serveForever();
 */
export class JobWorker {
  /** The queue served. */
  readonly queueName: string;
  /** Jobs run at once. */
  readonly concurrency: number;
  private readonly prefix: string;
  private readonly where: string;
  private readonly loop: EventLoop;
  private readonly allow: string[] | null;
  private readonly worker: Worker;
  private readonly subscriber: Redis;
  private readonly control: Redis;
  private readonly modules = new Map<string, Promise<AnyFunction>>();
  /** Cancellations of jobs this worker had not started (yet), by id, with when they came. */
  private readonly earlyCancels = new Map<string, number>();
  /** Jobs this worker cancelled, to remove once BullMQ has failed them. */
  private readonly cancelled = new Set<string>();
  /** How to cancel each job running here, by id. */
  private readonly running = new Map<string, () => void>();
  private readonly counts = { running: 0, completed: 0, failed: 0 };
  private readonly runPromise: Promise<void>;
  private resubscribed = false;
  private closing: Promise<void> | null = null;
  private resolveClosed!: () => void;
  private readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));
  private lastError: unknown = null;

  /** @internal Use {@link startWorker}. */
  constructor(options: WorkerOptions, loop: EventLoop) {
    _checkOptions(options, OPTION_KEYS, "startWorker()");
    const connection = options.connection ?? DEFAULT_REDIS;
    this.queueName = options.queue ?? DEFAULT_QUEUE;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    if (typeof this.queueName !== "string" || this.queueName === "" || this.queueName.includes(":")) {
      throw new ValueError(`\`queue\` must be a non-empty name without ":", got ${inspect(this.queueName)}`);
    }
    const concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(concurrency) || concurrency < 1) throw new ValueError(`\`concurrency\` must be a positive integer, got ${inspect(concurrency)}`);
    this.concurrency = concurrency;
    const lockDuration = options.lockDuration === undefined ? 30 : checkSeconds(options.lockDuration, "lockDuration");
    const stalledInterval = options.stalledInterval === undefined ? 30 : checkSeconds(options.stalledInterval, "stalledInterval");
    const maxStalledCount = options.maxStalledCount ?? 1;
    if (!Number.isInteger(maxStalledCount) || maxStalledCount < 0) throw new ValueError(`\`maxStalledCount\` must be a non-negative integer, got ${inspect(maxStalledCount)}`);
    this.allow = options.allow === undefined ? null : options.allow.map((a) => (isAbsolute(a) ? pathToFileURL(a).href : a));
    this.where = describeConnection(connection);
    this.loop = loop;
    this.worker = new Worker(this.queueName, this.process, {
      connection: bullConnection(connection),
      prefix: this.prefix,
      concurrency,
      lockDuration: Math.round(lockDuration * 1000),
      stalledInterval: Math.round(stalledInterval * 1000),
      maxStalledCount,
      autorun: false,
    });
    this.worker.on("error", this.onError);
    this.worker.on("failed", (job) => {
      if (job !== undefined && this.cancelled.delete(job.id!)) this.forget(job);
    });
    this.runPromise = this.worker.run().catch(this.onError);
    this.control = openRedis(connection, `asyncio-ts:worker:${this.queueName}`);
    this.control.on("error", this.onError);
    this.subscriber = openRedis(connection, `asyncio-ts:worker-cancel:${this.queueName}`);
    this.subscriber.on("error", this.onError);
    this.subscriber.on("message", (_channel: string, id: string) => this.onCancel(id));
    this.subscriber.on("close", () => (this.resubscribed = true));
    this.subscriber.on("ready", () => {
      if (!this.resubscribed) return;
      this.resubscribed = false;
      // Cancellations published while the subscription was down are found by their markers.
      void this.checkMarkers();
    });
  }

  /** @internal Resolves once the worker takes jobs and hears cancellations. */
  async _ready(): Promise<void> {
    await Promise.all([this.worker.waitUntilReady(), this.subscriber.subscribe(cancelChannel(this.prefix, this.queueName))]);
  }

  /** Jobs running now, completed and failed so far. */
  stats(): WorkerStats {
    return { ...this.counts };
  }

  /** True once `close()` was called. */
  isClosing(): boolean {
    return this.closing !== null;
  }

  /**
   * Stops taking jobs; the running ones finish (and report) first, then the connections close.
   * Returns the promise `waitClosed()` waits for. Calling it again is harmless.
   */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.worker.close();
      await this.runPromise;
      await Promise.all([this.subscriber.quit().catch(() => this.subscriber.disconnect()), this.control.quit().catch(() => this.control.disconnect())]);
    })().finally(() => this.resolveClosed());
    return this.closing;
  }

  /** Waits until the worker is closed, by `close()` or at the end of `serveForever()` (`Server.wait_closed`). */
  *waitClosed(): Coroutine<void> {
    yield* fromPromise(this.closed);
  }

  /**
   * Serves jobs until the calling task is cancelled, then closes gracefully: running jobs finish
   * first (`Server.serve_forever`).
   * @example
   * const worker = yield* startWorker({ connection: "redis://127.0.0.1:6379", queue: "images", concurrency: 4 });
   * yield* worker.serveForever();
   */
  *serveForever(): Coroutine<void> {
    try {
      yield* fromPromise(this.runPromise);
    } finally {
      void this.close();
      yield* this.waitClosed();
    }
  }

  /** `await using` / `using` support: closes the worker. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** `<JobWorker queue="images" redis=redis://10.0.0.5:6379/ concurrency=4 running=2>`, and the last connection error if any. */
  toString(): string {
    const error = this.lastError === null ? "" : ` lastError=${JSON.stringify(this.lastError instanceof Error ? this.lastError.message : String(this.lastError))}`;
    return `<JobWorker queue=${JSON.stringify(this.queueName)} redis=${this.where} concurrency=${this.concurrency} running=${this.counts.running}${this.closing !== null ? " closing" : ""}${error}>`;
  }

  /** What `util.inspect` and `console.log` show: `toString()`. */
  [inspect.custom](): string {
    return this.toString();
  }

  // -- running a job ----------------------------------------------------------------------------

  /**
   * BullMQ's processor. It takes two parameters, so BullMQ makes no AbortController per job:
   * cancellations reach the job through `running` instead, and its signal is made only when the
   * job reads it.
   */
  private readonly process = async (job: Job): Promise<unknown> => {
    const id = job.id!;
    this.counts.running++;
    try {
      const value = await this.runJob(job, id);
      this.counts.completed++;
      return value;
    } catch (e) {
      this.counts.failed++;
      throw toStoredError(e);
    } finally {
      this.counts.running--;
      this.running.delete(id);
    }
  };

  private async runJob(job: Job, id: string): Promise<unknown> {
    const data = readJobData(job);
    const fn = await this.load(data.module, data.export);
    const run = new JobRun(id, job.attemptsStarted, this.loop);
    const cancel = (): void => {
      this.cancelled.add(id);
      run.stop(new CancelledError(`job ${id} (${data.export}) was cancelled by its submitter`), "AbortError", `job ${id} was cancelled`);
    };
    this.running.set(id, cancel);
    if (this.earlyCancels.delete(id)) cancel();
    else if (job.attemptsStarted > 1 && (await this.control.exists(cancelKey(this.prefix, this.queueName, id))) === 1) cancel();
    let timer: NodeJS.Timeout | null = null;
    if (data.timeout !== undefined) {
      const seconds = data.timeout;
      timer = setTimeout(() => run.stop(new TimeoutError(`job ${id} (${data.export}) ran past its timeout of ${seconds} s`), "TimeoutError", `job ${id} ran past its timeout`), seconds * 1000);
    }
    try {
      const value = await run.run(fn, data.args);
      // A function that returns nothing gives null: JSON has no undefined (BullMQ would store null too).
      if (value === undefined) return null;
      checkJson(value, `the result of job ${id} (${data.export})`);
      return value;
    } finally {
      if (timer !== null) clearTimeout(timer);
    }
  }

  /** The job's function, imported once per module and name; a failed import is tried again next time. */
  private load(module: string, name: string): Promise<AnyFunction> {
    const key = `${name}\0${module}`;
    let fn = this.modules.get(key);
    if (fn === undefined) {
      fn = this.importFunction(module, name);
      this.modules.set(key, fn);
      fn.catch(() => this.modules.delete(key));
    }
    return fn;
  }

  private async importFunction(module: string, name: string): Promise<AnyFunction> {
    this.checkAllowed(module);
    let mod: Record<string, unknown>;
    try {
      mod = (await import(module)) as Record<string, unknown>;
    } catch (e) {
      if (/\.[mc]?tsx?$/.test(module.split(/[?#]/)[0]!) && (e as { code?: string }).code === "ERR_UNKNOWN_FILE_EXTENSION") {
        throw new TypeError(`cannot load the TypeScript module ${module}: start the worker under tsx (\`node --import tsx ...\`), or compile the module to JavaScript`);
      }
      throw e;
    }
    const fn = mod[name];
    if (typeof fn !== "function") {
      throw new TypeError(`${module} has no exported function ${JSON.stringify(name)} (workerFunction() needs the name the function is exported as)`);
    }
    return fn as AnyFunction;
  }

  private checkAllowed(module: string): void {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(module)?.[1]?.toLowerCase();
    if (isBuiltin(module)) throw new TypeError(`the worker refuses jobs from Node's built-in module ${module}`);
    if (scheme !== undefined && scheme !== "file") throw new TypeError(`the worker runs jobs from file: modules and packages only, not ${JSON.stringify(module)}`);
    if (this.allow !== null && !this.allow.some((prefix) => module === prefix || module.startsWith(prefix.endsWith("/") ? prefix : `${prefix}/`))) {
      throw new TypeError(`the worker is not allowed to run jobs from ${module} (allowed: ${this.allow.join(", ")})`);
    }
  }

  // -- cancellation -----------------------------------------------------------------------------

  private onCancel(id: string): void {
    const cancel = this.running.get(id);
    if (cancel !== undefined) {
      cancel();
      return;
    }
    // Not running here, or not yet: remember it for a while, in case this worker is starting it.
    const now = Date.now();
    this.earlyCancels.set(id, now);
    for (const [old, at] of this.earlyCancels) {
      if (now - at < EARLY_CANCEL_MS) break;
      this.earlyCancels.delete(old);
    }
  }

  /** After the subscription came back: cancels the running jobs whose markers were set meanwhile. */
  private async checkMarkers(): Promise<void> {
    const ids = [...this.running.keys()];
    if (ids.length === 0) return;
    try {
      const pipeline = this.control.pipeline();
      for (const id of ids) pipeline.exists(cancelKey(this.prefix, this.queueName, id));
      const replies = (await pipeline.exec()) ?? [];
      ids.forEach((id, i) => {
        if (replies[i]?.[1] === 1) this.running.get(id)?.();
      });
    } catch (e) {
      this.lastError = e;
    }
  }

  /** A cancelled job that has failed: nobody reads it, so it and its marker go. */
  private forget(job: Job): void {
    const id = job.id!;
    void Promise.all([job.remove(), this.control.del(cancelKey(this.prefix, this.queueName, id))]).catch((e: unknown) => (this.lastError = e));
  }

  private readonly onError = (e: unknown): void => {
    this.lastError = e;
  };
}

/** The job's data, checked: what a client other than BullMQExecutor may have put there. */
function readJobData(job: Job): JobData {
  const data = job.data as Partial<JobData> | null;
  if (data === null || typeof data !== "object" || typeof data.module !== "string" || typeof data.export !== "string" || !Array.isArray(data.args)) {
    throw new TypeError(`job ${job.id} (${job.name}) is not a BullMQExecutor job: its data must be { module, export, args }`);
  }
  if (data.timeout !== undefined && (typeof data.timeout !== "number" || !(data.timeout > 0))) {
    throw new TypeError(`job ${job.id} (${job.name}) has a bad timeout: ${inspect(data.timeout)}`);
  }
  return data as JobData;
}

/**
 * One run of a job: calls its function, and stops it when asked (a cancel, a timeout). A plain
 * function is called as it is and an async one's promise awaited, from BullMQ's callback, with no
 * hop through the loop; a coroutine function's generator runs as a Task on the worker's loop.
 * Stopping aborts the job's signal (made only if the job reads it), cancels its task, and ends
 * the run at once with the error that says why.
 */
class JobRun {
  /** Why the run was stopped, or null. */
  private why: Error | null = null;
  private reason: DOMException | null = null;
  private controller: AbortController | null = null;
  private task: Task<unknown> | null = null;
  private rejectWait: ((e: unknown) => void) | null = null;
  /** What the job's function gets as `this`. */
  readonly context: JobContext;

  constructor(
    jobId: string,
    attempt: number,
    private readonly loop: EventLoop,
  ) {
    const run = this;
    this.context = {
      jobId,
      attempt,
      get signal(): AbortSignal {
        return run.signal();
      },
    };
  }

  private signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController();
      if (this.reason !== null) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  stop(error: Error, reasonName: string, reasonMessage: string): void {
    if (this.why !== null) return;
    this.why = error;
    this.reason = new DOMException(reasonMessage, reasonName);
    this.controller?.abort(this.reason);
    const task = this.task;
    if (task !== null) this.loop.callSoonThreadsafe(() => task.cancel());
    this.rejectWait?.(error);
  }

  async run(fn: AnyFunction, args: unknown[]): Promise<unknown> {
    if (this.why !== null) throw this.why;
    const r = fn.apply(this.context, args);
    if (isCoroutine(r)) {
      const { task } = await this.startTask(r);
      this.task = task;
      if (this.why !== null) task.cancel();
      try {
        return await task;
      } catch (e) {
        // The task ended because it was stopped: say why (a job that handled the cancellation
        // and returned, or threw something else, reports that instead).
        if (this.why !== null && isCancellation(e)) throw this.why;
        throw e;
      }
    }
    if (r !== null && (typeof r === "object" || typeof r === "function") && typeof (r as PromiseLike<unknown>).then === "function") {
      if (this.why !== null) throw this.why;
      return new Promise((resolve, reject) => {
        this.rejectWait = reject;
        (r as PromiseLike<unknown>).then(resolve, reject);
      });
    }
    return r;
  }

  /**
   * Creates the task on the worker's loop (from Node's side of it). In a box: a Task is
   * PromiseLike, and a promise resolved with it would wait for it.
   */
  private startTask(coro: Coroutine<unknown>): Promise<{ task: Task<unknown> }> {
    return new Promise((resolve, reject) => {
      this.loop.callSoonThreadsafe(() => {
        try {
          resolve({ task: this.loop.createTask(coro, { name: `job ${this.context.jobId}` }) });
        } catch (e) {
          reject(e);
        }
      });
    });
  }
}

/**
 * Starts a worker for `BullMQExecutor` jobs on the running loop, and returns it once it takes
 * jobs (asyncio's `start_server` shape): coroutine jobs run on this loop. The command
 * `asyncio-ts-worker` is this in a process of its own.
 * @throws TypeError for an unknown option; ValueError for a bad value.
 * @example
 * import { run, type Coroutine } from "asyncio-ts";
 * import { startWorker } from "asyncio-ts/bullmq";
 * await run(function* (): Coroutine<void> {
 *   const worker = yield* startWorker({ connection: process.env.REDIS_URL, queue: "images", concurrency: 4 });
 *   yield* worker.serveForever(); // until Ctrl-C; running jobs finish first
 * });
 */
export function* startWorker(options: WorkerOptions = {}): Coroutine<JobWorker> {
  const worker = new JobWorker(options, getRunningLoop());
  try {
    yield* fromPromise(worker._ready());
  } catch (e) {
    void worker.close();
    throw e;
  }
  return worker;
}

