/**
 * `BullMQExecutor`: the `Executor` contract (`submit`, `map`, `shutdown`, and so
 * `loop.runInExecutor` and `wrapFuture`) over a BullMQ queue, whose jobs run in worker processes
 * on any machine that reaches the same Redis (worker.ts). Dask's `client.get_executor()` is the
 * Python counterpart.
 *
 * How a job flows. `submit` checks its input (a `workerFunction` reference and JSON arguments),
 * makes the future with an id of its own (`<executor>-<n>`, so every event about the job can be
 * matched to it from the start) and buffers it; the submits of one turn are added together with
 * one `addBulk` (a MULTI of BullMQ's add script). A worker takes the job, and its end reaches
 * the executor as an event on the queue's event stream (QueueEvents, read from a position taken
 * from Redis's clock before the first add, so no event of ours can come before it): `completed`
 * carries the result, `failed` the message, and the stack is read from the job. The future
 * settles, and the job is removed from Redis: results are kept exactly until read.
 *
 * Not relying on events alone. The event stream is trimmed (BullMQ keeps about 10,000 events),
 * a reader can fall behind, and Redis can restart; BullMQ's `waitUntilFinished` hangs in those
 * cases. So every `pollInterval` the executor asks Redis which of the jobs it has waited on since
 * the last check have finished (ZMSCORE on the completed and failed sets, two commands per 1,000
 * jobs) and settles those from the job itself; after a reconnect it checks all of them, and a job
 * that is no longer in Redis fails its future with `BrokenExecutorError`. Every future settles.
 *
 * Cancellation. A job not yet added is dropped; a waiting one is removed (BullMQ's remove refuses
 * a job whose lock a worker holds); a running one is announced to the workers (protocol.ts),
 * whose job's signal aborts. The future is cancelled at once in every case, as an asyncio Task's
 * is; a job that ignores its signal runs to its end and its result is dropped.
 *
 * At least once. A job whose worker dies mid-job is re-run by BullMQ's stall detection on
 * another worker, so a job may run more than once: write jobs that can be repeated.
 */

