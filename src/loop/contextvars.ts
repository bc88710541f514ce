/**
 * Context variables (Python's `contextvars`): values that follow the logical flow of a task.
 *
 * A `Context` holds an immutable map from variables to values; `ContextVar.set` replaces the map
 * of the current context with a changed copy, so `copyContext()` is O(1) (it shares the map) and a
 * copy never sees later changes of its source. Each task runs in a copy of the context current
 * when it was created; each callback in a copy of the context current when it was scheduled.
 *
 * A task whose context holds nothing stores `null` instead of a Context, and its steps run in a
 * scratch context; only if the task sets a variable does that scratch become its own context.
 * This keeps a pending task one object lighter in the common case.
 */

import { formatValue, inspectCustom } from "../core/repr.ts";
import { checkOptions } from "../options.ts";
import { LookupError, RuntimeError, ValueError } from "../exceptions.ts";

type VarMap = ReadonlyMap<ContextVar<unknown>, unknown>;

const EMPTY: VarMap = new Map();

/**
 * A mapping of context variables to values (`contextvars.Context`). Each task runs in its own,
 * a copy of the context current when it was created; get one with `copyContext()`.
 *
 * @example
 * const ctx = copyContext();
 * ctx.run(() => requestId.set("r-1")); // changes ctx only
 * ctx.get(requestId); // "r-1"
 */
export class Context {
  /** @internal */
  _map: VarMap;
  /** @internal */
  _entered = false;

  /** An empty context (Python's `Context()`); `copyContext()` copies the current one. */
  constructor(map: ReadonlyMap<ContextVar<unknown>, unknown> = EMPTY) {
    this._map = map;
  }

  /**
   * Calls `fn(...args)` with this context as the current one (`Context.run`); changes made by
   * `fn` stay in it.
   * @returns what `fn` returns.
   * @throws RuntimeError when the context is already entered; whatever `fn` throws.
   * @example ctx.run((id: string) => requestId.set(id), "r-7");
   */
  run<A extends unknown[], R>(fn: (...args: A) => R, ...args: A): R {
    if (this._entered) throw new RuntimeError(`cannot enter context: ${String(this)} is already entered`);
    const prev = current;
    current = this;
    this._entered = true;
    try {
      return fn(...args);
    } finally {
      this._entered = false;
      current = prev;
    }
  }

  /** A shallow copy (`Context.copy`, O(1)). */
  copy(): Context {
    return new Context(this._map);
  }

  /** The value of `v` in this context, else `fallback` (Python's `ctx.get(var, default)`). */
  get<T>(v: ContextVar<T>, fallback?: T): T | undefined {
    return this._map.has(v as ContextVar<unknown>) ? (this._map.get(v as ContextVar<unknown>) as T) : fallback;
  }

  /** Whether `v` has a value in this context (`var in ctx`). */
  has(v: ContextVar<unknown>): boolean {
    return this._map.has(v);
  }

  /** How many variables have a value here (`len(ctx)`). */
  get size(): number {
    return this._map.size;
  }

  /** The variables that have a value here (`ctx.keys()`). */
  keys(): IterableIterator<ContextVar<unknown>> {
    return this._map.keys();
  }

  /** Their values (`ctx.values()`). */
  values(): IterableIterator<unknown> {
    return this._map.values();
  }

  /** `[variable, value]` pairs (`ctx.items()`). */
  entries(): IterableIterator<[ContextVar<unknown>, unknown]> {
    return this._map.entries();
  }

  toString(): string {
    return `<Context vars=${this._map.size}>`;
  }

  [inspectCustom](): string {
    return this.toString();
  }
}

let current = new Context();
/** The context a task with no context of its own runs in (see the module comment). */
let scratch = new Context();

/**
 * A copy of the current context (`contextvars.copy_context()`), O(1); later changes to either
 * are not seen by the other.
 * @example
 * const ctx = copyContext();
 * loop.callSoon(() => ctx.run(handleRequest));
 */
export function copyContext(): Context {
  return new Context(current._map);
}

/**
 * `context` if it is a Context, for the `context` parameters of callbacks (CPython's `context=`).
 * @throws TypeError naming `where` otherwise. @internal
 */
export function _checkContext(where: string, context: unknown): Context {
  if (!(context instanceof Context)) {
    throw new TypeError(`${where}: \`context\` must be a Context (copyContext() makes one), got ${formatValue(context, { depth: 0 })}`);
  }
  return context;
}

/** The current context's map, or null when it is empty (what a new task or handle keeps). @internal */
export function _captureContext(): Context | null {
  return current._map === EMPTY ? null : new Context(current._map);
}

/** Makes `ctx` current (null: an empty scratch context) and returns the context to restore. @internal */
export function _enterContext(ctx: Context | null): Context {
  const prev = current;
  if (ctx !== null) current = ctx;
  else if (prev === scratch) current = new Context();
  else {
    scratch._map = EMPTY;
    current = scratch;
  }
  return prev;
}

