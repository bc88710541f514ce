/**
 * The worker bootstrap: the program every pool worker (a thread or a child process) runs.
 *
 * It is one self-contained function, `workerMain`, that the pools start by its source text
 * (`new Worker(source, { eval: true })`, `node -e source`), not a module file. Why: on Node 20 a
 * worker does not inherit the parent's TypeScript loader (tsx registers its hooks per thread), so
 * a `.ts` entry would not load; and a plain-JavaScript entry starts in tens of milliseconds where
 * loading tsx in every worker costs hundreds. The worker registers tsx itself, once, only when a
 * job names a TypeScript module and the parent runs under tsx. So `workerMain` may use only its
 * parameters and globals, like any function shipped by its source.
 *
 * The protocol (flat arrays, so a batch is one structured clone with no per-job objects):
 * - parent to worker: `[defs, id, key, args, id, key, args, ...]`; `defs` is 0 or
 *   `[key, kind, text, name, ...]`, the functions this worker has not seen yet.
 * - worker to parent: `[RESULTS, busyMs, id, status, value, ...]`, posted once per batch for the
 *   jobs that finished synchronously and once per Node turn for async ones; `busyMs` is the time
 *   the jobs took, from which the parent sizes its next batches.
 * - when the worker dies (`process.exit()` in a job, an uncaught error): `[CRASH, exitCode,
 *   error, runningIds, id, status, value, ...]`, with the results not yet posted, so the parent
 *   fails only the jobs that were running and re-queues those that never started. A thread posts it
 *   (Node delivers a dead worker's messages before its `exit` event); a child process writes it
 *   synchronously to a pipe on file descriptor 4, since IPC messages sent just before an exit can be lost.
 */

import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/** @internal Message kinds and job statuses, shared with pool.ts (workerMain repeats the numbers). */
export const RESULTS = 0;
/** @internal */ export const CRASH = 1;
/** @internal The value is the result. */
export const OK = 1;
/** @internal The value is a serialized Error (see `ErrorRecord`). */
export const ERROR = 0;
/** @internal The value is what the job threw, not an Error. */
export const THROWN = 2;

/** @internal An Error as it crosses from the worker: structured clone keeps neither its class nor its own fields. */
export interface ErrorRecord {
  /** `error.name`. */
  name: string;
  /** The class (`error.constructor.name`). */
  cls: string;
  message: string;
  stack: string | undefined;
  /** Own enumerable fields with primitive values (`code`, `errno`, ...). */
  props: Record<string, unknown>;
  cause?: ErrorRecord | { value: unknown };
  errors?: (ErrorRecord | { value: unknown })[];
}

/** @internal What the bootstrap is told by the pool. */
export interface WorkerEnv {
  /** True in a worker thread, false in a child process. */
  thread: boolean;
  /** The URL of tsx's `esm/api` when the parent runs under tsx, to load TypeScript modules. */
  tsxApi: string | null;
  /** The file descriptor of the crash pipe (child processes). */
  crashFd: number;
}

/** @internal The source a pool starts a worker with. */
export function workerSource(env: WorkerEnv): string {
  // esbuild (tsx) compiles named inner functions with calls to a `__name` helper it defines at the
  // top of each module; a function shipped by its source needs it too.
  const nameHelper =
    'if (typeof globalThis.__name !== "function") Object.defineProperty(globalThis, "__name", { configurable: true, writable: true, ' +
    'value: (target, value) => Object.defineProperty(target, "name", { value, configurable: true }) });';
  return `"use strict";\n${nameHelper}\n(${workerMain.toString()})(require, ${JSON.stringify(env)});\n`;
}

interface FunctionEntry {
  fn: ((...args: unknown[]) => unknown) | null;
  /** The source text for a function shipped by its source (to explain a ReferenceError), else null. */
  source: string | null;
  name: string;
  error: unknown;
}

/**
 * The worker's program. Self-contained: it runs from its source text in a fresh realm.
 * @internal
 */
