/**
 * Listening servers (CPython: `base_events.Server` and `create_server`/`create_unix_server`):
 * `Server`, `ServerSocket`, `createServer`, `createUnixServer`.
 *
 * A `Server` owns one Node server per listening address and the transports of the connections it
 * accepted. As in CPython 3.12+, `close()` stops listening but leaves the connections open, and
 * `waitClosed()` returns once the listeners are closed *and* every connection is gone, so after it
 * nothing of the server holds Node's loop open. `closeClients()`/`abortClients()` (3.13) end them.
 *
 * Node cannot bind without listening, so the listening sockets exist from `createServer` on even
 * with `startServing: false` (CPython binds then, and listens later); connections that arrive
 * before `startServing()` wait, paused, and are handed to protocols when serving starts.
 */

import * as net from "node:net";
import * as tls from "node:tls";
import { inspect } from "node:util";
import type { EventLoop } from "../loop/events.ts";
import { RuntimeError, ValueError } from "../exceptions.ts";
import type { Future } from "../loop/futures.ts";
import type { BaseProtocol } from "./protocols.ts";
import { sleep } from "../loop/tasks.ts";
import type { Coroutine } from "../loop/types.ts";
import { bindError, describeAddress } from "./errors.ts";
import { trackResource, untrackResource, type LoopResource, type SocketName } from "./registry.ts";
import { SocketTransport, socketAddress, type ConnectionOwner } from "./socket_transport.ts";
import { _watchCoroutines } from "../debug/unawaited.ts";

/** TLS for a server: `tls.TlsOptions` with at least a key and a certificate. */
export type ServerSSL = tls.TlsOptions;

/** Options of `loop.createServer` and `startServer`. */
export interface CreateServerOptions {
  /** Serve TLS with these options (key, cert, ...). @default no TLS */
  ssl?: ServerSSL | null;
  /** The listen backlog. @default 100 */
  backlog?: number;
  /** Accepted for compatibility: Node always sets SO_REUSEADDR on listening TCP sockets. @default true */
  reuseAddress?: boolean;
  /** Listen only on IPv6 (no dual stack) when the host is an IPv6 address. @default false */
  ipv6Only?: boolean;
  /** Start accepting connections at once. @default true */
  startServing?: boolean;
}

/**
 * One listening socket of a `Server` (CPython's `TransportSocket` in `server.sockets`).
 * @example
 * const server = yield* startServer(handle, "127.0.0.1", 0);
 * const [host, port] = server.sockets[0]!.getsockname() as [string, number];
 */
export class ServerSocket {
  /** @internal */ readonly _server: net.Server;

  constructor(server: net.Server) {
    this._server = server;
  }

  /**
   * The bound address, as Python's `getsockname()`: `[host, port]` for IPv4, `[host, port, 0, 0]`
   * for IPv6, the path for a Unix socket.
   * @example const [, port] = server.sockets[0]!.getsockname() as [string, number];
   */
  getsockname(): unknown[] | string {
    const a = this._server.address();
    if (a === null) return "";
    if (typeof a === "string") return a;
    return socketAddress(a.address, a.port, a.family);
  }

  /** "AF_INET", "AF_INET6" or "AF_UNIX". */
  get family(): string {
    const a = this._server.address();
    return typeof a === "string" || a === null ? "AF_UNIX" : a.family === "IPv6" ? "AF_INET6" : "AF_INET";
  }

