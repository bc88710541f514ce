/**
 * The byte buffer behind `StreamReader` (CPython uses a `bytearray`): a FIFO of received chunks.
 *
 * Chunks are kept as they arrived, never concatenated on the way in, so feeding is O(1) and a
 * read that a single chunk satisfies returns a view of it with no copy (the common case of an
 * echo or a proxy). A read across chunks copies once into a new Buffer. Consumed chunks are
 * dropped from the front by advancing `head`; the array is compacted once `head` passes half of
 * it, so a long stream costs amortized O(1) per chunk. Emptied, the array keeps its slots for the
 * next chunks: setting its length to 0 would free them, and a reader that takes every chunk as it
 * comes (an echo, a proxy) would pay for a new array of 17 slots, 144 bytes, per chunk.
 *
 * `indexOf` searches chunk by chunk with `Buffer.indexOf`, plus a byte-by-byte check across each
 * boundary for separators longer than one byte. A search remembers where it stopped (the chunk
 * and its position), so `readuntil` waiting on a long line in many small chunks only looks at the
 * new ones: O(n) in total, not O(n²). Consuming bytes forgets that position.
 */

const EMPTY = Buffer.alloc(0);

export class ByteQueue {
  private chunks: Buffer[] = [];
  /** The chunks held are `chunks[head]` to `chunks[tail - 1]`; the slots past them hold EMPTY. */
  private head = 0;
  private tail = 0;
  /** Total bytes held. */
  length = 0;
  /** Where the last search stopped: chunk index and the global position of that chunk's start. */
  private scanChunk = 0;
  private scanBase = 0;

  /** Appends a chunk; the queue keeps it (callers hand over ownership). */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.tail < this.chunks.length) this.chunks[this.tail] = chunk;
    else this.chunks.push(chunk);
    this.tail++;
    this.length += chunk.length;
  }

  /** Drops everything. */
  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.tail = 0;
    this.length = 0;
    this.scanChunk = 0;
    this.scanBase = 0;
  }

  /** The first `n` bytes (n <= length), removed from the queue. */
  take(n: number): Buffer {
    if (n <= 0) return EMPTY;
    this.scanChunk = this.head;
    this.scanBase = 0;
    const chunks = this.chunks;
    const first = chunks[this.head]!;
    if (first.length >= n) {
      // One chunk satisfies the read: hand out a view, no copy.
      this.length -= n;
      if (first.length === n) this.dropHead();
      else chunks[this.head] = first.subarray(n);
      this.scanChunk = this.head;
      return first.length === n ? first : first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let filled = 0;
    while (filled < n) {
      const c = chunks[this.head]!;
      const want = n - filled;
      if (c.length <= want) {
        c.copy(out, filled);
        filled += c.length;
        this.dropHead();
      } else {
        c.copy(out, filled, 0, want);
        chunks[this.head] = c.subarray(want);
        filled = n;
      }
    }
    this.length -= n;
    this.scanChunk = this.head;
    return out;
  }

  /** Everything, removed from the queue. */
  takeAll(): Buffer {
    return this.take(this.length);
  }

  /** A copy of everything held, not consumed (for tests and debugging). */
  peekAll(): Buffer {
    return Buffer.concat(this.chunks.slice(this.head, this.tail), this.length);
  }

  /** True when the bytes at position `pos` equal `sep`. */
  startsWith(sep: Buffer, pos: number): boolean {
    if (pos + sep.length > this.length) return false;
    let i = this.head;
    let base = 0;
    while (base + this.chunks[i]!.length <= pos) base += this.chunks[i++]!.length;
    return this.matchAt(i, pos - base, sep);
  }

  /**
   * The position of the first `sep` that starts at or after `from`, or -1.
   * Resumes from where the previous search stopped when `from` is past it.
   */
  indexOf(sep: Buffer, from: number): number {
    const chunks = this.chunks;
    const seplen = sep.length;
    let i = this.head;
    let base = 0;
    if (this.scanChunk > this.head && this.scanBase <= from) {
      i = this.scanChunk;
      base = this.scanBase;
    }
    for (; i < this.tail; i++) {
      const c = chunks[i]!;
      const end = base + c.length;
      if (end > from) {
        const local = from > base ? from - base : 0;
        const j = c.indexOf(sep, local);
        if (j !== -1) return base + j;
        // A match that starts in this chunk and ends in a later one.
        for (let p = Math.max(local, c.length - seplen + 1); p < c.length; p++) {
          if (this.matchAt(i, p, sep)) return base + p;
        }
      }
      // Remember the last chunk: a match may still start in its tail once more data arrives.
      this.scanChunk = i;
      this.scanBase = base;
      base = end;
    }
    return -1;
  }

  /** True when `sep` starts at offset `p` of chunk `i` (possibly running into the next chunks). */
  private matchAt(i: number, p: number, sep: Buffer): boolean {
    const chunks = this.chunks;
    let c = chunks[i]!;
    for (let k = 0; k < sep.length; k++, p++) {
      while (p >= c.length) {
        if (++i >= this.tail) return false;
        p -= c.length;
        c = chunks[i]!;
      }
      if (c[p] !== sep[k]) return false;
    }
    return true;
  }

  private dropHead(): void {
    this.chunks[this.head++] = EMPTY;
    if (this.head === this.tail) {
      this.head = 0;
      this.tail = 0;
    } else if (this.head > 64 && this.head * 2 > this.tail) {
      this.chunks = this.chunks.slice(this.head, this.tail);
      this.tail -= this.head;
      this.head = 0;
    }
  }
}
