/**
 * Tutorial 001_8035d624070b9cd9.txt ("AsyncIO 基础"), section "有关await 和 asyncio.run", fourth
 * program: the coroutines go in a list, spread into `gather` inside a small main coroutine, which
 * `run` runs (the gather future itself cannot be passed to asyncio.run).
 *
 * CPython 3.13 runs it as it is.
 */
import { gather, run, type Coroutine } from "asyncio-ts";

function* cc(): Coroutine<void> {
  console.log("cc");
}

function* dd(): Coroutine<void> {
  console.log("dd");
}

const taskList = [cc(), dd()];
function* task(): Coroutine<void> {
  yield* gather(...taskList);
}

await run(task());
