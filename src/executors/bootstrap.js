// @ts-check
/**
 * The worker bootstrap: the program every pool worker (a thread or a child process) runs.
 *
 * It is plain JavaScript, a module file of its own that the pools start by URL
 * (`new Worker(url)`, `node bootstrap.js`), so the package ships it as it is tested: on Node 20 a
 * worker does not inherit the parent's TypeScript loader, and loading tsx in every worker would
 * cost hundreds of milliseconds where plain JavaScript starts in tens. The worker registers tsx
 * itself, once, only when a job names a TypeScript module and the parent runs under tsx. It
 * imports nothing of the package: it speaks the protocol below, which worker.ts describes for
 * the parent (the numbers here repeat worker.ts's, and a test checks they agree).
 *
 * The protocol (flat arrays, so a batch is one structured clone with no per-job objects):
 * - parent to worker: `[RUN_JOBS, defs, id, key, word, args, ...]`; `defs` is 0 or
 *   `[key, kind, text, name, ...]`, the functions this worker has not seen yet; `word` is the
 *   job's claim cell times 2, plus 1 when the parent wants to hear when the job starts (it has a
 *   timeout). `[ABORT_JOB, id, why]` aborts the signal of a running job (why: WHY_CANCEL, WHY_TIMEOUT).
 * - worker to parent: `[RESULTS, busyMs, id, status, value, ...]`, posted once per batch for the
 *   jobs that finished synchronously and once per Node turn for async ones; `busyMs` is the time
 *   the jobs took, from which the parent sizes its next batches. `[STARTED, id]` when a job with a
 *   timeout starts.
 * - a thread's output: `[OUTPUT, fd, chunk]`, posted on the same channel as the results and at
 *   the moment of the write, so everything a job printed reaches the parent's stdout before its
 *   result is seen, and nothing is lost when the thread is ended (Node's own stdio channel for
 *   threads is a separate one, which the parent may read after the result, or never).
 *   A child process writes to the parent's own stdout and stderr, inherited, synchronously.
 * - when the worker dies (`process.exit()` in a job, an uncaught error): `[CRASH, exitCode,
 *   error, runningIds, id, status, value, ...]`, with the results not yet posted, so the parent
 *   fails only the jobs that were running and re-queues those that never started. A thread posts it
 *   (Node delivers a dead worker's messages before its `exit` event); a child process writes it
 *   synchronously to a pipe on file descriptor `crashFd`, since IPC messages sent just before an
 *   exit can be lost.
 *
 * Claims. Beside the messages, worker and parent share an array of claim cells (an Int32Array on
 * a SharedArrayBuffer), one per job the worker holds; pool.ts says why. A cell holds the job's
 * ticket (its id modulo 2^28) and a state. Before it starts a job the worker sets its cell to
 * CLAIMED with `Atomics.compareExchange`, unless the parent has set it to REVOKED first (the job
 * then goes to another worker): one compare-exchange decides, so a job runs at most once and the
 * parent knows which jobs it got back. The parent moves a CLAIMED cell to CANCEL_ASKED or
 * TIMEOUT_ASKED to abort the job's signal, and a job that
 * blocks its thread sees it at once in `signal.aborted` or `signal.throwIfAborted()`, which read
 * the cell; the ABORT_JOB message, which arrives once the thread is free, is the source of truth.
 * A thread shares the cells with the parent itself. A child process shares no memory with its
 * parent, so it makes the cells and runs a small control thread (this same file, started with
 * `{ control: true }` as its workerData) that holds them too: the parent writes its revocations and
 * aborts to the control thread on file descriptor `controlFd`, as 32-bit words (worker.ts has the
 * format), and the control thread, never blocked by a job, does the compare-exchange and answers.
 * The main thread runs no job before the control thread says it is up.
 *
 * The job's context. A job whose source mentions `this` is called with `this` bound to a small
 * object holding `signal`, an AbortSignal made on first use; any other job is called with `this`
 * undefined, as before, at no cost. Arrow functions have no `this` of their own: a job that wants
 * its signal is a `function`.
 *
 * What the parent tells the worker (`WorkerEnv` in worker.ts) arrives as `workerData` in a thread
 * and as the JSON of the first argument in a child process.
 */

