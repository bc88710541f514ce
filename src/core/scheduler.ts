/**
 * The scheduler: our event loop, living inside the host's (CPython: `BaseEventLoop._run_once`).
 *
 * How it works. The loop owns a FIFO ring of runnables (handles and tasks, which step themselves
 * straight from the ring, with no wrapper) and a heap of timers. One *batch* runs on a turn of the
 * host (host.ts: `setImmediate` on Node, Bun and Deno; a `MessageChannel` message in a browser) or
 * on the host timer armed for our earliest timer. A batch is a sequence of CPython iterations: move
 * the timers that are due onto the ring, then run exactly the runnables that were ready when the
 * iteration began, so anything they schedule waits for the next one. Since nothing from the host
 * can arrive while JavaScript runs, several iterations in one synchronous batch behave as
 * iterations whose I/O poll found nothing. A batch ends when the ring is empty, when `stop()` was
 * called, or when it has run for `SLICE_MS`; then the host gets its turn (its timers, its I/O poll,
 * its immediates; a page's input, rendering and network events), so a coroutine that loops on
 * `sleep(0)` never starves a socket or a click.
 *
 * Between batches the loop holds the host open only while it has something to wait for: a pending
 * turn while the ring is not empty, one host timer for the earliest of our timers. When neither is
 * armed and Node's own loop drains, nothing can ever happen again: `beforeExit` fires and the run
 * ends with a deadlock error instead of a silent exit (Bun and Deno emit it too; a page has no
 * such event, and a deadlocked run there just never ends).
 *
 * Costs: `push` onto the ring O(1) and allocation-free; a timer O(1) to push, plus its share of
 * sorting the timers of its millisecond (heap.ts); a batch calls `performance.now()` once per
 * iteration when timers are pending and once per `CHECK_EVERY` runnables for the time slice.
 * Host callbacks that feed the loop (sockets, workers, promises) either push onto the ring and
 * `_wake()` it, or run inside `_runFromNode`, which makes the loop the running one for that call,
 * as CPython runs protocol callbacks from its selector.
 *
 * A runnable that throws `KeyboardInterrupt` or `SystemExit` (handles and tasks let only these
 * through) ends the run: `runForever` rejects with it, as CPython's `run_forever` raises it.
 *
 * This module knows nothing of futures, tasks or handles: only of runnables and timers.
 */

import { _isBaseExit } from "../exceptions.ts";
import { Ring } from "./ring.ts";
import { TimerHeap, type HeapTimer } from "./heap.ts";
import { offHostIdleExit, onHostIdleExit, requestTurn, type HostTurn } from "./host.ts";

/** Anything the ready ring can hold: a handle runs its callback, a task takes one step. */
export interface Runnable {
  _run(): void;
}

/** A runnable with a deadline, kept in the timer heap until it is due. */
export interface Timer extends HeapTimer, Runnable {
  /** True while the timer is in the heap. */
  _scheduled: boolean;
}

/**
 * A source of time other than the real monotonic clock, for tests (see `VirtualClock`): what
 * `run(main, { clock })` and `newEventLoop({ clock })` take.
 * `now()` is in seconds. With `autojump`, the loop calls `jumpTo(when)` whenever every task is
 * waiting and its earliest timer is at `when`; without it, time moves only when the clock is moved.
 * @example
 * // A clock that starts at 100 s and jumps to each timer, as VirtualClock({ start: 100 }) does:
 * let t = 100;
 * const clock: Clock = { autojump: true, now: () => t, jumpTo: (when) => void (t = when) };
 * await run(function* () { yield* sleep(5); }, { clock }); // t is 105
 */
export interface Clock {
  /** The time in seconds. */
  now(): number;
  /** Whether the loop may move the clock to its next timer whenever every task waits. */
  readonly autojump: boolean;
  /** Moves the clock to `when` (seconds); the loop calls it only with `autojump`. */
  jumpTo(when: number): void;
  /**
   * With `autojump`, how many seconds of real time the loop lets real work (a bridged promise, an
   * executor job) run with every task blocked before it jumps anyway (Trio's
   * `autojump_threshold`). @default Infinity: never jump while real work is pending.
   */
  readonly autojumpThreshold?: number;
}

