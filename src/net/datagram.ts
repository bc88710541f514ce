/**
 * UDP endpoints (CPython: `loop.create_datagram_endpoint` in `base_events.py` and
 * `_SelectorDatagramTransport` in `selector_events.py`), on Node's `dgram` sockets.
 *
 * `createDatagramEndpoint` resolves the local and remote addresses, tries each (family, proto)
 * pair they share until a socket binds (and connects, for a remote address), then gives the
 * socket to a `UDPTransport`. The transport calls its `DatagramProtocol` as part of the loop
 * (`_runFromNode`): `connectionMade` first (a loop callback, before the endpoint coroutine
 * returns), then `datagramReceived`/`errorReceived` as datagrams and errors arrive, and
 * `connectionLost` exactly once. Node sends asynchronously, so a datagram counts in
 * `getWriteBufferSize()` until Node has handed it to the kernel; a failed send is reported to
 * `errorReceived` and the endpoint stays open, as in CPython.
 */

import { createSocket, type Socket } from "node:dgram";
import { inspect } from "node:util";
import { AF_INET, AF_INET6, AF_UNSPEC, SOCK_DGRAM, _getaddrinfo } from "./dns.ts";
import type { EventLoop } from "../loop/events.ts";
import { OSError, ValueError } from "../exceptions.ts";
import { checkOptions, optionKeys } from "../options.ts";
import { toOSError } from "./errors.ts";
import type { BaseProtocol, DatagramProtocol } from "./protocols.ts";
import { DatagramTransport, FlowControl } from "./transports.ts";
import type { Coroutine } from "../loop/types.ts";

// -- the transport -------------------------------------------------------------------------------

/** A UDP address: `[host, port]`. */
export type DatagramAddress = [host: string, port: number];

/** How many sends after the connection was lost pass silently before a warning (CPython's value). */
const LOG_THRESHOLD_FOR_CONNLOST_WRITES = 5;

function toBuffer(data: Uint8Array | string): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (Buffer.isBuffer(data)) return data;
  if (data instanceof Uint8Array) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  throw new TypeError(`data argument must be a bytes-like object or a string, not ${inspect(data, { depth: 0 })}`);
}

function formatAddress(addr: DatagramAddress): string {
  return `['${addr[0]}', ${addr[1]}]`;
}

/**
 * The transport of a UDP endpoint (CPython's `_SelectorDatagramTransport`), made by
 * `loop.createDatagramEndpoint`. Extra info: `"socket"` (the `dgram.Socket`), `"sockname"` and
 * `"peername"` (`[host, port]`, or null when not connected).
 *
 * @example
 * const [transport, protocol] = yield* loop.createDatagramEndpoint(() => new Echo(), { localAddr: ["127.0.0.1", 0] });
 * transport.sendto("ping", ["127.0.0.1", 9999]);
 * transport.close();
 */
export class UDPTransport extends DatagramTransport {
  /** @internal */ readonly _loop: EventLoop;
  /** @internal */ _sock: Socket | null;
  /** @internal */ _protocol: DatagramProtocol;
  /** @internal The default destination (the connected peer, or the broadcast address), or null. */
  readonly _address: DatagramAddress | null;
  /** @internal Whether the socket is connected to `_address`. */
  readonly _connected: boolean;
  /** @internal Bytes handed to Node that it has not sent yet. */
  _bufferSize = 0;
  /** @internal Sends handed to Node that have not completed. */
  _pendingSends = 0;
  /** @internal */ _closing = false;
  /** @internal Counts the losses of the connection and the sends attempted after it (CPython's `_conn_lost`). */
  _connLost = 0;
  /** @internal */ _protocolConnected = false;
  private readonly flow = new FlowControl();

