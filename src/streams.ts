/**
 * Streams (CPython: `asyncio/streams.py`): `StreamReader`, `StreamWriter`, `StreamReaderProtocol`,
 * and `openConnection`, `startServer`, `openUnixConnection`, `startUnixServer`.
 *
 * A stream is a connection seen as two objects: a `StreamReader` that buffers what arrives and
 * lets a coroutine wait for a line, a number of bytes or EOF, and a `StreamWriter` that writes
 * and lets a coroutine wait (`drain`) while the transport's buffer is over its high-water mark.
 * `StreamReaderProtocol` joins them to a transport (net/sockets.ts).
 *
 * The data path is lean on purpose: the transport calls `feedData` synchronously from Node's
 * 'data' event (inside the loop, see `_runFromNode`); the reader keeps the chunks as they came
 * (net/bytequeue.ts) and wakes its one waiter, if any, with a future made only when a read has
 * to wait. `drain()` returns a shared, already finished iterator while the buffer is under the
 * high-water mark, so `write(); yield* drain()` allocates nothing in the common case.
 *
 * Reading is paused (the transport stops reading from the socket) when the reader holds more than
 * twice its `limit`, and resumed when a read brings it back under `limit`, as CPython does, so a
 * peer that sends faster than we read cannot grow our memory without bound.
 */

import { inspect } from "node:util";
import { _getRunningLoop, getEventLoop, getRunningLoop, type EventLoop } from "./events.ts";
import { ConnectionResetError, IncompleteReadError, LimitOverrunError, RuntimeError, ValueError } from "./exceptions.ts";
import type { Future } from "./futures.ts";
import { ByteQueue } from "./net/bytequeue.ts";
import {
  createConnection,
  createUnixConnection,
  startTls,
  type ClientSSL,
  type CreateConnectionOptions,
  type CreateUnixConnectionOptions,
} from "./net/connect.ts";
import { createServer, createUnixServer, type CreateServerOptions, type Server } from "./net/server.ts";
import { Protocol } from "./protocols.ts";
import { isCoroutine, type Task } from "./tasks.ts";
import type { Transport } from "./transports.ts";
import type { Coroutine } from "./types.ts";

/** The default `limit` of a `StreamReader`: 64 KiB (CPython's `_DEFAULT_LIMIT`). */
export const DEFAULT_LIMIT = 64 * 1024;

const EMPTY = Buffer.alloc(0);
const NEWLINE = Buffer.from("\n");

/** What `feedData` and writes accept: bytes, or a string (UTF-8). */
export type Bytes = Uint8Array | string;

function toBuffer(data: Bytes): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}