  toString(): string {
    const name = this.getsockname();
    return `<ServerSocket family=${this.family} laddr=${Array.isArray(name) ? `${name[0]}:${name[1]}` : name}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * A listening server (`asyncio.Server`), from `loop.createServer` or `startServer`.
 *
 * @example
 * const server = yield* startServer(handle, "127.0.0.1", 0);
 * const [, port] = server.sockets[0]!.getsockname() as [string, number];
 * try {
 *   yield* server.serveForever();
 * } finally {
 *   server.close();
 *   yield* server.waitClosed();
 * }
 */
export class Server implements ConnectionOwner, LoopResource {
  /** @internal */ readonly _loop: EventLoop;
  private nodeServers: net.Server[] | null;
  private readonly allServers: net.Server[];
  private openListeners: number;
  private readonly protocolFactory: () => BaseProtocol;
  private readonly extraFor: (socket: net.Socket) => Map<string, unknown>;
  private readonly clients = new Set<SocketTransport>();
  private waiters: Future<void>[] | null = [];
  private serving = false;
  private servingForever: Future<void> | null = null;
  private pending: net.Socket[] = [];

  /** @internal Use `loop.createServer` or `startServer`. */
  constructor(loop: EventLoop, servers: net.Server[], protocolFactory: () => BaseProtocol, extraFor: (s: net.Socket) => Map<string, unknown>) {
    this._loop = loop;
    this.nodeServers = servers;
    this.allServers = servers.slice();
    this.openListeners = servers.length;
    this.protocolFactory = protocolFactory;
    this.extraFor = extraFor;
    const event = servers.length > 0 && servers[0] instanceof tls.Server ? "secureConnection" : "connection";
    for (const s of servers) {
      s.on(event, (socket: net.Socket) => loop._runFromNode(this.accept, socket));
      // A failed TLS handshake concerns one client only; Node closes its socket.
      s.on("tlsClientError", ignore);
    }
    trackResource(loop, this);
  }

  /** The loop the server runs on. */
  getLoop(): EventLoop {
    return this._loop;
  }

  /** The listening sockets; empty once closed. */
  get sockets(): ServerSocket[] {
    return this.nodeServers === null ? [] : this.nodeServers.map((s) => new ServerSocket(s));
  }

  /** True while the server accepts connections. */
  isServing(): boolean {
    return this.serving;
  }

  /** Starts accepting connections (a no-op when it does already). */
  *startServing(): Coroutine<void> {
    this.start();
    yield* sleep(0);
  }

  /**
   * Accepts connections until cancelled; then closes the server and waits until it is closed.
   * @throws RuntimeError when the server is closed, or another `serveForever()` runs.
   */
  *serveForever(): Coroutine<void> {
    if (this.servingForever !== null) throw new RuntimeError(`server ${String(this)} is already being awaited on serveForever()`);
    if (this.nodeServers === null) throw new RuntimeError(`server ${String(this)} is closed`);
    this.start();
    const fut = this._loop.createFuture<void>();
    this.servingForever = fut;
    let cancelled: unknown;
    try {
      yield* fut;
      return;
    } catch (e) {
      cancelled = e;
    } finally {
      this.servingForever = null;
    }
    // Cancelled (by the task's cancel() or by close()): close, wait, then let the cancellation go on.
    this.close();
    yield* this.waitClosed();
    throw cancelled;
  }

  /**
   * Stops listening. Connections already accepted stay open (see `closeClients`); `waitClosed()`
   * waits for them.
   */
  close(): void {
    const servers = this.nodeServers;
    if (servers === null) return;
    this.nodeServers = null;
    this.serving = false;
    for (const s of servers) s.close(this.onListenerClosed);
    for (const socket of this.pending) socket.destroy();
    this.pending = [];
    const fut = this.servingForever;
    if (fut !== null && !fut.done()) fut.cancel();
    this.servingForever = null;
  }

  /** Closes every connection of the server (after flushing what each has buffered). */
  closeClients(): void {
    for (const t of [...this.clients]) t.close();
  }

  /** Aborts every connection of the server at once. */
  abortClients(): void {
    for (const t of [...this.clients]) t.abort();
  }

  /** Waits until the server is closed and every one of its connections is gone. */
  *waitClosed(): Coroutine<void> {
    if (this.waiters === null) return;
    const waiter = this._loop.createFuture<void>();
    this.waiters.push(waiter);
    yield* waiter;
  }

  /** `async with server`: runs `body`, then closes the server and waits until it is closed. */
  *with<T>(body: (server: this) => Coroutine<T>): Coroutine<T> {
    try {
      return yield* body(this);
    } finally {
      this.close();
      yield* this.waitClosed();
    }
  }

  /** @internal */
  _attach(transport: SocketTransport): void {
    this.clients.add(transport);
  }

  /** @internal */
  _detach(transport: SocketTransport): void {
    this.clients.delete(transport);
    this.maybeWakeup();
  }

  /** @internal The addresses it listens on. */
  _endpoints(): { local: SocketName[]; peer: undefined } {
    return { local: this.sockets.map((s) => s.getsockname()), peer: undefined };
  }

  /** @internal The loop is closing with this server still open: stop listening, quietly. */
  _closeForLoopClose(): void {
    for (const s of this.allServers) {
      s.removeAllListeners();
      if (s.listening) s.close();
    }
    for (const socket of this.pending) socket.destroy();
    this.pending = [];
    this.nodeServers = null;
    this.serving = false;
  }

  private start(): void {
    if (this.serving || this.nodeServers === null) return;
    this.serving = true;
    const pending = this.pending;
    this.pending = [];
    for (const socket of pending) {
      socket.resume();
      this.accept(socket);
    }
  }

  private readonly onListenerClosed = (): void => {
    this._loop._runFromNode(() => {
      this.openListeners--;
      this.maybeWakeup();
    });
  };

  private maybeWakeup(): void {
    if (this.nodeServers !== null || this.clients.size > 0 || this.openListeners > 0) return;
    const waiters = this.waiters;
    if (waiters === null) return;
    this.waiters = null;
    untrackResource(this._loop, this);
    for (const w of waiters) if (!w.done()) w.setResult(undefined);
  }

  private readonly accept = (socket: net.Socket): void => {
    if (this.nodeServers === null) {
      socket.destroy();
      return;
    }
    if (!this.serving) {
      socket.on("error", ignore);
      socket.pause();
      this.pending.push(socket);
      return;
    }
    let protocol: BaseProtocol;
    try {
      protocol = this.protocolFactory();
    } catch (e) {
      this._loop.callExceptionHandler({ message: "Error on transport creation for incoming connection", exception: e });
      socket.destroy();
      return;
    }
    const transport = new SocketTransport(this._loop, socket, protocol, this.extraFor(socket), this);
    transport._start(true);
  };

  toString(): string {
    return `<Server sockets=[${this.sockets.map(String).join(", ")}]${this.serving ? " serving" : ""} clients=${this.clients.size}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function ignore(): void {}

function tcpExtra(socket: net.Socket): Map<string, unknown> {
  return new Map<string, unknown>([
    ["peername", socketAddress(socket.remoteAddress, socket.remotePort, socket.remoteFamily)],
    ["sockname", socketAddress(socket.localAddress, socket.localPort, socket.localFamily)],
  ]);
}

/** Listens on every server; on failure closes those that did listen and throws CPython's bind error. */
function* listenAll(loop: EventLoop, servers: net.Server[], listen: (s: net.Server, done: (e?: Error) => void) => void, describe: (i: number) => string): Coroutine<void> {
  const futs = servers.map((s, i) => {
    const fut = loop.createFuture<void>();
    const onError = (e: Error): void => loop._runFromNode(() => fut.done() || fut.setException(bindError(e, describe(i))));
    s.once("error", onError);
    listen(s, () => {
      s.off("error", onError);
      loop._runFromNode(() => fut.done() || fut.setResult(undefined));
    });
    return fut;
  });
  let failure: unknown = null;
  for (const fut of futs) {
    try {
      yield* fut;
    } catch (e) {
      if (failure === null) failure = e;
    }
  }
  if (failure !== null) {
    for (const s of servers) if (s.listening) s.close();
    throw failure;
  }
}

/**
 * `loop.createServer(protocolFactory, host, port, options)`: listens on `host:port` (every
 * interface when `host` is null; each of several hosts when given a list).
 * @throws OSError (for example "address already in use") when it cannot listen.
 */
export function* createServer(
  loop: EventLoop,
  protocolFactory: () => BaseProtocol,
  host: string | readonly string[] | null | undefined,
  port: number | null | undefined,
  options: CreateServerOptions = {},
): Coroutine<Server> {
  const { ssl = null, backlog = 100, startServing = true, ipv6Only = false } = options;
  if (typeof protocolFactory !== "function") throw new TypeError(`protocolFactory must be a function returning a protocol, got ${String(protocolFactory)}`);
  const hosts: (string | undefined)[] = host === null || host === undefined || host === "" ? [undefined] : typeof host === "string" ? [host] : [...host];
  const servers = hosts.map(() => (ssl === null ? net.createServer({ allowHalfOpen: true }) : tls.createServer(ssl)));
  yield* listenAll(
    loop,
    servers,
    (s, done) => s.listen({ host: hosts[servers.indexOf(s)], port: port ?? 0, backlog, ipv6Only }, done),
    (i) => describeAddress(hosts[i] ?? "0.0.0.0", port ?? 0),
  );
  const server = new Server(loop, servers, protocolFactory, tcpExtra);
  if (startServing) yield* server.startServing();
  return server;
}

/**
 * `loop.createUnixServer(protocolFactory, path, options)`: listens on a Unix socket at `path`.
 * The socket file is removed when the server closes.
 * @throws OSError when it cannot listen (for example "address already in use").
 */
export function* createUnixServer(
  loop: EventLoop,
  protocolFactory: () => BaseProtocol,
  path: string,
  options: Omit<CreateServerOptions, "reuseAddress" | "ipv6Only"> = {},
): Coroutine<Server> {
  const { ssl = null, backlog = 100, startServing = true } = options;
  if (typeof path !== "string" || path === "") throw new ValueError(`path must be a non-empty string, got ${String(path)}`);
  const s = ssl === null ? net.createServer({ allowHalfOpen: true }) : tls.createServer(ssl);
  yield* listenAll(loop, [s], (srv, done) => srv.listen({ path, backlog }, done), () => describeAddress(path));
  const server = new Server(loop, [s], protocolFactory, () => new Map<string, unknown>([["peername", ""], ["sockname", path]]));
  if (startServing) yield* server.startServing();
  return server;
}

// Debug mode reports a coroutine of these that was never awaited (debug/unawaited.ts).
_watchCoroutines(Server);
