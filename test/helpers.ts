/**
 * What several test files share: running a test body as the main task of a fresh loop (through
 * `asyncioTest`, so a test that leaves anything behind or deadlocks fails), and awaiting
 * something for the error it throws.
 */
import assert from "node:assert/strict";
import { CancelledError, type Awaitable, type Coroutine, type EventLoop, type Task } from "asyncio-ts";
import { VirtualClock, asyncioTest } from "asyncio-ts/testing";

/**
 * Runs `body(loop)` as the main task of a fresh loop, on the real clock unless `options.clock`,
 * and gives its result; the test fails if it leaves a task, timer, socket or Node handle behind.
 */
export async function inLoop<T>(body: (loop: EventLoop) => Coroutine<T>, options?: { clock?: VirtualClock }): Promise<T> {
  let result: T | undefined;
  await asyncioTest(
    function* (loop) {
      result = yield* body(loop);
    },
    { clock: options?.clock ?? "real", debug: false },
  )();
  return result as T;
}

/** Runs `body(loop)` on a fresh loop whose time is virtual (it starts at 0 and jumps to the next timer). */
export function inVirtualLoop<T>(body: (loop: EventLoop) => Coroutine<T>, clock: ConstructorParameters<typeof VirtualClock>[0] = {}): Promise<T> {
  return inLoop(body, { clock: new VirtualClock(clock) });
}

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
