/**
 * HTTP errors a handler throws to answer with a status (aiohttp: `web_exceptions.py`):
 * `HTTPException` and one class per status the server itself uses, so `throw new HTTPNotFound()`
 * in a handler or a middleware answers 404, as `raise web.HTTPNotFound()` does in aiohttp.
 *
 * The server also answers with these: 404 and 405 (with `Allow`) from the router, 413 past the
 * body limit, 503 past the concurrency cap, 504 when a handler outlives its timeout, 500 for any
 * other error (which also goes to the loop's exception handler).
 */

import { STATUS_CODES } from "node:http";

/** What every `HTTPException` takes; each default is written on the class. */
export interface HTTPExceptionOptions {
  /** The body, as text. @default "STATUS: Reason" (aiohttp's default body) */
  text?: string;
  /** The reason phrase. @default the standard one for the status */
  reason?: string;
  /** More response headers. @default none */
  headers?: Record<string, string>;
  /** The Content-Type of `text`. @default "text/plain; charset=utf-8" */
  contentType?: string;
}

/**
 * An HTTP answer thrown as an error (`aiohttp.web.HTTPException`). Throw one of the subclasses in a
 * handler or a middleware; the server answers with its status, headers and text.
 * @example
 * routes.get("/users/{id}", function* (request) {
 *   const user = users.get(request.matchInfo.id);
 *   if (user === undefined) throw new HTTPNotFound({ text: `no user ${request.matchInfo.id}` });
 *   return jsonResponse(user);
 * });
 */
export class HTTPException extends Error {
  /** The status code of the subclass; the base class has none of its own. */
  static readonly statusCode: number = 500;
  readonly status: number;
  readonly reason: string;
  readonly text: string;
  readonly headers: Record<string, string>;
  readonly contentType: string;

  /** @param options see {@link HTTPExceptionOptions}. */
  constructor(options: HTTPExceptionOptions = {}) {
    const status = (new.target as typeof HTTPException).statusCode;
    const reason = options.reason ?? STATUS_CODES[status] ?? "Unknown";
    const text = options.text ?? `${status}: ${reason}`;
    super(text);
    this.name = new.target.name;
    this.status = status;
    this.reason = reason;
    this.text = text;
    this.headers = options.headers ?? {};
    this.contentType = options.contentType ?? "text/plain; charset=utf-8";
  }
}

/** 400 Bad Request (`web.HTTPBadRequest`). @example throw new HTTPBadRequest({ text: "seconds must be a number" }); */
export class HTTPBadRequest extends HTTPException {
  static override readonly statusCode: number = 400;
}
/** 403 Forbidden (`web.HTTPForbidden`). @example throw new HTTPForbidden(); */
export class HTTPForbidden extends HTTPException {
  static override readonly statusCode: number = 403;
}
/** 404 Not Found (`web.HTTPNotFound`): also what the router answers when no route matches. @example throw new HTTPNotFound(); */
export class HTTPNotFound extends HTTPException {
  static override readonly statusCode: number = 404;
}

/**
 * 405 Method Not Allowed (`web.HTTPMethodNotAllowed`), with the `Allow` header listing the methods
 * the path has: what the router answers when the path matches but the method does not.
 * @example throw new HTTPMethodNotAllowed("DELETE", ["GET", "POST"]);
 */
export class HTTPMethodNotAllowed extends HTTPException {
  static override readonly statusCode: number = 405;
  readonly method: string;
  readonly allowedMethods: readonly string[];
  /** @param method the method asked for. @param allowedMethods those the path has. */
  constructor(method: string, allowedMethods: readonly string[], options: HTTPExceptionOptions = {}) {
    const allow = [...allowedMethods].sort().join(",");
    super({ ...options, headers: { ...options.headers, Allow: allow } });
    this.method = method;
    this.allowedMethods = allowedMethods;
  }
}

/** 408 Request Timeout (`web.HTTPRequestTimeout`). @example throw new HTTPRequestTimeout(); */
export class HTTPRequestTimeout extends HTTPException {
  static override readonly statusCode: number = 408;
}

/**
 * 413 Request Entity Too Large (`web.HTTPRequestEntityTooLarge`): a body past the application's
 * `clientMaxSize`, read with `text()`, `json()` or `read()`.
 * @example throw new HTTPRequestEntityTooLarge(1024, 4096);
 */
export class HTTPRequestEntityTooLarge extends HTTPException {
  static override readonly statusCode: number = 413;
  readonly maxSize: number;
  readonly actualSize: number | null;
  /** @param maxSize the limit in bytes. @param actualSize the size seen, when known. */
  constructor(maxSize: number, actualSize: number | null, options: HTTPExceptionOptions = {}) {
    const seen = actualSize === null ? "more" : String(actualSize);
    super({ text: `Maximum request body size ${maxSize} exceeded, actual body size ${seen}`, ...options });
    this.maxSize = maxSize;
    this.actualSize = actualSize;
  }
}

/** 500 Internal Server Error (`web.HTTPInternalServerError`): what an unexpected error in a handler becomes. @example throw new HTTPInternalServerError(); */
export class HTTPInternalServerError extends HTTPException {
  static override readonly statusCode: number = 500;
}
/** 503 Service Unavailable (`web.HTTPServiceUnavailable`): what the server answers past its `maxConcurrency`. @example throw new HTTPServiceUnavailable(); */
export class HTTPServiceUnavailable extends HTTPException {
  static override readonly statusCode: number = 503;
}
/** 504 Gateway Timeout (`web.HTTPGatewayTimeout`): what a handler that outlives its `handlerTimeout` answers. @example throw new HTTPGatewayTimeout(); */
export class HTTPGatewayTimeout extends HTTPException {
  static override readonly statusCode: number = 504;
}
