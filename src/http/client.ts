/**
 * The HTTP client (aiohttp: `client.py`): `ClientSession`, with a base URL, default headers and
 * timeouts, JSON request bodies, and `get`/`post`/... over a `TCPConnector` pool.
 *
 * One request: acquire a connection (bounded by `pool`, `connect`, `sockConnect` and `total`),
 * write the request through Node's `http.ClientRequest` on that socket (the pool gives Node the
 * socket through a minimal agent, so Node's parser and keep-alive logic do the HTTP), wait for
 * the head (`sockRead`, `total`), and return a `ClientResponse` whose body follows. When a reused
 * keep-alive connection turns out closed by the server before any answer, an idempotent request
 * (GET, HEAD, OPTIONS, PUT, DELETE, TRACE) is sent once more on a new connection.
 *
 * Whatever ends a request early (its task cancelled, a deadline, an error), its connection is
 * destroyed and its pool slot freed before the error propagates.
 */

import * as http from "node:http";
import { inspect } from "node:util";
import { BrokenPipeError, ConnectionResetError, RuntimeError, TimeoutError, getRunningLoop, type Coroutine } from "asyncio-ts";
import { InvalidURL, SocketTimeoutError } from "./client_exceptions.ts";
import { ClientResponse } from "./client_reqrep.ts";
import { TCPConnector, type Connection } from "./connector.ts";
import { checkOptions } from "./options.ts";
import { toOSError } from "./oserrors.ts";
import { ClientTimeout, earliest, failAt } from "./timeouts.ts";

/** Options of a `ClientSession`. */
export interface ClientSessionOptions {
  /** Relative URLs are resolved against it, httpx's way: `"http://h/api"` + `"/users"` is `http://h/api/users`. @default none: URLs must be absolute */
  baseUrl?: string | URL | null;
  /** Headers sent with every request. @default none */
  headers?: Record<string, string>;
  /** Each request's deadlines. @default new ClientTimeout() (total 300 s, sockConnect 30 s) */
  timeout?: ClientTimeout;
  /** The pool. @default a new TCPConnector() (limit 100) */
  connector?: TCPConnector;
  /**
   * Close the connector with the session, as aiohttp's `connector_owner`: false lets sessions share
   * one pool. @default true
   */
  connectorOwner?: boolean;
  /** Throw `ClientResponseError` for every response with a status of 400 or more. @default false */
  raiseForStatus?: boolean;
  /** Turns a `json` body into text. @default JSON.stringify */
  jsonSerialize?: (data: unknown) => string;
}

/** Options of one request. */
export interface RequestOptions {
  /** Query parameters, added to the URL's. @default none */
  params?: Record<string, string | number | boolean> | URLSearchParams;
  /** More headers, over the session's. @default none */
  headers?: Record<string, string>;
  /** A body sent as JSON (Content-Type `application/json`). @default none */
  json?: unknown;
  /** A body as bytes or text (UTF-8). @default none */
  data?: Uint8Array | string;
  /** This request's deadlines, instead of the session's. @default the session's */
  timeout?: ClientTimeout;
  /** Throw `ClientResponseError` for a status of 400 or more. @default the session's */
  raiseForStatus?: boolean;
}

const SESSION_OPTIONS = ["baseUrl", "headers", "timeout", "connector", "connectorOwner", "raiseForStatus", "jsonSerialize"] as const;
const REQUEST_OPTIONS = ["params", "headers", "json", "data", "timeout", "raiseForStatus"] as const;
const IDEMPOTENT = new Set(["GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"]);

/** Where the pool's agent finds the socket of a request, in `http.request`'s options. */
const SOCKET = Symbol("asyncio-ts.http.socket");

/**
 * What `http.request` needs of an agent: the socket for the request, and `keepAlive` so Node
 * keeps the connection open after the response (it then emits "free" on the socket).
 */
const POOL_AGENT = {
  keepAlive: true,
  addRequest(req: http.ClientRequest, options: { [SOCKET]: import("node:net").Socket }): void {
    req.onSocket(options[SOCKET]);
  },
} as unknown as http.Agent;

/**
 * An HTTP client session (`aiohttp.ClientSession`, httpx's `AsyncClient`): a pool of keep-alive
 * connections, default headers, a base URL and timeouts, for many requests. Close it when done:
 * `yield* session.with(...)` does (`async with ClientSession() as session`).
 * @example
 * yield* new ClientSession({ baseUrl: "http://127.0.0.1:8000" }).with(function* (session) {
 *   const [a, b] = yield* gather(session.get("/timeit/1"), session.get("/timeit/2"));
 *   console.log(a.status, yield* a.json(), b.status, yield* b.json());
 * });
 */
