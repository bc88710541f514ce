/**
 * Streams (CPython: `asyncio/streams.py`): `StreamReader`, `StreamWriter`, `StreamReaderProtocol`,
 * and `openConnection`, `startServer`, `openUnixConnection`, `startUnixServer`.
 *
 * A stream is a connection seen as two objects: a `StreamReader` that buffers what arrives and
 * lets a coroutine wait for a line, a number of bytes or EOF, and a `StreamWriter` that writes
 * and lets a coroutine wait (`drain`) while the transport's buffer is over its high-water mark.
 * `StreamReaderProtocol` joins them to a transport (net/socket_transport.ts). `StreamReader`
 * itself is in net/stream_reader.ts and re-exported here.
 *
 * The data path is lean on purpose: the transport feeds the reader synchronously from Node's
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
import { _getRunningLoop, getEventLoop, getRunningLoop, type EventLoop } from "../loop/events.ts";
import { ConnectionResetError } from "../exceptions.ts";
import { _holdRealUntilDone, type Future } from "../loop/futures.ts";
import {
  createConnection,
  createUnixConnection,
  startTls,
  type ClientSSL,
  type CreateConnectionOptions,
  type CreateUnixConnectionOptions,
} from "./connect.ts";
import { createServer, createUnixServer, type CreateServerOptions, type Server } from "./server.ts";
import { DEFAULT_LIMIT, StreamReader, type Bytes, type ReadingTransport } from "./stream_reader.ts";
import { Protocol } from "./protocols.ts";
import { isCoroutine, type Task } from "../loop/tasks.ts";
import type { Transport } from "./transports.ts";
import type { Coroutine } from "../loop/types.ts";
import { _watchCoroutines } from "../debug/unawaited.ts";

export { DEFAULT_LIMIT, StreamReader, type Bytes, type ReadingTransport };

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
    _holdRealUntilDone(this._loop, waiter); // the peer reads in real time: a virtual clock waits for the drain
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

  /**
   * Made for you by `openConnection` and `startServer`; by hand only over `loop.createConnection`
   * (see `StreamReaderProtocol`).
   */
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
   * mark (returns at once, allocating nothing, otherwise) (`StreamWriter.drain`).
   * @example
   * for (const chunk of chunks) {
   *   writer.write(chunk);
   *   yield* writer.drain(); // backpressure: wait while the peer reads slowly
   * }
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
 * @throws ConnectionRefusedError (also without a port: port 0, as in CPython) and other OSErrors;
 *   OverflowError for a port out of 0-65535; TLS errors as Node raises them.
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

// Debug mode reports a coroutine of these that was never awaited (debug/unawaited.ts).
_watchCoroutines(StreamWriter);
