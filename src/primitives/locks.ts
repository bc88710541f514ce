/**
 * Synchronization primitives (CPython: `asyncio/locks.py` and `mixins.py`): `Lock`, `Event`,
 * `Condition`, `Semaphore`, `BoundedSemaphore`, `Barrier`.
 *
 * How they work. Each blocked task waits on a future of its own, kept in a FIFO deque of waiters.
 * Waking a task means `setResult` on its future; the task removes its own future from the deque
 * when it runs again (in a `finally`). So between being woken and running, a waiter is *done but
 * still queued*, and that is how everyone else tells "someone is about to take this" apart from
 * "nobody is coming". Cancellation is the subtle part, and each primitive handles the same race
 * CPython does: a task cancelled after its wake-up was sent, but before it ran, passes the wake-up
 * on to the next waiter instead of swallowing it, and a cancelled waiter never takes a turn that
 * belongs to another. Nothing here schedules anything: it is all futures and `yield* fut`.
 *
 * Costs: acquiring a free lock or semaphore allocates nothing but the coroutine; waiting costs one
 * future and one deque slot; waking the first waiter is O(1). `Deque` is also the item store of
 * `Queue` (queues.ts).
 *
 * `async with lock:` is `yield* lock.with(function* () { ... })`, or, with a `using` declaration,
 * `using _ = yield* lock.hold();` (the release runs when the block is left, however it is left).
 */

import { formatValue, inspectCustom } from "../core/repr.ts";
import { getRunningLoop, type EventLoop } from "../loop/events.ts";
import { BrokenBarrierError, CancelledError, RuntimeError, ValueError } from "../exceptions.ts";
import { _noteWaitOwner, type Future } from "../loop/futures.ts";
import type { Coroutine } from "../loop/types.ts";
import { _watchCoroutines } from "../debug/unawaited.ts";

const EMPTY: never[] = [];

/**
 * A FIFO double-ended queue on a power-of-two ring (shared with queues.ts; not exported from the
 * package root): `push`, `shift` and `pop` are O(1)
 * and allocate nothing once the ring has grown; `remove` is O(1) at either end (where a woken or
 * a last-in waiter is) and O(n) in the middle. It has the `Array` method names it shares with
 * one, so a queue's store may be either.
 */
export class Deque<T> implements Iterable<T> {
  private ring: (T | undefined)[] = EMPTY;
  private head = 0;
  private size = 0;

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    if (this.size === this.ring.length) this.grow();
    this.ring[(this.head + this.size) & (this.ring.length - 1)] = item;
    this.size++;
  }

  /** Removes and returns the oldest item (undefined when empty). */
  shift(): T | undefined {
    if (this.size === 0) return undefined;
    const ring = this.ring;
    const item = ring[this.head];
    ring[this.head] = undefined;
    this.head = (this.head + 1) & (ring.length - 1);
    // A drained deque gives a large ring back rather than keep it for good (a small one stays,
    // so a queue that keeps draining and refilling does not reallocate).
    if (--this.size === 0 && ring.length > 1024) this.clear();
    return item;
  }

  /** Removes and returns the newest item (undefined when empty). */
  pop(): T | undefined {
    if (this.size === 0) return undefined;
    this.size--;
    const i = (this.head + this.size) & (this.ring.length - 1);
    const item = this.ring[i];
    this.ring[i] = undefined;
    return item;
  }

  /** The item at `index` from the oldest (0), or undefined past the end. */
  at(index: number): T | undefined {
    return index < this.size ? this.ring[(this.head + index) & (this.ring.length - 1)] : undefined;
  }

  /** Removes the first occurrence of `item`; returns whether there was one. */
  remove(item: T): boolean {
    if (this.size === 0) return false;
    if (this.ring[this.head] === item) {
      this.shift();
      return true;
    }
    const mask = this.ring.length - 1;
    for (let i = 1; i < this.size; i++) {
      if (this.ring[(this.head + i) & mask] !== item) continue;
      // Close the gap by moving the later items one slot towards the head.
      for (let j = i; j < this.size - 1; j++) this.ring[(this.head + j) & mask] = this.ring[(this.head + j + 1) & mask];
      this.ring[(this.head + this.size - 1) & mask] = undefined;
      this.size--;
      return true;
    }
    return false;
  }

  clear(): void {
    this.ring = EMPTY;
    this.head = this.size = 0;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.size; i++) yield this.at(i) as T;
  }

  private grow(): void {
    const old = this.ring;
    const ring = new Array<T | undefined>(old.length === 0 ? 4 : old.length * 2);
    for (let i = 0; i < this.size; i++) ring[i] = old[(this.head + i) & (old.length - 1)];
    this.ring = ring;
    this.head = 0;
  }
}

