/**
 * What the scheduler needs from the host it lives in (Node, Bun, Deno, a browser page, a Web
 * Worker), found at run time and never imported, so this layer loads everywhere:
 *
 * - a *turn*: run a callback after the host has had its own go, with its timers, I/O and input
 *   events. Node, Bun and Deno have `setImmediate`, which runs after the I/O poll of the current
 *   iteration. A browser has no `setImmediate`; a message posted to a `MessageChannel` is a task
 *   of its own, queued behind the tasks already waiting (a timer that is due, a click, a network
 *   answer), and is not clamped to 4 ms as a nested `setTimeout(0)` is. Not every host queues
 *   messages so fairly: Node delivers up to a thousand messages of a port in one go, before its
 *   timers and sockets, so a loop that yielded only by messages would starve them there. So at
 *   least every `TIMER_TURN_EVERY_MS` one turn is a `setTimeout(0)` instead, which every host
 *   runs in its timer phase, after the I/O that is waiting. In Chromium that costs nothing
 *   measurable (a timeout set from a message task is not clamped). Where neither exists,
 *   `setTimeout(0)` always. Either way a callback never runs inside the call that asked for it.
 * - the host's exit hook, where it has one (`process`' "beforeExit": Node's loop drained): the
 *   scheduler's deadlock report. A page has none: it lives until it is closed.
 * - environment variables, where the host has them and lets us read them (`ASYNCIO_DEBUG`).
 *
 * Cost: a turn by `setImmediate` is the host's; by `MessageChannel`, one `postMessage` and one
 * record pushed on a queue. The scheduler asks for at most one turn at a time per loop.
 */

/** The kinds of turn a host may give: see the module's comment. */
export type TurnKind = "setImmediate" | "MessageChannel" | "setTimeout";

/**
 * A callback the host runs on a later turn; `cancel()` stops it. One object per turn, holding
 * what the host gave back, and no closure: a loop that wakes once per socket read asks for a
 * turn as often.
 */
export class HostTurn {
  /**
   * @param how the kind of turn.
   * @param handle the host's Immediate or timer; null for a MessageChannel turn.
   * @param fn the callback, kept only by a MessageChannel turn until its message comes (null once cancelled).
   */
  constructor(
    private readonly how: TurnKind,
    private readonly handle: unknown,
    public fn: (() => void) | null,
  ) {}

  cancel(): void {
    if (this.how === "setImmediate") immediates.clearImmediate!(this.handle);
    else if (this.how === "setTimeout") clearTimeout(this.handle as ReturnType<typeof setTimeout>);
    else this.fn = null; // its message still comes, and finds nothing to run
  }
}

interface Port {
  onmessage: ((event: unknown) => void) | null;
  postMessage(message: unknown): void;
  ref?(): void;
  unref?(): void;
}

/** `setImmediate` and `clearImmediate`, where the host has them (Node, Bun, Deno). */
const immediates = globalThis as unknown as {
  setImmediate?: (fn: () => void) => unknown;
  clearImmediate?: (handle: unknown) => void;
};

/** The best kind of turn this host has. */
export function detectTurnKind(): TurnKind {
  if (typeof immediates.setImmediate === "function") return "setImmediate";
  if (typeof (globalThis as { MessageChannel?: unknown }).MessageChannel === "function") return "MessageChannel";
  return "setTimeout";
}

/** How often, at least, a `MessageChannel` turn is a `setTimeout(0)` instead (see the module's comment). */
const TIMER_TURN_EVERY_MS = 10;
/** When the last `setTimeout` turn was asked for, in `performance.now()` milliseconds. */
let lastTimerTurn = -Infinity;

/** Which turn `requestTurn` uses: the best the host has, unless a test chose another. */
let kind: TurnKind = detectTurnKind();
/** The MessageChannel turns waiting for their message, oldest first: one message was posted for each. */
let channel: { send: Port; receive: Port; queued: HostTurn[] } | null = null;

/** The kind of turn the scheduler uses now. */
export function turnKind(): TurnKind {
  return kind;
}

/**
 * @internal Makes the scheduler use another kind of turn (test/core/host.test.ts runs the loop
 * on Node as it runs in a browser); `null` goes back to the best one. Only between runs.
 */
export function _useTurnKind(next: TurnKind | null): void {
  kind = next ?? detectTurnKind();
}

/**
 * Whether the host's immediates can starve its sockets: Deno (2.x) runs `setImmediate` callbacks
 * again and again without polling its sockets in between, so there too a turn is a `setTimeout(0)`
 * at least every `TIMER_TURN_EVERY_MS`. Node and Bun poll for I/O between immediates.
 */
const immediatesStarveIO = "Deno" in globalThis;

/** Runs `fn` on a later turn of the host, after its pending timers, I/O and events. */
export function requestTurn(fn: () => void): HostTurn {
  if (kind !== "setTimeout" && (kind === "MessageChannel" || immediatesStarveIO)) {
    const now = performance.now();
    if (now - lastTimerTurn >= TIMER_TURN_EVERY_MS) {
      lastTimerTurn = now;
      return timerTurn(fn);
    }
  }
  if (kind === "setImmediate") return new HostTurn("setImmediate", immediates.setImmediate!(fn), null);
  if (kind === "MessageChannel") return postTurn(fn);
  return timerTurn(fn);
}

