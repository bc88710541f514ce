/**
 * Name resolution (CPython: `loop.getaddrinfo` over `socket.getaddrinfo`): `getaddrinfo`, the
 * `AF_*`, `SOCK_*`, `IPPROTO_*` and `AI_*` constants, and the `AddrInfo` tuple.
 *
 * Node resolves names with `dns.lookup` (the system resolver, on libuv's thread pool, as
 * CPython resolves them in the default executor) but gives only addresses and families; this
 * module shapes them into CPython's five-tuples, one per address and socket type:
 * `[family, type, proto, canonname, [address, port]]`. Service names ("http") are looked up in
 * `/etc/services`, as the C library does. Failures are `GaiError` with glibc's `EAI_*` numbers.
 */

import { lookup, ADDRCONFIG, ALL, V4MAPPED, type LookupAddress } from "node:dns";
import { readFile } from "node:fs/promises";
import { isIP } from "node:net";
import type { EventLoop } from "../loop/events.ts";
import { GaiError, ValueError } from "../exceptions.ts";
import { _holdRealUntilDone, type Future } from "../loop/futures.ts";
import { checkOptions, optionKeys } from "../options.ts";
import type { Coroutine } from "../loop/types.ts";

/**
 * Any address family (`socket.AF_UNSPEC`).
 * @example yield* loop.getaddrinfo("localhost", 80, { family: AF_UNSPEC }); // any family
 */
export const AF_UNSPEC = 0;
/**
 * IPv4 (`socket.AF_INET`).
 * @example yield* loop.getaddrinfo("localhost", 80, { family: AF_INET }); // [[AF_INET, SOCK_STREAM, IPPROTO_TCP, "", ["127.0.0.1", 80]], ...]
 */
export const AF_INET = 2;
/**
 * IPv6 (`socket.AF_INET6`; the number is the platform's, 10 on Linux).
 * @example yield* loop.getaddrinfo("localhost", 80, { family: AF_INET6 }); // IPv6 addresses only
 */
export const AF_INET6 = process.platform === "darwin" ? 30 : process.platform === "win32" ? 23 : 10;
/**
 * A stream socket, TCP (`socket.SOCK_STREAM`).
 * @example yield* loop.getaddrinfo("localhost", 80, { type: SOCK_STREAM }); // one tuple per address, not one per socket type
 */
export const SOCK_STREAM = 1;
/**
 * A datagram socket, UDP (`socket.SOCK_DGRAM`).
 * @example yield* loop.getaddrinfo("localhost", 53, { type: SOCK_DGRAM });
 */
export const SOCK_DGRAM = 2;
/**
 * A raw socket (`socket.SOCK_RAW`).
 * @example yield* loop.getaddrinfo("localhost", null, { type: SOCK_RAW });
 */
export const SOCK_RAW = 3;
/**
 * TCP (`socket.IPPROTO_TCP`).
 * @example yield* loop.getaddrinfo("localhost", 80, { proto: IPPROTO_TCP });
 */
export const IPPROTO_TCP = 6;
/**
 * UDP (`socket.IPPROTO_UDP`).
 * @example yield* loop.getaddrinfo("localhost", 53, { proto: IPPROTO_UDP });
 */
export const IPPROTO_UDP = 17;
/**
 * With no host: the wildcard addresses, to bind a server (`socket.AI_PASSIVE`).
 * @example yield* loop.getaddrinfo(null, 8080, { family: AF_INET, flags: AI_PASSIVE }); // ["0.0.0.0", 8080]
 */
export const AI_PASSIVE = 0x1;
/**
 * Fill in `canonname` of the first result (`socket.AI_CANONNAME`).
 * @example const [[, , , canonname]] = yield* loop.getaddrinfo("localhost", 80, { flags: AI_CANONNAME });
 */
export const AI_CANONNAME = 0x2;
/**
 * The host must be a numeric address; no lookup is made (`socket.AI_NUMERICHOST`).
 * @example yield* loop.getaddrinfo("127.0.0.1", 80, { flags: AI_NUMERICHOST }); // a name here throws GaiError
 */
