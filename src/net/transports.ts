/**
 * Transports (CPython: `asyncio/transports.py`): the abstract `BaseTransport`, `ReadTransport`,
 * `WriteTransport`, `Transport`, `DatagramTransport`, `SubprocessTransport`, and `FlowControl`,
 * the write-buffer limits every writing transport shares (CPython's `_FlowControlMixin`), and
 * `BaseProtocol`, the callbacks every transport calls (protocols.ts has the kinds of protocol and
 * re-exports it: the two halves of a connection name each other, and one module holds the knot).
 *
 * A transport is the I/O side of a connection: the protocol calls its methods to write, pause
 * reading, or close. The concrete socket transport (TCP, TLS, Unix) lives in `net/sockets.ts`.
 */

import { inspect } from "node:util";
import { ValueError } from "../exceptions.ts";
import type { EventLoop } from "../loop/events.ts";

/**
 * The callbacks every protocol has (`asyncio.BaseProtocol`).
 *
 * @example
 * class Quiet extends BaseProtocol {
 *   override connectionLost(exc: Error | null): void {
 *     if (exc !== null) console.error("lost:", exc.message);
 *   }
 * }
 */
export class BaseProtocol {
  /**
   * Called once the connection is made, with its transport (keep it: it is how you write)
   * (`BaseProtocol.connection_made`).
   * @param transport the transport of this connection.
   */
  connectionMade(transport: BaseTransport): void {}

  /**
   * Called once when the connection is closed or lost (`BaseProtocol.connection_lost`).
   * @param exc the error that ended it, or null on a regular EOF or close.
   */
  connectionLost(exc: Error | null): void {}

  /** The transport's write buffer went over its high-water mark: stop writing until `resumeWriting`. */
  pauseWriting(): void {}

  /** The transport's write buffer drained to its low-water mark: writing may go on. */
  resumeWriting(): void {}

  /** `<ClassName>`, so a protocol names itself in transport and error reports. */
  toString(): string {
    return `<${this.constructor.name}>`;
  }
}

/**
 * What every transport has (`asyncio.BaseTransport`): extra information, closing, its protocol.
 * Transports are made by the loop (`createConnection`, `createServer`, ...), not by `new`.
 *
 * @example
 * console.log("connected to", transport.getExtraInfo("peername"));
 * if (!transport.isClosing()) transport.close();
 */
export abstract class BaseTransport {
  /** @internal */ protected readonly _extra: Map<string, unknown>;

  /** @param extra what `getExtraInfo` returns, by name (for those who write transports). */
  constructor(extra?: Record<string, unknown> | Map<string, unknown>) {
    this._extra = extra instanceof Map ? extra : new Map(Object.entries(extra ?? {}));
  }

  /**
   * Optional information about the transport (`get_extra_info`): for sockets `"peername"`,
   * `"sockname"`, `"socket"`, and over TLS `"peercert"`, `"cipher"`, `"sslObject"`.
   * @param name what to look up.
   * @param defaultValue returned when the transport has no such information.
   * @returns the value, or `defaultValue`.
   * @example const [host, port] = transport.getExtraInfo("peername") as [string, number];
   */
  getExtraInfo(name: string, defaultValue: unknown = null): unknown {
    return this._extra.has(name) ? this._extra.get(name) : defaultValue;
  }

  /** True once the transport is closing or closed (`BaseTransport.is_closing`). */
  abstract isClosing(): boolean;

  /** Closes the transport (`BaseTransport.close`): buffered data is flushed, then `connectionLost(null)` is called. */
  abstract close(): void;

  /** Makes `protocol` the one that receives the transport's callbacks from now on (`BaseTransport.set_protocol`). */
  abstract setProtocol(protocol: BaseProtocol): void;

  /** The current protocol (`BaseTransport.get_protocol`). */
  abstract getProtocol(): BaseProtocol;
}

/**
 * `x instanceof cls` for the half-transport class `half` or a subclass: its own instances, and, on
 * `half` itself, every `Transport` too (CPython's Transport inherits from both halves).
 */
function isHalfTransport(cls: Function, half: Function, x: unknown): boolean {
  const isA = Function.prototype[Symbol.hasInstance];
  return isA.call(cls, x) || (cls === half && isA.call(Transport, x));
}

