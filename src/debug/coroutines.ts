/**
 * What debug mode records about tasks and what can be read off a generator (CPython: the
 * `_source_traceback` of futures and tasks, `coroutines._format_coroutine`), for reprs, call
 * graphs (graph.ts) and `npx asyncio-ts ps`.
 *
 * A generator object does not know which function made it, nor where it is suspended, and
 * JavaScript has no `cr_frame` or `cr_await` to ask. Two sources make up for it:
 * - In debug mode, the stack of every suspension: the iterator a task yields through calls
 *   `hooks.onSuspend` (core/hooks.ts), which captures the stack there, with every coroutine frame
 *   of the task on it, and keeps it until the task's next step. And where each task was created.
 * - Always, V8's inspector, opened in this very thread (`node:inspector`'s `Session`, whose
 *   replies come back synchronously): it tells a generator's function, state and the line it is
 *   suspended at, though only for the task's own coroutine, not for the ones it delegates to with
 *   `yield*`. It costs a fraction of a millisecond per generator, so it is only asked when a repr
 *   in debug mode or a call graph needs it.
 */

import { hostModule } from "../core/host.ts";
import { hooks } from "../core/hooks.ts";
import { runningScheduler } from "../core/scheduler.ts";
import { _watchUnawaited } from "./unawaited.ts";
import { captureStack, describePlace, displayPath, isLibraryFrame, parseStack, runningFrames, suspendedFrames, type FrameInfo, type StackHolder } from "./frames.ts";

/** What this module needs of a loop. */
interface DebugLoop {
  getDebug(): boolean;
  readonly _currentTask: object | null;
}

/** What this module needs of a task. */
export interface TaskLike {
  readonly _coro: object;
  readonly _loop: { readonly _currentTask: object | null };
  done(): boolean;
}

/** Debug mode: the stack each task last suspended with, until its next step. */
const suspensions = new WeakMap<object, StackHolder>();
/** Debug mode: where each task was created. */
const creations = new WeakMap<object, StackHolder>();

/** How many frames a task's creation keeps: enough to reach the user's code through ours. */
const CREATION_FRAMES = 40;

function onSuspend(hide: Function): void {
  const loop = runningScheduler() as unknown as DebugLoop | null;
  if (loop === null || !loop.getDebug()) return;
  const task = loop._currentTask;
  if (task !== null) suspensions.set(task, captureStack(hide));
}

/** Turns the suspension records on, for good: a loop in debug mode was made (events.ts). */
export function _enableDebugRecords(): void {
  hooks.onSuspend ??= onSuspend;
  _watchUnawaited();
}

/** Debug mode: records where `task` is being created; `hide` is its constructor. */
export function _noteCreation(task: object, hide: Function): void {
  creations.set(task, captureStack(hide, CREATION_FRAMES));
}

/** The text of the stack `task` was created with (debug mode), without the header line. */
export function _creationStackText(task: object): string | undefined {
  const holder = creations.get(task);
  if (holder === undefined) return undefined;
  const lines = (holder.stack ?? "").split("\n").filter((l) => /^\s*at /.test(l));
  // From the program's call on: asyncio-ts's own frames above it (createTask, the task factory) say nothing.
  const first = lines.findIndex((l) => {
    const f = parseStack(l)[0];
    return f !== undefined && !isLibraryFrame(f);
  });
  return lines.slice(first < 0 ? 0 : first).join("\n");
}

/** The frames `task` was created with (debug mode), the innermost first. */
export function _creationFrames(task: object): FrameInfo[] | undefined {
  const holder = creations.get(task);
  return holder === undefined ? undefined : parseStack(holder.stack ?? "");
}

/** Where `task` was created: the first frame outside asyncio-ts (debug mode). */
export function _creationPlace(task: object): FrameInfo | undefined {
  const frames = _creationFrames(task);
  return frames?.find((f) => !isLibraryFrame(f)) ?? frames?.[0];
}

/** A task's step begins: the stack it last suspended with no longer holds (events.ts, debug mode). */
export function _forgetSuspension(task: object): void {
  suspensions.delete(task);
}

/** The coroutine frames of a suspended task, the innermost first (debug mode), or undefined. */
export function _suspendedFrames(task: object): FrameInfo[] | undefined {
  const holder = suspensions.get(task);
  if (holder === undefined) return undefined;
  const frames = suspendedFrames(holder);
  return frames.length === 0 ? undefined : frames;
}

// -- what the inspector says of a generator ---------------------------------------------------

