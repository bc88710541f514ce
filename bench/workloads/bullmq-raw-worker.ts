/**
 * The anchor's worker process in the bullmq workload: a plain BullMQ `Worker` running the same
 * job as asyncio-ts's (`x => x + 1`), with the same concurrency. Prints one line once it takes jobs.
 * Usage: bullmq-raw-worker.ts REDIS_URL QUEUE CONCURRENCY
 */
import { Worker } from "bullmq";

const [url, queue, concurrency] = process.argv.slice(2);
const worker = new Worker(queue!, async (job) => (job.data as { x: number }).x + 1, {
  connection: { url: url!, maxRetriesPerRequest: null },
  concurrency: Number(concurrency),
});
worker.on("error", (e) => console.error(e));
await worker.waitUntilReady();
console.log(`serving queue ${queue}`);
const stop = (): void => void worker.close().then(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
