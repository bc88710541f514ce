/**
 * The ready queue: a FIFO of runnables (CPython: the `_ready` deque of BaseEventLoop).
 *
 * Like CPython's deque, it is a chain of fixed-size blocks: `push` writes at the tail block and
 * starts a new block when it is full; `shift` reads at the head block and drops it when it is
 * done. Neither ever copies the queue, so a burst of 100,000 new tasks costs no doubling copies
 * (a doubling ring spent 7% of task spawning copying itself), and a queue that drains gives its
 * memory back. One spare block is kept, so a queue that hovers around a block boundary does not
 * allocate. Vacated slots are cleared so a finished task or callback is not kept alive.
 */

const BLOCK = 1024;

interface Block<T> {
  items: (T | undefined)[];
  next: Block<T> | null;
}

function newBlock<T>(): Block<T> {
  return { items: new Array<T | undefined>(BLOCK).fill(undefined), next: null };
}

export class Ring<T> {
  private head: Block<T> = newBlock();
  private tail: Block<T> = this.head;
  /** Next slot to read in `head`. */
  private headIndex = 0;
  /** Next slot to write in `tail`. */
  private tailIndex = 0;
  private spare: Block<T> | null = null;
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(item: T): void {
    if (this.tailIndex === BLOCK) {
      const block = this.spare ?? newBlock<T>();
      this.spare = null;
      this.tail.next = block;
      this.tail = block;
      this.tailIndex = 0;
    }
    this.tail.items[this.tailIndex++] = item;
    this.count++;
  }

  /** Removes and returns the oldest item; the caller checks `length` first. */
  shift(): T {
    const head = this.head;
    const i = this.headIndex;
    const item = head.items[i] as T;
    head.items[i] = undefined;
    this.count--;
    if (i + 1 < BLOCK) {
      this.headIndex = i + 1;
    } else if (head.next !== null) {
      this.head = head.next;
      this.headIndex = 0;
      head.next = null;
      this.spare = head;
    } else {
      // The only block is used up and empty: start it over.
      this.headIndex = this.tailIndex = 0;
    }
    return item;
  }

  /** The items from oldest to newest, without removing them (for reports, not the hot path). */
  *[Symbol.iterator](): IterableIterator<T> {
    let block: Block<T> | null = this.head;
    let i = this.headIndex;
    for (let n = this.count; n > 0; n--) {
      if (i === BLOCK) {
        block = block!.next;
        i = 0;
      }
      yield block!.items[i++] as T;
    }
  }

  clear(): void {
    this.head = this.tail = newBlock();
    this.headIndex = this.tailIndex = 0;
    this.spare = null;
    this.count = 0;
  }
}
