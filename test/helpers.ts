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
