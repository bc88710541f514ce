/**
 * Serving an application (aiohttp: `web_runner.py`, `web_protocol.py`, `web.run_app`):
 * `AppRunner` (startup, the request tasks, graceful shutdown, cleanup), `TCPSite` (one listening
 * address) and `runApp` (both, until cancelled).
 *
 * Node's `http` module (llhttp) parses and writes HTTP/1.1; this module decides what runs. Each
 * request becomes a Task on the loop the runner was set up on, running the route's handler inside
 * the middlewares, so a handler is a coroutine that can use all of asyncio-ts. What the task ends
 * with becomes the response: the `Response` it returns (written in one call), an `HTTPException`
 * it throws (its status), an error past its `handlerTimeout` (504), any other error (500, and the
 * error goes to the loop's exception handler). A malformed request never reaches a task: Node's
 * parser answers 400 and closes that connection. No failure stops the server or another request.
 *
 * A client that disconnects before its response is sent cancels the handler's task at its await
 * point, unless the application or the route says `handlerCancellation: false`.
 *
 * Timeouts: `headersTimeout` (the request head), `requestTimeout` (the whole request) and
 * `keepaliveTimeout` (an idle connection) are Node's server timeouts, enforced by Node (408 for
 * the first two); `handlerTimeout` is `timeout()` around the handler. Past `maxConcurrency`
 * handlers at once, a request is answered 503 at once, without a task.
 *
 * Shutdown (`cleanup()`): stop listening and close idle keep-alive connections; answer requests
 * already in flight with `Connection: close`; give them `shutdownTimeout` seconds, then cancel
 * their tasks; close every connection left; then run the cleanup hooks. Nothing waits on a
 * keep-alive socket.
 */

import * as http from "node:http";
import { inspect } from "node:util";
import {
  ExceptionGroup,
  RuntimeError,
  TimeoutError,
  gather,
  getRunningLoop,
  isCancellation,
  timeout,
  _trackResource,
  _untrackResource,
  type Coroutine,
  type EventLoop,
  type Future,
  type Task,
  type Timeout,
} from "asyncio-ts";
import { checkCount, checkOptions, checkSeconds } from "./options.ts";
import { toOSError } from "./oserrors.ts";
import { Request } from "./request.ts";
import { Response, StreamResponse } from "./response.ts";
import type { Handler } from "./router.ts";
import { Application, ROUTING_ERROR, checkNotRunning, type RoutePlan } from "./web_app.ts";
import { HTTPBadRequest, HTTPException, HTTPGatewayTimeout, HTTPInternalServerError, HTTPServiceUnavailable } from "./web_exceptions.ts";

/** Options of an `AppRunner` (and of `runApp`). */
export interface AppRunnerOptions {
  /** Seconds requests in flight get to finish at shutdown before they are cancelled. @default 60 (aiohttp's) */
  shutdownTimeout?: number;
  /** Seconds an idle keep-alive connection stays open. @default 75 (aiohttp's) */
  keepaliveTimeout?: number;
  /** Seconds a client has to send the request head; then 408. @default 60 */
  headersTimeout?: number;
  /** Seconds a client has to send the whole request, body included; then 408. 0: no limit. @default 300 */
  requestTimeout?: number;
  /** The most handlers running at once; past it, 503 at once. null: no limit. @default null */
  maxConcurrency?: number | null;
  /** The largest request head, in bytes; past it, 431. @default 16384 (Node's) */
  maxHeaderSize?: number;
}

const RUNNER_OPTIONS = ["shutdownTimeout", "keepaliveTimeout", "headersTimeout", "requestTimeout", "maxConcurrency", "maxHeaderSize"] as const;

/** What `AppRunner.statistics()` reports. */
export interface AppRunnerStatistics {
  /** Handlers running now. */
  inFlight: number;
  /** Requests answered by a handler since setup. */
  handled: number;
  /** Requests answered 503 at once, past `maxConcurrency`. */
  rejected: number;
  /** Open client connections. */
  connections: number;
}

/**
 * Runs an application's lifecycle (`aiohttp.web.AppRunner`): `setup()` runs the startup hooks,
 * sites listen, `cleanup()` shuts down gracefully and runs the cleanup hooks.
 * @example
 * const runner = new AppRunner(app);
 * yield* runner.setup();
 * const site = new TCPSite(runner, "127.0.0.1", 0);
 * yield* site.start();
 * console.log(`listening on ${site.port}`);
 * try {
 *   yield* sleep(Infinity);
 * } finally {
 *   yield* runner.cleanup();
 * }
 */
