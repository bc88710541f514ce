/**
 * The table and the tree of `npx asyncio-ts ps PID` and `pstree PID` (CPython 3.14:
 * `asyncio/tools.py`, behind `python -m asyncio ps|pstree PID`), built from a snapshot of a
 * process's tasks (graph.ts takes it, in that process).
 *
 * A snapshot lists, for every pending task of every loop of the process's main thread, its name,
 * its call stack, and the tasks awaiting it with their call stacks. From it:
 * - the table has one row per task and awaiter: the task, its coroutine stack (function names,
 *   the innermost first), and the awaiter's chain, name and id;
 * - the tree starts at the tasks nobody awaits; under a task come the frames of its stack, the
 *   outermost first, and under the frame where it awaits, the tasks it awaits. A cycle of tasks
 *   awaiting each other has no tree: it is reported instead.
 * Pure functions of the snapshot: no I/O here.
 */

/** One frame, as a snapshot carries it. */
export interface SnapshotFrame {
  readonly functionName: string;
  readonly fileName: string;
  readonly lineNumber: number;
}

/** A task that awaits another, with its stack where it awaits. */
export interface SnapshotAwaiter {
  readonly id: number;
  readonly stack: readonly SnapshotFrame[];
}

/** One pending task. */
export interface SnapshotTask {
  readonly id: number;
  readonly name: string;
  /** Whether it is the task running at the moment of the snapshot (its loop is blocked in it). */
  readonly running: boolean;
  /** Its frames, the innermost first. */
  readonly stack: readonly SnapshotFrame[];
  readonly awaitedBy: readonly SnapshotAwaiter[];
}

/** What a process tells of its tasks (graph.ts's `_snapshot`). */
export interface Snapshot {
  readonly pid: number;
  /** The thread the loops run on (worker_threads' threadId: 0 for the main thread). */
  readonly threadId: number;
  readonly tasks: readonly SnapshotTask[];
}

/** `name file:line`, or the name alone when the file is not known (CPython's `_format_stack_entry`). */
export function formatFrame(f: SnapshotFrame): string {
  return f.fileName === "" && f.lineNumber === 0 ? f.functionName : `${f.functionName} ${f.fileName}:${f.lineNumber}`;
}

const hex = (id: number): string => `0x${id.toString(16)}`;

/** The rows of `ps`: tid, task id, task name, coroutine stack, awaiter chain, awaiter name, awaiter id. */
export function buildTaskTable(snapshot: Snapshot): string[][] {
  const names = new Map(snapshot.tasks.map((t) => [t.id, t.name]));
  const chain = (stack: readonly SnapshotFrame[]): string => stack.map((f) => f.functionName).join(" -> ");
  const rows: string[][] = [];
  for (const task of snapshot.tasks) {
    const base = [String(snapshot.threadId), hex(task.id), task.name, chain(task.stack)];
    if (task.awaitedBy.length === 0) {
      rows.push([...base, "", "", "0x0"]);
      continue;
    }
    for (const awaiter of task.awaitedBy) rows.push([...base, chain(awaiter.stack), names.get(awaiter.id) ?? "Unknown", hex(awaiter.id)]);
  }
  return rows;
}

const WIDTHS = [10, 20, 20, 50, 50, 15, 15];
const HEADER = ["tid", "task id", "task name", "coroutine stack", "awaiter chain", "awaiter name", "awaiter id"];

/** The table of `ps` as text, laid out as CPython's (columns padded, never cut). */
export function formatTaskTable(snapshot: Snapshot): string {
  const line = (cells: string[]): string => cells.map((c, i) => c.padEnd(WIDTHS[i]!)).join(" ");
  return [line(HEADER), "-".repeat(180), ...buildTaskTable(snapshot).map(line)].join("\n");
}

/** Tasks awaiting each other in a circle: `pstree` cannot draw them. */
export class CycleFoundError extends Error {
  constructor(
    readonly cycles: number[][],
    readonly names: ReadonlyMap<number, string>,
  ) {
    super("await-graph contains cycles - cannot print a tree!");
    this.name = "CycleFoundError";
  }

