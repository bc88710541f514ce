/**
 * asyncio-ts/bullmq under faults, with a real redis-server and real worker processes: a worker
 * killed with SIGKILL in the middle of a job (its job runs again, at least once, and every future
 * settles), and Redis stopped and restarted in the middle of a run (every future still settles,
 * its result read back by job id after the reconnect).
 */
import { afterEach, beforeEach, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { workerFunction } from "asyncio-ts";
import { BullMQExecutor } from "asyncio-ts/bullmq";
import { RedisServer, WorkerProcess, jobsUrl, queueName, until } from "./helpers.ts";
import type * as Jobs from "../fixtures/bullmq/jobs.ts";

const logged = workerFunction<typeof Jobs.logged>(jobsUrl, "logged");

let redis: RedisServer;
let tmp: string;
let workers: WorkerProcess[] = [];
let executors: BullMQExecutor[] = [];

beforeEach(async () => {
  redis = await RedisServer.start();
  tmp = mkdtempSync(join(tmpdir(), "asyncio-ts-bullmq-faults-"));
});

afterEach(async () => {
  await Promise.all(executors.map((e) => e.shutdown({ cancelFutures: true })));
  await Promise.all(workers.map((w) => w.stop("SIGKILL")));
  executors = [];
  workers = [];
  await redis.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** The lines `x pid attempt` the jobs wrote as they started. */
function starts(log: string): { x: number; pid: number; attempt: number }[] {
  let text = "";
  try {
    text = readFileSync(log, "utf8");
  } catch {
    return [];
  }
  return text
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => {
      const [x, pid, attempt] = line.split(" ").map(Number);
      return { x: x!, pid: pid!, attempt: attempt! };
    });
}

test("a worker killed with SIGKILL mid-job: stall detection runs its job again elsewhere, and every future settles", async () => {
  const queue = queueName();
  // Short locks, so the killed worker's job is found stalled within about 2 s.
  const flags = ["--concurrency", "2", "--lock-duration", "1", "--stalled-interval", "0.5"];
  workers = await Promise.all([WorkerProcess.start(redis.url, queue, ...flags), WorkerProcess.start(redis.url, queue, ...flags)]);
  const [victim, survivor] = workers as [WorkerProcess, WorkerProcess];
  const ex = new BullMQExecutor({ connection: redis.url, queue });
  executors.push(ex);
  const log = join(tmp, "starts");
  const futures = Array.from({ length: 12 }, (_, i) => ex.submit(logged, log, 0.4, i));
  await until(() => starts(log).some((s) => s.pid === victim.pid), "the victim to start a job");
  const victimJobs = starts(log).filter((s) => s.pid === victim.pid).map((s) => s.x);
  assert.deepEqual(await victim.stop("SIGKILL"), { code: null, signal: "SIGKILL" });
  const t0 = performance.now();
  const results = await Promise.all(futures);
  assert.deepEqual(results, Array.from({ length: 12 }, (_, i) => i), "every future settles with its result");
  assert.ok(performance.now() - t0 < 15_000);
  // At least once: the jobs the victim had started ran again, on the survivor, as attempt 2.
  const log2 = starts(log);
  for (const x of victimJobs) {
    const runs = log2.filter((s) => s.x === x);
    assert.ok(runs.length >= 2, `job ${x} ran again after its worker was killed: ${JSON.stringify(runs)}`);
    assert.ok(runs.some((s) => s.pid === survivor.pid && s.attempt === 2), `job ${x}'s second run was the survivor's attempt 2: ${JSON.stringify(runs)}`);
  }
  await ex.shutdown();
  assert.equal(redis.cli("zcard", `bull:${queue}:completed`), "0", "every result was removed once read");
});

test("Redis stopped and restarted mid-run: every future still settles, its result read back after the reconnect", async () => {
  const queue = queueName();
  workers = await Promise.all([WorkerProcess.start(redis.url, queue, "--concurrency", "2"), WorkerProcess.start(redis.url, queue, "--concurrency", "2")]);
  const ex = new BullMQExecutor({ connection: redis.url, queue, pollInterval: 0.5 });
  executors.push(ex);
  const log = join(tmp, "starts");
  const futures = Array.from({ length: 40 }, (_, i) => ex.submit(logged, log, 0.1, i));
  await until(() => futures.filter((f) => f.done()).length >= 8, "some jobs to finish");
  await redis.stop();
  // Jobs finish while Redis is away; their ends reach Redis only once it is back.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const doneWhileDown = futures.filter((f) => f.done()).length;
  assert.ok(doneWhileDown < 40, "some futures were still pending while Redis was down");
  await redis.launch();
  const results = await Promise.all(futures);
  assert.deepEqual(results, Array.from({ length: 40 }, (_, i) => i));
  // Submitting after the restart works as before.
  assert.deepEqual(await Promise.all([ex.submit(logged, log, 0, 100), ex.submit(logged, log, 0, 101)]), [100, 101]);
  await ex.shutdown();
  await until(() => redis.cli("zcard", `bull:${queue}:completed`) === "0", "every result to be removed once read");
});