/**
 * CPython's `_LoopBoundMixin`, the base of every primitive here and of `Queue`: a primitive binds
 * to the loop running when it first has to wait, and refuses to be waited on from another loop.
 * Not exported from the package root.
 */
export class LoopBound {
  /** @internal */ _loop: EventLoop | null = null;

  /** @internal @throws RuntimeError when no loop runs, or another loop than the bound one does. */
  _getLoop(): EventLoop {
    const loop = getRunningLoop();
    if (this._loop === null) this._loop = loop;
    else if (this._loop !== loop) throw new RuntimeError(`${String(this)} is bound to a different event loop`);
    return loop;
  }

  /** @internal A future for a task to wait on here; in debug mode the reports name this primitive. */
  _newWaiter<T>(): Future<T> {
    const fut = this._getLoop().createFuture<T>();
    _noteWaitOwner(fut, this);
    return fut;
  }

  [inspectCustom](): string {
    return String(this);
  }
}

/** What `hold()` returns: releasing the primitive once when disposed (by a `using` declaration). */
class Held implements Disposable {
  private owner: { release(): void } | null;
  constructor(owner: { release(): void }) {
    this.owner = owner;
  }
  [Symbol.dispose](): void {
    const owner = this.owner;
    if (owner === null) return;
    this.owner = null;
    owner.release();
  }
}

/** The `async with` side shared by Lock, Condition and Semaphore (CPython's `_ContextManagerMixin`). */
abstract class Acquirable extends LoopBound {
  abstract acquire(): Coroutine<true>;
  abstract release(): void;

  /**
   * `async with primitive:`: acquires, runs `body`, and releases however `body` ends.
   * @param body the coroutine function to run while holding the primitive.
   * @returns what `body` returns.
   * @example
   * yield* lock.with(function* () {
   *   yield* sleep(0.1); // nobody else holds the lock here
   * });
   */
  *with<T>(body: () => Coroutine<T>): Coroutine<T> {
    yield* this.acquire();
    try {
      return yield* body();
    } finally {
      this.release();
    }
  }

  /**
   * Acquires, and returns a guard whose `[Symbol.dispose]()` releases (once), for a `using`
   * declaration: the release runs when the enclosing block is left, by return, throw or
   * cancellation. If the acquisition itself is cancelled there is no guard and nothing to release.
   * @example
   * function* critical(): Coroutine<void> {
   *   using _ = yield* lock.hold();
   *   yield* sleep(0.1); // the lock is held until the function returns
   * }
   */
  *hold(): Coroutine<Disposable> {
    yield* this.acquire();
    return new Held(this);
  }
}

function waitersSuffix(waiters: Deque<unknown>): string {
  return waiters.length > 0 ? `, waiters:${waiters.length}` : "";
}

/** Statistics of a `Lock` (Trio's `LockStatistics`). */
export interface LockStatistics {
  /** Whether the lock is held. */
  locked: boolean;
  /** Tasks queued in `acquire()`, including one woken that has not run yet. */
  waiters: number;
}

/**
 * A mutual-exclusion lock for tasks (`asyncio.Lock`), not owned by a task: any task may release
 * it. FIFO-fair: a release hands the lock to the longest waiter, and a newcomer never jumps
 * the queue while someone waits.
 *
 * @example
 * const lock = new Lock();
 * yield* lock.with(function* () {
 *   // one task at a time here
 * });
 * // or: yield* lock.acquire(); try { ... } finally { lock.release(); }
 */
export class Lock extends Acquirable {
  /** @internal */ _locked = false;
  /** @internal */ readonly _waiters = new Deque<Future<boolean>>();

  /** Whether the lock is held. */
  locked(): boolean {
    return this._locked;
  }

