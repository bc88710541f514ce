/**
 * The async call graph (CPython 3.14: `asyncio/graph.py`): `captureCallGraph`, `formatCallGraph`,
 * `printCallGraph`, `FutureCallGraph`, `FrameCallGraphEntry`.
 *
 * A graph answers "what is this task doing, and who waits for it": a future or task, the call
 * stack of its coroutine, and, for each future or task awaiting it, that one's graph in turn.
 *
 * Who awaits whom comes from two places, as in CPython: a task waiting on a future with `yield*`
 * is among that future's done callbacks (so this costs the step nothing), and `gather`, `shield`,
 * `wait` and task groups record their children as awaited by the task that made them
 * (`futureAddToAwaitedBy`, futures.ts).
 *
 * Call stacks are the part JavaScript makes hard: a suspended generator has no frame one can walk.
 * - The running task's stack is the live one: its frames, from the caller of `captureCallGraph`
 *   down to the task's coroutine.
 * - A suspended task's stack is the one it suspended with, recorded in debug mode
 *   (debug/coroutines.ts): every coroutine frame it awaits through, as CPython's `cr_await` chain.
 * - Without debug mode, the inspector still tells where the task's own coroutine is suspended:
 *   the stack is then that one frame, without the coroutines it delegates to.
 */

import { hostModule, hostProcess } from "../core/host.ts";
import { _getRunningLoop, type EventLoop } from "./events.ts";
import { RuntimeError } from "../exceptions.ts";
import { Future, _awaitersOf, isFuture } from "./futures.ts";
import { Task } from "./tasks.ts";
import { _inspectedFrame, _suspendedFrames } from "../debug/coroutines.ts";
import { captureStack, parseStack, runningFrames, type FrameInfo } from "../debug/frames.ts";
import { _liveLoops } from "../debug/loops.ts";
import type { Snapshot, SnapshotFrame, SnapshotTask } from "../debug/tools.ts";

export type { FrameInfo } from "../debug/frames.ts";

/**
 * One frame of a call stack in a `FutureCallGraph` (`asyncio.FrameCallGraphEntry`). JavaScript has
 * no frame objects, so `frame` is a record of what V8's stack trace says of it.
 * @example
 * for (const { frame } of captureCallGraph()!.callStack) {
 *   console.log(`${frame.functionName} ${frame.fileName}:${frame.lineNumber}`);
 * }
 */
export class FrameCallGraphEntry {
  /** The frame: its function's name, file, line and column, and whether it is a coroutine's. */
  readonly frame: FrameInfo;

  constructor(frame: FrameInfo) {
    this.frame = Object.freeze({ ...frame });
    Object.freeze(this);
  }
}

/**
 * A future or task, its coroutine's call stack, and the graphs of those awaiting it
 * (`asyncio.FutureCallGraph`). Made by `captureCallGraph`; frozen.
 * @example
 * const graph = captureCallGraph(task)!;
 * graph.future === task; // true
 * graph.awaitedBy.map((g) => String(g.future)); // the tasks awaiting it
 */
export class FutureCallGraph {
  /** The future or task. */
  readonly future: Future<unknown>;
  /** The frames of its coroutine, the innermost first (empty for a future, or a task done). */
  readonly callStack: readonly FrameCallGraphEntry[];
  /** The graph of each future or task awaiting it. */
  readonly awaitedBy: readonly FutureCallGraph[];

  constructor(future: Future<unknown>, callStack: readonly FrameCallGraphEntry[], awaitedBy: readonly FutureCallGraph[]) {
    this.future = future;
    this.callStack = Object.freeze([...callStack]);
    this.awaitedBy = Object.freeze([...awaitedBy]);
    Object.freeze(this);
  }
}

