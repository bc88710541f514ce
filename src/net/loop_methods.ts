/**
 * The loop's networking methods (CPython: `create_connection` and the rest in `base_events.py`,
 * with `selector_events.py` and `unix_events.py` under them): TCP, TLS and Unix connections and
 * servers, `startTls`, `getaddrinfo`, UDP endpoints, subprocesses and signal handlers, added to
 * `EventLoop` here (see loop/events.ts) and declared on it by module augmentation. Each method is
 * a thin entry into the module that implements it (connect.ts, server.ts, dns.ts, datagram.ts,
 * subprocess.ts, signals.ts); what a closing loop still has open is closed here as well.
 */

import type { TlsOptions } from "node:tls";
import { _watchCoroutines } from "../debug/unawaited.ts";
import { EventLoop, _extendEventLoop } from "../loop/events.ts";
import type { Coroutine } from "../loop/types.ts";
import {
  createConnection as _createConnection,
  createUnixConnection as _createUnixConnection,
  startTls as _startTls,
  type ClientSSL,
  type CreateConnectionOptions,
  type CreateUnixConnectionOptions,
  type StartTlsOptions,
} from "./connect.ts";
import { _createDatagramEndpoint, type DatagramEndpointOptions, type UDPTransport } from "./datagram.ts";
import { _getaddrinfo, type AddrInfo, type GetaddrinfoOptions } from "./dns.ts";
import type { BaseProtocol, DatagramProtocol, SubprocessProtocol } from "./protocols.ts";
import { _closeNetResources, _openNetResources, type LoopResource } from "./registry.ts";
import { createServer as _createServer, createUnixServer as _createUnixServer, type CreateServerOptions, type Server } from "./server.ts";
import { _addSignalHandler, _removeAllSignalHandlers, _removeSignalHandler } from "./signals.ts";
import { _splitArgs, _subprocessExec, _subprocessShell, type SubprocessOptions, type SubprocessPipesTransport } from "./subprocess.ts";
import type { Transport } from "./transports.ts";

