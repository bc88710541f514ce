/**
 * Virtual time for tests: `VirtualClock` (after Trio's `MockClock`) and `waitAllTasksBlocked`
 * (after Trio's `wait_all_tasks_blocked`).
 */

import { ValueError, getRunningLoop, sleep, type Coroutine, type Wakeable, type WakingClock } from "asyncio-ts";

/** Node's `util.inspect.custom`, without importing node:util: this module also loads in browsers. */
const inspectCustom: unique symbol = Symbol.for("nodejs.util.inspect.custom");

/**
 * A clock that moves only when told to, after Trio's `MockClock` (asyncio has none). Pass it as
 * `run(main, { clock })`; `loop.time()` then reads it, in seconds.
 *
 * With `autojump` (the default), whenever every task is waiting the clock jumps straight to the
 * next timer, so `yield* sleep(3600)` returns at once and `loop.time()` then reads 3600 more.
 * It does not jump while a task waits on real work (a promise bridged with `fromPromise`, an
 * executor job, a connect, a DNS lookup, a child's exit, a read from a peer outside the loop such
 * as a child's pipe or another process's socket): that work takes real time, and a timeout around
 * it must not expire before it can finish. Without `autojump`, time moves only by `advance(seconds)`.
 *
 * @example
 * const clock = new VirtualClock();
 * await run(function* () {
 *   yield* sleep(3600);
 *   getRunningLoop().time(); // 3600
 * }, { clock });
 */
export class VirtualClock implements WakingClock {
  readonly autojump: boolean;
  readonly autojumpThreshold: number;
  private current: number;
  private readonly loops = new Set<Wakeable>();

  /**
   * @param options.autojump jump to the next timer whenever every task waits. @default true
   * @param options.start the time the clock starts at, in seconds. @default 0
   * @param options.autojumpThreshold while a task waits on real work (a `fromPromise` promise,
   *   an executor job), the clock does not jump, since that work takes real time; after this many
   *   seconds of real time with every task still blocked, it jumps anyway (Trio's
   *   `autojump_threshold`). Give 0 when the bridged promises themselves wait on virtual time
   *   (native code awaiting the loop's futures). @default Infinity
   * @throws ValueError for a negative or NaN `autojumpThreshold`.
   */
  constructor(options: { autojump?: boolean; start?: number; autojumpThreshold?: number } = {}) {
    this.autojump = options.autojump ?? true;
    this.current = options.start ?? 0;
    const threshold = options.autojumpThreshold ?? Infinity;
    if (typeof threshold !== "number" || !(threshold >= 0)) {
      throw new ValueError(`\`autojumpThreshold\` must be a non-negative number of seconds (Infinity: never jump while real work is pending), got ${String(threshold)}`);
    }
    this.autojumpThreshold = threshold;
  }

  /** The virtual time in seconds. */
  now(): number {
    return this.current;
  }

  /**
   * Moves the clock forward by `seconds` and lets the loops run what became due.
   * @throws ValueError for a negative or non-number `seconds`: time cannot go backwards.
   * @example
   * const clock = new VirtualClock({ autojump: false });
   * // in a task: start something that sleeps 5 s, then
   * clock.advance(5);
   */
  advance(seconds: number): void {
    if (typeof seconds !== "number" || !(seconds >= 0)) {
      throw new ValueError(`\`seconds\` must be a non-negative number, got ${String(seconds)}; time cannot go backwards`);
    }
    this.current += seconds;
    for (const loop of this.loops) loop._wake();
  }

  /** Moves the clock to `when` (used by the loop's autojump). */
  jumpTo(when: number): void {
    if (when > this.current) this.current = when;
  }

  /** @internal */
  _attach(loop: Wakeable): void {
    this.loops.add(loop);
  }

  /** @internal */
  _detach(loop: Wakeable): void {
    this.loops.delete(loop);
  }

  toString(): string {
    return `<VirtualClock now=${this.current} autojump=${this.autojump}${this.autojumpThreshold < Infinity ? ` autojumpThreshold=${this.autojumpThreshold}` : ""}>`;
  }

  [inspectCustom](): string {
    return this.toString();
  }
}

/**
 * Returns once every other task of the running loop is blocked (waiting on something that is not
 * just another turn of the loop), and no callback or due timer is left to run. Time does not move
 * meanwhile, on a virtual clock or not. Useful to reach a quiet point in a test without sleeping
 * (after Trio's `wait_all_tasks_blocked`). A task that never blocks (a `sleep(0)` loop) keeps it waiting.
 *
 * @example
 * const worker = createTask(consume(queue));
 * yield* waitAllTasksBlocked(); // the worker now waits in queue.get()
 * clock.advance(5);
 */
export function* waitAllTasksBlocked(): Coroutine<void> {
  const loop = getRunningLoop();
  do {
    yield* sleep(0);
  } while (loop._ready.length > 0);
}
