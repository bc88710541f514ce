/**
 * The timer heap (CPython: the `_scheduled` heapq of BaseEventLoop; Node: lib/internal/timers.js).
 *
 * A binary min-heap keyed by (when, seq): the earliest deadline first, and timers with the same
 * deadline in the order they were scheduled. Push and pop are O(log n). A cancelled timer stays
 * in the heap and is dropped when it reaches the top; when more than half of the heap is
 * cancelled (and it is big enough to matter) the heap is rebuilt without them, in O(n), so a
 * program that arms and cancels many timeouts keeps it small.
 */

export interface HeapTimer {
  /** Deadline in loop seconds. */
  _when: number;
  /** Scheduling order, the tie-breaker. */
  _seq: number;
  _cancelled: boolean;
}

/** Below this many entries a rebuild is not worth it. */
const MIN_REBUILD_SIZE = 100;

export class TimerHeap<T extends HeapTimer> {
  private items: T[] = [];
  private nextSeq = 0;
  /** How many entries of `items` are cancelled. */
  private cancelledCount = 0;

  get size(): number {
    return this.items.length - this.cancelledCount;
  }

  push(timer: T): void {
    timer._seq = this.nextSeq++;
    const items = this.items;
    items.push(timer);
    this.siftUp(items.length - 1);
  }

  /** The earliest live timer, dropping cancelled ones on the way; undefined when none. */
  peek(): T | undefined {
    const items = this.items;
    while (items.length > 0 && items[0]!._cancelled) {
      this.cancelledCount--;
      this.removeTop();
    }
    return items[0];
  }

  /** Removes and returns the earliest live timer (call `peek` first). */
  pop(): T {
    const top = this.items[0]!;
    this.removeTop();
    return top;
  }

  /** Tells the heap that one of its timers was cancelled; rebuilds it when most are. */
  noteCancelled(): void {
    this.cancelledCount++;
    const n = this.items.length;
    if (n > MIN_REBUILD_SIZE && this.cancelledCount * 2 > n) {
      this.items = this.items.filter((t) => !t._cancelled);
      this.cancelledCount = 0;
      for (let i = (this.items.length >> 1) - 1; i >= 0; i--) this.siftDown(i);
    }
  }

  /** The live timers in no particular order (for reports). */
  live(): T[] {
    return this.items.filter((t) => !t._cancelled);
  }

  clear(): void {
    this.items = [];
    this.cancelledCount = 0;
  }

  private removeTop(): void {
    const items = this.items;
    const last = items.pop()!;
    if (items.length > 0) {
      items[0] = last;
      this.siftDown(0);
    }
  }

  private siftUp(i: number): void {
    const items = this.items;
    const t = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (p._when < t._when || (p._when === t._when && p._seq < t._seq)) break;
      items[i] = p;
      i = parent;
    }
    items[i] = t;
  }

  private siftDown(i: number): void {
    const items = this.items;
    const n = items.length;
    const t = items[i]!;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      const right = child + 1;
      if (right < n) {
        const a = items[child]!;
        const b = items[right]!;
        if (b._when < a._when || (b._when === a._when && b._seq < a._seq)) child = right;
      }
      const c = items[child]!;
      if (t._when < c._when || (t._when === c._when && t._seq < c._seq)) break;
      items[i] = c;
      i = child;
    }
    items[i] = t;
  }
}