  /** @internal Use `loop.createDatagramEndpoint`. */
  constructor(loop: EventLoop, sock: Socket, protocol: DatagramProtocol, address: DatagramAddress | null, connected: boolean) {
    const local = sock.address();
    super({ socket: sock, sockname: [local.address, local.port], peername: connected ? address : null });
    this._connected = connected;
    this._loop = loop;
    this._sock = sock;
    this._protocol = protocol;
    this._address = address;
    sock.on("message", this.onMessage);
    sock.on("error", this.onError);
    loop.callSoon(() => {
      this._protocolConnected = true;
      this._protocol.connectionMade(this);
    });
  }

  private readonly onMessage = (data: Buffer, rinfo: { address: string; port: number }): void => {
    if (this._connLost || this._closing) return;
    this._loop._runFromNode(() => this._protocol.datagramReceived(data, [rinfo.address, rinfo.port]));
  };

  private readonly onError = (e: Error): void => {
    if (this._connLost) return;
    this._loop._runFromNode(() => this._protocol.errorReceived(toOSError(e) as Error));
  };

  /**
   * Sends one datagram (`sendto`). An empty datagram is sent too (CPython 3.13).
   * @param data the bytes; a string is UTF-8.
   * @param addr where to: `[host, port]`. On a connected endpoint omit it or pass the peer's.
   * @throws TypeError when `data` is not bytes or a string; ValueError for another address on a connected endpoint.
   */
  sendto(data: Uint8Array | string, addr?: DatagramAddress | null): void {
    const buf = toBuffer(data);
    const peer = this._address;
    if (peer !== null) {
      if (addr !== null && addr !== undefined && (addr[0] !== peer[0] || addr[1] !== peer[1])) {
        throw new ValueError(`Invalid address: must be None or ${formatAddress(peer)}`);
      }
    } else if (addr === null || addr === undefined) {
      throw new ValueError("sendto() needs an address on an endpoint that is not connected (pass remoteAddr to createDatagramEndpoint)");
    }
    if (this._connLost) {
      if (this._connLost >= LOG_THRESHOLD_FOR_CONNLOST_WRITES) console.warn("socket.send() raised exception.");
      this._connLost++;
      return;
    }
    const size = buf.length;
    this._bufferSize += size;
    this._pendingSends++;
    const done = (err: Error | null): void => this._loop._runFromNode(() => this.sent(size, err));
    try {
      if (this._connected) this._sock!.send(buf, done);
      else {
        const [host, port] = peer ?? addr!;
        this._sock!.send(buf, port, host, done);
      }
    } catch (e) {
      this._bufferSize -= size;
      this._pendingSends--;
      this._protocol.errorReceived(toOSError(e) as Error);
      return;
    }
    this.flow.maybePause(this._bufferSize, this._protocol, this._loop, this);
  }

  /** One send finished: report its error, resume the protocol, finish a pending close. */
  private sent(size: number, err: Error | null): void {
    // After abort() the transport forgot its sends: the counts were reset.
    if (this._connLost) return;
    this._bufferSize -= size;
    this._pendingSends--;
    if (err) this._protocol.errorReceived(toOSError(err) as Error);
    this.flow.maybeResume(this._bufferSize, this._protocol, this._loop, this);
    if (this._pendingSends === 0 && this._closing) {
      this._connLost++;
      this._loop.callSoon(() => this.callConnectionLost(null));
    }
  }

  /** Bytes handed to Node and not yet sent. */
  getWriteBufferSize(): number {
    return this._bufferSize;
  }

  /** Sets the limits over and under which the protocol's `pauseWriting`/`resumeWriting` are called (bytes). */
  setWriteBufferLimits(high?: number | null, low?: number | null): void {
    this.flow.setLimits(high, low);
    this.flow.maybePause(this._bufferSize, this._protocol, this._loop, this);
  }

  /** The `[low, high]` write-buffer limits in bytes. */
  getWriteBufferLimits(): [number, number] {
    return [this.flow.low, this.flow.high];
  }

  isClosing(): boolean {
    return this._closing;
  }