export class ClientSession {
  readonly connector: TCPConnector;
  readonly timeout: ClientTimeout;
  readonly baseUrl: URL | null;
  readonly headers: Readonly<Record<string, string>>;
  private readonly connectorOwner: boolean;
  private readonly raiseStatus: boolean;
  private readonly jsonSerialize: (data: unknown) => string;
  private isClosed = false;

  /** @param options see {@link ClientSessionOptions}. */
  constructor(options: ClientSessionOptions = {}) {
    checkOptions("ClientSession", options, SESSION_OPTIONS);
    this.connector = options.connector ?? new TCPConnector();
    if (!(this.connector instanceof TCPConnector)) throw new TypeError(`ClientSession's connector must be a TCPConnector, got ${String(options.connector)}`);
    this.connectorOwner = options.connectorOwner ?? true;
    this.timeout = options.timeout ?? new ClientTimeout();
    if (!(this.timeout instanceof ClientTimeout)) throw new TypeError(`ClientSession's timeout must be a ClientTimeout, got ${String(options.timeout)}`);
    this.baseUrl = options.baseUrl === undefined || options.baseUrl === null ? null : checkUrl(new URL(String(options.baseUrl)));
    this.headers = { ...options.headers };
    this.raiseStatus = options.raiseForStatus ?? false;
    this.jsonSerialize = options.jsonSerialize ?? JSON.stringify;
  }

  /** True once `close()` was called. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** GET `url` (`session.get`). */
  get(url: string | URL, options?: RequestOptions): Coroutine<ClientResponse> {
    return this.request("GET", url, options);
  }
  /** POST to `url` (`session.post`). */
  post(url: string | URL, options?: RequestOptions): Coroutine<ClientResponse> {
    return this.request("POST", url, options);
  }
  /** PUT to `url` (`session.put`). */
  put(url: string | URL, options?: RequestOptions): Coroutine<ClientResponse> {
    return this.request("PUT", url, options);
  }
  /** PATCH `url` (`session.patch`). */
  patch(url: string | URL, options?: RequestOptions): Coroutine<ClientResponse> {
    return this.request("PATCH", url, options);
  }
  /** DELETE `url` (`session.delete`). */
  delete(url: string | URL, options?: RequestOptions): Coroutine<ClientResponse> {
    return this.request("DELETE", url, options);
  }
  /** HEAD `url` (`session.head`). */
  head(url: string | URL, options?: RequestOptions): Coroutine<ClientResponse> {
    return this.request("HEAD", url, options);
  }
  /** OPTIONS `url` (`session.options`). */
  options(url: string | URL, options?: RequestOptions): Coroutine<ClientResponse> {
    return this.request("OPTIONS", url, options);
  }

  /**
   * Sends a request and returns the response once its head arrived (`session.request`).
   * @throws RuntimeError when the session is closed; InvalidURL; the OS errors and timeouts the
   *   module's comment lists; ClientResponseError for an error status with `raiseForStatus`.
   */
  *request(method: string, url: string | URL, options: RequestOptions = {}): Coroutine<ClientResponse> {
    checkOptions(`ClientSession.request`, options, REQUEST_OPTIONS);
    if (this.isClosed) throw new RuntimeError("Session is closed");
    const target = this.resolve(url, options.params);
    const upper = method.toUpperCase();
    const what = `${upper} ${target.href}`;
    const headers: Record<string, string> = { ...this.headers, ...options.headers };
    let body: Buffer | null = null;
    if (options.json !== undefined && options.data !== undefined) throw new TypeError("request takes `json` or `data`, not both");
    if (options.json !== undefined) {
      body = Buffer.from(this.jsonSerialize(options.json), "utf8");
      if (!hasHeader(headers, "content-type")) headers["Content-Type"] = "application/json";
    } else if (options.data !== undefined) {
      body = typeof options.data === "string" ? Buffer.from(options.data, "utf8") : Buffer.from(options.data.buffer, options.data.byteOffset, options.data.byteLength);
    }
    if (body !== null) headers["Content-Length"] = String(body.length);
    if (this.connector.forceClose) headers["Connection"] = "close";
    const t = options.timeout ?? this.timeout;
    const loop = getRunningLoop();
    const totalDeadline = t.total === null ? null : loop.time() + t.total;
    const host = target.hostname.startsWith("[") ? target.hostname.slice(1, -1) : target.hostname;
    const port = target.port === "" ? 80 : Number(target.port);
    const path = `${target.pathname}${target.search}`;
    const acquireDeadline = earliest(totalDeadline, t.connect === null ? null : loop.time() + t.connect);
    for (let attempt = 0; ; attempt++) {
      const deadlines = { acquire: acquireDeadline, pool: t.pool === null ? null : loop.time() + t.pool, sockConnect: t.sockConnect };
      const conn = yield* this.connector._acquire(host, port, deadlines, what, attempt > 0);
      let resp: ClientResponse;
      try {
        resp = yield* this.send(conn, upper, target, path, headers, body, totalDeadline, t, what);
      } catch (e) {
        // A keep-alive connection the server had closed: once more, on a new one.
        if (attempt === 0 && conn.reused && IDEMPOTENT.has(upper) && (e instanceof ConnectionResetError || e instanceof BrokenPipeError)) continue;
        throw e;
      }
      if (options.raiseForStatus ?? this.raiseStatus) resp.raiseForStatus();
      return resp;
    }
  }

