/// <reference types="node" preserve="true" />
/**
 * asyncio-ts/bullmq: an `Executor` (as in `concurrent.futures`) whose jobs run in worker
 * processes on any machine that reaches the same Redis, through BullMQ: `BullMQExecutor` on the
 * submitting side, `startWorker` (and the `asyncio-ts-worker` command) on the working side.
 * `bullmq` and `ioredis` are optional peer dependencies of asyncio-ts: install them to use this.
 * The public surface, re-exported from the module of each concept.
 * @module asyncio-ts/bullmq
 */

export { BullMQExecutor, type BullMQExecutorOptions, type BullMQExecutorStats, type JobResult, type SubmitOptions } from "./executor.ts";
export { JobWorker, startWorker, type JobContext, type WorkerOptions, type WorkerStats } from "./worker.ts";
export type { RedisConnection } from "./protocol.ts";
