/**
 * The stream transport over a Node socket: TCP, Unix, and TLS (CPython's
 * `_SelectorSocketTransport` and `_SSLProtocolTransport`).
 *
 * Node owns the socket and its write buffer; this class adds asyncio's behaviour on top:
 * - Protocol callbacks run inside the loop (`_runFromNode`), in CPython's order:
 *   `connectionMade`, `dataReceived`*, `eofReceived`, `connectionLost(exc | null)` exactly once.
 * - Flow control with CPython's limits (64 KiB high, high/4 low). Node's buffer size is the
 *   transport's (`writableLength`). A write that takes the buffer over `high`, and every write
 *   while the protocol is paused, carries a completion callback; when one of them finds the
 *   buffer at or under `low`, `resumeWriting()` is called. Writes under the mark carry no
 *   callback at all, so the common path allocates nothing.
 * - `close()` stops delivering data, flushes, then destroys the socket (Node's `end()` alone would
 *   leave a half-open socket); `abort()` destroys at once.
 * - Node's errors become Python's (`ConnectionResetError`, ...) and reach the protocol through
 *   `connectionLost(exc)`; they never escape as an unhandled 'error' event.
 */

import type { Socket } from "node:net";
import type { TLSSocket } from "node:tls";
import { inspect } from "node:util";
import type { EventLoop } from "../loop/events.ts";
import { RuntimeError } from "../exceptions.ts";
import type { BaseProtocol, BufferedProtocol, Protocol } from "./protocols.ts";
import { FlowControl, Transport } from "./transports.ts";
import { toOSError } from "./errors.ts";
import { trackResource, untrackResource, type LoopResource, type SocketName } from "./registry.ts";

/** After this many writes to a lost connection, each further one logs a warning (CPython's constant). */
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

/** What a server needs to know of its connections (see net/server.ts). */
export interface ConnectionOwner {
  _attach(transport: SocketTransport): void;
  _detach(transport: SocketTransport): void;
}

/** Python's address tuple of a Node socket's local or remote end. */
export function socketAddress(address: string | undefined, port: number | undefined, family: string | undefined): unknown[] | string {
  if (address === undefined) return "";
  return family === "IPv6" ? [address, port, 0, 0] : [address, port];
}

/**
 * A connected stream socket as an asyncio `Transport`. Made by `loop.createConnection`,
 * `loop.createServer` and their Unix forms; not constructed by user code.
 */
export class SocketTransport extends Transport implements LoopResource {
  /** @internal */ readonly _loop: EventLoop;
  /** @internal */ _socket: Socket;
  /** @internal */ _protocol: BaseProtocol;
  /** @internal */ readonly _tls: boolean;
  /** @internal */ _server: ConnectionOwner | null;
  private readonly flow = new FlowControl();
  private closing = false;
  private reading = true;
  private eof = false;
  private connLost = 0;
  private lost = false;
  private error: unknown = null;
  /** True when the protocol is a BufferedProtocol (it gives the buffers). */
  private buffered: boolean;

  constructor(loop: EventLoop, socket: Socket, protocol: BaseProtocol, extra: Map<string, unknown>, server: ConnectionOwner | null) {
    super(extra);
    this._loop = loop;
    this._socket = socket;
    this._protocol = protocol;
    this._tls = typeof (socket as TLSSocket).getPeerCertificate === "function" && (socket as TLSSocket).encrypted === true;
    this._server = server;
    this.buffered = typeof (protocol as BufferedProtocol).getBuffer === "function";
    extra.set("socket", socket);
    if (this._tls) {
      const tlsSocket = socket as TLSSocket;
      extra.set("sslObject", tlsSocket);
      extra.set("cipher", tlsSocket.getCipher());
      const cert = tlsSocket.getPeerCertificate();
      extra.set("peercert", cert !== null && Object.keys(cert).length > 0 ? cert : null);
    }
  }

  /**
   * @internal Starts the transport: hooks the socket's events, then calls `connectionMade`
   * (unless the protocol already has a connection, as after `startTls`).
   */
  _start(callConnectionMade: boolean): void {
    const socket = this._socket;
    socket.on("error", this.onError);
    socket.on("close", this.onClose);
    socket.on("end", this.onEnd);
    trackResource(this._loop, this);
    this._server?._attach(this);
    if (callConnectionMade) {
      try {
        this._protocol.connectionMade(this);
      } catch (e) {
        this.fatalError(e, "Fatal error: protocol.connectionMade() call failed.");
        return;
      }
    }
    if (!this.closing) socket.on("data", this.onData);
    if (!this.reading) socket.pause();
  }