/** The part of a transport the reader drives (pause and resume reading). */
interface ReadingTransport {
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
  *readline(): Coroutine<Buffer> {
    try {
      return yield* this.readuntil(NEWLINE);
    } catch (e) {
      if (e instanceof IncompleteReadError) return e.partial;
      if (e instanceof LimitOverrunError) {
        if (this._buffer.startsWith(NEWLINE, e.consumed)) this._buffer.take(e.consumed + NEWLINE.length);
        else this._buffer.clear();
        this.maybeResumeTransport();
        throw new ValueError(e.message);
      }
      throw e;
    }
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
        this.maybeResumeTransport();
        throw new IncompleteReadError(chunk, null);
      }
      yield* this.waitForData("readuntil");
    }
    if (match > limit) throw new LimitOverrunError("Separator is found, but chunk is longer than limit", match);
    const chunk = buffer.take(match + matchLen);
    this.maybeResumeTransport();
    return chunk;
  }

  /**
   * Reads at most `n` bytes; with `n < 0` (the default) reads until EOF. Returns an empty buffer
   * at EOF. Waits only when the buffer is empty.
   * @param n the most bytes to return, or -1 for everything until EOF. @default -1
   */
  *read(n = -1): Coroutine<Buffer> {
    if (this._exception !== null) throw this._exception;
    if (n === 0) return EMPTY;
    if (n < 0) {
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
    if (this._buffer.length === 0 && !this._eof) yield* this.waitForData("read");
    const data = this._buffer.take(Math.min(n, this._buffer.length));
    this.maybeResumeTransport();
    return data;
  }

  /**
   * Reads exactly `n` bytes.
   * @throws IncompleteReadError when EOF comes first (`partial` holds what was read, `expected` is n);
   *   ValueError when `n < 0`.
   */
  *readexactly(n: number): Coroutine<Buffer> {
    if (n < 0) throw new ValueError("readexactly size can not be less than zero");
    if (this._exception !== null) throw this._exception;
    if (n === 0) return EMPTY;
    while (this._buffer.length < n) {
      if (this._eof) {
        const incomplete = this._buffer.takeAll();
        throw new IncompleteReadError(incomplete, n);
      }
      yield* this.waitForData("readexactly");
    }
    const data = this._buffer.take(n);
    this.maybeResumeTransport();
    return data;
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

  private maybeResumeTransport(): void {
    if (this._paused && this._buffer.length <= this._limit) {
      this._paused = false;
      this._transport!.resumeReading();
    }
  }

  /** Waits until `feedData`, `feedEof` or `setException` is called. */
  private *waitForData(funcName: string): Coroutine<void> {
    if (this._waiter !== null) {
      throw new RuntimeError(`${funcName}() called while another coroutine is already waiting for incoming data`);
    }
    if (this._eof) throw new RuntimeError("_waitForData after EOF");
    // A read larger than twice the limit must let the transport resume, or it would wait forever.
    if (this._paused) {
      this._paused = false;
      this._transport!.resumeReading();
    }
    const waiter = this._loop.createFuture<void>();
    this._waiter = waiter;
    try {
      yield* waiter;
    } finally {
      if (this._waiter === waiter) this._waiter = null;
    }
  }

  toString(): string {
    const info = ["StreamReader"];
    if (this._buffer.length > 0) info.push(`${this._buffer.length} bytes`);
    if (this._eof) info.push("eof");
    if (this._limit !== DEFAULT_LIMIT) info.push(`limit=${this._limit}`);
    if (this._waiter !== null) info.push(`waiter=${String(this._waiter)}`);
    if (this._exception !== null) info.push(`exception=${this._exception.name}(${JSON.stringify(this._exception.message)})`);
    if (this._transport !== null) info.push(`transport=${String(this._transport)}`);
    if (this._paused) info.push("paused");
    return `<${info.join(" ")}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** An iterator that finishes at once: what `drain()` returns when there is nothing to wait for. */
class Finished implements Generator<never, void, unknown> {
  next(): IteratorResult<never, void> {
    return DONE_RESULT;
  }
  throw(e: unknown): IteratorResult<never, void> {
    throw e;
  }
  return(): IteratorResult<never, void> {
    return DONE_RESULT;
  }
  [Symbol.iterator](): Generator<never, void, unknown> {
    return this;
  }
  get [Symbol.toStringTag](): string {
    return "drain()";
  }
  [Symbol.dispose](): void {}
}

const DONE_RESULT: IteratorReturnResult<void> = Object.freeze({ done: true, value: undefined });
const FINISHED = new Finished();

/** What `startServer` calls for each connection: a coroutine function (run as a task) or a plain one. */
export type ClientConnectedCallback = (reader: StreamReader, writer: StreamWriter) => Coroutine<void> | void;

/**
 * The protocol that joins a transport to a `StreamReader` and a `StreamWriter`
 * (`asyncio.StreamReaderProtocol`, with `FlowControlMixin`'s drain waiting). Made for you by
 * `openConnection` and `startServer`; use it directly only with `loop.createConnection`.
 *
 * @example
 * const reader = new StreamReader();
 * const protocol = new StreamReaderProtocol(reader);
 * const [transport] = yield* loop.createConnection(() => protocol, "127.0.0.1", port);
 * const writer = new StreamWriter(transport, protocol, reader, loop);
 */
export class StreamReaderProtocol extends Protocol {
  /** @internal */ readonly _loop: EventLoop;
  /** @internal */ _reader: StreamReader | null;
  /** @internal */ _writer: StreamWriter | null = null;
  /** @internal */ _transport: Transport | null = null;
  /** @internal */ readonly _clientConnectedCb: ClientConnectedCallback | null;
  /** @internal */ _task: Task<void> | null = null;
  /** @internal Settles when the connection is lost: `waitClosed()` waits on it. */
  readonly _closed: Future<void>;
  /** @internal */ _paused = false;
  /** @internal */ _connectionLost = false;
  private drainWaiters: Future<void>[] = [];
  private overTls = false;

  /**
   * @param reader the reader to feed.
   * @param clientConnectedCb on a server, what to call with the reader and a writer once connected.
   * @param loop @default the running (or current) loop
   */
  constructor(reader: StreamReader | null, clientConnectedCb: ClientConnectedCallback | null = null, loop?: EventLoop) {
    super();
    this._loop = loop ?? _getRunningLoop() ?? getEventLoop();
    this._reader = reader;
    this._clientConnectedCb = clientConnectedCb;
    this._closed = this._loop.createFuture<void>();
  }

  override connectionMade(transport: Transport): void {
    this._transport = transport;
    const reader = this._reader;
    reader?.setTransport(transport);
    this.overTls = transport.getExtraInfo("sslObject") !== null;
    const cb = this._clientConnectedCb;
    if (cb === null) return;
    const writer = new StreamWriter(transport, this, reader, this._loop);
    this._writer = writer;
    const res = cb(reader!, writer);
    if (!isCoroutine(res)) return;
    const task = this._loop.createTask(res as Coroutine<void>);
    this._task = task;
    const loop = this._loop;
    task.addDoneCallback((t) => {
      if (t.cancelled()) return;
      const exc = t.exception();
      if (exc === null || exc === undefined) return;
      loop.callExceptionHandler({ message: "Unhandled exception in client_connected_cb", exception: exc, transport });
      transport.close();
    });
  }

  override connectionLost(exc: Error | null): void {
    const reader = this._reader;
    if (reader !== null) {
      if (exc === null) reader.feedEof();
      else reader.setException(exc);
    }
    const closed = this._closed;
    if (!closed.done()) {
      if (exc === null) closed.setResult(undefined);
      else {
        closed.setException(exc);
        // Nobody has to read it: the reader and drain() report it already (CPython's __del__ does this).
        closed._markRetrieved();
      }
    }
    this._connectionLost = true;
    if (this._paused) {
      for (const w of this.drainWaiters) {
        if (w.done()) continue;
        if (exc === null) w.setResult(undefined);
        else w.setException(exc);
      }
    }
    this._reader = null;
    this._writer = null;
    this._task = null;
    this._transport = null;
  }

  override dataReceived(data: Buffer): void {
    this._reader?._feed(data);
  }

  override eofReceived(): boolean {
    this._reader?.feedEof();
    // Over TLS the transport closes on EOF anyway; keep TCP half-open so the writer can still answer.
    return !this.overTls;
  }

  override pauseWriting(): void {
    this._paused = true;
  }

  override resumeWriting(): void {
    this._paused = false;
    for (const w of this.drainWaiters) if (!w.done()) w.setResult(undefined);
  }

  /** @internal After `startTls`: the writer's new transport is the one to pause and resume. */
  _replaceWriter(writer: StreamWriter): void {
    const transport = writer.transport;
    this._writer = writer;
    this._transport = transport;
    this.overTls = transport.getExtraInfo("sslObject") !== null;
    if (this._reader !== null) {
      this._reader._transport = transport;
      this._reader._paused = false;
    }
  }

  /** @internal Waits while writing is paused (CPython's `_drain_helper`). */
  *_drainHelper(): Coroutine<void> {
    if (this._connectionLost) throw new ConnectionResetError(null, "Connection lost");
    if (!this._paused) return;
    const waiter = this._loop.createFuture<void>();
    this.drainWaiters.push(waiter);
    try {
      yield* waiter;
    } finally {
      const i = this.drainWaiters.indexOf(waiter);
      if (i !== -1) this.drainWaiters.splice(i, 1);
    }
  }

  override toString(): string {
    return `<StreamReaderProtocol${this._paused ? " paused" : ""}${this._connectionLost ? " lost" : ""}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * The writing side of a stream (`asyncio.StreamWriter`): writes go to the transport's buffer at
 * once; `drain()` waits while that buffer is over its high-water mark.
 *
 * @example
 * writer.write("GET / HTTP/1.0\r\n\r\n");
 * yield* writer.drain();
 * writer.close();
 * yield* writer.waitClosed();
 */
export class StreamWriter {
  /** @internal */ _transport: Transport;
  /** @internal */ readonly _protocol: StreamReaderProtocol;
  /** @internal */ readonly _reader: StreamReader | null;
  /** @internal */ readonly _loop: EventLoop;

  constructor(transport: Transport, protocol: StreamReaderProtocol, reader: StreamReader | null, loop: EventLoop) {
    this._transport = transport;
    this._protocol = protocol;
    this._reader = reader;
    this._loop = loop;
  }

  /** The underlying transport. */
  get transport(): Transport {
    return this._transport;
  }

  /** Writes bytes (a string is UTF-8) to the transport's buffer; follow with `yield* drain()`. */
  write(data: Bytes): void {
    this._transport.write(data);
  }

  /** Writes each item in order, gathered into one system call where possible. */
  writelines(list: Iterable<Bytes>): void {
    this._transport.writelines(list);
  }

  /** Sends EOF after the buffered data (TCP and Unix only; see `canWriteEof`). */
  writeEof(): void {
    this._transport.writeEof();
  }

  /** False over TLS, where `writeEof()` is not supported. */
  canWriteEof(): boolean {
    return this._transport.canWriteEof();
  }

  /** Closes the stream after flushing; follow with `yield* waitClosed()`. */
  close(): void {
    this._transport.close();
  }

  /** True once the stream is closing or closed. */
  isClosing(): boolean {
    return this._transport.isClosing();
  }

  /**
   * Waits until the connection is closed.
   * @throws the error that ended the connection, if one did (ConnectionResetError, ...).
   */
  *waitClosed(): Coroutine<void> {
    yield* this._protocol._closed;
  }

  /** See `Transport.getExtraInfo`: "peername", "sockname", "socket", "peercert", ... */
  getExtraInfo(name: string, defaultValue: unknown = null): unknown {
    return this._transport.getExtraInfo(name, defaultValue);
  }

  /**
   * Waits until the write buffer is at or under its low-water mark, if it is over its high-water
   * mark (returns at once, allocating nothing, otherwise).
   * @throws the reader's error; ConnectionResetError("Connection lost") once the connection is gone.
   */
  drain(): Coroutine<void> {
    const protocol = this._protocol;
    if (!protocol._paused && !protocol._connectionLost && (this._reader === null || this._reader._exception === null) && !this._transport.isClosing()) {
      return FINISHED;
    }
    return this.drainSlowly();
  }

  private *drainSlowly(): Coroutine<void> {
    const exc = this._reader?.exception() ?? null;
    if (exc !== null) throw exc;
    // Let connectionLost() run first, so a closed connection is reported, not missed.
    if (this._transport.isClosing()) yield;
    yield* this._protocol._drainHelper();
  }

  /**
   * Upgrades the connection to TLS (`StreamWriter.start_tls`): on a server's stream the server
   * side of the handshake, else the client side.
   * @param ssl TLS options (`true` for Node's defaults on a client; key and cert on a server).
   * @param options.serverHostname the name the server's certificate must match.
   */
  *startTls(ssl: ClientSSL | import("node:tls").TlsOptions, options: { serverHostname?: string | null } = {}): Coroutine<void> {
    const protocol = this._protocol;
    const serverSide = protocol._clientConnectedCb !== null;
    yield* this.drain();
    this._transport = yield* startTls(this._loop, this._transport, protocol, ssl, { serverSide, serverHostname: options.serverHostname ?? null });
    protocol._replaceWriter(this);
  }

  toString(): string {
    return `<StreamWriter transport=${String(this._transport)}${this._reader === null ? "" : ` reader=${String(this._reader)}`}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Options of `openConnection`. */
export interface OpenConnectionOptions extends CreateConnectionOptions {
  /** The reader's limit. @default 65536 */
  limit?: number;
}

/** Options of `startServer`. */
export interface StartServerOptions extends CreateServerOptions {
  /** Each reader's limit. @default 65536 */
  limit?: number;
}

/**
 * Opens a TCP (or TLS) connection and returns its reader and writer (`asyncio.open_connection`).
 * @param host a host name or address.
 * @param port the port.
 * @param options.limit the reader's limit @default 65536
 * @param options.ssl `true` or TLS options for a TLS connection @default false
 * @param options.serverHostname the name the certificate must match @default host
 * @throws ConnectionRefusedError and other OSErrors; TLS errors as Node raises them.
 * @example
 * const [reader, writer] = yield* openConnection("127.0.0.1", 8888);
 * writer.write("hello\n");
 * const answer = yield* reader.readline();
 */
export function* openConnection(host: string, port: number, options: OpenConnectionOptions = {}): Coroutine<[StreamReader, StreamWriter]> {
  const { limit = DEFAULT_LIMIT, ...rest } = options;
  const loop = getRunningLoop();
  const reader = new StreamReader({ limit, loop });
  const protocol = new StreamReaderProtocol(reader, null, loop);
  const [transport] = yield* createConnection(loop, () => protocol, host, port, rest);
  return [reader, new StreamWriter(transport, protocol, reader, loop)];
}

/**
 * Starts a TCP (or TLS) server; each connection calls `clientConnected(reader, writer)`, as a
 * task when it is a coroutine function (`asyncio.start_server`). An error it throws is reported
 * through the loop's exception handler ("Unhandled exception in client_connected_cb") and closes
 * that connection only.
 * @param host the address to listen on; null for every interface.
 * @param port the port; 0 for any free one (read it from `server.sockets[0].getsockname()`).
 * @throws OSError when it cannot listen.
 * @example
 * const server = yield* startServer(function* (reader, writer) {
 *   writer.write(yield* reader.readline());
 *   writer.close();
 * }, "127.0.0.1", 0);
 */
export function* startServer(
  clientConnected: ClientConnectedCallback,
  host: string | readonly string[] | null,
  port: number | null,
  options: StartServerOptions = {},
): Coroutine<Server> {
  const { limit = DEFAULT_LIMIT, ...rest } = options;
  const loop = getRunningLoop();
  const factory = (): StreamReaderProtocol => new StreamReaderProtocol(new StreamReader({ limit, loop }), clientConnected, loop);
  return yield* createServer(loop, factory, host, port, rest);
}

/** Options of `openUnixConnection`. */
export interface OpenUnixConnectionOptions extends CreateUnixConnectionOptions {
  /** The reader's limit. @default 65536 */
  limit?: number;
}

/**
 * `openConnection` for a Unix socket (`asyncio.open_unix_connection`).
 * @example const [reader, writer] = yield* openUnixConnection("/tmp/app.sock");
 */
export function* openUnixConnection(path: string, options: OpenUnixConnectionOptions = {}): Coroutine<[StreamReader, StreamWriter]> {
  const { limit = DEFAULT_LIMIT, ...rest } = options;
  const loop = getRunningLoop();
  const reader = new StreamReader({ limit, loop });
  const protocol = new StreamReaderProtocol(reader, null, loop);
  const [transport] = yield* createUnixConnection(loop, () => protocol, path, rest);
  return [reader, new StreamWriter(transport, protocol, reader, loop)];
}

/**
 * `startServer` on a Unix socket at `path` (`asyncio.start_unix_server`).
 * @example const server = yield* startUnixServer(handle, "/tmp/app.sock");
 */
export function* startUnixServer(
  clientConnected: ClientConnectedCallback,
  path: string,
  options: Omit<StartServerOptions, "reuseAddress" | "ipv6Only"> = {},
): Coroutine<Server> {
  const { limit = DEFAULT_LIMIT, ...rest } = options;
  const loop = getRunningLoop();
  const factory = (): StreamReaderProtocol => new StreamReaderProtocol(new StreamReader({ limit, loop }), clientConnected, loop);
  return yield* createUnixServer(loop, factory, path, rest);
}
