/**
 * Queues for tasks (CPython: `asyncio/queues.py`, 3.13): `Queue` (FIFO), `LifoQueue`,
 * `PriorityQueue`.
 *
 * The pairs: `put()` tries `putNowait()` and waits while the queue is full, `get()` tries
 * `getNowait()` and waits while it is empty. A waiting task waits on a future of its own in
 * `_putters` or `_getters`; each `putNowait` wakes the first getter, each `getNowait` the first
 * putter. A woken task is taken off its deque by the waker, so when it is cancelled before it
 * runs it hands the wake-up on (if the condition it waited for still holds) instead of losing it.
 *
 * `join()` waits until `taskDone()` was called once for every item ever put; `shutdown()` (3.13)
 * makes `put` throw `QueueShutDown` at once and `get` once the queue is empty (at once when
 * `immediate`, which also drops the items).
 *
 * Subclasses change only the three hooks `_init`, `_put` and `_get` (and the type of the store
 * `_queue`), as in CPython: see `LifoQueue` and `PriorityQueue`. Costs: a put or get that need
 * not wait allocates its coroutine, a small object written by hand (`QueueCoroutine`), and no
 * generator; one that waits, a generator and one future.
 */

import { formatValue } from "../core/repr.ts";
import { QueueEmpty, QueueFull, QueueShutDown, ValueError } from "../exceptions.ts";
import type { Future } from "../loop/futures.ts";
import { Deque, Event, LoopBound } from "./locks.ts";
import type { Coroutine } from "../loop/types.ts";
import { _watchCoroutines } from "../debug/unawaited.ts";
import { _transparentIterator } from "../debug/frames.ts";
import { hooks } from "../core/hooks.ts";
import { _markCoroutineFunction } from "../loop/tasks.ts";

/** What a queue keeps its items in: an `Array` or a `Deque`, as the hooks choose. */
export interface QueueStore<T> extends Iterable<T> {
  readonly length: number;
  push(item: T): unknown;
  shift(): T | undefined;
  pop(): T | undefined;
}

/** Statistics of a queue. */
export interface QueueStatistics {
  /** Items in the queue (`qsize()`). */
  size: number;
  maxsize: number;
  /** Tasks blocked in `get()`. */
  getters: number;
  /** Tasks blocked in `put()`. */
  putters: number;
  /** Items put and not yet marked done by `taskDone()`. */
  unfinishedTasks: number;
  shutdown: boolean;
}

/**
 * A FIFO queue for producer and consumer tasks (`asyncio.Queue`). With `maxsize > 0`, `put()`
 * waits while `maxsize` items are queued: backpressure on the producers.
 *
 * @example
 * const queue = new Queue<string>(10);
 * // producer
 * yield* queue.put("job");
 * // consumer
 * const job = yield* queue.get();
 * queue.taskDone();
 * // elsewhere: wait until every job is done
 * yield* queue.join();
 */
export class Queue<T = unknown> extends LoopBound {
  /** The items, in the store `_init` made (subclasses narrow its type with `declare`). */
  protected _queue!: QueueStore<T>;
  private readonly _maxsize: number;
  /** @internal */ readonly _getters = new Deque<Future<void>>();
  /** @internal */ readonly _putters = new Deque<Future<void>>();
  /** @internal */ _unfinishedTasks = 0;
  /** @internal Set whenever `_unfinishedTasks` is 0. */
  readonly _finished = new Event();
  /** @internal */ _isShutdown = false;

  /**
   * @param maxsize the most items the queue holds; 0 or less for no limit. @default 0
   * @throws TypeError when `maxsize` is not a number.
   */
  constructor(maxsize = 0) {
    super();
    if (typeof maxsize !== "number" || Number.isNaN(maxsize)) {
      throw new TypeError(`Queue maxsize must be a number (0 for no limit), got ${formatValue(maxsize, { depth: 0 })}`);
    }
    this._maxsize = maxsize;
    this._finished.set();
    this._init(maxsize);
  }

