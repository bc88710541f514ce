/**
 * The request a handler receives (aiohttp: `web_request.py`): `Request`, with the method, path,
 * query, headers and path parameters, and the body read whole (`read()`/`bytes()`, `text()`,
 * `json()`, bounded by the application's `clientMaxSize`: 413 past it) or as a `StreamReader`
 * (`request.content`) whose buffer pauses the socket at its high-water mark (twice its limit) and
 * resumes it as the handler reads, so a fast uploader cannot grow the server's memory.
 *
 * The body is attached to the reader only when a handler asks for it; a body nobody reads is
 * discarded by Node once the response is sent, and the connection stays usable.
 */

import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import type { Socket } from "node:net";
import { inspect } from "node:util";
import { ConnectionResetError, StreamReader, getRunningLoop, type Coroutine } from "asyncio-ts";
import { HTTPBadRequest, HTTPRequestEntityTooLarge } from "./web_exceptions.ts";

/** The size of the chunks `request.content` is read in, and half the buffer at which the socket pauses. */
const CONTENT_LIMIT = 64 * 1024;

/**
 * An HTTP request being handled (`aiohttp.web.Request`). `P` is the type of its path parameters,
 * which the router infers from the route: `"/users/{id}"` gives `request.matchInfo.id: string`.
 *
 * @example
 * routes.post("/echo/{name}", function* (request) {
 *   const body = yield* request.json<{ n: number }>();
 *   return jsonResponse({ name: request.matchInfo.name, n: body.n, q: request.query.get("q") });
 * });
 */
export class Request<P extends object = Record<string, string>> {
  /** The method, upper case (`"GET"`). */
  readonly method: string;
  /** The path and query as sent (`"/a%20b?x=1"`). */
  readonly rawPath: string;
  /** The path, percent-decoded, without the query (`"/a b"`). */
  readonly path: string;
  /** The path parameters of the route that matched (`{name}` and `{name:regex}` parts). */
  readonly matchInfo: P;
  /** @internal */ readonly _message: IncomingMessage;
  /** @internal */ readonly _res: ServerResponse;
  /** @internal */ readonly _clientMaxSize: number;
  private reader: StreamReader | null = null;
  private queryParams: URLSearchParams | null = null;
  private bodyRead = false;

  /** @internal The server makes requests. */
  constructor(message: IncomingMessage, res: ServerResponse, path: string, matchInfo: P, clientMaxSize: number) {
    this._message = message;
    this._res = res;
    this.method = message.method ?? "GET";
    this.rawPath = message.url ?? "/";
    this.path = path;
    this.matchInfo = matchInfo;
    this._clientMaxSize = clientMaxSize;
  }

  /** The request headers, names in lower case (Node's `IncomingHttpHeaders`). */
  get headers(): IncomingHttpHeaders {
    // Node builds this object on first use; a handler that never looks pays nothing (bench/: http).
    return this._message.headers;
  }

  /** The query string's parameters (`request.query` in aiohttp). */
  get query(): URLSearchParams {
    if (this.queryParams === null) {
      const q = this.rawPath.indexOf("?");
      this.queryParams = new URLSearchParams(q < 0 ? "" : this.rawPath.slice(q + 1));
    }
    return this.queryParams;
  }

  /** The query string, without the `?` (empty when there is none). */
  get queryString(): string {
    const q = this.rawPath.indexOf("?");
    return q < 0 ? "" : this.rawPath.slice(q + 1);
  }

  /** The absolute URL, from the Host header (`request.url`). */
  get url(): URL {
    return new URL(this.rawPath, `http://${this.headers.host ?? "localhost"}`);
  }

  /** The host the client asked for (the Host header), or null. */
  get host(): string | null {
    return this.headers.host ?? null;
  }

  /** The peer's IP address (`request.remote`), or null once the socket is gone. */
  get remote(): string | null {
    return this._message.socket?.remoteAddress ?? null;
  }

  /** The connection's socket (aiohttp's `request.transport`). */
  get socket(): Socket {
    return this._message.socket;
  }

  /** The HTTP version, `"1.1"` or `"1.0"`. */
  get version(): string {
    return this._message.httpVersion;
  }

  /** The media type of the body, without parameters (`"application/json"`); `""` when not given. */
  get contentType(): string {
    const ct = this.headers["content-type"];
    return ct === undefined ? "" : ct.split(";")[0]!.trim().toLowerCase();
  }

  /** The Content-Length header as a number, or null when the body is chunked or absent. */
  get contentLength(): number | null {
    const cl = this.headers["content-length"];
    return cl === undefined ? null : Number(cl);
  }

  /** True when the request has a body (`request.can_read_body`). */
  get canReadBody(): boolean {
    return this.contentLength !== null ? this.contentLength > 0 : this.headers["transfer-encoding"] !== undefined;
  }

  /**
   * The body as a `StreamReader` (`request.content`), fed as the data arrives. The socket pauses
   * while the reader holds more than 128 KiB and resumes as the handler reads.
   * @example
   * for (;;) {
   *   const chunk = yield* request.content.read(65536);
   *   if (chunk.length === 0) break; // the end of the body
   *   yield* sink.write(chunk);
   * }
   */
  get content(): StreamReader {
    if (this.reader === null) {
      const message = this._message;
      const reader = new StreamReader({ limit: CONTENT_LIMIT, loop: getRunningLoop() });
      reader.setTransport({ pauseReading: () => message.pause(), resumeReading: () => message.resume() });
      message.on("data", (chunk: Buffer) => reader.feedData(chunk));
      message.on("end", () => reader.feedEof());
      message.on("aborted", () => reader.setException(new ConnectionResetError(null, "Connection lost while reading the request body")));
      message.on("error", () => reader.setException(new ConnectionResetError(null, "Connection lost while reading the request body")));
      this.reader = reader;
    }
    return this.reader;
  }

  /**
   * Reads the whole body (`await request.read()`), at most the application's `clientMaxSize`.
   * A second call returns an empty buffer: the body was read.
   * @throws HTTPRequestEntityTooLarge (answered as 413) past the limit, as soon as it is passed.
   */
  *read(): Coroutine<Buffer> {
    const max = this._clientMaxSize;
    const declared = this.contentLength;
    if (declared !== null && declared > max) throw new HTTPRequestEntityTooLarge(max, declared);
    if (this.bodyRead) return Buffer.alloc(0);
    this.bodyRead = true;
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = yield* this.content.read(CONTENT_LIMIT);
      if (chunk.length === 0) break;
      total += chunk.length;
      if (total > max) throw new HTTPRequestEntityTooLarge(max, null);
      chunks.push(chunk);
    }
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, total);
  }

  /** The whole body as bytes: `read()` under the name httpx and FastAPI users look for. */
  *bytes(): Coroutine<Buffer> {
    return yield* this.read();
  }

  /** The whole body decoded as UTF-8 (`await request.text()`); bounded as `read()` is. */
  *text(): Coroutine<string> {
    return (yield* this.read()).toString("utf8");
  }

  /**
   * The whole body parsed as JSON (`await request.json()`); bounded as `read()` is.
   * @throws HTTPBadRequest (answered as 400) when the body is not JSON.
   */
  *json<T = unknown>(): Coroutine<T> {
    const text = yield* this.text();
    try {
      return JSON.parse(text) as T;
    } catch (e) {
      throw new HTTPBadRequest({ text: `The request body is not valid JSON: ${(e as Error).message}` });
    }
  }

  toString(): string {
    return `<Request ${this.method} ${this.rawPath}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