/**
 * The reading half of a stream transport (`asyncio.ReadTransport`); a `Transport` is one too.
 * @example
 * transport.pauseReading(); // backpressure: stop dataReceived() calls
 * // ... later
 * transport.resumeReading();
 */
export abstract class ReadTransport extends BaseTransport {
  /** True while the transport delivers received data to its protocol. */
  abstract isReading(): boolean;
  /** Stops delivering data until `resumeReading()`; received data stays in the kernel's buffers. */
  abstract pauseReading(): void;
  /** Delivers data again after `pauseReading()`. */
  abstract resumeReading(): void;

  static override [Symbol.hasInstance](x: unknown): boolean {
    return isHalfTransport(this, ReadTransport, x);
  }
}

/**
 * The writing half of a stream transport (`asyncio.WriteTransport`); a `Transport` is one too.
 * @example
 * transport.write("GET / HTTP/1.0\r\n\r\n");
 * if (transport.canWriteEof()) transport.writeEof();
 */
export abstract class WriteTransport extends BaseTransport {
  /**
   * Sets the write buffer's flow-control limits, in bytes: the protocol's `pauseWriting()` is
   * called when the buffer grows over `high`, `resumeWriting()` when it drains to `low`.
   * @param high bytes. @default 64 KiB, or 4 × `low` when only `low` is given
   * @param low bytes. @default `high / 4`
   * @throws ValueError unless `high >= low >= 0`.
   */
  abstract setWriteBufferLimits(high?: number | null, low?: number | null): void;
  /** The `[low, high]` limits in bytes (`get_write_buffer_limits`). */
  abstract getWriteBufferLimits(): [number, number];
  /** How many bytes are buffered, not yet handed to the kernel. */
  abstract getWriteBufferSize(): number;
  /** Writes bytes (a string is UTF-8); never blocks, the transport buffers. */
  abstract write(data: Uint8Array | string): void;
  /** Writes each item in order. */
  abstract writelines(list: Iterable<Uint8Array | string>): void;
  /** Ends the writing side (sends EOF) once the buffer is flushed. */
  abstract writeEof(): void;
  /** Whether `writeEof()` is supported (false over TLS). */
  abstract canWriteEof(): boolean;
  /** Closes at once, dropping buffered data; `connectionLost(null)` follows. */
  abstract abort(): void;

  static override [Symbol.hasInstance](x: unknown): boolean {
    return isHalfTransport(this, WriteTransport, x);
  }
}

/**
 * A bidirectional stream transport (`asyncio.Transport`): what `loop.createConnection` and
 * `loop.createServer` give a `Protocol`. `x instanceof ReadTransport` and `instanceof
 * WriteTransport` hold for it too, as in CPython.
 *
 * @example
 * transport.write("hello\n");
 * transport.setWriteBufferLimits(1 << 20);
 * transport.close();
 */
export abstract class Transport extends BaseTransport {
  /** True while the transport delivers received data to its protocol (`is_reading`). */
  abstract isReading(): boolean;
  /** Stops delivering data until `resumeReading()` (`pause_reading`); received data stays in the kernel's buffers. */
  abstract pauseReading(): void;
  /** Delivers data again after `pauseReading()` (`resume_reading`). */
  abstract resumeReading(): void;
  /**
   * Sets the write buffer's flow-control limits, in bytes (`set_write_buffer_limits`): the
   * protocol's `pauseWriting()` is called when the buffer grows over `high`, `resumeWriting()`
   * when it drains to `low`.
   * @param high bytes. @default 64 KiB, or 4 × `low` when only `low` is given
   * @param low bytes. @default `high / 4`
   * @throws ValueError unless `high >= low >= 0`.
   */
  abstract setWriteBufferLimits(high?: number | null, low?: number | null): void;
  /** The `[low, high]` limits in bytes (`get_write_buffer_limits`). */
  abstract getWriteBufferLimits(): [number, number];
  /** How many bytes are buffered, not yet handed to the kernel (`get_write_buffer_size`). */
  abstract getWriteBufferSize(): number;
  /** Writes bytes (a string is UTF-8); never blocks, the transport buffers (`write`). */
  abstract write(data: Uint8Array | string): void;
  /** Writes each item in order (`writelines`). */
  abstract writelines(list: Iterable<Uint8Array | string>): void;
  /** Ends the writing side (sends EOF) once the buffer is flushed (`write_eof`). */
  abstract writeEof(): void;
  /** Whether `writeEof()` is supported, false over TLS (`can_write_eof`). */
  abstract canWriteEof(): boolean;
  /** Closes at once, dropping buffered data; `connectionLost(null)` follows (`abort`). */
  abstract abort(): void;
}

