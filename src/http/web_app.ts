/**
 * The application (aiohttp: `web_app.py`): `Application`, which holds the router, the
 * middlewares, the startup and cleanup hooks, shared state, and the per-request settings
 * (`clientMaxSize`, `handlerCancellation`, `handlerTimeout`). It serves nothing by itself:
 * `AppRunner` and `TCPSite` (server.ts) or `runApp` put it on a socket.
 *
 * Middlewares run as an onion, the first added outermost: each gets the request and the next
 * handler, and returns the response (`async def mw(request, handler)` in aiohttp's new style).
 * The chain of each route is built once, the first time the route is used.
 */

import { inspect } from "node:util";
import { RuntimeError, type Coroutine } from "asyncio-ts";
import { checkCount, checkOptions, checkSeconds } from "./options.ts";
import type { Request } from "./request.ts";
import type { StreamResponse } from "./response.ts";
import { UrlDispatcher, type Handler, type PathParams, type Route, type RouteDef, type RouteOptions } from "./router.ts";

/**
 * A middleware: gets the request and the next handler, returns the response. It may answer by
 * itself, change the request's response, or catch what the handler throws.
 * @example
 * const timing: Middleware = function* (request, handler) {
 *   const t0 = performance.now();
 *   const resp = yield* handler(request);
 *   resp.headers["Server-Timing"] = `app;dur=${(performance.now() - t0).toFixed(1)}`;
 *   return resp;
 * };
 */
export type Middleware = (request: Request, handler: Handler) => Coroutine<StreamResponse>;

/** A startup or cleanup hook: a coroutine function of the application. */
export type AppHook = (app: Application) => Coroutine<void>;

/** Options of an `Application`. */
export interface ApplicationOptions {
  /** The middlewares, outermost first. @default none */
  middlewares?: readonly Middleware[];
  /** The largest body `text()`, `json()` and `read()` accept, in bytes; past it, 413. @default 1048576 (1 MiB, aiohttp's) */
  clientMaxSize?: number;
  /**
   * Cancel a handler's task when its client disconnects before the response is sent. Routes may
   * say otherwise. See docs/porting.md for why this is the default, and `shield` for work that
   * must finish anyway.
   * @default true
   */
  handlerCancellation?: boolean;
  /** Seconds a handler may take before it is cancelled and the client gets 504; null: no limit. Routes may say otherwise. @default null */
  handlerTimeout?: number | null;
}

const APP_OPTIONS = ["middlewares", "clientMaxSize", "handlerCancellation", "handlerTimeout"] as const;

/** How the server runs one route: its handler inside the middlewares, and its settings. */
export interface RoutePlan {
  readonly chain: Handler;
  readonly handlerCancellation: boolean;
  readonly handlerTimeout: number | null;
}

/**
 * A web application (`aiohttp.web.Application`): routes, middlewares, hooks and state.
 * @example
 * const app = new Application({ clientMaxSize: 4 * 1024 * 1024 });
 * app.router.addGet("/", function* () {
 *   return jsonResponse({ Hello: "World" });
 * });
 * app.onStartup.push(function* (app) {
 *   app.state.set("started", Date.now());
 * });
 * yield* runApp(app, { host: "127.0.0.1", port: 8000 });
 */
export class Application {
  /** The routes (`app.router`). */
  readonly router = new UrlDispatcher();
  /** The middlewares, outermost first; frozen once the application runs. */
  readonly middlewares: Middleware[];
  /** Hooks run in order by `AppRunner.setup()`, before the server listens (`app.on_startup`). */
  readonly onStartup: AppHook[] = [];
  /** Hooks run in order by `AppRunner.cleanup()`, after the last request (`app.on_cleanup`). */
  readonly onCleanup: AppHook[] = [];
  /** Whatever the hooks and handlers share (aiohttp's `app["key"]`). */
  readonly state = new Map<string | symbol, unknown>();
  /** See {@link ApplicationOptions.clientMaxSize}. */
  readonly clientMaxSize: number;
  /** See {@link ApplicationOptions.handlerCancellation}. */
  readonly handlerCancellation: boolean;
  /** See {@link ApplicationOptions.handlerTimeout}. */
  readonly handlerTimeout: number | null;
  private isFrozen = false;
  private readonly plans = new Map<Route, RoutePlan>();
  private notFound: Handler | null = null;

