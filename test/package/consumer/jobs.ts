/** Functions the pools run by module reference (`workerFunction(new URL("./jobs.js", import.meta.url), name)`). */
import { threadId } from "node:worker_threads";

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