/**
 * @internal A clock that can move by itself (`VirtualClock.advance`) and so must wake the loops
 * that use it; the loop attaches to it while it runs.
 */
export interface WakingClock extends Clock {
  _attach(loop: Wakeable): void;
  _detach(loop: Wakeable): void;
}

/** @internal What a waking clock calls when it moved. */
export interface Wakeable {
  _wake(): void;
}

/** A clock that has to wake the loops using it. */
function isWaking(clock: Clock | null): clock is WakingClock {
  return clock !== null && typeof (clock as Partial<WakingClock>)._attach === "function";
}

/** How long one batch may run before the host gets a turn, in milliseconds. */
const SLICE_MS = 4;
/** How many runnables a batch runs between two looks at the time slice. */
const CHECK_EVERY = 1024;
/** Host timers take at most this many milliseconds (about 24.8 days). */
const MAX_NODE_DELAY_MS = 2 ** 31 - 1;

let running: Scheduler | null = null;

/** The scheduler running the current batch, or null outside of any. */
export function runningScheduler(): Scheduler | null {
  return running;
}

function realTime(): number {
  return performance.now() / 1000;
}

export abstract class Scheduler implements Wakeable {
  /** Monotonic time in seconds: the real clock, or the virtual one given at construction. */
  readonly time: () => number;
  /** @internal The ready queue. */
  readonly _ready = new Ring<Runnable>();
  /** @internal The scheduled timers. */
  readonly _timers = new TimerHeap<Timer>();
  /** @internal The clock given at construction, or null for the real one. */
  readonly _clock: Clock | null;
  /** @internal */
  _stopping = false;
  /** @internal True from the start of `runForever` until it settles. */
  _running = false;
  /** @internal True while a batch (or a Node callback inside `_runFromNode`) runs on this loop. */
  _inBatch = false;
  /**
   * @internal How many pieces of real work a task waits on outside the loop (a bridged promise,
   * an executor job): while any is pending, a virtual clock does not jump, since that work takes
   * real time and may come back before the next timer is due.
   */
  _realPending = 0;
  /**
   * @internal Called whenever a batch leaves the loop with nothing of its own to do (no ready
   * runnable, no finite timer): `asyncioTest` checks there whether anything else could still
   * come, to report a deadlock at once. Null (the default) costs one comparison per batch.
   */
  _idleHook: (() => void) | null = null;
  /**
   * @internal A seeded random number generator (values in [0, 1)) to shuffle the order of the
   * runnables within each batch, for `asyncioTest({ shuffle })`; null keeps FIFO order.
   */
  _shuffle: (() => number) | null = null;
  /** The host turn a batch (or the autojump) waits for, if any. */
  private immediate: HostTurn | null = null;
  private nodeTimer: ReturnType<typeof setTimeout> | null = null;
  private nodeTimerWhen = Infinity;
  private settle: { resolve: () => void; reject: (e: unknown) => void } | null = null;

  constructor(clock: Clock | null) {
    this._clock = clock;
    this.time = clock === null ? realTime : () => clock.now();
  }

  /** Runs one runnable in debug mode (timing it); the event loop overrides this. */
  protected abstract _runDebug(r: Runnable): void;
  /** Whether `_runDebug` should be used. */
  protected abstract _debugEnabled(): boolean;
  /** Reports an error that escaped a runnable (a bug, since handles and tasks catch their own). */
  protected abstract _reportInternalError(e: unknown): void;
  /** The error a run ends with when nothing can ever run again. */
  protected abstract _deadlockError(): Error;

  /** Starts running batches; the promise settles when `stop()` takes effect or on deadlock. */
  protected _startRunning(): Promise<void> {
    this._running = true;
    onHostIdleExit(this.onBeforeExit);
    if (isWaking(this._clock)) this._clock._attach(this);
    const done = new Promise<void>((resolve, reject) => {
      this.settle = { resolve, reject };
    });
    this._wake();
    return done;
  }

  /** @internal Schedules a batch if the loop runs and none is pending: called whenever work arrives from outside. */
  _wake(): void {
    if (!this._inBatch && this.immediate === null && this._running) {
      this.immediate = requestTurn(this.runBatch);
    }
  }