  /**
   * Waits until the lock is free, then takes it (`Lock.acquire`); prefer `with` or `hold`,
   * which release it however the block ends.
   * @returns true.
   * @throws CancelledError if cancelled while waiting (the lock is then not held, and any wake-up
   * it was sent goes to the next waiter).
   */
  *acquire(): Coroutine<true> {
    // Free and nobody queued (or only cancelled waiters, about to leave): take it now.
    if (!this._locked && (this._waiters.length === 0 || allCancelled(this._waiters))) {
      this._locked = true;
      return true;
    }
    const fut = this._newWaiter<boolean>();
    this._waiters.push(fut);
    try {
      try {
        yield* fut;
      } finally {
        this._waiters.remove(fut);
      }
    } catch (e) {
      // Cancelled, possibly after release() chose us: if the lock is still free, the next
      // waiter must be woken, or it would wait for a wake-up that we swallowed.
      if (e instanceof CancelledError && !this._locked) this._wakeUpFirst();
      throw e;
    }
    this._locked = true;
    return true;
  }

  /**
   * Releases the lock and wakes the first waiter, if any (`Lock.release`).
   * @throws RuntimeError "Lock is not acquired." when the lock is not held.
   */
  release(): void {
    if (!this._locked) throw new RuntimeError("Lock is not acquired.");
    this._locked = false;
    this._wakeUpFirst();
  }

  /** The state at a glance: whether it is held and how many wait. */
  statistics(): LockStatistics {
    return { locked: this._locked, waiters: this._waiters.length };
  }

  override toString(): string {
    return `<Lock [${this._locked ? "locked" : "unlocked"}${waitersSuffix(this._waiters)}]>`;
  }

  private _wakeUpFirst(): void {
    const first = this._waiters.at(0);
    // A done first waiter is already on its way: it takes the lock, or passes the turn on.
    if (first !== undefined && !first.done()) first.setResult(true);
  }
}

function allCancelled(waiters: Deque<Future<unknown>>): boolean {
  for (let i = 0; i < waiters.length; i++) if (!waiters.at(i)!.cancelled()) return false;
  return true;
}

/** Statistics of an `Event`. */
export interface EventStatistics {
  /** Whether the flag is set. */
  isSet: boolean;
  /** Tasks blocked in `wait()`. */
  waiters: number;
}

/**
 * A flag tasks can wait for (`asyncio.Event`): `set()` wakes every waiter, `clear()` resets it.
 *
 * @example
 * const ready = new Event();
 * createTask((function* () { yield* ready.wait(); console.log("go"); })());
 * ready.set();
 */
export class Event extends LoopBound {
  /** @internal */ _value = false;
  /** @internal */ readonly _waiters = new Deque<Future<boolean>>();

  /** Whether the flag is set. */
  isSet(): boolean {
    return this._value;
  }

  /** Sets the flag and wakes every task waiting for it; later `wait()`s return at once. */
  set(): void {
    if (this._value) return;
    this._value = true;
    const waiters = this._waiters;
    for (let i = 0; i < waiters.length; i++) {
      const fut = waiters.at(i)!;
      if (!fut.done()) fut.setResult(true);
    }
  }

  /** Resets the flag: `wait()` blocks again until the next `set()`. */
  clear(): void {
    this._value = false;
  }

  /**
   * Waits until the flag is set, returning at once if it is (`Event.wait`).
   * @returns true.
   * @example yield* ready.wait();
   */
  *wait(): Coroutine<true> {
    if (this._value) return true;
    const fut = this._newWaiter<boolean>();
    this._waiters.push(fut);
    try {
      yield* fut;
      return true;
    } finally {
      this._waiters.remove(fut);
    }
  }

  /** The state at a glance: the flag and how many wait for it. */
  statistics(): EventStatistics {
    return { isSet: this._value, waiters: this._waiters.length };
  }

  override toString(): string {
    return `<Event [${this._value ? "set" : "unset"}${waitersSuffix(this._waiters)}]>`;
  }
}

/** Statistics of a `Condition`. */
export interface ConditionStatistics {
  /** Whether the underlying lock is held. */
  locked: boolean;
  /** Tasks blocked in `wait()`. */
  waiters: number;
  /** Tasks queued to acquire the underlying lock. */
  lockWaiters: number;
}

/**
 * A condition variable (`asyncio.Condition`): tasks holding its lock `wait()` until another task
 * holding it calls `notify()`; a woken task returns from `wait()` once it has the lock again.
 * Several conditions may share one `Lock`.
 *
 * @example
 * const cond = new Condition();
 * // consumer
 * yield* cond.with(function* () {
 *   yield* cond.waitFor(() => items.length > 0);
 *   items.shift();
 * });
 * // producer
 * yield* cond.with(function* () {
 *   items.push(1);
 *   cond.notify();
 * });
 */
