/**
 * What several test files share: awaiting something for the error it throws or the outcome it
 * has. (Each test runs on a loop of its own through `asyncioTest` from asyncio-ts/testing, so a
 * test that leaves anything behind or deadlocks fails.)
 */
import assert from "node:assert/strict";
import { CancelledError, type Awaitable, type Coroutine, type Task } from "asyncio-ts";

/** Awaits `aw` and returns what it threw (failing the test if it did not throw). */
export function* caught(aw: Awaitable<unknown>): Coroutine<Error> {
  try {
    yield* aw;
  } catch (e) {
    return e as Error;
  }
  assert.fail("expected an error");
}

/** Awaits `aw` and returns what it threw, or "returned <value>". */
export function* outcome(aw: Awaitable<unknown>): Coroutine<unknown> {
  try {
    return `returned ${String(yield* aw)}`;
  } catch (e) {
    return e;
  }
}

/** Awaits `task`, expecting it to be cancelled. */
export function* expectCancelled(task: Task<unknown>): Coroutine<void> {
  try {
    yield* task;
  } catch (e) {
    assert.ok(e instanceof CancelledError, `expected a CancelledError, got ${String(e)}`);
    return;
  }
  assert.fail("the task was not cancelled");
}

/** The runtime running the tests: test/runtimes/ runs the suite on Bun and Deno too. */
export const runtime: "node" | "bun" | "deno" = "Bun" in globalThis ? "bun" : "Deno" in globalThis ? "deno" : "node";

/**
 * The command and arguments that run the TypeScript program `file` with `args` on the runtime
 * running the tests, for `spawn(...runTs(file))`: `node --import tsx`, `bun`, or `deno run`
 * (which reads deno.json, mapping `asyncio-ts` to src/ as tsconfig.json does for tsx).
 */
export function runTs(file: string, ...args: string[]): [string, string[]] {
  if (runtime === "bun") return [process.execPath, [file, ...args]];
  if (runtime === "deno") return [process.execPath, ["run", "-A", "--no-check", file, ...args]];
  return [process.execPath, ["--import", "tsx", file, ...args]];
}