  /** Stops receiving; datagrams already handed to Node are sent, then `connectionLost(null)` is called. */
  close(): void {
    if (this._closing) return;
    this._closing = true;
    if (this._pendingSends === 0) {
      this._connLost++;
      this._loop.callSoon(() => this.callConnectionLost(null));
    }
  }

  /**
   * Closes at once: `connectionLost(null)` is called soon, and the write buffer counts as empty
   * (a datagram Node already took may still go out).
   */
  abort(): void {
    this.forceClose(null);
  }

  setProtocol(protocol: BaseProtocol): void {
    this._protocol = protocol as DatagramProtocol;
    this._protocolConnected = true;
  }

  getProtocol(): DatagramProtocol {
    return this._protocol;
  }

  /** @internal */
  private forceClose(exc: Error | null): void {
    if (this._connLost) return;
    this._closing = true;
    this._connLost++;
    this._bufferSize = 0;
    this._pendingSends = 0;
    this._loop.callSoon(() => this.callConnectionLost(exc));
  }

  private callConnectionLost(exc: Error | null): void {
    try {
      if (this._protocolConnected) this._protocol.connectionLost(exc);
    } finally {
      const sock = this._sock;
      this._sock = null;
      if (sock !== null) {
        sock.off("message", this.onMessage);
        // Errors after close (a send that fails late) have nowhere to go; keep Node from throwing them.
        sock.on("error", () => {});
        sock.close();
      }
    }
  }

  override toString(): string {
    const state = this._sock === null ? " closed" : this._closing ? " closing" : "";
    const name = this._extra.get("sockname") as DatagramAddress;
    const peer = this._address === null ? "" : ` peername=${this._address[0]}:${this._address[1]}`;
    return `<UDPTransport${state} sockname=${name[0]}:${name[1]}${peer} bufsize=${this._bufferSize}>`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

// -- createDatagramEndpoint ------------------------------------------------------------------------

/** Options of `loop.createDatagramEndpoint` (CPython's keyword arguments). */
export interface DatagramEndpointOptions {
  /** Bind to this `[host, port]`; port 0 picks a free one. @default null (the wildcard, any port) */
  localAddr?: DatagramAddress | null;
  /** Connect to this `[host, port]`: `sendto` needs no address and only its datagrams arrive. @default null */
  remoteAddr?: DatagramAddress | null;
  /** `AF_INET`, `AF_INET6`, or `AF_UNSPEC` (from the addresses). @default AF_UNSPEC */
  family?: number;
  /** Passed to `getaddrinfo`. @default 0 */
  proto?: number;
  /** `AI_*` flags passed to `getaddrinfo`. @default 0 */
  flags?: number;
  /** SO_REUSEADDR (Node's `reuseAddr`), so several endpoints may bind one address. @default false */
  reuseAddress?: boolean;
  /** SO_BROADCAST; with it, `remoteAddr` is not connected, only used as the default destination. @default false */
  allowBroadcast?: boolean;
}

const DATAGRAM_ENDPOINT_OPTION_KEYS = optionKeys<DatagramEndpointOptions>({
  localAddr: true,
  remoteAddr: true,
  family: true,
  proto: true,
  flags: true,
  reuseAddress: true,
  allowBroadcast: true,
});

type Infos = Map<string, [family: number, proto: number, local: DatagramAddress | null, remote: DatagramAddress | null]>;

function checkAddress(addr: unknown, name: string): asserts addr is DatagramAddress {
  if (!Array.isArray(addr) || addr.length !== 2) {
    throw new TypeError(`${name} must be a [host, port] pair, got ${inspect(addr)}`);
  }
}

/** Binds (and connects) one socket; settles with it or with the Node error. */
function openSocket(family: number, local: DatagramAddress | null, remote: DatagramAddress | null, options: DatagramEndpointOptions): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const sock = createSocket({ type: family === AF_INET6 ? "udp6" : "udp4", reuseAddr: options.reuseAddress === true });
    const fail = (e: Error): void => {
      sock.removeAllListeners();
      try {
        sock.close();
      } catch {
        // Closing a socket that never bound may throw; it holds nothing then.
      }
      reject(e);
    };
    sock.once("error", fail);
    const ready = (): void => {
      try {
        if (options.allowBroadcast) sock.setBroadcast(true);
      } catch (e) {
        fail(e as Error);
        return;
      }
      sock.off("error", fail);
      resolve(sock);
    };
    const afterBind = (): void => {
      if (remote !== null && !options.allowBroadcast) sock.connect(remote[1], remote[0], ready);
      else ready();
    };
    if (local !== null) sock.bind(local[1], local[0], afterBind);
    else if (remote !== null && !options.allowBroadcast) afterBind();
    else sock.bind(0, afterBind);
  });
}

