/**
 * Routing by method and path (aiohttp: `web_urldispatcher.py` and `web_routedef.py`):
 * `UrlDispatcher` (an application's `router`), `RouteTableDef` (routes declared apart from the
 * application, as `@routes.get("/")` does in aiohttp and `@app.get("/")` in FastAPI), `Route`,
 * and the types that carry a route's path parameters to its handler.
 *
 * A path is literal text with `{name}` parts (one path segment: no `/`) and `{name:regex}` parts
 * (what the regex matches); the parameters arrive percent-decoded in `request.matchInfo`, typed
 * from the path: `"/users/{id}/posts/{n:\\d+}"` gives `{ id: string; n: string }`.
 *
 * Resolving: a path without parameters is one map lookup; the others are tried in the order they
 * were added. A path that matches with no route for the method is a 405 with `Allow`; a path
 * nothing matches is a 404. A GET route also answers HEAD (aiohttp's `allow_head`), and a route
 * for `"*"` answers every method.
 */

import { inspect } from "node:util";
import { RuntimeError, type Coroutine } from "asyncio-ts";
import { checkOptions, checkSeconds } from "./options.ts";
import type { Request } from "./request.ts";
import type { StreamResponse } from "./response.ts";
import { HTTPMethodNotAllowed, HTTPNotFound } from "./web_exceptions.ts";

/**
 * The names of a route path's parameters, as a union of string literals.
 * @example
 * type N = PathParamNames<"/users/{id}/posts/{n:\\d+}">; // "id" | "n"
 */
export type PathParamNames<Path extends string> = Path extends `${string}{${infer Param}}${infer Rest}`
  ? (Param extends `${infer Name}:${string}` ? Name : Param) | PathParamNames<Rest>
  : never;

/**
 * The path parameters of a route path, as `request.matchInfo` holds them.
 * @example
 * type P = PathParams<"/timeit/{seconds}">; // { seconds: string }
 */
export type PathParams<Path extends string> = string extends Path ? Record<string, string> : { [K in PathParamNames<Path>]: string };

/**
 * A request handler: a coroutine function from the request to the response (`async def
 * handler(request) -> web.StreamResponse`). Each request runs it in a task of its own.
 */
export type Handler<P extends object = Record<string, string>> = (request: Request<P>) => Coroutine<StreamResponse>;

/** Options of one route. */
export interface RouteOptions {
  /**
   * Cancel the handler's task when the client disconnects before the response is sent.
   * @default the application's `handlerCancellation` (true)
   */
  handlerCancellation?: boolean;
  /** Seconds the handler may take before the server cancels it and answers 504; null: no limit. @default the application's `handlerTimeout` (null) */
  handlerTimeout?: number | null;
  /** A GET route also answers HEAD. @default true */
  allowHead?: boolean;
  /** A name for the route (aiohttp's `name=`). @default none */
  name?: string;
}

const ROUTE_OPTIONS = ["handlerCancellation", "handlerTimeout", "allowHead", "name"] as const;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * One method on one path, with its handler (`aiohttp.web.ResourceRoute`), as `addRoute` returns it.
 * @example
 * const route = app.router.addGet("/", index, { name: "index" });
 * console.log(route.method, route.path, route.name); // GET / index
 */
export class Route {
  readonly method: string;
  readonly path: string;
  readonly handler: Handler<any>;
  readonly name: string | null;
  /** @internal */ readonly _handlerCancellation: boolean | undefined;
  /** @internal */ readonly _handlerTimeout: number | null | undefined;

  /** @internal Made by `UrlDispatcher.addRoute`. */
  constructor(method: string, path: string, handler: Handler<any>, options: RouteOptions) {
    this.method = method;
    this.path = path;
    this.handler = handler;
    this.name = options.name ?? null;
    this._handlerCancellation = options.handlerCancellation;
    this._handlerTimeout = options.handlerTimeout === undefined ? undefined : checkSeconds("handlerTimeout", options.handlerTimeout);
  }