  /** @internal Stops using the socket without closing it (its TLS upgrade takes it over). */
  _detachSocket(): Socket {
    const socket = this._socket;
    socket.off("data", this.onData);
    socket.off("end", this.onEnd);
    socket.off("close", this.onClose);
    socket.off("error", this.onError);
    this.closing = true;
    this.lost = true;
    untrackResource(this._loop, this);
    this._server?._detach(this);
    this._server = null;
    return socket;
  }

  /** @internal Its own address and its peer's (net/registry.ts tells a peer on the same loop by them). */
  _endpoints(): { local: SocketName[]; peer: SocketName | undefined } {
    return { local: [this._extra.get("sockname") as SocketName], peer: this._extra.get("peername") as SocketName | undefined };
  }

  /** @internal The loop is closing with this connection still open: destroy the socket quietly. */
  _closeForLoopClose(): void {
    const socket = this._socket;
    socket.removeAllListeners();
    socket.on("error", ignoreError);
    socket.destroy();
    this.closing = true;
    this.lost = true;
  }

  // -- events from Node (each runs inside the loop) ------------------------------------------

  private readonly onData = (chunk: Buffer): void => {
    this._loop._runFromNode(this.deliver, chunk);
  };

  private readonly deliver = (chunk: Buffer): void => {
    if (this.closing) return;
    try {
      if (this.buffered) this.deliverBuffered(chunk);
      else (this._protocol as Protocol).dataReceived(chunk);
    } catch (e) {
      this.fatalError(e, "Fatal error: protocol.dataReceived() call failed.");
    }
  };

  /** Copies `chunk` into the buffers a BufferedProtocol gives, as many as it takes. */
  private deliverBuffered(chunk: Buffer): void {
    const protocol = this._protocol as BufferedProtocol;
    let offset = 0;
    while (offset < chunk.length) {
      const buf = protocol.getBuffer(chunk.length - offset);
      if (buf.length === 0) throw new RuntimeError("getBuffer() returned an empty buffer");
      const n = Math.min(buf.length, chunk.length - offset);
      buf.set(chunk.subarray(offset, offset + n));
      offset += n;
      protocol.bufferUpdated(n);
      if (this.closing) return;
    }
  }

  private readonly onEnd = (): void => {
    this._loop._runFromNode(this.deliverEof);
  };

  private readonly deliverEof = (): void => {
    if (this.closing) return;
    let keepOpen: unknown;
    try {
      keepOpen = (this._protocol as Protocol).eofReceived();
    } catch (e) {
      this.fatalError(e, "Fatal error: protocol.eofReceived() call failed.");
      return;
    }
    // Over TLS a half-closed connection is not supported: the transport closes (as CPython's SSL transport).
    if (keepOpen !== true || this._tls) this.close();
  };

  private readonly onError = (e: Error): void => {
    if (this.error === null) this.error = toOSError(e);
  };

  private readonly onClose = (): void => {
    this._loop._runFromNode(this.callConnectionLost);
  };

  private readonly onFlushed = (): void => {
    if (this.flow.paused && !this.lost) this._loop._runFromNode(this.maybeResume);
  };

  private readonly maybeResume = (): void => {
    this.flow.maybeResume(this._socket.writableLength, this._protocol, this._loop, this);
  };

  private readonly callConnectionLost = (): void => {
    if (this.lost) return;
    this.lost = true;
    this.closing = true;
    untrackResource(this._loop, this);
    const exc = this.error as Error | null;
    this._socket.off("data", this.onData);
    try {
      this._protocol.connectionLost(exc);
    } catch (e) {
      this._loop.callExceptionHandler({ message: "Exception in protocol.connectionLost()", exception: e, transport: this, protocol: this._protocol });
    } finally {
      const server = this._server;
      this._server = null;
      server?._detach(this);
    }
  };