/** A place in a file. */
export interface Place {
  readonly fileName: string;
  readonly lineNumber: number;
  readonly columnNumber: number;
}

/** What V8 knows of a generator object. */
export interface GeneratorInfo {
  /** The generator function's name ("" for an anonymous one). */
  readonly name: string;
  readonly state: "suspended" | "running" | "closed";
  /** Where it is suspended (for one not started yet: the start of its function), when known. */
  readonly location: Place | null;
  /** Where its function is defined, when known. */
  readonly definedAt: Place | null;
}

interface InspectorSession {
  connect(): void;
  post(method: string, params: object | undefined, callback: (err: Error | null, result?: any) => void): void;
  on?(event: string, listener: (message: any) => void): void;
  off?(event: string, listener: (message: any) => void): void;
}

/** The global slot a generator is put in for a moment, so the inspector can get hold of it. */
const SLOT = "asyncio-ts.inspect";
const GROUP = "asyncio-ts";
let session: InspectorSession | null | undefined;
/** Script ids to their URLs, refreshed when an unknown id shows up. */
const scriptUrls = new Map<string, string>();

function getSession(): InspectorSession | null {
  if (session === undefined) {
    try {
      const { Session } = hostModule<{ Session: new () => InspectorSession }>("node:inspector")!;
      const s = new Session();
      s.connect();
      session = s;
    } catch {
      session = null; // Node built without the inspector, or another runtime
    }
  }
  return session;
}

/** Posts a message to the in-thread session, whose reply comes back before `post` returns. */
function post(s: InspectorSession, method: string, params?: object): any {
  let reply: { error: Error | null; result?: any } | null = null;
  s.post(method, params, (error, result) => {
    reply = { error, result };
  });
  const r = reply as { error: Error | null; result?: any } | null;
  if (r === null) throw new Error(`${method}: no synchronous reply`);
  if (r.error !== null) throw r.error;
  return r.result;
}

function internal(props: any, name: string): any {
  return (props.internalProperties as { name: string; value: any }[] | undefined)?.find((p) => p.name === name)?.value;
}

/**
 * What V8 knows of `gen` (a generator object), read through the inspector; null for anything else,
 * or where the inspector is not available.
 */
export function inspectGenerator(gen: object): GeneratorInfo | null {
  if (Object.prototype.toString.call(gen) !== "[object Generator]") return null;
  const s = getSession();
  if (s === null) return null;
  const g = globalThis as Record<symbol, unknown>;
  const slot = Symbol.for(SLOT);
  g[slot] = gen;
  try {
    const found = post(s, "Runtime.evaluate", { expression: `globalThis[Symbol.for(${JSON.stringify(SLOT)})]`, objectGroup: GROUP, silent: true });
    const props = post(s, "Runtime.getProperties", { objectId: found.result.objectId, ownProperties: true });
    const state = internal(props, "[[GeneratorState]]")?.value ?? "suspended";
    const location = internal(props, "[[GeneratorLocation]]")?.value;
    const fn = internal(props, "[[GeneratorFunction]]");
    let name = "";
    let definedAt: Place | null = null;
    if (fn?.objectId !== undefined) {
      const fnProps = post(s, "Runtime.getProperties", { objectId: fn.objectId, ownProperties: true });
      const nameProp = (fnProps.result as { name: string; value?: { value?: unknown } }[]).find((p) => p.name === "name");
      name = typeof nameProp?.value?.value === "string" ? nameProp.value.value : "";
      definedAt = place(internal(fnProps, "[[FunctionLocation]]")?.value);
    }
    return { name, state, location: state === "closed" ? null : place(location), definedAt };
  } catch {
    return null;
  } finally {
    delete g[slot];
    try {
      post(s, "Runtime.releaseObjectGroup", { objectGroup: GROUP });
    } catch {
      // nothing held
    }
  }
}

/** What this module uses of node:module's `SourceMap`. */
interface SourceMapLike {
  findEntry(line: number, column: number): unknown;
}

/** A location the inspector gave (a script id, 0-based line and column) as a place in the source. */
function place(loc: { scriptId: string; lineNumber: number; columnNumber: number } | undefined): Place | null {
  if (loc === undefined) return null;
  const url = scriptUrl(loc.scriptId);
  if (url === undefined || url === "") return null;
  const file = displayPath(url);
  let map;
  try {
    const findSourceMap = hostModule<{ findSourceMap(path: string): SourceMapLike | undefined }>("node:module")?.findSourceMap;
    map = findSourceMap === undefined ? undefined : (findSourceMap(file) ?? findSourceMap(url));
  } catch {
    map = undefined;
  }
  const entry = map?.findEntry(loc.lineNumber, loc.columnNumber) as { originalSource?: string; originalLine?: number; originalColumn?: number } | undefined;
  if (entry?.originalSource !== undefined && entry.originalLine !== undefined) {
    return { fileName: displayPath(entry.originalSource), lineNumber: entry.originalLine + 1, columnNumber: (entry.originalColumn ?? 0) + 1 };
  }
  return { fileName: file, lineNumber: loc.lineNumber + 1, columnNumber: loc.columnNumber + 1 };
}

