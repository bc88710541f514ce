/**
 * Pipe transports (CPython: `_UnixReadPipeTransport` and `_UnixWritePipeTransport` of
 * `unix_events.py`): one pipe of a child process, read or written, as a transport whose protocol
 * is called as part of the loop. The subprocess transport (src/subprocess.ts) makes and owns them.
 */

import type { Readable, Writable } from "node:stream";
import { inspect } from "node:util";
import type { EventLoop } from "../loop/events.ts";
import { BrokenPipeError } from "../exceptions.ts";
import type { BaseProtocol, Protocol } from "./protocols.ts";
import { FlowControl, ReadTransport, WriteTransport, type Transport } from "./transports.ts";
import { toOSError } from "./errors.ts";

/** How many writes after the pipe was lost pass silently before a warning (CPython's value). */
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

/** What a child's output pipe emitted before its transport took it over (see `holdOutput`). */
export interface HeldOutput {
  readonly chunks: Buffer[];
  ended: boolean;
  error: Error | null;
  /** Stops holding (the transport's own listeners are attached by then). */
  release(): void;
}

/**
 * Holds what `stream` emits until a `ReadPipeTransport` takes it over. Node resumes a child's
 * unread stdout and stderr when the child exits, so a quick child that exits before its transport
 * exists would otherwise have its output and its EOF emitted to nobody.
 */
export function holdOutput(stream: Readable): HeldOutput {
  const onData = (chunk: Buffer): void => {
    held.chunks.push(chunk);
  };
  const onEnd = (): void => {
    held.ended = true;
  };
  const onError = (e: Error): void => {
    held.error = e;
  };
  const held: HeldOutput = {
    chunks: [],
    ended: false,
    error: null,
    release() {
      stream.off("data", onData);
      stream.off("end", onEnd);
      stream.off("error", onError);
    },
  };
  stream.on("data", onData);
  stream.on("end", onEnd);
  stream.on("error", onError);
  return held;
}

/**
 * A transport reading one pipe of a child (CPython's `_UnixReadPipeTransport`): `dataReceived`
 * for each chunk, then `eofReceived` and `connectionLost(null)` at EOF. Extra info `"pipe"` is
 * Node's stream. Made by `loop.subprocessExec`/`subprocessShell`; reach it with `getPipeTransport`.
 * @example
 * const stdout = transport.getPipeTransport(1) as ReadPipeTransport;
 * stdout.pauseReading(); // the child blocks once the pipe is full
 */
export class ReadPipeTransport extends ReadTransport {
  /** @internal */ _protocol: Protocol;
  private stream: Readable | null;
  private closing = false;
  private paused = false;

  /** @internal */
  constructor(
    private readonly loop: EventLoop,
    stream: Readable,
    protocol: Protocol,
    held: HeldOutput | null = null,
  ) {
    super({ pipe: stream });
    this.stream = stream;
    this._protocol = protocol;
    protocol.connectionMade(this as unknown as Transport);
    stream.on("data", this.onData);
    stream.on("end", this.onEnd);
    stream.on("error", this.onError);
    if (held !== null) {
      // Ours are attached: take over from the holder, and replay what it held, in order.
      held.release();
      for (const chunk of held.chunks) this.onData(chunk);
      if (held.error !== null) this.onError(held.error);
      else if (held.ended) this.onEnd();
    }
  }

  private readonly onData = (chunk: Buffer): void => {
    this.loop._runFromNode(() => this._protocol.dataReceived(chunk));
  };

  private readonly onEnd = (): void => {
    this.loop._runFromNode(() => {
      this.closing = true;
      this.loop.callSoon(() => this._protocol.eofReceived());
      this.loop.callSoon(() => this.connectionLost(null));
    });
  };

  private readonly onError = (e: Error): void => {
    this.loop._runFromNode(() => {
      if (this.stream === null) return;
      this.closing = true;
      this.loop.callSoon(() => this.connectionLost(toOSError(e) as Error));
    });
  };

  isReading(): boolean {
    return !this.closing && !this.paused;
  }

  pauseReading(): void {
    if (!this.isReading()) return;
    this.paused = true;
    this.stream?.pause();
  }

  resumeReading(): void {
    if (this.closing || !this.paused) return;
    this.paused = false;
    this.stream?.resume();
  }

  isClosing(): boolean {
    return this.closing;
  }

  /** Stops reading and closes the pipe; `connectionLost(null)` follows. */
  close(): void {
    if (this.closing) return;
    this.closing = true;
    this.loop.callSoon(() => this.connectionLost(null));
  }

  setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol as Protocol;
  }

  getProtocol(): Protocol {
    return this._protocol;
  }

  private connectionLost(exc: Error | null): void {
    const stream = this.stream;
    if (stream === null) return;
    this.stream = null;
    stream.off("data", this.onData);
    stream.off("end", this.onEnd);
    stream.destroy();
    this._protocol.connectionLost(exc);
  }

  override toString(): string {
    return `<ReadPipeTransport${this.stream === null ? " closed" : this.closing ? " closing" : this.paused ? " paused" : " polling"}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * A transport writing the stdin pipe of a child (CPython's `_UnixWritePipeTransport`). Writes are
 * buffered by Node; the protocol's `pauseWriting`/`resumeWriting` follow the buffer's size.
 * `writeEof()` and `close()` close the pipe once the buffer is flushed; then `connectionLost`.
 * Made by `loop.subprocessExec`/`subprocessShell`; reach it with `getPipeTransport(0)`.
 * @example
 * const stdin = transport.getPipeTransport(0) as WritePipeTransport;
 * stdin.write("data\n");
 * stdin.writeEof(); // the child reads EOF
 */
export class WritePipeTransport extends WriteTransport {
  /** @internal */ _protocol: BaseProtocol;
  private stream: Writable | null;
  private closing = false;
  private connLost = 0;
  private readonly flow = new FlowControl();

  /** @internal */
  constructor(
    private readonly loop: EventLoop,
    stream: Writable,
    protocol: BaseProtocol,
  ) {
    super({ pipe: stream });
    this.stream = stream;
    this._protocol = protocol;
    protocol.connectionMade(this);
    stream.on("error", this.onError);
    stream.on("close", this.onClose);
    // Node destroys a child's stdin when the child exits: a quick child may be gone already.
    if (stream.destroyed) loop.callSoon(this.onClose);
  }

  private readonly onError = (e: Error): void => {
    this.loop._runFromNode(() => this.fatal(toOSError(e) as Error));
  };

  /** Node destroys the child's stdin when the child exits (CPython learns it from the pipe's EOF). */
  private readonly onClose = (): void => {
    this.loop._runFromNode(() => {
      if (this.connLost) return;
      this.fatal(this.getWriteBufferSize() > 0 ? new BrokenPipeError(32, "Broken pipe") : null);
    });
  };

  private fatal(exc: Error | null): void {
    if (this.connLost) return;
    this.connLost++;
    this.closing = true;
    this.loop.callSoon(() => this.connectionLost(exc));
  }

  write(data: Uint8Array | string): void {
    if (typeof data !== "string" && !(data instanceof Uint8Array)) {
      throw new TypeError(`data argument must be a bytes-like object or a string, not ${inspect(data, { depth: 0 })}`);
    }
    if (data.length === 0) return;
    if (this.connLost || this.closing) {
      if (this.connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) console.warn("pipe closed by peer or os.write(pipe, data) raised exception.");
      this.connLost++;
      return;
    }
    this.stream!.write(data, this.onWritten);
    this.flow.maybePause(this.getWriteBufferSize(), this._protocol, this.loop, this);
  }

  private readonly onWritten = (): void => {
    if (this.connLost) return;
    this.loop._runFromNode(() => this.flow.maybeResume(this.getWriteBufferSize(), this._protocol, this.loop, this));
  };

  writelines(list: Iterable<Uint8Array | string>): void {
    for (const data of list) this.write(data);
  }

  /** Closes the pipe after the buffered data (the child reads EOF). */
  writeEof(): void {
    if (this.closing) return;
    this.closing = true;
    this.stream!.end(() => this.loop._runFromNode(() => this.fatal(null)));
  }

  canWriteEof(): boolean {
    return true;
  }

  isClosing(): boolean {
    return this.closing;
  }

  close(): void {
    if (this.stream !== null && !this.closing) this.writeEof();
  }

  /** Closes at once, dropping buffered data. */
  abort(): void {
    this.fatal(null);
  }

  getWriteBufferSize(): number {
    return this.stream?.writableLength ?? 0;
  }

  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    this.flow.setLimits(high, low);
    this.flow.maybePause(this.getWriteBufferSize(), this._protocol, this.loop, this);
  }

  getWriteBufferLimits(): [number, number] {
    return [this.flow.low, this.flow.high];
  }

  setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol;
  }

  getProtocol(): BaseProtocol {
    return this._protocol;
  }

  private connectionLost(exc: Error | null): void {
    const stream = this.stream;
    if (stream === null) return;
    this.stream = null;
    stream.off("close", this.onClose);
    stream.destroy();
    this._protocol.connectionLost(exc);
  }

  override toString(): string {
    return `<WritePipeTransport${this.stream === null ? " closed" : this.closing ? " closing" : " idle"} bufsize=${this.getWriteBufferSize()}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