/** Options of `captureCallGraph`, `formatCallGraph` and `printCallGraph`. */
export interface CallGraphOptions {
  /**
   * For the running task only: how many frames to skip from the top of its stack; 1 starts at the
   * caller of `captureCallGraph`. @default 1
   */
  depth?: number;
  /**
   * Keep at most `Math.abs(limit)` frames of each call stack: positive keeps those closest to the
   * start of the task (the outermost), negative the innermost; 0 captures no stack at all, only who
   * awaits whom. @default null, every frame
   */
  limit?: number | null;
}

const OPTION_KEYS = ["depth", "limit"];

function checkOptions(fn: string, options: object, extra: string[] = []): void {
  if (typeof options !== "object" || options === null) throw new TypeError(`${fn}(): options must be an object, got ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key) && !extra.includes(key)) {
      throw new TypeError(`${fn}(): unknown option \`${key}\` (the options are ${[...OPTION_KEYS, ...extra].join(", ")})`);
    }
  }
  const { depth, limit } = options as CallGraphOptions;
  if (depth !== undefined && (!Number.isInteger(depth) || depth < 1)) throw new TypeError(`${fn}(): \`depth\` must be an integer >= 1, got ${String(depth)}`);
  if (limit !== undefined && limit !== null && !Number.isInteger(limit)) throw new TypeError(`${fn}(): \`limit\` must be an integer or null, got ${String(limit)}`);
}

function notAFuture(x: unknown): TypeError {
  return new TypeError(`${String(x)} object does not appear to be compatible with asyncio.Future`);
}

/** Keeps the frames `limit` asks for, of a stack given the innermost first. */
function applyLimit(frames: FrameInfo[], limit: number | null): FrameInfo[] {
  if (limit === null) return frames;
  if (limit > 0) return frames.slice(-limit);
  return frames.slice(0, -limit);
}

/** The frames of a task that is not running now, the innermost first. */
function taskFrames(task: Task<unknown>): FrameInfo[] {
  if (task.done()) return [];
  const recorded = _suspendedFrames(task);
  if (recorded !== undefined) return recorded;
  const inspected = _inspectedFrame(task);
  return inspected === undefined ? [] : [inspected];
}

function buildGraph(fut: Future<unknown>, limit: number | null, path: Set<Future<unknown>>, live: Map<Future<unknown>, FrameInfo[]>): FutureCallGraph {
  if (!isFuture(fut)) throw notAFuture(fut);
  const frames = limit === 0 || !(fut instanceof Task) ? [] : (live.get(fut) ?? taskFrames(fut));
  path.add(fut);
  const awaitedBy: FutureCallGraph[] = [];
  // A cycle of tasks awaiting each other is a deadlock, but a legal state: it is cut where it closes.
  for (const parent of _awaitersOf(fut)) if (!path.has(parent)) awaitedBy.push(buildGraph(parent, limit, path, live));
  path.delete(fut);
  return new FutureCallGraph(fut, applyLimit(frames, limit).map((f) => new FrameCallGraphEntry(f)), awaitedBy);
}

/**
 * Captures the async call graph of the current task, or of `future` (`asyncio.capture_call_graph`,
 * 3.14): the task's call stack and, recursively, the graphs of whatever awaits it.
 *
 * A suspended task's stack lists every coroutine it awaits through in debug mode; without it, only
 * the task's own coroutine, at the line where it waits (see docs/guide.md, "Seeing inside a running
 * program").
 * @param future the future or task to look at. @default the current task
 * @returns the graph, or null when there is no current task (in a plain callback).
 * @throws RuntimeError outside of a running loop without `future`; TypeError when `future` is not a Future.
 * @example
 * const graph = captureCallGraph(task);
 * for (const parent of graph?.awaitedBy ?? []) console.log(String(parent.future));
 */
export function captureCallGraph(future?: Future<unknown> | null, options: CallGraphOptions = {}): FutureCallGraph | null {
  checkOptions("captureCallGraph", options);
  return capture(future ?? null, options.depth ?? 1, options.limit ?? null, captureCallGraph);
}