declare module "../loop/events.ts" {
  interface EventLoop {
    /**
     * Opens a TCP (or TLS) connection (`loop.create_connection`); once connected, makes the protocol
     * with `protocolFactory()` and calls its `connectionMade(transport)`.
     * @param options.ssl `true` or `tls.ConnectionOptions` for TLS. @default false
     * @param options.serverHostname the name the certificate must match (only with ssl). @default host
     * @param options.localAddr bind the local end to `[host, port]` first.
     * @returns the transport and the protocol.
     * @throws ConnectionRefusedError `[Errno 111] Connect call failed ('127.0.0.1', 1)` and other OSErrors;
     *   OverflowError "connect(): port must be 0-65535, got 70000"; ValueError "server_hostname is only meaningful with ssl".
     * @example const [transport, protocol] = yield* loop.createConnection(() => new Client(), "127.0.0.1", 8888);
     */
    createConnection<P extends BaseProtocol>(protocolFactory: () => P, host: string, port: number, options?: CreateConnectionOptions): Coroutine<[Transport, P]>;
    /**
     * Listens on `host:port` (`loop.create_server`); each connection gets a protocol from
     * `protocolFactory()`. `host` null listens on every interface; a list listens on each.
     * @param options.ssl `tls.TlsOptions` (key, cert) to serve TLS. @default no TLS
     * @param options.backlog @default 100
     * @param options.startServing accept at once. @default true
     * @returns the `Server`.
     * @throws OSError "[Errno 98] error while attempting to bind on address ('127.0.0.1', 8080): address already in use".
     * @example const server = yield* loop.createServer(() => new Echo(), "127.0.0.1", 0);
     */
    createServer(protocolFactory: () => BaseProtocol, host: string | readonly string[] | null, port: number | null, options?: CreateServerOptions): Coroutine<Server>;
    /**
     * `createConnection` to the Unix socket at `path` (`loop.create_unix_connection`).
     * @throws FileNotFoundError or ConnectionRefusedError when nothing listens there.
     * @example const [transport, protocol] = yield* loop.createUnixConnection(() => new Client(), "/tmp/app.sock");
     */
    createUnixConnection<P extends BaseProtocol>(protocolFactory: () => P, path: string, options?: CreateUnixConnectionOptions): Coroutine<[Transport, P]>;
    /**
     * `createServer` on a Unix socket at `path` (`loop.create_unix_server`); the file is removed on close.
     * @throws OSError when it cannot listen.
     * @example const server = yield* loop.createUnixServer(() => new Echo(), "/tmp/app.sock");
     */
    createUnixServer(protocolFactory: () => BaseProtocol, path: string, options?: Omit<CreateServerOptions, "reuseAddress" | "ipv6Only">): Coroutine<Server>;
    /**
     * Upgrades an open connection to TLS (`loop.start_tls`) and returns the new transport, which
     * serves `protocol` from then on.
     * @param options.serverSide true on the accepting side. @default false
     * @throws TypeError for a transport that is not a plain socket; TLS handshake errors.
     * @example transport = yield* loop.startTls(transport, protocol, { ca: cert }, { serverHostname: "localhost" });
     */
    startTls(transport: Transport, protocol: BaseProtocol, ssl: ClientSSL | TlsOptions, options?: StartTlsOptions): Coroutine<Transport>;
    /**
     * Runs `callback(...args)` as a loop callback each time the process receives `sig`
     * (`loop.add_signal_handler`, Unix). A new handler for the same signal replaces the old one.
     * While a handler is installed the process stays alive; `removeSignalHandler` or `close()` ends that.
     * @param sig a signal name ("SIGTERM", "SIGUSR1") or number.
     * @throws TypeError for a coroutine function or a non-function; ValueError for an unknown signal;
     * RuntimeError "sig SIGKILL cannot be caught" for SIGKILL and SIGSTOP, or when the loop is closed.
     * @example loop.addSignalHandler("SIGTERM", () => stopping.set());
     */
    addSignalHandler<A extends unknown[]>(sig: NodeJS.Signals | number, callback: (...args: A) => unknown, ...args: A): void;
    /**
     * Removes the handler of `sig` and restores Node's default behaviour (`loop.remove_signal_handler`).
     * @returns true if a handler was removed, false if there was none.
     * @throws TypeError or ValueError for an invalid signal.
     */
    removeSignalHandler(sig: NodeJS.Signals | number): boolean;
    /**
     * Resolves `host` and `port` (`loop.getaddrinfo`, over Node's `dns.lookup`) into tuples
     * `[family, type, proto, canonname, [address, port]]` (see `AddrInfo`).
     * @param host a name, a numeric address, or null (loopback; with `AI_PASSIVE`, the wildcard).
     * @param port a number, a numeric string, a service name ("http"), or null.
     * @throws GaiError, such as `[Errno -2] Name or service not known`.
     * @example const infos = yield* loop.getaddrinfo("localhost", 80, { type: SOCK_STREAM });
     */
    getaddrinfo(host: string | null, port: number | string | null, options?: GetaddrinfoOptions): Coroutine<AddrInfo[]>;
    /**
     * Opens a UDP endpoint (`loop.create_datagram_endpoint`): binds to `localAddr`, connects to
     * `remoteAddr` (either may be omitted), and calls the protocol from `protocolFactory()` as part
     * of the loop: `connectionMade`, `datagramReceived(data, [host, port])`, `errorReceived`,
     * `connectionLost`.
     * @returns the transport (`sendto`, `close`, `abort`, `getExtraInfo`) and the protocol.
     * @throws ValueError without any address nor family; OSError (such as EADDRINUSE) when no socket could be opened.
     * @example
     * const [transport, proto] = yield* loop.createDatagramEndpoint(() => new EchoProtocol(), { localAddr: ["127.0.0.1", 0] });
     */
    createDatagramEndpoint<P extends DatagramProtocol>(protocolFactory: () => P, options?: DatagramEndpointOptions): Coroutine<[UDPTransport, P]>;
    /**
     * Runs `program` with `args` as a child process driven by a protocol (`loop.subprocess_exec`).
     * stdin, stdout and stderr default to `PIPE` here; the last argument may be the options.
     * @returns the transport (`getPid`, `getReturncode`, `getPipeTransport(fd)`, `sendSignal`,
     * `terminate`, `kill`, `close`) once the protocol's `connectionMade` has run, and the protocol.
     * @throws FileNotFoundError when `program` does not exist; other `OSError`s from spawning.
     * @example
     * const [transport, proto] = yield* loop.subprocessExec(() => new Collect(), "ls", "-l");
     */
    subprocessExec<P extends SubprocessProtocol>(
      protocolFactory: () => P,
      program: string,
      ...args: Array<string | SubprocessOptions>
    ): Coroutine<[SubprocessPipesTransport, P]>;
    /**
     * Runs `cmd` through `/bin/sh -c` as a child process driven by a protocol (`loop.subprocess_shell`).
     * Options and result as `subprocessExec`.
     * @throws ValueError when `cmd` is not a string.
     * @example
     * const [transport, proto] = yield* loop.subprocessShell(() => new Collect(), "echo $HOME");
     */
    subprocessShell<P extends SubprocessProtocol>(protocolFactory: () => P, cmd: string, options?: SubprocessOptions): Coroutine<[SubprocessPipesTransport, P]>;
    /** @internal The sockets, servers and transports still open on this loop (registry.ts). */
    _openResources(): LoopResource[];
  }
}

_extendEventLoop(
  {
    createConnection(protocolFactory, host, port, options) {
      return _createConnection(this, protocolFactory, host, port, options);
    },
    createServer(protocolFactory, host, port, options) {
      return _createServer(this, protocolFactory, host, port, options);
    },
    createUnixConnection(protocolFactory, path, options) {
      return _createUnixConnection(this, protocolFactory, path, options);
    },
    createUnixServer(protocolFactory, path, options) {
      return _createUnixServer(this, protocolFactory, path, options);
    },
    startTls(transport, protocol, ssl, options) {
      return _startTls(this, transport, protocol, ssl, options);
    },
    addSignalHandler(sig, callback, ...args) {
      _addSignalHandler(this, sig, callback, args);
    },
    removeSignalHandler(sig) {
      return _removeSignalHandler(this, sig);
    },
    getaddrinfo(host, port, options) {
      return _getaddrinfo(this, host, port, options);
    },
    createDatagramEndpoint(protocolFactory, options) {
      return _createDatagramEndpoint(this, protocolFactory, options);
    },
    subprocessExec(protocolFactory, program, ...args) {
      const [argv, options] = _splitArgs(args);
      return _subprocessExec(this, protocolFactory, program, argv, options);
    },
    subprocessShell(protocolFactory, cmd, options) {
      return _subprocessShell(this, protocolFactory, cmd, options);
    },
    _openResources() {
      return _openNetResources(this);
    },
  },
  {
    close(loop) {
      _removeAllSignalHandlers(loop);
      _closeNetResources(loop); // TCP/TLS/Unix transports and servers left open
    },
  },
);

// Debug mode reports a coroutine of these that was never awaited (debug/unawaited.ts).
_watchCoroutines(EventLoop, [
  "createConnection",
  "createServer",
  "createUnixConnection",
  "createUnixServer",
  "startTls",
  "getaddrinfo",
  "createDatagramEndpoint",
  "subprocessExec",
  "subprocessShell",
]);
