/**
 * What a pool can run, and how it travels to a worker: `workerFunction` (a reference to an
 * exported function of a module) and self-contained functions shipped by their source text.
 *
 * A worker is another JavaScript realm: it shares no variables with the parent. So a function
 * crosses either as a module reference (`workerFunction(new URL("./jobs.ts", import.meta.url),
 * "resize")`), which the worker imports, or as its source (`pool.submit((x) => x + 1, 41)`),
 * which the worker compiles; such a function may use only its parameters and globals.
 *
 * A job may read its cancellation signal: the worker calls it with `this` bound to a
 * {@link JobContext}, whose `signal` aborts when the job's future is cancelled or its timeout
 * passes (bootstrap.js). A job that does not want it ignores `this`; an arrow function has none.
 * `withJobOptions(fn, { timeout })` gives one job a timeout, counted from its start.
 *
 * Each distinct function gets a small record with a numeric key once (looked up by identity,
 * then by source text, so an inline arrow recreated in a loop is compiled once); a worker is
 * sent the record the first time it needs it, and every job after that carries only the key.
 */

import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { ValueError } from "../exceptions.ts";
import { checkOptions } from "../options.ts";

/** @internal How a record reaches the worker: by source text, or by module URL and export name. */
export const BY_SOURCE = 0;
/** @internal */
export const BY_MODULE = 1;

/** @internal What a worker needs to find a function: sent once per worker. */
export interface FunctionRecord {
  readonly key: number;
  readonly kind: typeof BY_SOURCE | typeof BY_MODULE;
  /** The source text, or the module URL. */
  readonly text: string;
  /** The export name (BY_MODULE), or the function's name (BY_SOURCE), for messages. */
  readonly name: string;
}

let nextKey = 1;

/**
 * What `this` is inside a job run by a pool (asyncio-ts's own; Python cannot stop a running job).
 * `signal` aborts when the job's future is cancelled (reason: a `DOMException` named
 * "AbortError") or the job runs past its timeout ("TimeoutError"). A job that blocks its thread
 * sees the abort at once through `signal.aborted` and `signal.throwIfAborted()`, which read memory
 * the parent writes; the `abort` event fires once the job lets its worker's event loop run.
 * Declare `this: JobContext` in a `function` (arrow functions have no `this`).
 * @example
 * function countPrimes(this: JobContext, limit: number): number {
 *   let count = 0;
 *   for (let n = 2; n < limit; n++) {
 *     if (n % 10_000 === 0) this.signal.throwIfAborted(); // stop soon after a cancel
 *     let prime = true;
 *     for (let d = 2; d * d <= n; d++) if (n % d === 0) { prime = false; break; }
 *     if (prime) count++;
 *   }
 *   return count;
 * }
 * const count = yield* toThread(countPrimes, 1_000_000);
 */
export interface JobContext {
  /** Aborts when the job should stop: its future was cancelled, or its timeout passed. */
  readonly signal: AbortSignal;
}

/** A function as a job: self-contained, or a module reference. */
export type JobFunction<A extends unknown[], R> = ((this: JobContext, ...args: A) => R) | WorkerFunction<A, R>;

/** Options of {@link withJobOptions}. */
export interface JobOptions {
  /**
   * Seconds the job may run, counted from the moment a worker starts it (not from submit); past
   * it the job's future fails with `TimeoutError`, its signal aborts, and its worker is replaced if
   * the job has not stopped within the pool's `cancelGrace`. `null`: no limit.
   * @default the pool's `jobTimeout`
   */
  timeout?: number | null;
}

/**
 * A function with per-job options, made by {@link withJobOptions}; submit it as the function.
 * @example
 * const limited = withJobOptions(fib, { timeout: 2 });
 * limited.timeout; // 2
 */
export class JobSpec<A extends unknown[] = unknown[], R = unknown> {
  /** @internal Use {@link withJobOptions}. */
  constructor(
    /** The function the job runs. */
    readonly fn: JobFunction<A, R>,
    /** Its timeout in seconds, null for none, or undefined for the pool's. */
    readonly timeout: number | null | undefined,
  ) {
    Object.freeze(this);
  }
}