import { createReadStream, writeSync } from "node:fs";
import { Socket } from "node:net";
import { serialize as v8Serialize } from "node:v8";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";

const RESULTS = 0, CRASH = 1, OUTPUT = 2, STARTED = 3;
const RUN_JOBS = 0, ABORT_JOB = 1;
const WHY_CANCEL = 0, WHY_TIMEOUT = 1;
const OK = 1, ERROR = 0, THROWN = 2, SKIPPED = 3;
const BY_SOURCE = 0;
const CLAIMED = 1, REVOKED = 2, CANCEL_ASKED = 3, TIMEOUT_ASKED = 4;
const TICKET_SHIFT = 3;
const CELLS = 2048;

/** @param {number} id */
const ticketOf = (id) => (id & 0x0fffffff) << TICKET_SHIFT;

/**
 * Revokes job `id` in `cell` unless it is claimed: true if revoked (the parent's side of a claim;
 * the control thread of a child process runs it, and thread.ts has the same for threads).
 * @param {Int32Array} cells
 * @param {number} cell
 * @param {number} id
 */
function revokeCell(cells, cell, id) {
  const ticket = ticketOf(id);
  for (;;) {
    const v = Atomics.load(cells, cell);
    if (v === (ticket | REVOKED)) return true;
    if (v === (ticket | CLAIMED) || v === (ticket | CANCEL_ASKED) || v === (ticket | TIMEOUT_ASKED)) return false;
    if (Atomics.compareExchange(cells, cell, v, ticket | REVOKED) === v) return true;
  }
}

/**
 * Claims job `id` in `cell` before starting it: false if the parent revoked it first.
 * @param {number} cell
 * @param {number} id
 */
function claimCell(cell, id) {
  const ticket = ticketOf(id);
  for (;;) {
    const v = Atomics.load(cells, cell);
    if (v === (ticket | REVOKED)) return false;
    if (Atomics.compareExchange(cells, cell, v, ticket | CLAIMED) === v) return true;
  }
}
const CTL_REVOKE = 1, CTL_ABORT = 2, CTL_REVOKED = 3;

/**
 * @typedef {{ thread: boolean, tsxApi: string | null, crashFd: number, controlFd: number, cells: SharedArrayBuffer | null }} WorkerEnv
 * @typedef {{ name: string, cls: string, message: string, stack: string | undefined,
 *   props: Record<string, unknown>, cause?: ErrorRecord | { value: unknown },
 *   errors?: (ErrorRecord | { value: unknown })[] }} ErrorRecord
 * @typedef {(...args: unknown[]) => unknown} AnyFunction
 * @typedef {{ fn: AnyFunction | null, source: string | null, name: string, error: unknown, usesThis: boolean,
 *   fastRuns: number }} FunctionEntry
 */

if (!isMainThread && workerData?.control === true) runControlThread(new Int32Array(workerData.cells), workerData.fd);

/**
 * The control thread of a child process: applies the parent's revocations and aborts to the
 * claim cells while the main thread may be blocked in a job, and answers revocations.
 * @param {Int32Array} cells
 * @param {number} fd
 */
