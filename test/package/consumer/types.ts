/**
 * Type tests, checked by tsc under both module resolutions: what the package's types infer.
 * Each `Expect<Equal<...>>` fails to compile when the inferred type changes.
 */
import { createTask, gather, sleep, type AwaitedOf, type Coroutine, type Future, type Task } from "asyncio-ts";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Expect<T extends true> = T;

// `Coroutine` alone is Python's `async def f() -> None`: the body needs no `return`.
function* noResult(): Coroutine {
  yield* sleep(0);
}
function* aNumber(): Coroutine<number> {
  yield* sleep(0);
  return 1;
}
export type NoResult = Expect<Equal<ReturnType<typeof noResult>, Coroutine<void>>>;
// "Any coroutine" is `Coroutine<unknown>`: every coroutine is one.
export const anyCoroutines: Coroutine<unknown>[] = [noResult(), aNumber()];

export function* inferred(): Coroutine {
  const pair = yield* gather(aNumber(), sleep(0, "s"));
  type Pair = Expect<Equal<typeof pair, [number, string]>>;
  const task = createTask(aNumber());
  type T = Expect<Equal<typeof task, Task<number>>>;
  type R = Expect<Equal<AwaitedOf<typeof task>, number>>;
  const fut: Future<void> = createTask(noResult());
  const value: [Pair, T, R, Future<void>] = [true, true, true, fut];
  void value;
}
