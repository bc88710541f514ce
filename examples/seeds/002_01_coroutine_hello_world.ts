/**
 * Tutorial 002_f06ca3eb7ad36d64.txt (untitled: Future, Task, and the official examples in the old
 * style), section "Hello World": a `@asyncio.coroutine` function that prints once, run to
 * completion on the loop from getEventLoop(), which is then closed. `@asyncio.coroutine` made a
 * generator-based coroutine of a function; here every coroutine is a generator function.
 *
 * CPython 3.13 stops at the decorator: `@asyncio.coroutine` was deprecated in 3.8 and removed in
 * 3.11 (AttributeError: module 'asyncio' has no attribute 'coroutine').
 */
import { getEventLoop, type Coroutine } from "asyncio-ts";

function* helloWorld(): Coroutine<void> {
  console.log("Hello World!");
}

const loop = getEventLoop();
await loop.runUntilComplete(helloWorld());
loop.close();