function capture(future: Future<unknown> | null, depth: number, limit: number | null, hide: Function): FutureCallGraph | null {
  const loop = _getRunningLoop();
  if (future !== null) {
    if (loop === null || future !== loop._currentTask) return buildGraph(future, limit, new Set(), new Map());
  } else {
    if (loop === null) {
      throw new RuntimeError("captureCallGraph() is called outside of a running event loop and no future to introspect was provided");
    }
    future = loop._currentTask;
  }
  if (future === null) return null; // a callback: no task to describe
  if (!isFuture(future)) throw notAFuture(future);
  // The running task: its live stack, from the caller (less `depth - 1` frames) down to its coroutine.
  const frames = limit === 0 ? [] : runningFrames(parseStack(captureStack(hide).stack ?? "").slice(depth - 1));
  return buildGraph(future, limit, new Set(), new Map([[future, frames]]));
}

/** The ids `formatCallGraph` shows, as CPython shows `id()`: made on first use, never reused. */
const ids = new WeakMap<object, number>();
let lastId = 0;

/** @internal The id of a future or task in graphs and in `ps`. */
export function _futureId(fut: object): number {
  let id = ids.get(fut);
  if (id === undefined) ids.set(fut, (id = ++lastId));
  return id;
}

/** Python's repr of a string, as CPython's output shows names and paths. */
function pyRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  const escaped = s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(new RegExp(quote, "g"), `\\${quote}`);
  return `${quote}${escaped}${quote}`;
}

function renderGraph(graph: FutureCallGraph, lines: string[], level: number): void {
  const indent = "    ".repeat(level);
  const fut = graph.future;
  const id = `0x${_futureId(fut).toString(16)}`;
  lines.push(indent + (fut instanceof Task ? `* Task(name=${pyRepr(fut.getName())}, id=${id})` : `* Future(id=${id})`));
  if (graph.callStack.length > 0) {
    lines.push(`${indent}  + Call stack:`);
    for (const { frame } of graph.callStack) {
      const file = pyRepr(frame.fileName === "" ? "<unknown>" : frame.fileName);
      lines.push(`${indent}  |   File ${file}, line ${frame.lineNumber}, in ${frame.isCoroutine ? "async " : ""}${frame.functionName}()`);
    }
  }
  if (graph.awaitedBy.length > 0) {
    lines.push(`${indent}  + Awaited by:`);
    for (const parent of graph.awaitedBy) renderGraph(parent, lines, level + 1);
  }
}

/**
 * The call graph of the current task, or of `future`, as text (`asyncio.format_call_graph`,
 * 3.14); "" when there is no current task. Options as `captureCallGraph`.
 * @example
 * console.log(formatCallGraph(task));
 * // * Task(name='fetch', id=0x2)
 * //   + Call stack:
 * //   |   File '/app/crawl.ts', line 12, in async fetch()
 * //   + Awaited by:
 * //       * Task(name='Task-1', id=0x1)
 * //         + Call stack:
 * //         |   File '/app/main.ts', line 30, in async main()
 */
export function formatCallGraph(future?: Future<unknown> | null, options: CallGraphOptions = {}): string {
  checkOptions("formatCallGraph", options);
  const graph = capture(future ?? null, options.depth ?? 1, options.limit ?? null, formatCallGraph);
  if (graph === null) return "";
  const lines: string[] = [];
  renderGraph(graph, lines, 0);
  return lines.join("\n");
}

/**
 * Prints the call graph of the current task, or of `future` (`asyncio.print_call_graph`, 3.14),
 * followed by a newline, to `options.file` (anything with a `write(text)`).
 * @param options.file where to write. @default process.stdout
 * @example printCallGraph(task, { file: process.stderr, limit: 5 });
 */
