/**
 * The Node handles a test creates: timers, intervals, sockets, servers, child processes, worker
 * threads, file watchers, DNS requests. `asyncioTest` watches them with `node:async_hooks` while
 * its body runs, for two things a loop cannot see by itself: whether anything outside the loop
 * could still wake it (else the test is deadlocked, and it can say so at once), and what the test
 * left alive at its end (an interval never cleared, a pool never shut down).
 *
 * Only handles that can call back later count. Immediates and promises are left out: an immediate
 * runs in the same turn of Node's loop, and a promise is only ever settled by something else.
 */

import { createHook } from "node:async_hooks";
import { fileURLToPath } from "node:url";

/** The async_hooks resource types that are handles a callback can come from, with how a leftover reads. */
const WATCHED: Record<string, string> = {
  Timeout: "a Node timer (setTimeout or setInterval)",
  TCPWRAP: "a TCP socket",
  TCPSERVERWRAP: "a TCP server",
  PIPEWRAP: "a pipe or Unix socket",
  PIPESERVERWRAP: "a Unix socket server",
  UDPWRAP: "a UDP socket",
  PROCESSWRAP: "a child process (a subprocess, or a ProcessPoolExecutor worker)",
  WORKER: "a worker thread (a ThreadPoolExecutor worker?)",
  FSEVENTWRAP: "a file watcher",
  STATWATCHER: "a file stat watcher",
  SIGNALWRAP: "a signal handler",
  GETADDRINFOREQWRAP: "a DNS lookup",
  GETNAMEINFOREQWRAP: "a DNS reverse lookup",
  QUERYWRAP: "a DNS query",
  TLSWRAP: "a TLS socket",
};

/** One live handle: what it is and where it was made. */
export interface LiveHandle {
  readonly type: string;
  readonly what: string;
  /** The stack where it was created (the frames outside Node's own code). */
  readonly where: string;
  /** The resource itself (for a Timeout, the object `clearTimeout` takes). */
  readonly resource: object;
  /** A timer that Node's own code set, not a call of `setTimeout` or `setInterval`. */
  readonly nodeOwn: boolean;
}

/** Watches the handles created from `start()` until `stop()`. */
export class HandleTracker {
  private readonly live = new Map<number, LiveHandle>();
  private readonly hook = createHook({
    init: (asyncId, type, _trigger, resource) => {
      const what = WATCHED[type];
      if (what === undefined) return;
      const stack = rawStack();
      this.live.set(asyncId, { type, what, where: userFrames(stack), resource, nodeOwn: type === "Timeout" && setByNode(stack) });
    },
    destroy: (asyncId) => {
      this.live.delete(asyncId);
    },
  });

  start(): void {
    this.hook.enable();
  }

  stop(): void {
    this.hook.disable();
  }

  /** The watched handles still alive, in creation order; `exclude` leaves some out (the loop's own). */
  alive(exclude?: (h: LiveHandle) => boolean): LiveHandle[] {
    const out: LiveHandle[] = [];
    for (const h of this.live.values()) {
      // A timer that fired or was cleared is destroyed only later, at its garbage collection.
      if (h.type === "Timeout" && !timerPending(h.resource)) continue;
      // An unref'd timer Node's own code set (node:http caches its Date header for a second, fetch
      // times its idle sockets) holds nothing open, and the test did not ask for it.
      if (h.nodeOwn && !(h.resource as { hasRef(): boolean }).hasRef()) continue;
      if (exclude?.(h) !== true) out.push(h);
    }
    return out;
  }
}

/** A Node Timeout still scheduled (not fired, or an interval, and not cleared). */
function timerPending(resource: object): boolean {
  const t = resource as { _destroyed?: boolean; _idleTimeout?: number; _repeat?: number | null };
  if (t._destroyed === true) return false;
  return typeof t._idleTimeout !== "number" || t._idleTimeout >= 0;
}

/** The stack of the code that created a handle (deep enough to reach past Node's own frames). */
function rawStack(): string {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 40;
  const stack = new Error().stack ?? "";
  Error.stackTraceLimit = limit;
  return stack.split("\n").slice(1).join("\n");
}

/** Whether the code that called the timer functions in `stack` is Node's own, not the user's `setTimeout`. */
function setByNode(stack: string): boolean {
  const frames = stack.split("\n");
  const made = frames.findIndex((f) => f.includes("new Timeout (node:internal/timers"));
  if (made === -1) return false;
  const caller = frames.slice(made + 1).find((f) => !f.includes("(node:internal/timers") && !f.includes("(node:timers"));
  return caller !== undefined && caller.includes("(node:");
}

/** The package's own folder (src/ or dist/), whose frames a creation stack leaves out. */
const packageDir = fileURLToPath(new URL("../", import.meta.url));

/** The first frames of `stack` that are the user's code, not Node's or this package's. */
export function userFrames(stack: string): string {
  return stack
    .split("\n")
    .filter((f) => !f.includes("node:") && !f.includes(packageDir))
    .slice(0, 4)
    .join("\n");
}
