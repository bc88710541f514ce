/**
 * What several test files share: running a test body as the main task of a fresh loop, and
 * awaiting something for the error it throws.
 */
import assert from "node:assert/strict";
import { CancelledError, getRunningLoop, run, type Awaitable, type Coroutine, type EventLoop, type Task } from "../src/index.ts";
import { VirtualClock } from "../src/testing.ts";

/** Runs `body(loop)` as the main task of a fresh loop, on the real clock unless `options.clock`. */
export function inLoop<T>(body: (loop: EventLoop) => Coroutine<T>, options?: { clock?: VirtualClock }): Promise<T> {
  return run(function* () {
    return yield* body(getRunningLoop());
  }, options);
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
