/**
 * The timer heap (CPython: the `_scheduled` heapq of BaseEventLoop; Node: lib/internal/timers.js).
 *
 * Timers come out earliest deadline first, and timers with the same deadline in the order they
 * were pushed, exactly as from a heap keyed by (when, push order). Inside, timers are grouped in
 * one *bucket* per millisecond of deadline, as Node groups its timers in lists: a push appends to
 * its bucket, found through a Map, in O(1); a binary min-heap orders only the buckets. A bucket is
 * sorted (a stable sort, so ties keep push order) when it reaches the top, and then drained from
 * its front. So each timer costs one append and a share of one sort of its millisecond's timers
 * (close to linear in their number, see `sortByDeadline`), instead of two walks down a heap of
 * every timer, where each step is a cache miss once there are many (bench/: timers).
 *
 * A bucket's millisecond is `Math.floor(when * 1000)`, which never decreases as `when` grows, so
 * every timer of a later bucket is due later than every timer of an earlier one.
 *
 * A cancelled timer stays in its bucket and is dropped when it reaches the front; when more than
 * half of the timers are cancelled (and there are enough to matter) every bucket is filtered, in
 * O(n), so a program that arms and cancels many timeouts keeps the heap small.
 */

export interface HeapTimer {
  /** Deadline in loop seconds. */
  _when: number;
  _cancelled: boolean;
}

/** The timers whose deadlines fall in one millisecond. */
interface Bucket<T> {
  /** `Math.floor(when * 1000)` of each of its timers. */
  readonly ms: number;
  /** Its timers; those before `head` have left already (their slots are cleared). */
  items: (T | undefined)[];
  head: number;
  /** Whether `items` from `head` on are in (when, push order). Once draining has begun, always. */
  sorted: boolean;
}

/** Below this many timers a filtering of the cancelled ones is not worth it. */
const MIN_REBUILD_SIZE = 100;

/** Up to this many timers, a run is put in order by insertion sort. */
const INSERTION_MAX = 24;

/**
 * Sorts the timers of millisecond `ms` by deadline, keeping push order among equal deadlines.
 * A millisecond of a busy loop may hold tens of thousands of timers (bench/: timers), mostly at
 * distinct deadlines spread over the millisecond, so they are first dealt, in push order, into
 * as many equal slices of it as there are timers (a counting sort on the slice, which is stable
 * and never reverses two deadlines, since the slice grows with the deadline). A slice then holds
 * a timer or two, put in order by insertion sort; a crowded one (deadlines bunched within a
 * slice) by a merge sort. Not `items.sort((a, b) => a._when - b._when)`: that calls the
 * comparison function once per comparison, and compares each timer about log2(n) times.
 */
function sortByDeadline<T extends HeapTimer>(items: (T | undefined)[], ms: number): void {
  const timers = items as T[];
  const n = timers.length;
  if (n <= INSERTION_MAX) {
    insertionSort(timers, 0, n);
    return;
  }
  const slice = new Int32Array(n);
  const ends = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    // NaN for the infinite deadlines (Infinity - Infinity): they go to the first slice.
    let k = Math.floor((timers[i]!._when * 1000 - ms) * n);
    if (!(k >= 0)) k = 0;
    else if (k >= n) k = n - 1;
    slice[i] = k;
    ends[k]!++;
  }
  for (let k = 1; k < n; k++) ends[k]! += ends[k - 1]!;
  // Dealt from the back, each timer before the ones pushed after it in its slice.
  const dealt = new Array<T>(n);
  for (let i = n - 1; i >= 0; i--) dealt[--ends[slice[i]!]!] = timers[i]!;
  // `ends[k]` is now where slice k starts.
  for (let k = 0; k < n; k++) {
    const lo = ends[k]!;
    const hi = k + 1 < n ? ends[k + 1]! : n;
    if (hi - lo <= INSERTION_MAX) insertionSort(dealt, lo, hi);
    else mergeSort(dealt, lo, hi);
  }
  for (let i = 0; i < n; i++) timers[i] = dealt[i]!;
}

/** Sorts `timers[lo, hi)` by deadline, keeping push order among equal deadlines. */
function insertionSort<T extends HeapTimer>(timers: T[], lo: number, hi: number): void {
  for (let i = lo + 1; i < hi; i++) {
    const t = timers[i]!;
    const when = t._when;
    let j = i;
    while (j > lo && timers[j - 1]!._when > when) {
      timers[j] = timers[j - 1]!;
      j--;
    }
    timers[j] = t;
  }
}

/**
 * Sorts `timers[lo, hi)` by deadline, keeping push order among equal deadlines: a merge sort,
 * bottom up, on the deadlines copied into a Float64Array, the timers moving alongside.
 */
