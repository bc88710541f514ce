/**
 * A response as the client receives it (aiohttp: `client_reqrep.py`): `ClientResponse`, whose
 * head is there when `session.get()` returns and whose body comes as it arrives, through a
 * `StreamReader` (`resp.content`) that pauses the socket at its high-water mark, or whole
 * (`read()`/`bytes()`, `text()`, `json()`).
 *
 * The body's deadlines run on the loop's timers: `sockRead` between chunks (re-armed lazily: a
 * chunk only records the time, and the timer, when it fires early, sleeps for the rest) and the
 * request's `total`. Either failing, or the reading task being cancelled, closes the connection;
 * a body read to its end gives a keep-alive connection back to the pool.
 */

import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import { inspect } from "node:util";
import { ConnectionResetError, StreamReader, TimeoutError, type Coroutine, type EventLoop, type TimerHandle } from "asyncio-ts";
import { ClientResponseError, ContentTypeError, SocketTimeoutError } from "./client_exceptions.ts";
import { checkOptions } from "./options.ts";
import { toOSError } from "./oserrors.ts";

/** The size of the chunks `content` is read in, and half the buffer at which the socket pauses. */
const CONTENT_LIMIT = 64 * 1024;

/** @internal What a response needs from the request that made it. */
export interface ResponseContext {
  readonly loop: EventLoop;
  readonly method: string;
  readonly url: URL;
  /** The request's total deadline in loop seconds, or null. */
  readonly totalDeadline: number | null;
  /** `sockRead` in seconds, or null. */
  readonly sockRead: number | null;
  /** Frees the connection at once, not to be reused. */
  readonly abandon: () => void;
}

/**
 * An HTTP response (`aiohttp.ClientResponse`), from `session.get()` and the other methods.
 * Read its body with `read()`/`bytes()`, `text()` or `json()`, or stream it from `content`; a
 * body you will not read, call `release()` for, so its connection is not held.
 * @example
 * const resp = yield* session.get("/timeit/1");
 * console.log(resp.status, resp.headers["content-type"]);
 * const body = yield* resp.json<string>();
 */
export class ClientResponse {
  readonly status: number;
  readonly reason: string;
  readonly headers: IncomingHttpHeaders;
  readonly method: string;
  readonly url: URL;
  /** The HTTP version, `"1.1"` or `"1.0"`. */
  readonly version: string;
  /** The body as it arrives (`resp.content`). */
  readonly content: StreamReader;
  private readonly context: ResponseContext;
  private readonly message: IncomingMessage;
  private body: Buffer | null = null;
  private finished = false;
  private lastData = 0;
  private readTimer: TimerHandle | null = null;
  private totalTimer: TimerHandle | null = null;

  /** @internal The session makes responses. */
  constructor(message: IncomingMessage, context: ResponseContext) {
    this.message = message;
    this.context = context;
    this.status = message.statusCode ?? 0;
    this.reason = message.statusMessage ?? "";
    this.headers = message.headers;
    this.method = context.method;
    this.url = context.url;
    this.version = message.httpVersion;
    const reader = new StreamReader({ limit: CONTENT_LIMIT, loop: context.loop });
    reader.setTransport({ pauseReading: () => message.pause(), resumeReading: () => message.resume() });
    this.content = reader;
    const { loop, sockRead, totalDeadline } = context;
    if (sockRead !== null) {
      this.lastData = loop.time();
      this.readTimer = loop.callLater(sockRead, this.onReadTimer);
    }
    if (totalDeadline !== null) this.totalTimer = loop.callAt(totalDeadline, this.onTotalTimer);
    message.on("data", (chunk: Buffer) => {
      if (this.readTimer !== null) this.lastData = loop.time();
      reader.feedData(chunk);
    });
    message.on("end", () => {
      this.stopTimers();
      this.finished = true;
      reader.feedEof();
    });
    message.on("error", (e) => this.fail(toOSError(e, this.describe()) ?? e));
  }

  /** True for a status below 400 (`resp.ok`). */
  get ok(): boolean {
    return this.status < 400;
  }

  /** The media type of the body, without parameters (`resp.content_type`). */
  get contentType(): string {
    const ct = this.headers["content-type"];
    return ct === undefined ? "application/octet-stream" : ct.split(";")[0]!.trim().toLowerCase();
  }