/**
 * The URL of a script by its id. The Runtime domain has no call for it. Best-effort coverage lists
 * the scripts it has data for, with their ids and URLs, without turning anything on, in some tens
 * of milliseconds; a script it does not list (a module whose top level ran long ago) is found by
 * turning the Debugger domain on for a moment, which announces every script (`scriptParsed`),
 * and off again. Each is asked only for an id not seen yet.
 */
function scriptUrl(scriptId: string): string | undefined {
  const known = scriptUrls.get(scriptId);
  if (known !== undefined) return known;
  const s = getSession();
  if (s === null) return undefined;
  try {
    const coverage = post(s, "Profiler.getBestEffortCoverage");
    for (const script of coverage.result as { scriptId: string; url: string }[]) scriptUrls.set(script.scriptId, script.url);
  } catch {
    // on to the debugger
  }
  if (!scriptUrls.has(scriptId) && s.on !== undefined) {
    const onScript = (m: { params: { scriptId: string; url: string } }): void => void scriptUrls.set(m.params.scriptId, m.params.url);
    s.on("Debugger.scriptParsed", onScript);
    try {
      post(s, "Debugger.enable");
      post(s, "Debugger.disable");
    } catch {
      // not there either
    } finally {
      s.off?.("Debugger.scriptParsed", onScript);
    }
  }
  return scriptUrls.get(scriptId);
}

// -- a task's coroutine, described -------------------------------------------------------------

/**
 * How a coroutine object is called in a repr: `main()` for a generator of `main`, or what an
 * iterator of asyncio-ts calls itself (`sleep(10)`).
 */
function coroutineCall(coro: object, info: GeneratorInfo | null): string {
  if (info !== null) return `${info.name === "" ? "<anonymous>" : info.name}()`;
  const tag = (coro as { [Symbol.toStringTag]?: unknown })[Symbol.toStringTag];
  if (typeof tag === "string" && tag !== "Generator") return tag.endsWith(")") ? tag : `${tag}()`;
  return `${coro.constructor?.name ?? "<coroutine>"}()`;
}

/**
 * The `coro=<...>` part of a task's repr in debug mode (CPython's `_format_coroutine`):
 * `main() running at /app/main.ts:12`, `main() done, defined at /app/main.ts:3`.
 */
export function _describeCoroutine(task: TaskLike): string {
  if (!task.done()) {
    // The task running now (a repr made inside it, or by the watchdog while it is stuck): where it is now.
    const frames = task._loop._currentTask === task ? runningFrames(parseStack(captureStack(_describeCoroutine).stack ?? "")) : _suspendedFrames(task);
    const own = frames?.[frames.length - 1];
    if (own !== undefined) return `${own.functionName}() running at ${describePlace(own)}`;
  }
  const info = inspectGenerator(task._coro);
  const call = coroutineCall(task._coro, info);
  if (task.done() || info?.state === "closed") {
    return `${call} done${info?.definedAt ? `, defined at ${describePlace({ ...info.definedAt, functionName: call, isCoroutine: true })}` : ""}`;
  }
  const at = info?.location ?? null;
  return at === null ? call : `${call} running at ${describePlace({ ...at, functionName: call, isCoroutine: true })}`;
}

/**
 * The task's own coroutine as one frame, from the inspector: where it is suspended (CPython's
 * `cr_frame` of the task's coroutine). The frames it delegates to are not known this way.
 */
export function _inspectedFrame(task: TaskLike): FrameInfo | undefined {
  // A coroutine written by hand (`Queue.get()`'s) that handed over to a generator: that one's frame.
  const coro = task._coro as { _generator?: () => object | null };
  const info = inspectGenerator(coro._generator?.() ?? task._coro);
  if (info === null || info.state === "closed") return undefined;
  const at = info.location ?? { fileName: "", lineNumber: 0, columnNumber: 0 };
  return { functionName: info.name === "" ? "<anonymous>" : info.name, ...at, isCoroutine: true };
}