import { inspect } from "node:util";
import { randomBytes } from "node:crypto";
import { Job, Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import {
  BrokenExecutorError,
  ConcurrentFuture,
  MapResult,
  RuntimeError,
  ValueError,
  WorkerFunction,
  type Executor,
  type PoolFunction,
  type ShutdownOptions,
  _checkOptions,
} from "asyncio-ts";
import { reviveStoredError } from "./errors.ts";
import { checkJsonArgs } from "./json.ts";
import {
  CANCEL_MARKER_TTL,
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

/** Options of `new BullMQExecutor()`. */
export interface BullMQExecutorOptions {
  /** Where Redis is: a URL or ioredis's options. @default "redis://127.0.0.1:6379" */
  connection?: RedisConnection;
  /** The BullMQ queue's name; workers serve the same name. @default "asyncio-ts" */
  queue?: string;
  /** BullMQ's key prefix. @default "bull" */
  prefix?: string;
  /**
   * Seconds each job may run, counted from its start (not from `submit`); past it the job's
   * signal aborts and its future fails with `TimeoutError`. null: no limit. `submitWith` sets it per job.
   * @default null
   */
  jobTimeout?: number | null;
  /**
   * Seconds between the checks for jobs that finished without the executor hearing of it (a
   * trimmed event stream, a reconnect). @default 2
   */
  pollInterval?: number;
  /**
   * Seconds a finished job stays in Redis when no future reads it (its submitter went away):
   * BullMQ evicts it past this age. A job whose future reads it is removed at once. @default 86400
   */
  keepResults?: number;
}

const OPTION_KEYS = ["connection", "queue", "prefix", "jobTimeout", "pollInterval", "keepResults"] as const;

/** Options of one job (`submitWith`). */
export interface SubmitOptions {
  /** Seconds the job may run, counted from its start; null for no limit. @default the executor's `jobTimeout` */
  timeout?: number | null;
}

const SUBMIT_KEYS = ["timeout"] as const;

/** What a job's future gives: the function's result, awaited, and a coroutine's return value. */
export type JobResult<R> = R extends Generator<unknown, infer T, unknown> ? T : Awaited<R>;

/** A small record of the executor's state (`executor.stats()`). */
export interface BullMQExecutorStats {
  /** Futures not done whose job no worker has started yet, as far as the executor has heard. */
  queued: number;
  /** Futures not done whose job a worker has started. */
  running: number;
  /** Jobs of this executor in Redis whose futures are done, not yet removed (cancelled while running). */
  cleaning: number;
}

// Where a job is, as the executor knows it.
/** In the executor's buffer, to be added with the next batch. */
const BUFFERED = 0;
/** Its batch is on the way to Redis. */
const ADDING = 1;
/** In Redis. */
const ADDED = 2;
/** Its end was seen; the result is being read (a failure's stack) or the job removed. */
const SETTLING = 3;

/** The most jobs one `addBulk` carries. */
const MAX_BATCH = 1000;
/** How long closing waits for BullMQ's QueueEvents to close (ms). */
const EVENTS_CLOSE_MS = 2000;
/** The most ids one ZMSCORE asks about. */
const SWEEP_CHUNK = 1000;

/** @internal The future `submit` returns, and what the executor tracks of its job. */
class RemoteJob<T> extends ConcurrentFuture<T> {
  /** @internal */ phase = BUFFERED;
  /** @internal A worker has started it (the `active` event). */
  started = false;
  /** @internal cancel() came while its batch was being added: cancel in Redis once it is there. */
  cancelInRedis = false;
  /** @internal It was waited on at the last sweep (so the next one checks it). */
  swept = false;
  /** @internal A sweep found it finished in Redis before its event came. */
  finishedSeen = false;

  constructor(
    /** @internal */ readonly id: string,
    /** @internal */ readonly data: JobData,
    private readonly executor: BullMQExecutor,
  ) {
    super();
  }

  /**
   * Cancels the job, wherever it is: not yet added, it is dropped; waiting in Redis, it is
   * removed; running, its worker aborts its signal (a coroutine job is cancelled at its await).
   * The future is cancelled at once. Returns false only when the future is already done.
   */
  override cancel(): boolean {
    if (this.cancelled()) return true;
    if (this.done()) return false;
    this.executor._cancel(this);
    return super.cancel();
  }

  /** True from the moment a worker started the job until the future is done. */
  override running(): boolean {
    return this.started && !this.done();
  }

  override toString(): string {
    const base = this.running() ? "<ConcurrentFuture state=running>" : super.toString();
    return `${base.slice(0, -1)} job=${this.id}>`;
  }
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the map holds jobs of every result type
type AnyJob = RemoteJob<any>;

let executorCount = 0;

/**
 * An executor whose jobs run in worker processes on any machine that reaches the same Redis,
 * through a BullMQ queue (Dask's `client.get_executor()`, on Node's standard job queue). Start
 * workers with `npx asyncio-ts-worker --redis URL --queue NAME` (or `startWorker`) on each
 * machine; submit from anywhere. Jobs are `workerFunction(moduleUrl, exportName)` references,
 * arguments and results JSON; an error thrown by a job arrives with its class name, message and
 * the worker's stack. Execution is at least once: a job whose worker dies is run again.
 *
 * It holds its Redis connections open until `shutdown()`.
 *
 * @example
 * import { getRunningLoop, run, workerFunction, type Coroutine } from "asyncio-ts";
 * import { BullMQExecutor } from "asyncio-ts/bullmq";
 * const resize = workerFunction<typeof import("./jobs.ts").resize>(new URL("./jobs.ts", import.meta.url), "resize");
 * const executor = new BullMQExecutor({ connection: "redis://10.0.0.5:6379", queue: "images" });
 * await run(function* (): Coroutine<void> {
 *   const size = yield* getRunningLoop().runInExecutor(executor, resize, "photo.jpg", 800);
 *   console.log(size);
 * });
 * await executor.shutdown();
 */
export class BullMQExecutor implements Executor {
  /** The queue's name. */
  readonly queueName: string;
  /** BullMQ's key prefix. */
  readonly prefix: string;
  /** The default per-job timeout in seconds, or null. */
  readonly jobTimeout: number | null;
  private readonly pollInterval: number;
  private readonly keepResults: number;
  private readonly where: string;
  private readonly idPrefix: string;
  private nextId = 1;
  private readonly queue: Queue;
  private readonly control: Redis;
  private events: QueueEvents | null = null;
  /** Resolves once the event stream is read from a position before any add of ours. */
  private readonly ready: Promise<void>;
  /** Every job whose future is not done, and those done whose job is still to be removed. */
  private readonly jobs = new Map<string, AnyJob>();
  private buffer: AnyJob[] = [];
  private flushScheduled = false;
  /** Futures not done. */
  private outstanding = 0;
  private idle: (() => void) | null = null;
  /** Redis operations under way (adds, removals, reads), awaited before the connections close. */
  private readonly ops = new Set<Promise<unknown>>();
  private readonly sweepTimer: NodeJS.Timeout;
  private sweeping = false;
  private fullSweepPending = false;
  private reconnected = false;
  private shutdownRequested = false;
  private closing: Promise<void> | null = null;
  /** The last error a connection reported, for `toString()`. */
  private lastError: unknown = null;
  private readonly flushBound = (): void => this.flush();
  /** Job ids to remove from Redis with the next pipeline. */
  private removals: string[] = [];
  private removalScheduled = false;
  private readonly flushRemovalsBound = (): void => this.flushRemovals();

  /**
   * Connects to Redis (the connections open in the background; jobs submitted meanwhile wait).
   * @param options where Redis is, the queue, and the defaults of its jobs: see {@link BullMQExecutorOptions}.
   * @throws TypeError for an unknown option; ValueError for a bad duration or queue name.
   */
  constructor(options: BullMQExecutorOptions = {}) {
    _checkOptions(options, OPTION_KEYS, "BullMQExecutor()");
    const connection = options.connection ?? DEFAULT_REDIS;
    this.queueName = options.queue ?? DEFAULT_QUEUE;
    this.prefix = options.prefix ?? DEFAULT_PREFIX;
    if (typeof this.queueName !== "string" || this.queueName === "" || this.queueName.includes(":")) {
      throw new ValueError(`\`queue\` must be a non-empty name without ":", got ${inspect(this.queueName)}`);
    }
    this.jobTimeout = options.jobTimeout === undefined || options.jobTimeout === null ? null : checkSeconds(options.jobTimeout, "jobTimeout");
    this.pollInterval = options.pollInterval === undefined ? 2 : checkSeconds(options.pollInterval, "pollInterval");
    this.keepResults = options.keepResults === undefined ? 86400 : checkSeconds(options.keepResults, "keepResults");
    this.where = describeConnection(connection);
    // Ids that no other executor makes: BullMQ refuses integer ids and ids with ":".
    this.idPrefix = `${randomBytes(6).toString("base64url")}${++executorCount}`;
    const bull = bullConnection(connection);
    this.queue = new Queue(this.queueName, { connection: bull, prefix: this.prefix });
    this.queue.on("error", this.onError);
    this.control = openRedis(connection, `asyncio-ts:executor:${this.queueName}`);
    this.control.on("error", this.onError);
    this.control.on("close", () => (this.reconnected = true));
    this.control.on("ready", () => {
      if (!this.reconnected) return;
      this.reconnected = false;
      // Back from an outage: every job is checked, not only those waited on since the last sweep.
      this.track(this.sweep(true));
    });
    this.ready = this.control.time().then(([seconds, micros]) => {
      const ms = Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
      if (this.closing !== null && this.outstanding === 0) return;
      const events = new QueueEvents(this.queueName, { connection: bull, prefix: this.prefix, lastEventId: `${ms - 1}-0` });
      events.on("error", this.onError);
      events.on("active", ({ jobId }) => this.onActive(jobId));
      events.on("completed", ({ jobId, returnvalue }) => this.onCompleted(jobId, returnvalue));
      events.on("failed", ({ jobId }) => this.onFailed(jobId));
      events.on("removed", ({ jobId }) => this.onRemoved(jobId));
      this.events = events;
    });
    this.ready.catch((e: unknown) => (this.lastError = e));
    this.sweepTimer = setInterval(() => this.track(this.sweep(false)), this.pollInterval * 1000);
    this.sweepTimer.unref();
  }

  /**
   * Schedules `fn(...args)` on a worker and returns its future (`Executor.submit`). `fn` is a
   * `workerFunction(moduleUrl, exportName)`: the worker imports the module (a `file:` URL names
   * the same path on every machine; a package name resolves on the worker). Arguments and the
   * result are JSON. A coroutine function's job runs on the worker's asyncio-ts loop; an async
   * one is awaited.
   * @throws RuntimeError "cannot schedule new futures after shutdown"; TypeError when `fn` is not
   *   a `workerFunction` or an argument is not JSON.
   * @example
   * const fut = executor.submit(workerFunction<typeof import("./jobs.ts").add>(jobsUrl, "add"), 2, 3);
   * console.log(await fut); // 5
   */
  submit<A extends unknown[], R>(fn: PoolFunction<A, R>, ...args: A): ConcurrentFuture<JobResult<R>> {
    return this.enqueue(fn, args, this.jobTimeout);
  }

  /**
   * `submit` with options for this one job: `timeout`, in seconds from the job's start.
   * @throws as `submit`; TypeError for an unknown option; ValueError for a bad timeout.
   * @example
   * const fut = executor.submitWith({ timeout: 30 }, crawl, "https://example.com/");
   */
  submitWith<A extends unknown[], R>(options: SubmitOptions, fn: PoolFunction<A, R>, ...args: A): ConcurrentFuture<JobResult<R>> {
    _checkOptions(options, SUBMIT_KEYS, "submitWith()");
    const timeout = options.timeout === undefined ? this.jobTimeout : options.timeout === null ? null : checkSeconds(options.timeout, "timeout");
    return this.enqueue(fn, args, timeout);
  }

  private enqueue<R>(fn: unknown, args: unknown[], timeout: number | null): ConcurrentFuture<R> {
    if (this.shutdownRequested) throw new RuntimeError("cannot schedule new futures after shutdown");
    if (!(fn instanceof WorkerFunction)) {
      throw new TypeError(
        `BullMQExecutor runs module references only: submit workerFunction(moduleUrl, exportName), got ${typeof fn === "function" ? `function ${fn.name || "<anonymous>"}` : inspect(fn, { depth: 0 })} ` +
          "(a function shipped by its source could not load its imports on another machine)",
      );
    }
    checkJsonArgs(args, "submit()");
    const data: JobData = timeout === null ? { module: fn.moduleUrl, export: fn.name, args } : { module: fn.moduleUrl, export: fn.name, args, timeout };
    const job = new RemoteJob<R>(`${this.idPrefix}-${this.nextId++}`, data, this);
    this.jobs.set(job.id, job);
    this.outstanding++;
    job.addDoneCallback(this.onDone);
    this.buffer.push(job);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      queueMicrotask(this.flushBound);
    }
    return job;
  }

  /**
   * Runs `fn` on every item (`Executor.map`): submits them all at once and gives the results in
   * the order of `items`, as an async iterable or, awaited, as an array. The first error is
   * thrown and cancels the jobs not yet done.
   * @example
   * const sizes = await executor.map(resize, ["a.jpg", "b.jpg"]);
   */
  map<T, R>(fn: PoolFunction<[T], R>, items: Iterable<T>): MapResult<JobResult<R>> {
    return MapResult._submitAll(items, (item) => this.submit(fn, item));
  }

  /**
   * Stops accepting jobs, and closes the connections once every future is done
   * (`Executor.shutdown`). With `cancelFutures`, the jobs no worker has started are cancelled
   * (removed from the queue); running ones go on. Resolves when the connections are closed (at
   * once when `wait` is false). Calling it again is harmless.
   * @throws TypeError for an unknown option.
   * @example
   * await executor.shutdown({ cancelFutures: true });
   */
  shutdown(options: ShutdownOptions = {}): Promise<void> {
    _checkOptions(options, ["wait", "cancelFutures"], "shutdown()");
    const { wait = true, cancelFutures = false } = options;
    this.shutdownRequested = true;
    if (cancelFutures) {
      for (const job of [...this.jobs.values()]) if (!job.done() && !job.started) job.cancel();
    }
    this.closing ??= this.whenIdle().then(() => this.close());
    return wait ? this.closing : Promise.resolve();
  }

  /** `await using executor = new BullMQExecutor()` shuts it down at the end of the block. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.shutdown();
  }

  /** Queued and running futures, and cancelled jobs still to be removed. */
  stats(): BullMQExecutorStats {
    let queued = 0;
    let running = 0;
    let cleaning = 0;
    for (const job of this.jobs.values()) {
      if (job.done()) cleaning++;
      else if (job.started) running++;
      else queued++;
    }
    return { queued, running, cleaning };
  }

  /** `<BullMQExecutor queue="images" redis=redis://10.0.0.5:6379 queued=3 running=2>`, and the last connection error if any. */
  toString(): string {
    const s = this.stats();
    const error = this.lastError === null ? "" : ` lastError=${JSON.stringify(this.lastError instanceof Error ? this.lastError.message : String(this.lastError))}`;
    return `<BullMQExecutor queue=${JSON.stringify(this.queueName)} redis=${this.where} queued=${s.queued} running=${s.running}${this.shutdownRequested ? " shutdown" : ""}${error}>`;
  }

  /** What `util.inspect` and `console.log` show: `toString()`. */
  [inspect.custom](): string {
    return this.toString();
  }

  // -- adding ---------------------------------------------------------------------------------

  private flush(): void {
    this.flushScheduled = false;
    const batch = this.buffer;
    this.buffer = [];
    for (let start = 0; start < batch.length; start += MAX_BATCH) {
      const chunk = batch.slice(start, start + MAX_BATCH).filter((job) => !job.done());
      if (chunk.length > 0) this.track(this.add(chunk));
    }
  }

  private async add(chunk: AnyJob[]): Promise<void> {
    for (const job of chunk) job.phase = ADDING;
    const keep = { age: this.keepResults };
    try {
      await this.ready;
      await this.queue.addBulk(chunk.map((job) => ({ name: job.data.export, data: job.data, opts: { jobId: job.id, attempts: 1, removeOnComplete: keep, removeOnFail: keep } })));
    } catch (e) {
      const error = new BrokenExecutorError(`BullMQExecutor: could not add the job to queue ${JSON.stringify(this.queueName)} on ${this.where}: ${(e as Error).message}`, { cause: e });
      for (const job of chunk) {
        this.jobs.delete(job.id);
        if (!job.done()) job.setException(error);
      }
      return;
    }
    for (const job of chunk) {
      if (job.phase === ADDING) job.phase = ADDED;
      if (job.cancelInRedis) this.cancelInRedis(job);
    }
  }

  // -- what the event stream says -------------------------------------------------------------

  private onActive(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (job !== undefined) job.started = true;
  }

  private onCompleted(jobId: string, value: unknown): void {
    const job = this.jobs.get(jobId);
    if (job === undefined || job.phase === SETTLING) return;
    job.phase = SETTLING;
    if (!job.done()) job.setResult(value);
    this.remove(job);
  }

  private onFailed(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (job === undefined || job.phase === SETTLING) return;
    job.phase = SETTLING;
    if (job.done()) this.remove(job);
    else this.track(this.settleFromRedis(job, true));
  }

  private onRemoved(jobId: string): void {
    const job = this.jobs.get(jobId);
    if (job === undefined || job.phase !== ADDED) return;
    this.jobs.delete(jobId);
    if (!job.done()) {
      job.setException(new BrokenExecutorError(`BullMQExecutor: job ${jobId} was removed from queue ${JSON.stringify(this.queueName)} before it finished (by another client)`));
    }
  }

  /** Reads a finished job back from Redis and settles its future from it (`failed`: from the failed set); then removes it. */
  private async settleFromRedis(job: AnyJob, failed: boolean): Promise<void> {
    let stored: Job | undefined;
    try {
      stored = await Job.fromId(this.queue, job.id);
    } catch (e) {
      // Left to the next sweep.
      this.lastError = e;
      job.phase = ADDED;
      return;
    }
    if (stored === undefined) {
      this.jobs.delete(job.id);
      if (!job.done()) job.setException(this.lostError(job));
      return;
    }
    if (!job.done()) {
      if (failed) {
        job.setException(reviveStoredError(stored.failedReason, stored.stacktrace ?? undefined, job.id));
      } else {
        job.setResult(stored.returnvalue);
      }
    }
    this.remove(job);
  }

  private lostError(job: AnyJob): BrokenExecutorError {
    return new BrokenExecutorError(
      `BullMQExecutor: job ${job.id} is no longer in Redis (${this.where}): it was removed by another client, or lost when Redis restarted without persistence`,
    );
  }

  // -- removing -------------------------------------------------------------------------------

  /**
   * The future is done: the job goes from the map and from Redis (results are kept until read).
   * The removals of one turn go together in one pipeline of ZREM and DEL, which for a finished job
   * of ours (no parent, no children, no deduplication) is all BullMQ's remove script would do, at
   * a fraction of its cost in Redis and without the "removed" event it adds to the stream.
   */
  private remove(job: AnyJob): void {
    this.jobs.delete(job.id);
    this.removals.push(job.id);
    if (!this.removalScheduled) {
      this.removalScheduled = true;
      queueMicrotask(this.flushRemovalsBound);
    }
  }

  private flushRemovals(): void {
    this.removalScheduled = false;
    const ids = this.removals;
    if (ids.length === 0) return;
    this.removals = [];
    for (let start = 0; start < ids.length; start += MAX_BATCH) {
      const chunk = ids.slice(start, start + MAX_BATCH);
      const keys: string[] = [];
      for (const id of chunk) keys.push(this.queue.toKey(id), `${this.queue.toKey(id)}:logs`);
      const pipeline = this.control.pipeline().zrem(this.queue.keys.completed!, ...chunk).zrem(this.queue.keys.failed!, ...chunk).del(...keys);
      this.track(pipeline.exec().catch((e: unknown) => (this.lastError = e)));
    }
  }

  /** @internal `job`'s future is being cancelled (RemoteJob.cancel). */
  _cancel(job: AnyJob): void {
    switch (job.phase) {
      case BUFFERED:
        // Left out of its batch by flush(); nothing is in Redis.
        this.jobs.delete(job.id);
        return;
      case ADDING:
        job.cancelInRedis = true;
        return;
      case ADDED:
        this.cancelInRedis(job);
        return;
      default:
        // Its end was seen: it is being removed.
        return;
    }
  }

  /** Removes a waiting job; for a running one (its lock refuses the removal), tells its worker. */
  private cancelInRedis(job: AnyJob): void {
    this.track(
      (async () => {
        const removed = await this.queue.remove(job.id);
        if (removed === 1) {
          this.jobs.delete(job.id);
          return;
        }
        // Running: the job stays in the map until its end is seen, then is removed (and its worker removes it too).
        await this.control
          .multi()
          .set(cancelKey(this.prefix, this.queueName, job.id), "1", "EX", CANCEL_MARKER_TTL)
          .publish(cancelChannel(this.prefix, this.queueName), job.id)
          .exec();
      })().catch((e: unknown) => (this.lastError = e)),
    );
  }

  // -- the sweep ------------------------------------------------------------------------------

  /**
   * Settles the jobs that finished without the executor hearing of it. `all`: after a reconnect,
   * every job in Redis is checked, and those no longer there fail; else only those already
   * waited on at the last sweep, and a finished one is read at the sweep after the one that saw
   * it finished: a job whose end was missed settles within about two `pollInterval`s.
   */
  private async sweep(all: boolean): Promise<void> {
    if (this.closing !== null && this.outstanding === 0) return;
    if (this.sweeping) {
      // One is under way (maybe stuck in the outage): the full check runs after it.
      if (all) this.fullSweepPending = true;
      return;
    }
    this.sweeping = true;
    try {
      const candidates: AnyJob[] = [];
      for (const job of this.jobs.values()) {
        if (job.phase !== ADDED) continue;
        if (all || job.swept) candidates.push(job);
        job.swept = true;
      }
      const completedKey = this.queue.keys.completed!;
      const failedKey = this.queue.keys.failed!;
      for (let start = 0; start < candidates.length; start += SWEEP_CHUNK) {
        const chunk = candidates.slice(start, start + SWEEP_CHUNK);
        const ids = chunk.map((j) => j.id);
        const replies = await this.control.pipeline().zmscore(completedKey, ...ids).zmscore(failedKey, ...ids).exec();
        const completed = (replies?.[0]?.[1] ?? []) as (string | null)[];
        const failed = (replies?.[1]?.[1] ?? []) as (string | null)[];
        const unfinished: AnyJob[] = [];
        chunk.forEach((job, i) => {
          if (job.phase !== ADDED) return;
          if (completed[i] !== null || failed[i] !== null) {
            // Its event may just be behind (a burst): it gets one more interval to arrive
            // before the job is read from Redis, so a busy stream costs no double reads.
            if (!all && !job.finishedSeen) {
              job.finishedSeen = true;
              return;
            }
            job.phase = SETTLING;
            this.track(this.settleFromRedis(job, completed[i] === null));
          } else if (all) {
            unfinished.push(job);
          }
        });
        if (unfinished.length > 0) {
          const pipeline = this.control.pipeline();
          for (const job of unfinished) pipeline.exists(this.queue.toKey(job.id));
          const exists = (await pipeline.exec()) ?? [];
          unfinished.forEach((job, i) => {
            if (job.phase === ADDED && exists[i]?.[1] === 0) {
              this.jobs.delete(job.id);
              if (!job.done()) job.setException(this.lostError(job));
            }
          });
        }
      }
    } catch (e) {
      this.lastError = e;
    } finally {
      this.sweeping = false;
    }
    if (this.fullSweepPending) {
      this.fullSweepPending = false;
      await this.sweep(true);
    }
  }

  // -- bookkeeping ----------------------------------------------------------------------------

  private readonly onDone = (): void => {
    if (--this.outstanding === 0 && this.idle !== null) this.idle();
  };

  private readonly onError = (e: unknown): void => {
    this.lastError = e;
  };

  private track(p: Promise<unknown>): void {
    this.ops.add(p);
    void p.finally(() => this.ops.delete(p)).catch(() => {});
  }

  private whenIdle(): Promise<void> {
    if (this.outstanding === 0) return Promise.resolve();
    return new Promise((resolve) => (this.idle = resolve));
  }

  private async close(): Promise<void> {
    clearInterval(this.sweepTimer);
    // The last future's callbacks (this close among them) run before its job's removal is flushed.
    await Promise.resolve();
    this.flushRemovals();
    // Every future is done: what is left are removals (and adds of jobs cancelled meanwhile),
    // which finish at once while Redis answers. While it does not, they are dropped: closing the
    // connections rejects them.
    while (this.ops.size > 0 && this.control.status === "ready") await Promise.allSettled([...this.ops]);
    this.control.disconnect();
    if (this.events !== null) {
      // BullMQ's QueueEvents.close() can wait for ever when it comes while its blocking read is
      // being re-established after a reset connection; its socket is closed by then all the same.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.events.close(), new Promise((resolve) => (timer = setTimeout(resolve, EVENTS_CLOSE_MS)))]);
      clearTimeout(timer);
    }
    await this.queue.close();
  }
}