  // -- the hooks subclasses override ------------------------------------------------------

  /** Creates the item store `_queue` (runs in the constructor, before subclass fields are set). */
  protected _init(_maxsize: number): void {
    this._queue = new Deque<T>();
  }

  /** Adds an item to the store. */
  protected _put(item: T): void {
    this._queue.push(item);
  }

  /** Takes the next item out of the store (it is not empty). */
  protected _get(): T {
    return this._queue.shift() as T;
  }

  // -- sizes --------------------------------------------------------------------------------

  /** Number of items allowed in the queue (0 or less: no limit). */
  get maxsize(): number {
    return this._maxsize;
  }

  /** Number of items in the queue. */
  qsize(): number {
    return this._queue.length;
  }

  /** Whether the queue has no items. */
  empty(): boolean {
    return this._queue.length === 0;
  }

  /** Whether the queue holds `maxsize` items (never, with no limit). */
  full(): boolean {
    return this._maxsize > 0 && this._queue.length >= this._maxsize;
  }

  // -- put and get ------------------------------------------------------------------------------

  /**
   * Puts an item, waiting while the queue is full (`Queue.put`).
   * @throws QueueShutDown when the queue is shut down (also while waiting).
   * @example yield* queue.put(job); // waits for room when the queue is bounded and full
   */
  put(item: T): Coroutine<void> {
    return new QueueCoroutine<T, void>(this, true, item);
  }

  /**
   * Puts an item if there is room, without waiting (`Queue.put_nowait`).
   * @throws QueueFull when the queue is full; QueueShutDown when it is shut down.
   */
  putNowait(item: T): void {
    if (this._isShutdown) throw shutDownForPut();
    if (this.full()) {
      throw new QueueFull(`queue is full (maxsize=${this._maxsize}); use \`yield* queue.put(item)\` to wait for room`);
    }
    this._put(item);
    this._unfinishedTasks++;
    this._finished.clear();
    this._wakeUpNext(this._getters);
  }

  /**
   * Takes the next item, waiting while the queue is empty (`Queue.get`).
   * @throws QueueShutDown when the queue is shut down and empty (also while waiting).
   * @example
   * for (;;) {
   *   const job = yield* queue.get();
   *   try {
   *     yield* handle(job);
   *   } finally {
   *     queue.taskDone();
   *   }
   * }
   */
  get(): Coroutine<T> {
    return new QueueCoroutine<T, T>(this, false, undefined);
  }

  /**
   * Takes the next item if there is one, without waiting (`Queue.get_nowait`).
   * @throws QueueEmpty when the queue is empty; QueueShutDown when it is also shut down.
   */
  getNowait(): T {
    if (this.empty()) {
      if (this._isShutdown) throw shutDownForGet();
      throw new QueueEmpty("queue is empty; use `yield* queue.get()` to wait for an item");
    }
    const item = this._get();
    this._wakeUpNext(this._putters);
    return item;
  }

  // -- join, shutdown ---------------------------------------------------------------------------

  /**
   * Marks one item taken by `get()` as processed (`Queue.task_done`); when every item put so far
   * is, `join()` returns.
   * @throws ValueError "taskDone() called too many times" when no item is unfinished.
   */
  taskDone(): void {
    if (this._unfinishedTasks <= 0) throw new ValueError("taskDone() called too many times");
    if (--this._unfinishedTasks === 0) this._finished.set();
  }

  /**
   * Waits until every item put in the queue has been marked done with `taskDone()` (`Queue.join`).
   * @example
   * for (const url of urls) queue.putNowait(url);
   * yield* queue.join(); // every url was handled
   */
  *join(): Coroutine<void> {
    if (this._unfinishedTasks > 0) yield* this._finished.wait();
  }

