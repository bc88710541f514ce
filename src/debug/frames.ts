/**
 * Stack frames as data: what a V8 stack trace says, read back into records (the frame objects a
 * call graph holds, CPython's `frame` in `FrameCallGraphEntry`).
 *
 * JavaScript has no frame objects, but V8 prints one line per frame, `    at name (file:line:col)`,
 * after Node has mapped it through the source maps it knows of (TypeScript run by tsx, or
 * `--enable-source-maps`), so the lines name the files and lines a programmer wrote. A generator
 * resumed by `next()` shows as its own frame followed by a builtin one, `    at name.next
 * (<anonymous>)`: that is how a coroutine frame (a generator, our `async def`) is told from a plain
 * function's. Capturing is `Error.captureStackTrace` into a holder, whose text V8 formats only
 * when it is first read, so a capture that is never looked at costs the walk and nothing more.
 */

import { hostModule } from "../core/host.ts";

/** One frame of a call stack. */
export interface FrameInfo {
  /** The function's name as V8 shows it (`main`, `Lock.acquire`), or `<anonymous>`. */
  readonly functionName: string;
  /** The file (a path, or a URL that is not a file), or "" when V8 knows of none. */
  readonly fileName: string;
  /** 1-based; 0 when unknown. */
  readonly lineNumber: number;
  /** 1-based; 0 when unknown. */
  readonly columnNumber: number;
  /** Whether this is a coroutine's frame (a generator's), not a plain function's. */
  readonly isCoroutine: boolean;
}

/** Something `Error.captureStackTrace` filled in, formatted only when its `stack` is read. */
export interface StackHolder {
  stack?: string;
}

/** How many frames a capture keeps: a coroutine is two frames (its own and its `next`). */
const CAPTURE_LIMIT = 200;

/** `Error` with V8's stack API, which Node, Deno and Chromium have (Bun's JavaScriptCore too). */
const V8Error = Error as ErrorConstructor & { stackTraceLimit: number; captureStackTrace?(target: object, hide?: Function): void };

/** Captures the current stack (at most `frames` deep) into a holder, leaving out `hide` and the frames above it. */
export function captureStack(hide: Function, frames = CAPTURE_LIMIT): StackHolder {
  const holder: StackHolder = {};
  if (typeof V8Error.captureStackTrace !== "function") {
    // Not V8 (Firefox, older Safari): a plain stack, hidden frames and all.
    holder.stack = new Error().stack;
    return holder;
  }
  const limit = V8Error.stackTraceLimit;
  V8Error.stackTraceLimit = frames;
  V8Error.captureStackTrace(holder, hide);
  V8Error.stackTraceLimit = limit;
  return holder;
}


const FRAME_LINE = /^\s*at (?:(.*?) \((.*)\)|(.*))$/;
/**
 * Modules of asyncio-ts whose frames are machinery between coroutines (debug/unawaited.ts's
 * `next`), read past like `next (<anonymous>)`: paths without the extension, in src/ and in dist/,
 * since a stack of the built package may show either (its source maps name the sources).
 */
const transparentPrefixes: string[] = [];

/** @internal Frames of the module `name` of asyncio-ts ("debug/unawaited") are read past (see above). */
export function _transparentModule(name: string): void {
  for (const dir of libraryDirs()) transparentPrefixes.push(`${dir}${name}.`);
}

/**
 * The frames of coroutines written by hand (`QueueCoroutine`, `StreamCoroutine`): their `next`,
 * `throw` and `return` stand between the coroutine that delegates to them and the generator they
 * hand over to, as a generator's resume does, so they are read past the same way. Matched by the
 * class's own name, which a minifier renames in the stack too.
 */
const transparentMethods: string[] = [];

/** @internal The `next`, `throw` and `return` frames of `cls` are read past (see above). */
export function _transparentIterator(cls: { readonly name: string }): void {
  for (const method of ["next", "throw", "return"]) transparentMethods.push(`at ${cls.name}.${method} (`);
}

function isResume(line: string): boolean {
  return (
    RESUME_LINE.test(line) ||
    (transparentPrefixes.length > 0 && transparentPrefixes.some((f) => line.includes(f))) ||
    (transparentMethods.length > 0 && transparentMethods.some((f) => line.includes(f)))
  );
}
const RESUME_LINE = /^\s*at (?:\S+\.)?(?:next|throw|return) \(<anonymous>\)$/;
const LOCATION = /^(.*):(\d+):(\d+)$/;

