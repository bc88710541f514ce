/**
 * `StreamReader` (CPython: `asyncio/streams.py`), re-exported by `streams.ts`, where the rest of
 * the streams API lives: a buffer of received bytes that coroutines read lines, exact counts or
 * everything until EOF from. It pauses its transport's reading when it holds more than twice its
 * `limit` and resumes it once a read brings it back to `limit`, so a fast peer cannot grow our
 * memory without bound. The bytes are kept as the chunks arrived (see bytequeue.ts).
 */

import { inspect } from "node:util";
import { _getRunningLoop, getEventLoop, type EventLoop } from "../loop/events.ts";
import { IncompleteReadError, LimitOverrunError, RuntimeError, ValueError } from "../exceptions.ts";
import { _holdRealUntilDone, type Future } from "../loop/futures.ts";
import type { Coroutine } from "../loop/types.ts";
import { checkOptions } from "../options.ts";
import { ByteQueue } from "./bytequeue.ts";
import { _peerOnLoop, type LoopResource } from "./registry.ts";
import { _watchCoroutines } from "../debug/unawaited.ts";
import { _transparentIterator } from "../debug/frames.ts";
import { hooks } from "../core/hooks.ts";
import { _markCoroutineFunction } from "../loop/tasks.ts";

/**
 * The default `limit` of a `StreamReader`: 64 KiB (CPython's `_DEFAULT_LIMIT`). A line or a
 * `readuntil` longer than the limit throws `LimitOverrunError`.
 * @example const [reader, writer] = yield* openConnection(host, port, { limit: 4 * DEFAULT_LIMIT });
 */
export const DEFAULT_LIMIT = 64 * 1024;
const STREAM_READER_OPTION_KEYS = ["limit", "loop"] as const;

const EMPTY = Buffer.alloc(0);
const NEWLINE = Buffer.from("\n");

/** What `feedData` and writes accept: bytes, or a string (UTF-8). */
export type Bytes = Uint8Array | string;