  /** @internal Real work outside the loop started: a virtual clock waits for it before it jumps. */
  _holdReal(): void {
    this._realPending++;
  }

  /** @internal That work came back (or nobody waits for it any more). */
  _releaseReal(): void {
    if (--this._realPending === 0 && this._clock !== null) this._wake();
  }

  /** @internal Pushes a runnable onto the ready ring (`call_soon` without the handle). */
  _enqueue(r: Runnable): void {
    this._ready.push(r);
    if (!this._inBatch) this._wake();
  }

  /** @internal Puts a timer in the heap. */
  _schedule(t: Timer): void {
    t._scheduled = true;
    this._timers.push(t);
    if (!this._inBatch) this._wake();
  }

  /**
   * @internal Runs `fn` from a Node callback (socket data, a worker's message) as part of this loop, so the
   * code it calls sees this loop as the running one, then lets the loop run what `fn` scheduled.
   */
  _runFromNode<A extends unknown[]>(fn: (...args: A) => void, ...args: A): void {
    if (this._inBatch) {
      fn(...args);
      return;
    }
    const prev = running;
    running = this;
    this._inBatch = true;
    let exit: Error | null = null;
    try {
      fn(...args);
    } catch (e) {
      if (_isBaseExit(e) && this._running) exit = e as Error; // ends the run, as from a batch
      else this._reportInternalError(e);
    } finally {
      this._inBatch = false;
      running = prev;
    }
    if (exit !== null) this.finish(exit);
    else if (this._ready.length > 0) this._wake();
    else if (this._running && this.immediate === null) {
      // `fn` may have scheduled a timer earlier than the one Node is set for (or the first): set
      // Node's timer for it now, as a batch does when it ends.
      const next = this._timers.peek();
      if (next !== undefined && (this.nodeTimer === null || this.nodeTimerWhen !== next._when)) this.scheduleNext();
    }
  }

  private readonly runBatch = (): void => {
    this.immediate = null;
    if (!this._running || this._inBatch) return;
    const prev = running;
    running = this;
    this._inBatch = true;
    const ready = this._ready;
    const debug = this._debugEnabled();
    const deadline = performance.now() + SLICE_MS;
    let budget = CHECK_EVERY;
    let exit: Error | null = null;
    try {
      for (;;) {
        if (this._timers.size > 0) this.moveDueTimers();
        let n = ready.length;
        if (n === 0) break;
        budget -= n;
        if (this._shuffle !== null) this.shuffleReady();
        if (debug) {
          while (n-- > 0) this._runDebug(ready.shift());
        } else {
          while (n-- > 0) ready.shift()._run();
        }
        if (this._stopping) break;
        if (budget <= 0) {
          if (performance.now() >= deadline) break;
          budget = CHECK_EVERY;
        }
      }
    } catch (e) {
      // KeyboardInterrupt and SystemExit come through handles and tasks on purpose: they end the
      // run (CPython lets them out of `run_forever`). The runnables not run yet stay in the ring.
      if (_isBaseExit(e)) exit = e as Error;
      else this._reportInternalError(e);
    } finally {
      this._inBatch = false;
      running = prev;
    }
    if (exit !== null || this._stopping) this.finish(exit);
    else {
      this.scheduleNext();
      if (this._idleHook !== null && this.isIdle()) this._idleHook();
    }
  };

  /**
   * Shuffles the ready ring (`_shuffle`), so that a test whose outcome depends on the order of
   * callbacks within one turn of the loop shows it (Trio shuffles each batch likewise). The batch
   * then runs from the ring as usual; what it schedules waits for the next batch.
   */
  private shuffleReady(): void {
    const batch: Runnable[] = [];
    while (this._ready.length > 0) batch.push(this._ready.shift());
    for (let i = batch.length - 1; i > 0; i--) {
      const j = Math.floor(this._shuffle!() * (i + 1));
      [batch[i], batch[j]] = [batch[j]!, batch[i]!];
    }
    for (const r of batch) this._ready.push(r);
  }