export const AI_NUMERICHOST = 0x4;
/**
 * With `AF_INET6`, return IPv4 addresses as IPv4-mapped IPv6 ones (`socket.AI_V4MAPPED`).
 * @example yield* loop.getaddrinfo("127.0.0.1", 80, { family: AF_INET6, flags: AI_V4MAPPED }); // ["::ffff:127.0.0.1", 80]
 */
export const AI_V4MAPPED = 0x8;
/**
 * With `AI_V4MAPPED`, return both IPv6 and mapped IPv4 addresses (`socket.AI_ALL`).
 * @example yield* loop.getaddrinfo("localhost", 80, { family: AF_INET6, flags: AI_V4MAPPED | AI_ALL });
 */
export const AI_ALL = 0x10;
/**
 * Return a family only if the host has an address of that family configured (`socket.AI_ADDRCONFIG`).
 * @example yield* loop.getaddrinfo("localhost", 80, { flags: AI_ADDRCONFIG });
 */
export const AI_ADDRCONFIG = 0x20;
/**
 * The port must be numeric; no service lookup is made (`socket.AI_NUMERICSERV`).
 * @example yield* loop.getaddrinfo("localhost", "80", { flags: AI_NUMERICSERV }); // "http" here throws GaiError
 */
export const AI_NUMERICSERV = 0x400;

/**
 * One result of `getaddrinfo`: `[family, type, proto, canonname, [address, port]]`, as CPython's
 * tuples. Unlike CPython, an IPv6 address is also a pair `[address, port]` (no flowinfo and scope
 * id; a scope stays in the address, as in "fe80::1%eth0").
 */
export type AddrInfo = [family: number, type: number, proto: number, canonname: string, sockaddr: [address: string, port: number]];

/** Options of `loop.getaddrinfo`; each is 0 ("any", "none") by default, as in CPython. */
export interface GetaddrinfoOptions {
  /** `AF_UNSPEC` (any), `AF_INET` or `AF_INET6`. @default 0 */
  family?: number;
  /** `SOCK_STREAM`, `SOCK_DGRAM`, `SOCK_RAW`, or 0 for each of them. @default 0 */
  type?: number;
  /** `IPPROTO_TCP`, `IPPROTO_UDP`, or 0 for the type's usual protocol. @default 0 */
  proto?: number;
  /** A bitwise or of `AI_*` flags. @default 0 */
  flags?: number;
}

const GETADDRINFO_OPTION_KEYS = optionKeys<GetaddrinfoOptions>({ family: true, type: true, proto: true, flags: true });

const EAI_BADFLAGS = -1;
const EAI_NONAME = -2;
const EAI_AGAIN = -3;
const EAI_FAIL = -4;
const EAI_NODATA = -5;
const EAI_FAMILY = -6;
const EAI_SOCKTYPE = -7;
const EAI_SERVICE = -8;
const EAI_ADDRFAMILY = -9;
const EAI_SYSTEM = -11;

/** glibc's `gai_strerror` texts, which CPython shows. */
const EAI_TEXT = new Map<number, [code: string, text: string]>([
  [EAI_BADFLAGS, ["EAI_BADFLAGS", "Bad value for ai_flags"]],
  [EAI_NONAME, ["EAI_NONAME", "Name or service not known"]],
  [EAI_AGAIN, ["EAI_AGAIN", "Temporary failure in name resolution"]],
  [EAI_FAIL, ["EAI_FAIL", "Non-recoverable failure in name resolution"]],
  [EAI_NODATA, ["EAI_NODATA", "No address associated with hostname"]],
  [EAI_FAMILY, ["EAI_FAMILY", "ai_family not supported"]],
  [EAI_SOCKTYPE, ["EAI_SOCKTYPE", "ai_socktype not supported"]],
  [EAI_SERVICE, ["EAI_SERVICE", "Servname not supported for ai_socktype"]],
  [EAI_ADDRFAMILY, ["EAI_ADDRFAMILY", "Address family for hostname not supported"]],
  [EAI_SYSTEM, ["EAI_SYSTEM", "System error"]],
]);

