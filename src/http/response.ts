/**
 * What a handler answers with (aiohttp: `web_response.py`): `StreamResponse`, written piece by
 * piece (`prepare`, then `write` which waits while the socket's buffer is full, then `writeEof`);
 * `Response`, whose whole body is known; and `jsonResponse`.
 *
 * A `Response` a handler returns is written by the server in one call (head and body together),
 * the fast path every small answer takes. A `StreamResponse` is written by the handler itself and
 * finished by the server if the handler returned without `writeEof()`.
 */

import type { ServerResponse } from "node:http";
import { inspect } from "node:util";
import { ConnectionResetError, RuntimeError, getRunningLoop, type Coroutine } from "asyncio-ts";
import { checkOptions } from "./options.ts";
import type { Request } from "./request.ts";

/** The options of a `StreamResponse`. */
export interface StreamResponseOptions {
  /** The status code. @default 200 */
  status?: number;
  /** The reason phrase. @default the standard one for the status */
  reason?: string;
  /** The response headers. @default none */
  headers?: Record<string, string | string[]>;
}

/** The options of a `Response`: a `StreamResponse`'s, and the body. */
export interface ResponseOptions extends StreamResponseOptions {
  /** The body as bytes (Content-Type `application/octet-stream` unless given). @default empty */
  body?: Uint8Array | null;
  /** The body as text, sent as UTF-8 (Content-Type `text/plain; charset=utf-8` unless given). @default none */
  text?: string | null;
  /** The Content-Type. @default from `body` or `text`, as above */
  contentType?: string;
}

const STREAM_OPTIONS = ["status", "reason", "headers"] as const;
const RESPONSE_OPTIONS = [...STREAM_OPTIONS, "body", "text", "contentType"] as const;
const JSON_OPTIONS = [...STREAM_OPTIONS, "contentType", "dumps"] as const;

/**
 * A response written piece by piece (`aiohttp.web.StreamResponse`): `prepare(request)` sends the
 * status and headers, each `write(chunk)` sends a chunk and waits while the socket's write buffer
 * is over its high-water mark (so a slow client slows the handler, not the server's memory), and
 * `writeEof()` ends it.
 *
 * @example
 * routes.get("/count", function* (request) {
 *   const resp = new StreamResponse({ headers: { "Content-Type": "text/plain" } });
 *   yield* resp.prepare(request);
 *   for (let i = 0; i < 3; i++) {
 *     yield* resp.write(`${i}\n`);
 *     yield* sleep(0.1);
 *   }
 *   yield* resp.writeEof();
 *   return resp;
 * });
 */
export class StreamResponse {
  /** The status code. */
  status: number;
  /** The reason phrase, or undefined for the standard one. */
  reason: string | undefined;
  /** The headers to send; change them before `prepare()`. */
  readonly headers: Record<string, string | string[]>;
  /** @internal The response being written, once prepared. */
  _res: ServerResponse | null = null;
  /** @internal True once `writeEof()` was called. */
  _eof = false;

  /** @param options see {@link StreamResponseOptions}. */
  constructor(options: StreamResponseOptions = {}) {
    checkOptions(new.target.name, options, new.target === StreamResponse ? STREAM_OPTIONS : RESPONSE_OPTIONS);
    this.status = options.status ?? 200;
    this.reason = options.reason;
    this.headers = options.headers === undefined ? {} : { ...options.headers };
  }

  /** True once `prepare()` sent the head. */
  get prepared(): boolean {
    return this._res !== null;
  }

  /** Sets the status (and reason) before `prepare()` (`resp.set_status`). */
  setStatus(status: number, reason?: string): void {
    if (this._res !== null) throw new RuntimeError(`Cannot change the status of a response after prepare() sent it (status ${this.status})`);
    this.status = status;
    this.reason = reason;
  }

  /**
   * Sends the status line and headers (`await resp.prepare(request)`); a second call does nothing.
   * @param request the request this answers.
   */
  *prepare(request: Request<object>): Coroutine<void> {
    if (this._res !== null) return;
    const res = request._res;
    if (res.headersSent) throw new RuntimeError(`${String(request)} was already answered; a request gets one response`);
    this._res = res;
    res.writeHead(this.status, this.reason, this.headers);
    res.flushHeaders();
  }

  /**
   * Sends `data` (a string is UTF-8) and waits while the socket's write buffer is full.
   * @throws RuntimeError before `prepare()` or after `writeEof()`; ConnectionResetError when the client went away.
   */
  *write(data: Uint8Array | string): Coroutine<void> {
    const res = this.checkWritable("write");
    if (!res.write(data)) yield* this.drain();
  }

  /**
   * Waits until the socket's write buffer is under its high-water mark (`await resp.drain()`).
   * @throws ConnectionResetError when the client went away meanwhile.
   */
  *drain(): Coroutine<void> {
    const res = this._res;
    if (res === null || !res.writableNeedDrain) return;
    if (res.destroyed) throw lost();
    const fut = getRunningLoop().createFuture<void>();
    const onDrain = (): void => void (fut.done() || fut.setResult(undefined));
    const onClose = (): void => void (fut.done() || fut.setException(lost()));
    res.once("drain", onDrain);
    res.once("close", onClose);
    try {
      yield* fut;
    } finally {
      res.off("drain", onDrain);
      res.off("close", onClose);
    }
  }

