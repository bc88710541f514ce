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
/** @internal A job with a timeout has started: `[STARTED, id]`. */
export const STARTED = 3;

/** @internal Parent to worker: a batch, `[RUN_JOBS, defs, id, key, word, args, ...]` (word: cell * 2 + wants STARTED). */
export const RUN_JOBS = 0;
/** @internal Parent to worker: abort a running job's signal, `[ABORT_JOB, id, why]`. */
export const ABORT_JOB = 1;
/** @internal Why a job's signal aborts: its future was cancelled, or its timeout passed. */
export const WHY_CANCEL = 0;
/** @internal */ export const WHY_TIMEOUT = 1;

/**
 * @internal A job's claim cell (one `Int32` of the worker's shared array, see pool.ts) holds
 * `ticket << TICKET_SHIFT | state`, the ticket being the job's id modulo 2^28. States: CLAIMED (the
 * worker started the job), REVOKED (the parent took it back first), CANCEL_ASKED and TIMEOUT_ASKED
 * (started, and its signal aborts). Any other value (0, or a previous job's) means not claimed.
 */
export const CLAIMED = 1;
/** @internal */ export const REVOKED = 2;
/** @internal */ export const CANCEL_ASKED = 3;
/** @internal */ export const TIMEOUT_ASKED = 4;
/** @internal */ export const TICKET_SHIFT = 3;
/** @internal The ticket of job `id`. */
export function ticketOf(id: number): number {
  return (id & 0x0fffffff) << TICKET_SHIFT;
}
/** @internal Cells per worker: a job's cell is free again once its result is in, and a worker holds at most two batches. */
export const CELLS = 2048;

/**
 * @internal The control channel of a child process (file descriptor `controlFd`), 32-bit words:
 * parent to child `[CTL_REVOKE, n, cell, id, ...]` (revoke these n jobs if not claimed) and
 * `[CTL_ABORT, why, cell, id]` (abort the job if claimed); child to parent `[CTL_REVOKED, n, cell...]`,
 * the cells it revoked, each revocation's list ending with -1.
 */
export const CTL_REVOKE = 1;
/** @internal */ export const CTL_ABORT = 2;
/** @internal */ export const CTL_REVOKED = 3;
/** @internal The value is the result. */
export const OK = 1;
/** @internal The value is a serialized Error (see `ErrorRecord`). */
export const ERROR = 0;
/** @internal The value is what the job threw, not an Error. */
export const THROWN = 2;
/** @internal The job was revoked and the worker passed over it; the value is its cell, free again. */
export const SKIPPED = 3;

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
  /** The file descriptor of the crash pipe (child processes), or -1. */
  crashFd: number;
  /** The file descriptor of the control channel (child processes), or -1. */
  controlFd: number;
  /** The claim cells, shared with the parent (threads); a child process makes its own. */
  cells: SharedArrayBuffer | null;
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

/** An option of `process.execArgv`: its name, its value if any, and the arguments it was written as. */
type ExecArg = [option: string, value: string | undefined, written: string[]];

/** Splits `process.execArgv` into options, each with its value and the arguments it was written as. */
function execArgvPairs(): ExecArg[] {
  const argv = process.execArgv;
  const pairs: ExecArg[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const eq = arg.indexOf("=");
    if (arg.startsWith("--") && eq > 0) pairs.push([arg.slice(0, eq), arg.slice(eq + 1), [arg]]);
    else if (VALUE_OPTIONS.has(arg) && i + 1 < argv.length) pairs.push([arg, argv[i + 1], [arg, argv[++i]!]]);
    else pairs.push([arg, undefined, [arg]]);
  }
  return pairs;
}

function isTsxLoader([option, value]: ExecArg): boolean {
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
 * Each is passed on as it was written: `--max-old-space-size=256` stays one argument (split in two,
 * Node would take `256` for the script and exit with "bad option").
 */
export function childExecArgv(): string[] {
  const out: string[] = [];
  for (const pair of execArgvPairs()) {
    if (NOT_INHERITED.test(pair[0]) || isTsxLoader(pair)) continue;
    out.push(...pair[2]);
  }
  return out;
}