export function toBuffer(data: Bytes): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** Whether `transport` is a socket whose peer is on `loop` too (a pipe's peer never is). */
function peerOnLoop(loop: EventLoop, transport: ReadingTransport): boolean {
  const resource = transport as Partial<LoopResource>;
  return typeof resource._endpoints === "function" && _peerOnLoop(loop, resource as LoopResource);
}

/** The part of a transport a `StreamReader` drives (pause and resume reading); any `Transport` has it. */
export interface ReadingTransport {
  pauseReading(): void;
  resumeReading(): void;
}

/**
 * A buffer of received bytes that coroutines read from (`asyncio.StreamReader`). You get one from
 * `openConnection` or `startServer`; a bare one, fed by hand with `feedData`/`feedEof`, is handy
 * in tests and for parsing.
 *
 * Only one coroutine may wait on a reader at a time (as in CPython).
 *
 * @example
 * const [reader, writer] = yield* openConnection("127.0.0.1", 8080);
 * const line = yield* reader.readline();           // Buffer, "\n" included; empty at EOF
 * const header = yield* reader.readexactly(4);     // or IncompleteReadError
 * const rest = yield* reader.read();               // everything until EOF
 */
export class StreamReader {
  /** @internal */ readonly _loop: EventLoop;
  /** @internal */ readonly _limit: number;
  /** @internal */ readonly _buffer = new ByteQueue();
  /** @internal */ _eof = false;
  /** @internal */ _waiter: Future<void> | null = null;
  /** @internal */ _exception: Error | null = null;
  /** @internal */ _transport: ReadingTransport | null = null;
  /** @internal */ _paused = false;

  /**
   * @param options.limit the most bytes `readline`/`readuntil` look through for a separator, and
   *   half the size at which reading pauses. @default 65536
   * @param options.loop the loop whose futures the reader uses. @default the running (or current) loop
   * @throws ValueError when `limit <= 0`.
   */
  constructor(options: { limit?: number; loop?: EventLoop } = {}) {
    checkOptions(options, STREAM_READER_OPTION_KEYS, "StreamReader()");
    const limit = options.limit ?? DEFAULT_LIMIT;
    if (!(limit > 0)) throw new ValueError("Limit cannot be <= 0");
    this._limit = limit;
    this._loop = options.loop ?? _getRunningLoop() ?? getEventLoop();
  }

  /** The error the stream failed with (set by `setException`), or null. */
  exception(): Error | null {
    return this._exception;
  }

  /** Fails the stream: the waiting read (and every later one) throws `exc`. */
  setException(exc: Error): void {
    this._exception = exc;
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      if (!waiter.done()) waiter.setException(exc);
    }
  }

  /** Ties the reader to the transport it pauses and resumes. @throws RuntimeError when already set. */
  setTransport(transport: ReadingTransport): void {
    if (this._transport !== null) throw new RuntimeError("Transport already set");
    this._transport = transport;
  }

  /** Marks the end of the stream: reads return what is left, then empty buffers. */
  feedEof(): void {
    this._eof = true;
    this.wakeupWaiter();
  }

  /** True when EOF was fed and the buffer is empty. */
  atEof(): boolean {
    return this._eof && this._buffer.length === 0;
  }

  /**
   * Appends bytes to the buffer and wakes the waiting read. The bytes are copied.
   * @throws RuntimeError after `feedEof()`.
   */
  feedData(data: Bytes): void {
    this._feed(typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data));
  }

  /** @internal The transport's path: takes `chunk` without copying (Node never reuses it). */
  _feed(chunk: Buffer): void {
    if (this._eof) throw new RuntimeError("feedData after feedEof");
    if (chunk.length === 0) return;
    const buffer = this._buffer;
    buffer.push(chunk);
    this.wakeupWaiter();
    if (this._transport !== null && !this._paused && buffer.length > 2 * this._limit) {
      this._paused = true;
      this._transport.pauseReading();
    }
  }

  /**
   * Reads one line, "\n" included. At EOF returns what is left (maybe without "\n"), then empty
   * buffers.
   * @throws ValueError when no "\n" is found within `limit` bytes (the line is dropped from the buffer).
   */
  readline(): Coroutine<Buffer> {
    return new StreamCoroutine(this, READLINE, 0);
  }

  /** @internal The line `readline()` returns without waiting, or null when its generator must run (to wait, or to throw). */
  _lineNow(): Buffer | null {
    if (this._exception !== null) return null;
    const end = this._buffer.indexOf(NEWLINE, 0);
    return end === -1 || end > this._limit ? null : this._take(end + 1);
  }

  /**
   * Reads up to and including `separator` (or the first of several separators to occur).
   * @param separator bytes or a string (UTF-8), or an array of them. @default "\n"
   * @returns the bytes, separator included.
   * @throws IncompleteReadError at EOF before a separator (`partial` holds the rest, which is consumed);
   *   LimitOverrunError when no separator is found within `limit` bytes (nothing is consumed);
   *   ValueError for an empty separator.
   */
  *readuntil(separator: Bytes | readonly Bytes[] = NEWLINE): Coroutine<Buffer> {
    const seps = Array.isArray(separator) ? (separator as readonly Bytes[]).map(toBuffer) : [toBuffer(separator as Bytes)];
    if (seps.length === 0) throw new ValueError("Separator should contain at least one element");
    let minLen = Infinity;
    let maxLen = 0;
    for (const s of seps) {
      if (s.length === 0) throw new ValueError("Separator should be at least one-byte string");
      if (s.length < minLen) minLen = s.length;
      if (s.length > maxLen) maxLen = s.length;
    }
    if (this._exception !== null) throw this._exception;
    const buffer = this._buffer;
    const limit = this._limit;
    // `offset` is where the next search starts: bytes before it hold no complete separator.
    let offset = 0;
    let match = -1;
    let matchLen = 0;
    for (;;) {
      const buflen = buffer.length;
      if (buflen - offset >= minLen) {
        for (const s of seps) {
          const i = buffer.indexOf(s, offset);
          if (i !== -1 && (match === -1 || i < match)) {
            match = i;
            matchLen = s.length;
          }
        }
        if (match !== -1) break;
        offset = Math.max(offset, buflen + 1 - maxLen);
        if (offset > limit) throw new LimitOverrunError("Separator is not found, and chunk exceed the limit", offset);
      }
      if (this._eof) {
        const chunk = buffer.takeAll();
        this._maybeResumeTransport();
        throw new IncompleteReadError(chunk, null);
      }
      yield* this._waitForData("readuntil");
    }
    if (match > limit) throw new LimitOverrunError("Separator is found, but chunk is longer than limit", match);
    const chunk = buffer.take(match + matchLen);
    this._maybeResumeTransport();
    return chunk;
  }

  /**
   * Reads at most `n` bytes; with `n < 0` (the default) reads until EOF. Returns an empty buffer
   * at EOF. Waits only when the buffer is empty.
   * @param n the most bytes to return, or -1 for everything until EOF. @default -1
   * @throws TypeError when `n` is not an integer (1.5, NaN).
   */
  read(n = -1): Coroutine<Buffer> {
    // A read until EOF is a generator; a read of at most n bytes, made for every chunk a server
    // handles, is a coroutine written by hand (StreamCoroutine): one small object, where the
    // generator was about 200 bytes.
    return typeof n === "number" && n < 0 ? this._readToEof(n) : new StreamCoroutine(this, READ, n);
  }

  /** @internal `read(n)` for `n < 0`. */
  *_readToEof(n: number): Coroutine<Buffer> {
    checkSize("read", n);
    if (this._exception !== null) throw this._exception;
    // Reading in chunks of `limit` lets the transport resume as the buffer drains.
    const blocks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const block = yield* this.read(this._limit);
      if (block.length === 0) break;
      blocks.push(block);
      total += block.length;
    }
    return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks, total);
  }

  /** @internal What `read(n)` returns once there are bytes, or EOF: at most `n` of them. */
  _take(n: number): Buffer {
    const data = this._buffer.take(Math.min(n, this._buffer.length));
    this._maybeResumeTransport();
    return data;
  }

  /**
   * Reads exactly `n` bytes.
   * @throws IncompleteReadError when EOF comes first (`partial` holds what was read, `expected` is n);
   *   ValueError when `n < 0`; TypeError when `n` is not an integer (1.5, NaN).
   */
  readexactly(n: number): Coroutine<Buffer> {
    return new StreamCoroutine(this, READEXACTLY, n);
  }

  /** @internal The bytes `readexactly(n)` returns without waiting, or null when its generator must run (to wait, or to throw). */
  _exactlyNow(n: number): Buffer | null {
    if (!Number.isInteger(n) || n < 0 || this._exception !== null) return null;
    if (n === 0) return EMPTY;
    return this._buffer.length < n ? null : this._take(n);
  }

  /**
   * Reads every line until EOF (what `[line async for line in reader]` collects in Python).
   * @returns the lines, each with its "\n" (the last one may lack it).
   * @example const lines = yield* reader.readlines();
   */
  *readlines(): Coroutine<Buffer[]> {
    const lines: Buffer[] = [];
    for (;;) {
      const line = yield* this.readline();
      if (line.length === 0) return lines;
      lines.push(line);
    }
  }

  /** @internal How many bytes are buffered (CPython's `len(reader._buffer)`). */
  get _bufferSize(): number {
    return this._buffer.length;
  }

  /** @internal A copy of the buffered bytes (CPython's `bytes(reader._buffer)`), for tests. */
  _peekBuffer(): Buffer {
    return this._buffer.peekAll();
  }

  private wakeupWaiter(): void {
    const waiter = this._waiter;
    if (waiter !== null) {
      this._waiter = null;
      if (!waiter.done()) waiter.setResult(undefined);
    }
  }

  /** @internal */
  _maybeResumeTransport(): void {
    if (this._paused && this._buffer.length <= this._limit) {
      this._paused = false;
      this._transport!.resumeReading();
    }
  }

  /**
   * The future to wait on until `feedData`, `feedEof` or `setException` is called (CPython's
   * `_wait_for_data`), for the caller to `yield*`. Not a generator of its own, which would be a
   * second one per waiting read (bench/: echo). A waiter whose read was cancelled stays behind,
   * done, until the next wait or wakeup: a done waiter counts as none.
   * @internal
   */
  _waitForData(funcName: string): Future<void> {
    if (this._waiter !== null && !this._waiter.done()) {
      throw new RuntimeError(`${funcName}() called while another coroutine is already waiting for incoming data`);
    }
    if (this._eof) throw new RuntimeError("_waitForData after EOF");
    // A read larger than twice the limit must let the transport resume, or it would wait forever.
    if (this._paused) {
      this._paused = false;
      this._transport!.resumeReading();
    }
    const waiter = this._loop.createFuture<void>();
    // A peer outside this loop (another process, a pipe's child) answers in real time: a virtual
    // clock waits for it rather than jump past its answer.
    if (this._loop._clock !== null && this._transport !== null && !peerOnLoop(this._loop, this._transport)) {
      _holdRealUntilDone(this._loop, waiter);
    }
    this._waiter = waiter;
    return waiter;
  }

  toString(): string {
    const info = ["StreamReader"];
    if (this._buffer.length > 0) info.push(`${this._buffer.length} bytes`);
    if (this._eof) info.push("eof");
    if (this._limit !== DEFAULT_LIMIT) info.push(`limit=${this._limit}`);
    if (this._waiter !== null && !this._waiter.done()) info.push(`waiter=${String(this._waiter)}`);
    if (this._exception !== null) info.push(`exception=${this._exception.name}(${JSON.stringify(this._exception.message)})`);
    if (this._transport !== null) info.push(`transport=${String(this._transport)}`);
    if (this._paused) info.push("paused");
    return `<${info.join(" ")}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A byte count must be an integer: Python's slicing refuses a float, and a fraction would corrupt the buffer's count. */
function checkSize(method: string, n: unknown): void {
  if (!Number.isInteger(n)) {
    throw new TypeError(`${method}(): \`n\` must be an integer number of bytes, got ${typeof n === "string" ? JSON.stringify(n) : String(n)}`);
  }
}