function runControlThread(cells, fd) {
  const channel = openControl(fd);
  /** @type {Buffer} */
  let buffered = Buffer.alloc(0);
  channel.onData((/** @type {Buffer} */ chunk) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    let at = 0;
    /** @type {number[]} */
    const revoked = [];
    while (buffered.length - at >= 8) {
      const op = buffered.readInt32LE(at);
      const size = op === CTL_REVOKE ? 8 + 8 * buffered.readInt32LE(at + 4) : 16;
      if (buffered.length - at < size) break;
      if (op === CTL_REVOKE) {
        for (let p = at + 8; p < at + size; p += 8) {
          const cell = buffered.readInt32LE(p);
          if (revokeCell(cells, cell, buffered.readInt32LE(p + 4))) revoked.push(cell);
        }
        // Each revocation's list ends with -1, so the parent knows which request an answer closes.
        revoked.push(-1);
      } else if (op === CTL_ABORT) {
        const why = buffered.readInt32LE(at + 4);
        const ticket = ticketOf(buffered.readInt32LE(at + 12));
        Atomics.compareExchange(cells, buffered.readInt32LE(at + 8), ticket | CLAIMED, ticket | (why === WHY_TIMEOUT ? TIMEOUT_ASKED : CANCEL_ASKED));
      }
      at += size;
    }
    buffered = buffered.subarray(at);
    if (revoked.length > 0) {
      const answer = Buffer.alloc(8 + 4 * revoked.length);
      answer.writeInt32LE(CTL_REVOKED, 0);
      answer.writeInt32LE(revoked.length, 4);
      for (let i = 0; i < revoked.length; i++) answer.writeInt32LE(/** @type {number} */ (revoked[i]), 8 + 4 * i);
      channel.write(answer);
    }
  });
  // Up: the main thread starts running jobs now (see `controlUp`).
  parentPort?.postMessage(0);
}

/**
 * The control thread's end of the control channel, a socket the parent made (file descriptor
 * `fd`). Held (ref) so the thread lives; the main thread unrefs the thread, which never keeps the
 * child alive. On Node and Deno it is a `net.Socket` on the descriptor. Bun's `net.Socket` (1.4.5)
 * ignores the `fd` option and makes a socket that never reads (oven-sh/bun#29141 would adopt the
 * descriptor), so on Bun the descriptor is read as a `node:fs` stream and written with `writeSync`.
 * Not everywhere: on Node a read stream blocks one of the process's four libuv pool threads for
 * the child's lifetime, and Deno's `node:fs` refuses the descriptor (EBADF).
 * @param {number} fd
 * @returns {{ onData(listener: (chunk: Buffer) => void): void, write(data: Buffer): void }}
 */
function openControl(fd) {
  if (process.versions.bun === undefined) {
    const socket = new Socket({ fd, readable: true, writable: true });
    return { onData: (listener) => void socket.on("data", listener), write: (data) => void socket.write(data) };
  }
  const stream = createReadStream("", { fd, autoClose: false });
  return {
    onData: (listener) => void stream.on("data", (chunk) => listener(/** @type {Buffer} */ (chunk))),
    write: (data) => {
      for (let at = 0; at < data.length; ) {
        try {
          at += writeSync(fd, data, at);
        } catch (e) {
          // A full socket buffer (the descriptor may be non-blocking): the parent is reading it.
          if (/** @type {{ code?: string }} */ (e).code !== "EAGAIN") throw e;
        }
      }
    },
  };
}

/** @type {WorkerEnv} */
const env = isMainThread ? JSON.parse(process.argv[2] ?? "{}") : workerData;
const port = isMainThread ? null : parentPort;
/** The claim cells: shared with the parent (a thread), or with the control thread (a child process). */
const cells = new Int32Array(env.cells ?? new SharedArrayBuffer(4 * CELLS));
/**
 * Resolves once a child process's control thread is up; until then the batches wait in the
 * backlog, so that from its first job on, the parent's revocations and aborts are applied within
 * a round trip. (A thread starts in tens of milliseconds on an idle machine, but we saw over a
 * second on a loaded one: meanwhile a job blocking the main thread would not see its signal, and
 * the jobs behind it could not be taken back.) Null in a thread, which shares its cells with the parent.
 * @type {Promise<void> | null}
 */
