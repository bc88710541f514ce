/**
 * How values show in reprs and error messages, on any host (CPython: `repr()` and `reprlib`).
 *
 * The loop, the futures and the primitives print values in their messages ("got 42", "result=[1,
 * 2]") and give their objects a repr that `console.log` and `util.inspect` use. Node's formatter
 * is `node:util`'s `inspect`, which a browser does not have, and this layer must load in one. So:
 *
 * - `inspectCustom` is the well-known symbol `Symbol.for("nodejs.util.inspect.custom")`, the very
 *   value of Node's `inspect.custom` (Bun and Deno honour it too), obtained without importing
 *   `node:util`. A class names its repr with `[inspectCustom]()`.
 * - `formatValue(x, options)` formats with the host's own `inspect` where there is one: found
 *   once, at the first call, with host.ts's `hostModule("node:util")` (handed over by the Node
 *   entry point, or `process.getBuiltinModule`), a lookup at run time, not an import a bundler
 *   would follow. Where
 *   there is none (a browser, a Web Worker, Node before 20.16), a small formatter of ours prints
 *   what `inspect` prints for the values messages hold, on one line: primitives, functions and
 *   classes, arrays, plain objects and class instances, maps, sets, dates, errors, byte arrays, and
 *   objects with a custom repr. test/core/repr.test.ts compares the two on a table of values.
 *   Where Node breaks a long value over lines, or an array of more than six items into columns,
 *   ours stays on one line.
 *
 * Nothing here runs on the hot path: only when a repr or a message is built.
 */

import { hostModule } from "./host.ts";

/** The symbol Node's `util.inspect` looks for (`inspect.custom`), obtained without `node:util`. */
export const inspectCustom: unique symbol = Symbol.for("nodejs.util.inspect.custom");

/** The options of `formatValue`, the subset of `util.inspect`'s that messages use. */
export interface FormatOptions {
  /** How many levels of nesting to show; deeper objects show as `[Object]`. @default 2 */
  depth?: number;
  /** Node breaks output longer than this over several lines; ours stays on one. @default 80 */
  breakLength?: number;
}

type Inspect = (x: unknown, options?: FormatOptions) => string;

/** The host's `util.inspect`: undefined until looked up, null where the host has none. */
let hostInspect: Inspect | null | undefined;

function findHostInspect(): Inspect | null {
  const util = hostModule<{ inspect?: unknown }>("node:util");
  return typeof util?.inspect === "function" ? (util.inspect as Inspect) : null;
}

/**
 * `x` as `util.inspect(x, options)` shows it: with the host's `inspect` where it has one, else
 * with our own formatter (one line).
 */
export function formatValue(x: unknown, options: FormatOptions = {}): string {
  if (hostInspect === undefined) hostInspect = findHostInspect();
  return hostInspect !== null ? hostInspect(x, options) : portableFormat(x, options.depth ?? 2);
}

/** @internal Chooses the formatter: null for ours (the tests compare it with Node's), undefined to look up the host's again. */
export function _setHostInspect(inspect: Inspect | null | undefined): void {
  hostInspect = inspect;
}