  toString(): string {
    return `<Route ${this.method} ${this.path}${this.name === null ? "" : ` name=${this.name}`}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A path and the routes of each of its methods (`aiohttp.web.Resource`). */
class Resource {
  readonly path: string;
  readonly pattern: RegExp | null;
  readonly paramNames: readonly string[];
  readonly methods = new Map<string, Route>();

  constructor(path: string) {
    this.path = path;
    const [pattern, names] = compilePath(path);
    this.pattern = names.length === 0 ? null : pattern;
    this.paramNames = names;
  }

  allowed(): string[] {
    return [...this.methods.keys()];
  }
}

/** The route a request resolved to and its path parameters, or the 404/405 it gets. */
export type Resolution = { route: Route; matchInfo: Record<string, string> } | { route: null; error: HTTPNotFound | HTTPMethodNotAllowed };

/** Compiles a route path to a regex over the decoded path; returns the parameters' names too. */
function compilePath(path: string): [RegExp, string[]] {
  if (typeof path !== "string" || !path.startsWith("/")) throw new TypeError(`a route path must be a string starting with "/", got ${JSON.stringify(path)}`);
  const names: string[] = [];
  let source = "";
  let i = 0;
  while (i < path.length) {
    const open = path.indexOf("{", i);
    if (open < 0) {
      source += escape(path.slice(i));
      break;
    }
    source += escape(path.slice(i, open));
    // The parameter ends at the brace that balances `open`, so a regex may hold `{3}`.
    let depth = 0;
    let close = open;
    for (; close < path.length; close++) {
      if (path[close] === "{") depth++;
      else if (path[close] === "}" && --depth === 0) break;
    }
    if (close >= path.length) throw new TypeError(`route path ${JSON.stringify(path)}: "{" at ${open} is never closed`);
    const spec = path.slice(open + 1, close);
    const colon = spec.indexOf(":");
    const name = colon < 0 ? spec : spec.slice(0, colon);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TypeError(`route path ${JSON.stringify(path)}: parameter name ${JSON.stringify(name)} is not an identifier`);
    if (names.includes(name)) throw new TypeError(`route path ${JSON.stringify(path)}: parameter ${name} appears twice`);
    names.push(name);
    const regex = colon < 0 ? "[^{}/]+" : spec.slice(colon + 1);
    try {
      new RegExp(regex);
    } catch (e) {
      throw new TypeError(`route path ${JSON.stringify(path)}: the regex of ${name} is invalid: ${(e as Error).message}`);
    }
    source += `(?<${name}>${regex})`;
    i = close + 1;
  }
  return [new RegExp(`^${source}$`), names];
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * The routes of an application (`app.router`, aiohttp's `UrlDispatcher`).
 * @example
 * app.router.addGet("/", index);
 * app.router.addRoute("POST", "/items/{id:\\d+}", saveItem, { handlerTimeout: 5 });
 */
export class UrlDispatcher {
  private readonly staticResources = new Map<string, Resource>();
  private readonly dynamicResources: Resource[] = [];
  private readonly all: Route[] = [];
  private frozen = false;

  /**
   * Adds a route for `method` (`"GET"`, ..., or `"*"` for any) on `path` (`router.add_route`).
   * @throws TypeError for a bad method, path or handler; RuntimeError once the application runs.
   */
  addRoute<Path extends string>(method: string, path: Path, handler: Handler<PathParams<Path>>, options: RouteOptions = {}): Route {
    checkOptions("addRoute", options, ROUTE_OPTIONS);
    if (this.frozen) throw new RuntimeError(`Cannot add route ${method} ${path}: the application's router is frozen once it runs`);
    if (typeof method !== "string" || (method !== "*" && !TOKEN.test(method))) throw new TypeError(`a route method must be an HTTP method name or "*", got ${String(method)}`);
    if (typeof handler !== "function") throw new TypeError(`the handler of ${method} ${path} must be a generator function (request) => Coroutine<StreamResponse>, got ${String(handler)}`);
    const upper = method.toUpperCase();
    let resource = this.staticResources.get(path) ?? this.dynamicResources.find((r) => r.path === path);
    if (resource === undefined) {
      resource = new Resource(path);
      if (resource.pattern === null) this.staticResources.set(path, resource);
      else this.dynamicResources.push(resource);
    }
    if (resource.methods.has(upper)) throw new TypeError(`route ${upper} ${path} is already registered`);
    const route = new Route(upper, path, handler as Handler<any>, options);
    resource.methods.set(upper, route);
    this.all.push(route);
    if (upper === "GET" && options.allowHead !== false && !resource.methods.has("HEAD")) resource.methods.set("HEAD", route);
    return route;
  }

  /** `addRoute("GET", ...)` (`router.add_get`); it answers HEAD too unless `allowHead: false`. */
  addGet<Path extends string>(path: Path, handler: Handler<PathParams<Path>>, options?: RouteOptions): Route {
    return this.addRoute("GET", path, handler, options);
  }
  /** `addRoute("POST", ...)` (`router.add_post`). */
  addPost<Path extends string>(path: Path, handler: Handler<PathParams<Path>>, options?: RouteOptions): Route {
    return this.addRoute("POST", path, handler, options);
  }
  /** `addRoute("PUT", ...)` (`router.add_put`). */
  addPut<Path extends string>(path: Path, handler: Handler<PathParams<Path>>, options?: RouteOptions): Route {
    return this.addRoute("PUT", path, handler, options);
  }
  /** `addRoute("PATCH", ...)` (`router.add_patch`). */
  addPatch<Path extends string>(path: Path, handler: Handler<PathParams<Path>>, options?: RouteOptions): Route {
    return this.addRoute("PATCH", path, handler, options);
  }
  /** `addRoute("DELETE", ...)` (`router.add_delete`). */
  addDelete<Path extends string>(path: Path, handler: Handler<PathParams<Path>>, options?: RouteOptions): Route {
    return this.addRoute("DELETE", path, handler, options);
  }

