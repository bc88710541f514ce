/**
 * Protocols (CPython: `asyncio/protocols.py`): `BaseProtocol`, `Protocol`, `BufferedProtocol`,
 * `DatagramProtocol`, `SubprocessProtocol`.
 *
 * A protocol is the callback side of a connection: the transport calls its methods, as part of
 * the loop, when something happens. Subclass one and override the callbacks you need; every
 * method here is a no-op, as in CPython. For a stream (TCP, TLS, Unix, pipe) the order is always
 * `connectionMade`, `dataReceived`* , `eofReceived` (at most once), `connectionLost` (exactly once).
 * `pauseWriting`/`resumeWriting` bracket the times the transport's write buffer is over its
 * high-water mark (see `Transport.setWriteBufferLimits`).
 */

import { BaseProtocol, type DatagramTransport, type SubprocessTransport, type Transport } from "./transports.ts";

// BaseProtocol lives with the transports, which call it, so that neither module imports the other.
export { BaseProtocol };


/**
 * A stream protocol (`asyncio.Protocol`) for TCP, TLS, Unix sockets and pipes.
 *
 * @example
 * class Echo extends Protocol {
 *   transport!: Transport;
 *   override connectionMade(t: Transport): void { this.transport = t; }
 *   override dataReceived(data: Buffer): void { this.transport.write(data); }
 * }
 * const server = yield* loop.createServer(() => new Echo(), "127.0.0.1", 0);
 */
export class Protocol extends BaseProtocol {
  override connectionMade(transport: Transport): void {}

  /**
   * Called with each chunk of bytes received, in order. The chunk is yours (it is not reused).
   * @param data the bytes received.
   */
  dataReceived(data: Buffer): void {}

  /**
   * Called when the peer ends its side (sends EOF). Return true to keep the connection open
   * for writing (half-close); any other value makes the transport close itself.
   * @returns true to keep the transport open.
   */
  eofReceived(): boolean | void {}
}

/**
 * A stream protocol that receives into buffers it provides (`asyncio.BufferedProtocol`), so the
 * bytes are copied once, into memory the protocol owns.
 *
 * @example
 * class Counter extends BufferedProtocol {
 *   buf = Buffer.alloc(65536);
 *   total = 0;
 *   override getBuffer(): Buffer { return this.buf; }
 *   override bufferUpdated(n: number): void { this.total += n; }
 * }
 */
export class BufferedProtocol extends BaseProtocol {
  override connectionMade(transport: Transport): void {}

  /**
   * Called to get a buffer to receive into.
   * @param sizeHint the size the transport would like, or -1 for "any".
   * @returns a non-empty buffer.
   */
  getBuffer(sizeHint: number): Uint8Array {
    return new Uint8Array(0);
  }

  /**
   * Called when `nbytes` were written at the start of the buffer `getBuffer` returned.
   * @param nbytes how many bytes were received.
   */
  bufferUpdated(nbytes: number): void {}

  /** As `Protocol.eofReceived`: return true to keep the connection open for writing. */
  eofReceived(): boolean | void {}
}

/**
 * A datagram protocol (`asyncio.DatagramProtocol`) for UDP endpoints.
 *
 * @example
 * class Pong extends DatagramProtocol {
 *   transport!: DatagramTransport;
 *   override connectionMade(t: DatagramTransport): void { this.transport = t; }
 *   override datagramReceived(data: Buffer, addr: [string, number]): void { this.transport.sendto(data, addr); }
 * }
 */
export class DatagramProtocol extends BaseProtocol {
  override connectionMade(transport: DatagramTransport): void {}

  /**
   * Called with each datagram received.
   * @param data the datagram.
   * @param addr the sender, as `[host, port]`.
   */
  datagramReceived(data: Buffer, addr: [string, number]): void {}

  /**
   * Called when a send or receive failed (for example ICMP port unreachable); the endpoint stays open.
   * @param exc the error.
   */
  errorReceived(exc: Error): void {}
}

/**
 * The protocol of a child process (`asyncio.SubprocessProtocol`).
 *
 * @example
 * class Collect extends SubprocessProtocol {
 *   out: Buffer[] = [];
 *   override pipeDataReceived(fd: number, data: Buffer): void { if (fd === 1) this.out.push(data); }
 * }
 */
export class SubprocessProtocol extends BaseProtocol {
  override connectionMade(transport: SubprocessTransport): void {}

  /**
   * Called with data the child wrote to its stdout (fd 1) or stderr (fd 2).
   * @param fd 1 or 2.
   * @param data the bytes.
   */
  pipeDataReceived(fd: number, data: Buffer): void {}

  /**
   * Called when one of the child's pipes is closed.
   * @param fd 0, 1 or 2.
   * @param exc the error that closed it, or null.
   */
  pipeConnectionLost(fd: number, exc: Error | null): void {}

  /** Called when the child has exited. */
  processExited(): void {}
}