let controlUp = null;
if (env.cells === null && env.controlFd >= 0) {
  const control = new Worker(new URL(import.meta.url), { workerData: { control: true, cells: cells.buffer, fd: env.controlFd }, execArgv: [], stdout: false, stderr: false });
  control.unref();
  controlUp = new Promise((resolve) => {
    control.once("message", () => resolve());
    // A process that cannot be told which jobs to leave must not run any: it dies, and the parent
    // re-queues its jobs (none of them started) for another worker.
    control.once("error", (e) => die(e, 1));
  });
}
/**
 * Deno's `process.send()` clones the message in an asynchronous operation: one that cannot be
 * cloned does not throw, and is never sent. So on Deno a child process clones each message once
 * first, to throw as Node's `send()` does (`post` then replaces the result that cannot be sent).
 */
const sendClonesLate = "Deno" in globalThis;
/** @type {(msg: unknown[]) => void} */
const send =
  port !== null
    ? (m) => port.postMessage(m)
    : (m) => {
        if (sendClonesLate) v8Serialize(m);
        process.send?.(m);
      };
const realExit = process.exit.bind(process);

// esbuild (tsx) compiles named inner functions with calls to a `__name` helper it defines at the
// top of each module; a function shipped by its source needs it too.
if (typeof (/** @type {any} */ (globalThis).__name) !== "function") {
  Object.defineProperty(globalThis, "__name", {
    configurable: true,
    writable: true,
    value: (/** @type {object} */ target, /** @type {string} */ value) => Object.defineProperty(target, "name", { value, configurable: true }),
  });
}

/** The signals of running jobs that asked for theirs, by job id. @type {Map<number, JobContext>} */
const contexts = new Map();

/**
 * What `this` is in a job that uses `this`: `signal` aborts when the parent cancels the job or its
 * timeout passes. A job whose source never mentions `this` is called with `this` undefined, as
 * before, and costs nothing.
 */
class JobContext {
  /**
   * @param {number} id
   * @param {number} cell
   */
  constructor(id, cell) {
    this.id = id;
    this.cell = cell;
    /** @type {AbortController | null} */
    this.controller = null;
    this.finished = false;
    /**
     * Set as the signal starts to abort. Deno's `AbortController.abort()` reads the signal's own
     * `aborted` while it aborts, which here is the getter below, which polls the cell, which would
     * abort again (Node reads its internal state): without this the two recurse until the stack
     * overflows and the worker dies.
     */
    this.aborting = false;
  }

  /** @returns {AbortSignal} */
  get signal() {
    let controller = this.controller;
    if (controller === null) {
      controller = this.controller = new AbortController();
      if (!this.finished) contexts.set(this.id, this);
      const signal = controller.signal;
      const check = () => this.poll();
      // A job that blocks its thread never sees the abort event: `aborted`, `reason` and
      // `throwIfAborted()` read the claim cell first, which the parent writes at once.
      Object.defineProperties(signal, {
        aborted: { configurable: true, get: () => (check(), abortedOf(signal)) },
        reason: { configurable: true, get: () => (check(), reasonOf(signal)) },
        throwIfAborted: { configurable: true, value: () => (check(), AbortSignal.prototype.throwIfAborted.call(signal)) },
      });
    }
    return controller.signal;
  }

  /** Aborts the signal if the parent asked, by the cell (the fast path) while the job runs. */
  poll() {
    if (this.finished || this.controller === null || this.aborting) return;
    const v = Atomics.load(cells, this.cell);
    const ticket = ticketOf(this.id);
    if (v === (ticket | CANCEL_ASKED) || v === (ticket | TIMEOUT_ASKED)) this.abort(v === (ticket | TIMEOUT_ASKED) ? WHY_TIMEOUT : WHY_CANCEL);
  }

  /** @param {number} why */
  abort(why) {
    if (this.controller === null || this.aborting) return;
    this.aborting = true;
    this.controller.abort(abortReason(why));
  }

  finish() {
    this.finished = true;
    if (this.controller !== null) contexts.delete(this.id);
  }
}

/** @param {number} why */
function abortReason(why) {
  return why === WHY_TIMEOUT ? new DOMException("the job ran past its timeout", "TimeoutError") : new DOMException("the job was cancelled", "AbortError");
}