  /**
   * Shuts the queue down (`Queue.shutdown`, 3.13): `put()` and `putNowait()` throw `QueueShutDown` from now on, and so do
   * `get()` and `getNowait()` once the queue is empty. Blocked putters and getters wake up and
   * throw it too (a getter only if nothing is left to get).
   * @param immediate also drop the queued items at once (counting each as done for `join()`),
   * so every `get()` throws. @default false
   * @example queue.shutdown(); // consumers finish what is queued, then get QueueShutDown
   */
  shutdown(immediate = false): void {
    this._isShutdown = true;
    if (immediate) {
      while (!this.empty()) {
        this._get();
        if (this._unfinishedTasks > 0) this._unfinishedTasks--;
      }
      if (this._unfinishedTasks === 0) this._finished.set();
    }
    // Everyone blocked re-checks and throws QueueShutDown (or, for a getter, takes what is left).
    for (let fut = this._getters.shift(); fut !== undefined; fut = this._getters.shift()) {
      if (!fut.done()) fut.setResult(undefined);
    }
    for (let fut = this._putters.shift(); fut !== undefined; fut = this._putters.shift()) {
      if (!fut.done()) fut.setResult(undefined);
    }
  }

  // -- state you can see --------------------------------------------------------------------

  /** The state at a glance. */
  statistics(): QueueStatistics {
    return {
      size: this._queue.length,
      maxsize: this._maxsize,
      getters: this._getters.length,
      putters: this._putters.length,
      unfinishedTasks: this._unfinishedTasks,
      shutdown: this._isShutdown,
    };
  }

  /** `<Queue maxsize=10 _queue=[1, 2] _getters[1] tasks=2>`, as CPython's repr. */
  override toString(): string {
    return `<${this.constructor.name} ${this._format()}>`;
  }

  /** @internal */
  _format(): string {
    let result = `maxsize=${this._maxsize}`;
    if (this._queue.length > 0) result += ` _queue=${formatItem([...this._queue])}`;
    if (this._getters.length > 0) result += ` _getters[${this._getters.length}]`;
    if (this._putters.length > 0) result += ` _putters[${this._putters.length}]`;
    if (this._unfinishedTasks !== 0) result += ` tasks=${this._unfinishedTasks}`;
    if (this._isShutdown) result += " shutdown";
    return result;
  }

  /** @internal Wakes the first waiter of `waiters` that is still waiting (not cancelled). */
  _wakeUpNext(waiters: Deque<Future<void>>): void {
    for (let fut = waiters.shift(); fut !== undefined; fut = waiters.shift()) {
      if (!fut.done()) {
        fut.setResult(undefined);
        return;
      }
    }
  }
}

// -- the coroutines put() and get() return -------------------------------------------------------

/** The result of every put that finishes: `yield*` reads `done` and `value` at once and keeps nothing. */
const FINISHED: IteratorResult<never, undefined> = { done: true, value: undefined };

/**
 * What `put()` and `get()` return: a coroutine written by hand, so that a put with room or a get
 * with an item, most of them, costs one small object and no generator (a generator is about four
 * times its size, and V8 resumes it through more steps). Like a generator it does nothing until it
 * is first resumed. Then it does what the method does when it need not wait; when it must, it
 * hands over to the generator that waits (`waitingPut`, `waitingGet`: the method's whole body),
 * which from then on answers every `next`, `throw` and `return`.
 *
 * One class serves both methods, without subclasses, its fields assigned in the constructor: on
 * V8 (Node 20) a subclass's objects are built about 1.5 times as slowly when its base class has
 * field initializers (which TypeScript emits for ES2022), and five times as slowly when a tool
 * renamed the subclass (esbuild's keepNames, which tsx uses) and it has no initializers of its own
 * (bench/README.md, the last section).
 */