  /** The charset of the Content-Type, or null. */
  get charset(): string | null {
    const m = /;\s*charset=("?)([^";]+)\1/i.exec(this.headers["content-type"] ?? "");
    return m === null ? null : m[2]!.toLowerCase();
  }

  /**
   * Throws `ClientResponseError` for a status of 400 or more, after releasing the connection
   * (`resp.raise_for_status()`).
   */
  raiseForStatus(): void {
    if (this.ok) return;
    this.release();
    throw new ClientResponseError(this.status, this.reason, this.method, this.url.href, this.headers);
  }

  /**
   * The whole body (`await resp.read()`); read once, then kept, so `text()` after `read()` works.
   * Cancelling it, or its deadlines, close the connection.
   */
  *read(): Coroutine<Buffer> {
    if (this.body !== null) return this.body;
    try {
      this.body = yield* this.content.read();
    } catch (e) {
      this.release();
      throw e;
    }
    return this.body;
  }

  /** The whole body as bytes: `read()` under httpx's name. */
  *bytes(): Coroutine<Buffer> {
    return yield* this.read();
  }

  /**
   * The whole body decoded (`await resp.text()`).
   * @param encoding the encoding. @default the Content-Type's charset, else UTF-8
   */
  *text(encoding?: BufferEncoding): Coroutine<string> {
    const body = yield* this.read();
    const charset = encoding ?? this.charset ?? "utf-8";
    return body.toString(Buffer.isEncoding(charset) ? charset : "utf8");
  }

  /**
   * The whole body parsed as JSON (`await resp.json()`).
   * @param options.contentType the media type expected (`application/json` and `...+json` pass); null: do not check. @default "application/json"
   * @throws ContentTypeError when the Content-Type is another; SyntaxError when the body is not JSON.
   */
  *json<T = unknown>(options: { contentType?: string | null } = {}): Coroutine<T> {
    checkOptions("json", options, ["contentType"]);
    const expected = options.contentType === undefined ? "application/json" : options.contentType;
    if (expected !== null) {
      const got = this.contentType;
      if (got !== expected && !(expected === "application/json" && got.endsWith("+json"))) {
        this.release();
        throw new ContentTypeError(this.status, `Attempt to decode JSON with unexpected mimetype: ${got}`, this.method, this.url.href, this.headers);
      }
    }
    return JSON.parse((yield* this.text()) || "null") as T;
  }

  /**
   * Lets the connection go (`resp.release()`): a body read to its end has already given it back to
   * the pool; otherwise it is closed. Reads after it fail.
   */
  release(): void {
    if (this.finished) return;
    this.finished = true;
    this.stopTimers();
    if (this.content.exception() === null) this.content.setException(new ConnectionResetError(null, `the response was released before its body was read (${this.describe()})`));
    this.context.abandon();
  }

  /** Closes the connection (`resp.close()`): `release()` for a body not read to its end. */
  close(): void {
    this.release();
  }

  private fail(e: Error): void {
    if (this.finished) return;
    this.finished = true;
    this.stopTimers();
    this.content.setException(e);
    this.context.abandon();
  }

  private stopTimers(): void {
    this.readTimer?.cancel();
    this.totalTimer?.cancel();
    this.readTimer = this.totalTimer = null;
  }

  private readonly onReadTimer = (): void => {
    const { loop, sockRead } = this.context;
    const idle = loop.time() - this.lastData;
    if (idle + 1e-3 < sockRead!) {
      this.readTimer = loop.callLater(sockRead! - idle, this.onReadTimer);
      return;
    }
    this.readTimer = null;
    this.fail(new SocketTimeoutError(`Timeout on reading data from socket: nothing for ${sockRead} s (${this.describe()})`));
  };

  private readonly onTotalTimer = (): void => {
    this.totalTimer = null;
    this.fail(new TimeoutError(`the request's total timeout expired while its body was read (${this.describe()})`));
  };

  private describe(): string {
    return `${this.method} ${this.url.href}`;
  }

  toString(): string {
    return `<ClientResponse(${this.url.href}) [${this.status} ${this.reason}]>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
