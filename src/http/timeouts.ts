/**
 * The client's deadlines (aiohttp: `ClientTimeout`), each in seconds, null meaning none.
 *
 * Which phase each bounds, in the order a request goes through them:
 * - `pool`: waiting for a free connection of the pool (httpx's `pool`).
 * - `sockConnect`: opening a new socket, DNS included.
 * - `connect`: both of the above together, i.e. everything until a connection is in hand.
 * - `sockRead`: waiting for the response head, then for each next chunk of the body.
 * - `total`: the whole request, from the call until its body is read: acquiring, connecting,
 *   sending, the head, and reading the body by `read()`/`text()`/`json()` or `content`. A body
 *   still unread when it expires fails with `TimeoutError` on the next read.
 * A phase's deadline never outlasts the total one.
 */

import { inspect } from "node:util";
import type { EventLoop, Future, TimerHandle } from "asyncio-ts";
import { checkOptions, checkSeconds } from "./options.ts";

/** Options of a `ClientTimeout`: each phase's bound in seconds, or null for none. */
export interface ClientTimeoutOptions {
  /** The whole request, body included. @default 300 (aiohttp's five minutes) */
  total?: number | null;
  /** Until a connection is in hand: the pool's wait and opening the socket. @default null */
  connect?: number | null;
  /** Opening a new socket. @default 30 */
  sockConnect?: number | null;
  /** Waiting for the head, then between chunks of the body. @default null */
  sockRead?: number | null;
  /** Waiting for a free connection of the pool. @default null */
  pool?: number | null;
}

const FIELDS = ["total", "connect", "sockConnect", "sockRead", "pool"] as const;

/**
 * Deadlines of a request, per phase (`aiohttp.ClientTimeout`; httpx's `Timeout`), in seconds.
 * Give one to a `ClientSession` (for each request) or to one request.
 * @example
 * const session = new ClientSession({ timeout: new ClientTimeout({ total: 10, connect: 2, sockRead: 5 }) });
 * yield* session.get(url, { timeout: new ClientTimeout({ total: 60 }) }); // this one may take longer
 */
export class ClientTimeout {
  readonly total: number | null;
  readonly connect: number | null;
  readonly sockConnect: number | null;
  readonly sockRead: number | null;
  readonly pool: number | null;

  /** @param options see {@link ClientTimeoutOptions}. */
  constructor(options: ClientTimeoutOptions = {}) {
    checkOptions("ClientTimeout", options, FIELDS);
    this.total = checkSeconds("total", options.total === undefined ? 300 : options.total);
    this.connect = checkSeconds("connect", options.connect ?? null);
    this.sockConnect = checkSeconds("sockConnect", options.sockConnect === undefined ? 30 : options.sockConnect);
    this.sockRead = checkSeconds("sockRead", options.sockRead ?? null);
    this.pool = checkSeconds("pool", options.pool ?? null);
  }

  toString(): string {
    return `ClientTimeout(${FIELDS.map((f) => `${f}=${this[f] ?? "null"}`).join(", ")})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** The earlier of two deadlines (loop seconds), null meaning none. */
export function earliest(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.min(a, b);
}

/**
 * Fails `fut` with `expired()` at loop time `when` (null: never) unless it is done by then; cancel
 * the returned timer once it is. A phase's deadline is one loop timer on the future it waits for,
 * not a `timeout()` block: every request has a deadline (the total's 300 s by default), and this
 * spares each a Timeout and a task cancellation (bench/: http, client fan-out).
 */
export function failAt(loop: EventLoop, when: number | null, fut: Future<unknown>, expired: () => Error): TimerHandle | null {
  if (when === null) return null;
  return loop.callAt(when, () => {
    if (!fut.done()) fut.setException(expired());
  });
}
