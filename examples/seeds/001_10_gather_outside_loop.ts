/**
 * Tutorial 001_8035d624070b9cd9.txt ("AsyncIO 基础"), section "有关await 和 asyncio.run", third
 * program: `gather` of the two coroutines made before any loop runs, then run to completion on the
 * loop from getEventLoop() (the one the gather bound itself to).
 *
 * The tutorial's program leaves out `import asyncio`; with it, CPython 3.13 runs it, with a
 * DeprecationWarning ("There is no current event loop") from gather() on stderr.
 */
import { gather, getEventLoop, type Coroutine } from "asyncio-ts";

function* cc(): Coroutine<void> {
  console.log("cc");
}

function* dd(): Coroutine<void> {
  console.log("dd");
}

const mainTask = gather(cc(), dd());
const loop = getEventLoop();
await loop.runUntilComplete(mainTask);
