/**
 * asyncio-ts/bullmq against a real redis-server and real worker processes (the asyncio-ts-worker
 * command): results, errors, module failures, the loop's ways in (runInExecutor, wrapFuture, map),
 * cancellation of waiting and running jobs, per-job timeouts, shutdown, and that nothing is left
 * in Redis once the futures have read their results.
 */
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  BrokenExecutorError,
  CancelledError,
  RuntimeError,
  TimeoutError,
  ValueError,
  getRunningLoop,
  run,
  workerFunction,
  wrapFuture,
  type Coroutine,
} from "asyncio-ts";
import { BullMQExecutor } from "asyncio-ts/bullmq";
import { RedisServer, WorkerProcess, jobsUrl, queueName, until } from "./helpers.ts";
import type * as Jobs from "../fixtures/bullmq/jobs.ts";

const add = workerFunction<typeof Jobs.add>(jobsUrl, "add");
const squareWithPid = workerFunction<typeof Jobs.squareWithPid>(jobsUrl, "squareWithPid");
const later = workerFunction<typeof Jobs.later>(jobsUrl, "later");
const napping = workerFunction<typeof Jobs.napping>(jobsUrl, "napping");
const untilAborted = workerFunction<typeof Jobs.untilAborted>(jobsUrl, "untilAborted");
const failing = workerFunction<typeof Jobs.failing>(jobsUrl, "failing");
const badResult = workerFunction<typeof Jobs.badResult>(jobsUrl, "badResult");
const nothing = workerFunction<typeof Jobs.nothing>(jobsUrl, "nothing");
const blockFor = workerFunction<typeof Jobs.blockFor>(jobsUrl, "blockFor");

let redis: RedisServer;
const tmp = mkdtempSync(join(tmpdir(), "asyncio-ts-bullmq-"));
const workers: WorkerProcess[] = [];
const executors: BullMQExecutor[] = [];

before(async () => {
  redis = await RedisServer.start();
});