/** The result of a coroutine resumed after it finished: undefined, as a generator's. */
const FINISHED = { done: true, value: undefined } as unknown as IteratorReturnResult<Buffer>;

/** What a `StreamCoroutine` does. */
const READ = 0;
const READLINE = 1;
const READEXACTLY = 2;
const NAMES = ["StreamReader.read", "StreamReader.readline", "StreamReader.readexactly"];

/**
 * What `read(n)` (for `n >= 0`), `readline()` and `readexactly(n)` return: a coroutine written by
 * hand, as `Queue.get()`'s is (see primitives/queues.ts, `QueueCoroutine`, also for why the fields
 * are assigned and there is one class for all three). Like a generator it does nothing until first
 * resumed. Then it returns the bytes the buffer already holds, or:
 * - `read(n)` yields the future `_waitForData` gives and takes the bytes when resumed;
 * - `readline()` and `readexactly(n)` hand over to the generator that waits (the method's whole
 *   body, in `waiting`), which from then on answers every `next`, `throw` and `return`. It also
 *   throws what the method throws: the first step only takes bytes when nothing could go wrong.
 */
class StreamCoroutine implements Generator<unknown, Buffer, unknown> {
  /** 0 until first resumed; 1 once finished; the future a read waits on; or the generator waiting in its place. */
  private declare state: Future<void> | Coroutine<Buffer> | 0 | 1;
  private declare readonly reader: StreamReader;
  private declare readonly kind: number;
  private declare readonly n: number;
  constructor(reader: StreamReader, kind: number, n: number) {
    this.state = 0;
    this.reader = reader;
    this.kind = kind;
    this.n = n;
  }

