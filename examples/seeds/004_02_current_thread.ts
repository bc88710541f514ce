/**
 * Tutorial 004_863ddc36705fe188.txt ("Python中 asyncio 模块 详解"), section "2. 用asyncio实现Hello
 * world", second program: two old-style coroutines under `wait`, each printing the current thread
 * before and after a two-second sleep: the same (main) thread runs both, concurrently.
 *
 * threading.currentThread() has no Node equivalent; `currentThread()` of ./_threads.ts prints what
 * Python prints, with node:worker_threads' `threadId` (0 on the main thread) as the number.
 * CPython 3.13 stops at the decorator: `@asyncio.coroutine` was removed in 3.11; past that,
 * `asyncio.wait` refuses bare coroutines since 3.11 (TypeError "Passing coroutines is forbidden, use
 * tasks explicitly."), and currentThread() is deprecated since 3.10 for current_thread().
 */
import { getEventLoop, sleep, wait, type Coroutine } from "asyncio-ts";
import { currentThread } from "./_threads.ts";

function* hello(): Coroutine<void> {
  console.log(`Hello world! (${currentThread()})`);
  yield* sleep(2);
  console.log(`Hello again! (${currentThread()})`);
}

const loop = getEventLoop();
const tasks = [hello(), hello()];
await loop.runUntilComplete(wait(tasks));
loop.close();