function timerTurn(fn: () => void): HostTurn {
  return new HostTurn("setTimeout", setTimeout(fn, 0), null);
}

function postTurn(fn: () => void): HostTurn {
  if (channel === null) channel = openChannel();
  const turn = new HostTurn("MessageChannel", null, fn);
  channel.queued.push(turn);
  // Node keeps its process alive while a port listens; hold it only while a turn waits.
  if (channel.queued.length === 1) channel.receive.ref?.();
  channel.send.postMessage(null);
  return turn;
}

function openChannel(): { send: Port; receive: Port; queued: HostTurn[] } {
  const { port1, port2 } = new (globalThis as unknown as { MessageChannel: new () => { port1: Port; port2: Port } }).MessageChannel();
  const opened = { send: port2, receive: port1, queued: [] as HostTurn[] };
  port1.onmessage = () => {
    const next = opened.queued.shift();
    if (opened.queued.length === 0) port1.unref?.();
    const fn = next?.fn;
    if (typeof fn === "function") fn();
  };
  port1.unref?.();
  return opened;
}

/** The host's built-in modules handed over by asyncio-ts's Node entry point (debug/host_modules.ts). */
const providedModules = new Map<string, unknown>();

/**
 * @internal Hands a built-in module of the host to the layers that may not import it (they load
 * in browsers too): the Node entry point of asyncio-ts does, for every Node 20 release.
 */
export function _provideHostModule(name: string, module: unknown): void {
  providedModules.set(name, module);
}

/**
 * A built-in module of the host (`"node:util"`, `"node:worker_threads"`, ...), found at run time,
 * or undefined where the host has none (a browser): the one the Node entry point handed over, else
 * `process.getBuiltinModule(name)` (Node 20.16 and later, Bun, Deno). Typed by the caller with
 * the little it uses, so this layer needs no Node types.
 */
export function hostModule<T>(name: string): T | undefined {
  const given = providedModules.get(name);
  if (given !== undefined) return given as T;
  try {
    return hostProcess()?.getBuiltinModule?.(name) as T | undefined;
  } catch {
    return undefined;
  }
}

/** The parts of Node's `process` this layer uses, each of which a host may lack. */
export interface HostProcess {
  prependListener?(event: "beforeExit", listener: () => void): unknown;
  on?(event: "SIGINT", listener: () => void): unknown;
  off?(event: "beforeExit" | "SIGINT", listener: () => void): unknown;
  listenerCount?(event: "SIGINT"): number;
  exit?(code: number): never;
  env?: Record<string, string | undefined>;
  getBuiltinModule?(name: string): unknown;
  readonly pid?: number;
  readonly stdout?: { write(text: string): unknown };
}

/** The host's `process` (Node, Bun, Deno), or undefined (a page, a Web Worker). */
export function hostProcess(): HostProcess | undefined {
  return (globalThis as { process?: HostProcess }).process;
}

/**
 * The host's Ctrl-C, where it has one: `process`' "SIGINT" event (`run()` cancels the main task
 * on it). Null in a page or a Web Worker.
 */
export function hostInterrupts(): Required<Pick<HostProcess, "on" | "off" | "listenerCount" | "exit">> | null {
  const proc = hostProcess();
  if (typeof proc?.on !== "function" || typeof proc.off !== "function" || typeof proc.listenerCount !== "function" || typeof proc.exit !== "function") return null;
  return proc as Required<Pick<HostProcess, "on" | "off" | "listenerCount" | "exit">>;
}

/** The listeners `onHostIdleExit` installed, called by one "beforeExit" listener of ours. */
const idleExitListeners: (() => void)[] = [];

/**
 * The one "beforeExit" listener of ours, however many loops run: one each would pass Node's
 * limit of ten listeners with eleven loops running at once and print a leak warning.
 */
function dispatchIdleExit(): void {
  for (const listener of idleExitListeners.slice()) listener();
}

/**
 * Calls `listener` when the host is about to exit because nothing is left to do (Node's
 * "beforeExit", which Bun and Deno emit too), ahead of the other listeners. No-op where the host
 * has no such event (a page). Returns whether it is installed.
 */
export function onHostIdleExit(listener: () => void): boolean {
  const proc = hostProcess();
  if (typeof proc?.prependListener !== "function") return false;
  idleExitListeners.push(listener);
  if (idleExitListeners.length === 1) proc.prependListener("beforeExit", dispatchIdleExit);
  return true;
}

/** Removes a listener `onHostIdleExit` installed. */
export function offHostIdleExit(listener: () => void): void {
  const i = idleExitListeners.indexOf(listener);
  if (i === -1) return;
  idleExitListeners.splice(i, 1);
  const proc = hostProcess();
  if (idleExitListeners.length === 0 && typeof proc?.off === "function") proc.off("beforeExit", dispatchIdleExit);
}

/**
 * An environment variable, or undefined where the host has none or refuses to tell (a page;
 * Deno without `--allow-env`).
 */
export function hostEnv(name: string): string | undefined {
  try {
    return hostProcess()?.env?.[name];
  } catch {
    return undefined;
  }
}
