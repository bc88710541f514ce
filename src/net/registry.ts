/**
 * The sockets and servers each loop has open, so that closing the loop closes what is left.
 *
 * Why: when `asyncio.run(main())` returns, a Python program ends and the OS closes whatever
 * sockets it left open. In Node an open socket or server keeps the process alive, so a program
 * that forgot a `writer.close()` would never exit. `EventLoop.close()` (which `run` calls once
 * every task is done) therefore destroys the transports and servers still open, as the end of
 * the Python process would; in debug mode it says which ones ("unclosed <SocketTransport ...>",
 * as CPython's ResourceWarning does).
 */

import type { EventLoop } from "../loop/events.ts";

/** An address as Python shows it: `[host, port, ...]` for IP, the path for a Unix socket. */
export type SocketName = unknown[] | string;

/**
 * @internal A socket transport or a server, as the registry sees it (or what an entry point of
 * the package holds open on a loop: asyncio-ts/http's sites and connection pools).
 */
export interface LoopResource {
  /** Releases the Node handles at once, calling nothing back into the (closing) loop. */
  _closeForLoopClose(): void;
  /** The addresses it is bound to, and the address of its peer (none for a server). */
  _endpoints?(): { local: SocketName[]; peer: SocketName | undefined };
}

const openByLoop = new WeakMap<EventLoop, Set<LoopResource>>();

/** Remembers `r` as open on `loop`. */
export function trackResource(loop: EventLoop, r: LoopResource): void {
  let set = openByLoop.get(loop);
  if (set === undefined) openByLoop.set(loop, (set = new Set()));
  set.add(r);
}

/** Forgets `r` (it closed normally). */
export function untrackResource(loop: EventLoop, r: LoopResource): void {
  openByLoop.get(loop)?.delete(r);
}

/** What `loop` has open now. */
export function _openNetResources(loop: EventLoop): LoopResource[] {
  return [...(openByLoop.get(loop) ?? [])];
}

/** Closes everything `loop` still has open; called by `EventLoop.close()`. */
export function _closeNetResources(loop: EventLoop): void {
  const set = openByLoop.get(loop);
  if (set === undefined) return;
  openByLoop.delete(loop);
  for (const r of set) {
    if (loop.getDebug()) console.warn(`unclosed ${String(r)}`);
    r._closeForLoopClose();
  }
}

/**
 * Whether the peer of `r` is a socket of `loop` itself: a server of the loop it connected to, or a
 * connection of the loop that connected to it. Such a peer answers only when the loop runs, so a
 * virtual clock may jump while `r` waits for it; any other peer answers in real time.
 */
export function _peerOnLoop(loop: EventLoop, r: LoopResource): boolean {
  const { local, peer } = r._endpoints?.() ?? { local: [], peer: undefined };
  if (peer === undefined) return false;
  for (const other of openByLoop.get(loop) ?? []) {
    if (other === r) continue;
    const theirs = other._endpoints?.();
    if (theirs === undefined) continue;
    if (theirs.local.some((name) => sameSocket(name, peer))) return true;
    // An accepted Unix connection has no peer name: its peer is a connection to its own path.
    if (peer === "" && theirs.peer !== undefined && local.some((name) => name !== "" && sameSocket(name, theirs.peer!))) return true;
  }
  return false;
}

/** Whether `bound` (a server's wildcard address matches any host) is the socket `peer` names. */
function sameSocket(bound: SocketName, peer: SocketName): boolean {
  if (typeof bound === "string" || typeof peer === "string") return bound === peer && bound !== "";
  if (bound[1] !== peer[1]) return false;
  const host = unmapped(bound[0]);
  return host === unmapped(peer[0]) || host === "0.0.0.0" || host === "::";
}

/** `::ffff:127.0.0.1` is `127.0.0.1`. */
function unmapped(host: unknown): unknown {
  return typeof host === "string" && host.startsWith("::ffff:") ? host.slice(7) : host;
}

