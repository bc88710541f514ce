/**
 * Tutorial 000_f7a027b2c804bd02.txt ("Python asyncio 简易教程"), section "例子": a coroutine that
 * prints, sleeps a second and prints again, run on the loop from getEventLoop() with
 * runUntilComplete, after which the loop is closed.
 *
 * CPython 3.13 runs it, but get_event_loop() with no current loop also writes a DeprecationWarning
 * ("There is no current event loop") to stderr; asyncio-ts's getEventLoop() creates the loop silently.
 */
import { getEventLoop, sleep, type Coroutine } from "asyncio-ts";

function* helloWorld(): Coroutine<void> {
  console.log("hello");
  yield* sleep(1);
  console.log(" world");
}

const loop = getEventLoop();
await loop.runUntilComplete(helloWorld());
loop.close();
