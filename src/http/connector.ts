/**
 * The client's connection pool (aiohttp: `connector.py`): `TCPConnector`, with a limit on open
 * connections in total and per host, keep-alive connections reused until they idle past
 * `keepaliveTimeout`, and waiters served first come, first served.
 *
 * The pool owns its sockets itself (no `http.Agent` queue), so that every way out of a request
 * gives its slot back at once, whatever interrupts it:
 * - A slot is either *reserved* (a socket being opened), *in use* (a request holds the
 *   connection) or *idle*; each counts toward both limits, so the server never sees more
 *   sockets from the pool than the limits allow.
 * - A request that must wait gets a future in its host's queue. A freed slot is handed straight
 *   to the first waiter that can use it (the connection itself, or a reservation to open one),
 *   so no newcomer can barge in ahead of it. If the waiter was cancelled or timed out meanwhile,
 *   its future is cancelled and skipped; if it was cancelled *after* being handed a slot (the hand
 *   over and the cancellation in the same loop iteration), `acquire` gives the slot back: the
 *   leak httpcore and aiohttp shipped for years is that case.
 * - Releasing is idempotent: a connection is released once, as reusable (the response was read
 *   to its end on a keep-alive connection) or not (its socket is destroyed).
 *
 * Costs: taking an idle connection or a free slot is O(1); a freed slot finds its waiter in
 * O(hosts with waiters), skipping cancelled waiters lazily.
 */

import * as net from "node:net";
import { inspect } from "node:util";
import { RuntimeError, _trackResource, _untrackResource, getRunningLoop, type Coroutine, type EventLoop, type Future } from "asyncio-ts";
import { ConnectionTimeoutError } from "./client_exceptions.ts";
import { checkCount, checkOptions, checkSeconds } from "./options.ts";
import { toOSError } from "./oserrors.ts";
import { earliest, failAt } from "./timeouts.ts";

/** Options of a `TCPConnector` (httpx's `Limits` too: see docs/porting.md). */
export interface TCPConnectorOptions {
  /** The most connections open at once, every host together; 0: no limit. @default 100 (aiohttp's) */
  limit?: number;
  /** The most connections open at once to one host (scheme, host and port); 0: no limit. @default 0 */
  limitPerHost?: number;
  /** Seconds an idle keep-alive connection is kept for reuse. @default 15 (aiohttp's) */
  keepaliveTimeout?: number;
  /** Close every connection after its response instead of reusing it. @default false */
  forceClose?: boolean;
}

/** What `TCPConnector.statistics()` reports. */
export interface ConnectorStatistics {
  /** Connections open or being opened (in use, idle or reserved). */
  open: number;
  /** Idle connections, kept for reuse. */
  idle: number;
  /** Connections a request holds. */
  inUse: number;
  /** Requests waiting for a connection. */
  waiting: number;
}

/** @internal One pooled connection. */
export class Connection {
  readonly socket: net.Socket;
  /** @internal */ readonly _host: HostPool;
  /** True once it served a request (so a failure may be a stale keep-alive connection). */
  reused = false;
  /** @internal */ _released = false;
  /** @internal */ _idle = false;
  /** @internal What the pool listens to while the connection is idle. */
  readonly _onIdleClose: () => void;
  /** @internal */ readonly _onIdleTimeout: () => void;

  constructor(socket: net.Socket, host: HostPool, onIdleClose: (c: Connection) => void) {
    this.socket = socket;
    this._host = host;
    this._onIdleClose = () => onIdleClose(this);
    this._onIdleTimeout = () => socket.destroy();
  }
}

interface Waiter {
  readonly fut: Future<Connection | null>;
  readonly seq: number;
}

/** @internal The connections and waiters of one host. */
class HostPool {
  readonly key: string;
  open = 0;
  readonly idle: Connection[] = [];
  waiters: Waiter[] = [];
  head = 0;

  constructor(key: string) {
    this.key = key;
  }