export class Condition extends Acquirable {
  /** @internal */ readonly _lock: Lock;
  /** @internal */ readonly _waiters = new Deque<Future<boolean>>();

  /** @param lock the lock to use; a new one by default. */
  constructor(lock?: Lock) {
    super();
    if (lock !== undefined && !(lock instanceof Lock)) {
      throw new TypeError(`Condition(lock): lock must be a Lock, got ${formatValue(lock, { depth: 0 })}`);
    }
    this._lock = lock ?? new Lock();
  }

  /** Whether the underlying lock is held. */
  locked(): boolean {
    return this._lock._locked;
  }

  /** Acquires the underlying lock (see `Lock.acquire`). */
  acquire(): Coroutine<true> {
    return this._lock.acquire();
  }

  /** Releases the underlying lock (see `Lock.release`). */
  release(): void {
    this._lock.release();
  }

  /**
   * Releases the lock, waits for a `notify()`, then takes the lock back before returning, even
   * when cancelled. It may return without a notify of its own (a "spurious wake-up", passed on
   * by a waiter that was cancelled), so check the state again, or use `waitFor`.
   * @returns true.
   * @throws RuntimeError "cannot wait on un-acquired lock" when the lock is not held.
   */
  *wait(): Coroutine<true> {
    if (!this.locked()) throw new RuntimeError("cannot wait on un-acquired lock");
    const fut = this._newWaiter<boolean>();
    this.release();
    try {
      try {
        this._waiters.push(fut);
        try {
          yield* fut;
          return true;
        } finally {
          this._waiters.remove(fut);
        }
      } finally {
        // Take the lock back whatever happened; a cancellation meanwhile is kept for later.
        let cancelled: CancelledError | null = null;
        for (;;) {
          try {
            yield* this._lock.acquire();
            break;
          } catch (e) {
            if (!(e instanceof CancelledError)) throw e;
            cancelled = e;
          }
        }
        if (cancelled !== null) throw cancelled;
      }
    } catch (e) {
      // We may have been notified before failing: hand that notification to someone else.
      this._notify(1);
      throw e;
    }
  }

  /**
   * Waits until `predicate()` is truthy, checking it first and after each wake-up, with the lock
   * held.
   * @returns the last (truthy) value of `predicate()`.
   * @throws RuntimeError when it must wait and the lock is not held.
   */
  *waitFor<R>(predicate: () => R): Coroutine<R> {
    let result = predicate();
    while (!result) {
      yield* this.wait();
      result = predicate();
    }
    return result;
  }

  /**
   * Wakes up to `n` tasks waiting on the condition. They return from `wait()` once the caller
   * releases the lock.
   * @throws RuntimeError "cannot notify on un-acquired lock" when the lock is not held.
   */
  notify(n = 1): void {
    if (!this.locked()) throw new RuntimeError("cannot notify on un-acquired lock");
    this._notify(n);
  }

  /** Wakes every task waiting on the condition (see `notify`). */
  notifyAll(): void {
    this.notify(this._waiters.length);
  }

  /** The state at a glance. */
  statistics(): ConditionStatistics {
    return { locked: this.locked(), waiters: this._waiters.length, lockWaiters: this._lock._waiters.length };
  }

  override toString(): string {
    return `<Condition [${this.locked() ? "locked" : "unlocked"}${waitersSuffix(this._waiters)}]>`;
  }

  private _notify(n: number): void {
    let woken = 0;
    const waiters = this._waiters;
    for (let i = 0; i < waiters.length && woken < n; i++) {
      const fut = waiters.at(i)!;
      if (fut.done()) continue;
      woken++;
      fut.setResult(false);
    }
  }
}

/** Statistics of a `Semaphore`. */
export interface SemaphoreStatistics {
  /** The counter: how many more `acquire()`s can succeed. */
  value: number;
  /** Whether `acquire()` would wait. */
  locked: boolean;
  /** Tasks queued in `acquire()`. */
  waiters: number;
}

/**
 * A counter of free slots (`asyncio.Semaphore`): `acquire()` takes one, waiting while there is
 * none; `release()` gives one back. FIFO-fair, like `Lock`.
 *
 * @example
 * const slots = new Semaphore(3); // at most 3 downloads at once
 * yield* slots.with(function* () {
 *   yield* download(url);
 * });
 */
