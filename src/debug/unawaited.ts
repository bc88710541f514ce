/**
 * Debug mode's report of a coroutine that was never awaited (CPython's RuntimeWarning "coroutine
 * '...' was never awaited", with "Coroutine created at" in debug mode): a coroutine object that
 * asyncio-ts's own API returned, collected without ever being started, or not started yet when its
 * loop closes (it can never run then), is reported through the loop's exception handler with where
 * it was made, once. `barrier.abort();` without `yield*` does
 * nothing at all, and this is how a program in debug mode hears of it. (The lint rule
 * `asyncio-ts/no-floating-coroutine` finds the same in the source, for any coroutine.)
 *
 * How. A generator cannot be watched from the outside as it is made, so the coroutine methods of
 * asyncio-ts's classes are wrapped, once a loop in debug mode is made (never before: a program
 * that never turns debug mode on pays nothing): each call registers the coroutine it returns with
 * a FinalizationRegistry, with its creation stack, and the generators' own `next`, `throw` and
 * `return` (on their function's prototype) unregister it as soon as one is called. `sleep()` is a
 * plain function whose iterators call the hooks of core/hooks.ts instead. Coroutine functions
 * exported as module functions (`wait`, `waitFor`, `timeout`, `toThread`, `openConnection`...) are
 * not watched: an ES module's bindings cannot be wrapped from outside; the lint rule covers them.
 */

import { hooks } from "../core/hooks.ts";
import { runningScheduler } from "../core/scheduler.ts";
import { _transparentModule, captureStack, type StackHolder } from "./frames.ts";

/** What reporting needs of a loop. */
interface ReportingLoop {
  getDebug(): boolean;
  callExceptionHandler(context: { message: string; [key: string]: unknown }): void;
}

interface MadeRecord {
  readonly what: string;
  readonly loop: ReportingLoop;
  readonly holder: StackHolder;
  readonly ref: WeakRef<object>;
  reported: boolean;
}

function report(r: MadeRecord): void {
  if (r.reported) return;
  r.reported = true;
  byLoop.get(r.loop)?.delete(r);
  const created = (r.holder.stack ?? "").split("\n").filter((l) => /^\s*at /.test(l)).join("\n");
  r.loop.callExceptionHandler({ message: `coroutine '${r.what}' was never awaited`, coroutineName: r.what, sourceTraceback: created });
}

const registry = new FinalizationRegistry<MadeRecord>(report);

/** The coroutines made and not started yet, to their records. */
const pending = new WeakMap<object, MadeRecord>();
/** Each loop's records not reported yet, for its close. */
const byLoop = new WeakMap<ReportingLoop, Set<MadeRecord>>();

/** Records a coroutine just made by `hide` (the API function or method that made it), in debug mode. */
function made(coro: object, what: string, hide: Function): void {
  const loop = runningScheduler() as unknown as ReportingLoop | null;
  if (loop === null || !loop.getDebug() || typeof coro !== "object" || coro === null) return;
  const record: MadeRecord = { what, loop, holder: captureStack(hide, 30), ref: new WeakRef(coro), reported: false };
  pending.set(coro, record);
  let records = byLoop.get(loop);
  if (records === undefined) byLoop.set(loop, (records = new Set()));
  records.add(record);
  registry.register(coro, record, coro);
}

/** The coroutine was started (or closed, or thrown into): it will not be reported. */
function started(coro: object): void {
  const record = pending.get(coro);
  if (record === undefined) return;
  pending.delete(coro);
  registry.unregister(coro);
  byLoop.get(record.loop)?.delete(record);
}

/**
 * @internal `loop` closes (events.ts): a coroutine of its API not started by now never will be;
 * each is reported now (one already collected, whose finalizer has not run yet, too).
 */
export function _reportUnawaited(loop: object): void {
  const records = byLoop.get(loop as ReportingLoop);
  if (records === undefined) return;
  byLoop.delete(loop as ReportingLoop);
  for (const r of records) {
    const coro = r.ref.deref();
    if (coro !== undefined) {
      pending.delete(coro);
      registry.unregister(coro);
    }
    report(r);
  }
}

const GeneratorFunction = Object.getPrototypeOf(function* () {}).constructor as Function;
const GeneratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf((function* () {})())) as Record<string, Function>;
/** Generator prototypes whose `next`, `throw` and `return` tell `started`. */
const watchedPrototypes = new WeakSet<object>();

/** Gives the generators of one function (their shared prototype) a `next`, `throw`, `return` that tell `started`. */
function watchStart(proto: object): void {
  if (watchedPrototypes.has(proto) || !Object.prototype.isPrototypeOf.call(GeneratorPrototype, proto)) return;
  watchedPrototypes.add(proto);
  for (const method of ["next", "throw", "return"]) {
    const base = GeneratorPrototype[method]!;
    const resume = {
      [method](this: object, value: unknown): unknown {
        started(this);
        return base.call(this, value);
      },
    }[method]!;
    Object.defineProperty(proto, method, { value: resume, writable: true, configurable: true, enumerable: false });
  }
}

interface Watched {
  readonly cls: Function & { prototype: object };
  /** Further methods that return a coroutine without being generator functions themselves. */
  readonly also: readonly string[];
}

const registered: Watched[] = [];
let watching = false;

/** Wraps one method of `cls.prototype` so that the coroutines it returns are recorded. */
function wrapMethod(cls: Function & { prototype: object }, name: string): void {
  const proto = cls.prototype as Record<string, unknown>;
  const descriptor = Object.getOwnPropertyDescriptor(proto, name);
  const original = descriptor?.value as ((...args: unknown[]) => unknown) | undefined;
  if (typeof original !== "function") return;
  const wrapper = {
    [name](this: unknown, ...args: unknown[]): unknown {
      const coro = original.apply(this, args);
      if (typeof coro === "object" && coro !== null) {
        watchStart(Object.getPrototypeOf(coro) as object);
        // Named after the object's own class (`Lock.with`, not the base class that defines it).
        made(coro, `${(this as object | null)?.constructor?.name ?? cls.name}.${name}`, wrapper);
      }
      return coro;
    },
  }[name]!;
  // It stays a coroutine function for isCoroutineFunction().
  if (original instanceof GeneratorFunction) Object.setPrototypeOf(wrapper, Object.getPrototypeOf(original) as object);
  Object.defineProperty(proto, name, { ...descriptor, value: wrapper });
}

function wrapClass({ cls, also }: Watched): void {
  for (const name of Object.getOwnPropertyNames(cls.prototype)) {
    if (name.startsWith("_") || name === "constructor") continue;
    const value = Object.getOwnPropertyDescriptor(cls.prototype, name)?.value;
    if (value instanceof GeneratorFunction || also.includes(name)) wrapMethod(cls, name);
  }
}

/**
 * @internal Declares the coroutine methods of a class of asyncio-ts, to be watched in debug mode:
 * its own generator methods whose names do not start with `_`, and the methods named in `also`.
 */
export function _watchCoroutines(cls: Function & { prototype: object }, also: readonly string[] = []): void {
  const watched = { cls, also };
  registered.push(watched);
  if (watching) wrapClass(watched);
}

/** @internal A loop in debug mode was made: from now on, the coroutines of the API are watched. */
export function _watchUnawaited(): void {
  if (watching) return;
  watching = true;
  hooks.onStart ??= started;
  hooks.onMade ??= made;
  for (const watched of registered) wrapClass(watched);
}

// The frames of the `next` wrappers above are not frames of the program: stacks read past them.
_transparentModule("debug/unawaited");