  /** The first waiter still waiting, or undefined (cancelled ones are dropped here). */
  firstWaiter(): Waiter | undefined {
    while (this.head < this.waiters.length) {
      const w = this.waiters[this.head]!;
      if (!w.fut.done()) return w;
      this.head++;
    }
    if (this.head > 0) {
      this.waiters = [];
      this.head = 0;
    }
    return undefined;
  }

  shiftWaiter(): Waiter {
    const w = this.waiters[this.head++]!;
    if (this.head > 1024 && this.head * 2 > this.waiters.length) {
      this.waiters = this.waiters.slice(this.head);
      this.head = 0;
    }
    return w;
  }
}

const RESERVED = null;

/** The deadlines `acquire` works to (loop seconds, null: none) and the text of its errors. */
export interface AcquireDeadlines {
  /** Until a connection is in hand (`connect`, and the total). */
  readonly acquire: number | null;
  /** The pool's wait (`pool`). */
  readonly pool: number | null;
  /** Opening a socket, in seconds from when it starts (`sockConnect`). */
  readonly sockConnect: number | null;
}

/**
 * A pool of TCP connections (`aiohttp.TCPConnector`), shared by the requests of one or more
 * `ClientSession`s.
 * @example
 * const connector = new TCPConnector({ limit: 100, limitPerHost: 10, keepaliveTimeout: 30 });
 * const session = new ClientSession({ connector });
 */
export class TCPConnector {
  /** See {@link TCPConnectorOptions.limit}; Infinity for none. */
  readonly limit: number;
  /** See {@link TCPConnectorOptions.limitPerHost}; Infinity for none. */
  readonly limitPerHost: number;
  readonly keepaliveTimeout: number;
  readonly forceClose: boolean;
  private readonly hosts = new Map<string, HostPool>();
  private open = 0;
  private idleCount = 0;
  private seq = 0;
  private isClosed = false;
  private loop: EventLoop | null = null;