  next(value?: unknown): IteratorResult<unknown, Buffer> {
    const state = this.state;
    if (state === 1) return FINISHED;
    const reader = this.reader;
    if (state === 0) {
      this.start();
      if (this.kind !== READ) {
        const data = this.kind === READLINE ? reader._lineNow() : reader._exactlyNow(this.n);
        if (data !== null) return { done: true, value: data };
        // Hand over to the generator, here rather than in a method: no frame of ours between the
        // generator's and the caller's (debug/frames.ts reads past only `next`, `throw`, `return`).
        const generator = (this.state = this.kind === READLINE ? waiting.readline.call(reader) : waiting.readexactly.call(reader, this.n));
        return generator.next();
      }
      checkSize("read", this.n);
      if (reader._exception !== null) throw reader._exception;
      if (this.n === 0) return { done: true, value: EMPTY };
      if (reader._buffer.length === 0 && !reader._eof) {
        const waiter = (this.state = reader._waitForData("read"));
        return waiter.next() as IteratorYieldResult<Future<void>>; // pending: it yields itself
      }
    } else if (this.kind !== READ) {
      return (state as Coroutine<Buffer>).next(value);
    } else {
      // Resumed by the task: the wait is over, or throws its error (a cancellation, setException).
      this.state = 1;
      (state as Future<void>).next();
    }
    return { done: true, value: reader._take(this.n) };
  }

