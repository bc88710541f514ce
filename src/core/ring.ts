/**
 * The ready queue: a FIFO ring buffer of runnables (CPython: the `_ready` deque of BaseEventLoop).
 *
 * A power-of-two array with head and tail indices; `push` and `shift` are O(1) and allocate
 * nothing until the ring must grow, when it doubles. Vacated slots are cleared so a finished
 * task or callback is not kept alive by the queue.
 */

export class Ring<T> {
  private items: (T | undefined)[];
  private mask: number;
  private head = 0;
  private tail = 0;

  constructor(capacity = 1024) {
    let size = 16;
    while (size < capacity) size <<= 1;
    this.items = new Array<T | undefined>(size);
    this.mask = size - 1;
  }

  get length(): number {
    return (this.tail - this.head) & this.mask;
  }

  push(item: T): void {
    this.items[this.tail] = item;
    this.tail = (this.tail + 1) & this.mask;
    if (this.tail === this.head) this.grow();
  }

  /** Removes and returns the oldest item; the caller checks `length` first. */
  shift(): T {
    const item = this.items[this.head] as T;
    this.items[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    return item;
  }

  /** The items from oldest to newest, without removing them (for reports, not the hot path). */
  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = this.head; i !== this.tail; i = (i + 1) & this.mask) yield this.items[i] as T;
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = this.tail = 0;
  }

  /** Called when the ring is full (tail caught up with head): unrolls it into an array twice the size. */
  private grow(): void {
    const old = this.items;
    const size = old.length;
    const next = new Array<T | undefined>(size * 2);
    for (let i = 0; i < size; i++) next[i] = old[(this.head + i) & this.mask];
    this.items = next;
    this.head = 0;
    this.tail = size;
    this.mask = size * 2 - 1;
  }
}
