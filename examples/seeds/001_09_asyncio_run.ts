/**
 * Tutorial 001_8035d624070b9cd9.txt ("AsyncIO 基础"), section "有关await 和 asyncio.run", second
 * program: the same two coroutines, each run by `run` (asyncio.run) on a fresh loop.
 *
 * The tutorial's program leaves out `import asyncio` (it continues the one before); with it,
 * CPython 3.13 runs it as it is.
 */
import { run, type Coroutine } from "asyncio-ts";

function* cc(): Coroutine<void> {
  console.log("cc");
}

function* dd(): Coroutine<void> {
  console.log("dd");
}

await run(cc());
await run(dd());
