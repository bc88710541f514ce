/**
 * The types every module shares: what a coroutine is, what can be awaited.
 */

import type { Future } from "./futures.ts";

/**
 * A coroutine: a generator function's result (`async def f() -> T` is `function* f(): Coroutine<T>`).
 * Without a type argument it is Python's `async def f() -> None`: `function* main(): Coroutine { ... }`
 * needs no `return`. "Any coroutine", whatever it returns, is `Coroutine<unknown>`.
 */
export type Coroutine<T = void> = Generator<unknown, T, unknown>;

/** What `yield*` can wait on: a coroutine or a future. */
export type Awaitable<T = unknown> = Coroutine<T> | Future<T>;

/** The result type of an awaitable. */
export type AwaitedOf<A> = A extends Future<infer T> ? T : A extends Generator<unknown, infer T, unknown> ? T : A extends PromiseLike<infer T> ? T : never;
