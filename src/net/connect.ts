/**
 * Outgoing connections and TLS upgrades (CPython: `BaseEventLoop.create_connection`,
 * `create_unix_connection`, `start_tls`): `createConnection`, `createUnixConnection`, `startTls`.
 *
 * The protocol is made, and its transport started, in the very Node callback that reports the
 * connection (or the TLS handshake) complete, so there is no moment in which the socket has no
 * owner: nothing it emits can be lost or go unhandled. A cancelled connect destroys its socket.
 */

import * as net from "node:net";
import * as tls from "node:tls";
import { inspect } from "node:util";
import type { EventLoop } from "../loop/events.ts";
import { OverflowError, ValueError } from "../exceptions.ts";
import { _holdRealUntilDone } from "../loop/futures.ts";
import type { BaseProtocol } from "./protocols.ts";
import type { Transport } from "./transports.ts";
import type { Coroutine } from "../loop/types.ts";
import { checkOptions, optionKeys } from "../options.ts";
import { connectError, describeAddress } from "./errors.ts";
import { SocketTransport, socketAddress, type ConnectionOwner } from "./socket_transport.ts";

/** TLS for a client: `true` for Node's defaults (system CAs, hostname check) or `tls.ConnectionOptions`. */
export type ClientSSL = boolean | tls.ConnectionOptions | null;

/** Options of `loop.createConnection` and `openConnection`. */
export interface CreateConnectionOptions {
  /** Connect over TLS. @default false */
  ssl?: ClientSSL;
  /** The name the server's certificate must match (and the SNI name); only with `ssl`. @default host */
  serverHostname?: string | null;
  /** Bind the local end to `[host, port]` first. @default none */
  localAddr?: [string, number] | null;
  /** 4 or 6 to force an address family. @default either */
  family?: number;
}

/** Options of `loop.createUnixConnection` and `openUnixConnection`. */
export type CreateUnixConnectionOptions = Pick<CreateConnectionOptions, "ssl" | "serverHostname">;

/** Options of `loop.startTls` and `StreamWriter.startTls`. */
export interface StartTlsOptions {
  /** True on the accepting side (then `ssl` needs a key and a certificate). @default false */
  serverSide?: boolean;
  /** The name the peer's certificate must match (client side). */
  serverHostname?: string | null;
}

const CONNECTION_OPTION_KEYS = optionKeys<CreateConnectionOptions>({ ssl: true, serverHostname: true, localAddr: true, family: true });
const UNIX_CONNECTION_OPTION_KEYS = optionKeys<CreateUnixConnectionOptions>({ ssl: true, serverHostname: true });
const START_TLS_OPTION_KEYS = optionKeys<StartTlsOptions>({ serverSide: true, serverHostname: true });

function tlsOptions(ssl: ClientSSL): tls.ConnectionOptions {
  return ssl === true || ssl === false || ssl === null || ssl === undefined ? {} : ssl;
}

/**
 * Connects with `makeSocket()`, then (on `readyEvent`) makes the protocol and starts its
 * transport; resolves with both.
 */
function* connectWith<P extends BaseProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  makeSocket: () => net.Socket,
  readyEvent: string,
  extra: (s: net.Socket) => Map<string, unknown>,
  address: string,
): Coroutine<[Transport, P]> {
  const fut = loop.createFuture<[Transport, P]>();
  _holdRealUntilDone(loop, fut); // the connect takes real time: a virtual clock waits for it
  const socket = makeSocket();
  const onError = (e: Error): void => {
    loop._runFromNode(() => {
      if (!fut.done()) fut.setException(connectError(e, address));
    });
  };
  socket.on("error", onError);
  socket.once(readyEvent, () => {
    loop._runFromNode(() => {
      socket.off("error", onError);
      if (fut.done()) {
        socket.destroy();
        return;
      }
      let protocol: P;
      try {
        protocol = protocolFactory();
      } catch (e) {
        socket.destroy();
        fut.setException(e);
        return;
      }
      const transport = new SocketTransport(loop, socket, protocol, extra(socket), null);
      transport._start(true);
      fut.setResult([transport, protocol]);
    });
  });
  try {
    return yield* fut;
  } catch (e) {
    // Cancelled while connecting, or after connecting but before this task resumed.
    if (fut.done() && !fut.cancelled() && fut.exception() === null) fut.result()[0].abort();
    else socket.destroy();
    throw e;
  }
}