export class AppRunner {
  readonly app: Application;
  /** @internal The options with their defaults (no `maxConcurrency`: Infinity). */ readonly _options: { [K in keyof AppRunnerOptions]-?: number };
  /** @internal */ readonly _sites = new Set<TCPSite>();
  private loop: EventLoop | null = null;
  private state: "new" | "setup" | "closing" | "closed" = "new";
  /** The requests being handled, newest last (see `InFlight`). */
  private first: InFlight | null = null;
  private last: InFlight | null = null;
  private inFlight = 0;
  private handled = 0;
  private rejected = 0;
  private idleWaiter: Future<void> | null = null;

  /** @param app the application. @param options see {@link AppRunnerOptions}. */
  constructor(app: Application, options: AppRunnerOptions = {}) {
    checkOptions("AppRunner", options, RUNNER_OPTIONS);
    if (!(app instanceof Application)) throw new TypeError(`AppRunner takes an Application, got ${String(app)}`);
    this.app = app;
    const headersTimeout = checkSeconds("headersTimeout", options.headersTimeout ?? 60)!;
    const requestTimeout = checkSeconds("requestTimeout", options.requestTimeout ?? 300)!;
    if (requestTimeout > 0 && headersTimeout > requestTimeout) {
      throw new RangeError(`headersTimeout (${headersTimeout} s) must not exceed requestTimeout (${requestTimeout} s)`);
    }
    this._options = {
      shutdownTimeout: checkSeconds("shutdownTimeout", options.shutdownTimeout ?? 60)!,
      keepaliveTimeout: checkSeconds("keepaliveTimeout", options.keepaliveTimeout ?? 75)!,
      headersTimeout,
      requestTimeout,
      maxConcurrency: options.maxConcurrency === undefined || options.maxConcurrency === null ? Infinity : checkCount("maxConcurrency", options.maxConcurrency),
      maxHeaderSize: checkCount("maxHeaderSize", options.maxHeaderSize ?? 16384),
    };
  }

  /**
   * Freezes the application and runs its startup hooks, in order (`await runner.setup()`).
   * @throws RuntimeError when already set up, or when the application runs under another runner.
   */
  *setup(): Coroutine<void> {
    if (this.state !== "new") throw new RuntimeError(`${String(this)} is already set up; an AppRunner runs once`);
    checkNotRunning(this.app);
    this.loop = getRunningLoop();
    this.app._freeze();
    this.state = "setup";
    for (const hook of this.app.onStartup) yield* hook(this.app);
  }

  /** The addresses the sites listen on, as `[host, port]`. */
  get addresses(): [string, number][] {
    return [...this._sites].flatMap((s) => (s.port === null ? [] : [[s.host, s.port] as [string, number]]));
  }

  /** The sites started on this runner. */
  get sites(): TCPSite[] {
    return [...this._sites];
  }

  /** Counts of what the runner does now and did. */
  statistics(): AppRunnerStatistics {
    let connections = 0;
    for (const s of this._sites) connections += s._connections;
    return { inFlight: this.inFlight, handled: this.handled, rejected: this.rejected, connections };
  }

  /**
   * Shuts down gracefully, then runs the cleanup hooks (`await runner.cleanup()`): see the
   * module's comment for the order. A second call does nothing.
   * @throws ExceptionGroup when cleanup hooks failed (each ran).
   */
  *cleanup(): Coroutine<void> {
    if (this.state === "closing" || this.state === "closed") return;
    const wasSetUp = this.state === "setup";
    this.state = "closing";
    for (const site of this._sites) site._stopListening();
    if (this.inFlight > 0) {
      const idle = (this.idleWaiter = getRunningLoop().createFuture<void>());
      try {
        yield* timeout(this._options.shutdownTimeout, function* () {
          yield* idle;
        });
      } catch (e) {
        if (!(e instanceof TimeoutError)) throw e;
      }
      this.idleWaiter = null;
    }
    const left: Task<void>[] = [];
    for (let link = this.first; link !== null; link = link.next) left.push(link.task!);
    for (const t of left) t.cancel("server shutting down");
    if (left.length > 0) yield* gather(...left, { returnExceptions: true });
    for (const site of [...this._sites]) yield* site._close();
    this.state = "closed";
    if (!wasSetUp) return;
    const errors: unknown[] = [];
    for (const hook of this.app.onCleanup) {
      try {
        yield* hook(this.app);
      } catch (e) {
        if (isCancellation(e)) throw e;
        errors.push(e);
      }
    }
    if (errors.length > 0) throw new ExceptionGroup("cleanup hooks failed", errors as Error[]);
  }