/**
 * `fn` with options for each job it runs: `pool.submit(withJobOptions(fn, { timeout: 2 }), ...args)`,
 * and the same for `map`, `loop.runInExecutor` and `toThread` (asyncio-ts's own: Python has no
 * per-job timeout). The timeout counts from the job's start, so time spent queued is not counted.
 * @param fn a self-contained function or a `workerFunction`.
 * @param options.timeout seconds from the job's start; `null` for none. @default the pool's `jobTimeout`
 * @throws ValueError when `timeout` is not a positive number of seconds or null; TypeError for an
 *   unknown option.
 * @example
 * try {
 *   yield* toThread(withJobOptions(crunch, { timeout: 2 }), data);
 * } catch (e) {
 *   if (e instanceof TimeoutError) console.log("crunch took over 2 s and was stopped");
 * }
 */
export function withJobOptions<A extends unknown[], R>(fn: JobFunction<A, R>, options: JobOptions): JobSpec<A, R> {
  checkOptions(options, JOB_OPTION_KEYS, "withJobOptions()");
  if ((fn as unknown) instanceof JobSpec) throw new TypeError("withJobOptions() got a function that already has job options: pass the plain function");
  functionRecord(fn);
  const timeout = options.timeout;
  if (timeout !== undefined && timeout !== null) checkSeconds(timeout, "timeout");
  return new JobSpec(fn, timeout);
}

const JOB_OPTION_KEYS = ["timeout"] as const;

/** @internal Checks a duration in seconds of the pools' options. @throws ValueError */
export function checkSeconds(value: unknown, name: string, allowZero = false): number {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0 || (value === 0 && !allowZero) || value === Infinity) {
    throw new ValueError(`\`${name}\` must be a ${allowZero ? "non-negative" : "positive"} finite number of seconds, got ${describeValue(value)}`);
  }
  return value;
}

const brand = Symbol("asyncio-ts.WorkerFunction");

/**
 * A reference to an exported function of a module, run by a pool's worker (asyncio-ts's own:
 * Python pickles functions by name). Made by {@link workerFunction}; the type parameters carry
 * the function's signature to `submit`.
 * @example
 * const resize = workerFunction<typeof import("./images.ts").resize>(new URL("./images.ts", import.meta.url), "resize");
 * resize.name; // "resize"
 * const fut = pool.submit(resize, "photo.jpg", 800);
 */
export class WorkerFunction<A extends unknown[] = unknown[], R = unknown> implements FunctionRecord {
  readonly key = nextKey++;
  readonly kind = BY_MODULE;
  /** @internal */ declare readonly [brand]: (...args: A) => R;

  /** Use {@link workerFunction}. */
  constructor(
    /** The module's URL (`file:`, `data:`, or a bare package name). */
    readonly text: string,
    /** The name of the exported function. */
    readonly name: string,
  ) {
    Object.freeze(this);
  }

  /** The module URL (an alias of `text`). */
  get moduleUrl(): string {
    return this.text;
  }

  toString(): string {
    return `<WorkerFunction ${this.name} from ${this.text}>`;
  }
}

/**
 * Names an exported function of a module for a pool's worker to import and call: what real code
 * submits, since such a function may use its module's imports (a function shipped by its source
 * may not). Give the type of the function to check the arguments and result of `submit`.
 *
 * @param moduleUrl The module: `new URL("./jobs.ts", import.meta.url)`, a `file:` URL string, an
 *   absolute path, or a package name. TypeScript modules load when the parent runs under tsx.
 * @param exportName The name the function is exported as.
 * @returns A reference to pass to `submit`, `map`, `runInExecutor` or `toThread`.
 * @throws ValueError for a relative path (it would resolve against the worker, not your module).
 * @example
 * // jobs.ts: export function fib(n: number): number { ... }
 * const fib = workerFunction<typeof import("./jobs.ts").fib>(new URL("./jobs.ts", import.meta.url), "fib");
 * const value = yield* toThread(fib, 30);
 */
export function workerFunction<F extends (...args: any[]) => unknown>(moduleUrl: string | URL, exportName: string): WorkerFunction<Parameters<F>, ReturnType<F>> {
  if (typeof exportName !== "string" || exportName === "") {
    throw new TypeError(`workerFunction() needs the name of an exported function, got ${String(exportName)}`);
  }
  return new WorkerFunction(normalizeModuleUrl(moduleUrl), exportName);
}