/**
 * Jobs whose stop the parent asked (ABORT_JOB) while their batch still waited in the backlog, with
 * why. Normally the parent's revocation takes such a job back first, but a child process's control
 * thread may apply it only after this thread has claimed the job: then it is passed over unrun,
 * since its signal's abort event, sent before it had a signal, would never reach it.
 * @type {Map<number, number>}
 */
const abortedEarly = new Map();

const abortedGetter = /** @type {() => boolean} */ (Object.getOwnPropertyDescriptor(AbortSignal.prototype, "aborted")?.get);
const reasonGetter = /** @type {() => unknown} */ (Object.getOwnPropertyDescriptor(AbortSignal.prototype, "reason")?.get);
/** @param {AbortSignal} signal */
const abortedOf = (signal) => abortedGetter.call(signal);
/** @param {AbortSignal} signal */
const reasonOf = (signal) => reasonGetter.call(signal);

/** @type {Map<number, FunctionEntry>} */
const functions = new Map();
/** Async jobs still running: id to start time (ms). @type {Map<number, number>} */
const pending = new Map();
/** Their contexts, by id. @type {Map<number, JobContext>} */
const pendingContexts = new Map();
/** @type {unknown[]} */
let out = [RESULTS, 0];
let busyMs = 0;
/** The job running synchronously right now, or -1. */
let current = -1;
let flushScheduled = false;
/** While modules load (or the control thread starts), later batches wait here, in order. @type {Promise<void> | null} */
let loading = controlUp === null ? null : controlUp.then(resume);
/** @type {unknown[][]} */
const backlog = [];
/** @type {Promise<void> | null} */
let tsxReady = null;

/**
 * An Error as it crosses to the parent: structured clone keeps neither its class nor its own fields.
 * @param {Error} e
 * @param {number} depth
 * @returns {ErrorRecord}
 */