after(async () => {
  await Promise.all(executors.map((e) => e.shutdown({ cancelFutures: true })));
  await Promise.all(workers.map((w) => w.stop()));
  await redis.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function startWorkers(queue: string, n: number, ...flags: string[]): Promise<WorkerProcess[]> {
  const started = await Promise.all(Array.from({ length: n }, () => WorkerProcess.start(redis.url, queue, ...flags)));
  workers.push(...started);
  return started;
}

function executor(queue: string, options: ConstructorParameters<typeof BullMQExecutor>[0] = {}): BullMQExecutor {
  const e = new BullMQExecutor({ connection: redis.url, queue, ...options });
  executors.push(e);
  return e;
}

/** The job hashes of `queue` left in Redis (its other keys are BullMQ's bookkeeping). */
function jobKeys(queue: string): string[] {
  const known = new Set(["events", "meta", "id", "stalled-check", "completed", "failed", "wait", "active", "marker", "limiter"]);
  return redis
    .cli("--scan", "--pattern", `bull:${queue}:*`)
    .split("\n")
    .filter((k) => k !== "" && !known.has(k.slice(`bull:${queue}:`.length)));
}

describe("jobs on three worker processes", () => {
  const queue = queueName();

  test("three workers on one machine share 300 jobs and every result is right", async () => {
    const three = await startWorkers(queue, 3, "--concurrency", "4");
    const ex = executor(queue);
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => ex.submit(squareWithPid, i)));
    assert.deepEqual(
      results.map(([square]) => square),
      Array.from({ length: 300 }, (_, i) => i * i),
    );
    const pids = new Set(results.map(([, pid]) => pid));
    assert.deepEqual([...pids].sort(), three.map((w) => w.pid).sort(), "every worker ran some of the jobs");
    await ex.shutdown();
    assert.deepEqual(jobKeys(queue), [], "every job was removed once its future read it");
    assert.equal(redis.cli("zcard", `bull:${queue}:completed`), "0");
  });

  test("an error thrown by a job arrives with its class name, message and the worker's stack", async () => {
    const ex = executor(queue);
    await assert.rejects(Promise.resolve(ex.submit(failing, "custom")), (e: Error) => {
      assert.equal(e.name, "QuotaExceeded");
      assert.equal(e.message, "over the limit of 10");
      assert.match(e.stack!, /^QuotaExceeded: over the limit of 10\n {4}at (Object\.)?failing \(.*fixtures\/bullmq\/jobs\.ts:\d+:\d+\)/);
      return true;
    });
    await assert.rejects(Promise.resolve(ex.submit(failing, "type")), (e: Error) => e instanceof TypeError && e.message === "expected a number, got a string");
    await assert.rejects(Promise.resolve(ex.submit(failing, "string")), (e: Error) => e.constructor === Error && e.message === "just a string");
    await ex.shutdown();
    assert.deepEqual(jobKeys(queue), [], "failed jobs are removed too once read");
  });

  test("a job module that fails to load fails its job with the module's error, and the worker goes on", async () => {
    const ex = executor(queue);
    const broken = workerFunction(new URL("../fixtures/bullmq/broken.ts", import.meta.url), "never");
    await assert.rejects(Promise.resolve(ex.submit(broken)), (e: Error) => e instanceof RangeError && e.message === "this module cannot be loaded: it needs a license key");
    const missing = workerFunction(new URL("../fixtures/bullmq/no-such-module.ts", import.meta.url), "f");
    await assert.rejects(Promise.resolve(ex.submit(missing)), (e: Error) => e.name === "Error" && /Cannot find module .*no-such-module\.ts/.test(e.message));
    const wrongName = workerFunction(jobsUrl, "noSuchExport");
    await assert.rejects(Promise.resolve(ex.submit(wrongName)), (e: Error) => e instanceof TypeError && / has no exported function "noSuchExport"/.test(e.message));
    const builtin = workerFunction("node:child_process", "execSync");
    await assert.rejects(Promise.resolve(ex.submit(builtin)), (e: Error) => e instanceof TypeError && e.message === "the worker refuses jobs from Node's built-in module node:child_process");
    assert.equal(await ex.submit(add, 40, 2), 42, "the workers go on");
    await ex.shutdown();
  });

  test("runInExecutor, wrapFuture and map work as with the local pools; a coroutine job runs on the worker's loop", async () => {
    const ex = executor(queue);
    const marker = join(tmp, "coroutine");
    const got = await run(function* (): Coroutine<unknown[]> {
      const loop = getRunningLoop();
      const sum = yield* loop.runInExecutor(ex, add, 2, 3);
      const late = yield* wrapFuture(ex.submit(later, 0.05, "late"));
      const rested = yield* loop.runInExecutor(ex, napping, 0.05, marker);
      return [sum, late, rested];
    });
    assert.deepEqual(got, [5, "late", "rested"]);
    assert.match(readFileSync(marker, "utf8"), /^started .+ attempt 1\nfinished\n$/);
    assert.deepEqual(await ex.map(squareWithPid, [1, 2, 3]).then((r) => r.map(([s]) => s)), [1, 4, 9]);
    const seen: number[] = [];
    for await (const [square] of ex.map(squareWithPid, [4, 5])) seen.push(square);
    assert.deepEqual(seen, [16, 25]);
    await ex.shutdown();
  });

  test("a result that is not JSON fails its job with a TypeError; undefined arrives as null", async () => {
    const ex = executor(queue);
    await assert.rejects(
      Promise.resolve(ex.submit(badResult)),
      (e: Error) =>
        e instanceof TypeError &&
        /^the result of job \S+ \(badResult\) is a Date, which JSON cannot carry as it is \(it would arrive as whatever its toJSON\(\) returns, a string for a Date\)/.test(e.message),
    );
    assert.equal(await ex.submit(nothing), null);
    await ex.shutdown();
  });
});