/** Node's `dns.lookup` error codes, as the resolver's numbers. */
const NODE_CODES: Record<string, number> = {
  ENOTFOUND: EAI_NONAME,
  EAI_NONAME: EAI_NONAME,
  EAI_NODATA: EAI_NODATA,
  EAI_AGAIN: EAI_AGAIN,
  EAI_FAIL: EAI_FAIL,
  EAI_FAMILY: EAI_FAMILY,
  EAI_ADDRFAMILY: EAI_ADDRFAMILY,
  EAI_BADFLAGS: EAI_BADFLAGS,
};

function gaiError(errno: number, cause?: unknown): GaiError {
  const [code, text] = EAI_TEXT.get(errno) ?? ["EAI_SYSTEM", "System error"];
  return new GaiError(errno, text, { code, cause });
}

/** The socket types a result is repeated for, with their usual protocol (glibc's order). */
const SOCKET_KINDS: ReadonlyArray<[type: number, proto: number]> = [
  [SOCK_STREAM, IPPROTO_TCP],
  [SOCK_DGRAM, IPPROTO_UDP],
  [SOCK_RAW, 0],
];

function socketKinds(type: number, proto: number): Array<[number, number]> {
  if (type !== 0 && type !== SOCK_STREAM && type !== SOCK_DGRAM && type !== SOCK_RAW) throw gaiError(EAI_SOCKTYPE);
  if (type === SOCK_RAW) return [[SOCK_RAW, proto]];
  const kinds = SOCKET_KINDS.filter(([t, p]) => (type === 0 || t === type) && (proto === 0 || p === proto || t === SOCK_RAW));
  if (proto !== 0) {
    const exact = kinds.filter(([t]) => t !== SOCK_RAW);
    if (exact.length > 0) return exact.map(([t]) => [t, proto]);
    if (type !== 0) throw gaiError(EAI_SOCKTYPE);
    return [[SOCK_RAW, proto]];
  }
  return kinds;
}

let servicesTable: Promise<Map<string, number>> | null = null;

