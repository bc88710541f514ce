/**
 * Unix signal handlers of the event loop (CPython: `_UnixSelectorEventLoop.add_signal_handler`
 * and `remove_signal_handler` in `unix_events.py`). The loop methods of those names call here.
 *
 * A handler is a `Handle` the loop keeps per signal; Node's signal listener only pushes that
 * handle onto the loop's ready ring, so the callback runs as a loop callback, in order with the
 * others, never inside Node's listener. While a loop has at least one handler it holds Node's
 * loop open with one idle timer, so a program that waits for SIGTERM does not end as a deadlock;
 * removing the last handler (or closing the loop, which removes them all) lets the process exit.
 * Signals are named as Node names them ("SIGTERM") or by number (15), as CPython does.
 */

import { constants } from "node:os";
import { inspect } from "node:util";
import { _captureContext } from "../loop/contextvars.ts";
import { Handle, type EventLoop } from "../loop/events.ts";
import { RuntimeError, ValueError } from "../exceptions.ts";
import { isCoroutine, isCoroutineFunction } from "../loop/tasks.ts";

const SIGNAL_NUMBERS = constants.signals as Record<string, number>;
/** Signal number -> the first name Node gives it (SIGABRT before its alias SIGIOT). */
const SIGNAL_NAMES = new Map<number, NodeJS.Signals>();
for (const [name, num] of Object.entries(SIGNAL_NUMBERS)) {
  if (!SIGNAL_NAMES.has(num)) SIGNAL_NAMES.set(num, name as NodeJS.Signals);
}

/** Longest delay of a Node timer, in milliseconds: the keep-alive timer never fires in practice. */
const KEEP_ALIVE_MS = 2 ** 31 - 1;

interface InstalledHandler {
  readonly handle: Handle;
  readonly listener: () => void;
  readonly name: NodeJS.Signals;
}

interface LoopSignals {
  readonly handlers: Map<number, InstalledHandler>;
  keepAlive: NodeJS.Timeout | null;
}

const perLoop = new WeakMap<EventLoop, LoopSignals>();

/**
 * Validates a signal given by name or number (CPython's `_check_signal`).
 * @returns its number and Node's name for it.
 * @throws TypeError for anything but a string or an integer; ValueError for an unknown signal.
 */
export function _checkSignal(sig: unknown): [number, NodeJS.Signals] {
  if (typeof sig === "number") {
    const name = Number.isInteger(sig) ? SIGNAL_NAMES.get(sig) : undefined;
    if (name === undefined) throw new ValueError(`invalid signal number ${sig}`);
    return [sig, name];
  }
  if (typeof sig === "string") {
    const num = Object.hasOwn(SIGNAL_NUMBERS, sig) ? SIGNAL_NUMBERS[sig] : undefined;
    if (num === undefined) throw new ValueError(`invalid signal name ${JSON.stringify(sig)} (use a name such as "SIGTERM" or a number)`);
    return [num, sig as NodeJS.Signals];
  }
  throw new TypeError(`sig must be a signal name such as "SIGTERM" or a signal number, not ${inspect(sig)}`);
}

/** The body of `loop.addSignalHandler` (see its TSDoc in events.ts). @internal */
export function _addSignalHandler(loop: EventLoop, sig: unknown, callback: unknown, args: unknown[]): void {
  if (isCoroutine(callback) || isCoroutineFunction(callback)) {
    throw new TypeError("coroutines cannot be used with addSignalHandler() (pass a plain function; it may call createTask())");
  }
  if (typeof callback !== "function") {
    throw new TypeError(`a callable object was expected by addSignalHandler(), got ${inspect(callback)}`);
  }
  const [num, name] = _checkSignal(sig);
  if (loop.isClosed()) throw new RuntimeError("Event loop is closed");

  let state = perLoop.get(loop);
  if (state === undefined) {
    state = { handlers: new Map(), keepAlive: null };
    perLoop.set(loop, state);
  }
  const handle = new Handle(callback as (...a: unknown[]) => unknown, args, loop, _captureContext());
  const listener = (): void => {
    // The handler may have been replaced or removed since Node queued this signal.
    if (state.handlers.get(num)?.handle !== handle) return;
    if (handle.cancelled()) {
      _removeSignalHandler(loop, num);
      return;
    }
    if (!loop.isClosed()) loop._enqueue(handle);
  };
  // Node refuses these with EINVAL; Bun would accept them silently and Deno with a TypeError.
  if (name === "SIGKILL" || name === "SIGSTOP") throw new RuntimeError(`sig ${String(sig)} cannot be caught`);
  try {
    process.on(name, listener);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EINVAL") throw new RuntimeError(`sig ${String(sig)} cannot be caught`, { cause: e });
    throw e;
  }
  const previous = state.handlers.get(num);
  if (previous !== undefined) process.off(previous.name, previous.listener);
  state.handlers.set(num, { handle, listener, name });
  state.keepAlive ??= setInterval(() => {}, KEEP_ALIVE_MS);
}

/** The body of `loop.removeSignalHandler`: true if a handler was removed. @internal */
export function _removeSignalHandler(loop: EventLoop, sig: unknown): boolean {
  const [num] = _checkSignal(sig);
  const state = perLoop.get(loop);
  const installed = state?.handlers.get(num);
  if (state === undefined || installed === undefined) return false;
  state.handlers.delete(num);
  process.off(installed.name, installed.listener);
  if (state.handlers.size === 0 && state.keepAlive !== null) {
    clearInterval(state.keepAlive);
    state.keepAlive = null;
  }
  return true;
}

/** Removes every handler of `loop` (called by `loop.close()`, as CPython's Unix loop does). @internal */
export function _removeAllSignalHandlers(loop: EventLoop): void {
  const state = perLoop.get(loop);
  if (state === undefined) return;
  for (const num of [...state.handlers.keys()]) _removeSignalHandler(loop, num);
}