  /** @param options see {@link ApplicationOptions}. */
  constructor(options: ApplicationOptions = {}) {
    checkOptions("Application", options, APP_OPTIONS);
    this.middlewares = [...(options.middlewares ?? [])];
    for (const m of this.middlewares) if (typeof m !== "function") throw new TypeError(`a middleware must be a generator function (request, handler) => Coroutine<StreamResponse>, got ${String(m)}`);
    this.clientMaxSize = checkCount("clientMaxSize", options.clientMaxSize ?? 1024 * 1024);
    this.handlerCancellation = options.handlerCancellation ?? true;
    this.handlerTimeout = checkSeconds("handlerTimeout", options.handlerTimeout ?? null);
  }

  /** Adds every route of a `RouteTableDef` (`app.add_routes`). */
  addRoutes(routes: Iterable<RouteDef>): Route[] {
    return this.router.addRoutes(routes);
  }

  /** A GET route (shorthand for `app.router.addGet`, FastAPI's `@app.get`). */
  get<Path extends string>(path: Path, handler: Handler<PathParams<Path>>, options?: RouteOptions): Route {
    return this.router.addGet(path, handler, options);
  }

  /** A POST route (shorthand for `app.router.addPost`, FastAPI's `@app.post`). */
  post<Path extends string>(path: Path, handler: Handler<PathParams<Path>>, options?: RouteOptions): Route {
    return this.router.addPost(path, handler, options);
  }

  /** True once the application runs (no more routes or middlewares): aiohttp's `app.frozen`. */
  get frozen(): boolean {
    return this.isFrozen;
  }

  /** @internal The runner starts the application. */
  _freeze(): void {
    if (this.isFrozen) return;
    this.isFrozen = true;
    this.router._freeze();
    Object.freeze(this.middlewares);
  }

  /** @internal How to run `route`: built once. */
  _plan(route: Route): RoutePlan {
    let plan = this.plans.get(route);
    if (plan === undefined) {
      plan = {
        chain: this.wrap(route.handler),
        handlerCancellation: route._handlerCancellation ?? this.handlerCancellation,
        handlerTimeout: route._handlerTimeout === undefined ? this.handlerTimeout : route._handlerTimeout,
      };
      this.plans.set(route, plan);
    }
    return plan;
  }

  /** @internal The middlewares around a handler that throws `error` (404, 405): middlewares see those too. */
  _errorChain(error: Error): Handler {
    if (this.middlewares.length === 0) return throwing(error);
    this.notFound ??= this.wrap(function* (request: Request) {
      throw (request as Request & { [ROUTING_ERROR]: Error })[ROUTING_ERROR];
    });
    return this.notFound;
  }

  private wrap(handler: Handler): Handler {
    let chain = handler;
    for (let i = this.middlewares.length - 1; i >= 0; i--) {
      const middleware = this.middlewares[i]!;
      const next = chain;
      chain = (request) => middleware(request, next);
    }
    return chain;
  }

  toString(): string {
    return `<Application routes=${this.router.routes().length}${this.isFrozen ? " frozen" : ""}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** @internal Where the server puts the routing error a request got, for the middlewares' chain. */
export const ROUTING_ERROR = Symbol("routingError");

function throwing(error: Error): Handler {
  return function* () {
    throw error;
  };
}

/** @internal Checks that the runner is not given an application twice. */
export function checkNotRunning(app: Application): void {
  if (!(app instanceof Application)) throw new TypeError(`AppRunner takes an Application, got ${String(app)}`);
  if (app.frozen) throw new RuntimeError(`${String(app)} is already running under another AppRunner`);
}