  throw(e: unknown): IteratorResult<unknown, Buffer> {
    const state = this.state;
    if (typeof state === "object" && this.kind !== READ) return (state as Coroutine<Buffer>).throw(e);
    if (state === 0) this.start();
    this.state = 1;
    if (typeof state === "object") (state as Future<void>).throw(e); // the wait is over; it throws `e`
    throw e;
  }

  return(value: Buffer): IteratorResult<unknown, Buffer> {
    const state = this.state;
    if (typeof state === "object" && this.kind !== READ) return (state as Coroutine<Buffer>).return(value);
    if (state === 0) this.start();
    this.state = 1;
    if (typeof state === "object") (state as Future<void>).return(undefined); // the wait is over
    return { done: true, value };
  }

  [Symbol.iterator](): Generator<unknown, Buffer, unknown> {
    return this;
  }

  [Symbol.dispose](): void {
    this.return(EMPTY);
  }

  get [Symbol.toStringTag](): string {
    return NAMES[this.kind]!;
  }

  /** @internal The generator it handed over to, if it did (debug/coroutines.ts inspects that one). */
  _generator(): object | null {
    return typeof this.state === "object" && this.kind !== READ ? this.state : null;
  }

  /** Marks it finished (a throw on the way leaves it so, as it leaves a generator closed). */
  private start(): void {
    this.state = 1;
    if (hooks.onStart !== null) hooks.onStart(this); // debug mode: it was awaited (debug/unawaited.ts)
  }
}

/**
 * The generators behind `readline()` and `readexactly(n)`, entered when the buffer cannot answer
 * at once. Methods of an object literal named after the public ones and called on the reader, so
 * that the frames of a task waiting in one read `StreamReader.readline`.
 */
const waiting = {
  *readline(this: StreamReader): Coroutine<Buffer> {
    try {
      return yield* this.readuntil(NEWLINE);
    } catch (e) {
      if (e instanceof IncompleteReadError) return e.partial;
      if (e instanceof LimitOverrunError) {
        if (this._buffer.startsWith(NEWLINE, e.consumed)) this._buffer.take(e.consumed + NEWLINE.length);
        else this._buffer.clear();
        this._maybeResumeTransport();
        throw new ValueError(e.message);
      }
      throw e;
    }
  },

  *readexactly(this: StreamReader, n: number): Coroutine<Buffer> {
    checkSize("readexactly", n);
    if (n < 0) throw new ValueError("readexactly size can not be less than zero");
    if (this._exception !== null) throw this._exception;
    if (n === 0) return EMPTY;
    while (this._buffer.length < n) {
      if (this._eof) {
        const incomplete = this._buffer.takeAll();
        throw new IncompleteReadError(incomplete, n);
      }
      yield* this._waitForData("readexactly");
    }
    const data = this._buffer.take(n);
    this._maybeResumeTransport();
    return data;
  },
};

// Coroutine functions for isCoroutineFunction(), as in Python.
_markCoroutineFunction(StreamReader.prototype.read);
_markCoroutineFunction(StreamReader.prototype.readline);
_markCoroutineFunction(StreamReader.prototype.readexactly);
// Debug mode reports a coroutine of these that was never awaited (debug/unawaited.ts), and its
// call graphs read past the hand-written coroutine's frames (debug/frames.ts).
_watchCoroutines(StreamReader);
_transparentIterator(StreamCoroutine);