/** Our formatter: what `util.inspect(x, { depth, breakLength: Infinity })` prints, for the values messages hold. */
export function portableFormat(x: unknown, depth = 2): string {
  return format(x, depth, new Set());
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

function format(x: unknown, depth: number, seen: Set<object>): string {
  switch (typeof x) {
    case "string":
      return quote(x);
    case "number":
      return Object.is(x, -0) ? "-0" : String(x);
    case "bigint":
      return `${x}n`;
    case "boolean":
    case "undefined":
      return String(x);
    case "symbol":
      return x.toString();
    case "function":
      return formatFunction(x);
  }
  if (x === null) return "null";
  const obj = x as object;
  const custom = (obj as { [inspectCustom]?: unknown })[inspectCustom];
  if (typeof custom === "function") {
    const shown: unknown = custom.call(obj, depth, { depth }, portableFormat);
    return typeof shown === "string" ? shown : format(shown, depth, seen);
  }
  if (seen.has(obj)) return "[Circular *1]";
  if (obj instanceof Error) return formatError(obj);
  if (obj instanceof Date) return Number.isNaN(obj.getTime()) ? "Invalid Date" : obj.toISOString();
  if (obj instanceof RegExp) return obj.toString();
  if (obj instanceof Promise) return "Promise { <unknown> }";
  if (obj instanceof WeakMap) return "WeakMap { <items unknown> }";
  if (obj instanceof WeakSet) return "WeakSet { <items unknown> }";
  const name = constructorName(obj);
  seen.add(obj);
  try {
    if (Array.isArray(obj)) {
      if (depth < 0 && obj.length > 0) return "[Array]";
      return list("", obj.map((v) => format(v, depth - 1, seen)), "[", "]", "[]");
    }
    if (ArrayBuffer.isView(obj) && !(obj instanceof DataView)) {
      const items = Array.from(obj as unknown as ArrayLike<number | bigint>, (v) => format(v, depth - 1, seen));
      return list(`${name}(${items.length}) `, items, "[", "]", "[]");
    }
    if (obj instanceof Map) {
      if (depth < 0) return `[${name}]`;
      const items = [...obj].map(([k, v]) => `${format(k, depth - 1, seen)} => ${format(v, depth - 1, seen)}`);
      return list(`${name}(${obj.size}) `, items, "{", "}", "{}");
    }
    if (obj instanceof Set) {
      if (depth < 0) return `[${name}]`;
      return list(`${name}(${obj.size}) `, [...obj].map((v) => format(v, depth - 1, seen)), "{", "}", "{}");
    }
    if (depth < 0 && Reflect.ownKeys(obj).some((k) => Object.prototype.propertyIsEnumerable.call(obj, k))) {
      return `[${name ?? "Object: null prototype"}]`;
    }
    const props = properties(obj, depth, seen);
    const prefix = name === "Object" ? "" : name === null ? "[Object: null prototype] " : `${name} `;
    return list(prefix, props, "{", "}", "{}");
  } finally {
    seen.delete(obj);
  }
}

/** `[ a, b ]`, or `empty` when there are no items, after `prefix`. */
function list(prefix: string, items: string[], open: string, close: string, empty: string): string {
  if (items.length > 100) items = [...items.slice(0, 100), `... ${items.length - 100} more items`];
  return items.length === 0 ? `${prefix}${empty}` : `${prefix}${open} ${items.join(", ")} ${close}`;
}

/** The enumerable own properties as `key: value`, getters as `[Getter]` and the like. */
function properties(obj: object, depth: number, seen: Set<object>): string[] {
  const out: string[] = [];
  for (const key of Reflect.ownKeys(obj)) {
    const desc = Object.getOwnPropertyDescriptor(obj, key);
    if (desc === undefined || !desc.enumerable) continue;
    const shownKey = typeof key === "symbol" ? `[${key.toString()}]` : IDENTIFIER.test(key) ? key : quote(key);
    let value: string;
    if (desc.get !== undefined) value = desc.set !== undefined ? "[Getter/Setter]" : "[Getter]";
    else if (desc.set !== undefined) value = "[Setter]";
    else value = format(desc.value, depth - 1, seen);
    out.push(`${shownKey}: ${value}`);
  }
  return out;
}

function constructorName(obj: object): string | null {
  const proto: unknown = Object.getPrototypeOf(obj);
  if (proto === null) return null;
  const ctor = (proto as { constructor?: unknown }).constructor;
  return typeof ctor === "function" && ctor.name !== "" ? ctor.name : "Object";
}

function formatFunction(f: Function): string {
  const source = Function.prototype.toString.call(f);
  if (source.startsWith("class")) {
    const base: unknown = Object.getPrototypeOf(f);
    const extendsPart = typeof base === "function" && base.name !== "" ? ` extends ${base.name}` : "";
    return `[class ${f.name === "" ? "(anonymous)" : f.name}${extendsPart}]`;
  }
  const kind = (Object.getPrototypeOf(f) as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] ?? "Function";
  return f.name === "" ? `[${kind} (anonymous)]` : `[${kind}: ${f.name}]`;
}

function formatError(e: Error): string {
  const stack = typeof e.stack === "string" && e.stack !== "" ? e.stack : null;
  const head = e.message === "" ? e.name : `${e.name}: ${e.message}`;
  // V8's stacks start with the head; JavaScriptCore's and SpiderMonkey's are only the frames.
  if (stack === null) return `[${head}]`;
  return stack.startsWith(head) ? stack : `${head}\n${stack}`;
}

/** A string literal as `util.inspect` writes one: single quotes unless the text holds one. */
function quote(s: string): string {
  const q = !s.includes("'") ? "'" : !s.includes('"') ? '"' : !s.includes("`") && !s.includes("${") ? "`" : "'";
  let out = "";
  for (const ch of s) {
    const code = ch.codePointAt(0)!;
    if (ch === q || ch === "\\") out += `\\${ch}`;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\v") out += "\\v";
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).toUpperCase().padStart(2, "0")}`;
    else out += ch;
  }
  return q + out + q;
}