  /** @param options see {@link TCPConnectorOptions}. */
  constructor(options: TCPConnectorOptions = {}) {
    checkOptions("TCPConnector", options, ["limit", "limitPerHost", "keepaliveTimeout", "forceClose"]);
    const limit = checkCount("limit", options.limit ?? 100, { allowZero: true });
    const perHost = checkCount("limitPerHost", options.limitPerHost ?? 0, { allowZero: true });
    this.limit = limit === 0 ? Infinity : limit;
    this.limitPerHost = perHost === 0 ? Infinity : perHost;
    this.keepaliveTimeout = checkSeconds("keepaliveTimeout", options.keepaliveTimeout ?? 15)!;
    this.forceClose = options.forceClose ?? false;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Counts of the pool's connections and waiters now. */
  statistics(): ConnectorStatistics {
    let waiting = 0;
    for (const h of this.hosts.values()) for (let i = h.head; i < h.waiters.length; i++) if (!h.waiters[i]!.fut.done()) waiting++;
    let inUse = 0;
    for (const h of this.hosts.values()) inUse += h.open;
    return { open: this.open, idle: this.idleCount, inUse: inUse - this.idleCount, waiting };
  }

  /**
   * Closes every idle connection and refuses new requests (`await connector.close()`); a
   * connection in use closes when its request releases it.
   */
  *close(): Coroutine<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.loop !== null) _untrackResource(this.loop, this);
    for (const h of this.hosts.values()) {
      for (const c of h.idle.splice(0)) this.drop(c);
      for (let w = h.firstWaiter(); w !== undefined; w = h.firstWaiter()) {
        h.shiftWaiter().fut.setException(new RuntimeError("Connector is closed."));
      }
    }
  }

  /**
   * @internal A connection to `host:port` for one request, from the pool or new.
   * @param fresh skip idle connections (the retry of a request that met a stale one).
   * @param what the request, for error messages (`GET http://...`).
   */
  *_acquire(host: string, port: number, deadlines: AcquireDeadlines, what: string, fresh = false): Coroutine<Connection> {
    if (this.isClosed) throw new RuntimeError("Connector is closed.");
    if (this.loop === null) {
      this.loop = getRunningLoop();
      _trackResource(this.loop, this);
    }
    const key = `${host}:${port}`;
    let h = this.hosts.get(key);
    if (h === undefined) this.hosts.set(key, (h = new HostPool(key)));
    let got = this.take(h, fresh);
    if (got === undefined) {
      const fut = this.loop.createFuture<Connection | null>();
      h.waiters.push({ fut, seq: this.seq++ });
      const until = earliest(deadlines.acquire, deadlines.pool);
      const timer = failAt(this.loop, until, fut, () => new ConnectionTimeoutError(`Connection timeout: no free connection in the pool within the deadline (${what})`));
      try {
        got = yield* fut;
      } catch (e) {
        // Handed a slot in the same iteration as the cancellation: give it back.
        if (fut.done() && !fut.cancelled() && fut.exception() === null) this.giveBack(h, fut.result());
        else fut.cancel();
        throw e;
      } finally {
        timer?.cancel();
      }
    }
    if (got !== RESERVED) return got;
    try {
      const socket = yield* this.connect(host, port, earliest(deadlines.acquire, deadlines.sockConnect === null ? null : this.loop.time() + deadlines.sockConnect), what);
      return new Connection(socket, h, this.onIdleClose);
    } catch (e) {
      this.unreserve(h);
      throw e;
    }
  }

  /** An idle connection, a reservation (RESERVED) for a new one, or undefined: wait. */
  private take(h: HostPool, fresh: boolean): Connection | null | undefined {
    if (!fresh) {
      for (let c = h.idle.pop(); c !== undefined; c = h.idle.pop()) {
        this.idleCount--;
        if (c.socket.destroyed) {
          this.forget(c);
          continue;
        }
        this.activate(c);
        return c;
      }
    }
    if (h.firstWaiter() !== undefined) return undefined;
    if (h.open < this.limitPerHost) {
      if (this.open < this.limit) return this.reserve(h);
      // Full, but an idle connection to another host can make room.
      if (this.evictIdle(h)) return this.reserve(h);
    }
    return undefined;
  }

  private reserve(h: HostPool): null {
    h.open++;
    this.open++;
    return RESERVED;
  }

  private unreserve(h: HostPool): void {
    h.open--;
    this.open--;
    this.wakeForCapacity();
  }

  private evictIdle(except: HostPool): boolean {
    for (const other of this.hosts.values()) {
      if (other !== except && other.idle.length > 0) {
        const c = other.idle.shift()!;
        this.idleCount--;
        // The freed slot is the caller's: no waking of waiters here.
        this.drop(c, false);
        return true;
      }
    }
    return false;
  }

  /** A slot handed to a waiter that left: reuse or free it. */
  private giveBack(h: HostPool, got: Connection | null): void {
    if (got === RESERVED) this.unreserve(h);
    else {
      got._released = false;
      this._release(got, true);
    }
  }

  /**
   * @internal The request is done with `conn`: reusable (read to its end on a keep-alive
   * connection) goes to the next waiter or the idle list; otherwise its socket is destroyed.
   * Only the first call counts.
   */
  _release(conn: Connection, reusable: boolean): void {
    if (conn._released) return;
    conn._released = true;
    const h = conn._host;
    if (!reusable || this.isClosed || this.forceClose || conn.socket.destroyed || !conn.socket.writable) {
      this.drop(conn);
      return;
    }
    conn.reused = true;
    const w = h.firstWaiter();
    if (w !== undefined) {
      h.shiftWaiter();
      conn._released = false;
      w.fut.setResult(conn);
      return;
    }
    // Another host's waiter is held back by the total limit: this slot serves it better closed.
    if (this.open >= this.limit && this.firstBlockedWaiter() !== null) {
      this.drop(conn);
      return;
    }
    this.park(conn);
  }

  /** Keeps `conn` for reuse until it idles past keepaliveTimeout or its peer closes it. */
  private park(conn: Connection): void {
    const socket = conn.socket;
    conn._idle = true;
    conn._host.idle.push(conn);
    this.idleCount++;
    socket.setTimeout(this.keepaliveTimeout * 1000);
    socket.once("timeout", conn._onIdleTimeout);
    socket.once("close", conn._onIdleClose);
    // An idle socket does not keep the process alive (as Node's Agent does with its free sockets).
    socket.unref();
  }

  private activate(conn: Connection): void {
    const socket = conn.socket;
    conn._idle = false;
    conn._released = false;
    socket.setTimeout(0);
    socket.off("timeout", conn._onIdleTimeout);
    socket.off("close", conn._onIdleClose);
    socket.ref();
  }

  private readonly onIdleClose = (conn: Connection): void => {
    if (!conn._idle) return;
    const idle = conn._host.idle;
    const i = idle.indexOf(conn);
    if (i >= 0) {
      idle.splice(i, 1);
      this.idleCount--;
    }
    conn._idle = false;
    this.forget(conn);
  };

  /** Destroys `conn`'s socket and frees its slot (for the first waiter that can use it, if `wake`). */
  private drop(conn: Connection, wake = true): void {
    conn._idle = false;
    conn.socket.off("close", conn._onIdleClose);
    conn.socket.off("timeout", conn._onIdleTimeout);
    conn.socket.destroy();
    this.forget(conn, wake);
  }

  private forget(conn: Connection, wake = true): void {
    conn._released = true;
    conn._host.open--;
    this.open--;
    if (wake) this.wakeForCapacity();
  }

  /** The earliest waiter, over every host, that a free slot would let open a connection. */
  private firstBlockedWaiter(): HostPool | null {
    let best: HostPool | null = null;
    let bestSeq = Infinity;
    for (const h of this.hosts.values()) {
      if (h.open >= this.limitPerHost) continue;
      const w = h.firstWaiter();
      if (w !== undefined && w.seq < bestSeq) {
        best = h;
        bestSeq = w.seq;
      }
    }
    return best;
  }

  /** Hands free slots to waiters, first come first served, while there is room. */
  private wakeForCapacity(): void {
    while (this.open < this.limit) {
      const h = this.firstBlockedWaiter();
      if (h === null) return;
      this.reserve(h);
      h.shiftWaiter().fut.setResult(RESERVED);
    }
  }

  /** Opens a socket to `host:port` by `deadline` (loop seconds). */
  private *connect(host: string, port: number, deadline: number | null, what: string): Coroutine<net.Socket> {
    const loop = this.loop!;
    const fut = loop.createFuture<net.Socket>();
    const socket = net.connect({ host, port, noDelay: true, keepAlive: true });
    const address = `('${host}', ${port})`;
    // A pooled socket always has an error listener: Node leaves it without one between requests.
    socket.on("error", (e) => void (fut.done() || fut.setException(toOSError(e, what, `Connect call failed ${address}`) ?? e)));
    socket.once("connect", () => void (fut.done() || fut.setResult(socket)));
    const timer = failAt(loop, deadline, fut, () => new ConnectionTimeoutError(`Connection timeout to host ${address} (${what})`));
    try {
      return yield* fut;
    } catch (e) {
      socket.destroy();
      throw e;
    } finally {
      timer?.cancel();
    }
  }

  /**
   * @internal The loop closes with the pool still open (its session was never closed): drop its
   * idle keep-alive connections at once, so the program can end, as a Python process's end closes
   * its sockets. Connections in use belong to requests, which the loop's close has cancelled.
   */
  _closeForLoopClose(): void {
    this.isClosed = true;
    for (const h of this.hosts.values()) for (const c of h.idle.splice(0)) this.drop(c, false);
  }

  toString(): string {
    const s = this.statistics();
    return `<TCPConnector limit=${this.limit} limitPerHost=${this.limitPerHost} open=${s.open} idle=${s.idle} waiting=${s.waiting}${this.isClosed ? " closed" : ""}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