function serialize(e, depth) {
  /** @type {Record<string, unknown>} */
  const props = {};
  for (const key of Object.keys(e)) {
    const v = /** @type {Record<string, unknown>} */ (/** @type {unknown} */ (e))[key];
    if (v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol")) props[key] = v;
  }
  /** @type {ErrorRecord} */
  const rec = { name: String(e.name), cls: e.constructor?.name ?? "Error", message: String(e.message), stack: e.stack, props };
  /** @type {(x: unknown) => ErrorRecord | { value: unknown }} */
  const wrap = (x) => (x instanceof Error && depth < 4 ? serialize(x, depth + 1) : { value: typeof x === "object" && x !== null ? String(x) : x });
  if ("cause" in e && e.cause !== undefined) rec.cause = wrap(e.cause);
  if (e instanceof AggregateError && Array.isArray(e.errors)) rec.errors = e.errors.map(wrap);
  return rec;
}

/**
 * A ReferenceError from a function shipped by its source most likely means it closed over a variable.
 * @param {unknown} e
 * @param {FunctionEntry} entry
 * @returns {unknown}
 */
function explain(e, entry) {
  if (!(e instanceof ReferenceError) || entry.source === null) return e;
  const m = /^([\w$]+) is not defined$/.exec(e.message);
  if (m === null) return e;
  const name = /** @type {string} */ (m[1]);
  const used = new RegExp(`(^|[^\\w$.])${name.replace(/\$/g, "\\$")}([^\\w$]|$)`).test(entry.source);
  if (!used) return e;
  const who = entry.name === "<anonymous>" ? "the submitted function" : `${entry.name}()`;
  const better = new ReferenceError(
    `${who} uses \`${name}\`, which is not defined in the worker: a function shipped by its source may not ` +
      `close over variables or its module's imports (pass \`${name}\` as an argument, or export the function from a ` +
      "module and submit workerFunction(moduleUrl, exportName))",
  );
  const frames = (e.stack ?? "").split("\n").slice(1).join("\n");
  better.stack = `ReferenceError: ${better.message}\n${frames}`;
  return better;
}

/**
 * @param {number} id
 * @param {FunctionEntry} entry
 * @param {boolean} ok
 * @param {unknown} value
 */
function pushOutcome(id, entry, ok, value) {
  if (ok) {
    out.push(id, OK, value);
    return;
  }
  const e = explain(value, entry);
  if (e instanceof Error) out.push(id, ERROR, serialize(e, 0));
  else out.push(id, THROWN, e);
}

function post() {
  if (out.length === 2) return;
  const msg = out;
  msg[1] = busyMs;
  out = [RESULTS, 0];
  busyMs = 0;
  try {
    send(msg);
  } catch {
    // Some result cannot be cloned: send them one by one and replace the bad ones with an error.
    for (let i = 2; i < msg.length; i += 3) {
      try {
        send([RESULTS, i === 2 ? msg[1] : 0, msg[i], msg[i + 1], msg[i + 2]]);
      } catch (e) {
        const what = msg[i + 1] === OK ? "result" : "error";
        const err = new TypeError(
          `the job's ${what} cannot be sent back from the worker: ${/** @type {Error} */ (e).message} ` +
            "(results cross by structured clone: return data, not functions, symbols or class instances with methods)",
        );
        send([RESULTS, 0, msg[i], ERROR, serialize(err, 0)]);
      }
    }
  }
}

function flush() {
  flushScheduled = false;
  post();
}

/**
 * @param {number} id
 * @param {FunctionEntry} entry
 * @param {boolean} ok
 * @param {unknown} value
 */
function settleLater(id, entry, ok, value) {
  const start = pending.get(id);
  if (start === undefined) return;
  pending.delete(id);
  pendingContexts.get(id)?.finish();
  pendingContexts.delete(id);
  busyMs += performance.now() - start;
  pushOutcome(id, entry, ok, value);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

/**
 * A job under this many ms counts as fast; a function whose last KNOWN_FAST runs were all fast
 * is known fast, and its jobs are no longer timed one by one.
 */
const FAST_MS = 0.05;
const KNOWN_FAST = 8;
/** A batch that ran this long (ms) makes its functions unknown again (one may have become slow). */
const SLOW_BATCH_MS = 20;

/**
 * Runs a batch. Results are posted once at its end, except that before a job of a function not
 * known to be fast the results so far are posted first: a job that turns out slow never holds
 * back the results of the jobs before it (the jobs after it, the parent can revoke).
 * @param {unknown[]} msg
 */
function runBatch(msg) {
  const batchStart = performance.now();
  let t0 = batchStart;
  /** @type {FunctionEntry | null} */
  let timed = null;
  for (let i = 2; i < msg.length; i += 4) {
    const id = /** @type {number} */ (msg[i]);
    const word = /** @type {number} */ (msg[i + 2]);
    // Claim the job; a job the parent revoked first has gone to another worker.
    if (!claimCell(word >> 1, id)) {
      // Revoked. Clear the cell (the same job may come back to this cell later, and must not read
      // as revoked then); the parent reuses it only once it hears that this worker passed over it.
      Atomics.store(cells, word >> 1, 0);
      out.push(id, SKIPPED, word >> 1);
      if (abortedEarly.size > 0) abortedEarly.delete(id);
      continue;
    }
    const entry = /** @type {FunctionEntry} */ (functions.get(/** @type {number} */ (msg[i + 1])));
    const abortedWhy = abortedEarly.size > 0 ? abortedEarly.get(id) : undefined;
    if (abortedWhy !== undefined) {
      abortedEarly.delete(id);
      pushOutcome(id, entry, false, abortReason(abortedWhy));
      continue;
    }
    if ((word & 1) !== 0) send([STARTED, id]);
    let jobStart = 0;
    if (entry.fastRuns < KNOWN_FAST) {
      jobStart = performance.now();
      if (out.length > 2) {
        busyMs += jobStart - t0;
        t0 = jobStart;
        post();
      }
      timed = entry;
    }
    const context = entry.usesThis ? new JobContext(id, word >> 1) : null;
    current = id;
    try {
      if (entry.fn === null) throw entry.error;
      const r = entry.fn.apply(context ?? undefined, /** @type {unknown[]} */ (msg[i + 3]));
      if (r !== null && (typeof r === "object" || typeof r === "function") && typeof (/** @type {PromiseLike<unknown>} */ (r)).then === "function") {
        pending.set(id, performance.now());
        if (context !== null) pendingContexts.set(id, context);
        /** @type {PromiseLike<unknown>} */ (r).then(
          (v) => settleLater(id, entry, true, v),
          (e) => settleLater(id, entry, false, e),
        );
      } else {
        context?.finish();
        out.push(id, OK, r);
      }
    } catch (e) {
      context?.finish();
      pushOutcome(id, entry, false, e);
    }
    if (jobStart !== 0) entry.fastRuns = performance.now() - jobStart < FAST_MS ? entry.fastRuns + 1 : 0;
  }
  current = -1;
  const end = performance.now();
  busyMs += end - t0;
  if (end - batchStart > SLOW_BATCH_MS && timed === null) {
    for (let i = 2; i < msg.length; i += 4) /** @type {FunctionEntry} */ (functions.get(/** @type {number} */ (msg[i + 1]))).fastRuns = 0;
  }
  post();
}

/**
 * Whether a job reads `this` (its JobContext): only then is it given one.
 * @param {AnyFunction} fn
 */
function usesThis(fn) {
  return /\bthis\b/.test(Function.prototype.toString.call(fn));
}

/**
 * @param {string} text
 * @param {string} name
 * @returns {AnyFunction}
 */
function compile(text, name) {
  const sourceUrl = `worker-function:${name.replace(/[^\w$.-]/g, "_")}`;
  return (0, eval)(`(${text}\n)\n//# sourceURL=${sourceUrl}`);
}

/**
 * @param {string} url
 * @param {string} name
 * @returns {Promise<AnyFunction>}
 */
async function load(url, name) {
  const typescript = /\.[mc]?tsx?$/.test(/** @type {string} */ (url.split(/[?#]/)[0]));
  const tsxApi = env.tsxApi;
  if (typescript && tsxApi !== null) {
    tsxReady ??= import(tsxApi).then((/** @type {{ register(): unknown }} */ api) => void api.register());
    await tsxReady;
  }
  /** @type {Record<string, unknown>} */
  let mod;
  try {
    mod = await import(url);
  } catch (e) {
    if (typescript && /** @type {{ code?: string }} */ (e).code === "ERR_UNKNOWN_FILE_EXTENSION") {
      throw new TypeError(
        `cannot load the TypeScript module ${url} in a worker: the parent process does not run under tsx ` +
          "(start it with `node --import tsx`, or compile the module to JavaScript)",
      );
    }
    throw e;
  }
  const fn = mod[name];
  if (typeof fn !== "function") {
    throw new TypeError(`${url} has no exported function ${JSON.stringify(name)} (workerFunction() needs the name the function is exported as)`);
  }
  return /** @type {AnyFunction} */ (fn);
}

/**
 * Defines the functions of `defs`; returns a promise while modules load, else null.
 * @param {unknown[]} defs
 * @returns {Promise<unknown> | null}
 */
function define(defs) {
  /** @type {Promise<unknown>[] | null} */
  let waits = null;
  for (let i = 0; i < defs.length; i += 4) {
    const key = /** @type {number} */ (defs[i]);
    const text = /** @type {string} */ (defs[i + 2]);
    const name = /** @type {string} */ (defs[i + 3]);
    /** @type {FunctionEntry} */
    const entry = { fn: null, source: null, name, error: undefined, usesThis: false, fastRuns: 0 };
    functions.set(key, entry);
    if (defs[i + 1] === BY_SOURCE) {
      entry.source = text;
      try {
        entry.fn = compile(text, name);
        entry.usesThis = usesThis(entry.fn);
      } catch (e) {
        entry.error = e;
      }
    } else {
      (waits ??= []).push(
        load(text, name).then(
          (fn) => {
            entry.fn = fn;
            entry.usesThis = usesThis(fn);
          },
          (e) => void (entry.error = e),
        ),
      );
    }
  }
  return waits === null ? null : Promise.all(waits);
}

/** @param {unknown[]} msg */
function handle(msg) {
  if (msg[1] !== 0) {
    const wait = define(/** @type {unknown[]} */ (msg[1]));
    msg[1] = 0;
    if (wait !== null) {
      backlog.unshift(msg);
      loading = wait.then(resume);
      return;
    }
  }
  runBatch(msg);
}

function resume() {
  loading = null;
  while (loading === null && backlog.length > 0) handle(/** @type {unknown[]} */ (backlog.shift()));
}

/**
 * @param {unknown[]} batch
 * @param {number} id
 */
function batchHolds(batch, id) {
  for (let i = 2; i < batch.length; i += 4) if (batch[i] === id) return true;
  return false;
}

/** @param {unknown[]} msg */
function onMessage(msg) {
  if (msg[0] === ABORT_JOB) {
    const id = /** @type {number} */ (msg[1]);
    const why = /** @type {number} */ (msg[2]);
    const context = contexts.get(id);
    if (context !== undefined) context.abort(why);
    // Else the job finished meanwhile, never asked for its signal, or has not started.
    else if (backlog.some((batch) => batchHolds(batch, id))) abortedEarly.set(id, why);
    return;
  }
  if (loading !== null) backlog.push(msg);
  else handle(msg);
}

/**
 * The worker is dying: tell the parent which jobs ran and what finished, then exit.
 * @param {unknown} error
 * @param {number} code
 * @returns {never}
 */
function die(error, code) {
  const running = [...pending.keys()];
  if (current >= 0) running.push(current);
  const record = error === null ? null : error instanceof Error ? serialize(error, 0) : serialize(new Error(String(error)), 0);
  const msg = [CRASH, code, record, running, ...out.slice(2)];
  try {
    if (port !== null) port.postMessage(msg);
    else writeSync(env.crashFd, v8Serialize(msg));
  } catch {
    // The parent then fails every job this worker had; nothing better can be done here.
  }
  return realExit(code);
}

/**
 * A thread's `process.stdout`/`process.stderr` writes become OUTPUT messages on the results'
 * channel (see the protocol above). The stream object stays Node's, so `isTTY`, `columns` and
 * listeners behave as before; only `write` is replaced.
 * @param {NodeJS.WriteStream} stream
 * @param {number} fd
 * @param {import("node:worker_threads").MessagePort} to
 */
function routeOutput(stream, fd, to) {
  /** @type {(chunk: unknown, encoding?: unknown, cb?: unknown) => boolean} */
  const write = (chunk, encoding, cb) => {
    if (typeof chunk !== "string" && !(chunk instanceof Uint8Array)) {
      throw new TypeError(`The "chunk" argument must be of type string or an instance of Buffer or Uint8Array, got ${typeof chunk}`);
    }
    const data = typeof chunk === "string" && typeof encoding === "string" ? Buffer.from(chunk, /** @type {BufferEncoding} */ (encoding)) : chunk;
    to.postMessage([OUTPUT, fd, data]);
    const done = typeof encoding === "function" ? encoding : cb;
    if (typeof done === "function") process.nextTick(done);
    return true;
  };
  stream.write = /** @type {NodeJS.WriteStream["write"]} */ (write);
}

/** The worker's own wiring: `process.exit`, uncaught errors, its output and its messages. */
function startWorker() {
  process.exit = /** @type {typeof process.exit} */ ((code) => die(null, code === undefined || code === null ? Number(process.exitCode ?? 0) : Number(code)));
  process.on("uncaughtException", (e) => die(e, 1));
  if (port !== null) {
    routeOutput(process.stdout, 1, port);
    routeOutput(process.stderr, 2, port);
    port.on("message", onMessage);
  } else {
    process.on("message", /** @type {(m: unknown) => void} */ (onMessage));
    process.on("disconnect", () => realExit(0));
  }
}

if (workerData?.control !== true) startWorker();
