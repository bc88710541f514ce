/**
 * Work that really stops (src/executors/pool.ts): cancelling a running job, per-job timeouts,
 * shutdown with a timeout, work never queued behind a busy worker while another is free, each job
 * run exactly once, memory limits, and the options the pools take. Real threads and processes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  BrokenExecutorError,
  CancelledError,
  ProcessPoolExecutor,
  ThreadPoolExecutor,
  TimeoutError,
  getRunningLoop,
  run,
  sleep,
  toThread,
  withJobOptions,
  workerFunction,
  type Coroutine,
  type JobContext,
} from "asyncio-ts";

const POOLS = [ThreadPoolExecutor, ProcessPoolExecutor] as const;
type AnyPool = ThreadPoolExecutor | ProcessPoolExecutor;
const jobsTs = new URL("../fixtures/executors/jobs.ts", import.meta.url);
const spinUntilAborted = workerFunction<typeof import("../fixtures/executors/jobs.ts").spinUntilAborted>(jobsTs, "spinUntilAborted");
const record = workerFunction<typeof import("../fixtures/executors/jobs.ts").record>(jobsTs, "record");

/** A job that returns a number that stays the same for as long as its worker lives. */
const realmMark = (): number => ((globalThis as { mark?: number }).mark ??= Math.random());

/** Blocks its worker for `ms` and ignores every signal. */
function stuck(ms: number): string {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return "woke";
}

/**
 * Blocks its worker for `ms`, then creates the file `path`: the test sees the job done in its
 * worker. Shipped by its source (a module would cost each worker a TypeScript loader).
 */
async function blockThenMark(path: string, ms: number): Promise<string> {
  const { writeFileSync } = await import("node:fs");
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  writeFileSync(path, "");
  return "done";
}

/** Busy-waits up to `ms`, checking its signal: a job shipped by its source that cooperates. */
function spin(this: JobContext, ms: number): string {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) if (this.signal.aborted) return "stopped";
  return "ran out";
}

const seconds = (): number => performance.now() / 1000;

/**
 * How much earlier than its delay, read on `seconds()`, a Node timer may fire: it counts from the
 * loop's time, read in whole milliseconds when the loop's turn began, which may be before the test
 * read its clock (more so on a loaded machine, where the thread can be paused in between).
 */
const TIMER_SLACK = 0.02;

/**
 * Waits until `fut`'s job is in a worker, and a little more. Whether the worker has started it by
 * then does not change what the tests that use this assert (a job not started yet is taken back
 * rather than stopped); a test that needs a started job waits for a file the job writes.
 */
async function untilRunning(fut: { running(): boolean }, pool: AnyPool): Promise<void> {
  while (!fut.running() || pool.stats().running === 0) await new Promise((r) => setTimeout(r, 2));
  await new Promise((r) => setTimeout(r, 20));
}

async function untilExists(path: string): Promise<void> {
  while (!existsSync(path)) await new Promise((r) => setTimeout(r, 2));
}