  /** Nothing of the loop's own is scheduled: no batch, no Node timer, no finite timer. */
  private isIdle(): boolean {
    if (this.immediate !== null || this.nodeTimer !== null || this._ready.length > 0) return false;
    const next = this._timers.peek();
    return next === undefined || next._when === Infinity;
  }

  /** @internal Ends the current run with the deadlock report, if the loop is idle and running. */
  _failDeadlocked(): boolean {
    if (!this._running || this._inBatch || !this.isIdle()) return false;
    this.finish(this._deadlockError());
    return true;
  }

  /** Moves every timer that is due onto the ring, earliest first. */
  private moveDueTimers(): void {
    const now = this.time();
    const timers = this._timers;
    for (let t = timers.peek(); t !== undefined && t._when <= now; t = timers.peek()) {
      timers.pop();
      t._scheduled = false;
      this._ready.push(t);
    }
  }

  /** After a batch: another batch soon, a Node timer for our earliest timer, or nothing (idle). */
  private scheduleNext(): void {
    if (this._ready.length > 0) {
      this.immediate = requestTurn(this.runBatch);
      return;
    }
    const next = this._timers.peek();
    if (next === undefined || this._clock !== null) {
      this.clearNodeTimer();
      // A virtual clock never jumps to a timer at Infinity (`sleep(Infinity)` sleeps forever, as with
      // the real clock); with only such timers left the loop idles, and a deadlock is reported.
      if (next === undefined || next._when === Infinity || !this._clock!.autojump) return;
      if (this._realPending === 0) {
        this.immediate = requestTurn(this.autojump);
      } else {
        // Real work is pending: the clock waits for it, at most `autojumpThreshold` real seconds.
        const threshold = this._clock!.autojumpThreshold ?? Infinity;
        if (threshold < Infinity) this.nodeTimer = setTimeout(this.autojumpAnyway, Math.min(Math.max(threshold * 1000, 0), MAX_NODE_DELAY_MS));
      }
      return;
    }
    if (this.nodeTimer !== null && this.nodeTimerWhen === next._when) return;
    this.clearNodeTimer();
    const ms = Math.ceil((next._when - this.time()) * 1000);
    this.nodeTimer = setTimeout(this.onNodeTimer, Math.min(Math.max(ms, 0), MAX_NODE_DELAY_MS));
    this.nodeTimerWhen = next._when;
  }

  /** A virtual clock jumps to the earliest timer once Node had a turn and nothing became ready. */
  private readonly autojump = (): void => {
    this.immediate = null;
    if (this._realPending === 0) this.jumpToNextTimer();
    this.runBatch();
  };

  /** Real work stayed pending for `autojumpThreshold` seconds with every task blocked: jump. */
  private readonly autojumpAnyway = (): void => {
    this.nodeTimer = null;
    this.jumpToNextTimer();
    this.runBatch();
  };

  private jumpToNextTimer(): void {
    if (this._ready.length > 0) return;
    const next = this._timers.peek();
    if (next !== undefined && next._when > this._clock!.now()) this._clock!.jumpTo(next._when);
  }

  private readonly onNodeTimer = (): void => {
    this.nodeTimer = null;
    this.nodeTimerWhen = Infinity;
    this.runBatch();
  };

  private clearNodeTimer(): void {
    if (this.nodeTimer !== null) {
      clearTimeout(this.nodeTimer);
      this.nodeTimer = null;
      this.nodeTimerWhen = Infinity;
    }
  }

  /** Node's loop has drained while we run: nothing we wait for can ever happen. */
  private readonly onBeforeExit = (): void => {
    if (this._running && !this._inBatch && this.immediate === null && this._ready.length === 0) {
      this.finish(this._deadlockError());
    }
  };

  /** Ends the current `runForever`: with `error`, it rejects. */
  private finish(error: Error | null): void {
    this._stopping = false;
    this._running = false;
    if (this.immediate !== null) {
      this.immediate.cancel();
      this.immediate = null;
    }
    this.clearNodeTimer();
    offHostIdleExit(this.onBeforeExit);
    if (isWaking(this._clock)) this._clock._detach(this);
    const settle = this.settle!;
    this.settle = null;
    if (error === null) settle.resolve();
    else settle.reject(error);
  }
}