/** `/etc/services` as "name/proto" -> port (aliases included), read once. */
function services(): Promise<Map<string, number>> {
  servicesTable ??= readFile("/etc/services", "latin1").then(
    (text) => {
      const table = new Map<string, number>();
      for (const raw of text.split("\n")) {
        const line = raw.replace(/#.*/, "").trim();
        if (line === "") continue;
        const [name, portProto, ...aliases] = line.split(/\s+/);
        const m = /^(\d+)\/(\w+)$/.exec(portProto ?? "");
        if (name === undefined || m === null) continue;
        for (const n of [name, ...aliases]) {
          const key = `${n}/${m[2]}`;
          if (!table.has(key)) table.set(key, Number(m[1]));
        }
      }
      return table;
    },
    () => new Map<string, number>(),
  );
  return servicesTable;
}

/** The port of `service` for each socket type, or a GaiError. */
function* resolvePort(
  loop: EventLoop,
  port: number | string | null | undefined,
  kinds: Array<[number, number]>,
  flags: number,
): Coroutine<Map<number, number>> {
  const byType = new Map<number, number>();
  if (port === null || port === undefined) {
    for (const [t] of kinds) byType.set(t, 0);
    return byType;
  }
  if (typeof port === "number") {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ValueError(`getaddrinfo(): port must be 0-65535, got ${port}`);
    for (const [t] of kinds) byType.set(t, port);
    return byType;
  }
  if (typeof port !== "string") throw new TypeError(`port must be a number, a string or null, got ${String(port)}`);
  if (/^\d+$/.test(port)) {
    const n = Number(port);
    if (n > 65535) throw new ValueError(`getaddrinfo(): port must be 0-65535, got ${port}`);
    for (const [t] of kinds) byType.set(t, n);
    return byType;
  }
  if (flags & AI_NUMERICSERV) throw gaiError(EAI_NONAME);
  const fut: Future<Map<string, number>> = loop.createFuture();
  _holdRealUntilDone(loop, fut);
  services().then((table) => loop._runFromNode(() => fut.done() || fut.setResult(table)));
  const table = yield* fut;
  for (const [t] of kinds) {
    const tcp = table.get(`${port}/tcp`);
    const udp = table.get(`${port}/udp`);
    const n = t === SOCK_STREAM ? tcp : t === SOCK_DGRAM ? udp : (tcp ?? udp);
    if (n !== undefined) byType.set(t, n);
  }
  if (byType.size === 0) throw gaiError(EAI_SERVICE);
  return byType;
}

/** The addresses of `host` (without a lookup when it is numeric or absent). */
function* resolveHost(loop: EventLoop, host: string | null | undefined, family: number, flags: number): Coroutine<LookupAddress[]> {
  const wanted = (a: LookupAddress): boolean => family === AF_UNSPEC || (family === AF_INET ? a.family === 4 : a.family === 6);
  if (host === null || host === undefined) {
    // glibc's order: the wildcard (to bind) puts IPv4 first, loopback (to connect) IPv6 first.
    const addrs: LookupAddress[] =
      flags & AI_PASSIVE
        ? [{ address: "0.0.0.0", family: 4 }, { address: "::", family: 6 }]
        : [{ address: "::1", family: 6 }, { address: "127.0.0.1", family: 4 }];
    return addrs.filter(wanted);
  }
  if (typeof host !== "string") throw new TypeError(`host must be a string or null, got ${String(host)}`);
  const numeric = isIP(host.replace(/%.*$/, ""));
  if (numeric !== 0) {
    if (family === AF_INET6 && numeric === 4 && flags & AI_V4MAPPED) return [{ address: `::ffff:${host}`, family: 6 }];
    const addr = { address: host, family: numeric };
    if (!wanted(addr)) throw gaiError(EAI_ADDRFAMILY);
    return [addr];
  }
  if (flags & AI_NUMERICHOST || host === "") throw gaiError(EAI_NONAME);
  let hints = 0;
  if (flags & AI_ADDRCONFIG) hints |= ADDRCONFIG;
  if (flags & AI_V4MAPPED) hints |= V4MAPPED;
  if (flags & AI_ALL) hints |= ALL;
  const nodeFamily = family === AF_INET ? 4 : family === AF_INET6 ? 6 : 0;
  const fut: Future<LookupAddress[]> = loop.createFuture();
  _holdRealUntilDone(loop, fut); // the lookup takes real time: a virtual clock waits for it
  lookup(host, { all: true, family: nodeFamily, hints }, (err, addresses) => {
    loop._runFromNode(() => {
      if (fut.done()) return;
      if (err) fut.setException(gaiError(NODE_CODES[err.code ?? ""] ?? EAI_SYSTEM, err));
      else fut.setResult(addresses);
    });
  });
  return yield* fut;
}

/**
 * Resolves `host` and `port` into socket addresses (`loop.getaddrinfo`, over `dns.lookup`).
 * Called as `loop.getaddrinfo(...)`; this is its body.
 * @internal
 */
export function* _getaddrinfo(
  loop: EventLoop,
  host: string | null | undefined,
  port: number | string | null | undefined,
  options: GetaddrinfoOptions = {},
): Coroutine<AddrInfo[]> {
  checkOptions(options, GETADDRINFO_OPTION_KEYS, "getaddrinfo()");
  const { family = AF_UNSPEC, type = 0, proto = 0, flags = 0 } = options;
  if (family !== AF_UNSPEC && family !== AF_INET && family !== AF_INET6) throw gaiError(EAI_FAMILY);
  if (!Number.isInteger(flags) || flags < 0 || (flags & ~0x43f) !== 0) throw gaiError(EAI_BADFLAGS);
  if ((host === null || host === undefined) && (port === null || port === undefined)) throw gaiError(EAI_NONAME);
  const kinds = socketKinds(type, proto);
  const ports = yield* resolvePort(loop, port, kinds, flags);
  const addrs = yield* resolveHost(loop, host, family, flags);
  const infos: AddrInfo[] = [];
  let canonname = flags & AI_CANONNAME && typeof host === "string" ? host : "";
  for (const a of addrs) {
    const fam = a.family === 4 ? AF_INET : AF_INET6;
    for (const [t, p] of kinds) {
      const n = ports.get(t);
      if (n === undefined) continue;
      infos.push([fam, t, p, canonname, [a.address, n]]);
      canonname = "";
    }
  }
  return infos;
}