/** A fresh temporary directory for files jobs write, removed after `body`. */
async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "asyncio-ts-"));
  try {
    return await body(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function eachPool(name: string, options: { maxWorkers?: number; cancelGrace?: number }, body: (pool: AnyPool) => Promise<void>): void {
  for (const Pool of POOLS) {
    test(`${Pool.name}: ${name}`, async () => {
      const pool = new Pool(options);
      try {
        await pool.submit(realmMark); // the worker is up
        await body(pool);
      } finally {
        await pool.shutdown({ cancelFutures: true, timeout: 0 });
      }
      assert.deepEqual(pool.stats(), { workers: 0, busyWorkers: 0, running: 0, queued: 0 });
    });
  }
}

eachPool("cancel() of a running job that reads its signal, or its timeout, stops it at once; the same worker runs the next job", { maxWorkers: 1, cancelGrace: 10 }, async (pool) => {
  for (const fn of [spin, spinUntilAborted]) {
    assert.equal(await pool.submit(fn, 0), "ran out"); // loaded (a module may take a while to load in a worker)
    const before = await pool.submit(realmMark);
    const job = pool.submit(fn, 20_000);
    await untilRunning(job, pool);
    const t0 = seconds();
    assert.equal(job.cancel(), true);
    assert.equal(job.cancelled(), true);
    await assert.rejects(Promise.resolve(job), CancelledError);
    assert.equal(await pool.submit(realmMark), before, "the worker was not replaced");
    assert.ok(seconds() - t0 < 1, `the worker was free again after ${seconds() - t0} s`);
    assert.deepEqual(pool.stats(), { workers: 1, busyWorkers: 0, running: 0, queued: 0 });
    // Past its timeout, the same: it stops by itself, long before cancelGrace (10 s, far more than
    // such a job takes to stop even on a loaded machine: the forced path has its own tests).
    const late = pool.submit(withJobOptions(fn, { timeout: 0.2 }), 20_000);
    await assert.rejects(Promise.resolve(late), { name: "TimeoutError", message: "the job ran past its timeout of 0.2 s and was stopped" });
    assert.equal(await pool.submit(realmMark), before, "the worker was not replaced after a timeout");
  }
});

eachPool("an async job gets the signal's abort event, with an AbortError as its reason", { maxWorkers: 1, cancelGrace: 10 }, (pool) =>
  withTempDir(async (dir) => {
    const mark = await pool.submit(realmMark);
    const seen = join(dir, "reason");
    const job = pool.submit(async function (this: JobContext, path: string) {
      const { writeFileSync } = await import("node:fs");
      writeFileSync(`${path}.started`, "");
      const reason = await new Promise<Error>((resolve) => this.signal.addEventListener("abort", () => resolve(this.signal.reason as Error)));
      writeFileSync(path, `${reason.name}: ${reason.message}`);
      return "stopped"; // dropped: its future is cancelled
    }, seen);
    await untilExists(`${seen}.started`);
    const t0 = seconds();
    job.cancel();
    // The job ends on the abort event, long before cancelGrace.
    while (pool.stats().running > 0) await new Promise((r) => setTimeout(r, 2));
    assert.ok(seconds() - t0 < 1, `the job stopped after ${seconds() - t0} s`);
    assert.equal(readFileSync(seen, "utf8"), "AbortError: the job was cancelled");
    assert.equal(await pool.submit(realmMark), mark, "the worker was not replaced");
    const aborted = await pool.submit(function (this: JobContext) {
      return this.signal.aborted;
    });
    assert.equal(aborted, false, "a new job's signal starts unaborted");
  }),
);

for (const Pool of POOLS) {
  test(`${Pool.name}: cancel() of a job sent to a worker that has just started stops it without a kill, before or after it starts`, async () => {
    // A new child process runs no job before its control thread is up, and meanwhile the job's
    // abort message arrives before the job has a signal to abort: the job must still stop, and the
    // worker must not wait out its grace and be killed. Three fresh pools at once.
    await Promise.all(
      [0, 1, 2].map(async (round) => {
        const pool = new Pool({ maxWorkers: 1, cancelGrace: 10 });
        try {
          const job = pool.submit(function (this: JobContext) {
            return new Promise<string>((resolve) => this.signal.addEventListener("abort", () => resolve("stopped")));
          });
          while (!job.running()) await new Promise((r) => setTimeout(r, 1));
          const t0 = seconds();
          job.cancel();
          const mark = await pool.submit(realmMark);
          assert.equal(await pool.submit(realmMark), mark);
          assert.ok(seconds() - t0 < 8, `pool ${round}: the worker was free again after ${seconds() - t0} s`);
          assert.deepEqual(pool.stats(), { workers: 1, busyWorkers: 0, running: 0, queued: 0 });
        } finally {
          await pool.shutdown({ timeout: 0 });
        }
      }),
    );
  });
}

eachPool(
  "a running job that ignores its signal: its worker is terminated after cancelGrace and replaced; the jobs queued behind it run on the new one",
  { maxWorkers: 1, cancelGrace: 0.1 },
  (pool) => withTempDir(async (dir) => {
    const before = await pool.submit(realmMark);
    const started = join(dir, "started");
    // Writes `started` and blocks, ignoring its signal (a job shipped by its source could only do it
    // asynchronously, and then the jobs behind it would run first).
    const job = pool.submit(record, started, 0, 30_000);
    const behind = [pool.submit((x: number) => x + 1, 1), pool.submit((x: number) => x + 1, 2)];
    await untilExists(started);
    const t0 = seconds();
    job.cancel();
    assert.deepEqual(await Promise.all(behind), [2, 3]);
    const took = seconds() - t0;
    // At least the grace; and far less than the job's 30 s: its worker was terminated, not waited for.
    assert.ok(took >= 0.1 - TIMER_SLACK && took < 10, `the queued jobs ran ${took} s after the cancel`);
    assert.notEqual(await pool.submit(realmMark), before, "a new worker");
    assert.ok(job.cancelled());
    assert.equal(pool.stats().workers, 1);
  }),
);

eachPool("a job's timeout counts from its start, fails it with TimeoutError and stops it; time in the queue does not count", { maxWorkers: 1, cancelGrace: 0.1 }, async (pool) => {
  // Queued longer than its timeout, and running far shorter: it passes only if the queue does not
  // count, with a margin (0.48 s) that a loaded machine's late timer or late message does not eat.
  const first = pool.submit(stuck, 800);
  const patient = pool.submit(withJobOptions(stuck, { timeout: 0.5 }), 20);
  assert.equal(await first, "woke");
  assert.equal(await patient, "woke", "0.8 s in the queue, 0.02 s running: within its 0.5 s");
  const t0 = seconds();
  const late = pool.submit(withJobOptions(stuck, { timeout: 0.2 }), 30_000);
  await assert.rejects(Promise.resolve(late), { name: "TimeoutError", message: "the job ran past its timeout of 0.2 s and was stopped" });
  assert.ok(late.exception() instanceof TimeoutError);
  const took = seconds() - t0;
  assert.ok(took >= 0.2 - TIMER_SLACK && took < 10, `timed out after ${took} s`);
  assert.equal(await pool.submit((x: number) => -x, 4), -4);
});

for (const Pool of POOLS) {
  test(`${Pool.name}: the pool's jobTimeout applies to every job; withJobOptions(fn, { timeout: null }) lifts it`, async () => {
    const pool = new Pool({ maxWorkers: 1, jobTimeout: 0.15, cancelGrace: 0 });
    try {
      await assert.rejects(Promise.resolve(pool.submit(stuck, 30_000)), { name: "TimeoutError", message: "the job ran past its timeout of 0.15 s and was stopped" });
      assert.equal(await pool.submit(withJobOptions(stuck, { timeout: null }), 300), "woke");
    } finally {
      await pool.shutdown();
    }
  });

  test(`${Pool.name}: shutdown({ timeout }) stops a stuck job after the timeout and resolves once its worker is gone`, async () => {
    const pool = new Pool({ maxWorkers: 2, cancelGrace: 0.1 });
    const job = pool.submit(stuck, 60_000);
    await untilRunning(job, pool);
    assert.equal(await pool.submit((x: number) => x * 3, 3), 9, "the other worker is free");
    const t0 = seconds();
    await pool.shutdown({ timeout: 0.2 });
    const took = seconds() - t0;
    assert.ok(took >= 0.2 - TIMER_SLACK && took < 10, `shutdown took ${took} s`);
    assert.ok(job.cancelled());
    assert.deepEqual(pool.stats(), { workers: 0, busyWorkers: 0, running: 0, queued: 0 });
  });

  test(`${Pool.name}: cancel() of a job that has just finished in its worker, its result not read yet: shutdown() still ends`, () =>
    withTempDir(async (dir) => {
      const pool = new Pool({ maxWorkers: 1, cancelGrace: 10 });
      await pool.submit(realmMark);
      const done = join(dir, "done");
      const job = pool.submit(blockThenMark, done, 50);
      while (!job.running()) await new Promise((r) => setTimeout(r, 1)); // sent to the worker
      // Hold this thread until the worker has finished the job, so its result waits unread while
      // cancel() asks the worker to take the job back (in a child process, over another channel:
      // the result is read first, the answer later, and only then is the job's claim cell free).
      const hold = new Int32Array(new SharedArrayBuffer(4));
      while (!existsSync(done)) Atomics.wait(hold, 0, 0, 2);
      Atomics.wait(hold, 0, 0, 20);
      assert.equal(job.cancel(), true);
      await pool.shutdown();
      assert.deepEqual(pool.stats(), { workers: 0, busyWorkers: 0, running: 0, queued: 0 });
    }),
  );

  test(`${Pool.name}: shutdown() right after a submit whose argument can no longer be cloned: the job fails with TypeError, and shutdown ends`, async () => {
    const pool = new Pool({ maxWorkers: 1 });
    const arg: { x: unknown } = { x: 1 };
    const job = pool.submit((a: { x: unknown }) => a.x, arg);
    arg.x = () => 1; // after submit() checked it, before the batch is sent
    const shutdown = pool.shutdown();
    await assert.rejects(Promise.resolve(job), {
      name: "TypeError",
      message:
        "submit(): argument 0 (a Object) cannot be sent to a worker: ()=>1 could not be cloned. " +
        "(arguments cross by structured clone: pass data, not functions, symbols or class instances with methods)",
    });
    await shutdown;
    assert.deepEqual(pool.stats(), { workers: 0, busyWorkers: 0, running: 0, queued: 0 });
  });

  test(`${Pool.name}: after many tiny jobs, a slow job in a burst does not hold the tiny ones behind it while the other worker is free`, async () => {
    const pool = new Pool({ maxWorkers: 2, cancelGrace: 0 });
    try {
      const inc = (x: number): number => x + 1;
      await Promise.all(Array.from({ length: 2000 }, (_, i) => pool.submit(inc, i)));
      const t0 = seconds();
      const slow = pool.submit(stuck, 30_000);
      const tiny = Array.from({ length: 100 }, (_, i) => pool.submit(inc, i));
      assert.deepEqual(await Promise.all(tiny), Array.from({ length: 100 }, (_, i) => i + 1));
      const took = seconds() - t0;
      assert.ok(took < 0.5, `the tiny jobs took ${took} s`);
      assert.equal(pool.stats().running, 1);
      slow.cancel();
    } finally {
      await pool.shutdown();
    }
  });
}

test("ThreadPoolExecutor: with work stealing and revocations, each job runs exactly once", async () => {
  const pool = new ThreadPoolExecutor({ maxWorkers: 3 });
  try {
    for (let round = 0; round < 6; round++) {
      const counts = new Int32Array(new SharedArrayBuffer(4 * 60));
      const jobs = Array.from({ length: 60 }, (_, i) =>
        pool.submit((n: number, c: Int32Array) => {
          Atomics.add(c, n, 1);
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, n % 7 === 0 ? 15 : 0);
          return n;
        }, i, counts),
      );
      assert.deepEqual(await Promise.all(jobs), Array.from({ length: 60 }, (_, i) => i));
      assert.deepEqual([...counts], new Array(60).fill(1), `round ${round}`);
    }
  } finally {
    await pool.shutdown();
  }
});

test("ProcessPoolExecutor: with work stealing and revocations, each job runs exactly once", async () => {
  const dir = mkdtempSync(join(tmpdir(), "asyncio-ts-"));
  const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
  try {
    for (let round = 0; round < 3; round++) {
      const file = join(dir, `runs-${round}`);
      const jobs = Array.from({ length: 60 }, (_, i) => pool.submit(record, file, i, i % 7 === 0 ? 15 : 0));
      assert.deepEqual(await Promise.all(jobs), Array.from({ length: 60 }, (_, i) => i));
      const runs = readFileSync(file, "utf8").trim().split("\n").map(Number).sort((a, b) => a - b);
      assert.deepEqual(runs, Array.from({ length: 60 }, (_, i) => i), `round ${round}`);
    }
  } finally {
    await pool.shutdown();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("toThread and runInExecutor: cancelling the task stops the running job; withJobOptions gives a timeout", async () => {
  const pool = new ThreadPoolExecutor({ maxWorkers: 1, cancelGrace: 5 });
  await run(function* (): Coroutine<void> {
    const loop = getRunningLoop();
    loop.setDefaultExecutor(pool);
    const mark = yield* toThread(realmMark);
    const task = loop.createTask(toThread(spin, 20_000));
    while (pool.stats().running === 0) yield* sleep(0.005);
    yield* sleep(0.02);
    const t0 = seconds();
    task.cancel();
    try {
      yield* task;
      assert.fail("the task should be cancelled");
    } catch (e) {
      assert.ok(e instanceof CancelledError);
    }
    assert.equal(yield* loop.runInExecutor(pool, realmMark), mark);
    assert.ok(seconds() - t0 < 1);
    try {
      yield* loop.runInExecutor(null, withJobOptions(spin, { timeout: 0.1 }), 20_000);
      assert.fail("the job should time out");
    } catch (e) {
      assert.ok(e instanceof TimeoutError);
    }
    assert.equal(yield* toThread(realmMark), mark, "the cooperative job stopped without a kill");
  });
  await pool.shutdown();
});

test("ThreadPoolExecutor({ resourceLimits }): a job that runs out of memory fails with an error naming the limit; the pool heals", async () => {
  // The timeout is only a bound for a runtime whose thread hangs at its limit (Deno): Node's runs
  // out of memory in well under a second, and the test asserts that, not a TimeoutError.
  const pool = new ThreadPoolExecutor({ maxWorkers: 1, resourceLimits: { maxOldGenerationSizeMb: 16 }, jobTimeout: 10, cancelGrace: 0 });
  try {
    await assert.rejects(
      // 160 MB, ten times the limit, and no more: where the limit is not enforced (Bun), the job
      // returns and the test fails at once, rather than eating the machine's memory.
      Promise.resolve(pool.submit(() => {
        const hoard: number[][] = [];
        while (hoard.length < 200) hoard.push(new Array(100_000).fill(1.5));
        return `no limit: ${hoard.length * 0.8} MB held`;
      })),
      (e: Error) => {
        assert.ok(e instanceof BrokenExecutorError);
        assert.equal(
          e.message,
          "ThreadPoolExecutor: the worker thread running this job ran out of memory (resourceLimits { maxOldGenerationSizeMb: 16 }); the pool replaces it and goes on",
        );
        assert.equal((e.cause as { code?: string }).code, "ERR_WORKER_OUT_OF_MEMORY");
        return true;
      },
    );
    assert.equal(await pool.submit((x: number) => x * 2, 21), 42);
  } finally {
    await pool.shutdown();
  }
});

test("a parent started with a V8 flag in --flag=value form passes it to the pool's child processes intact", () => {
  const fixture = fileURLToPath(new URL("../fixtures/executors/flagged.ts", import.meta.url));
  const r = spawnSync(process.execPath, ["--max-old-space-size=256", "--import", "tsx", fixture], { encoding: "utf8", timeout: 20_000 });
  assert.equal(r.stderr, "");
  assert.equal(r.stdout, "child: --max-old-space-size=256; thread: 2\n");
  assert.equal(r.status, 0);
});

test("the pools' options are checked: unknown keys are TypeErrors naming the accepted ones, bad durations ValueErrors", async () => {
  assert.throws(() => new ThreadPoolExecutor({ maxWorker: 2 } as never), {
    name: "TypeError",
    message: "ThreadPoolExecutor() got an unknown option `maxWorker`; the options are maxWorkers, cancelGrace, jobTimeout, resourceLimits",
  });
  assert.throws(() => new ProcessPoolExecutor({ resourceLimits: {} } as never), {
    name: "TypeError",
    message: "ProcessPoolExecutor() got an unknown option `resourceLimits`; the options are maxWorkers, cancelGrace, jobTimeout",
  });
  assert.throws(() => new ThreadPoolExecutor({ cancelGrace: -1 }), { name: "ValueError", message: "`cancelGrace` must be a non-negative finite number of seconds, got -1" });
  assert.throws(() => new ThreadPoolExecutor({ jobTimeout: 0 }), { name: "ValueError", message: "`jobTimeout` must be a positive finite number of seconds, got 0" });
  assert.throws(() => new ThreadPoolExecutor({ resourceLimits: { maxOldGenerationSizeMb: -4 } }), {
    name: "ValueError",
    message: "`resourceLimits.maxOldGenerationSizeMb` must be a positive number of megabytes, got -4",
  });
  assert.throws(() => withJobOptions(stuck, { timeout: -1 }), { name: "ValueError", message: "`timeout` must be a positive finite number of seconds, got -1" });
  assert.throws(() => withJobOptions(stuck, { timout: 1 } as never), { name: "TypeError", message: "withJobOptions() got an unknown option `timout`; the options are timeout" });
  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  assert.throws(() => void pool.shutdown({ cancel: true } as never), {
    name: "TypeError",
    message: "shutdown() got an unknown option `cancel`; the options are wait, cancelFutures, timeout",
  });
  await pool.shutdown();
});

test("20,000 tiny jobs through 2 processes all finish: revoked jobs are never stranded by an idle pool letting Node exit", async () => {
  const pool = new ProcessPoolExecutor({ maxWorkers: 2 });
  try {
    const inc = (x: number): number => x + 1;
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(Array.from({ length: 20_000 }, (_, i) => pool.submit(inc, i)));
      assert.equal(results.filter((v, i) => v === i + 1).length, 20_000);
    }
  } finally {
    await pool.shutdown();
  }
});
