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

/** A socket transport or a server, as the registry sees it. */
export interface LoopResource {
  /** Releases the Node handles at once, calling nothing back into the (closing) loop. */
  _closeForLoopClose(): void;
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