  /** CPython's report: the error, then one line per cycle. */
  describe(): string {
    const lines = [`ERROR: ${this.message}`, ""];
    for (const cycle of this.cycles) lines.push(`cycle: ${cycle.map((id) => this.names.get(id) ?? hex(id)).join(" → ")}`);
    return lines.join("\n");
  }
}

/** Every cycle in the graph of awaiter → awaited task, by a depth-first search for back edges. */
function findCycles(edges: Map<number, Set<number>>): number[][] {
  const state = new Map<number, "open" | "done">();
  const path: number[] = [];
  const cycles: number[][] = [];
  const visit = (v: number): void => {
    state.set(v, "open");
    path.push(v);
    for (const w of edges.get(v) ?? []) {
      const s = state.get(w);
      if (s === undefined) visit(w);
      else if (s === "open") cycles.push([...path.slice(path.indexOf(w)), w]);
    }
    state.set(v, "done");
    path.pop();
  };
  for (const v of edges.keys()) if (!state.has(v)) visit(v);
  return cycles;
}

/**
 * The trees of `pstree`, one list of lines per root (CPython's `build_async_tree`): tasks marked
 * `(T)`, frames unmarked.
 * @throws CycleFoundError when tasks await each other in a circle.
 */
export function buildAsyncTree(snapshot: Snapshot): string[][] {
  const names = new Map(snapshot.tasks.map((t) => [t.id, t.name]));
  const edges = new Map<number, Set<number>>();
  for (const task of snapshot.tasks) {
    for (const awaiter of task.awaitedBy) {
      if (!edges.has(awaiter.id)) edges.set(awaiter.id, new Set());
      edges.get(awaiter.id)!.add(task.id);
    }
  }
  const cycles = findCycles(edges);
  if (cycles.length > 0) throw new CycleFoundError(cycles, names);

  // Nodes: `t<id>` for a task, `c<n>` for a frame under a given parent (shared by the awaits through it).
  const labels = new Map<string, string>();
  for (const task of snapshot.tasks) labels.set(`t${task.id}`, `(T) ${task.name}`);
  const children = new Map<string, string[]>();
  const framesUnder = new Map<string, Map<string, string>>();
  let frames = 0;
  const frameNode = (parent: string, label: string): string => {
    let byLabel = framesUnder.get(parent);
    if (byLabel === undefined) framesUnder.set(parent, (byLabel = new Map()));
    let node = byLabel.get(label);
    if (node === undefined) {
      node = `c${++frames}`;
      byLabel.set(label, node);
      labels.set(node, ` ${label}`);
      addChild(parent, node);
    }
    return node;
  };
  const addChild = (parent: string, child: string): void => {
    const kids = children.get(parent) ?? [];
    if (!kids.includes(child)) kids.push(child);
    children.set(parent, kids);
  };
  for (const task of snapshot.tasks) {
    for (const awaiter of task.awaitedBy) {
      let node = `t${awaiter.id}`;
      for (const f of [...awaiter.stack].reverse()) node = frameNode(node, formatFrame(f));
      addChild(node, `t${task.id}`);
    }
  }
  // A task that awaits no other task shows its own stack, down to where it waits (or runs).
  for (const task of snapshot.tasks) {
    if (edges.has(task.id)) continue;
    let node = `t${task.id}`;
    for (const f of [...task.stack].reverse()) node = frameNode(node, formatFrame(f));
  }

  const isChild = new Set([...children.values()].flat());
  const render = (node: string, prefix: string, last: boolean, out: string[]): string[] => {
    out.push(`${prefix}${last ? "└── " : "├── "}${labels.get(node)}`);
    const kids = children.get(node) ?? [];
    kids.forEach((kid, i) => render(kid, prefix + (last ? "    " : "│   "), i === kids.length - 1, out));
    return out;
  };
  return [...labels.keys()].filter((n) => !isChild.has(n)).map((root) => render(root, "", true, []));
}