/**
 * A datagram transport (`asyncio.DatagramTransport`), for UDP.
 *
 * @example transport.sendto(Buffer.from("ping"), ["127.0.0.1", 9999]);
 */
export abstract class DatagramTransport extends BaseTransport {
  /**
   * Sends one datagram.
   * @param data the bytes (a string is UTF-8).
   * @param addr where to; omit it on a connected endpoint.
   */
  abstract sendto(data: Uint8Array | string, addr?: [string, number] | null): void;
  /** Closes at once, dropping buffered datagrams. */
  abstract abort(): void;
}

/**
 * The transport of a child process (`asyncio.SubprocessTransport`).
 *
 * @example const code = transport.getReturncode();
 */
export abstract class SubprocessTransport extends BaseTransport {
  /** The child's process id. */
  abstract getPid(): number;
  /** The exit code (negative: killed by that signal), or null while it runs. */
  abstract getReturncode(): number | null;
  /** The transport of the child's pipe `fd` (0, 1 or 2), or null when it is not a pipe. */
  abstract getPipeTransport(fd: number): BaseTransport | null;
  /** Sends a signal (a name such as "SIGTERM", or a number). */
  abstract sendSignal(signal: NodeJS.Signals | number): void;
  /** Sends SIGTERM. */
  abstract terminate(): void;
  /** Sends SIGKILL. */
  abstract kill(): void;
}

/**
 * CPython's default high-water mark of a write buffer, in bytes (64 KiB); the low-water mark is a quarter of it.
 * @example transport.setWriteBufferLimits(4 * DEFAULT_HIGH_WATER); // buffer up to 256 KiB before pauseWriting()
 */
export const DEFAULT_HIGH_WATER = 64 * 1024;

/**
 * The write-buffer limits and the pause/resume bookkeeping of a writing transport (CPython's
 * `_FlowControlMixin`), as an object a transport holds. Call `maybePause` after buffering data and
 * `maybeResume` after the buffer shrank.
 *
 * @example
 * const flow = new FlowControl();
 * flow.maybePause(transport.getWriteBufferSize(), protocol, loop, transport);
 */
export class FlowControl {
  high = DEFAULT_HIGH_WATER;
  low = DEFAULT_HIGH_WATER / 4;
  /** True between a `pauseWriting()` call and the matching `resumeWriting()`. */
  paused = false;

  /**
   * Sets the limits (see `WriteTransport.setWriteBufferLimits`).
   * @throws ValueError unless `high >= low >= 0`.
   */
  setLimits(high?: number | null, low?: number | null): void {
    if (high === undefined || high === null) high = low === undefined || low === null ? DEFAULT_HIGH_WATER : 4 * low;
    if (low === undefined || low === null) low = Math.floor(high / 4);
    if (!(high >= low && low >= 0)) throw new ValueError(`high (${high}) must be >= low (${low}) must be >= 0`);
    this.high = high;
    this.low = low;
  }

  /** Calls `protocol.pauseWriting()` if `size` is over the high-water mark and it is not paused yet. */
  maybePause(size: number, protocol: BaseProtocol, loop: EventLoop, transport: BaseTransport): void {
    if (size <= this.high || this.paused) return;
    this.paused = true;
    try {
      protocol.pauseWriting();
    } catch (e) {
      loop.callExceptionHandler({ message: "protocol.pauseWriting() failed", exception: e, transport, protocol });
    }
  }

  /** Calls `protocol.resumeWriting()` if paused and `size` is at or under the low-water mark. */
  maybeResume(size: number, protocol: BaseProtocol, loop: EventLoop, transport: BaseTransport): void {
    if (!this.paused || size > this.low) return;
    this.paused = false;
    try {
      protocol.resumeWriting();
    } catch (e) {
      loop.callExceptionHandler({ message: "protocol.resumeWriting() failed", exception: e, transport, protocol });
    }
  }

  toString(): string {
    return `<FlowControl low=${this.low} high=${this.high}${this.paused ? " paused" : ""}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
