import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { inspect } from "node:util";
import {
  BrokenExecutorError,
  CancelledError,
  ConcurrentFuture,
  InvalidStateError,
  ProcessPoolExecutor,
  RuntimeError,
  ThreadPoolExecutor,
  ValueError,
  getRunningLoop,
  run,
  sleep,
  workerFunction,
  wrapFuture,
  type Coroutine,
} from "asyncio-ts";
import { runTs } from "../helpers.ts";

const POOLS = [ThreadPoolExecutor, ProcessPoolExecutor] as const;
const jobsTs = new URL("../fixtures/executors/jobs.ts", import.meta.url);
const jobsMjs = new URL("../fixtures/executors/jobs.mjs", import.meta.url);

/**
 * A job that blocks its worker for `ms`, counting its start in `counter[0]`. The counter is shared
 * memory for a thread; a child process gets a copy, so only thread pools can count.
 */
function block(counter: Int32Array, ms: number, result: string): string {
  Atomics.add(counter, 0, 1);
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
  return result;
}

/** A promise of the future's outcome (assert.rejects takes only real promises). */
function settled<T>(fut: PromiseLike<T>): Promise<T> {
  return Promise.resolve(fut);
}

function sharedCounter(): Int32Array {
  return new Int32Array(new SharedArrayBuffer(4));
}

/** Runs the body once per kind of pool, with a fresh pool that is shut down at the end. */
function eachPool(name: string, body: (pool: ThreadPoolExecutor | ProcessPoolExecutor) => Promise<void>, maxWorkers = 2): void {
  for (const Pool of POOLS) {
    test(`${Pool.name}: ${name}`, { timeout: 30_000 }, async () => {
      const pool = new Pool({ maxWorkers });
      try {
        await body(pool);
      } finally {
        await pool.shutdown({ cancelFutures: true });
      }
      assert.equal(pool.stats().workers, 0);
    });
  }
}

eachPool("submit runs a self-contained function and an async one; map keeps the order of the items", async (pool) => {
  assert.equal(await pool.submit((a: number, b: number) => a * b, 6, 7), 42);
  assert.equal(await pool.submit(async (s: string) => `${s}!`, "hi"), "hi!");
  assert.deepEqual(await pool.submit((o: { xs: number[] }) => ({ sum: o.xs.reduce((a, b) => a + b, 0) }), { xs: [1, 2, 3] }), { sum: 6 });
  assert.deepEqual(await pool.map((n: number) => n * n, [1, 2, 3, 4, 5]), [1, 4, 9, 16, 25]);
  const seen: number[] = [];
  for await (const v of pool.map((n: number) => n + 100, [3, 2, 1])) seen.push(v);
  assert.deepEqual(seen, [103, 102, 101]);
});

eachPool("workerFunction runs an exported function of a TypeScript module, and of a plain JavaScript one", async (pool) => {
  const fileName = workerFunction<typeof import("../fixtures/executors/jobs.ts").fileName>(jobsTs, "fileName");
  const slowSquare = workerFunction<typeof import("../fixtures/executors/jobs.ts").slowSquare>(jobsTs, "slowSquare");
  assert.equal(await pool.submit(fileName, "/a/b/c.txt"), "c.txt");
  assert.deepEqual(await Promise.all([pool.submit(slowSquare, 3, 20), pool.submit(slowSquare, 4, 1)]), [9, 16]);
  assert.equal(await pool.submit(workerFunction(fileURLToPath(jobsMjs), "triple"), 5), 15);
});

eachPool("a missing export fails the job with a TypeError that says what workerFunction needs", async (pool) => {
  await assert.rejects(settled(pool.submit(workerFunction(jobsTs, "notAFunction"))), {
    name: "TypeError",
    message: `${jobsTs.href} has no exported function "notAFunction" (workerFunction() needs the name the function is exported as)`,
  });
});

