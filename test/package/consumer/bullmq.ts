/**
 * asyncio-ts/bullmq as a user runs it, with plain node: a redis-server of its own on a free port,
 * the package's `asyncio-ts-worker` command (node_modules/.bin) as a worker process, and a
 * `BullMQExecutor` submitting to it through `runInExecutor`, `submit`, `submitWith` and `map`.
 */
import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { TimeoutError, getRunningLoop, run, workerFunction, wrapFuture, type Coroutine } from "asyncio-ts";
import { BullMQExecutor } from "asyncio-ts/bullmq";
import type * as jobs from "./bullmq_jobs.ts";

const jobsUrl = new URL("./bullmq_jobs.js", import.meta.url);
const add = workerFunction<typeof jobs.add>(jobsUrl, "add");
const greet = workerFunction<typeof jobs.greet>(jobsUrl, "greet");
const waitForAbort = workerFunction<typeof jobs.waitForAbort>(jobsUrl, "waitForAbort");
const fail = workerFunction<typeof jobs.fail>(jobsUrl, "fail");
const double = workerFunction<typeof jobs.double>(jobsUrl, "double");

const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const { port } = s.address() as { port: number };
    s.close(() => resolve(port));
  });
});
const dir = mkdtempSync(join(tmpdir(), "asyncio-ts-consumer-redis-"));
const redis = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", ""], { stdio: "ignore" });
const url = `redis://127.0.0.1:${port}`;

/** Starts the package's worker command and resolves once it takes jobs. */
function startWorker(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const bin = join(process.cwd(), "node_modules", ".bin", "asyncio-ts-worker");
    const child = spawn(bin, ["--redis", url, "--queue", "consumer", "--concurrency", "2"], { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout!.on("data", (d) => {
      out += d;
      if (out.includes("serving queue")) resolve(child);
    });
    child.once("exit", (code) => reject(new Error(`asyncio-ts-worker exited with ${code}: ${out}`)));
  });
}

let worker: ChildProcess | null = null;
const executor = new BullMQExecutor({ connection: url, queue: "consumer" });
try {
  worker = await startWorker();
  await run(function* (): Coroutine {
    const loop = getRunningLoop();
    const n: number = yield* loop.runInExecutor(executor, add, 2, 3);
    assert.equal(n, 5);
    const hello: string = yield* wrapFuture(executor.submit(greet, "consumer"));
    assert.equal(hello, "hello consumer, from attempt 1");
    try {
      yield* loop.runInExecutor(executor, fail, "too far");
      assert.fail("the job should fail");
    } catch (e) {
      assert.ok(e instanceof RangeError && e.message === "too far" && /\n {4}at (Object\.)?fail \(.*bullmq_jobs\.js/.test(e.stack!), String((e as Error).stack));
    }
    try {
      yield* wrapFuture(executor.submitWith({ timeout: 0.2 }, waitForAbort));
      assert.fail("the job should time out");
    } catch (e) {
      assert.ok(e instanceof TimeoutError, String(e));
    }
  });
  assert.deepEqual(await executor.map(double, [1, 2, 3]), [2, 4, 6]);
} finally {
  await executor.shutdown();
  worker?.kill("SIGTERM");
  if (worker !== null) await new Promise((resolve) => worker!.once("exit", resolve));
  redis.kill("SIGTERM");
  await new Promise((resolve) => redis.once("exit", resolve));
  rmSync(dir, { recursive: true, force: true });
}
console.log("ok: bullmq executor and the asyncio-ts-worker command");