export class Semaphore extends Acquirable {
  /** @internal */ _value: number;
  /** @internal */ readonly _waiters = new Deque<Future<boolean>>();

  /**
   * @param value the initial counter. @default 1
   * @throws ValueError "Semaphore initial value must be >= 0" when `value` is negative.
   */
  constructor(value = 1) {
    super();
    if (typeof value !== "number" || Number.isNaN(value)) {
      throw new TypeError(`Semaphore initial value must be a number, got ${formatValue(value, { depth: 0 })}`);
    }
    if (value < 0) throw new ValueError("Semaphore initial value must be >= 0");
    this._value = value;
  }

  /** Whether `acquire()` would wait: no slot is free, or others are queued first. */
  locked(): boolean {
    if (this._value === 0) return true;
    const waiters = this._waiters;
    for (let i = 0; i < waiters.length; i++) if (!waiters.at(i)!.cancelled()) return true;
    return false;
  }

  /**
   * Takes a slot, waiting for one (behind the tasks that waited first).
   * @returns true.
   * @throws CancelledError if cancelled while waiting; a slot it had been handed goes back.
   */
  *acquire(): Coroutine<true> {
    if (!this.locked()) {
      this._value--;
      return true;
    }
    const fut = this._newWaiter<boolean>();
    this._waiters.push(fut);
    try {
      try {
        yield* fut;
      } finally {
        this._waiters.remove(fut);
      }
    } catch (e) {
      // Handed a slot (the future was set) but cancelled before running: give it back.
      if (e instanceof CancelledError && fut.done() && !fut.cancelled()) this._value++;
      throw e;
    } finally {
      // Slots may have been freed while waiters queued behind us: wake as many as allowed.
      while (this._value > 0 && this._wakeUpNext());
    }
    return true;
  }

  /** Gives a slot back and wakes the first waiter, if any. */
  release(): void {
    this._value++;
    this._wakeUpNext();
  }

  /** The state at a glance. */
  statistics(): SemaphoreStatistics {
    return { value: this._value, locked: this.locked(), waiters: this._waiters.length };
  }

  override toString(): string {
    const state = this.locked() ? "locked" : `unlocked, value:${this._value}`;
    return `<${this.constructor.name} [${state}${waitersSuffix(this._waiters)}]>`;
  }

  /** Hands a slot to the first waiter not yet woken; false when there is none. */
  private _wakeUpNext(): boolean {
    const waiters = this._waiters;
    for (let i = 0; i < waiters.length; i++) {
      const fut = waiters.at(i)!;
      if (fut.done()) continue;
      this._value--;
      fut.setResult(true);
      return true;
    }
    return false;
  }
}

/**
 * A `Semaphore` that refuses to be released more times than it was acquired
 * (`asyncio.BoundedSemaphore`), which catches a double release.
 *
 * @example
 * const sem = new BoundedSemaphore(2);
 * sem.release(); // throws ValueError: BoundedSemaphore released too many times
 */
export class BoundedSemaphore extends Semaphore {
  /** @internal */ readonly _boundValue: number;

  /**
   * @param value the initial and highest counter. @default 1
   * @throws ValueError "Semaphore initial value must be >= 0" when `value` is negative.
   */
  constructor(value = 1) {
    super(value);
    this._boundValue = value;
  }

  /**
   * Gives a slot back.
   * @throws ValueError "BoundedSemaphore released too many times" when the counter is at its initial value.
   */
  override release(): void {
    if (this._value >= this._boundValue) throw new ValueError("BoundedSemaphore released too many times");
    super.release();
  }
}

/** The phases of a `Barrier`. */
export type BarrierState = "filling" | "draining" | "resetting" | "broken";

/** Statistics of a `Barrier`. */
export interface BarrierStatistics {
  state: BarrierState;
  parties: number;
  /** Tasks waiting for the barrier to fill. */
  nWaiting: number;
  broken: boolean;
}

/**
 * A meeting point for a fixed number of tasks (`asyncio.Barrier`): each `wait()` blocks until
 * `parties` tasks are waiting, then all go on together, and the barrier can be used again.
 *
 * @example
 * const barrier = new Barrier(3);
 * // in each of three tasks:
 * const index = yield* barrier.wait(); // 0, 1 or 2, a different one for each task
 */
export class Barrier extends LoopBound {
  /** @internal */ readonly _cond = new Condition();
  /** @internal */ _state: BarrierState = "filling";
  /** @internal Tasks inside `wait()`. */
  _count = 0;
  private readonly _parties: number;