  /** A protocol callback threw: report it and close with that error (CPython's `_fatal_error`). */
  private fatalError(e: unknown, message: string): void {
    this._loop.callExceptionHandler({ message, exception: e, transport: this, protocol: this._protocol });
    this.error = e;
    this.forceClose();
  }

  private forceClose(): void {
    this.closing = true;
    this._socket.off("data", this.onData);
    this._socket.destroy();
  }

  // -- the Transport API ------------------------------------------------------------------------

  override isClosing(): boolean {
    return this.closing;
  }

  override close(): void {
    if (this.closing) return;
    this.closing = true;
    this.connLost++;
    const socket = this._socket;
    socket.off("data", this.onData);
    if (socket.destroyed) return;
    // end() flushes, then sends FIN; the socket is destroyed once that is done, not left half-open.
    if (socket.writableFinished) socket.destroy();
    else {
      socket.once("finish", () => socket.destroy());
      socket.end();
    }
  }

  override abort(): void {
    this.closing = true;
    this.error = null;
    this._socket.off("error", this.onError);
    this._socket.on("error", ignoreError);
    this._socket.off("data", this.onData);
    this._socket.destroy();
  }

  override setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol;
    this.buffered = typeof (protocol as BufferedProtocol).getBuffer === "function";
  }

  override getProtocol(): BaseProtocol {
    return this._protocol;
  }

  override isReading(): boolean {
    return this.reading && !this.closing;
  }

  override pauseReading(): void {
    if (this.closing || !this.reading) return;
    this.reading = false;
    this._socket.pause();
  }

  override resumeReading(): void {
    if (this.closing || this.reading) return;
    this.reading = true;
    this._socket.resume();
  }

  override setWriteBufferLimits(high?: number | null, low?: number | null): void {
    this.flow.setLimits(high, low);
    this.flow.maybePause(this.getWriteBufferSize(), this._protocol, this._loop, this);
  }

  override getWriteBufferLimits(): [number, number] {
    return [this.flow.low, this.flow.high];
  }

  override getWriteBufferSize(): number {
    return this._socket.writableLength;
  }

  /** @internal True while the protocol is told to pause writing. */
  get _writingPaused(): boolean {
    return this.flow.paused;
  }

  override write(data: Uint8Array | string): void {
    if (typeof data !== "string" && !(data instanceof Uint8Array)) {
      throw new TypeError(`data argument must be a bytes-like object (Uint8Array) or a string, not ${data === null ? "null" : typeof data}`);
    }
    if (this.eof) throw new RuntimeError("Cannot call write() after writeEof()");
    const buf = typeof data === "string" ? Buffer.from(data, "utf8") : data;
    if (buf.length === 0) return;
    if (this.connLost > 0 || this.lost) {
      if (++this.connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) console.warn("socket.send() raised exception.");
      return;
    }
    const socket = this._socket;
    const flow = this.flow;
    // Only a write that may pause the protocol needs to tell us when it is flushed (see the top).
    if (flow.paused || socket.writableLength + buf.length > flow.high) {
      socket.write(buf, this.onFlushed);
      flow.maybePause(socket.writableLength, this._protocol, this._loop, this);
    } else {
      socket.write(buf);
    }
  }

  override writelines(list: Iterable<Uint8Array | string>): void {
    const socket = this._socket;
    socket.cork();
    try {
      for (const data of list) this.write(data);
    } finally {
      socket.uncork();
    }
  }

  override writeEof(): void {
    if (this.closing || this.eof) return;
    if (this._tls) throw new RuntimeError("writeEof() is not supported over TLS; use close()");
    this.eof = true;
    this._socket.end();
  }

  override canWriteEof(): boolean {
    return !this._tls;
  }

  override toString(): string {
    const state = this.lost ? "closed" : this.closing ? "closing" : "open";
    const peer = this._extra.get("peername");
    const info = [this.constructor.name, state];
    if (peer !== undefined && peer !== "") info.push(`peer=${Array.isArray(peer) ? `${peer[0]}:${peer[1]}` : String(peer)}`);
    if (this._tls) info.push("tls");
    if (!this.isReading() && !this.closing) info.push("read=paused");
    info.push(`write=<${this.flow.paused ? "paused" : "idle"}, bufsize=${this.getWriteBufferSize()}>`);
    return `<${info.join(" ")}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

function ignoreError(): void {}