/** TLS has no half-close here (the transport closes on EOF), so its sockets must not stay half-open. */
function withoutHalfOpen<O extends { allowHalfOpen?: boolean }>(options: O): Omit<O, "allowHalfOpen"> {
  const { allowHalfOpen: _, ...rest } = options;
  return rest;
}

function checkHostname(ssl: ClientSSL | undefined, serverHostname: string | null | undefined, host: string | null): string | undefined {
  if (serverHostname !== null && serverHostname !== undefined && !ssl) throw new ValueError("server_hostname is only meaningful with ssl");
  if (!ssl) return undefined;
  const name = serverHostname ?? host;
  if (name === null || name === "") throw new ValueError("You must set server_hostname when using ssl without a host");
  return name;
}

/**
 * The port to connect to, checked here rather than by Node (whose errors are its own): no port
 * (undefined or null) is port 0, to which a connection is refused, as in CPython; a port out of
 * 0-65535 is an OverflowError in CPython's words.
 */
function connectPort(port: unknown): number {
  if (port === undefined || port === null) return 0;
  // A string goes to Node as it is: it takes a numeric one ("8080").
  if (typeof port === "string") return port as unknown as number;
  if (typeof port !== "number" || !Number.isInteger(port)) {
    throw new TypeError(`port must be an integer from 0 to 65535, got ${inspect(port, { depth: 0 })}`);
  }
  if (port < 0 || port > 65535) throw new OverflowError(`connect(): port must be 0-65535, got ${port}`);
  return port;
}

/**
 * `loop.createConnection(protocolFactory, host, port, options)`: opens a TCP (or TLS) connection
 * and returns its transport and protocol once connected.
 * @throws ConnectionRefusedError (`[Errno 111] Connect call failed ('127.0.0.1', 1)`), also for
 *   no port (undefined: port 0), and other OSErrors; OverflowError for a port out of 0-65535;
 *   TypeError for a port that is not an integer; TLS verification errors as Node raises them;
 *   ValueError for bad options.
 */
export function* createConnection<P extends BaseProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  host: string,
  port: number,
  options: CreateConnectionOptions = {},
): Coroutine<[Transport, P]> {
  checkOptions(options, CONNECTION_OPTION_KEYS, "createConnection()");
  const { ssl = null, serverHostname = null, localAddr = null, family = 0 } = options;
  if (typeof protocolFactory !== "function") throw new TypeError(`protocolFactory must be a function returning a protocol, got ${String(protocolFactory)}`);
  const servername = checkHostname(ssl, serverHostname, host);
  port = connectPort(port);
  const base: net.TcpNetConnectOpts = { host, port, allowHalfOpen: true, family };
  if (localAddr !== null) {
    base.localAddress = localAddr[0];
    base.localPort = localAddr[1];
  }
  const makeSocket = (): net.Socket =>
    ssl ? tls.connect({ ...withoutHalfOpen(base), ...tlsOptions(ssl), ...(servername !== undefined && net.isIP(servername) === 0 ? { servername } : {}) }) : net.connect(base);
  return yield* connectWith(loop, protocolFactory, makeSocket, ssl ? "secureConnect" : "connect", tcpExtra, describeAddress(host, port));
}

/**
 * `loop.createUnixConnection(protocolFactory, path, options)`: connects to the Unix socket `path`.
 * @throws FileNotFoundError or ConnectionRefusedError when nothing listens there.
 */