function normalizeModuleUrl(moduleUrl: string | URL): string {
  if (moduleUrl instanceof URL) return moduleUrl.href;
  if (typeof moduleUrl !== "string") throw new TypeError(`workerFunction() needs a module URL or path, got ${String(moduleUrl)}`);
  if (isAbsolute(moduleUrl)) return pathToFileURL(moduleUrl).href;
  if (moduleUrl.startsWith("./") || moduleUrl.startsWith("../")) {
    throw new ValueError(
      `workerFunction() got the relative path ${JSON.stringify(moduleUrl)}: pass new URL(${JSON.stringify(moduleUrl)}, import.meta.url) so it resolves against your module`,
    );
  }
  return moduleUrl;
}

/** True for a function the pool would run as a module reference. */
export function isWorkerFunction(fn: unknown): fn is WorkerFunction {
  return fn instanceof WorkerFunction;
}

const bySource = new WeakMap<Function, FunctionRecord>();
const byText = new Map<string, FunctionRecord>();
/** Past this many distinct sources, the text cache is dropped (a program that generates functions). */
const TEXT_CACHE_LIMIT = 4096;

/**
 * The record of `fn` (compiled once here to find syntax errors early).
 * @throws TypeError when `fn` is not something a worker can run.
 */
export function functionRecord(fn: unknown): FunctionRecord {
  if (fn instanceof WorkerFunction) return fn;
  if (typeof fn !== "function") {
    throw new TypeError(`submit() needs a function or a workerFunction(moduleUrl, exportName), got ${describeValue(fn)}`);
  }
  let record = bySource.get(fn);
  if (record !== undefined) return record;
  const text = Function.prototype.toString.call(fn);
  record = byText.get(text);
  if (record === undefined) {
    record = { key: nextKey++, kind: BY_SOURCE, text: checkShippable(fn, text), name: fn.name || "<anonymous>" };
    if (byText.size >= TEXT_CACHE_LIMIT) byText.clear();
    byText.set(text, record);
  }
  bySource.set(fn, record);
  return record;
}

/** Refuses what cannot be rebuilt from its source; returns the source as the worker compiles it. */
function checkShippable(fn: Function, text: string): string {
  const name = fn.name || "<anonymous>";
  const useModule = "export it from a module and submit workerFunction(moduleUrl, exportName)";
  const kind = fn.constructor?.name;
  if (kind === "GeneratorFunction" || kind === "AsyncGeneratorFunction") {
    throw new TypeError(`${name}() is a generator function (a coroutine): it cannot run in an executor; submit a plain or async function`);
  }
  if (/\{\s*\[native code\]\s*\}\s*$/.test(text)) {
    throw new TypeError(`${name}() is a native or bound function, which cannot be shipped to a worker by its source; ${useModule}`);
  }
  if (/^class\b/.test(text)) throw new TypeError(`${name} is a class, not a function a worker can call; ${useModule}`);
  try {
    new Function(`return (${text}\n);`);
    return text;
  } catch {
    // A method (`{ run(x) { ... } }.run`) prints as `run(x) { ... }`: wrap it in an object literal.
  }
  const method = `({${text}\n})[${JSON.stringify(fn.name)}]`;
  try {
    new Function(`return ${method};`);
    return method;
  } catch (e) {
    throw new TypeError(`${name}() cannot be rebuilt from its source in a worker (${(e as Error).message}); ${useModule}`);
  }
}

/**
 * Checks that `args` can cross to a worker (structured clone), so a bad argument fails `submit`
 * at once instead of the batch it would travel in. Primitives, the usual case, cost nothing.
 * @throws TypeError naming the argument and what could not be cloned.
 */
export function checkCloneable(args: readonly unknown[], what: string): void {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === null || (typeof arg !== "object" && typeof arg !== "function" && typeof arg !== "symbol")) continue;
    try {
      structuredClone(arg);
    } catch (e) {
      throw new TypeError(
        `${what}: argument ${i} (${describeValue(arg)}) cannot be sent to a worker: ${(e as Error).message} ` +
          "(arguments cross by structured clone: pass data, not functions, symbols or class instances with methods)",
      );
    }
  }
}

/** A short description of a value for an error message. */
export function describeValue(x: unknown): string {
  if (typeof x === "function") return `function ${x.name || "<anonymous>"}`;
  if (typeof x === "symbol") return x.toString();
  if (typeof x === "string") return JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x);
  if (x === null || typeof x !== "object") return String(x);
  return x.constructor?.name ? `a ${x.constructor.name}` : "an object";
}