  private *send(conn: Connection, method: string, url: URL, path: string, headers: Record<string, string>, body: Buffer | null, totalDeadline: number | null, t: ClientTimeout, what: string): Coroutine<ClientResponse> {
    const loop = getRunningLoop();
    const connector = this.connector;
    const socket = conn.socket;
    const head = loop.createFuture<http.IncomingMessage>();
    const onFree = (): void => {
      socket.off("close", onClose);
      connector._release(conn, true);
    };
    const onClose = (): void => {
      socket.off("free", onFree);
      connector._release(conn, false);
    };
    socket.once("free", onFree);
    socket.once("close", onClose);
    const options = { agent: POOL_AGENT, [SOCKET]: socket, method, host: url.hostname, port: url.port === "" ? 80 : Number(url.port), path, headers };
    let req: http.ClientRequest;
    try {
      req = http.request(options as http.RequestOptions);
    } catch (e) {
      // A header Node refuses (an invalid character, say): the connection was not used.
      socket.off("free", onFree);
      socket.off("close", onClose);
      connector._release(conn, true);
      throw e;
    }
    const abandon = (): void => {
      req.destroy();
      socket.destroy();
      socket.off("free", onFree);
      socket.off("close", onClose);
      connector._release(conn, false);
    };
    req.on("response", (message) => void (head.done() || head.setResult(message)));
    req.on("error", (e) => void (head.done() || head.setException(toOSError(e, what) ?? e)));
    req.end(body ?? undefined);
    const readDeadline = t.sockRead === null ? null : loop.time() + t.sockRead;
    const deadline = earliest(totalDeadline, readDeadline);
    const timer = failAt(loop, deadline, head, () =>
      deadline === totalDeadline ? totalExpired(what, t.total!) : new SocketTimeoutError(`Timeout on reading data from socket: no response head within ${t.sockRead} s (${what})`),
    );
    let message: http.IncomingMessage;
    try {
      message = yield* head;
    } catch (e) {
      abandon();
      throw e;
    } finally {
      timer?.cancel();
    }
    return new ClientResponse(message, { loop, method, url, totalDeadline, sockRead: t.sockRead, abandon });
  }

  private resolve(url: string | URL, params: RequestOptions["params"]): URL {
    let target: URL;
    const text = String(url);
    if (/^[a-z][a-z0-9+.-]*:/i.test(text)) target = new URL(text);
    else if (this.baseUrl === null) throw new InvalidURL(`${text} is not an absolute URL, and the session has no baseUrl`);
    else {
      const base = this.baseUrl.href.endsWith("/") ? this.baseUrl.href : `${this.baseUrl.href}/`;
      target = new URL(text.replace(/^\//, ""), base);
    }
    checkUrl(target);
    if (params !== undefined) {
      const entries = params instanceof URLSearchParams ? [...params] : Object.entries(params).map(([k, v]) => [k, String(v)] as const);
      for (const [k, v] of entries) target.searchParams.append(k, v);
    }
    return target;
  }

  /**
   * Closes the session (`await session.close()`), and its connector when it owns it: idle
   * connections close now, those in use when their responses are released.
   */
  *close(): Coroutine<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    if (this.connectorOwner) yield* this.connector.close();
  }

  /** `async with session`: runs `body`, then closes the session whatever happens. */
  *with<T>(body: (session: this) => Coroutine<T>): Coroutine<T> {
    try {
      return yield* body(this);
    } finally {
      yield* this.close();
    }
  }

  toString(): string {
    return `<ClientSession${this.baseUrl === null ? "" : ` baseUrl=${this.baseUrl.href}`}${this.isClosed ? " closed" : ""}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function checkUrl(url: URL): URL {
  if (url.protocol !== "http:") throw new InvalidURL(`${url.href}: only http: URLs are supported (https is not yet)`);
  return url;
}

function totalExpired(what: string, total: number): TimeoutError {
  return new TimeoutError(`the request's total timeout of ${total} s expired (${what})`);
}

function hasHeader(headers: Record<string, string>, lowerName: string): boolean {
  for (const k in headers) if (k.toLowerCase() === lowerName) return true;
  return false;
}
