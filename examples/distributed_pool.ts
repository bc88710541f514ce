/**
 * The seeds' thread-pool demo (examples/seeds/000_02_run_in_executor.ts), over Redis: the same
 * program, with its `ThreadPoolExecutor({ maxWorkers: 2 })` replaced by a `BullMQExecutor` whose
 * jobs run in two worker processes of concurrency 1, which could as well run on two other
 * machines. Eight coroutines each print `hello world <time>`, hand a job that blocks for a second
 * to the executor through `runInExecutor`, wait for it with `waitFor(fut, 10)` and print
 * `num N`; the whole takes about 4 seconds, two jobs at a time, and prints what the seed prints.
 *
 *   REDIS_URL=redis://127.0.0.1:6379 node --import tsx examples/distributed_pool.ts
 *
 * It starts its two workers itself (this file run with `--worker`: `startWorker`, the function
 * form of the `asyncio-ts-worker` command), and stops them at the end. Without REDIS_URL it says
 * how to start Redis and exits 0.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { getEventLoop, run, wait, waitFor, workerFunction, type Coroutine } from "asyncio-ts";
import { BullMQExecutor, startWorker } from "asyncio-ts/bullmq";

const REDIS_URL = process.env.REDIS_URL;
const QUEUE = "distributed-pool-demo";

if (REDIS_URL === undefined || REDIS_URL === "") {
  console.log("This example needs Redis: start one (apt-get install redis-server, or redis-server --port 6379)");
  console.log("and run it as REDIS_URL=redis://127.0.0.1:6379 node --import tsx examples/distributed_pool.ts");
  process.exit(0);
}

if (process.argv[2] === "--worker") {
  // A worker process: loads the jobs' module before it takes jobs (so the first job does not wait
  // for it), serves the queue until SIGTERM, then lets its running job finish.
  await import("./_distributed_jobs.ts");
  await run(function* (): Coroutine<void> {
    const worker = yield* startWorker({ connection: REDIS_URL, queue: QUEUE, concurrency: 1 });
    process.send?.("ready");
    process.once("SIGTERM", () => void worker.close());
    yield* worker.waitClosed();
  });
  process.exit(0);
}

/** Starts one worker process and resolves once it takes jobs. */
function startWorkerProcess(): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), "--worker"], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
    child.once("message", () => resolve(child));
    child.once("exit", (code) => reject(new Error(`a worker exited with code ${code} before it was ready`)));
  });
}

const workers = await Promise.all([startWorkerProcess(), startWorkerProcess()]);
const executor = new BullMQExecutor({ connection: REDIS_URL, queue: QUEUE });
const someBlockThings = workerFunction<typeof import("./_distributed_jobs.ts").someBlockThings>(new URL("./_distributed_jobs.ts", import.meta.url), "someBlockThings");

function* helloWorld(x: number): Coroutine<void> {
  console.log("hello world", Date.now() / 1000);
  const loop = getEventLoop();
  const fut = loop.runInExecutor(executor, someBlockThings, x);
  const num = yield* waitFor(fut, 10);
  console.log(`num ${num}`);
}

function* main(): Coroutine<void> {
  const start = Date.now() / 1000;
  yield* wait(Array.from({ length: 8 }, (_, i) => helloWorld(i)));
  const end = Date.now() / 1000;
  console.log(`Complete in ${end - start} seconds`);
}

try {
  await run(main());
} finally {
  await executor.shutdown();
  for (const worker of workers) worker.kill("SIGTERM");
  await Promise.all(workers.map((w) => new Promise((resolve) => (w.exitCode === null ? w.once("exit", resolve) : resolve(null)))));
}