export function workerMain(req: NodeJS.Require, env: WorkerEnv): void {
  const RESULTS = 0, CRASH = 1, OK = 1, ERROR = 0, THROWN = 2, BY_SOURCE = 0;
  const port: import("node:worker_threads").MessagePort | null = env.thread ? req("node:worker_threads").parentPort : null;
  const send: (msg: unknown[]) => void = port !== null ? (m) => port.postMessage(m) : (m) => void process.send!(m);
  const realExit = process.exit.bind(process);

  const functions = new Map<number, FunctionEntry>();
  /** Async jobs still running: id to start time (ms). */
  const pending = new Map<number, number>();
  let out: unknown[] = [RESULTS, 0];
  let busyMs = 0;
  /** The job running synchronously right now, or -1. */
  let current = -1;
  let flushScheduled = false;
  /** While modules load, later batches wait here, in order. */
  let loading: Promise<void> | null = null;
  const backlog: unknown[][] = [];
  let tsxReady: Promise<void> | null = null;

  function serialize(e: Error, depth: number): ErrorRecord {
    const props: Record<string, unknown> = {};
    for (const key of Object.keys(e)) {
      const v = (e as unknown as Record<string, unknown>)[key];
      if (v === null || (typeof v !== "object" && typeof v !== "function" && typeof v !== "symbol")) props[key] = v;
    }
    const rec: ErrorRecord = { name: String(e.name), cls: e.constructor?.name ?? "Error", message: String(e.message), stack: e.stack, props };
    const wrap = (x: unknown): ErrorRecord | { value: unknown } =>
      x instanceof Error && depth < 4 ? serialize(x, depth + 1) : { value: typeof x === "object" && x !== null ? String(x) : x };
    if ("cause" in e && e.cause !== undefined) rec.cause = wrap(e.cause);
    if (e instanceof AggregateError && Array.isArray(e.errors)) rec.errors = e.errors.map(wrap);
    return rec;
  }

  /** A ReferenceError from a function shipped by its source most likely means it closed over a variable. */
  function explain(e: unknown, entry: FunctionEntry): unknown {
    if (!(e instanceof ReferenceError) || entry.source === null) return e;
    const m = /^([\w$]+) is not defined$/.exec(e.message);
    if (m === null) return e;
    const name = m[1]!;
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

  function pushOutcome(id: number, entry: FunctionEntry, ok: boolean, value: unknown): void {
    if (ok) {
      out.push(id, OK, value);
      return;
    }
    const e = explain(value, entry);
    if (e instanceof Error) out.push(id, ERROR, serialize(e, 0));
    else out.push(id, THROWN, e);
  }

  function post(): void {
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
            `the job's ${what} cannot be sent back from the worker: ${(e as Error).message} ` +
              "(results cross by structured clone: return data, not functions, symbols or class instances with methods)",
          );
          send([RESULTS, 0, msg[i], ERROR, serialize(err, 0)]);
        }
      }
    }
  }

  function flush(): void {
    flushScheduled = false;
    post();
  }

  function settleLater(id: number, entry: FunctionEntry, ok: boolean, value: unknown): void {
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

  function runBatch(msg: unknown[]): void {
    const t0 = performance.now();
    for (let i = 1; i < msg.length; i += 3) {
      const id = msg[i] as number;
      const entry = functions.get(msg[i + 1] as number)!;
      current = id;
      try {
        if (entry.fn === null) throw entry.error;
        const r = entry.fn.apply(undefined, msg[i + 2] as unknown[]);
        if (r !== null && (typeof r === "object" || typeof r === "function") && typeof (r as PromiseLike<unknown>).then === "function") {
          pending.set(id, performance.now());
          (r as PromiseLike<unknown>).then(
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

  function compile(text: string, name: string): (...args: unknown[]) => unknown {
    const sourceUrl = `worker-function:${name.replace(/[^\w$.-]/g, "_")}`;
    return (0, eval)(`(${text}\n)\n//# sourceURL=${sourceUrl}`) as (...args: unknown[]) => unknown;
  }

  async function load(url: string, name: string): Promise<(...args: unknown[]) => unknown> {
    const typescript = /\.[mc]?tsx?$/.test(url.split(/[?#]/)[0]!);
    if (typescript && env.tsxApi !== null) {
      tsxReady ??= import(env.tsxApi).then((api: { register(): unknown }) => void api.register());
      await tsxReady;
    }
    let mod: Record<string, unknown>;
    try {
      mod = (await import(url)) as Record<string, unknown>;
    } catch (e) {
      if (typescript && (e as { code?: string }).code === "ERR_UNKNOWN_FILE_EXTENSION") {
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
    return fn as (...args: unknown[]) => unknown;
  }

  /** Defines the functions of `defs`; returns a promise while modules load, else null. */
  function define(defs: unknown[]): Promise<unknown> | null {
    let waits: Promise<unknown>[] | null = null;
    for (let i = 0; i < defs.length; i += 4) {
      const key = defs[i] as number;
      const text = defs[i + 2] as string;
      const name = defs[i + 3] as string;
      const entry: FunctionEntry = { fn: null, source: null, name, error: undefined };
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
            (e: unknown) => void (entry.error = e),
          ),
        );
      }
    }
    return waits === null ? null : Promise.all(waits);
  }

  function handle(msg: unknown[]): void {
    if (msg[0] !== 0) {
      const wait = define(msg[0] as unknown[]);
      msg[0] = 0;
      if (wait !== null) {
        backlog.unshift(msg);
        loading = wait.then(resume);
        return;
      }
    }
    runBatch(msg);
  }

  function resume(): void {
    loading = null;
    while (loading === null && backlog.length > 0) handle(backlog.shift()!);
  }

  function onMessage(msg: unknown[]): void {
    if (loading !== null) backlog.push(msg);
    else handle(msg);
  }

  /** The worker is dying: tell the parent which jobs ran and what finished, then exit. */
  function die(error: unknown, code: number): never {
    const running = [...pending.keys()];
    if (current >= 0) running.push(current);
    const record = error === null ? null : error instanceof Error ? serialize(error, 0) : serialize(new Error(String(error)), 0);
    const msg = [CRASH, code, record, running, ...out.slice(2)];
    try {
      if (port !== null) {
        port.postMessage(msg);
      } else {
        req("node:fs").writeSync(env.crashFd, req("node:v8").serialize(msg));
      }
    } catch {
      // The parent then fails every job this worker had; nothing better can be done here.
    }
    return realExit(code);
  }

  process.exit = ((code?: number | string | null) => die(null, code === undefined || code === null ? Number(process.exitCode ?? 0) : Number(code))) as typeof process.exit;
  process.on("uncaughtException", (e) => die(e, 1));
  if (port !== null) {
    port.on("message", onMessage);
  } else {
    process.on("message", onMessage as (m: unknown) => void);
    process.on("disconnect", () => realExit(0));
  }
}

// -- for the parent: what a worker needs to start ------------------------------------------------

/** Node options that take their value as the next argument. */
const VALUE_OPTIONS = new Set([
  "--import", "--require", "-r", "--loader", "--experimental-loader", "--eval", "-e", "--print", "-p",
  "--test-reporter", "--test-reporter-destination", "--test-name-pattern", "--test-skip-pattern",
  "--test-concurrency", "--test-shard", "--watch-path", "--inspect-port", "--input-type",
]);
/** Options a worker must not inherit: they would make it a test runner, a watcher, a debuggee, or eval something else. */
const NOT_INHERITED = /^(--test|--watch|--inspect|--debug|--eval$|-e$|--print$|-p$|--check$|-c$|--interactive$|-i$|--input-type)/;
const LOADER_OPTIONS = /^(--import|--require|-r|--loader|--experimental-loader)$/;

/** Splits `process.execArgv` into [option, value?] pairs. */
function execArgvPairs(): [string, string | undefined][] {
  const argv = process.execArgv;
  const pairs: [string, string | undefined][] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) pairs.push([arg.slice(0, eq), arg.slice(eq + 1)]);
    else if (VALUE_OPTIONS.has(arg)) pairs.push([arg, argv[++i]]);
    else pairs.push([arg, undefined]);
  }
  return pairs;
}

function isTsxLoader([option, value]: [string, string | undefined]): boolean {
  return LOADER_OPTIONS.test(option) && value !== undefined && /(^|[\\/@])tsx([\\/]|$)/.test(value);
}

let tsxApi: string | null | undefined;

/**
 * @internal The URL of tsx's `esm/api` when the parent runs under tsx (`node --import tsx`, or the
 * tsx command), else null: a worker registers it to load TypeScript modules.
 */
export function tsxApiUrl(): string | null {
  if (tsxApi !== undefined) return tsxApi;
  tsxApi = null;
  if (!execArgvPairs().some(isTsxLoader)) return null;
  try {
    tsxApi = import.meta.resolve("tsx/esm/api");
  } catch {
    try {
      const require = createRequire(pathToFileURL(`${process.cwd()}/`).href);
      tsxApi = pathToFileURL(require.resolve("tsx/esm/api")).href;
    } catch {
      // tsx is not resolvable from here: TypeScript modules then fail to load with a clear error.
    }
  }
  return tsxApi;
}

/**
 * @internal The Node options of a child process: the parent's, minus those that would make it a
 * test runner, a watcher or a debuggee, and minus tsx (the worker loads it only when a job needs it).
 */
export function childExecArgv(): string[] {
  const out: string[] = [];
  for (const pair of execArgvPairs()) {
    const [option, value] = pair;
    if (NOT_INHERITED.test(option) || isTsxLoader(pair)) continue;
    out.push(option);
    if (value !== undefined) out.push(value);
  }
  return out;
}
