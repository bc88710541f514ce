#!/usr/bin/env node
/**
 * The `asyncio-ts-worker` command: a worker process for `BullMQExecutor` jobs.
 *
 *   npx asyncio-ts-worker --redis redis://10.0.0.5:6379 --queue images --concurrency 4
 *
 * It runs `startWorker` on an asyncio-ts loop of its own, prints one line once it takes jobs
 * (what the tests and scripts wait for), and on SIGTERM or SIGINT stops taking jobs, lets the
 * running ones finish and exits 0; a second signal exits at once (130), and the jobs it was running
 * are run again elsewhere once their locks expire. Durations are in seconds.
 */

import { parseArgs } from "node:util";
import { currentTask, getRunningLoop, isCancellation, run, type Coroutine } from "asyncio-ts";
import { DEFAULT_QUEUE, DEFAULT_REDIS, describeConnection } from "./protocol.ts";
import { startWorker, type JobWorker, type WorkerOptions } from "./worker.ts";

const USAGE = `usage: asyncio-ts-worker [--redis URL] [--queue NAME] [--concurrency N] [options]

Runs the jobs of asyncio-ts/bullmq's BullMQExecutor that are submitted to the queue.

  --redis URL              Redis to connect to (default: $REDIS_URL, else ${DEFAULT_REDIS})
  --queue NAME             the queue to serve (default: ${DEFAULT_QUEUE})
  --concurrency N          jobs run at once in this process (default: 1)
  --prefix PREFIX          BullMQ's key prefix (default: bull)
  --lock-duration S        seconds a job's lock lasts; renewed at half that (default: 30)
  --stalled-interval S     seconds between checks for stalled jobs (default: 30)
  --max-stalled N          times a job may stall and run again before it fails (default: 1)
  --allow PREFIX           only run jobs from modules under this file: URL, path or package
                           (repeatable; default: any file: module or package)
  -h, --help               show this and exit

A job's module must be importable here: a file: URL names the same path on every machine, a
package name resolves from this package's node_modules. For TypeScript job modules, run the worker
under tsx: node --import tsx node_modules/.bin/asyncio-ts-worker ...
Execution is at least once: a job whose worker dies is run again by another worker.`;

function fail(message: string): never {
  process.stderr.write(`asyncio-ts-worker: ${message}\n${USAGE.split("\n")[0]}\n`);
  process.exit(2);
}

function number(value: string | undefined, flag: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) fail(`${flag} needs ${integer ? "an integer" : "a number of seconds"}, got ${JSON.stringify(value)}`);
  return n;
}

let parsed: ReturnType<typeof parse>;
function parse() {
  return parseArgs({
    options: {
      redis: { type: "string" },
      queue: { type: "string" },
      concurrency: { type: "string" },
      prefix: { type: "string" },
      "lock-duration": { type: "string" },
      "stalled-interval": { type: "string" },
      "max-stalled": { type: "string" },
      allow: { type: "string", multiple: true },
      help: { type: "boolean", short: "h" },
    },
    strict: true,
    allowPositionals: false,
  });
}
try {
  parsed = parse();
} catch (e) {
  fail((e as Error).message);
}
const { values } = parsed;
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const connection = values.redis ?? process.env.REDIS_URL ?? DEFAULT_REDIS;
const options: WorkerOptions = { connection, queue: values.queue ?? DEFAULT_QUEUE };
const set = <K extends keyof WorkerOptions>(key: K, value: WorkerOptions[K] | undefined): void => {
  if (value !== undefined) options[key] = value;
};
set("concurrency", number(values.concurrency, "--concurrency", true));
set("prefix", values.prefix);
set("lockDuration", number(values["lock-duration"], "--lock-duration", false));
set("stalledInterval", number(values["stalled-interval"], "--stalled-interval", false));
set("maxStalledCount", number(values["max-stalled"], "--max-stalled", true));
set("allow", values.allow);

function* main(): Coroutine<void> {
  const slow = setTimeout(() => console.error(`asyncio-ts-worker: still connecting to Redis at ${describeConnection(connection)}`), 3000);
  let worker: JobWorker;
  try {
    worker = yield* startWorker(options);
  } finally {
    clearTimeout(slow);
  }
  console.log(`asyncio-ts-worker: serving queue ${JSON.stringify(worker.queueName)} on ${describeConnection(connection)}, concurrency ${worker.concurrency} (pid ${process.pid})`);
  const loop = getRunningLoop();
  const me = currentTask()!;
  let signals = 0;
  const stop = (signal: string): void => {
    if (++signals > 1) process.exit(130);
    console.log(`asyncio-ts-worker: ${signal}: taking no more jobs, finishing the ${worker.stats().running} running`);
    me.cancel();
  };
  loop.addSignalHandler("SIGTERM", stop, "SIGTERM");
  loop.addSignalHandler("SIGINT", stop, "SIGINT");
  try {
    yield* worker.serveForever();
  } catch (e) {
    if (!isCancellation(e) || signals === 0) throw e;
    me.uncancel();
  } finally {
    loop.removeSignalHandler("SIGTERM");
    loop.removeSignalHandler("SIGINT");
  }
  console.log("asyncio-ts-worker: stopped");
}

await run(main);
