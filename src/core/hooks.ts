/**
 * The one place the scheduler's hot path asks about debug mode: a hook slot, null unless a loop in
 * debug mode was ever made in this thread.
 *
 * Debug mode records, at each point where a task suspends, the stack it suspends with, so that a
 * call graph (graph.ts), a task's repr and `npx asyncio-ts ps` can say where a waiting task waits.
 * The point where a task waits is a future's iterator (futures.ts), which asks
 * `hooks.onSuspend !== null` before it yields, one load and one comparison, which is all that debug
 * mode costs a program that never turns it on (bench/: debug, switch, spawn and queue with debug off).
 * src/debug/coroutines.ts fills the slot when the first loop in debug mode is made.
 *
 * Like all of core/, this imports nothing from src/.
 */

/** The hooks debug mode installs. */
export interface DebugHooks {
  /**
   * Called by a future's iterator just before it yields its task's suspension; `hide` is the
   * iterator's own `next`, whose frame and those above it are left out of the recorded stack.
   * (`sleep(0)` does not call it: a task that only lets the others run is not waiting on anything,
   * and a stack capture, some microseconds, per switch would be most of what debug mode costs.)
   */
  onSuspend: ((hide: Function) => void) | null;
  /**
   * Debug mode's report of coroutines never awaited (debug/unawaited.ts): `sleep(delay)` tells of
   * each iterator it makes, and the iterator tells when it starts (the first `next`, or a `throw`
   * or `return`).
   */
  onMade: ((coro: object, what: string, hide: Function) => void) | null;
  onStart: ((coro: object) => void) | null;
}

/** The slot; see above. */
export const hooks: DebugHooks = { onSuspend: null, onMade: null, onStart: null };
