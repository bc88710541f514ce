/**
 * What several test files share: running a test body as the main task of a fresh loop.
 */
import { getRunningLoop, run, type Coroutine, type EventLoop } from "../src/index.ts";
import { VirtualClock } from "../src/testing.ts";

/** Runs `body(loop)` as the main task of a fresh loop, on the real clock unless `options.clock`. */
export function inLoop<T>(body: (loop: EventLoop) => Coroutine<T>, options?: { clock?: VirtualClock }): Promise<T> {
  return run(function* () {
    return yield* body(getRunningLoop());
  }, options);
}

/** Runs `body(loop)` on a fresh loop whose time is virtual (it starts at 0 and jumps to the next timer). */
export function inVirtualLoop<T>(body: (loop: EventLoop) => Coroutine<T>): Promise<T> {
  return inLoop(body, { clock: new VirtualClock() });
}