eachPool("a function that closes over a variable fails with a ReferenceError naming it and pointing to workerFunction", async (pool) => {
  const factor = 3;
  const scale = (x: number): number => x * factor;
  await assert.rejects(settled(pool.submit(scale, 2)), (e: Error) => {
    assert.equal(e.name, "ReferenceError");
    assert.equal(
      e.message,
      "scale() uses `factor`, which is not defined in the worker: a function shipped by its source may not close over " +
        "variables or its module's imports (pass `factor` as an argument, or export the function from a module and submit " +
        "workerFunction(moduleUrl, exportName))",
    );
    return true;
  });
  // The pool goes on.
  assert.equal(await pool.submit((x: number, f: number) => x * f, 2, factor), 6);
});

eachPool("an error thrown in the worker arrives with its class name, message, fields and the worker's stack", async (pool) => {
  const parse = workerFunction<typeof import("../fixtures/executors/jobs.ts").parse>(jobsTs, "parse");
  await assert.rejects(settled(pool.submit(parse, "abc")), (e: Error & { code?: string }) => {
    assert.equal(e.name, "ParseError");
    assert.equal(e.message, 'not a number: "abc"');
    assert.equal(e.code, "E_PARSE");
    assert.match(e.stack!, /^ParseError: not a number: "abc"\n\s+at parse \(.*jobs\.ts/);
    return true;
  });
  await assert.rejects(
    settled(pool.submit(function checkRange(n: number) {
      if (n > 10) throw new RangeError(`${n} is too big`, { cause: "limit" });
      return n;
    }, 11)),
    (e: Error) => {
      assert.ok(e instanceof RangeError);
      assert.equal(e.message, "11 is too big");
      assert.equal(e.cause, "limit");
      assert.match(e.stack!, /^RangeError: 11 is too big\n\s+at checkRange \(worker-function:checkRange:/);
      return true;
    },
  );
  await assert.rejects(settled(pool.submit(() => Promise.reject(new TypeError("async no")))), { name: "TypeError", message: "async no" });
  await assert.rejects(settled(pool.submit(() => {
    throw 42; // eslint-disable-line no-throw-literal
  })), (e: unknown) => e === 42);
});

eachPool("an argument that cannot be cloned is a TypeError at submit; a result that cannot be is a TypeError from the job", async (pool) => {
  assert.throws(() => pool.submit((a: number, b: unknown) => [a, b], 1, Symbol("s")), {
    name: "TypeError",
    message:
      "submit(): argument 1 (Symbol(s)) cannot be sent to a worker: Symbol(s) could not be cloned. " +
      "(arguments cross by structured clone: pass data, not functions, symbols or class instances with methods)",
  });
  assert.equal(pool.stats().queued, 0);
  await assert.rejects(settled(pool.submit(() => ({ f() {} }))), (e: Error) => {
    assert.equal(e.name, "TypeError");
    assert.match(e.message, /^the job's result cannot be sent back from the worker: .*could not be cloned/);
    return true;
  });
  assert.equal(await pool.submit((x: number) => x + 1, 1), 2);
});

eachPool(
  "a worker that calls process.exit() fails only its job with BrokenExecutorError; the queued job runs on a new worker",
  async (pool) => {
    const counter = sharedCounter();
    const dies = pool.submit((c: Int32Array) => {
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
      Atomics.add(c, 0, 1);
      process.exit(3);
    }, counter);
    const next = pool.submit((x: number) => x * 2, 21);
    await assert.rejects(settled(dies), {
      name: "BrokenExecutorError",
      message: `${pool.constructor.name}: the worker ${pool instanceof ThreadPoolExecutor ? "thread" : "process"} running this job called process.exit(3); the pool replaces it and goes on`,
    });
    assert.ok(dies.exception() instanceof BrokenExecutorError);
    assert.equal(await next, 42);
    if (pool instanceof ThreadPoolExecutor) assert.equal(Atomics.load(counter, 0), 1);
  },
  1,
);

eachPool("in a batch of tiny jobs, a job that exits fails alone: jobs done before it keep their results, jobs after it run again", async (pool) => {
  // Many tiny jobs first, so the worker takes them in big batches.
  const warm = await pool.map((x: number) => x + 1, Array.from({ length: 5000 }, (_, i) => i));
  assert.equal(warm[4999], 5000);
  const jobs = Array.from({ length: 200 }, (_, i) => pool.submit((x: number, die: boolean) => (die ? process.exit(7) : x * 2), i, i === 100));
  const outcomes = await Promise.all(jobs.map((f) => Promise.resolve(f).then((v) => v, (e: Error) => e.name)));
  assert.deepEqual(outcomes, Array.from({ length: 200 }, (_, i) => (i === 100 ? "BrokenExecutorError" : i * 2)));
}, 1);

test("20,000 tiny jobs through 2 threads all finish, each with its own result", async () => {
  const pool = new ThreadPoolExecutor({ maxWorkers: 2 });
  const inc = (x: number): number => x + 1;
  const futures = Array.from({ length: 20_000 }, (_, i) => pool.submit(inc, i));
  let ok = 0;
  for (let i = 0; i < futures.length; i++) if ((await futures[i]) === i + 1) ok++;
  assert.equal(ok, 20_000);
  await pool.shutdown();
});

eachPool("a worker killed by an uncaught throw in a timer fails the job it ran, with the error as cause", async (pool) => {
  const crash = pool.submit(() => new Promise(() => setTimeout(() => {
    throw new RangeError("late");
  }, 5)));
  await assert.rejects(settled(crash), (e: Error) => {
    assert.ok(e instanceof BrokenExecutorError);
    assert.match(e.message, /running this job crashed with an uncaught RangeError: late; the pool replaces it and goes on$/);
    assert.ok(e.cause instanceof RangeError);
    return true;
  });
  assert.deepEqual(await pool.map((x: number) => -x, [1, 2]), [-1, -2]);
});

eachPool("shutdown({ cancelFutures: true }) cancels the jobs that have not started and lets the running one finish", async (pool) => {
  const counter = sharedCounter();
  const running = pool.submit(block, counter, 200, "first");
  const queued = [pool.submit(block, counter, 1, "second"), pool.submit(block, counter, 1, "third")];
  while (!running.running()) await new Promise((r) => setTimeout(r, 1));
  assert.deepEqual(pool.stats(), { workers: 1, busyWorkers: 1, running: 1, queued: 2 });
  await pool.shutdown({ cancelFutures: true });
  assert.deepEqual(queued.map((f) => f.cancelled()), [true, true]);
  assert.equal(running.result(), "first");
  if (pool instanceof ThreadPoolExecutor) assert.equal(Atomics.load(counter, 0), 1);
  assert.throws(() => pool.submit((x: number) => x, 1), { name: "RuntimeError", message: "cannot schedule new futures after shutdown" });
}, 1);

eachPool("cancelling the asyncio future of a job that has not started takes it off the pool's queue", async (pool) => {
  const counter = sharedCounter();
  await run(function* (): Coroutine<void> {
    const loop = getRunningLoop();
    const first = loop.runInExecutor(pool, block, counter, 100, "ran");
    const second = loop.runInExecutor(pool, block, counter, 1, "never");
    while (!first.done() && pool.stats().running === 0) yield* sleep(0.002);
    assert.equal(pool.stats().queued, 1);
    second.cancel();
    yield* sleep(0);
    assert.equal(pool.stats().queued, 0);
    assert.equal(yield* first, "ran");
    assert.ok(second.cancelled());
  });
  if (pool instanceof ThreadPoolExecutor) assert.equal(Atomics.load(counter, 0), 1);
}, 1);

eachPool("shutdown() waits for the queued jobs, then every worker is gone", async (pool) => {
  const counter = sharedCounter();
  const futures = [1, 2, 3].map((i) => pool.submit(block, counter, 20, `job${i}`));
  await pool.shutdown();
  assert.deepEqual(futures.map((f) => f.result()), ["job1", "job2", "job3"]);
  assert.deepEqual(pool.stats(), { workers: 0, busyWorkers: 0, running: 0, queued: 0 });
  assert.match(inspect(pool), /^<\w+PoolExecutor maxWorkers=2 workers=0 busy=0 running=0 queued=0 shutdown>$/);
  await pool.shutdown(); // again: harmless
});

test("a program whose pools are shut down, or only idle, exits by itself", () => {
  const fixture = fileURLToPath(new URL("../fixtures/executors/exits.ts", import.meta.url));
  for (const mode of ["shutdown", "idle"]) {
    const r = spawnSync(...runTs(fixture, mode), { encoding: "utf8", timeout: 15_000 });
    assert.equal(r.signal, null, `${mode}: the program did not exit by itself`);
    assert.equal(r.status, 0, r.stderr);
    const expected = mode === "shutdown" ? "results 2 3 30 40\nafter shutdown workers=0\n" : "results 2 3 30 40\n";
    assert.equal(r.stdout, expected);
  }
});

test("what a pool thread prints comes out before the job's result and is never lost, at shutdown or at exit", () => {
  const fixture = fileURLToPath(new URL("../fixtures/executors/prints.ts", import.meta.url));
  for (let run = 1; run <= 8; run++) {
    const mode = run % 2 === 0 ? "wait" : "nowait";
    const r = spawnSync(...runTs(fixture, mode), { encoding: "utf8", timeout: 15_000 });
    assert.equal(r.status, 0, r.stderr);
    const lines = r.stdout.trimEnd().split("\n");
    assert.equal(lines.length, 20, `run ${run} (${mode}) printed ${JSON.stringify(lines)}`);
    for (let i = 0; i < 10; i++) {
      assert.ok(lines.indexOf(`job ${i}`) >= 0 && lines.indexOf(`job ${i}`) < lines.indexOf(`result ${i}`), `run ${run} (${mode}): ${JSON.stringify(lines)}`);
    }
  }
});

test("the worker bootstrap (plain JavaScript) and the parent agree on the protocol's numbers", async () => {
  const protocol = await import("../../src/executors/worker.ts");
  const functions = await import("../../src/executors/functions.ts");
  const bootstrap = readFileSync(new URL("../../src/executors/bootstrap.js", import.meta.url), "utf8");
  const declared = new Map([...bootstrap.matchAll(/\b([A-Z_]+) = (\d+)/g)].map((m) => [m[1]!, Number(m[2])]));
  // Each number is declared once, so none is left behind in a copy.
  assert.equal(declared.size, [...bootstrap.matchAll(/\b([A-Z_]+) = (\d+)/g)].length);
  const expected = {
    RESULTS: protocol.RESULTS, CRASH: protocol.CRASH, OUTPUT: protocol.OUTPUT, STARTED: protocol.STARTED,
    RUN_JOBS: protocol.RUN_JOBS, ABORT_JOB: protocol.ABORT_JOB, WHY_CANCEL: protocol.WHY_CANCEL, WHY_TIMEOUT: protocol.WHY_TIMEOUT,
    OK: protocol.OK, ERROR: protocol.ERROR, THROWN: protocol.THROWN, SKIPPED: protocol.SKIPPED, BY_SOURCE: functions.BY_SOURCE,
    CLAIMED: protocol.CLAIMED, REVOKED: protocol.REVOKED, CANCEL_ASKED: protocol.CANCEL_ASKED, TIMEOUT_ASKED: protocol.TIMEOUT_ASKED,
    TICKET_SHIFT: protocol.TICKET_SHIFT, CELLS: protocol.CELLS, CTL_REVOKE: protocol.CTL_REVOKE, CTL_ABORT: protocol.CTL_ABORT, CTL_REVOKED: protocol.CTL_REVOKED,
  };
  assert.deepEqual(Object.fromEntries(Object.keys(expected).map((k) => [k, declared.get(k)])), expected);
});

test("what cannot run in a pool is refused at submit with a TypeError or ValueError that says what to do", async () => {
  const pool = new ThreadPoolExecutor({ maxWorkers: 1 });
  assert.throws(() => pool.submit(function* gen() {}), {
    name: "TypeError",
    message: "gen() is a generator function (a coroutine): it cannot run in an executor; submit a plain or async function",
  });
  assert.throws(() => pool.submit(Math.max, 1, 2), {
    name: "TypeError",
    message: "max() is a native or bound function, which cannot be shipped to a worker by its source; export it from a module and submit workerFunction(moduleUrl, exportName)",
  });
  assert.throws(() => pool.submit(class Job {} as unknown as () => void), { name: "TypeError", message: /^Job is a class, not a function a worker can call/ });
  assert.throws(() => pool.submit("x => x" as unknown as () => void), {
    name: "TypeError",
    message: 'submit() needs a function or a workerFunction(moduleUrl, exportName), got "x => x"',
  });
  assert.throws(() => workerFunction("./jobs.ts", "f"), {
    name: "ValueError",
    message: 'workerFunction() got the relative path "./jobs.ts": pass new URL("./jobs.ts", import.meta.url) so it resolves against your module',
  });
  assert.throws(() => new ThreadPoolExecutor({ maxWorkers: 0 }), { name: "ValueError", message: "`maxWorkers` must be a positive integer, got 0" });
  assert.throws(() => new ProcessPoolExecutor({ maxWorkers: 1.5 }), ValueError);
  // A method prints as `name(args) { ... }`; it still ships.
  const jobs = { twice(x: number) { return 2 * x; } };
  assert.equal(await pool.submit(jobs.twice, 4), 8);
  await pool.shutdown();
});

test("ConcurrentFuture follows concurrent.futures.Future: states, callbacks, result() and exception()", async () => {
  const order: string[] = [];
  const fut = new ConcurrentFuture<number>();
  assert.throws(() => fut.result(), InvalidStateError);
  assert.throws(() => fut.exception(), InvalidStateError);
  fut.addDoneCallback((f) => order.push(`first ${f.result()}`));
  fut.addDoneCallback(() => order.push("second"));
  assert.equal(fut.setRunningOrNotifyCancel(), true);
  assert.equal(fut.running(), true);
  assert.equal(fut.cancel(), false);
  fut.setResult(7);
  assert.deepEqual(order, ["first 7", "second"]);
  fut.addDoneCallback(() => order.push("late"));
  assert.deepEqual(order, ["first 7", "second", "late"]);
  assert.equal(fut.exception(), null);
  assert.equal(await fut, 7);
  assert.throws(() => fut.setResult(8), InvalidStateError);
  assert.equal(String(fut), "<ConcurrentFuture state=finished returned 7>");

  const failed = new ConcurrentFuture<number>();
  failed.setException(new ValueError("bad"));
  assert.equal(inspect(failed), '<ConcurrentFuture state=finished raised ValueError("bad")>');
  await assert.rejects(Promise.resolve(failed), ValueError);

  const cancelled = new ConcurrentFuture<number>();
  assert.equal(cancelled.cancel(), true);
  assert.equal(cancelled.cancel(), true);
  assert.equal(cancelled.setRunningOrNotifyCancel(), false);
  assert.throws(() => cancelled.result(), CancelledError);
  await assert.rejects(Promise.resolve(cancelled), CancelledError);

  // wrapFuture carries the outcome into a coroutine.
  const value = await run(function* (): Coroutine<number> {
    const source = new ConcurrentFuture<number>();
    setTimeout(() => source.setResult(5), 1);
    return yield* wrapFuture(source);
  });
  assert.equal(value, 5);
  assert.ok(new BrokenExecutorError("x") instanceof Error && new RuntimeError("y") instanceof Error);
});

test("test/fixtures/executors/ticker.ts: the ticker runs while the jobs block their threads, and the results come in order", () => {
  const example = fileURLToPath(new URL("../fixtures/executors/ticker.ts", import.meta.url));
  const r = spawnSync(...runTs(example, "0.3"), { encoding: "utf8", timeout: 15_000 });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trimEnd().split("\n");
  assert.equal(lines[0], "start: 8 jobs of 0.3 s each on 2 threads");
  const ticks = lines.slice(1, -2);
  assert.ok(ticks.length >= 3, `the ticker should tick while the jobs run, got ${JSON.stringify(lines)}`);
  assert.deepEqual(ticks, ticks.map((_, i) => `tick ${i + 1}`));
  assert.equal(lines.at(-2), "results: [0, 1, 4, 9, 16, 25, 36, 49]");
  assert.match(lines.at(-1)!, /^took \d+\.\d s$/);
});
