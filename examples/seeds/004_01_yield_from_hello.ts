/**
 * Tutorial 004_863ddc36705fe188.txt ("Python中 asyncio 模块 详解"), section "2. 用asyncio实现Hello
 * world", first program: an old-style coroutine (`@asyncio.coroutine`, `yield from`) prints, sleeps
 * two seconds and prints again, run to completion on the loop from getEventLoop(), then closed.
 * `yield from` is `yield*`, and `@asyncio.coroutine` is what a generator function is here.
 *
 * CPython 3.13 stops at the decorator: `@asyncio.coroutine` was deprecated in 3.8 and removed in
 * 3.11 (AttributeError: module 'asyncio' has no attribute 'coroutine').
 */
import { getEventLoop, sleep, type Coroutine } from "asyncio-ts";

function* hello(): Coroutine<void> {
  console.log("Hello world!");
  yield* sleep(2);
  console.log("Hello again!");
}

const loop = getEventLoop();
await loop.runUntilComplete(hello());
loop.close();
