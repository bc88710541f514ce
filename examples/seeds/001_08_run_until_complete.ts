/**
 * Tutorial 001_8035d624070b9cd9.txt ("AsyncIO 基础"), section "有关await 和 asyncio.run", first
 * program: two coroutines that print, each run to completion on the loop from getEventLoop().
 *
 * CPython 3.13 runs it, with a DeprecationWarning from get_event_loop() ("There is no current
 * event loop") on stderr.
 */
import { getEventLoop, type Coroutine } from "asyncio-ts";

function* cc(): Coroutine<void> {
  console.log("cc");
}

function* dd(): Coroutine<void> {
  console.log("dd");
}

const loop = getEventLoop();
await loop.runUntilComplete(cc());
await loop.runUntilComplete(dd());