/** The frames of a V8 stack trace's text, the innermost first. */
export function parseStack(stack: string): FrameInfo[] {
  const lines = stack.split("\n").filter((l) => /^\s*at /.test(l));
  const frames: FrameInfo[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (isResume(line)) continue;
    const m = FRAME_LINE.exec(line);
    if (m === null) continue;
    let name = m[1] ?? "<anonymous>";
    let location = m[2] ?? m[3] ?? "";
    if (name.startsWith("async ")) name = name.slice(6);
    if (name.startsWith("new ")) name = name.slice(4);
    // `eval at f (file:1:2), <anonymous>:3:4`: the outer location is the one a reader can open.
    const evalAt = /^eval at .*? \((.*?)\)/.exec(location);
    if (evalAt !== null) location = evalAt[1]!;
    const loc = LOCATION.exec(location);
    const next = lines[i + 1];
    frames.push({
      functionName: name === "" ? "<anonymous>" : name,
      fileName: loc === null ? (location === "<anonymous>" || location === "native" ? "" : location) : displayPath(loc[1]!),
      lineNumber: loc === null ? 0 : Number(loc[2]),
      columnNumber: loc === null ? 0 : Number(loc[3]),
      isCoroutine: next !== undefined && isResume(next),
    });
  }
  return frames;
}

/** A `file://` URL as a path; anything else as it is. */
export function displayPath(file: string): string {
  if (file.startsWith("file://")) {
    try {
      // node:url's where the host has it (it knows Windows' drives); a browser has no files.
      const url = hostModule<{ fileURLToPath(u: string): string }>("node:url");
      return url !== undefined ? url.fileURLToPath(file) : decodeURIComponent(new URL(file).pathname);
    } catch {
      return file;
    }
  }
  return file;
}

/**
 * The folders of asyncio-ts's own modules: src/ (under tsx) and dist/ (built), both, since a stack
 * of the built package may show the sources its source maps name.
 */
let ownDirs: string[] | null = null;

function libraryDirs(): string[] {
  if (ownDirs === null) {
    try {
      // The package's root as a path (a URL where there are no files), with its separator at the end.
      const root = displayPath(new URL("../../", import.meta.url).href);
      const sep = hostModule<{ sep: string }>("node:path")?.sep ?? "/";
      ownDirs = [`${root}src${sep}`, `${root}dist${sep}`];
    } catch {
      ownDirs = []; // bundled where the module has no URL of its own: no frame is told apart as ours
    }
  }
  return ownDirs;
}

/** Whether the frame is in asyncio-ts's own code, or in Node's. */
export function isLibraryFrame(f: FrameInfo): boolean {
  return libraryDirs().some((dir) => f.fileName.startsWith(dir)) || f.fileName.startsWith("node:") || f.fileName === "";
}

/** `file:line` of a frame, as reprs show a place (`created at /app/main.ts:12`). */
export function describePlace(f: FrameInfo): string {
  return f.fileName === "" ? f.functionName : `${f.fileName}:${f.lineNumber}`;
}

/**
 * The frames of the stack of a task suspended in its step, as CPython's call graph has them: only
 * coroutine frames (no plain function is still on the stack of a suspended coroutine), the
 * innermost first, down to the task's own coroutine. Frames of a plain iterator that yields for a
 * coroutine (a future's, `sleep`'s) are left out; the step below the task's coroutine is not there.
 */
export function suspendedFrames(holder: StackHolder): FrameInfo[] {
  const frames = parseStack(holder.stack ?? "");
  const out: FrameInfo[] = [];
  for (const f of frames) {
    if (f.isCoroutine) out.push(f);
    else if (out.length > 0) break; // the first plain frame below the coroutines: the task step
  }
  return out;
}

/**
 * The frames of a running task from the top of `frames` down to its own coroutine (CPython's walk
 * in `capture_call_graph`): plain frames first, then the coroutine frames, ending with the last
 * coroutine frame whose caller is not a coroutine (which is the task step).
 */
export function runningFrames(frames: FrameInfo[]): FrameInfo[] {
  const out: FrameInfo[] = [];
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    out.push(f);
    if (f.isCoroutine && !(frames[i + 1]?.isCoroutine ?? false)) break;
  }
  // Without any coroutine frame, this was no task's stack after all.
  return out.some((f) => f.isCoroutine) ? out : [];
}
