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
 * - parent to worker: `[defs, id, key, args, id, key, args, ...]`; `defs` is 0 or
 *   `[key, kind, text, name, ...]`, the functions this worker has not seen yet.
 * - worker to parent: `[RESULTS, busyMs, id, status, value, ...]`, posted once per batch for the
 *   jobs that finished synchronously and once per Node turn for async ones; `busyMs` is the time
 *   the jobs took, from which the parent sizes its next batches.
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
 * What the parent tells the worker (`WorkerEnv` in worker.ts) arrives as `workerData` in a thread
 * and as the JSON of the first argument in a child process.
 */

import { writeSync } from "node:fs";
import { serialize as v8Serialize } from "node:v8";
import { isMainThread, parentPort, workerData } from "node:worker_threads";

const RESULTS = 0, CRASH = 1, OUTPUT = 2;
const OK = 1, ERROR = 0, THROWN = 2;
const BY_SOURCE = 0;

/**
 * @typedef {{ thread: boolean, tsxApi: string | null, crashFd: number }} WorkerEnv
 * @typedef {{ name: string, cls: string, message: string, stack: string | undefined,
 *   props: Record<string, unknown>, cause?: ErrorRecord | { value: unknown },
 *   errors?: (ErrorRecord | { value: unknown })[] }} ErrorRecord
 * @typedef {(...args: unknown[]) => unknown} AnyFunction
 * @typedef {{ fn: AnyFunction | null, source: string | null, name: string, error: unknown }} FunctionEntry
 */

/** @type {WorkerEnv} */
const env = isMainThread ? JSON.parse(process.argv[2] ?? "{}") : workerData;
const port = isMainThread ? null : parentPort;
/** @type {(msg: unknown[]) => void} */
const send = port !== null ? (m) => port.postMessage(m) : (m) => void process.send?.(m);
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

/** @type {Map<number, FunctionEntry>} */
const functions = new Map();
/** Async jobs still running: id to start time (ms). @type {Map<number, number>} */
const pending = new Map();
/** @type {unknown[]} */
let out = [RESULTS, 0];
let busyMs = 0;
/** The job running synchronously right now, or -1. */
let current = -1;
let flushScheduled = false;
/** While modules load, later batches wait here, in order. @type {Promise<void> | null} */
let loading = null;
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
  busyMs += performance.now() - start;
  pushOutcome(id, entry, ok, value);
  if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flush);
  }
}

/** @param {unknown[]} msg */
function runBatch(msg) {
  const t0 = performance.now();
  for (let i = 1; i < msg.length; i += 3) {
    const id = /** @type {number} */ (msg[i]);
    const entry = /** @type {FunctionEntry} */ (functions.get(/** @type {number} */ (msg[i + 1])));
    current = id;
    try {
      if (entry.fn === null) throw entry.error;
      const r = entry.fn.apply(undefined, /** @type {unknown[]} */ (msg[i + 2]));
      if (r !== null && (typeof r === "object" || typeof r === "function") && typeof (/** @type {PromiseLike<unknown>} */ (r)).then === "function") {
        pending.set(id, performance.now());
        /** @type {PromiseLike<unknown>} */ (r).then(
          (v) => settleLater(id, entry, true, v),
          (e) => settleLater(id, entry, false, e),
        );
      } else {
        out.push(id, OK, r);
      }
    } catch (e) {
      pushOutcome(id, entry, false, e);
    }
  }
  current = -1;
  busyMs += performance.now() - t0;
  post();
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
    const entry = { fn: null, source: null, name, error: undefined };
    functions.set(key, entry);
    if (defs[i + 1] === BY_SOURCE) {
      entry.source = text;
      try {
        entry.fn = compile(text, name);
      } catch (e) {
        entry.error = e;
      }
    } else {
      (waits ??= []).push(
        load(text, name).then(
          (fn) => void (entry.fn = fn),
          (e) => void (entry.error = e),
        ),
      );
    }
  }
  return waits === null ? null : Promise.all(waits);
}

/** @param {unknown[]} msg */
function handle(msg) {
  if (msg[0] !== 0) {
    const wait = define(/** @type {unknown[]} */ (msg[0]));
    msg[0] = 0;
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

/** @param {unknown[]} msg */
function onMessage(msg) {
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