  /**
   * Sends `data` if given and ends the response (`await resp.write_eof()`); a second call does nothing.
   * @throws RuntimeError before `prepare()`.
   */
  *writeEof(data?: Uint8Array | string): Coroutine<void> {
    if (this._eof) return;
    const res = this.checkWritable("writeEof");
    this._eof = true;
    if (data === undefined) res.end();
    else res.end(data);
    yield* this.drain();
  }

  private checkWritable(what: string): ServerResponse {
    const res = this._res;
    if (res === null) throw new RuntimeError(`${what}() before prepare(): call yield* resp.prepare(request) first`);
    if (this._eof) throw new RuntimeError(`${what}() after writeEof(): the response is finished`);
    if (res.destroyed) throw lost();
    return res;
  }

  toString(): string {
    return `<${this.constructor.name} ${this.status} ${this.prepared ? "prepared" : "not prepared"}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function lost(): ConnectionResetError {
  return new ConnectionResetError(null, "Cannot write to closing transport");
}

/**
 * A response whose whole body is known (`aiohttp.web.Response`): return it from a handler and the
 * server sends it with its Content-Length.
 * @example
 * return new Response({ text: "hello" });                       // text/plain; charset=utf-8
 * return new Response({ body: png, contentType: "image/png" });
 * return new Response({ status: 201, headers: { Location: "/items/7" } });
 */
export class Response extends StreamResponse {
  /**
   * The body given as text, kept as a string until it is needed as bytes: Node writes a string
   * body and the head in one `write`, where a Buffer body takes a `writev` of two (bench/: http,
   * keep-alive throughput).
   */
  private textBody: string | null;
  private bytesBody: Buffer | null;

  /**
   * @param options see {@link ResponseOptions}.
   * @throws TypeError when both `body` and `text` are given.
   */
  constructor(options: ResponseOptions = {}) {
    super(options);
    const { body = null, text = null, contentType } = options;
    if (body !== null && text !== null) throw new TypeError("Response takes `body` or `text`, not both");
    if (text !== null && typeof text !== "string") throw new TypeError(`Response's text must be a string, got ${typeof text}`);
    this.textBody = text;
    this.bytesBody = text !== null ? null : body === null ? Buffer.alloc(0) : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    const type = contentType ?? (text !== null ? "text/plain; charset=utf-8" : body !== null ? "application/octet-stream" : undefined);
    if (type !== undefined && (options.headers === undefined || !hasHeader(this.headers, "content-type"))) this.headers["Content-Type"] = type;
  }

  /** The body to send, as bytes; set it to replace the body. */
  get body(): Buffer {
    this.bytesBody ??= Buffer.from(this.textBody!, "utf8");
    return this.bytesBody;
  }

  set body(value: Uint8Array) {
    this.textBody = null;
    this.bytesBody = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  }

  /** The body decoded as UTF-8; set it to replace the body. */
  get text(): string {
    return this.textBody ?? this.bytesBody!.toString("utf8");
  }

  set text(value: string) {
    this.textBody = value;
    this.bytesBody = null;
  }

  /**
   * Sends the head and the body (`await resp.prepare(request)` then the body), for handlers that
   * finish a `Response` themselves; returning it does the same.
   */
  override *prepare(request: Request<object>): Coroutine<void> {
    if (this._res !== null) return;
    if (request._res.headersSent) throw new RuntimeError(`${String(request)} was already answered; a request gets one response`);
    this._send(request._res);
  }

  /** @internal Writes the whole response in one call. */
  _send(res: ServerResponse): void {
    this._res = res;
    this._eof = true;
    const headers = this.headers;
    const text = this.textBody;
    if (text !== null) {
      headers["Content-Length"] = String(Buffer.byteLength(text, "utf8"));
      res.writeHead(this.status, this.reason, headers);
      res.end(text, "utf8");
    } else {
      headers["Content-Length"] = String(this.bytesBody!.length);
      res.writeHead(this.status, this.reason, headers);
      res.end(this.bytesBody);
    }
  }
}

function hasHeader(headers: Record<string, unknown>, lowerName: string): boolean {
  for (const k in headers) if (k.toLowerCase() === lowerName) return true;
  return false;
}

/** The options of `jsonResponse`: a `Response`'s but the body, and the serializer. */
export interface JsonResponseOptions extends StreamResponseOptions {
  /** The Content-Type. @default "application/json" */
  contentType?: string;
  /** Turns `data` into text. @default JSON.stringify */
  dumps?: (data: unknown) => string;
}

/**
 * A `Response` with `data` as JSON (`aiohttp.web.json_response`).
 * @example return jsonResponse({ Hello: "World" }); // 200, application/json, {"Hello":"World"}
 */
export function jsonResponse(data: unknown, options?: JsonResponseOptions): Response {
  if (options !== undefined) checkOptions("jsonResponse", options, JSON_OPTIONS);
  const text = (options?.dumps ?? JSON.stringify)(data);
  if (typeof text !== "string") throw new TypeError(`jsonResponse: ${String(data)} cannot be written as JSON`);
  // One options object, built here: the common call, jsonResponse(data), allocates no other.
  return new Response({ status: options?.status, reason: options?.reason, headers: options?.headers, text, contentType: options?.contentType ?? "application/json" });
}