export function* createUnixConnection<P extends BaseProtocol>(
  loop: EventLoop,
  protocolFactory: () => P,
  path: string,
  options: CreateUnixConnectionOptions = {},
): Coroutine<[Transport, P]> {
  checkOptions(options, UNIX_CONNECTION_OPTION_KEYS, "createUnixConnection()");
  const { ssl = null, serverHostname = null } = options;
  if (typeof path !== "string" || path === "") throw new ValueError(`path must be a non-empty string, got ${String(path)}`);
  const servername = checkHostname(ssl, serverHostname, ssl ? (serverHostname ?? "") : null);
  const base: net.IpcNetConnectOpts = { path, allowHalfOpen: true };
  const makeSocket = (): net.Socket => (ssl ? tls.connect({ ...withoutHalfOpen(base), ...tlsOptions(ssl), servername }) : net.connect(base));
  const extra = (): Map<string, unknown> => new Map<string, unknown>([["peername", path], ["sockname", ""]]);
  return yield* connectWith(loop, protocolFactory, makeSocket, ssl ? "secureConnect" : "connect", extra, describeAddress(path));
}

function tcpExtra(socket: net.Socket): Map<string, unknown> {
  return new Map<string, unknown>([
    ["peername", socketAddress(socket.remoteAddress, socket.remotePort, socket.remoteFamily)],
    ["sockname", socketAddress(socket.localAddress, socket.localPort, socket.localFamily)],
  ]);
}

/**
 * `loop.startTls(transport, protocol, ssl, options)`: upgrades an open connection to TLS and
 * returns the new transport, which from then on serves `protocol` (the old one must not be used).
 * @throws TypeError for a transport that is not a socket or is already TLS; TLS handshake errors.
 */
export function* startTls(
  loop: EventLoop,
  transport: Transport,
  protocol: BaseProtocol,
  ssl: ClientSSL | tls.TlsOptions,
  options: StartTlsOptions = {},
): Coroutine<Transport> {
  checkOptions(options, START_TLS_OPTION_KEYS, "startTls()");
  if (!(transport instanceof SocketTransport) || transport._tls) {
    throw new TypeError(`transport ${String(transport)} is not supported by startTls()`);
  }
  if (transport.isClosing()) throw new TypeError(`transport ${String(transport)} is closing; startTls() needs an open one`);
  const serverSide = options.serverSide ?? false;
  const extra = new Map<string, unknown>([
    ["peername", transport.getExtraInfo("peername")],
    ["sockname", transport.getExtraInfo("sockname")],
  ]);
  const owner: ConnectionOwner | null = transport._server;
  const raw = transport._detachSocket();
  const fut = loop.createFuture<Transport>();
  _holdRealUntilDone(loop, fut);
  let tlsSocket: tls.TLSSocket;
  const opts = tlsOptions(ssl as ClientSSL);
  if (serverSide) {
    tlsSocket = new tls.TLSSocket(raw, { ...(opts as tls.TLSSocketOptions), isServer: true, secureContext: tls.createSecureContext(opts) });
  } else {
    const name = options.serverHostname ?? undefined;
    tlsSocket = tls.connect({ ...opts, socket: raw, ...(name !== undefined && net.isIP(name) === 0 ? { servername: name } : {}) });
  }
  const onError = (e: Error): void => {
    loop._runFromNode(() => {
      if (!fut.done()) fut.setException(e);
    });
  };
  tlsSocket.on("error", onError);
  tlsSocket.once(serverSide ? "secure" : "secureConnect", () => {
    loop._runFromNode(() => {
      tlsSocket.off("error", onError);
      if (fut.done()) {
        tlsSocket.destroy();
        return;
      }
      const t = new SocketTransport(loop, tlsSocket, protocol, extra, owner);
      t._start(false);
      fut.setResult(t);
    });
  });
  try {
    return yield* fut;
  } catch (e) {
    if (fut.done() && !fut.cancelled() && fut.exception() === null) fut.result().abort();
    else tlsSocket.destroy();
    throw e;
  }
}