  /** `async with runner`: `setup()`, `body`, then `cleanup()` whatever happens. */
  *with<T>(body: (runner: this) => Coroutine<T>): Coroutine<T> {
    yield* this.setup();
    try {
      return yield* body(this);
    } finally {
      yield* this.cleanup();
    }
  }

  /** @internal The loop requests run on. */
  _checkReady(): EventLoop {
    if (this.state !== "setup" || this.loop === null) throw new RuntimeError(`${String(this)} is not set up: call yield* runner.setup() first`);
    return this.loop;
  }

  /** @internal Node's `request` event, for every site of this runner. */
  readonly _onRequest = (message: http.IncomingMessage, res: http.ServerResponse): void => {
    // Shutting down: answer, then close the connection.
    if (this.state !== "setup") res.setHeader("Connection", "close");
    if (this.inFlight >= this._options.maxConcurrency) {
      this.rejected++;
      writeException(res, new HTTPServiceUnavailable({ headers: { "Retry-After": "1" } }));
      return;
    }
    const url = message.url ?? "/";
    const q = url.indexOf("?");
    const path = decodePath(q < 0 ? url : url.slice(0, q));
    const resolution = path === null ? null : this.app.router.resolve(message.method ?? "GET", path);
    let plan: RoutePlan | null = null;
    let chain: Handler;
    let request: Request;
    if (resolution !== null && resolution.route !== null) {
      plan = this.app._plan(resolution.route);
      chain = plan.chain;
      request = new Request(message, res, path!, resolution.matchInfo, this.app.clientMaxSize);
    } else {
      const error = resolution === null ? new HTTPBadRequest({ text: "400: the request path is not valid percent-encoding" }) : resolution.error;
      chain = this.app._errorChain(error);
      request = new Request(message, res, path ?? url, {}, this.app.clientMaxSize);
      (request as Request & { [ROUTING_ERROR]: Error })[ROUTING_ERROR] = error;
    }
    this.inFlight++;
    const link: InFlight = { task: null, prev: this.last, next: null };
    if (this.last === null) this.first = link;
    else this.last.next = link;
    this.last = link;
    const task = this.loop!.createTask(this.handle(request, chain, plan?.handlerTimeout ?? null, link), { name: `${request.method} ${url}` });
    link.task = task;
    if (plan === null || plan.handlerCancellation) {
      (res as ResponseWithTask)[HANDLER_TASK] = task;
      res.on("close", onResponseClose);
    }
  };

  private *handle(request: Request, chain: Handler, handlerTimeout: number | null, link: InFlight): Coroutine<void> {
    const res = request._res;
    try {
      let response: StreamResponse | null;
      try {
        response = handlerTimeout === null ? yield* chain(request) : yield* this.withTimeout(chain, request, handlerTimeout);
        if (!(response instanceof StreamResponse)) {
          throw new TypeError(`the handler of ${request.method} ${request.path} returned ${inspect(response)}, not a response (return jsonResponse(...) or new Response(...))`);
        }
      } catch (e) {
        response = null;
        if (isCancellation(e)) {
          // The client left, or the server is shutting down: nobody gets an answer.
          res.destroy();
          return;
        }
        if (e instanceof HTTPException) {
          if (!res.headersSent) writeException(res, e);
          else res.destroy();
          return;
        }
        this.loop!.callExceptionHandler({ message: `Error handling request ${request.method} ${request.rawPath}`, exception: e });
        if (!res.headersSent) writeException(res, new HTTPInternalServerError());
        else res.destroy();
        return;
      }
      if (!response.prepared) {
        // Shutting down: this connection closes after its answer.
        if (this.state !== "setup" && !res.headersSent) res.setHeader("Connection", "close");
        if (res.headersSent) {
          this.loop!.callExceptionHandler({
            message: `Error handling request ${request.method} ${request.rawPath}`,
            exception: new RuntimeError("the handler returned a response other than the one it prepared"),
          });
          res.destroy();
        } else if (response instanceof Response) {
          response._send(res);
        } else {
          yield* response.prepare(request);
          yield* response.writeEof();
        }
      } else if (!response._eof && !res.writableEnded) {
        res.end();
      }
    } finally {
      this.handled++;
      this.inFlight--;
      if (link.prev === null) this.first = link.next;
      else link.prev.next = link.next;
      if (link.next === null) this.last = link.prev;
      else link.next.prev = link.prev;
      link.task = link.prev = link.next = null;
      if (this.inFlight === 0 && this.idleWaiter !== null && !this.idleWaiter.done()) this.idleWaiter.setResult(undefined);
    }
  }