  /** Adds every route of a `RouteTableDef` (`app.add_routes(routes)`). */
  addRoutes(routes: Iterable<RouteDef>): Route[] {
    return [...routes].map((d) => this.addRoute(d.method, d.path, d.handler, d.options));
  }

  /** Every route, in the order they were added. */
  routes(): readonly Route[] {
    return this.all;
  }

  /** The route for `method` and the decoded `path`, with its parameters; or the 404 or 405 it gets. */
  resolve(method: string, path: string): Resolution {
    const resource = this.staticResources.get(path);
    if (resource !== undefined) return pick(resource, method, {});
    for (const r of this.dynamicResources) {
      const m = r.pattern!.exec(path);
      if (m !== null) return pick(r, method, { ...m.groups });
    }
    return { route: null, error: new HTTPNotFound() };
  }

  /** @internal The application starts: no more routes. */
  _freeze(): void {
    this.frozen = true;
  }

  toString(): string {
    return `<UrlDispatcher routes=${this.all.length}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function pick(resource: Resource, method: string, matchInfo: Record<string, string>): Resolution {
  const route = resource.methods.get(method) ?? resource.methods.get("*");
  if (route !== undefined) return { route, matchInfo };
  return { route: null, error: new HTTPMethodNotAllowed(method, resource.allowed()) };
}

/** One route declared in a `RouteTableDef` (aiohttp's `RouteDef`). */
export interface RouteDef {
  readonly method: string;
  readonly path: string;
  readonly handler: Handler<any>;
  readonly options: RouteOptions;
}

/**
 * Routes declared apart from the application (`aiohttp.web.RouteTableDef`), added with
 * `app.addRoutes(routes)`: where aiohttp writes `@routes.get("/")` and FastAPI `@app.get("/")`.
 * @example
 * const routes = new RouteTableDef();
 * routes.get("/", function* () {
 *   return jsonResponse({ Hello: "World" });
 * });
 * routes.get("/timeit/{seconds}", function* (request) {
 *   const seconds = Number(request.matchInfo.seconds); // typed from the path
 *   yield* sleep(seconds);
 *   return jsonResponse(`sleep seconds: ${seconds}`);
 * });
 * const app = new Application();
 * app.addRoutes(routes);
 */
export class RouteTableDef implements Iterable<RouteDef> {
  private readonly defs: RouteDef[] = [];

  /** Declares a route for `method` (or `"*"`) on `path` (`@routes.route(method, path)`). */
  route<Path extends string>(method: string, path: Path, handler: Handler<PathParams<Path>>, options: RouteOptions = {}): this {
    checkOptions("RouteTableDef.route", options, ROUTE_OPTIONS);
    this.defs.push({ method, path, handler: handler as Handler<any>, options });
    return this;
  }
  /** `@routes.get(path)`: also answers HEAD unless `allowHead: false`. */
  get<Path extends string>(path: Path, handler: Handler<PathParams<Path>>, options?: RouteOptions): this {
    return this.route("GET", path, handler, options);
  }
  /** `@routes.post(path)`. */
  post<Path extends string>(path: Path, handler: Handler<PathParams<Path>>, options?: RouteOptions): this {
    return this.route("POST", path, handler, options);
  }
  /** `@routes.put(path)`. */
  put<Path extends string>(path: Path, handler: Handler<PathParams<Path>>, options?: RouteOptions): this {
    return this.route("PUT", path, handler, options);
  }
  /** `@routes.patch(path)`. */
  patch<Path extends string>(path: Path, handler: Handler<PathParams<Path>>, options?: RouteOptions): this {
    return this.route("PATCH", path, handler, options);
  }
  /** `@routes.delete(path)`. */
  delete<Path extends string>(path: Path, handler: Handler<PathParams<Path>>, options?: RouteOptions): this {
    return this.route("DELETE", path, handler, options);
  }

  [Symbol.iterator](): Iterator<RouteDef> {
    return this.defs[Symbol.iterator]();
  }

  /** How many routes are declared. */
  get length(): number {
    return this.defs.length;
  }
}
