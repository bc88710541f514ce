/** Functions the asyncio-ts/bullmq workers run by module reference (`workerFunction(new URL("./bullmq_jobs.js", import.meta.url), name)`). */
import { sleep, type Coroutine } from "asyncio-ts";
import type { JobContext } from "asyncio-ts/bullmq";

export function add(a: number, b: number): number {
  return a + b;
}

export function double(x: number): number {
  return 2 * x;
}

/** A coroutine job: runs on the worker's asyncio-ts loop. */
export function* greet(this: JobContext, name: string): Coroutine<string> {
  yield* sleep(0.01);
  return `hello ${name}, from attempt ${this.attempt}`;
}

/** Waits until its signal aborts (a timeout), then says why. */
export function waitForAbort(this: JobContext): Promise<never> {
  return new Promise((_, reject) => this.signal.addEventListener("abort", () => reject(this.signal.reason)));
}

export function fail(message: string): never {
  throw new RangeError(message);
}