class QueueCoroutine<T, R> implements Generator<unknown, R, unknown> {
  /** 0 until first resumed; 1 once finished; or the generator waiting in its place. */
  private declare state: Coroutine<R> | 0 | 1;
  private declare readonly queue: Queue<T>;
  /** Whether this is a put (of `item`) or a get. */
  private declare readonly isPut: boolean;
  private declare readonly item: T | undefined;
  constructor(queue: Queue<T>, isPut: boolean, item: T | undefined) {
    this.state = 0;
    this.queue = queue;
    this.isPut = isPut;
    this.item = item;
  }

  next(value?: unknown): IteratorResult<unknown, R> {
    const state = this.state;
    if (state !== 0) return state === 1 ? (FINISHED as IteratorResult<unknown, R>) : state.next(value);
    this.start();
    const queue = this.queue;
    if (this.isPut) {
      if (!queue.full()) {
        queue.putNowait(this.item as T);
        return FINISHED as IteratorResult<unknown, R>;
      }
      this.state = waitingPut.call(queue, this.item) as Coroutine<R>;
    } else {
      if (!queue.empty()) return { done: true, value: queue.getNowait() as unknown as R };
      this.state = waitingGet.call(queue) as Coroutine<R>;
    }
    return this.state.next();
  }

  throw(e: unknown): IteratorResult<unknown, R> {
    const state = this.state;
    if (typeof state === "object") return state.throw(e);
    if (state === 0) this.start();
    throw e;
  }

  return(value: R): IteratorResult<unknown, R> {
    const state = this.state;
    if (typeof state === "object") return state.return(value);
    if (state === 0) this.start();
    return { done: true, value };
  }

  [Symbol.iterator](): Generator<unknown, R, unknown> {
    return this;
  }

  [Symbol.dispose](): void {
    this.return(undefined as R);
  }

  get [Symbol.toStringTag](): string {
    return this.isPut ? "Queue.put" : "Queue.get";
  }

  /** @internal The generator it handed over to, if it did (debug/coroutines.ts inspects that one). */
  _generator(): object | null {
    return typeof this.state === "object" ? this.state : null;
  }

  /** Marks it finished (a throw on the way leaves it so, as it leaves a generator closed). */
  private start(): void {
    this.state = 1;
    if (hooks.onStart !== null) hooks.onStart(this); // debug mode: it was awaited (debug/unawaited.ts)
  }
}

/**
 * The generators that wait, entered by `put()` and `get()` when the queue is full or empty. They
 * are methods named `put` and `get` of an object literal, called on the queue, so that the frames
 * of a task waiting in one read `Queue.put` and `Queue.get`, as the public methods would.
 */
const { put: waitingPut, get: waitingGet } = {
  *put<T>(this: Queue<T>, item: T): Coroutine<void> {
    while (this.full()) {
      if (this._isShutdown) throw shutDownForPut();
      const putter = this._newWaiter<void>();
      this._putters.push(putter);
      try {
        yield* putter;
      } catch (e) {
        putter.cancel();
        this._putters.remove(putter);
        // Woken by a get, but leaving: the free slot goes to the next putter.
        if (!this.full() && !putter.cancelled()) this._wakeUpNext(this._putters);
        throw e;
      }
    }
    this.putNowait(item);
  },

  *get<T>(this: Queue<T>): Coroutine<T> {
    while (this.empty()) {
      if (this._isShutdown) throw shutDownForGet();
      const getter = this._newWaiter<void>();
      this._getters.push(getter);
      try {
        yield* getter;
      } catch (e) {
        getter.cancel();
        this._getters.remove(getter);
        // Woken by a put, but leaving: the item goes to the next getter.
        if (!this.empty() && !getter.cancelled()) this._wakeUpNext(this._getters);
        throw e;
      }
    }
    return this.getNowait();
  },
};

function shutDownForPut(): QueueShutDown {
  return new QueueShutDown("queue is shut down; no more items can be put");
}

function shutDownForGet(): QueueShutDown {
  return new QueueShutDown("queue is shut down and empty; no more items will come");
}

