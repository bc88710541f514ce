/**
 * What the client throws besides the project's OS errors (aiohttp: `client_exceptions.py`).
 *
 * Network failures arrive as asyncio-ts's own classes, with the method and URL in the message:
 * `ConnectionRefusedError`, `ConnectionResetError` (the server closed or reset the connection,
 * Node's "socket hang up" included), `GaiError` (DNS), other `OSError`s. Deadlines arrive as
 * `TimeoutError`: the total one as `TimeoutError` itself, a phase's as one of the subclasses
 * below, so `catch (e) { if (e instanceof TimeoutError) ... }` catches them all. An HTTP error
 * status is not an error unless asked for (`raiseForStatus`).
 */

import type { IncomingHttpHeaders } from "node:http";
import { TimeoutError, ValueError } from "asyncio-ts";

/**
 * Base of the client's HTTP errors (`aiohttp.ClientError`): an error status when asked to raise,
 * a body that is not what was asked for.
 * @example
 * try {
 *   yield* session.get("/missing", { raiseForStatus: true });
 * } catch (e) {
 *   if (e instanceof ClientError) console.log(e.message);
 * }
 */
export class ClientError extends Error {
  constructor(message?: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * An error status, thrown by `raiseForStatus()` (`aiohttp.ClientResponseError`).
 * @example
 * const resp = yield* session.get("/missing");
 * resp.raiseForStatus(); // throws ClientResponseError: 404, message='Not Found', url='http://.../missing'
 */
export class ClientResponseError extends ClientError {
  readonly status: number;
  readonly reason: string;
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** @param status the status. @param reason its reason phrase. @param method and @param url the request's. */
  constructor(status: number, reason: string, method: string, url: string, headers: IncomingHttpHeaders = {}) {
    super(`${status}, message='${reason}', url='${url}'`);
    this.status = status;
    this.reason = reason;
    this.method = method;
    this.url = url;
    this.headers = headers;
  }
}

/**
 * `json()` of a response whose Content-Type is not JSON (`aiohttp.ContentTypeError`); pass
 * `json({ contentType: null })` to parse anyway.
 * @example yield* resp.json({ contentType: null });
 */
export class ContentTypeError extends ClientResponseError {}

/**
 * A URL the client cannot use (`aiohttp.InvalidURL`): not absolute and no `baseUrl`, or not `http:`.
 * It is a `ValueError`, as aiohttp's is.
 * @example yield* session.get("ftp://example.com/"); // throws InvalidURL
 */
export class InvalidURL extends ValueError {}

/**
 * A phase of a request exceeded its deadline (`aiohttp.ServerTimeoutError`); see the two below.
 * @example
 * try {
 *   yield* session.get(url, { timeout: new ClientTimeout({ sockRead: 1 }) });
 * } catch (e) {
 *   if (e instanceof ServerTimeoutError) console.log("the server went quiet");
 * }
 */
export class ServerTimeoutError extends TimeoutError {}

/**
 * Acquiring a connection took too long: waiting for a pool slot (`pool`, `connect`) or opening
 * the socket (`sockConnect`) (`aiohttp.ConnectionTimeoutError`).
 * @example new ClientSession({ timeout: new ClientTimeout({ connect: 2 }) });
 */
export class ConnectionTimeoutError extends ServerTimeoutError {}

/**
 * The server sent nothing for `sockRead` seconds, waiting for the response head or between two
 * chunks of the body (`aiohttp.SocketTimeoutError`).
 * @example new ClientSession({ timeout: new ClientTimeout({ sockRead: 10 }) });
 */
export class SocketTimeoutError extends ServerTimeoutError {}