describe("what submit refuses, at once", () => {
  const ex = new BullMQExecutor({ connection: "redis://127.0.0.1:1", queue: queueName() });
  after(() => ex.shutdown());

  test("an argument that is not JSON is a TypeError naming it", () => {
    const cases: [unknown, string][] = [
      [new Date(0), "submit(): argument 0 is a Date, which JSON cannot carry as it is (it would arrive as whatever its toJSON() returns, a string for a Date)"],
      [{ when: new Map() }, "submit(): argument 0.when is a Map, which JSON cannot carry as it is (it would arrive as a plain object of its own enumerable fields, without its class)"],
      [[1, NaN], "submit(): argument 0[1] is NaN, which JSON cannot carry (it would arrive as null)"],
      [10n, "submit(): argument 0 is a BigInt (10n), which JSON cannot carry: pass it as a string or a number"],
      [{ "a b": [() => 1] }, 'submit(): argument 0["a b"][0] is a function, which cannot cross to a worker on another machine'],
      [undefined, "submit(): argument 0 is undefined, which JSON cannot carry (it would arrive as null or not at all): pass null instead"],
    ];
    for (const [arg, message] of cases) {
      assert.throws(
        () => ex.submit(add, arg as number, 1),
        (e: Error) => e instanceof TypeError && e.message.startsWith(message) && e.message.endsWith("(arguments cross Redis as JSON: pass data)"),
        message,
      );
    }
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    assert.throws(() => ex.submit(add, cycle as never, 1), { name: "TypeError", message: "submit(): argument 0.self refers back to an object that contains it (a cycle), which JSON cannot carry (arguments cross Redis as JSON: pass data)" });
    // An undefined property is left out, as JSON does, and reads back as undefined: allowed.
    assert.doesNotThrow(() => ex.submit(add, { a: 1, b: undefined } as never, 1).cancel());
  });

  test("a function shipped by its source is a TypeError: jobs are module references", () => {
    assert.throws(() => ex.submit((x: number) => x + 1, 1), {
      name: "TypeError",
      message:
        "BullMQExecutor runs module references only: submit workerFunction(moduleUrl, exportName), got function <anonymous> (a function shipped by its source could not load its imports on another machine)",
    });
  });

  test("unknown options are TypeErrors, bad durations ValueErrors", () => {
    assert.throws(() => new BullMQExecutor({ queue: "q", timeout: 1 } as never), {
      name: "TypeError",
      message: 'BullMQExecutor() got an unknown option `timeout`; the options are connection, queue, prefix, jobTimeout, pollInterval, keepResults',
    });
    assert.throws(() => new BullMQExecutor({ jobTimeout: -1 }), (e: Error) => e instanceof ValueError && e.message === "`jobTimeout` must be a positive finite number of seconds, got -1");
    assert.throws(() => new BullMQExecutor({ queue: "a:b" }), (e: Error) => e instanceof ValueError && e.message === '`queue` must be a non-empty name without ":", got \'a:b\'');
    assert.throws(() => ex.submitWith({ timeout: 0 }, add, 1, 2), (e: Error) => e instanceof ValueError && e.message === "`timeout` must be a positive finite number of seconds, got 0");
    assert.throws(() => ex.submitWith({ retries: 3 } as never, add, 1, 2), { name: "TypeError", message: 'submitWith() got an unknown option `retries`; the options are timeout' });
  });
});

