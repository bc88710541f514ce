/**
 * Workload bullmq: N tiny jobs (`x => x + 1`) through 2 worker processes over one Redis, all
 * submitted at once, until every result is back at the submitter; and the latency of one job
 * alone, from submit to result. Both contenders run in this one process, against the same
 * redis-server (Debian's, started here on a free port, as the tests do), alternately, so a
 * change in the machine's load hits both alike:
 * - asyncio-ts: `BullMQExecutor.submit(workerFunction(jobs.mjs, "inc"), i)` for each job, two
 *   `asyncio-ts-worker` processes (src/bullmq/cli.ts) of concurrency C;
 * - raw BullMQ: `Queue.add("inc", { x: i })` for each job, two processes running a plain
 *   `Worker` of concurrency C (bullmq-raw-worker.ts), results from `QueueEvents` "completed"
 *   (what `job.waitUntilFinished` listens to), and BullMQ's defaults otherwise (finished jobs
 *   stay in Redis; asyncio-ts removes each once its future has read it).
 * Throughput: the best of up to REPS repetitions each, with the range. Latency: the median of
 * LATENCY_SAMPLES single jobs, each submitted once the one before has come back, with the range.
 * Prints the asyncio-ts throughput as the main figure and the rest as extra figures.
 * Usage: bullmq.ts both [N=10000] [C=8]
 */

import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Queue, QueueEvents } from "bullmq";
import { main, now, type Outcome } from "./common.ts";
import { RedisServer, WorkerProcess } from "../../test/bullmq/helpers.ts";
import { workerFunction } from "../../src/index.ts";
import { BullMQExecutor } from "../../src/bullmq/index.ts";

const REPS = 5;
/** No further repetition starts once the repetitions so far took this many seconds. */
const BUDGET_S = 60;
const LATENCY_SAMPLES = 30;
const WARM_UP_JOBS = 50;

interface Contender {
  /** Submits `n` jobs at once; resolves when every result is back (and checked). */
  burst(n: number, base: number): Promise<void>;
  /** One job, submit to result, in seconds. */
  one(x: number): Promise<number>;
  close(): Promise<void>;
}

async function oursContender(url: string, concurrency: number): Promise<Contender> {
  const queue = "bench-asyncio-ts";
  const workers = await Promise.all([0, 1].map(() => WorkerProcess.start(url, queue, "--concurrency", String(concurrency))));
  const executor = new BullMQExecutor({ connection: url, queue });
  const inc = workerFunction<(x: number) => number>(new URL("./jobs.mjs", import.meta.url), "inc");
  return {
    async burst(n, base) {
      const futures = new Array<PromiseLike<number>>(n);
      for (let i = 0; i < n; i++) futures[i] = executor.submit(inc, base + i);
      for (let i = 0; i < n; i++) if ((await futures[i]) !== base + i + 1) throw new Error(`job ${i} returned a wrong result`);
    },
    async one(x) {
      const t0 = now();
      if ((await executor.submit(inc, x)) !== x + 1) throw new Error("wrong result");
      return now() - t0;
    },
    async close() {
      await executor.shutdown();
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
}

async function rawContender(url: string, concurrency: number): Promise<Contender> {
  const name = "bench-raw";
  const script = fileURLToPath(new URL("./bullmq-raw-worker.ts", import.meta.url));
  const children = await Promise.all(
    [0, 1].map(
      () =>
        new Promise<ReturnType<typeof spawn>>((resolve, reject) => {
          const child = spawn(process.execPath, ["--import", "tsx", script, url, name, String(concurrency)], { stdio: ["ignore", "pipe", "inherit"] });
          child.stdout!.once("data", () => resolve(child));
          child.once("exit", (code) => reject(new Error(`the raw BullMQ worker exited (${code})`)));
        }),
    ),
  );
  const connection = { url, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  const events = new QueueEvents(name, { connection });
  await events.waitUntilReady();
  const waiting = new Map<string, (value: number) => void>();
  events.on("completed", ({ jobId, returnvalue }) => {
    const resolve = waiting.get(jobId);
    if (resolve === undefined) return;
    waiting.delete(jobId);
    resolve(returnvalue as unknown as number);
  });
  const submit = async (x: number): Promise<number> => {
    const job = await queue.add("inc", { x });
    // The event may come before add() returns: look the result up then, if it was missed.
    return new Promise<number>((resolve) => {
      waiting.set(job.id!, resolve);
      void job.isCompleted().then(async (done) => {
        if (done && waiting.delete(job.id!)) resolve((await queue.getJob(job.id!))!.returnvalue as number);
      });
    });
  };
  return {
    async burst(n, base) {
      const results = await Promise.all(Array.from({ length: n }, (_, i) => submit(base + i)));
      results.forEach((r, i) => {
        if (r !== base + i + 1) throw new Error(`job ${i} returned a wrong result`);
      });
    },
    async one(x) {
      const t0 = now();
      if ((await submit(x)) !== x + 1) throw new Error("wrong result");
      return now() - t0;
    },
    async close() {
      await events.close();
      await queue.close();
      for (const child of children) child.kill("SIGTERM");
    },
  };
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const range = (xs: number[], digits: number, scale = 1): string => `${(Math.min(...xs) * scale).toFixed(digits)} to ${(Math.max(...xs) * scale).toFixed(digits)}`;

main({
  async both(args): Promise<Outcome> {
    const n = Number(args[0] ?? 10_000);
    const concurrency = Number(args[1] ?? 8);
    const redis = await RedisServer.start();
    const contenders: Contender[] = [];
    try {
      const ours = await oursContender(redis.url, concurrency);
      contenders.push(ours);
      const raw = await rawContender(redis.url, concurrency);
      contenders.push(raw);
      await ours.burst(WARM_UP_JOBS, 0);
      await raw.burst(WARM_UP_JOBS, 0);
      const rates: [number[], number[]] = [[], []];
      const started = now();
      for (let rep = 0; rep < REPS && now() - started < BUDGET_S; rep++) {
        // Alternate which goes first, so neither always runs on a Redis the other just filled.
        const order = rep % 2 === 0 ? [0, 1] : [1, 0];
        for (const which of order) {
          const t0 = now();
          await [ours, raw][which]!.burst(n, rep * n);
          rates[which]!.push(n / (now() - t0));
        }
      }
      const latencies: [number[], number[]] = [[], []];
      for (let i = 0; i < LATENCY_SAMPLES; i++) {
        latencies[0].push(await ours.one(i));
        latencies[1].push(await raw.one(i));
      }
      const best = (xs: number[]): number => Math.max(...xs);
      return {
        value: best(rates[0]),
        unit: "jobs/s",
        reps: rates[0].length,
        extra: {
          throughput: { value: best(rates[0]), unit: "jobs/s", detail: `${range(rates[0], 0)} over ${rates[0].length} runs` },
          rawThroughput: { value: best(rates[1]), unit: "jobs/s", detail: `${range(rates[1], 0)} over ${rates[1].length} runs` },
          latency: { value: median(latencies[0]) * 1000, unit: "ms", detail: `median of ${LATENCY_SAMPLES}, ${range(latencies[0], 2, 1000)} ms` },
          rawLatency: { value: median(latencies[1]) * 1000, unit: "ms", detail: `median of ${LATENCY_SAMPLES}, ${range(latencies[1], 2, 1000)} ms` },
        },
      };
    } finally {
      for (const c of contenders) await c.close();
      await redis.close();
    }
  },
});