/**
 * The body of `loop.createDatagramEndpoint` (see its TSDoc in events.ts).
 * @internal
 */
export function* _createDatagramEndpoint<P extends DatagramProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  options: DatagramEndpointOptions = {},
): Coroutine<[UDPTransport, P]> {
  checkOptions(options, DATAGRAM_ENDPOINT_OPTION_KEYS, "createDatagramEndpoint()");
  const { localAddr = null, remoteAddr = null, family = AF_UNSPEC, proto = 0, flags = 0 } = options;
  if (localAddr === null && remoteAddr === null) {
    if (family === AF_UNSPEC) throw new ValueError("unexpected address family (pass localAddr, remoteAddr or family)");
    if (family !== AF_INET && family !== AF_INET6) throw new ValueError(`unsupported address family ${family} (use AF_INET or AF_INET6)`);
  }
  // Group the resolved addresses by (family, proto): each pair must have both ends.
  const pairs: Infos = new Map();
  if (localAddr === null && remoteAddr === null) pairs.set(`${family}/${proto}`, [family, proto, null, null]);
  for (const [idx, addr] of [[0, localAddr], [1, remoteAddr]] as const) {
    if (addr === null) continue;
    checkAddress(addr, idx === 0 ? "localAddr" : "remoteAddr");
    const infos = yield* _getaddrinfo(loop, addr[0], addr[1], { family, type: SOCK_DGRAM, proto, flags });
    if (infos.length === 0) throw new OSError(null, "getaddrinfo() returned empty list");
    for (const [fam, , pro, , sockaddr] of infos) {
      const key = `${fam}/${pro}`;
      let entry = pairs.get(key);
      if (entry === undefined) pairs.set(key, (entry = [fam, pro, null, null]));
      if (entry[2 + idx] === null) entry[2 + idx] = sockaddr;
    }
  }
  const usable = [...pairs.values()].filter(([, , l, r]) => !((localAddr !== null && l === null) || (remoteAddr !== null && r === null)));
  if (usable.length === 0) throw new ValueError("can not get address information");

  const errors: unknown[] = [];
  let sock: Socket | null = null;
  let peer: DatagramAddress | null = null;
  for (const [fam, , local, remote] of usable) {
    const fut = loop.createFuture<Socket>();
    openSocket(fam, local, remote, options).then(
      (s) => loop._runFromNode(() => (fut.cancelled() ? s.close() : fut.setResult(s))),
      (e: unknown) => loop._runFromNode(() => fut.done() || fut.setException(toOSError(e))),
    );
    try {
      sock = yield* fut;
      peer = remote;
      break;
    } catch (e) {
      if (!(e instanceof OSError)) throw e;
      errors.push(e);
    }
  }
  if (sock === null) throw errors[0];

  const protocol = protocolFactory();
  const transport = new UDPTransport(loop, sock, protocol, peer, peer !== null && !options.allowBroadcast);
  // Resolves once connectionMade has run (it was scheduled first).
  const waiter = loop.createFuture<void>();
  loop.callSoon(() => waiter.done() || waiter.setResult());
  try {
    yield* waiter;
  } catch (e) {
    transport.close();
    throw e;
  }
  return [transport, protocol];
}