function mergeSort<T extends HeapTimer>(items: T[], lo: number, hi: number): void {
  const n = hi - lo;
  let keys = new Float64Array(n);
  let timers = items.slice(lo, hi);
  for (let i = 0; i < n; i++) keys[i] = timers[i]!._when;
  let keysOut = new Float64Array(n);
  let timersOut = new Array<T>(n);
  for (let width = 1; width < n; width *= 2) {
    for (let left = 0; left < n; left += 2 * width) {
      const mid = Math.min(left + width, n);
      const right = Math.min(left + 2 * width, n);
      let i = left;
      let j = mid;
      let k = left;
      while (i < mid && j < right) {
        // The left run first on a tie: that keeps push order.
        if (keys[j]! < keys[i]!) {
          keysOut[k] = keys[j]!;
          timersOut[k++] = timers[j++]!;
        } else {
          keysOut[k] = keys[i]!;
          timersOut[k++] = timers[i++]!;
        }
      }
      while (i < mid) {
        keysOut[k] = keys[i]!;
        timersOut[k++] = timers[i++]!;
      }
      while (j < right) {
        keysOut[k] = keys[j]!;
        timersOut[k++] = timers[j++]!;
      }
    }
    [keys, keysOut] = [keysOut, keys];
    [timers, timersOut] = [timersOut, timers];
  }
  for (let i = 0; i < n; i++) items[lo + i] = timers[i]!;
}

export class TimerHeap<T extends HeapTimer> {
  /** The buckets, as a binary min-heap by `ms`. */
  private heap: Bucket<T>[] = [];
  private buckets = new Map<number, Bucket<T>>();
  /** The bucket of the last push: timers pushed in a burst often share one. */
  private last: Bucket<T> | null = null;
  /** How many timers the buckets hold, cancelled ones included. */
  private count = 0;
  private cancelledCount = 0;

  get size(): number {
    return this.count - this.cancelledCount;
  }

  push(timer: T): void {
    const ms = Math.floor(timer._when * 1000);
    let b = this.last;
    if (b === null || b.ms !== ms) {
      b = this.buckets.get(ms) ?? this.addBucket(ms);
      this.last = b;
    }
    this.count++;
    const items = b.items;
    const n = items.length;
    if (b.sorted && n > b.head && items[n - 1]!._when > timer._when) {
      if (b.head === 0) {
        b.sorted = false;
      } else {
        // The bucket is being drained: keep it sorted, the new timer after any with its deadline.
        let lo = b.head;
        let hi = n;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (items[mid]!._when <= timer._when) lo = mid + 1;
          else hi = mid;
        }
        items.splice(lo, 0, timer);
        return;
      }
    }
    items.push(timer);
  }

  /** The earliest live timer, dropping cancelled ones on the way; undefined when none. */
  peek(): T | undefined {
    for (;;) {
      const b = this.heap[0];
      if (b === undefined) return undefined;
      if (!b.sorted) {
        sortByDeadline(b.items, b.ms);
        b.sorted = true;
      }
      const items = b.items;
      while (b.head < items.length) {
        const t = items[b.head]!;
        if (!t._cancelled) return t;
        items[b.head++] = undefined;
        this.count--;
        this.cancelledCount--;
      }
      this.removeTopBucket();
    }
  }

  /** Removes and returns the earliest live timer (call `peek` first). */
  pop(): T {
    const b = this.heap[0]!;
    const items = b.items;
    const t = items[b.head]!;
    items[b.head++] = undefined;
    this.count--;
    if (b.head === items.length) this.removeTopBucket();
    return t;
  }

  /** Tells the heap that one of its timers was cancelled; drops them all when most are. */
  noteCancelled(): void {
    this.cancelledCount++;
    if (this.count > MIN_REBUILD_SIZE && this.cancelledCount * 2 > this.count) this.dropCancelled();
  }

  /** The live timers in no particular order (for reports). */
  live(): T[] {
    const out: T[] = [];
    for (const b of this.heap) {
      for (let i = b.head; i < b.items.length; i++) {
        const t = b.items[i]!;
        if (!t._cancelled) out.push(t);
      }
    }
    return out;
  }

  clear(): void {
    this.heap = [];
    this.buckets.clear();
    this.last = null;
    this.count = 0;
    this.cancelledCount = 0;
  }

  private addBucket(ms: number): Bucket<T> {
    const b: Bucket<T> = { ms, items: [], head: 0, sorted: true };
    this.buckets.set(ms, b);
    const heap = this.heap;
    let i = heap.length;
    heap.push(b);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (heap[parent]!.ms <= ms) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = b;
    return b;
  }

  private removeTopBucket(): void {
    const heap = this.heap;
    const top = heap[0]!;
    this.buckets.delete(top.ms);
    if (this.last === top) this.last = null;
    const end = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = end;
      this.siftDown(0);
    }
  }

  private siftDown(i: number): void {
    const heap = this.heap;
    const n = heap.length;
    const b = heap[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && heap[child + 1]!.ms < heap[child]!.ms) child++;
      if (b.ms <= heap[child]!.ms) break;
      heap[i] = heap[child]!;
      i = child;
    }
    heap[i] = b;
  }

  /** Filters every bucket, dropping the cancelled timers and the buckets left empty. */
  private dropCancelled(): void {
    const kept: Bucket<T>[] = [];
    this.buckets.clear();
    this.last = null;
    this.count = 0;
    for (const b of this.heap) {
      const items: T[] = [];
      for (let i = b.head; i < b.items.length; i++) {
        const t = b.items[i]!;
        if (!t._cancelled) items.push(t);
      }
      if (items.length === 0) continue;
      b.items = items;
      b.head = 0;
      kept.push(b);
      this.buckets.set(b.ms, b);
      this.count += items.length;
    }
    this.cancelledCount = 0;
    this.heap = kept;
    for (let i = (kept.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
  }
}
