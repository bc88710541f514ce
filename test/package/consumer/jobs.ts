/** Functions the pools run by module reference (`workerFunction(new URL("./jobs.js", import.meta.url), name)`). */
import { threadId } from "node:worker_threads";
import type { JobContext } from "asyncio-ts";

export function fib(n: number): number {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

export function shout(text: string): string {
  console.log(`job says ${text}`);
  return text.toUpperCase();
}

export function where(): number {
  return threadId;
}

export async function later(value: string): Promise<string> {
  await new Promise((resolve) => setTimeout(resolve, 10));
  return value;
}

export function fail(message: string): never {
  throw new RangeError(message);
}

/** Busy for up to `ms`, stopping as soon as its signal aborts (a cancel, or its timeout). */
export function spin(this: JobContext, ms: number): string {
  const t0 = Date.now();
  while (Date.now() - t0 < ms) if (this.signal.aborted) return "stopped";
  return "ran out";
}
