/**
 * Debug mode's blocked-loop watchdog: a step or callback that has run past `slowCallbackDuration`
 * is reported while it is still running, with the stack of where it is stuck, and then again when
 * it ends, with its duration (CPython says only the second, after the fact).
 *
 * A blocked loop cannot report itself: its thread is busy. So a worker thread watches it. Before
 * each runnable of a batch in debug mode, the loop writes into memory it shares with the worker
 * (a SharedArrayBuffer: when the runnable started, a sequence number, the threshold), and clears
 * the start when it returns, which costs a few stores. The worker looks every `POLL_MS`; when the
 * same runnable has been running past the threshold, it asks the main thread for its stack through
 * `node:inspector` (`Session.connectToMainThread()`): V8 runs the inspector's request at the next
 * interrupt check of the busy JavaScript, on top of its stack, so the probe below sees the frames
 * of the stuck code itself. The worker writes the report to stderr with a synchronous write, since
 * anything that goes through the main thread (console, the exception handler) would wait for the
 * very loop that is stuck. A thread blocked in native code (a synchronous read, `Atomics.wait`)
 * checks for no interrupt, and is reported only when it comes back to JavaScript.
 *
 * The worker is made once per process, when the first loop in debug mode is, on the main thread
 * only (`connectToMainThread` reaches no other), and holds the process open no more than an
 * unref'd timer would.
 */

import { hostModule } from "../core/host.ts";
import { captureStack, isLibraryFrame, parseStack } from "./frames.ts";

/** How often the worker looks at the loop, in milliseconds. */
const POLL_MS = 20;
const PROBE = "asyncio-ts.watchdog";

/** [0] when the current runnable started (epoch milliseconds), 0 when none runs; [1] its sequence number; [2] the threshold in ms. */
let shared: Float64Array | null = null;
let started = false;
/** The runnable running now, for the probe. */
let current: object | null = null;

// The worker connects to the main thread only to ask for a report, and disconnects at once: a
// session left attached would make a process whose inspector is open (by \`ps\`, say) wait for it
// forever when it exits ("Waiting for the debugger to disconnect...").
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const fs = require("node:fs");
let Session = null;
try {
  Session = require("node:inspector").Session;
} catch {
  // no inspector in this Node: nothing to watch with
}
if (Session !== null) {
  const shared = new Float64Array(workerData.shared);
  let reported = -1;
  let asking = false;
  setInterval(() => {
    const start = shared[0];
    const seq = shared[1];
    if (start === 0 || seq === reported || asking) return;
    const elapsed = performance.timeOrigin + performance.now() - start;
    if (elapsed < shared[2]) return;
    reported = seq;
    let session;
    try {
      session = new Session();
      session.connectToMainThread();
    } catch {
      return;
    }
    asking = true;
    const expression = "globalThis[Symbol.for(" + JSON.stringify(workerData.probe) + ")]?.(" + seq + ", " + elapsed + ")";
    session.post("Runtime.evaluate", { expression, returnByValue: true, silent: true }, (error, reply) => {
      asking = false;
      session.disconnect();
      const text = reply && reply.result && reply.result.value;
      if (typeof text === "string" && text !== "") fs.writeSync(2, text + "\\n");
    });
  }, ${POLL_MS});
}
`;

/**
 * @internal Runs in the main thread, inside the stuck runnable (see above): the report, or "" if
 * runnable `seq` has ended meanwhile.
 */
function probe(seq: number, elapsedMs: number): string {
  if (shared === null || shared[1] !== seq || shared[0] === 0 || current === null) return "";
  return `Executing ${String(current)} has been running for ${(elapsedMs / 1000).toFixed(3)} seconds, blocking the loop; it is at:\n${stuckStack()}`;
}

/** The frames of the stuck runnable: below the probe's caller (the inspector's script), down to the loop's own. */
function stuckStack(): string {
  const lines = (captureStack(probe).stack ?? "").split("\n").filter((l) => /^\s*at /.test(l));
  let end = lines.findIndex((l) => /\b_runDebug\b/.test(l));
  if (end < 0) end = lines.length;
  let begin = 0;
  // The first frame is the inspector's evaluated expression, which has no file of its own.
  if (begin < end && /^\s*at (?:<anonymous>|eval)/.test(lines[0]!)) begin = 1;
  const kept = lines.slice(begin, end);
  // Node's own frames on top (the interrupt may come inside a builtin's JavaScript) are not the program's.
  const internal = (line: string): boolean => {
    const f = parseStack(line)[0];
    return f === undefined || f.fileName === "" || f.fileName.startsWith("node:");
  };
  while (kept.length > 1 && internal(kept[0]!)) kept.shift();
  // The loop's own frames below the runnable (the task step) say nothing about where it is stuck.
  while (kept.length > 0) {
    const last = kept[kept.length - 1]!;
    const f = parseStack(last)[0];
    if (/\(<anonymous>\)$/.test(last) || (f !== undefined && isLibraryFrame(f))) kept.pop();
    else break;
  }
  return kept.join("\n");
}

/** What the watchdog uses of node:worker_threads. */
interface WorkerThreads {
  readonly isMainThread: boolean;
  Worker: new (
    source: string,
    options: { eval: boolean; workerData: unknown; stdout: boolean; stderr: boolean },
  ) => { unref(): void; on(event: "error", listener: (e: unknown) => void): unknown };
}

/** @internal A loop in debug mode was made: the watchdog starts, once per process. */
export function _startWatchdog(): void {
  // node:worker_threads where the host has it (Node, Bun, Deno); a browser gets no watchdog.
  const threads = hostModule<WorkerThreads>("node:worker_threads");
  if (started || threads === undefined || !threads.isMainThread) return;
  started = true;
  const { Worker } = threads;
  try {
    shared = new Float64Array(new SharedArrayBuffer(3 * Float64Array.BYTES_PER_ELEMENT));
    (globalThis as Record<symbol, unknown>)[Symbol.for(PROBE)] = probe;
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { shared: shared.buffer, probe: PROBE }, stdout: false, stderr: false });
    worker.unref();
    worker.on("error", () => undefined); // a watchdog that cannot start leaves the program alone
  } catch {
    shared = null;
  }
}

/** @internal The loop runs `r` (debug mode), for at most `threshold` seconds before it is reported. */
export function _runnableBegins(r: object, threshold: number): void {
  current = r;
  const s = shared;
  if (s === null) return;
  s[2] = threshold * 1000;
  s[1]++;
  s[0] = performance.timeOrigin + performance.now();
}

/** @internal `r` returned. */
export function _runnableEnds(): void {
  current = null;
  if (shared !== null) shared[0] = 0;
}
