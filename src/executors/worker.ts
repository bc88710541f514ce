/**
 * The parent's side of the worker protocol: the numbers of its messages, what an error looks like
 * as it crosses, where the bootstrap is and which Node options a worker starts with.
 *
 * The worker's side is bootstrap.js, a plain-JavaScript module file that every pool worker (a
 * thread or a child process) runs; its opening comment describes the messages. It repeats the
 * numbers below (it imports nothing of the package), and a test checks that they agree.
 */

import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/** @internal Message kinds and job statuses, shared with pool.ts (bootstrap.js repeats the numbers). */
export const RESULTS = 0;
/** @internal */ export const CRASH = 1;
/** @internal A thread's write to its stdout or stderr: `[OUTPUT, fd, chunk]`. */
export const OUTPUT = 2;
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

/** @internal What the bootstrap is told by the pool (`workerData` for a thread, argv[2] as JSON for a process). */
export interface WorkerEnv {
  /** True in a worker thread, false in a child process. */
  thread: boolean;
  /** The URL of tsx's `esm/api` when the parent runs under tsx, to load TypeScript modules. */
  tsxApi: string | null;
  /** The file descriptor of the crash pipe (child processes). */
  crashFd: number;
}

/**
 * @internal The worker's program, a module file beside this one, in src/ as in dist/. Written as
 * `new URL(literal, import.meta.url)`, the form bundlers recognise and copy as an asset.
 */
export const bootstrapUrl = new URL("./bootstrap.js", import.meta.url);

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