export function printCallGraph(
  future?: Future<unknown> | null,
  options: CallGraphOptions & { file?: { write(text: string): unknown } | null } = {},
): void {
  checkOptions("printCallGraph", options, ["file"]);
  const graph = capture(future ?? null, options.depth ?? 1, options.limit ?? null, printCallGraph);
  const lines: string[] = [];
  if (graph !== null) renderGraph(graph, lines, 0);
  // The process' stdout where there is one; a browser's console otherwise.
  const out = options.file ?? hostProcess()?.stdout;
  if (out !== undefined) out.write(`${lines.join("\n")}\n`);
  else console.log(lines.join("\n"));
}

// -- what `npx asyncio-ts ps PID` reads (debug/tools.ts draws it) --------------------------------

/** Frames as a snapshot carries them. */
function snapshotFrames(frames: FrameInfo[]): SnapshotFrame[] {
  return frames.map((f) => ({ functionName: f.functionName, fileName: f.fileName, lineNumber: f.lineNumber }));
}

/** The tasks awaiting `fut`, looking through the futures in between (a task awaits a gather, which awaits its children). */
function awaitingTasks(fut: Future<unknown>, seen = new Set<Future<unknown>>()): Task<unknown>[] {
  const out: Task<unknown>[] = [];
  for (const awaiter of _awaitersOf(fut)) {
    if (seen.has(awaiter)) continue;
    seen.add(awaiter);
    if (awaiter instanceof Task) out.push(awaiter);
    else out.push(...awaitingTasks(awaiter, seen));
  }
  return out;
}

/**
 * @internal Every pending task of every loop of this thread, with its stack and its awaiters', as
 * `ps` and `pstree` show them. `hide` is the function the inspector called: the running task's
 * live stack starts below it (and below the inspector's own script).
 */
export function _snapshot(hide: Function = _snapshot): Snapshot {
  const tasks: SnapshotTask[] = [];
  let live: FrameInfo[] | null = null;
  const framesOf = (task: Task<unknown>): FrameInfo[] => {
    if (task._loop._currentTask !== task) return taskFrames(task);
    if (live === null) {
      const frames = parseStack(captureStack(hide).stack ?? "");
      while (frames.length > 0 && (frames[0]!.fileName === "" || frames[0]!.fileName === "<anonymous>" || frames[0]!.fileName.startsWith("node:"))) frames.shift();
      live = runningFrames(frames);
    }
    return live;
  };
  for (const loop of _liveLoops() as EventLoop[]) {
    if (loop.isClosed()) continue;
    for (const task of loop._pendingTasks()) {
      tasks.push({
        id: _futureId(task),
        name: task.getName(),
        running: loop._currentTask === task,
        stack: snapshotFrames(framesOf(task)),
        awaitedBy: awaitingTasks(task).map((a) => ({ id: _futureId(a), stack: snapshotFrames(framesOf(a)) })),
      });
    }
  }
  return { pid: hostProcess()?.pid ?? 0, threadId: currentThreadId(), tasks };
}

/**
 * The hook the `ps` and `pstree` commands call in the process they look at, through its inspector
 * (`Runtime.evaluate`): one per copy of asyncio-ts loaded in it, each listing its own loops.
 */
interface IntrospectionHook {
  readonly providers: Array<(hide: Function) => Snapshot>;
  snapshot(): string;
}

const HOOK = Symbol.for("asyncio-ts.introspection");
const host = globalThis as unknown as Record<symbol, IntrospectionHook | undefined>;
if (host[HOOK] === undefined) {
  const hook: IntrospectionHook = {
    providers: [],
    snapshot() {
      const parts = hook.providers.map((provide) => provide(hook.snapshot));
      return JSON.stringify({ pid: hostProcess()?.pid ?? 0, threadId: currentThreadId(), tasks: parts.flatMap((p) => p.tasks) } satisfies Snapshot);
    },
  };
  host[HOOK] = hook;
}
host[HOOK]!.providers.push(_snapshot);

/** This thread's id (node:worker_threads' `threadId`, 0 on the main thread), where the host has one. */
function currentThreadId(): number {
  return hostModule<{ threadId?: number }>("node:worker_threads")?.threadId ?? 0;
}