  private *withTimeout(chain: Handler, request: Request, seconds: number): Coroutine<StreamResponse> {
    // A plain closure around a generator function defined once: a new generator closure per
    // request would cost a hidden class per request (README, FAQ).
    const outcome = { expired: false };
    try {
      return yield* timeout(seconds, (cm) => runTimed(chain, request, cm, outcome));
    } catch (e) {
      if (outcome.expired && e instanceof TimeoutError) throw new HTTPGatewayTimeout({ text: `504: the handler took longer than its ${seconds} s` });
      throw e;
    }
  }

  toString(): string {
    return `<AppRunner ${this.state} sites=${this._sites.size} inFlight=${this.inFlight}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** The handler chain under a handler timeout, noting whether it was the timeout that ended it. */
function* runTimed(chain: Handler, request: Request, cm: Timeout, outcome: { expired: boolean }): Coroutine<StreamResponse> {
  try {
    return yield* chain(request);
  } finally {
    outcome.expired = cm.expired();
  }
}

/**
 * A request being handled: a link in its runner's list, which shutdown cancels. Not a Set of tasks:
 * with one, the objects of every finished request (its task, IncomingMessage, ServerResponse,
 * headers) outlived young-generation collections until the next full one, as if still held: under
 * keep-alive load 15 full collections in 9 s instead of 1, and the server's CPU per request up by
 * a third (bench/: http). A Map did the same; these links, like Node's own structures, do not.
 */
interface InFlight {
  task: Task<void> | null;
  prev: InFlight | null;
  next: InFlight | null;
}

/** Where a response keeps the task answering it, for `onResponseClose`: one shared listener, no closure per request. */
const HANDLER_TASK = Symbol("handlerTask");
type ResponseWithTask = http.ServerResponse & { [HANDLER_TASK]?: Task<void> };

function onResponseClose(this: ResponseWithTask): void {
  const task = this[HANDLER_TASK];
  // "close" also follows a response sent in full; only an unfinished one means the client left.
  if (task !== undefined && !this.writableFinished && !task.done()) task.cancel("client disconnected");
}

function decodePath(raw: string): string | null {
  if (raw.indexOf("%") < 0) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return null;
  }
}

function writeException(res: http.ServerResponse, e: HTTPException): void {
  res.writeHead(e.status, e.reason, { ...e.headers, "Content-Type": e.contentType, "Content-Length": String(Buffer.byteLength(e.text, "utf8")) });
  res.end(e.text, "utf8");
}

/** Options of a `TCPSite`. */
export interface TCPSiteOptions {
  /** The listen backlog. @default 128 (aiohttp's) */
  backlog?: number;
}

/**
 * One listening address of a runner (`aiohttp.web.TCPSite`).
 * @example
 * const site = new TCPSite(runner, "127.0.0.1", 0); // port 0: any free port
 * yield* site.start();
 * console.log(site.name); // http://127.0.0.1:41234
 */
export class TCPSite {
  readonly runner: AppRunner;
  readonly host: string;
  private readonly requestedPort: number;
  private readonly backlog: number;
  private server: http.Server | null = null;
  /** The loop the site listens on, which closes it if nothing else does. */
  private loop: EventLoop | null = null;
  private boundPort: number | null = null;
  private closed: Future<void> | null = null;
  /** @internal */ _connections = 0;

  /**
   * @param host the address to listen on. @default "0.0.0.0"
   * @param port the port; 0 picks a free one. @default 8080
   */
  constructor(runner: AppRunner, host = "0.0.0.0", port = 8080, options: TCPSiteOptions = {}) {
    checkOptions("TCPSite", options, ["backlog"]);
    if (!(runner instanceof AppRunner)) throw new TypeError(`TCPSite takes an AppRunner, got ${String(runner)}`);
    this.runner = runner;
    this.host = host;
    this.requestedPort = checkCount("port", port, { allowZero: true });
    this.backlog = checkCount("backlog", options.backlog ?? 128);
  }

  /** The port it listens on once started, else null. */
  get port(): number | null {
    return this.boundPort;
  }

  /** Its URL (`site.name`): `http://host:port`. */
  get name(): string {
    const host = this.host.includes(":") ? `[${this.host}]` : this.host;
    return `http://${host}:${this.boundPort ?? this.requestedPort}`;
  }

  /**
   * Listens (`await site.start()`).
   * @throws RuntimeError when the runner is not set up or the site started already; OSError when it cannot listen.
   */
  *start(): Coroutine<void> {
    const loop = this.runner._checkReady();
    if (this.server !== null) throw new RuntimeError(`${String(this)} is already started`);
    const o = this.runner._options;
    const server = http.createServer(
      {
        keepAliveTimeout: o.keepaliveTimeout * 1000,
        headersTimeout: o.headersTimeout * 1000,
        requestTimeout: o.requestTimeout * 1000,
        maxHeaderSize: o.maxHeaderSize,
        // How often Node looks for connections past headersTimeout or requestTimeout (its default, 30 s, would let them run 30 s late).
        connectionsCheckingInterval: Math.max(10, Math.min(1000, o.headersTimeout * 250)),
        noDelay: true,
      },
      this.runner._onRequest,
    );
    server.on("connection", (socket) => {
      this._connections++;
      socket.once("close", () => this._connections--);
    });
    this.server = server;
    const listening = loop.createFuture<void>();
    const onError = (e: Error): void => {
      if (!listening.done()) listening.setException(toOSError(e, `listening on ${this.name}`, undefined) ?? e);
    };
    server.once("error", onError);
    server.listen({ host: this.host, port: this.requestedPort, backlog: this.backlog }, () => {
      server.off("error", onError);
      const address = server.address();
      this.boundPort = typeof address === "object" && address !== null ? address.port : null;
      if (!listening.done()) listening.setResult(undefined);
    });
    try {
      yield* listening;
    } catch (e) {
      this.server = null;
      server.close();
      throw e;
    }
    this.runner._sites.add(this);
    this.loop = loop;
    _trackResource(loop, this);
  }

  /** Stops listening and closes the site's connections now (`await site.stop()`), without the runner's grace period. */
  *stop(): Coroutine<void> {
    this._stopListening();
    yield* this._close();
  }

  /** @internal Stops accepting; idle keep-alive connections close at once (Node's `server.close()`). */
  _stopListening(): void {
    const server = this.server;
    if (server === null || this.closed !== null) return;
    const closed = getRunningLoop().createFuture<void>();
    this.closed = closed;
    server.close(() => void (closed.done() || closed.setResult(undefined)));
    server.closeIdleConnections();
  }

  /** @internal Closes every connection left and waits until the server is closed. */
  *_close(): Coroutine<void> {
    const server = this.server;
    if (server === null) return;
    this._stopListening();
    server.closeAllConnections();
    yield* this.closed!;
    this.server = null;
    this.runner._sites.delete(this);
    if (this.loop !== null) _untrackResource(this.loop, this);
  }

  /**
   * @internal The loop closes with the site still listening (its runner was never cleaned up):
   * stop listening and drop every connection at once, so the program can end, as a Python
   * process's end closes its sockets.
   */
  _closeForLoopClose(): void {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    this.runner._sites.delete(this);
    server.close();
    server.closeAllConnections();
  }

  toString(): string {
    return `<TCPSite ${this.name}${this.server === null ? "" : " listening"}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** Options of `runApp`: where to listen, what to print, and the runner's options. */
export interface RunAppOptions extends AppRunnerOptions, TCPSiteOptions {
  /** The address to listen on. @default "0.0.0.0" */
  host?: string;
  /** The port; 0 picks a free one. @default 8080 */
  port?: number;
  /** Called with the site once it listens. @default prints aiohttp's "======== Running on URL ========" */
  onListening?: ((site: TCPSite) => void) | null;
}

/**
 * Serves `app` until cancelled (`aiohttp.web.run_app`, and what `uvicorn.run(app)` does): sets it
 * up, listens, then on cancellation (Ctrl-C cancels `run`'s main task) shuts down gracefully.
 * @example
 * await run(runApp(app, { host: "127.0.0.1", port: 8000 }));
 */
export function* runApp(app: Application, options: RunAppOptions = {}): Coroutine<void> {
  const { host = "0.0.0.0", port = 8080, backlog, onListening, ...runnerOptions } = options;
  checkOptions("runApp", options, [...RUNNER_OPTIONS, "backlog", "host", "port", "onListening"]);
  const runner = new AppRunner(app, runnerOptions);
  yield* runner.with(function* () {
    const site = new TCPSite(runner, host, port, backlog === undefined ? {} : { backlog });
    yield* site.start();
    if (onListening === undefined) console.log(`======== Running on ${site.name} ========\n(Press CTRL+C to quit)`);
    else if (onListening !== null) onListening(site);
    yield* getRunningLoop().createFuture<void>();
  });
}
