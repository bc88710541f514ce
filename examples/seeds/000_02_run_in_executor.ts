/**
 * Tutorial 000_f7a027b2c804bd02.txt ("Python asyncio 简易教程"), section "如何在event loop内调用同步代码"
 * (calling blocking code from the loop): eight coroutines each hand a blocking one-second call to a
 * two-thread pool with runInExecutor and wait for it with waitFor (timeout 10 s), all under one
 * `wait`; the greetings come at once, the results two by two, and the whole takes about 4 seconds.
 *
 * In the tutorial's Python (3.7) `asyncio.wait` wrapped the coroutines in tasks, taking them from a
 * set, so the results come in an order that changes from build to build (the transcript accepts any
 * order); asyncio-ts's `wait` wraps them in the order given, as `ensure_future` over the list would.
 * CPython 3.13 prints none of it: `asyncio.wait` refuses bare coroutines since 3.11 (TypeError
 * "Passing coroutines is forbidden, use tasks explicitly."), after the DeprecationWarning of
 * get_event_loop() with no current loop, and it warns that the coroutines were never awaited.
 */
import { ThreadPoolExecutor, getEventLoop, wait, waitFor, type Coroutine } from "asyncio-ts";

const executor = new ThreadPoolExecutor({
  maxWorkers: 2, // the pool's size
});

/** Runs on a pool thread, so it is shipped by its source and uses only its parameter. */
function someBlockThings(x: number): number {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000); // time.sleep(1): blocks this thread
  return x;
}

function* helloWorld(x: number): Coroutine<void> {
  console.log("hello world", Date.now() / 1000);
  const loop = getEventLoop();
  const fut = loop.runInExecutor(executor, someBlockThings, x);
  const num = yield* waitFor(fut, 10);
  console.log(`num ${num}`);
}

function* main(): Coroutine<void> {
  const start = Date.now() / 1000;
  yield* wait(Array.from({ length: 8 }, (_, i) => helloWorld(i)));
  const end = Date.now() / 1000;
  console.log(`Complete in ${end - start} seconds`);
}

const loop = getEventLoop();
await loop.runUntilComplete(main());
loop.close();