/**
 * Restores `prev` and returns the context that was current, or null if it is an untouched scratch.
 * A scratch that was written to becomes the caller's own, so tokens made in it stay valid. @internal
 */
export function _leaveContext(prev: Context): Context | null {
  const ctx = current;
  current = prev;
  if (ctx !== scratch) return ctx;
  if (ctx._map === EMPTY) return null;
  scratch = new Context();
  return ctx;
}

/**
 * The current context, made permanent: if it is the scratch context, a new scratch takes its
 * place, so the caller (a task asking for its own context mid-step) keeps this one. @internal
 */
export function _adoptCurrentContext(): Context {
  const ctx = current;
  if (ctx === scratch) scratch = new Context();
  return ctx;
}

/**
 * The record of one `ContextVar.set`, to undo it with `reset` (`contextvars.Token`); usable once.
 * `var` is the variable, `oldValue` its previous value or `Token.MISSING`.
 * @example
 * const token = requestId.set("r-1");
 * try {
 *   yield* handle();
 * } finally {
 *   requestId.reset(token);
 * }
 */
export class Token<T> {
  /** The value marking "the variable had no value" in `oldValue`. */
  static readonly MISSING: unique symbol = Symbol("Token.MISSING");
  /** @internal */
  _used = false;
  constructor(
    readonly var_: ContextVar<T>,
    readonly oldValue: T | typeof Token.MISSING,
    /** @internal */
    readonly _ctx: Context,
  ) {}
  /** The variable whose `set` made this token (`Token.var`). */
  get var(): ContextVar<T> {
    return this.var_;
  }
  toString(): string {
    return `<Token${this._used ? " used" : ""} var=${String(this.var_)}>`;
  }

  [inspectCustom](): string {
    return this.toString();
  }
}

/**
 * A context variable (`contextvars.ContextVar`): a value that follows the task (and the callbacks
 * it schedules) instead of being global; each task starts with the values current when it was created.
 *
 * @example
 * const requestId = new ContextVar<string>("requestId", { default: "-" });
 * requestId.set("r-42"); // seen by this task and by tasks it creates from now on
 */
export class ContextVar<T> {
  readonly name: string;
  private readonly hasDefault: boolean;
  private readonly defaultValue: T | undefined;

  /**
   * @param name the variable's name, for messages.
   * @param options.default the value `get()` returns when none was set. @default none: `get()` throws LookupError
   * @throws TypeError when `name` is not a string.
   */
  constructor(name: string, options?: { default?: T }) {
    if (typeof name !== "string") throw new TypeError("context variable name must be a str");
    checkOptions(options, ["default"], "ContextVar()");
    this.name = name;
    this.hasDefault = options !== undefined && "default" in options;
    this.defaultValue = options?.default;
  }

  /**
   * The value in the current context, else `fallback`, else the variable's default (`ContextVar.get`).
   * @throws LookupError when the variable has no value, no fallback is given and it has no default.
   */
  get(fallback?: T): T {
    const map = current._map;
    if (map.has(this as ContextVar<unknown>)) return map.get(this as ContextVar<unknown>) as T;
    if (arguments.length > 0) return fallback as T;
    if (this.hasDefault) return this.defaultValue as T;
    throw new LookupError(`<ContextVar name='${this.name}'> has no value; give it a default or call set() first`);
  }

  /**
   * Sets the value in the current context (`ContextVar.set`).
   * @returns a token for `reset`.
   */
  set(value: T): Token<T> {
    const ctx = current;
    const map = ctx._map;
    const old = map.has(this as ContextVar<unknown>) ? (map.get(this as ContextVar<unknown>) as T) : Token.MISSING;
    const next = new Map(map);
    next.set(this as ContextVar<unknown>, value);
    ctx._map = next;
    return new Token(this, old, ctx);
  }

  /**
   * Restores the value the variable had before the `set` that returned `token` (`ContextVar.reset`).
   * @throws RuntimeError when the token was used already; ValueError when it belongs elsewhere.
   */
  reset(token: Token<T>): void {
    if (!(token instanceof Token)) throw new TypeError(`expected an instance of Token, got ${String(token)}`);
    if (token._used) throw new RuntimeError(`${String(token)} has already been used once`);
    if (token.var_ !== this) throw new ValueError(`${String(token)} was created by a different ContextVar`);
    const ctx = current;
    if (token._ctx !== ctx) throw new ValueError(`${String(token)} was created in a different Context`);
    const next = new Map(ctx._map);
    if (token.oldValue === Token.MISSING) next.delete(this as ContextVar<unknown>);
    else next.set(this as ContextVar<unknown>, token.oldValue);
    // Never back to EMPTY, even when nothing is left: a scratch context (see the module comment)
    // whose map is EMPTY is handed to the next task, and a token made in it and still unused
    // would then reset that task's variable instead of failing with "different Context".
    ctx._map = next;
    token._used = true;
  }

  toString(): string {
    return `<ContextVar name='${this.name}'${this.hasDefault ? ` default=${String(this.defaultValue)}` : ""}>`;
  }

  [inspectCustom](): string {
    return this.toString();
  }
}