  /**
   * @param parties how many tasks must wait before all are let through.
   * @throws ValueError "parties must be >= 1".
   */
  constructor(parties: number) {
    super();
    if (typeof parties !== "number" || Number.isNaN(parties)) {
      throw new TypeError(`Barrier parties must be a number, got ${formatValue(parties, { depth: 0 })}`);
    }
    if (parties < 1) throw new ValueError("parties must be >= 1");
    this._parties = parties;
  }

  /** The number of tasks needed to pass the barrier. */
  get parties(): number {
    return this._parties;
  }

  /** The number of tasks waiting for the barrier to fill. */
  get nWaiting(): number {
    return this._state === "filling" ? this._count : 0;
  }

  /** Whether the barrier was aborted (and not reset since). */
  get broken(): boolean {
    return this._state === "broken";
  }

  /**
   * Waits until `parties` tasks are waiting, then returns with all of them.
   * @returns this task's arrival index, from 0 to `parties - 1`, each given once per round.
   * @throws BrokenBarrierError when the barrier is aborted or reset while waiting, or is broken.
   */
  *wait(): Coroutine<number> {
    const cond = this._cond;
    yield* cond.acquire();
    try {
      // Wait while the previous round drains or a reset is under way.
      yield* cond.waitFor(() => this._state !== "draining" && this._state !== "resetting");
      if (this._state === "broken") throw new BrokenBarrierError("Barrier aborted");
      const index = this._count++;
      try {
        if (index + 1 === this._parties) {
          this._state = "draining";
          cond.notifyAll();
        } else {
          yield* cond.waitFor(() => this._state !== "filling");
          const state = this._currentState();
          if (state === "broken" || state === "resetting") {
            throw new BrokenBarrierError("Abort or reset of barrier");
          }
        }
        return index;
      } finally {
        this._count--;
        // The last one out lets the next round fill.
        if (this._count === 0) {
          if (this._state === "resetting" || this._state === "draining") this._state = "filling";
          cond.notifyAll();
        }
      }
    } finally {
      cond.release();
    }
  }

  /**
   * `async with barrier as index:`: waits at the barrier, then runs `body(index)`.
   * @returns what `body` returns.
   * @throws BrokenBarrierError as `wait` does.
   * @example
   * yield* barrier.with(function* (index) {
   *   if (index === 0) console.log("everyone arrived");
   * });
   */
  *with<T>(body: (index: number) => Coroutine<T>): Coroutine<T> {
    const index = yield* this.wait();
    return yield* body(index);
  }

  /**
   * Returns the barrier to its empty, filling state; tasks waiting in it get `BrokenBarrierError`.
   * A coroutine, as in asyncio: it takes the barrier's internal lock.
   * @example yield* barrier.reset();
   */
  *reset(): Coroutine<void> {
    const cond = this._cond;
    yield* cond.acquire();
    try {
      if (this._count > 0) this._state = "resetting";
      else this._state = "filling";
      cond.notifyAll();
    } finally {
      cond.release();
    }
  }

  /**
   * Breaks the barrier: tasks waiting in it, and every later `wait()`, get `BrokenBarrierError`
   * until `reset()`. Useful when one of the parties fails. A coroutine, as in asyncio.
   * @example yield* barrier.abort();
   */
  *abort(): Coroutine<void> {
    const cond = this._cond;
    yield* cond.acquire();
    try {
      this._state = "broken";
      cond.notifyAll();
    } finally {
      cond.release();
    }
  }

  /** The state, read through a call: the compiler cannot see that a wait changes it. */
  private _currentState(): BarrierState {
    return this._state;
  }

  /** The state at a glance. */
  statistics(): BarrierStatistics {
    return { state: this._state, parties: this._parties, nWaiting: this.nWaiting, broken: this.broken };
  }

  override toString(): string {
    const waiting = this.broken ? "" : `, waiters:${this.nWaiting}/${this._parties}`;
    return `<Barrier [${this._state}${waiting}]>`;
  }
}

// Debug mode reports a coroutine of these that was never awaited (debug/unawaited.ts).
_watchCoroutines(Acquirable);
_watchCoroutines(Lock);
_watchCoroutines(Event);
_watchCoroutines(Condition, ["acquire"]);
_watchCoroutines(Semaphore);
_watchCoroutines(Barrier);