/** An item as Python's repr shows it: arrays as `[1, 'a']`, the rest as `util.inspect` does. */
function formatItem(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(formatItem).join(", ")}]`;
  return formatValue(x, { depth: 1, breakLength: Infinity });
}

/**
 * A queue that hands out the most recently added item first (`asyncio.LifoQueue`).
 *
 * @example
 * const stack = new LifoQueue<number>();
 * stack.putNowait(1);
 * stack.putNowait(2);
 * stack.getNowait(); // 2
 */
export class LifoQueue<T = unknown> extends Queue<T> {
  declare protected _queue: T[];

  protected override _init(): void {
    this._queue = [];
  }

  protected override _get(): T {
    return this._queue.pop() as T;
  }
}

/**
 * A queue that hands out the smallest item first (`asyncio.PriorityQueue`), kept as a binary
 * heap in the same layout as Python's `heapq`, so items that compare equal come out in the
 * same order as in Python.
 *
 * Without `compare`, items are ordered as Python orders them: numbers (and bigints, booleans)
 * by value, strings by code point, and arrays element by element like tuples (a shorter prefix
 * first), so `[priority, data]` pairs work as in Python. Two items Python could not compare
 * (a number and a string, two objects) throw a `TypeError` naming both, and the item is not
 * added. With `compare(a, b)` (negative when `a` comes first), any items can be ordered.
 *
 * @example
 * const jobs = new PriorityQueue<[number, string]>();
 * jobs.putNowait([2, "write"]);
 * jobs.putNowait([1, "read"]);
 * jobs.getNowait(); // [1, "read"]
 */
export class PriorityQueue<T = unknown> extends Queue<T> {
  declare protected _queue: T[];
  private readonly _less: (a: T, b: T) => boolean;

  /**
   * @param maxsize the most items the queue holds; 0 or less for no limit. @default 0
   * @param compare orders two items: negative when `a` comes first, positive when `b` does.
   * @default Python's ordering (see above)
   * @throws TypeError when `compare` is not a function.
   */
  constructor(maxsize = 0, compare?: (a: T, b: T) => number) {
    super(maxsize);
    if (compare !== undefined && typeof compare !== "function") {
      throw new TypeError(`PriorityQueue compare must be a function (a, b) => number, got ${formatValue(compare, { depth: 0 })}`);
    }
    this._less = compare === undefined ? pythonLess : (a, b) => compare(a, b) < 0;
  }

  protected override _init(): void {
    this._queue = [];
  }

  protected override _put(item: T): void {
    heapPush(this._queue, item, this._less);
  }

  protected override _get(): T {
    return heapPop(this._queue, this._less);
  }
}

// -- the heap (Python's heapq algorithm, made safe against a comparison that throws) ------------

/**
 * Adds `item` to the heap. Every comparison is made before anything moves, so a comparison that
 * throws leaves the heap as it was.
 */
function heapPush<T>(heap: T[], item: T, less: (a: T, b: T) => boolean): void {
  let pos = heap.length;
  while (pos > 0 && less(item, heap[(pos - 1) >> 1]!)) pos = (pos - 1) >> 1;
  // Move the ancestors between the new leaf and `pos` one level down.
  let hole = heap.length;
  heap.push(item);
  while (hole > pos) {
    const parent = (hole - 1) >> 1;
    heap[hole] = heap[parent]!;
    hole = parent;
  }
  heap[pos] = item;
}

/**
 * Removes and returns the smallest item, as `heapq.heappop` does: the last item replaces the
 * root, the hole goes down along the smaller children to a leaf, and the last item rises back
 * from there. The comparisons come first here too, so one that throws changes nothing.
 */
function heapPop<T>(heap: T[], less: (a: T, b: T) => boolean): T {
  const n = heap.length - 1;
  const last = heap[n]!;
  if (n === 0) {
    heap.pop();
    return last;
  }
  // The leaf where the hole ends: the smaller child at each level, among the first n items.
  let leaf = 0;
  for (let child = 1; child < n; child = 2 * leaf + 1) {
    const right = child + 1;
    leaf = right < n && !less(heap[child]!, heap[right]!) ? right : child;
  }
  // Where `last` settles on the way back up (each step compares with the item that moved up).
  let pos = leaf;
  while (pos > 0 && less(last, heap[pos]!)) pos = (pos - 1) >> 1;
  // Now move: `last` goes to `pos`, and every item on the path above it moves up one level.
  let carried = heap[pos]!;
  heap[pos] = last;
  while (pos > 0) {
    pos = (pos - 1) >> 1;
    const next = heap[pos]!;
    heap[pos] = carried;
    carried = next;
  }
  heap.pop();
  return carried;
}

// -- Python's ordering ----------------------------------------------------------------------------

type Kind = "number" | "string" | "array" | "other";

function kindOf(x: unknown): Kind {
  const t = typeof x;
  if (t === "number" || t === "bigint" || t === "boolean") return "number";
  if (t === "string") return "string";
  return Array.isArray(x) ? "array" : "other";
}

/**
 * @internal Python's `a < b` for numbers, strings and arrays of them (compared as tuples).
 * @throws TypeError for a pair Python cannot compare.
 */
export function pythonLess(a: unknown, b: unknown): boolean {
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === "number" && kb === "number") return (a as number) < (b as number);
  if (ka === "string" && kb === "string") return codePointLess(a as string, b as string);
  if (ka === "array" && kb === "array") {
    const x = a as unknown[];
    const y = b as unknown[];
    const n = Math.min(x.length, y.length);
    // The first items that differ decide; if none does, the shorter array comes first.
    for (let i = 0; i < n; i++) if (!pythonEquals(x[i], y[i])) return pythonLess(x[i], y[i]);
    return x.length < y.length;
  }
  throw new TypeError(
    `'<' not supported between instances of '${typeName(a)}' and '${typeName(b)}' ` +
      `(${formatItem(a)} and ${formatItem(b)}); give PriorityQueue a compare function to order such items`,
  );
}

/** Python's `a == b` for the same values: never throws. */
function pythonEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const ka = kindOf(a);
  const kb = kindOf(b);
  if (ka === "number" && kb === "number") return (a as number) == (b as number); // 1 == 1n == true, as in Python
  if (ka === "array" && kb === "array") {
    const x = a as unknown[];
    const y = b as unknown[];
    if (x.length !== y.length) return false;
    for (let i = 0; i < x.length; i++) if (!pythonEquals(x[i], y[i])) return false;
    return true;
  }
  return false;
}

/**
 * Compares by code point as Python does (JavaScript's `<` compares UTF-16 units, which puts
 * U+10000 and above before U+E000..U+FFFF).
 */
function codePointLess(a: string, b: string): boolean {
  if (a === b) return false;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only when both are at or above the surrogates can the two orders disagree.
    if (x >= 0xd800 && y >= 0xd800) return (x >= 0xe000 ? x - 0x800 : x + 0x2000) < (y >= 0xe000 ? y - 0x800 : y + 0x2000);
    return x < y;
  }
  return a.length < b.length;
}

function typeName(x: unknown): string {
  if (x === null) return "null";
  if (typeof x !== "object") return typeof x;
  if (Array.isArray(x)) return "Array";
  return (x as object).constructor?.name ?? "Object";
}

// They are coroutine functions for isCoroutineFunction(), as they are in Python.
_markCoroutineFunction(Queue.prototype.put);
_markCoroutineFunction(Queue.prototype.get);
// Debug mode reports a coroutine of these that was never awaited (debug/unawaited.ts), and its
// call graphs read past the hand-written coroutine's frames (debug/frames.ts).
_watchCoroutines(Queue);
_transparentIterator(QueueCoroutine);