describe("stopping jobs", () => {
  const queue = queueName();
  before(() => startWorkers(queue, 1, "--concurrency", "1"));

  test("cancelling a waiting job removes it from the queue; the running one goes on", async () => {
    const ex = executor(queue);
    const first = ex.submit(blockFor, 300, "first");
    await until(() => first.running(), "the first job to start");
    const second = ex.submit(add, 1, 2);
    await until(() => redis.cli("llen", `bull:${queue}:wait`) === "1", "the second job to wait in Redis");
    assert.equal(second.cancel(), true);
    assert.equal(second.cancelled(), true);
    await until(() => redis.cli("llen", `bull:${queue}:wait`) === "0", "the second job to leave the queue");
    assert.equal(await first, "first");
    await assert.rejects(Promise.resolve(second), CancelledError);
    await ex.shutdown();
    assert.deepEqual(jobKeys(queue), []);
  });

  test("cancelling a running job reaches its worker: the job's signal aborts, its task is cancelled, the future ends cancelled", async () => {
    const ex = executor(queue);
    const marker = join(tmp, "cancelled-coroutine");
    const fut = ex.submit(napping, 30, marker);
    await until(() => fut.running(), "the job to start");
    const t0 = performance.now();
    assert.equal(fut.cancel(), true);
    assert.equal(fut.cancelled(), true, "the future is cancelled at once");
    await until(() => readFileSync(marker, "utf8").includes("CancelledError"), "the worker to cancel the job's task");
    assert.match(readFileSync(marker, "utf8"), /^started \S+ attempt 1\nCancelledError signal\.aborted=true reason=AbortError\n$/);
    // The worker is free again at once, not after the job's 30 s.
    assert.equal(await ex.submit(add, 1, 1), 2);
    assert.ok(performance.now() - t0 < 10_000, "long before the job's 30 s");
    // And the cancelled job is not left in Redis.
    await until(() => jobKeys(queue).length === 0, "the cancelled job to be removed");

    // An async job that waits for its signal sees the abort too.
    const aborted = join(tmp, "aborted-async");
    const fut2 = ex.submit(untilAborted, aborted);
    await until(() => fut2.running(), "the second job to start");
    fut2.cancel();
    await until(() => readFileSync(aborted, "utf8").includes("aborted"), "the job's signal to abort");
    assert.equal(readFileSync(aborted, "utf8"), "started\naborted AbortError\n");
    await ex.shutdown();
  });

  test("a per-job timeout counts from the job's start and ends in TimeoutError", async () => {
    const ex = executor(queue, { jobTimeout: 0.3 });
    // Queued behind a 0.5 s job: a timeout counted from submit would expire before it starts.
    const blocker = ex.submitWith({ timeout: null }, later, 0.5, "blocker");
    const marker = join(tmp, "timed-out");
    const t0 = performance.now();
    const limited = ex.submit(napping, 30, marker);
    await assert.rejects(Promise.resolve(limited), (e: Error) => e instanceof TimeoutError && /^job \S+ \(napping\) ran past its timeout of 0\.3 s$/.test(e.message));
    const took = performance.now() - t0;
    assert.ok(took >= 750 && took < 8000, `ended ${took.toFixed(0)} ms after submit: 0.5 s queued, then 0.3 s`);
    assert.equal(await blocker, "blocker");
    assert.match(readFileSync(marker, "utf8"), /CancelledError signal\.aborted=true reason=TimeoutError/);
    assert.equal(await ex.submitWith({ timeout: 5 }, later, 0.05, "in time"), "in time");
    await ex.shutdown();
    assert.deepEqual(jobKeys(queue), []);
  });

  test("shutdown() with jobs in flight waits for them; submit after it is a RuntimeError", async () => {
    const ex = executor(queue);
    const futures = Array.from({ length: 5 }, (_, i) => ex.submit(later, 0.05, i));
    const closed = ex.shutdown();
    assert.throws(() => ex.submit(add, 1, 2), (e: Error) => e instanceof RuntimeError && e.message === "cannot schedule new futures after shutdown");
    await closed;
    assert.deepEqual(
      futures.map((f) => f.result()),
      [0, 1, 2, 3, 4],
    );
    assert.match(String(ex), /^<BullMQExecutor queue="\S+" redis=redis:\/\/127\.0\.0\.1:\d+\/? queued=0 running=0 shutdown>$/);
  });

  test("shutdown({ cancelFutures: true }) cancels the jobs no worker has started; the running one finishes", async () => {
    const ex = executor(queue);
    const running = ex.submit(blockFor, 300, "ran");
    await until(() => running.running(), "the first job to start");
    const waiting = Array.from({ length: 3 }, (_, i) => ex.submit(add, i, 0));
    await ex.shutdown({ cancelFutures: true });
    assert.equal(running.result(), "ran");
    assert.deepEqual(
      waiting.map((f) => f.cancelled()),
      [true, true, true],
    );
    assert.deepEqual(jobKeys(queue), []);
    assert.equal(redis.cli("llen", `bull:${queue}:wait`), "0");
  });
});

test("a job no longer in Redis fails its future with BrokenExecutorError instead of hanging", async () => {
  const queue = queueName();
  const ex = executor(queue, { pollInterval: 0.2 });
  const fut = ex.submit(add, 1, 2); // no worker serves this queue
  await until(() => redis.cli("llen", `bull:${queue}:wait`) === "1", "the job to wait in Redis");
  // Another client removes it behind the executor's back.
  redis.cli("del", `bull:${queue}:${redis.cli("lindex", `bull:${queue}:wait`, "0")}`);
  redis.cli("del", `bull:${queue}:wait`);
  // Nothing tells the executor (no "removed" event); after a reconnect it checks every job it
  // waits for, and finds this one gone.
  redis.cli("client", "kill", "type", "normal");
  await assert.rejects(Promise.resolve(fut), (e: Error) => e instanceof BrokenExecutorError && / is no longer in Redis /.test(e.message));
  await ex.shutdown();
});

test("the value exports of asyncio-ts/bullmq are exactly BullMQExecutor, JobWorker and startWorker (a change to the public surface is deliberate)", async () => {
  const mod = await import("asyncio-ts/bullmq");
  assert.deepEqual(Object.keys(mod).sort(), ["BullMQExecutor", "JobWorker", "startWorker"]);
});
