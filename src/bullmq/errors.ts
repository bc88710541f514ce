/**
 * A job's error as it crosses Redis, both ways: the worker shapes what BullMQ stores, the executor
 * rebuilds an Error from it, with the class name, message and worker's stack, as the local pools do.
 *
 * BullMQ stores a failed job's `err.message` as `failedReason` and `err.stack` in its
 * `stacktrace` list. Both are kept as they are, so dashboards show the real error; only the
 * stack's first line is made to name the error as Python would show it: `MyError: boom` for
 * `class MyError extends Error {}`, whose own stack says `Error: boom`. The executor reads the
 * name back from that line and rebuilds the error as the builtin or asyncio-ts class of that name,
 * else as an `Error` whose `name` is it. Own fields (`code`, ...) and `cause` do not cross (a
 * difference from the local pools: docs/differences.md).
 */

import { BrokenExecutorError, _rebuildError } from "asyncio-ts";

/** Where a stack's frames start, after its header (which may span lines). */
const FRAMES = "\n    at ";

/**
 * The worker's side: `thrown` as BullMQ should store it. An Error keeps its message and stack,
 * with the header naming its class; anything else thrown becomes an Error with its text.
 */
export function toStoredError(thrown: unknown): Error {
  if (!(thrown instanceof Error)) {
    const e = new Error(describeThrown(thrown));
    e.stack = `Error: ${e.message}${FRAMES}<a value thrown by the job, not an Error>`;
    return e;
  }
  const name = errorName(thrown);
  const message = String(thrown.message);
  const stack = typeof thrown.stack === "string" ? thrown.stack : "";
  const at = stack.indexOf(FRAMES);
  const head = message === "" ? name : `${name}: ${message}`;
  try {
    thrown.stack = head + (at >= 0 ? stack.slice(at) : "");
  } catch {
    // A frozen error: BullMQ stores its stack as it is, and the executor names it "Error".
  }
  return thrown;
}

/** The name Python would show: `error.name`, or the class's name when `name` was left as "Error". */
function errorName(e: Error): string {
  const name = String(e.name);
  const cls = e.constructor?.name;
  return name === "Error" && typeof cls === "string" && cls !== "" && cls !== "Error" ? cls : name;
}

function describeThrown(x: unknown): string {
  if (typeof x === "string") return x;
  try {
    return `the job threw ${JSON.stringify(x) ?? String(x)}, not an Error`;
  } catch {
    return `the job threw ${String(x)}, not an Error`;
  }
}

/**
 * The executor's side: the Error a failed job's future gets, from BullMQ's `failedReason` and
 * the last entry of its `stacktrace`. A failure with no stack did not come from the job but from
 * BullMQ itself (a job that stalled too often, one started too many times): that is a
 * `BrokenExecutorError` saying so.
 */
export function reviveStoredError(failedReason: string | undefined, stacktrace: readonly string[] | undefined, jobId: string): Error {
  const message = failedReason ?? "";
  const stack = stacktrace !== undefined && stacktrace.length > 0 ? stacktrace[stacktrace.length - 1] : undefined;
  if (stack === undefined || stack === null) {
    return new BrokenExecutorError(
      `BullMQExecutor: job ${jobId} failed in BullMQ, not in its function: ${message}` +
        (/stalled/.test(message) ? " (its worker stopped renewing the job's lock, killed or blocked, more often than the workers' maxStalledCount allows)" : ""),
    );
  }
  const at = stack.indexOf(FRAMES);
  const head = at >= 0 ? stack.slice(0, at) : stack;
  let name = "Error";
  if (message === "") name = head;
  else if (head.endsWith(`: ${message}`)) name = head.slice(0, -(message.length + 2));
  return _rebuildError(name, name, message, stack);
}
